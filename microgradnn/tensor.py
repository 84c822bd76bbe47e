"""`Tensor`: a numpy array on the same graph core as `Value`.

Every op follows one pattern:

* the forward computes a numpy result and keeps, in a small `ctx` tuple, the
  arrays its backward needs (never the node itself, so no reference cycles);
* a module-level pure function ``_<op>_backward(ctx, upstream, needs)`` turns
  the upstream gradient into one gradient per parent (None where ``needs`` is
  False, so e.g. the data batch of ``x @ W`` never costs a matmul);
* `Tensor._vjp` calls it and then undoes numpy broadcasting in one place:
  each gradient is summed back to its parent's shape (and cast to its dtype).

Only a small set of ops are primitives with a backward; the rest (`var`,
`flatten`, `squeeze`, ...) are composed of them, and `custom_op` adds new
ones the same way. Shapes follow numpy's broadcasting rules and names follow
numpy (`axis`, `keepdims`); semantics around gradients follow PyTorch
(`requires_grad`, `backward(gradient)`, `detach()`, `no_grad()`).

Conventions a learner may trip over, in one list:

* an op records its parents only when grad mode is on and some input
  requires grad; otherwise its result is a plain leaf;
* comparisons (``x > 0``) and `argmax` return tensors without gradient;
* at kinks: relu'(0) = 0, leaky_relu'(0) = slope, abs'(0) = 0, step' = 0,
  clip passes the gradient at its bounds, and tied maxima/minima (in `max`,
  `min`, `maximum`, `minimum`) share the gradient equally;
* no two gradients share memory, so an optimizer may update one in place;
  a leaf's gradient may be a view (e.g. the transpose of ``W.T``'s gradient).
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Union

import numpy as np

from microgradnn.engine import GRAD_MODE, Node
from microgradnn.value import Value

__all__ = [
    "Tensor",
    "arange",
    "concatenate",
    "custom_op",
    "detect_anomaly",
    "eye",
    "full",
    "get_default_dtype",
    "maximum",
    "minimum",
    "ones",
    "rand",
    "randn",
    "set_default_dtype",
    "stack",
    "where",
    "zeros",
]

Operand = Union["Tensor", float, int, np.ndarray]
Axis = int | Sequence[int] | None
Backward = Callable[[Any, np.ndarray, list], tuple]


# ----------------------------------------------------------------- settings
class _Settings:
    """Process-wide switches: the default float dtype and anomaly detection."""

    __slots__ = ("anomaly", "dtype")

    def __init__(self) -> None:
        self.dtype = np.dtype(np.float32)
        self.anomaly = False


_SETTINGS = _Settings()


def set_default_dtype(dtype: Any) -> None:
    """Set the float dtype that numbers and lists become (float32 unless changed, as in PyTorch)."""
    d = np.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: {d} is not a floating-point dtype; use np.float32 or np.float64")
    _SETTINGS.dtype = d


def get_default_dtype() -> np.dtype:
    """The float dtype that numbers and lists become."""
    return _SETTINGS.dtype


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Context manager: raise as soon as a NaN or inf appears, in forward or in backward.

    Ops created inside also remember where in your code they were made, so the
    error names the op and the line. It costs a check per op: use it to debug.
    """
    previous = _SETTINGS.anomaly
    _SETTINGS.anomaly = True
    try:
        yield
    finally:
        _SETTINGS.anomaly = previous


_HERE = os.path.abspath(__file__)
_PACKAGE = os.path.dirname(_HERE)


def _creation_site() -> str:
    """'file:line in function: code' of the innermost caller outside this module (and outside the package)."""
    frames = [f for f in traceback.extract_stack(limit=40)[:-1] if os.path.abspath(f.filename) != _HERE]
    if not frames:
        return "<unknown>"
    user = [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE + os.sep)]
    picked = [frames[-1]] if not user or user[-1] is frames[-1] else [frames[-1], user[-1]]
    return " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}: `{f.line}`" for f in picked)


def _first_bad(data: np.ndarray) -> str:
    bad = ~np.isfinite(data)
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), data.shape))
    kind = "nan" if np.isnan(data).any() else "inf"
    return f"{kind} (first at index {index})"


def _check_forward(out: Tensor, op: str, parents: tuple[Tensor, ...]) -> None:
    """Anomaly mode: remember where `out` was created; raise if it holds a NaN or inf."""
    out._origin = _creation_site()
    data = out.data
    if data.dtype.kind == "f" and not np.isfinite(data).all():
        already = [i for i, p in enumerate(parents) if p.data.dtype.kind == "f" and not np.isfinite(p.data).all()]
        hint = f"; input {already[0]} already held a nan or inf" if already else ""
        raise FloatingPointError(f"detect_anomaly: {op} produced {_first_bad(data)} in forward at {out._origin}{hint}")


def _check_backward(node: Tensor, grads: Sequence[np.ndarray | None]) -> None:
    """Anomaly mode: raise if `node`'s backward produced a NaN or inf, naming the op and where it was made."""
    for index, (parent, g) in enumerate(zip(node._parents, grads)):
        if g is not None and not np.isfinite(g).all():
            where_ = (
                f", created at {node._origin}"
                if node._origin
                else " (build the graph inside detect_anomaly() too, to see where it was created)"
            )
            raise FloatingPointError(
                f"detect_anomaly: the backward of {node._op}{where_} produced {_first_bad(g)} "
                f"in the gradient for its input {index} of shape {parent.shape}"
            )


# ------------------------------------------------------------ construction
def _to_array(data: Any, dtype: Any, copy: bool) -> np.ndarray:
    """numbers, lists and arrays -> ndarray; a float ndarray keeps its dtype, the rest become the default."""
    if isinstance(data, Tensor):
        raise TypeError("Tensor(): data is already a Tensor; use it directly, t.detach() to share it, or t.numpy()")
    if isinstance(data, Value):
        raise TypeError(
            "Tensor(): got a Value; Value (scalar engine) and Tensor graphs do not mix. "
            "Use Tensor(v.data) for a constant"
        )
    if isinstance(data, np.ndarray) and dtype is None and data.dtype.kind == "f":
        return data.copy() if copy else data
    arr = np.asarray(data)
    if arr.dtype.kind not in "biuf":
        if arr.dtype == object and any(isinstance(x, (Value, Tensor)) for x in arr.ravel()):
            raise TypeError(
                "Tensor(): the data holds Values or Tensors; build it from numbers (use v.data / t.numpy())"
            )
        raise TypeError(f"Tensor(): data must be numbers, got an array of dtype {arr.dtype} from {type(data).__name__}")
    target = _SETTINGS.dtype if dtype is None else np.dtype(dtype)
    if arr is data:
        return arr.astype(target, copy=copy)
    return arr.astype(target, copy=False)


class Tensor(Node):
    """An n-dimensional array that remembers how it was computed.

    >>> W = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> loss = (W * W).sum()
    >>> loss.backward()
    >>> W.grad
    array([[2., 4.],
           [6., 8.]], dtype=float32)

    A float ndarray keeps its dtype; numbers, lists and other arrays become the
    default dtype (float32, see `set_default_dtype`) unless `dtype` is given.
    The data is copied unless ``copy=False``. `grad` is None until backward
    reaches the tensor, then an ndarray of the tensor's shape and dtype.
    Only float tensors can require gradients.
    """

    __slots__ = ("_backward_fn", "_ctx", "_origin", "requires_grad")

    _zero_grad = None
    # numpy defers to our reflected operators, so `ndarray + Tensor` is a Tensor.
    __array_ufunc__ = None

    data: np.ndarray
    grad: np.ndarray | None
    requires_grad: bool

    def __init__(
        self,
        data: Any,
        *,
        requires_grad: bool = False,
        dtype: Any = None,
        label: str = "",
        copy: bool = True,
    ) -> None:
        arr = _to_array(data, dtype, copy)
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(
                f"Tensor(): only floating-point tensors can require gradients, this one has dtype {arr.dtype}; "
                "pass dtype=np.float32 (or leave dtype out)"
            )
        self.data = arr
        self.grad = None
        self.label = label
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._op = ""
        self._ctx = None
        self._backward_fn = None
        self._origin = None

    # ------------------------------------------------------------ basics
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if not self.data.ndim:
            raise TypeError("len() of a 0-d tensor; it has no first axis (use .item())")
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The data itself, not a copy (as in PyTorch): writing to it changes the tensor."""
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __iter__(self) -> Iterator[Tensor]:
        """Iterate over the first axis (each item is an indexing op, so gradients flow)."""
        if not self.data.ndim:
            raise TypeError("iteration over a 0-d tensor; use .item()")
        return (self[i] for i in range(len(self.data)))

    def item(self) -> float:
        """The single element as a Python number (as `torch.Tensor.item()`)."""
        if self.data.size != 1:
            raise ValueError(
                f"item(): only a tensor with exactly one element has an item; this one has shape {self.shape} "
                f"({self.data.size} elements). Reduce it first (.sum(), .mean()) or index one element"
            )
        return self.data.item()

    def __float__(self) -> float:
        return float(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; compare elements and use "
                ".numpy().any() or .numpy().all()"
            )
        return bool(self.data)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph (requires_grad False)."""
        return _leaf(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Turn gradient tracking on or off for this leaf, in place; returns self."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"requires_grad_: only floating-point tensors can require gradients, not {self.dtype}")
        if self._parents:
            raise ValueError("requires_grad_: only a leaf can change requires_grad; use .detach() for an op's result")
        self.requires_grad = bool(requires_grad)
        return self

    def astype(self, dtype: Any) -> Tensor:
        """The data cast to `dtype`; the gradient flows back (cast to this dtype) only between float dtypes."""
        d = np.dtype(dtype)
        data = self.data.astype(d)
        if d.kind != "f":
            return _leaf(data)
        return _make(data, "astype", (self,), _identity_backward, None)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=60, edgeitems=3, prefix="Tensor(")
        parts = [body, f"shape={self.shape}", f"dtype={self.dtype}"]
        if self._op:
            parts.append(f"grad_fn={self._op}")
        elif self.requires_grad:
            parts.append("requires_grad=True")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"Tensor({', '.join(parts)})"

    def __setitem__(self, key: Any, value: Any) -> None:
        raise TypeError(
            "Tensor does not support item assignment (it would silently break backward); "
            "write to t.data under no_grad() for a parameter update, or build a new tensor with where()"
        )

    # ------------------------------------------------------------ engine
    def _vjp(self, upstream: np.ndarray) -> list[np.ndarray | None]:
        parents = self._parents
        if len(parents) == 1:  # most ops: a shorter path (this runs once per node in every backward)
            # A recorded node with one parent: that parent requires grad, or nothing would have been recorded.
            (g,) = self._backward_fn(self._ctx, upstream, _JUST_ONE)
            target = parents[0].data
            if g.__class__ is not np.ndarray or g.shape != target.shape or g.dtype is not target.dtype:
                g = _conform(g, target)
            out = [g]
        else:
            grads = self._backward_fn(self._ctx, upstream, [p.requires_grad for p in parents])
            out = []
            handed_out = False
            for parent, g in zip(parents, grads):
                if g is not None:
                    target = parent.data
                    # One test for the common case (an array of the parent's shape and dtype); _conform does the
                    # rest, and is the one place where broadcasting is undone.
                    if g.__class__ is not np.ndarray or g.shape != target.shape or g.dtype is not target.dtype:
                        g = _conform(g, target)
                    if g is upstream:
                        # a + b hands the same array to both parents: the first takes it, the others get copies,
                        # so no two gradients ever share memory (an optimizer may update one in place).
                        if handed_out:
                            g = g.copy()
                        handed_out = True
                out.append(g)
        if _SETTINGS.anomaly:  # the engine adds whatever comes back, so a NaN is caught here, at its source
            _check_backward(self, out)
        return out

    def _check_backward_seed(self, gradient: Any) -> np.ndarray:
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad, so there is no graph to go back through; "
                "create the parameters with requires_grad=True (and build the graph outside no_grad())"
            )
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward on a tensor of shape {self.shape} needs an explicit gradient, e.g. "
                    "t.backward(np.ones_like(t.data)) or reduce it with .sum() first"
                )
            seed = np.array(1.0, dtype=self.dtype)  # np.ones is a Python function: this is several times faster
            return seed.reshape(self.shape) if self.shape else seed
        if isinstance(gradient, Value):
            raise TypeError("backward(gradient): got a Value; pass a numpy array or a Tensor of the tensor's shape")
        if isinstance(gradient, Tensor):
            gradient = gradient.data
        seed = np.array(gradient, dtype=self.dtype)  # a copy: the root's .grad owns its memory
        if seed.shape != self.shape:
            raise ValueError(
                f"backward: the gradient has shape {seed.shape} but the tensor has shape {self.shape}; "
                "they must be the same"
            )
        return seed

    # -------------------------------------------------------- arithmetic
    def __add__(self, other: Operand) -> Tensor:
        """f(a, b) = a + b;  df/da = 1,  df/db = 1."""
        other = _operand(other, self, "+")
        return _make(_broadcast("+", np.add, self, other), "+", (self, other), _add_backward, None)

    def __sub__(self, other: Operand) -> Tensor:
        """f(a, b) = a - b;  df/da = 1,  df/db = -1."""
        other = _operand(other, self, "-")
        return _make(_broadcast("-", np.subtract, self, other), "-", (self, other), _sub_backward, None)

    def __mul__(self, other: Operand) -> Tensor:
        """f(a, b) = a * b;  df/da = b,  df/db = a."""
        other = _operand(other, self, "*")
        data = _broadcast("*", np.multiply, self, other)
        return _make(data, "*", (self, other), _mul_backward, (self.data, other.data))

    def __truediv__(self, other: Operand) -> Tensor:
        """f(a, b) = a / b;  df/da = 1/b,  df/db = -a/b^2 = -f/b."""
        other = _operand(other, self, "/")
        data = _broadcast("/", np.divide, self, other)
        return _make(data, "/", (self, other), _div_backward, (other.data, data))

    def __pow__(self, other: Operand) -> Tensor:
        """f(a, p) = a ** p;  df/da = p a^(p-1),  df/dp = a^p ln(a).

        A plain number p is a constant (one parent); a Tensor p is a second
        parent, whose gradient needs a > 0 (where a = 0 it is taken as 0).
        """
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            p = int(other) if float(other).is_integer() else float(other)  # a Python number keeps float32 float32
            return _make(self.data**p, f"**{p:g}", (self,), _pow_const_backward, (self.data, p))
        other = _operand(other, self, "**")
        data = _broadcast("**", np.power, self, other)
        return _make(data, "**", (self, other), _pow_backward, (self.data, other.data, data))

    def __neg__(self) -> Tensor:
        """f(a) = -a;  f'(a) = -1."""
        return _make(-self.data, "neg", (self,), _neg_backward, None)

    def __matmul__(self, other: Operand) -> Tensor:
        """f(A, B) = A @ B (matrix, vector or batched);  dL/dA = G @ B^T,  dL/dB = A^T @ G."""
        other = _operand(other, self, "@")
        return _matmul(self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return _operand(other, self, "+") + self

    def __rsub__(self, other: Operand) -> Tensor:
        return _operand(other, self, "-") - self

    def __rmul__(self, other: Operand) -> Tensor:
        return _operand(other, self, "*") * self

    def __rtruediv__(self, other: Operand) -> Tensor:
        return _operand(other, self, "/") / self

    def __rpow__(self, other: Operand) -> Tensor:
        return _operand(other, self, "**") ** self

    def __rmatmul__(self, other: Operand) -> Tensor:
        return _matmul(_operand(other, self, "@"), self)

    # ------------------------------------------------------- comparisons
    # Comparisons return boolean tensors that carry no gradient (the result is
    # piecewise constant); nodes still hash by identity.
    def __lt__(self, other: Operand) -> Tensor:
        return _compare("<", np.less, self, other)

    def __le__(self, other: Operand) -> Tensor:
        return _compare("<=", np.less_equal, self, other)

    def __gt__(self, other: Operand) -> Tensor:
        return _compare(">", np.greater, self, other)

    def __ge__(self, other: Operand) -> Tensor:
        return _compare(">=", np.greater_equal, self, other)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return _compare("==", np.equal, self, other)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return _compare("!=", np.not_equal, self, other)

    __hash__ = Node.__hash__

    # ------------------------------------------------ elementwise functions
    def exp(self) -> Tensor:
        """f(x) = e^x;  f'(x) = e^x."""
        out = np.exp(self.data)
        return _make(out, "exp", (self,), _mul_by_ctx_backward, out)

    def log(self) -> Tensor:
        """f(x) = ln(x) for x > 0;  f'(x) = 1/x.  (log(0) = -inf; detect_anomaly() catches it.)"""
        return _make(np.log(self.data), "log", (self,), _log_backward, self.data)

    def sqrt(self) -> Tensor:
        """f(x) = sqrt(x);  f'(x) = 1 / (2 sqrt(x))  (infinite at 0)."""
        out = np.sqrt(self.data)
        return _make(out, "sqrt", (self,), _sqrt_backward, out)

    def tanh(self) -> Tensor:
        """f(x) = tanh(x);  f'(x) = 1 - tanh(x)^2."""
        out = np.tanh(self.data)
        return _make(out, "tanh", (self,), _tanh_backward, out)

    def sigmoid(self) -> Tensor:
        """f(x) = 1 / (1 + e^-x);  f'(x) = f(x) (1 - f(x))."""
        x = self.data
        # e^-|x| never overflows; the two forms agree and each is accurate on its side.
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return _make(out, "sigmoid", (self,), _sigmoid_backward, out)

    def relu(self) -> Tensor:
        """f(x) = max(0, x);  f'(x) = 1 for x > 0, else 0."""
        out = np.maximum(self.data, 0)
        # relu'(0) = 0: at the kink we pick the left slope, as PyTorch does.
        return _make(out, "relu", (self,), _relu_backward, out)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """f(x) = x for x > 0, else negative_slope * x;  f'(x) = 1 or negative_slope."""
        x, slope = self.data, float(negative_slope)
        # leaky_relu'(0) = negative_slope: the left slope, as for relu.
        positive = x > 0
        return _make(np.where(positive, x, slope * x), "leaky_relu", (self,), _leaky_relu_backward, (positive, slope))

    def step(self) -> Tensor:
        """The chapter's step activation: f(z) = 1 if z >= 0 else 0;  f'(z) = 0 (also at 0).

        A zero gradient flows back, so nothing before a step function learns.
        """
        return _make((self.data >= 0).astype(self.dtype), "step", (self,), _zero_backward, self.data)

    def abs(self) -> Tensor:
        """f(x) = |x|;  f'(x) = sign(x)."""
        # abs'(0) = 0: the average of the two one-sided slopes (np.sign(0) = 0).
        return _make(np.abs(self.data), "abs", (self,), _abs_backward, self.data)

    __abs__ = abs

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        """f(x) = min(max(x, min), max);  f'(x) = 1 where min <= x <= max, else 0."""
        if min is None and max is None:
            raise ValueError("clip: give min, max or both")
        x = self.data
        inside = np.ones(x.shape, dtype=bool)
        # The bounds themselves count as inside (gradient 1), as in PyTorch's clamp.
        if min is not None:
            inside &= x >= min
        if max is not None:
            inside &= x <= max
        return _make(np.clip(x, min, max), "clip", (self,), _mask_backward, inside)

    # -------------------------------------------------------- reductions
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """f(x) = sum of x over `axis` (all axes by default);  df/dx_i = 1."""
        axes = _axes("sum", axis, self.shape)
        data = _add_reduce(self.data, axes, keepdims)
        return _make(data, "sum", (self,), _sum_backward, (self.shape, axes, keepdims, 1))

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """f(x) = sum(x) / n over `axis`;  df/dx_i = 1/n."""
        axes = _axes("mean", axis, self.shape)
        n = _count(self.shape, axes)
        if n == 0:
            raise ValueError(f"mean: no elements to average over axis {axis} of shape {self.shape}")
        data = _add_reduce(self.data, axes, keepdims) / n
        return _make(data, "mean", (self,), _sum_backward, (self.shape, axes, keepdims, 1.0 / n))

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """f(x) = max of x over `axis`;  df/dx_i = 1 at the maximum, else 0.

        Convention: tied maxima share the gradient equally (each gets 1/k), the
        average of the one-sided slopes, as PyTorch's amax does.
        """
        return _extreme(self, "max", np.maximum, axis, keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """f(x) = min of x over `axis`;  df/dx_i = 1 at the minimum, else 0 (ties share it equally)."""
        return _extreme(self, "min", np.minimum, axis, keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """f(x) = sum((x - mean(x))^2) / (n - ddof);  df/dx_i = 2 (x_i - mean) / (n - ddof).

        Composed of mean, subtraction, product and sum, so its gradient comes for free.
        ddof=0 is numpy's default (PyTorch's `var` uses ddof=1).
        """
        axes = _axes("var", axis, self.shape)
        n = _count(self.shape, axes)
        if n - ddof <= 0:
            raise ValueError(f"var: {n} elements with ddof={ddof} leave no degrees of freedom (shape {self.shape})")
        centered = self - self.mean(axis=axes, keepdims=True)
        return (centered * centered).sum(axis=axes, keepdims=keepdims) * (1.0 / (n - ddof))

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the largest element (along `axis`): an integer tensor, no gradient."""
        _axes("argmax", axis, self.shape)
        return _leaf(np.argmax(self.data, axis=axis, keepdims=keepdims))

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the smallest element (along `axis`): an integer tensor, no gradient."""
        _axes("argmin", axis, self.shape)
        return _leaf(np.argmin(self.data, axis=axis, keepdims=keepdims))

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """f(x) = log(sum(e^x)) over `axis`;  df/dx_i = softmax(x)_i."""
        axes = _axes("logsumexp", axis, self.shape)
        x = self.data
        m = _stable_max(x, axes)
        # Subtracting the max first keeps exp() from overflowing (largest term e^0 = 1); it is added back after.
        lse = m + np.log(np.add.reduce(np.exp(x - m), axis=axes, keepdims=True))
        data = lse if keepdims else _squeeze(lse, axes)
        return _make(data, "logsumexp", (self,), _logsumexp_backward, (x, lse, axes, keepdims))

    def softmax(self, axis: int = -1) -> Tensor:
        """f(x)_i = e^x_i / sum_j e^x_j along `axis`;  J = diag(f) - f f^T."""
        axes = _axes("softmax", axis, self.shape)
        # Subtracting the max cancels in the ratio, and keeps exp() from overflowing at large logits.
        e = np.exp(self.data - _stable_max(self.data, axes))
        out = e / np.add.reduce(e, axis=axes, keepdims=True)
        return _make(out, "softmax", (self,), _softmax_backward, (out, axes))

    def log_softmax(self, axis: int = -1) -> Tensor:
        """f(x)_i = x_i - log(sum_j e^x_j) along `axis`;  dL/dx = g - softmax(x) * sum(g)."""
        axes = _axes("log_softmax", axis, self.shape)
        # Subtracting the max cancels in x - logsumexp(x), and keeps exp() finite at logits of +-1000.
        shifted = self.data - _stable_max(self.data, axes)
        out = shifted - np.log(np.add.reduce(np.exp(shifted), axis=axes, keepdims=True))
        return _make(out, "log_softmax", (self,), _log_softmax_backward, (out, axes))

    # ------------------------------------------------------------ shapes
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same elements in a new shape (one dimension may be -1);  the gradient is reshaped back."""
        new = _shape_arg(shape)
        try:
            data = self.data.reshape(new)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {self.shape} ({self.size} elements) into {new}; "
                "the number of elements must stay the same"
            ) from None
        return _make(data, "reshape", (self,), _reshape_backward, self.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge the axes start_dim..end_dim into one (PyTorch's names; `x.flatten(1)` keeps the batch axis)."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (_axes("flatten", d, self.shape)[0] for d in (start_dim, end_dim))
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {self.shape}")
        shape = self.shape
        return self.reshape(*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])

    def squeeze(self, axis: Axis = None) -> Tensor:
        """Drop axes of size 1 (all of them, or those in `axis`)."""
        shape = self.shape
        if axis is None:
            drop = tuple(i for i, n in enumerate(shape) if n == 1)
        else:
            drop = _axes("squeeze", axis, shape)
            for i in drop:
                if shape[i] != 1:
                    raise ValueError(f"squeeze: axis {i} of shape {shape} has size {shape[i]}; only size-1 axes go")
        return self.reshape(*(n for i, n in enumerate(shape) if i not in drop))

    def unsqueeze(self, axis: int) -> Tensor:
        """Insert an axis of size 1 at position `axis` (numpy's expand_dims)."""
        ndim = self.ndim
        if not -ndim - 1 <= axis <= ndim:
            raise np.exceptions.AxisError(
                f"unsqueeze: axis {axis} is out of range for a tensor of shape {self.shape}; use {-ndim - 1}..{ndim}"
            )
        axis = axis % (ndim + 1)
        return self.reshape(*self.shape[:axis], 1, *self.shape[axis:])

    def permute(self, *axes: int | Sequence[int]) -> Tensor:
        """Reorder the axes: result axis i is input axis axes[i];  the gradient is permuted back."""
        order = _shape_arg(axes)
        ndim = self.ndim
        if len(order) != ndim or sorted(a % ndim for a in order if -ndim <= a < ndim) != list(range(ndim)):
            raise ValueError(
                f"permute: {order} is not an ordering of the {ndim} axes of a tensor of shape {self.shape}"
            )
        order = tuple(a % ndim for a in order)
        inverse = tuple(order.index(i) for i in range(ndim))
        return _make(self.data.transpose(order), "permute", (self,), _permute_backward, inverse)

    def transpose(self, axis1: int | None = None, axis2: int | None = None) -> Tensor:
        """Swap two axes (PyTorch's transpose(dim0, dim1)); with no arguments reverse them all, like `.T`."""
        if axis1 is None and axis2 is None:
            return self.permute(*reversed(range(self.ndim)))
        if axis1 is None or axis2 is None:
            raise TypeError("transpose: give both axes to swap, or none to reverse all of them")
        a = _axes("transpose", axis1, self.shape)[0]
        b = _axes("transpose", axis2, self.shape)[0]
        order = list(range(self.ndim))
        order[a], order[b] = order[b], order[a]
        return self.permute(*order)

    @property
    def T(self) -> Tensor:
        """All axes reversed (a matrix transposed); a 0-d or 1-d tensor is returned as it is."""
        ndim = self.data.ndim
        if ndim < 2:
            return self
        if ndim == 2:  # x @ W.T in every Linear layer: skip permute's checks
            return _make(self.data.T, "permute", (self,), _permute_backward, (1, 0))
        return self.permute(*reversed(range(ndim)))

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """The tensor repeated along new or size-1 axes;  the gradient is summed back."""
        shape = _shape_arg((shape,))
        try:
            data = np.broadcast_to(self.data, shape)
        except ValueError:
            raise ValueError(
                f"broadcast_to: cannot broadcast shape {self.shape} to {shape}: "
                "dimensions must be equal or 1, compared from the right"
            ) from None
        return _make(data, "broadcast_to", (self,), _identity_backward, None)

    def __getitem__(self, key: Any) -> Tensor:
        """Indexing as in numpy (ints, slices, None, integer arrays, boolean masks);  the gradient is scattered back.

        Repeated indices (x[[0, 0]]) each add their gradient: backward uses np.add.at.
        """
        key, may_repeat = _index_key(key)
        try:
            data = self.data[key]
        except IndexError as error:
            raise IndexError(f"Tensor indexing: {error} (the tensor has shape {self.shape})") from None
        return _make(data, "index", (self,), _index_backward, (self.data.shape, key, may_repeat))


# ----------------------------------------------------------------- helpers
_new = object.__new__


def _leaf(data: Any) -> Tensor:
    """A leaf that requires no grad, wrapping `data` without checks or copies (internal)."""
    out = _new(Tensor)
    out.data = data if data.__class__ is np.ndarray else np.asarray(data)
    out.grad = None
    out.label = ""
    out.requires_grad = False
    out._parents = ()
    out._op = ""
    out._ctx = None
    out._backward_fn = None
    out._origin = None
    return out


def _make(data: Any, op: str, parents: tuple[Tensor, ...], backward: Backward, ctx: Any) -> Tensor:
    """The result of an op: records its parents only when grad mode is on and some parent requires grad."""
    # _leaf's body written out again: this runs once per op, and a call costs as much as the rest.
    out = _new(Tensor)
    out.data = data if data.__class__ is np.ndarray else np.asarray(data)
    out.grad = None
    out.label = ""
    out._origin = None
    for p in parents:  # a plain loop: any() with a generator costs a microsecond here
        if p.requires_grad and GRAD_MODE.enabled:
            out.requires_grad = True
            out._parents = parents
            out._op = op
            out._ctx = ctx
            out._backward_fn = backward
            break
    else:
        out.requires_grad = False
        out._parents = ()
        out._op = ""
        out._ctx = None
        out._backward_fn = None
    if _SETTINGS.anomaly:
        _check_forward(out, op, parents)
    return out


def custom_op(data: np.ndarray, op: str, parents: Sequence[Tensor], backward: Backward, ctx: Any = None) -> Tensor:
    """A new op's result, recorded exactly like the built-in ones: write the forward, get the graph for free.

    `data` is the forward result (an ndarray); `backward(ctx, upstream, needs)` is a pure function returning
    one gradient per parent (None where `needs[i]` is False); gradients of a broadcast shape are summed back
    for you. Keep in `ctx` the arrays backward needs, never the result tensor itself (that makes a cycle).

    >>> def sin_backward(x, g, needs):
    ...     return (g * np.cos(x),)
    >>> x = Tensor([0.0, 1.0], requires_grad=True)
    >>> y = custom_op(np.sin(x.data), "sin", (x,), sin_backward, ctx=x.data)
    """
    parents = tuple(parents)
    for p in parents:  # a plain loop, as in _make: fused layers and losses call this on every step
        if not isinstance(p, Tensor):
            raise TypeError("custom_op: parents must be Tensors")
    if not callable(backward):
        raise TypeError("custom_op: backward must be a function (ctx, upstream, needs) -> one gradient per parent")
    return _make(data, op, parents, backward, ctx)


def _operand(x: Any, like: Tensor, op: str) -> Tensor:
    """The other operand of a binary op as a Tensor; numbers take `like`'s float dtype (no float64 creep)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Value):
        raise TypeError(
            f"Tensor {op}: cannot combine a Tensor with a Value; the scalar engine (Value) and the Tensor engine "
            "build separate graphs. Use Tensor(v.data) for a constant, or write the whole computation with Tensors"
        )
    float_dtype = like.data.dtype if like.data.dtype.kind == "f" else None
    if isinstance(x, numbers.Number):
        return _leaf(np.asarray(x, dtype=float_dtype))
    if isinstance(x, np.ndarray):
        return _leaf(x if x.dtype.kind == "f" or float_dtype is None else x.astype(float_dtype))
    if isinstance(x, (list, tuple)):
        return _leaf(np.asarray(x, dtype=float_dtype))
    raise TypeError(f"Tensor {op}: unsupported operand of type {type(x).__name__}; use a Tensor, a number or an array")


def _broadcast_error(op: str, a: tuple[int, ...], b: tuple[int, ...]) -> ValueError:
    for i in range(1, min(len(a), len(b)) + 1):
        if a[-i] != b[-i] and 1 not in (a[-i], b[-i]):
            detail = f" (axis {-i}: {a[-i]} vs {b[-i]})"
            break
    else:
        detail = ""
    return ValueError(
        f"Tensor {op}: shapes {a} and {b} cannot be broadcast together{detail}: "
        "dimensions must be equal or 1, compared from the right"
    )


def _broadcast(op: str, fn: Callable[..., np.ndarray], a: Tensor, b: Tensor) -> np.ndarray:
    """fn(a, b) with numpy broadcasting; a shape mismatch becomes an error that states the rule."""
    try:
        return fn(a.data, b.data)
    except ValueError:
        if a.shape == b.shape:
            raise
        raise _broadcast_error(op, a.shape, b.shape) from None


def _compare(op: str, fn: Callable[..., np.ndarray], a: Tensor, b: Any) -> Tensor:
    other = b.data if isinstance(b, Tensor) else _operand(b, a, op).data
    try:
        return _leaf(fn(a.data, other))
    except ValueError:
        raise _broadcast_error(op, a.shape, np.shape(other)) from None


_JUST_ONE = (True,)


def _conform(g: Any, target: np.ndarray) -> np.ndarray:
    """A backward's result as an ndarray of `target`'s shape (broadcasting undone) and dtype."""
    if g.__class__ is not np.ndarray:  # numpy returns scalars from 0-d arithmetic
        g = np.asarray(g)
    if g.shape != target.shape:
        g = _sum_to(g, target.shape)
    if g.dtype != target.dtype:
        g = g.astype(target.dtype)
    return g


def _sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo broadcasting: sum g over the axes that broadcasting added or stretched from 1."""
    lead = g.ndim - len(shape)
    if lead > 0:  # np.add.reduce is ndarray.sum without its Python wrapper
        g = np.add.reduce(g, axis=tuple(range(lead)))
    if g.shape != shape:
        stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        g = np.add.reduce(g, axis=stretched, keepdims=True)
    if g.__class__ is not np.ndarray:
        g = np.asarray(g)
    if g.shape != shape:  # only a buggy backward gets here; gradcheck reports it with a hint
        raise ValueError(f"backward: a gradient of shape {g.shape} cannot be summed back to shape {shape}")
    return g


def _axes(op: str, axis: Axis, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """`axis` (None, an int or a sequence) as a tuple of non-negative axes, checked against `shape`."""
    if axis is None:
        return None
    ndim = len(shape)
    raw = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in raw:
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{op}: axis {a} is out of range for a tensor of shape {shape}; use an axis from {-ndim} to {ndim - 1}"
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: axis {axis} names the same axis twice")
    return tuple(out)


def _add_reduce(x: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
    """Sum over `axes`. For floats np.add.reduce is ndarray.sum without its Python wrapper (microseconds per call);
    booleans and small ints go through sum, which counts Trues and widens the integer type."""
    if x.dtype.kind == "f":
        return np.add.reduce(x, axis=axes, keepdims=keepdims)
    return x.sum(axis=axes, keepdims=keepdims)


def _count(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> int:
    return math.prod(shape) if axes is None else math.prod(shape[a] for a in axes)


def _squeeze(x: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
    return x.reshape(()) if axes is None else x.squeeze(axis=axes)


def _expand(g: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
    """Put back the reduced axes (as size 1) so g broadcasts against the input."""
    if keepdims or axes is None:
        return g
    return np.expand_dims(g, axes)


def _stable_max(x: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
    m = np.maximum.reduce(x, axis=axes, keepdims=True)
    if not np.isfinite(m).all():
        # A slice of all -inf (or inf) would turn x - m into nan; shifting by 0 there keeps the honest answer.
        m = np.where(np.isfinite(m), m, 0)
    return m


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """reshape(2, 3) and reshape((2, 3)) both mean (2, 3)."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def _index_key(key: Any) -> tuple[Any, bool]:
    """The index with Tensors replaced by their arrays, and whether it may name one element twice.

    Integer arrays and lists can repeat an element (x[[0, 0]]); ints, slices and boolean masks cannot.
    """
    parts = key if type(key) is tuple else (key,)
    converted = []
    may_repeat = False
    for k in parts:
        if isinstance(k, Tensor):
            k = k.data
        if isinstance(k, np.ndarray):
            may_repeat = may_repeat or k.dtype != bool
        elif isinstance(k, list):
            may_repeat = may_repeat or np.asarray(k).dtype != bool
        converted.append(k)
    return (tuple(converted) if type(key) is tuple else converted[0]), may_repeat


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    x, w = a.data, b.data
    if x.ndim == 2 and w.ndim == 2 and x.shape[1] == w.shape[0]:  # the common case, checked in one line
        return _make(x @ w, "matmul", (a, b), _matmul_backward, (x, w))
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"Tensor @: matmul needs at least 1-d operands, got shapes {a.shape} and {b.shape}; use * to scale"
        )
    inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if a.shape[-1] != inner_b:
        raise ValueError(
            f"Tensor @: shapes {a.shape} and {b.shape} do not line up: the inner dimensions must be equal "
            f"(a.shape[-1] = {a.shape[-1]}, b.shape[{-2 if b.ndim > 1 else 0}] = {inner_b}); "
            "did you mean to transpose one of them?"
        )
    try:
        data = np.matmul(a.data, b.data)
    except ValueError:
        raise ValueError(
            f"Tensor @: batch dimensions {a.shape[:-2]} and {b.shape[:-2]} of shapes {a.shape} and {b.shape} "
            "cannot be broadcast: dimensions must be equal or 1, compared from the right"
        ) from None
    return _make(data, "matmul", (a, b), _matmul_backward, (a.data, b.data))


def _extreme(x: Tensor, op: str, fn: np.ufunc, axis: Axis, keepdims: bool) -> Tensor:
    axes = _axes(op, axis, x.shape)
    if _count(x.shape, axes) == 0:
        raise ValueError(f"{op}: no elements to reduce over axis {axis} of shape {x.shape}")
    kept = fn.reduce(x.data, axis=axes, keepdims=True)
    data = kept if keepdims else _squeeze(kept, axes)
    return _make(data, op, (x,), _extreme_backward, (x.data, kept, axes, keepdims))


# ----------------------------------------------------- backward functions
# Each takes (ctx, upstream g, needs) and returns one gradient per parent,
# None where needs[i] is False. Shapes may still be broadcast: Tensor._vjp
# sums them back.
def _identity_backward(ctx: None, g: np.ndarray, needs: list) -> tuple:
    return (g,)


def _add_backward(ctx: None, g: np.ndarray, needs: list) -> tuple:
    return (g if needs[0] else None, g if needs[1] else None)


def _sub_backward(ctx: None, g: np.ndarray, needs: list) -> tuple:
    return (g if needs[0] else None, -g if needs[1] else None)


def _mul_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    a, b = ctx
    return (g * b if needs[0] else None, g * a if needs[1] else None)


def _div_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    b, out = ctx
    gb = g / b
    return (gb if needs[0] else None, -gb * out if needs[1] else None)


def _pow_const_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    x, p = ctx
    if p == 0:
        return (np.zeros_like(g),)  # x ** 0 is constant
    return (g * (p * x ** (p - 1)),)


def _pow_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    a, p, out = ctx
    da = g * (p * a ** (p - 1)) if needs[0] else None
    # d/dp a^p = a^p ln(a); where a = 0 (and p > 0) the limit is 0, so log(1) stands in for log(0).
    dp = g * out * np.log(np.where(a == 0, 1, a)) if needs[1] else None
    return (da, dp)


def _neg_backward(ctx: None, g: np.ndarray, needs: list) -> tuple:
    return (-g,)


def _matmul_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    a, b = ctx
    if a.ndim == 2 and b.ndim == 2:  # the common case: no reshaping
        # Each gradient is laid out like its operand: for x @ W.T (W.T an F-ordered view) dL/d(W.T) is computed
        # as (G^T x)^T, so transposing it back hands W a C-ordered gradient that updates W at full speed.
        da = db = None
        if needs[0]:
            da = (b @ g.T).T if _f_ordered(a) else g @ b.T
        if needs[1]:
            db = (g.T @ a).T if _f_ordered(b) else a.T @ g
        return (da, db)
    # A 1-d operand acts as a row (a) or column (b) matrix; the extra axis is dropped again below.
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g[..., None] if b.ndim == 1 else g
    g2 = g2[..., None, :] if a.ndim == 1 else g2
    da = db = None
    if needs[0]:
        da = g2 @ np.swapaxes(b2, -1, -2)
        da = da[..., 0, :] if a.ndim == 1 else da
    if needs[1]:
        db = np.swapaxes(a2, -1, -2) @ g2
        db = db[..., 0] if b.ndim == 1 else db
    return (da, db)  # batch axes that were broadcast are summed by _vjp


def _f_ordered(x: np.ndarray) -> bool:
    flags = x.flags
    return flags.f_contiguous and not flags.c_contiguous


def _mul_by_ctx_backward(ctx: np.ndarray, g: np.ndarray, needs: list) -> tuple:
    return (g * ctx,)


def _log_backward(x: np.ndarray, g: np.ndarray, needs: list) -> tuple:
    return (g / x,)


def _sqrt_backward(out: np.ndarray, g: np.ndarray, needs: list) -> tuple:
    return (g / (2 * out),)


def _tanh_backward(out: np.ndarray, g: np.ndarray, needs: list) -> tuple:
    return (g * (1 - out * out),)


def _sigmoid_backward(out: np.ndarray, g: np.ndarray, needs: list) -> tuple:
    return (g * out * (1 - out),)


def _relu_backward(out: np.ndarray, g: np.ndarray, needs: list) -> tuple:
    return (g * (out > 0),)


def _leaky_relu_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    positive, slope = ctx
    return (np.where(positive, g, slope * g),)


def _zero_backward(x: np.ndarray, g: np.ndarray, needs: list) -> tuple:
    return (np.zeros(x.shape, dtype=g.dtype),)


def _abs_backward(x: np.ndarray, g: np.ndarray, needs: list) -> tuple:
    return (g * np.sign(x),)


def _mask_backward(mask: np.ndarray, g: np.ndarray, needs: list) -> tuple:
    return (g * mask,)


def _sum_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    shape, axes, keepdims, scale = ctx
    g = _expand(g, axes, keepdims)
    out = np.empty(shape, dtype=g.dtype)
    # Filling a fresh array is cheaper than np.broadcast_to (a Python-level function) and owns its memory.
    out[...] = g if scale == 1 else g * scale
    return (out,)


def _extreme_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    x, kept, axes, keepdims = ctx
    hit = x == kept
    count = hit.sum(axis=axes, keepdims=True, dtype=g.dtype)
    return (np.where(hit, _expand(g, axes, keepdims) / count, 0),)  # ties split the gradient equally


def _logsumexp_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    x, lse, axes, keepdims = ctx
    return (_expand(g, axes, keepdims) * np.exp(x - lse),)


def _softmax_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    out, axes = ctx
    return (out * (g - np.add.reduce(g * out, axis=axes, keepdims=True)),)


def _log_softmax_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    out, axes = ctx
    return (g - np.exp(out) * np.add.reduce(g, axis=axes, keepdims=True),)


def _reshape_backward(shape: tuple[int, ...], g: np.ndarray, needs: list) -> tuple:
    return (g.reshape(shape),)


def _permute_backward(inverse: tuple[int, ...], g: np.ndarray, needs: list) -> tuple:
    return (g.transpose(inverse),)


def _index_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    shape, key, may_repeat = ctx
    grad = np.zeros(shape, dtype=g.dtype)
    if may_repeat:
        np.add.at(grad, key, g)  # x[[0, 0]]: both picks add into grad[0]; grad[key] = g would keep only one
    else:
        grad[key] = g
    return (grad,)


def _where_backward(cond: np.ndarray, g: np.ndarray, needs: list) -> tuple:
    return (np.where(cond, g, 0) if needs[0] else None, np.where(cond, 0, g) if needs[1] else None)


def _maximum_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    a, b = ctx
    # Where a == b the two inputs share the gradient equally (as for ties in max).
    ga = np.where(a > b, g, np.where(a == b, 0.5 * g, 0))
    return (ga if needs[0] else None, g - ga if needs[1] else None)


def _concatenate_backward(ctx: tuple, g: np.ndarray, needs: list) -> tuple:
    axis, bounds = ctx
    return tuple(part if need else None for part, need in zip(np.split(g, bounds, axis=axis), needs))


def _stack_backward(axis: int, g: np.ndarray, needs: list) -> tuple:
    prefix = (slice(None),) * axis
    return tuple(g[(*prefix, i)] if need else None for i, need in enumerate(needs))


# ------------------------------------------------------- n-ary functions
def _tensors(op: str, items: Sequence[Any]) -> tuple[Tensor, ...]:
    if isinstance(items, (Tensor, np.ndarray)) or not isinstance(items, Sequence) or not items:
        raise TypeError(f"{op}: pass a non-empty list of tensors, e.g. {op}([a, b], axis=0)")
    like = next((t for t in items if isinstance(t, Tensor)), None)
    return tuple(_operand(t, like if like is not None else Tensor(0.0), op) for t in items)


def concatenate(tensors: Sequence[Operand], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis;  each input gets back its slice of the gradient."""
    parts = _tensors("concatenate", tensors)
    first = parts[0].shape
    ax = _axes("concatenate", axis, first)[0] if first else 0
    for t in parts:
        if t.ndim != len(first) or t.shape[:ax] + t.shape[ax + 1 :] != first[:ax] + first[ax + 1 :] or not first:
            shapes = [p.shape for p in parts]
            raise ValueError(
                f"concatenate: shapes {shapes} do not fit along axis {axis}: "
                "all shapes must match except along that axis (and be at least 1-d)"
            )
    bounds = np.cumsum([t.shape[ax] for t in parts[:-1]]).tolist()
    data = np.concatenate([t.data for t in parts], axis=ax)
    return _make(data, "concatenate", parts, _concatenate_backward, (ax, bounds))


def stack(tensors: Sequence[Operand], axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new axis;  each input gets back its slice of the gradient."""
    parts = _tensors("stack", tensors)
    shapes = {t.shape for t in parts}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {[t.shape for t in parts]}")
    ndim = parts[0].ndim + 1
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"stack: axis {axis} is out of range for the result's {ndim} axes")
    ax = axis % ndim
    return _make(np.stack([t.data for t in parts], axis=ax), "stack", parts, _stack_backward, ax)


def where(condition: Any, a: Operand, b: Operand) -> Tensor:
    """f = a where condition else b (broadcast);  df/da = condition,  df/db = not condition."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != bool:
        raise TypeError(f"where: the condition must be boolean (e.g. x > 0), got dtype {cond.dtype}")
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(0.0)
    ta, tb = _operand(a, like, "where"), _operand(b, like, "where")
    try:
        data = np.where(cond, ta.data, tb.data)
    except ValueError:
        raise ValueError(
            f"where: shapes {cond.shape}, {ta.shape} and {tb.shape} cannot be broadcast together: "
            "dimensions must be equal or 1, compared from the right"
        ) from None
    return _make(data, "where", (ta, tb), _where_backward, cond)


def maximum(a: Operand, b: Operand) -> Tensor:
    """f(a, b) = max(a, b) elementwise;  df/da = 1 where a > b, 0 where a < b, 1/2 at a tie."""
    ta = a if isinstance(a, Tensor) else _operand(a, b if isinstance(b, Tensor) else Tensor(0.0), "maximum")
    tb = _operand(b, ta, "maximum")
    data = _broadcast("maximum", np.maximum, ta, tb)
    return _make(data, "maximum", (ta, tb), _maximum_backward, (ta.data, tb.data))


def minimum(a: Operand, b: Operand) -> Tensor:
    """f(a, b) = min(a, b) elementwise;  df/da = 1 where a < b, 0 where a > b, 1/2 at a tie."""
    ta = a if isinstance(a, Tensor) else _operand(a, b if isinstance(b, Tensor) else Tensor(0.0), "minimum")
    tb = _operand(b, ta, "minimum")
    data = _broadcast("minimum", np.minimum, ta, tb)
    # min(a, b) is max with the roles of a and b swapped: b wins the comparison where it is smaller.
    return _make(data, "minimum", (ta, tb), _maximum_backward, (tb.data, ta.data))


# ----------------------------------------------------------- constructors
def _size_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    return _shape_arg(shape) if shape else ()


def _dtype_arg(dtype: Any) -> np.dtype:
    return _SETTINGS.dtype if dtype is None else np.dtype(dtype)


def _rng(seed: int | None, generator: np.random.Generator | None) -> np.random.Generator:
    if seed is not None and generator is not None:
        raise ValueError("give either seed or generator, not both")
    return generator if generator is not None else np.random.default_rng(seed)


def zeros(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    d = _dtype_arg(dtype)
    return Tensor(np.zeros(_size_arg(shape), dtype=d), dtype=d, requires_grad=requires_grad, copy=False)


def ones(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ones(2, 3) or ones((2, 3))."""
    d = _dtype_arg(dtype)
    return Tensor(np.ones(_size_arg(shape), dtype=d), dtype=d, requires_grad=requires_grad, copy=False)


def full(shape: int | Sequence[int], fill_value: float, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` filled with `fill_value`."""
    d = _dtype_arg(dtype)
    return Tensor(np.full(_size_arg((shape,)), fill_value, dtype=d), dtype=d, requires_grad=requires_grad, copy=False)


def rand(
    *shape: int | Sequence[int],
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1); reproducible with `seed` or a numpy `generator`."""
    d = _dtype_arg(dtype)
    return Tensor(_rng(seed, generator).random(_size_arg(shape)), dtype=d, requires_grad=requires_grad, copy=False)


def randn(
    *shape: int | Sequence[int],
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples; reproducible with `seed` or a numpy `generator`."""
    data = _rng(seed, generator).standard_normal(_size_arg(shape))
    return Tensor(data, dtype=_dtype_arg(dtype), requires_grad=requires_grad, copy=False)


def arange(
    start: float, stop: float | None = None, step: float = 1, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Evenly spaced values in [start, stop) as numpy's arange, in the default float dtype unless `dtype` is given."""
    data = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return Tensor(data, dtype=_dtype_arg(dtype), requires_grad=requires_grad, copy=False)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default)."""
    d = _dtype_arg(dtype)
    return Tensor(np.eye(n, m, dtype=d), dtype=d, requires_grad=requires_grad, copy=False)


# Constructors are also reachable from the class, as Tensor.zeros(2, 3).
for _name in ("zeros", "ones", "full", "rand", "randn", "arange", "eye"):
    setattr(Tensor, _name, staticmethod(globals()[_name]))
del _name
