"""`Tensor`: a NumPy array on the same graph core as `Value`, and how a tensor Function is applied.

Each method runs one op: a primitive `Function` of `tensor.primitives` (its
forward and backward side by side) or a function of `tensor.composed` built
from primitives. Semantics around gradients follow PyTorch (`requires_grad`,
`backward(gradient)`, `detach()`, `no_grad()`); shapes and names follow NumPy,
with PyTorch's spellings beside them (`axis`/`dim`, `keepdims`/`keepdim`).

Writes through the library (``t[...] = v``, in-place methods such as `add_`,
optimizer steps) bump the tensor's version counter; an op remembers the
versions of its inputs, and backward raises if a tensor it saved was changed
in place since. Raw writes into ``t.data`` (a NumPy array) are not seen: they
change the numbers a later backward reads, without an error.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterator, Sequence
from typing import Any, Union

import numpy as np

from microgradnn.anomaly import check_forward
from microgradnn.engine import Context, Function, Node
from microgradnn.modes import ANOMALY, GRAD_MODE, SWITCHES
from microgradnn.tensor.broadcasting import Axis, broadcast_error, shape_arg, sum_to
from microgradnn.tensor.dtypes import get_default_dtype, to_array

__all__ = ["Tensor", "TensorFunction", "leaf", "new_tensor"]

Operand = Union["Tensor", float, int, np.ndarray]

_new = object.__new__
# Every write through the library takes the next tick of this clock (next() of a count is one step under the GIL, so
# no two writes share a tick), and an op notes the latest tick when it runs: a node made after the latest write was
# written into since by nobody, and backward skips the check of its inputs' versions. The clock only says when to
# look; the versions say what changed.
_WRITE_TICKS = itertools.count(1)
_LATEST_WRITE = [0]


class TensorFunction(Function):
    """A Function on `Tensor`s: `apply` unwraps the arrays, runs forward, and records the node.

    The node is recorded only when grad mode is on and some input requires grad;
    otherwise the result is a plain leaf. `ctx.needs_input_grad` tells backward
    which inputs need a gradient (the data batch of ``x @ W`` never costs a matmul).
    """

    @classmethod
    def apply(cls, *inputs: Tensor, **constants: Any) -> Tensor:
        """Run forward on the inputs' arrays (constants such as an axis go by keyword) and record the node."""
        ctx = Context()
        ctx.clock = _LATEST_WRITE[0]  # (before forward reads anything)
        # The same call for any arity; one and two inputs spelled out, as mapping over a tuple costs more than a
        # small op itself (-30% per op on the 64-32-10 MLP step, benchmarks/run.py).
        n = len(inputs)
        if n == 1:
            a = inputs[0]
            needs = (a.requires_grad,)
            ctx.needs_input_grad, ctx.versions = needs, (a._version,)
            out = cls.forward(ctx, a.data, **constants) if constants else cls.forward(ctx, a.data)
        elif n == 2:
            a, b = inputs
            needs = (a.requires_grad, b.requires_grad)
            ctx.needs_input_grad, ctx.versions = needs, (a._version, b._version)
            out = cls.forward(ctx, a.data, b.data, **constants) if constants else cls.forward(ctx, a.data, b.data)
        elif n == 3 and not constants:  # x W^T + b in every Linear layer
            a, b, c = inputs
            needs = (a.requires_grad, b.requires_grad, c.requires_grad)
            ctx.needs_input_grad, ctx.versions = needs, (a._version, b._version, c._version)
            out = cls.forward(ctx, a.data, b.data, c.data)
        else:
            needs = tuple([t.requires_grad for t in inputs])
            ctx.needs_input_grad, ctx.versions = needs, tuple([t._version for t in inputs])
            out = cls.forward(ctx, *[t.data for t in inputs], **constants)
        if out.__class__ is not np.ndarray:
            # NumPy hands back a scalar from 0-d arithmetic: the node holds it as a 0-d array, and a saved output
            # must be that very array (create_graph maps saved values to nodes by identity).
            scalar, out = out, np.asarray(out)
            if any(v is scalar for v in ctx.saved_values):
                ctx.saved_values = tuple(out if v is scalar else v for v in ctx.saved_values)
        if True in needs and (not SWITCHES.active or GRAD_MODE.enabled):  # (the fast mode check of modes.py)
            node = new_tensor(out, inputs, cls, ctx)  # (ctx.versions: the inputs' versions as forward read them)
        else:
            node = leaf(out)
        if SWITCHES.active and ANOMALY.enabled:
            check_forward(node, cls, inputs)
        return node


def new_tensor(data: Any, parents: tuple[Tensor, ...], fn: type[Function], ctx: Context) -> Tensor:
    """An op's recorded result (internal)."""
    out = _new(Tensor)
    out.data = data if data.__class__ is np.ndarray else np.asarray(data)
    out.grad = None
    out.label = ""
    out.requires_grad = True
    out._parents = parents
    out._fn = fn
    out._ctx = ctx
    out._version = 0
    return out


def leaf(data: Any, requires_grad: bool = False) -> Tensor:
    """A leaf wrapping `data` without checks or copies (internal)."""
    out = _new(Tensor)
    out.data = data if data.__class__ is np.ndarray else np.asarray(data)
    out.grad = None
    out.label = ""
    out.requires_grad = requires_grad
    out._parents = ()
    out._fn = None
    out._ctx = None
    out._version = 0
    return out


def operand(x: Any, like: Tensor, op: str) -> Tensor:
    """The other operand of a binary op as a Tensor; numbers take `like`'s float dtype (no float64 creep)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Node):
        raise TypeError(
            f"Tensor {op}: cannot combine a Tensor with a Value; the scalar engine (Value) and the Tensor engine "
            "build separate graphs. Use Tensor(v.data) for a constant, or write the whole computation with Tensors"
        )
    kind = like.data.dtype.kind
    if isinstance(x, (bool, np.bool_)):
        return leaf(np.asarray(x, dtype=like.data.dtype if kind != "b" else bool))
    if isinstance(x, numbers.Integral):
        dtype = like.data.dtype if kind in "fiu" else np.dtype(np.int64)
        try:
            return leaf(np.asarray(x, dtype=dtype))
        except OverflowError:  # 300 for an int8 tensor: NumPy's error would not say which op, nor what to do
            raise OverflowError(
                f"Tensor {op}: the number {x} does not fit in the tensor's dtype {dtype}; convert the tensor first, "
                "e.g. t.astype(np.int64)"
            ) from None
    if isinstance(x, numbers.Real):
        return leaf(np.asarray(x, dtype=like.data.dtype if kind == "f" else get_default_dtype()))
    if isinstance(x, (np.ndarray, list, tuple, numbers.Number)):
        arr = to_array(f"Tensor {op}", x, None, copy=False)
        if kind == "f" and arr.dtype.kind != "f":
            arr = arr.astype(like.data.dtype)
        return leaf(arr)
    raise TypeError(f"Tensor {op}: unsupported operand of type {type(x).__name__}; use a Tensor, a number or an array")


def promote(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """PyTorch's rule for mixed kinds: an int or bool operand meets a float one in the float's dtype."""
    ka, kb = a.data.dtype.kind, b.data.dtype.kind
    if ka == kb or (ka != "f" and kb != "f"):
        return a, b
    if ka == "f":
        return a, leaf(b.data.astype(a.data.dtype))
    return leaf(a.data.astype(b.data.dtype)), b


def common_dtype(dtypes: Any) -> np.dtype:
    """`promote`'s rule for any number of operands (cat, stack, einsum): ints and bools meet the floats in the
    floats' dtype (int64 with float32 is float32); floats among themselves, or ints alone, as NumPy promotes."""
    dtypes = [np.dtype(d) for d in dtypes]
    floats = [d for d in dtypes if d.kind == "f"]
    return np.result_type(*floats) if floats else np.result_type(*dtypes)


def _fit(node: Node, grads: Sequence[Any]) -> list[Any]:
    """`Tensor._conform`'s general case: broadcasting undone, dtypes matched, no two gradients sharing memory."""
    out: list[Any] = []
    for parent, g in zip(node._parents, grads):
        if g is not None:
            target = parent.data
            # A Tensor (in a create_graph pass) gets the same fitting, as graph ops.
            if g.__class__ is not np.ndarray or g.shape != target.shape or g.dtype is not target.dtype:
                if not isinstance(g, Tensor):
                    g = np.asarray(g)  # numpy hands back scalars from 0-d arithmetic
                if g.shape != target.shape:
                    g = sum_to(g, target.shape)
                if g.dtype != target.dtype:
                    g = g.astype(target.dtype)
            if g.__class__ is np.ndarray:
                for other in out:
                    if g is other:
                        # a + b hands the same array to both parents: the first takes it, the others get copies,
                        # so no two gradients ever share memory (an optimizer may update one in place).
                        g = g.copy()
                        break
        out.append(g)
    return out


def _check_saved(node: Tensor) -> None:
    """Raise if a tensor this node's backward reads was written in place after the forward pass."""
    ctx = node._ctx
    for index, (parent, version) in enumerate(zip(node._parents, ctx.versions)):
        if parent._version != version and any(s is parent.data for s in ctx.saved_values):
            name = f" {parent.label!r}" if parent.label else ""
            raise RuntimeError(
                f"backward: input {index}{name} (shape {parent.shape}) of {node.op} was modified in place "
                f"after it was used (version {version} then, {parent._version} now); its backward would read "
                "the new numbers. Recompute the forward pass after changing it (or change it under no_grad() "
                "before building the graph)"
            )


class Tensor(Node):
    """An n-dimensional array that remembers how it was computed.

    >>> W = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> loss = (W * W).sum()
    >>> loss.backward()
    >>> W.grad
    array([[2., 4.],
           [6., 8.]], dtype=float32)

    Python floats become the default float dtype (float32, see
    `set_default_dtype`), Python ints int64 and bools bool; a NumPy array keeps
    its dtype. The data is copied unless ``copy=False``. `grad` is None until
    backward reaches the tensor, then an ndarray of the tensor's shape and
    dtype. Only floating-point tensors can require gradients.
    """

    __slots__ = ("_version", "requires_grad")

    _zero_grad = None

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy ufuncs (np.exp, np.add, ndarray + Tensor, ...) go through the graph (tensor.numpy_protocol)."""
        from microgradnn.tensor.numpy_protocol import array_ufunc

        return array_ufunc(ufunc, method, *inputs, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """NumPy functions (np.sum, np.concatenate, np.where, ...) go through the graph (tensor.numpy_protocol)."""
        from microgradnn.tensor.numpy_protocol import array_function

        return array_function(func, types, args, kwargs)

    data: np.ndarray
    grad: Any  # an ndarray; a Tensor after backward(create_graph=True)
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
        if isinstance(data, Node):
            raise TypeError(
                "Tensor(): data is already a Tensor; use it directly, t.detach() to share it, or t.numpy()"
                if isinstance(data, Tensor)
                else "Tensor(): got a Value; Value (scalar engine) and Tensor graphs do not mix. "
                "Use Tensor(v.data) for a constant"
            )
        if isinstance(data, (list, tuple)) and any(isinstance(x, Node) for x in _flat(data)):
            raise TypeError("Tensor(): the data holds Values or Tensors; build it from numbers (v.data, t.numpy())")
        arr = to_array("Tensor()", data, dtype, copy)
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(
                f"Tensor(): only floating-point tensors can require gradients, this one has dtype {arr.dtype}; "
                "pass dtype=np.float32 (or write the numbers as floats, 1.0 rather than 1)"
            )
        if not isinstance(label, str):
            raise TypeError(f"Tensor(): label must be a str, got {type(label).__name__} ({label!r})")
        self.data = arr
        self.grad = None
        self.label = label
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._fn = None
        self._ctx = None
        self._version = 0

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

    def dim(self) -> int:
        """The number of axes (PyTorch's spelling of `ndim`)."""
        return self.data.ndim

    def numel(self) -> int:
        """The number of elements (PyTorch's spelling of `size`)."""
        return self.data.size

    nelement = numel  # PyTorch's other name

    @property
    def version(self) -> int:
        """How many times the library wrote into this tensor in place (t[...] = v, add_, optimizer steps)."""
        return self._version

    def __len__(self) -> int:
        if not self.data.ndim:
            raise TypeError("len() of a 0-d tensor; it has no first axis (use .item())")
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The data itself, not a copy (as in PyTorch): writing to it changes the tensor."""
        return self.data

    def tolist(self) -> Any:
        """The elements as (nested) Python lists of Python numbers; a 0-d tensor gives one number (as PyTorch)."""
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        """The data through DLPack, which ``torch.tensor(t)``, ``torch.from_dlpack(t)`` and ``np.from_dlpack(t)``
        read (``torch.tensor`` ignores the array protocol above and would walk the elements one by one)."""
        return self.data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self) -> Any:
        return self.data.__dlpack_device__()

    def __iter__(self) -> Iterator[Tensor]:
        """Iterate over the first axis (each item is an indexing op, so gradients flow)."""
        if not self.data.ndim:
            raise TypeError("iteration over a 0-d tensor; use .item()")
        return (self[i] for i in range(len(self.data)))

    def item(self) -> Any:
        """The single element as a Python number (as `torch.Tensor.item()`)."""
        if self.data.size != 1:
            raise ValueError(
                f"item(): only a tensor with exactly one element has an item; this one has shape {self.shape} "
                f"({self.data.size} elements). Reduce it first (.sum(), .mean()) or index one element"
            )
        return self.data.item()

    def __float__(self) -> float:
        return float(self.item())

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.4f}"``, as PyTorch); any other takes no format spec."""
        if self.data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(f"only a one-element integer tensor can be used as an index, not {self.dtype} {self.shape}")
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; compare elements and use "
                ".any() or .all()"
            )
        return bool(self.data)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph (requires_grad False)."""
        return leaf(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Turn gradient tracking on or off for this leaf, in place; returns self."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"requires_grad_: only floating-point tensors can require gradients, not {self.dtype}")
        if self._parents:
            raise ValueError("requires_grad_: only a leaf can change requires_grad; use .detach() for an op's result")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """PyTorch's call to keep an interior tensor's gradient. Here every node keeps the gradient of the latest
        backward pass already (docs/design.md), so this only checks that the tensor takes part in gradients."""
        if not self.requires_grad:
            raise RuntimeError(
                "retain_grad: this tensor does not require grad (no gradient will reach it); "
                "set requires_grad=True on the leaves it is computed from"
            )

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=60, edgeitems=3, prefix="Tensor(")
        parts = [body, f"shape={self.shape}", f"dtype={self.dtype}"]
        if self._fn is not None:
            parts.append(f"grad_fn={self.op}")
        elif self.requires_grad:
            parts.append("requires_grad=True")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"Tensor({', '.join(parts)})"

    def _repr_html_(self) -> str:
        from microgradnn._repr import tensor_html

        return tensor_html(self)

    # ------------------------------------------------------- engine hooks
    def _seed(self, gradient: Any, create_graph: bool) -> Any:
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
            seed = seed.reshape(self.shape) if self.shape else seed
        else:
            if isinstance(gradient, Node) and not isinstance(gradient, Tensor):
                raise TypeError("backward(gradient): got a Value; pass a numpy array or a Tensor of the tensor's shape")
            if isinstance(gradient, Tensor):
                gradient = gradient.data
            seed = np.array(gradient, dtype=self.dtype)  # a copy: the root's .grad owns its memory
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward: the gradient has shape {seed.shape} but the tensor has shape {self.shape}; "
                    "they must be the same"
                )
        return leaf(seed) if create_graph else seed

    @staticmethod
    def _conform(node: Node, grads: Sequence[Any]) -> Sequence[Any]:
        """Each gradient as its parent's shape (broadcasting undone, here alone) and dtype, owning its memory; first,
        an error if a tensor the backward read was written in place since the forward pass."""
        # The speed trick of a tensor backward, per node: the version check only after some write (the clock), and
        # the common case in one pass (arrays of their parents' shapes and dtypes, no two the same array) with no new
        # list. Measured with the in-place check's call folded in here: 673 k -> 645 k instructions per 64-32-10
        # step, and 2.03x -> 1.88x the numpy step in time, side by side.
        if node._ctx.clock != _LATEST_WRITE[0]:  # something was written since the node was made: one of its inputs?
            _check_saved(node)
        first = previous = None
        for parent, g in zip(node._parents, grads):
            if g is not None:
                target = parent.data
                if (
                    g.__class__ is not np.ndarray
                    or g.shape != target.shape
                    or g.dtype is not target.dtype
                    or g is previous
                    or g is first
                ):
                    break
                first = first if first is not None else g
                previous = g
        else:
            if len(grads) <= 3:  # (three gradients have three pairs: first-second, second-third, first-third)
                return grads
        return _fit(node, grads)

    # -------------------------------------------------------- arithmetic
    def __add__(self, other: Operand) -> Tensor:
        return _binary(P.Add, "+", self, other)

    def __sub__(self, other: Operand) -> Tensor:
        return _binary(P.Sub, "-", self, other)

    def __mul__(self, other: Operand) -> Tensor:
        return _binary(P.Mul, "*", self, other)

    def __truediv__(self, other: Operand) -> Tensor:
        return _divide(self, other, reflected=False)

    def __pow__(self, other: Operand) -> Tensor:
        """a ** p. A plain number p is a constant (one parent); a Tensor p is a second parent."""
        if isinstance(other, numbers.Real) and not isinstance(other, (bool, np.bool_)):
            base = self
            # PyTorch's promotion: int ** 0.5 and int ** 2.0 are floats, int ** 2 an int.
            if self.data.dtype.kind != "f":
                if not isinstance(other, numbers.Integral):
                    base = _as_float(self)
                elif other < 0:
                    raise ValueError(
                        f"Tensor **: an integer tensor ({self.dtype}) to a negative integer power ({other}) is not "
                        "an integer; use a float tensor (t.float() ** p) or a float exponent"
                    )
            p = int(other) if float(other).is_integer() else float(other)  # a Python number keeps float32 float32
            return P.PowConst.apply(base, exponent=p)
        return _binary(P.Pow, "**", self, other)

    def __neg__(self) -> Tensor:
        if self.data.dtype.kind == "b":
            raise TypeError("Tensor -: negating a bool tensor is not defined; to invert a mask use ~mask")
        return P.Neg.apply(self)

    def __matmul__(self, other: Operand) -> Tensor:
        return C.matmul(self, operand(other, self, "@"))

    def __radd__(self, other: Operand) -> Tensor:
        return _binary(P.Add, "+", operand(other, self, "+"), self)

    def __rsub__(self, other: Operand) -> Tensor:
        return _binary(P.Sub, "-", operand(other, self, "-"), self)

    def __rmul__(self, other: Operand) -> Tensor:
        return _binary(P.Mul, "*", operand(other, self, "*"), self)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return _divide(self, other, reflected=True)

    def __rpow__(self, other: Operand) -> Tensor:
        return _binary(P.Pow, "**", operand(other, self, "**"), self)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return C.matmul(operand(other, self, "@"), self)

    # PyTorch's method spellings of the operators.
    def add(self, other: Operand, *, alpha: float = 1.0) -> Tensor:
        """self + alpha * other."""
        return self + (other if alpha == 1.0 else operand(other, self, "add") * alpha)

    def sub(self, other: Operand, *, alpha: float = 1.0) -> Tensor:
        """self - alpha * other."""
        return self - (other if alpha == 1.0 else operand(other, self, "sub") * alpha)

    def mul(self, other: Operand) -> Tensor:
        return self * other

    def div(self, other: Operand) -> Tensor:
        return self / other

    def pow(self, exponent: Operand) -> Tensor:
        return self**exponent

    def neg(self) -> Tensor:
        return -self

    def matmul(self, other: Operand) -> Tensor:
        return self @ other

    # ------------------------------------------------------- comparisons
    # Comparisons return boolean tensors that carry no gradient (the result is
    # piecewise constant); nodes still hash by identity.
    def __lt__(self, other: Operand) -> Tensor:
        return C.compare("<", np.less, self, other)

    def __le__(self, other: Operand) -> Tensor:
        return C.compare("<=", np.less_equal, self, other)

    def __gt__(self, other: Operand) -> Tensor:
        return C.compare(">", np.greater, self, other)

    def __ge__(self, other: Operand) -> Tensor:
        return C.compare(">=", np.greater_equal, self, other)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return C.compare("==", np.equal, self, other)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return C.compare("!=", np.not_equal, self, other)

    # ------------------------------------------------ elementwise functions
    def exp(self) -> Tensor:
        return P.Exp.apply(_as_float(self))

    def log(self) -> Tensor:
        return P.Log.apply(_as_float(self))

    def sqrt(self) -> Tensor:
        return P.Sqrt.apply(_as_float(self))

    def tanh(self) -> Tensor:
        return P.Tanh.apply(_as_float(self))

    def sigmoid(self) -> Tensor:
        return P.Sigmoid.apply(_as_float(self))

    def relu(self) -> Tensor:
        return P.Relu.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return P.LeakyRelu.apply(self, negative_slope=C.number("leaky_relu", "negative_slope", negative_slope))

    def step(self) -> Tensor:
        return P.Step.apply(_as_float(self))

    def abs(self) -> Tensor:
        return P.Abs.apply(self)

    __abs__ = abs

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        """min(max(x, min), max); the bounds count as inside (gradient 1), as in PyTorch's clamp."""
        return C.clip(self, min, max)

    clamp = clip

    def astype(self, dtype: Any) -> Tensor:
        """The data cast to `dtype`; the gradient flows back (cast to this dtype) only between float dtypes."""
        return C.astype(self, dtype)

    # -------------------------------------------------------- reductions
    def sum(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Sum over `axis` (all axes by default). PyTorch's `dim`/`keepdim` are accepted too."""
        axes, keep = C.reduce_args("sum", self.shape, axis, dim, keepdims, keepdim)
        return P.Sum.apply(self, axes=axes, keepdims=keep)

    def mean(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """The mean over `axis`; the mean of no elements is nan, as in PyTorch."""
        axes, keep = C.reduce_args("mean", self.shape, axis, dim, keepdims, keepdim)
        return P.Mean.apply(_as_float(self), axes=axes, keepdims=keep)

    def max(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """The largest element over `axis`; tied maxima share the gradient equally."""
        return C.extreme(self, "max", True, axis, dim, keepdims, keepdim)

    def min(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """The smallest element over `axis`; tied minima share the gradient equally."""
        return C.extreme(self, "min", False, axis, dim, keepdims, keepdim)

    amax = max
    amin = min

    def var(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        ddof: int | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
        correction: int | None = None,
    ) -> Tensor:
        """sum((x - mean)^2) / (n - ddof). NumPy's `ddof` defaults to 0; PyTorch's `correction` to 1."""
        return C.var(self, axis, keepdims, ddof, dim, keepdim, correction)

    def argmax(
        self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None, keepdim: bool | None = None
    ) -> Tensor:
        """Index of the largest element (along `axis`): an int64 tensor, no gradient."""
        return C.arg_extreme(self, "argmax", np.argmax, axis, dim, keepdims, keepdim)

    def argmin(
        self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None, keepdim: bool | None = None
    ) -> Tensor:
        """Index of the smallest element (along `axis`): an int64 tensor, no gradient."""
        return C.arg_extreme(self, "argmin", np.argmin, axis, dim, keepdims, keepdim)

    def logsumexp(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """log(sum(e^x)) over `axis`, computed stably; over no elements it is -inf, as in PyTorch."""
        axes, keep = C.reduce_args("logsumexp", self.shape, axis, dim, keepdims, keepdim)
        return P.LogSumExp.apply(_as_float(self), axes=axes, keepdims=keep)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """e^x_i / sum_j e^x_j along `axis` (the last by default)."""
        axes, _ = C.reduce_args("softmax", self.shape, axis if dim is None else None, dim, False, None)
        return P.Softmax.apply(_as_float(self), axes=axes if axes is not None else ())

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        """x_i - log(sum_j e^x_j) along `axis` (the last by default), computed stably."""
        axes, _ = C.reduce_args("log_softmax", self.shape, axis if dim is None else None, dim, False, None)
        return P.LogSoftmax.apply(_as_float(self), axes=axes if axes is not None else ())

    # ------------------------------------------------------------ shapes
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same elements in a new shape (one dimension may be -1);  the gradient is reshaped back."""
        return C.reshape(self, shape_arg("reshape", shape))

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge the axes start_dim..end_dim into one (PyTorch's names; `x.flatten(1)` keeps the batch axis)."""
        return C.flatten(self, start_dim, end_dim)

    def squeeze(self, axis: Axis = None, *, dim: Axis = None) -> Tensor:
        """Drop axes of size 1 (all of them, or those in `axis`)."""
        return C.squeeze(self, axis if dim is None else dim)

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """Insert an axis of size 1 at position `axis` (numpy's expand_dims)."""
        return C.unsqueeze(self, axis if dim is None else dim)

    def permute(self, *axes: int | Sequence[int]) -> Tensor:
        """Reorder the axes: result axis i is input axis axes[i];  the gradient is permuted back."""
        return C.permute(self, shape_arg("permute", axes))

    def transpose(self, axis1: int | None = None, axis2: int | None = None) -> Tensor:
        """Swap two axes (PyTorch's transpose(dim0, dim1)); with no arguments reverse them all, like `.T`."""
        return C.transpose(self, axis1, axis2)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """Swap two axes (NumPy's name for transpose(a, b))."""
        return C.transpose(self, axis1, axis2)

    @property
    def T(self) -> Tensor:
        """All axes reversed (a matrix transposed); a 0-d or 1-d tensor is returned as it is."""
        ndim = self.data.ndim
        if ndim < 2:
            return self
        return P.Permute.apply(self, order=tuple(reversed(range(ndim))))

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """The tensor repeated along new or size-1 axes;  the gradient is summed back."""
        return C.broadcast_to(self, shape_arg("broadcast_to", (shape,)))

    def expand(self, *shape: int | Sequence[int]) -> Tensor:
        """PyTorch's broadcast_to: -1 keeps a size."""
        return C.expand(self, shape_arg("expand", shape))

    def __getitem__(self, key: Any) -> Tensor:
        """Indexing as in numpy (ints, slices, None, integer arrays, boolean masks);  the gradient is scattered back.

        Repeated indices (x[[0, 0]]) each add their gradient.
        """
        return C.index(self, key)

    # ------------------------------------------------------- in-place writes
    def _bump(self) -> None:
        """Record a write into this tensor's data (the version counter that backward checks)."""
        self._version += 1
        _LATEST_WRITE[0] = next(_WRITE_TICKS)

    def _check_writable(self, op: str) -> None:
        if GRAD_MODE.enabled and (self.requires_grad or self._parents):
            raise RuntimeError(
                f"Tensor {op}: an in-place write into a tensor that requires grad would silently break backward; "
                "do it under no_grad() (as an optimizer step does), or build a new tensor (where(), +)"
            )

    def __setitem__(self, key: Any, value: Any) -> None:
        """t[key] = value, in place (under no_grad() for a tensor that requires grad); bumps the version."""
        self._check_writable("t[key] = value")
        from microgradnn.tensor.primitives import index_key

        op = "Tensor t[key] = value"
        key = index_key(key)[0]
        v = value.data if isinstance(value, Tensor) else np.asarray(value)
        wider = v.dtype.kind != "f" and self.data.dtype != np.int64
        I.check_fits(op, v, self.data.dtype, "t = t.astype(np.int64)" if wider else "t = t.float()")
        try:
            self.data[key] = v
        except ValueError:
            if v.dtype.kind not in "biuf":
                raise
            target = np.shape(self.data[key])
            if v.size != 1 or target != ():
                raise ValueError(
                    f"{op}: a value of shape {v.shape} does not broadcast to the shape {target} it is written into "
                    f"(t has shape {self.shape})"
                ) from None
            self.data[key] = v.reshape(())  # one element given as [5.0]: NumPy refuses it, PyTorch takes it
        self._bump()

    def _in_place(self, op: str, other: Any, fn: Any) -> Tensor:
        self._check_writable(op)
        o = other.data if isinstance(other, Tensor) else other
        try:
            fn(self.data, o, out=self.data, casting="same_kind")
        except ValueError:
            raise broadcast_error(op, self.shape, np.shape(o)) from None
        except (TypeError, OverflowError) as error:  # NumPy's raw UFuncTypeError names no op and no fix
            raise _in_place_error(op, self.data.dtype, o, fn, error) from None
        self._bump()
        return self

    def add_(self, other: Operand, *, alpha: float = 1.0) -> Tensor:
        """self += alpha * other, in place (under no_grad() for a tensor that requires grad); returns self."""
        o = other.data if isinstance(other, Tensor) else other
        return self._in_place("add_", o if alpha == 1.0 else np.multiply(o, alpha), np.add)

    def sub_(self, other: Operand, *, alpha: float = 1.0) -> Tensor:
        """self -= alpha * other, in place; returns self."""
        o = other.data if isinstance(other, Tensor) else other
        return self._in_place("sub_", o if alpha == 1.0 else np.multiply(o, alpha), np.subtract)

    def mul_(self, other: Operand) -> Tensor:
        """self *= other, in place; returns self."""
        return self._in_place("mul_", other, np.multiply)

    def div_(self, other: Operand) -> Tensor:
        """self /= other, in place; returns self."""
        return self._in_place("div_", other, np.divide)

    def zero_(self) -> Tensor:
        """Fill with zeros, in place; returns self."""
        return self.fill_(0)

    def fill_(self, value: float) -> Tensor:
        """Fill with `value`, in place; returns self."""
        self._check_writable("fill_")
        self.data[...] = value
        self._bump()
        return self

    def copy_(self, src: Operand) -> Tensor:
        """Copy `src` into this tensor (broadcast), in place; returns self."""
        self._check_writable("copy_")
        s = src.data if isinstance(src, Tensor) else np.asarray(src)
        if s.dtype.kind not in "biuf":
            raise TypeError(f"Tensor copy_: src must be numbers, got dtype {s.dtype}")
        # PyTorch's copy_ converts any dtype (floats into an int tensor truncate); a value the dtype cannot hold
        # (300 into int8, nan into int64) is refused rather than wrapped.
        I.check_fits("copy_", s, self.data.dtype, "t = t.float(), or a wider int dtype")
        try:
            np.copyto(self.data, s, casting="unsafe")
        except ValueError:
            raise broadcast_error("copy_", self.shape, np.shape(s)) from None
        self._bump()
        return self

    # ---- reductions, scans, sorting (tensor/reductions.py), shape and indexing (tensor/indexing.py),
    # ---- einsum and attention (tensor/einsum.py), losses (tensor/losses.py). One-liners: each op lives in its
    # ---- module; NumPy's axis/keepdims and PyTorch's dim/keepdim are both accepted where both exist.
    def std(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        ddof: int | None = None,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
        correction: int | None = None,
    ) -> Tensor:
        """sqrt(var): NumPy's `ddof` (default 0) or PyTorch's `correction` (default 1 with `dim`)."""
        return R.std(self, axis, keepdims, ddof, dim, keepdim, correction)

    def prod(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """The product over `axis`; the gradient is exact at zeros (the product of the other elements)."""
        return R.prod(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def any(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Whether any element (over `axis`) is nonzero: bool, no gradient."""
        return R.any(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def all(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Whether every element (over `axis`) is nonzero: bool, no gradient."""
        return R.all(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def isclose(self, other: Operand, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
        """|self - other| <= atol + rtol |other| elementwise: bool, no gradient."""
        return R.isclose(self, other, rtol, atol, equal_nan)

    def norm(
        self, p: Any = 2, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """The p-norm over `axis` (all elements by default); p > 0 or inf; gradient 0 where the norm is 0."""
        return R.norm(self, p, axis, keepdims, dim=dim, keepdim=keepdim)

    def normalize(self, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
        """self / max(||self||_p, eps) along `dim`, as torch.nn.functional.normalize."""
        return R.normalize(self, p, dim, eps)

    def cumsum(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """Running sums along `dim` / `axis` (over the flattened tensor when neither is given, as np.cumsum)."""
        return R.cumsum(self.reshape(-1), 0) if dim is None and axis is None else R.cumsum(self, dim, axis=axis)

    def cumprod(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """Running products along `dim` / `axis` (flattened when neither is given); exact gradient at zeros."""
        return R.cumprod(self.reshape(-1), 0) if dim is None and axis is None else R.cumprod(self, dim, axis=axis)

    def logcumsumexp(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """log(cumsum(exp(self))) along `dim`, computed stably."""
        return R.logcumsumexp(self, dim, axis=axis)

    def cummax(self, dim: int | None = None, *, axis: int | None = None) -> R.ValuesIndices:
        """(running maximum, its index) along `dim`; the gradient goes to the current maximum."""
        return R.cummax(self, dim if axis is None else axis)

    def cummin(self, dim: int | None = None, *, axis: int | None = None) -> R.ValuesIndices:
        """(running minimum, its index) along `dim`; the gradient goes to the current minimum."""
        return R.cummin(self, dim if axis is None else axis)

    def sort(
        self, dim: int = -1, descending: bool = False, stable: bool = False, *, axis: int | None = None
    ) -> R.ValuesIndices:
        """(sorted values, original indices) along `dim` (stable; NaN largest); values carry the gradient."""
        return R.sort(self, dim if axis is None else axis, descending, stable)

    def argsort(
        self, dim: int = -1, descending: bool = False, stable: bool = False, *, axis: int | None = None
    ) -> Tensor:
        """The indices that sort along `dim` (stable): int64, no gradient."""
        return R.argsort(self, dim if axis is None else axis, descending, stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> R.ValuesIndices:
        """(the k largest or smallest values along `dim`, their indices); the gradient goes to those elements."""
        return R.topk(self, k, dim, largest, sorted)

    def pad(self, padding: Any, mode: str = "constant", value: float = 0.0) -> Tensor:
        """Pad: F.pad's flat pads (last axis first) or NumPy's ((before, after), ...); modes as F.pad."""
        return I.pad(self, padding, mode, value)

    def repeat(self, *sizes: int | Sequence[int]) -> Tensor:
        """PyTorch's repeat (NumPy's tile): copies along each axis."""
        return I.repeat(self, shape_arg("repeat", sizes))

    def tile(self, *reps: int | Sequence[int]) -> Tensor:
        """NumPy's tile: like repeat, with missing leading counts taken as 1."""
        r = shape_arg("tile", reps)
        return I.repeat(self, (1,) * (self.ndim - len(r)) + r)

    def flip(self, *dims: int | Sequence[int], axis: Any = None) -> Tensor:
        """Reverse the order along `dims` (PyTorch's flip(dims); NumPy's flip(axis))."""
        d = axis if not dims else dims[0] if len(dims) == 1 else dims
        return I.flip(self, tuple(range(self.ndim)) if d is None and not dims else d)

    def roll(self, shifts: Any, dims: Any = None, *, axis: Any = None) -> Tensor:
        """Shift along `dims` with wrap-around (the flattened tensor when dims is None)."""
        return I.roll(self, shifts, dims if axis is None else axis)

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of one size (the last may be smaller), or of the listed sizes, along `dim` (torch.split)."""
        return I.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most `chunks` pieces of equal size (the last may be smaller) along `dim` (torch.chunk)."""
        return I.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along `dim`, that axis removed (torch.unbind); each slice's gradient lands in its place."""
        return I.unbind(self, dim)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        """Split axis `dim` into `sizes` (a reshape)."""
        return I.unflatten(self, dim, sizes)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """`value` where mask is True; the gradient reaches self where the mask is False."""
        return I.masked_fill(self, mask, value)

    def masked_select(self, mask: Any) -> Tensor:
        """The elements where mask is True, as a 1-d tensor."""
        return I.masked_select(self, mask)

    def nonzero(self, as_tuple: bool = False) -> Any:
        """The indices of the nonzero elements: int64 (n, ndim), or one array per axis; no gradient."""
        return I.nonzero(self, as_tuple)

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two axes; the rest set to 0 (and no gradient there)."""
        return I.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two axes; the rest set to 0 (and no gradient there)."""
        return I.triu(self, diagonal)

    def one_hot(self, num_classes: int = -1) -> Tensor:
        """Integer class indices as int64 one-hot rows (F.one_hot)."""
        return I.one_hot(self, num_classes)

    def multinomial(
        self,
        num_samples: int,
        replacement: bool = False,
        *,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> Tensor:
        """Indices drawn from each row of these weights (torch.multinomial): int64, no gradient."""
        return K.multinomial(self, num_samples, replacement, seed=seed, generator=generator)

    def repeat_interleave(self, repeats: Any, dim: int | None = None) -> Tensor:
        """Each element repeated along `dim` (flattened when dim is None); repeated picks add their gradients."""
        return I.repeat_interleave(self, repeats, dim)

    def diag(self, diagonal: int = 0) -> Tensor:
        """A 1-d tensor as a diagonal matrix, or the diagonal of a 2-d one."""
        return I.diag(self, diagonal)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The diagonal of axes dim1 and dim2, as a new last axis."""
        return I.diagonal(self, offset, dim1, dim2)

    def gather(self, dim: int, index: Any) -> Tensor:
        """torch.gather: `out[i][j] = self[index[i][j]][j]` (dim=0); repeated picks add their gradients."""
        return I.gather(self, dim, index)

    def index_select(self, dim: int, index: Any) -> Tensor:
        """torch.index_select: the slices at the 1-d positions `index` along dim; repeated picks add their gradients."""
        return I.index_select(self, dim, index)

    def take(self, index: Any) -> Tensor:
        """torch.take: the elements of the flattened tensor at `index`, in index's shape (negatives from the end)."""
        return I.take(self, index)

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None) -> Tensor:
        """torch.scatter: a copy with src (or value) written at index along dim (reduce "add"/"multiply")."""
        return I.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        """torch.scatter_add: a copy with src added at index along dim (repeated indices add up)."""
        return I.scatter_add(self, dim, index, src)

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Tensor:
        """torch.scatter_reduce with reduce 'sum', 'prod', 'mean', 'amax' or 'amin'."""
        return I.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    @staticmethod
    def einsum(subscripts: str, *operands: Any) -> Tensor:
        """Tensor.einsum('ij,jk->ik', a, b): Einstein summation with its gradient (as np.einsum, torch.einsum)."""
        return X.einsum(subscripts, *operands)

    def scaled_dot_product_attention(
        self,
        key: Tensor,
        value: Tensor,
        attn_mask: Any = None,
        dropout_p: float = 0.0,
        is_causal: bool = False,
        scale: float | None = None,
    ) -> Tensor:
        """softmax(self key^T * scale + mask) value, with self as the query (F.scaled_dot_product_attention)."""
        return X.scaled_dot_product_attention(self, key, value, attn_mask, dropout_p, is_causal, scale)

    def cross_entropy(
        self,
        target: Any,
        *,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> Tensor:
        """F.cross_entropy of these logits (class axis 1) against class indices or probabilities."""
        return L.cross_entropy(self, target, weight, ignore_index, reduction, label_smoothing)

    def nll_loss(self, target: Any, *, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
        """F.nll_loss of these log-probabilities (class axis 1) at class indices."""
        return L.nll_loss(self, target, weight, ignore_index, reduction)

    def sparse_categorical_crossentropy(
        self, target: Any, ignore_index: int = -1, label_smoothing: float = 0.0, reduction: str = "mean"
    ) -> Tensor:
        """tinygrad's cross-entropy: classes on the last axis, integer targets, ignore_index counts for nothing."""
        return L.sparse_categorical_crossentropy(self, target, ignore_index, label_smoothing, reduction)

    def binary_crossentropy(self, target: Any, reduction: str = "mean") -> Tensor:
        """Binary cross-entropy of these probabilities (logs clamped at -100, as PyTorch)."""
        return L.binary_crossentropy(self, target, reduction)

    def binary_crossentropy_logits(self, target: Any, reduction: str = "mean", pos_weight: Any = None) -> Tensor:
        """Binary cross-entropy of sigmoid(self), computed stably from the logits."""
        return L.binary_crossentropy_logits(self, target, reduction, pos_weight)

    def mse(self, target: Any, reduction: str = "mean") -> Tensor:
        """The mean squared error against target (F.mse_loss)."""
        return L.mse(self, target, reduction)

    def l1_loss(self, target: Any, reduction: str = "mean") -> Tensor:
        """The mean absolute error against target (F.l1_loss)."""
        return L.l1_loss(self, target, reduction)

    def smooth_l1_loss(self, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
        """F.smooth_l1_loss: quadratic below beta, linear above."""
        return L.smooth_l1_loss(self, target, reduction, beta)

    def huber_loss(self, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
        """F.huber_loss: quadratic below delta, linear above."""
        return L.huber_loss(self, target, reduction, delta)

    # PyTorch's names for the same losses, in one place.
    mse_loss = mse
    binary_cross_entropy = binary_crossentropy
    binary_cross_entropy_with_logits = binary_crossentropy_logits

    # ---- end of the reductions / indexing / einsum / losses block

    # ---- elementwise math (tensor/elementwise.py), activations (tensor/activations.py), conversions and
    # ---- PyTorch's method spellings. One-liners: each op lives in its module. Kept last in the class body,
    # ---- because float/int/bool/round name methods here and would shadow the builtins for code below them.
    def sin(self) -> Tensor:
        return E.sin(self)

    def cos(self) -> Tensor:
        return E.cos(self)

    def tan(self) -> Tensor:
        return E.tan(self)

    def asin(self) -> Tensor:
        return E.asin(self)

    def acos(self) -> Tensor:
        return E.acos(self)

    def atan(self) -> Tensor:
        return E.atan(self)

    def sinh(self) -> Tensor:
        return E.sinh(self)

    def cosh(self) -> Tensor:
        return E.cosh(self)

    def asinh(self) -> Tensor:
        return E.asinh(self)

    def acosh(self) -> Tensor:
        return E.acosh(self)

    def atanh(self) -> Tensor:
        return E.atanh(self)

    arcsin, arccos, arctan = asin, acos, atan  # NumPy's names (PyTorch has them too)
    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def erf(self) -> Tensor:
        return E.erf(self)

    def log2(self) -> Tensor:
        return E.log2(self)

    def log10(self) -> Tensor:
        return E.log10(self)

    def exp2(self) -> Tensor:
        return E.exp2(self)

    def rsqrt(self) -> Tensor:
        return E.rsqrt(self)

    def log1p(self) -> Tensor:
        return E.log1p(self)

    def expm1(self) -> Tensor:
        return E.expm1(self)

    def square(self) -> Tensor:
        return E.square(self)

    def reciprocal(self) -> Tensor:
        return E.reciprocal(self)

    def copysign(self, other: Operand) -> Tensor:
        return E.copysign(self, other)

    def lerp(self, end: Operand, weight: Operand) -> Tensor:
        return E.lerp(self, end, weight)

    def logaddexp(self, other: Operand) -> Tensor:
        return E.logaddexp(self, other)

    def remainder(self, other: Operand) -> Tensor:
        return E.remainder(self, other)

    mod = remainder  # NumPy's name

    def fmod(self, other: Operand) -> Tensor:
        return E.fmod(self, other)

    def floor_divide(self, other: Operand) -> Tensor:
        return E.floor_divide(self, other)

    def __mod__(self, other: Operand) -> Tensor:
        return E.remainder(self, other)

    def __rmod__(self, other: Operand) -> Tensor:
        return E.remainder(operand(other, self, "%"), self)

    def __floordiv__(self, other: Operand) -> Tensor:
        return E.floor_divide(self, other)

    def __rfloordiv__(self, other: Operand) -> Tensor:
        return E.floor_divide(operand(other, self, "//"), self)

    # No gradient: piecewise constant (a plain leaf, as comparisons).
    def sign(self) -> Tensor:
        return E.sign(self)

    def floor(self) -> Tensor:
        return E.floor(self)

    def ceil(self) -> Tensor:
        return E.ceil(self)

    def trunc(self) -> Tensor:
        return E.trunc(self)

    def isnan(self) -> Tensor:
        return E.isnan(self)

    def isinf(self) -> Tensor:
        return E.isinf(self)

    def isfinite(self) -> Tensor:
        return E.isfinite(self)

    def __invert__(self) -> Tensor:
        return E.bitwise_not(self)

    def __and__(self, other: Operand) -> Tensor:
        return E.bitwise_and(self, other)

    def __rand__(self, other: Operand) -> Tensor:
        return E.bitwise_and(other, self)

    def __or__(self, other: Operand) -> Tensor:
        return E.bitwise_or(self, other)

    def __ror__(self, other: Operand) -> Tensor:
        return E.bitwise_or(other, self)

    def __xor__(self, other: Operand) -> Tensor:
        return E.bitwise_xor(self, other)

    def __rxor__(self, other: Operand) -> Tensor:
        return E.bitwise_xor(other, self)

    # PyTorch's names of the operators ~ & | ^.
    bitwise_not = __invert__
    bitwise_and = __and__
    bitwise_or = __or__
    bitwise_xor = __xor__

    def logical_not(self) -> Tensor:
        return E.logical_not(self)

    def logical_and(self, other: Operand) -> Tensor:
        return E.logical_and(self, other)

    def logical_or(self, other: Operand) -> Tensor:
        return E.logical_or(self, other)

    def logical_xor(self, other: Operand) -> Tensor:
        return E.logical_xor(self, other)

    # Activations (PyTorch's names and defaults).
    def gelu(self, approximate: str = "none") -> Tensor:
        return A.gelu(self, approximate)

    def quick_gelu(self) -> Tensor:
        return A.quick_gelu(self)

    def silu(self) -> Tensor:
        return A.silu(self)

    swish = silu

    def elu(self, alpha: float = 1.0) -> Tensor:
        return A.elu(self, alpha)

    def selu(self) -> Tensor:
        return A.selu(self)

    def celu(self, alpha: float = 1.0) -> Tensor:
        return A.celu(self, alpha)

    def relu6(self) -> Tensor:
        return A.relu6(self)

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
        return A.hardtanh(self, min_val, max_val)

    def hardsigmoid(self) -> Tensor:
        return A.hardsigmoid(self)

    def hardswish(self) -> Tensor:
        return A.hardswish(self)

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
        return A.softplus(self, beta, threshold)

    def softsign(self) -> Tensor:
        return A.softsign(self)

    def mish(self) -> Tensor:
        return A.mish(self)

    def logsigmoid(self) -> Tensor:
        return A.logsigmoid(self)

    def softmin(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return A.softmin(self, axis, dim=dim)

    # PyTorch's spellings of selection, copies and products.
    def where(self, condition: Any, other: Operand) -> Tensor:
        """self where condition else other (PyTorch's x.where(condition, y) = where(condition, x, y))."""
        return C.where(condition, self, other)

    def maximum(self, other: Operand) -> Tensor:
        return C.maximum(self, other)

    def minimum(self, other: Operand) -> Tensor:
        return C.minimum(self, other)

    def clone(self) -> Tensor:
        """A copy in its own memory that stays on the graph (the gradient flows back to self)."""
        return E.clone(self)

    def contiguous(self) -> Tensor:
        """self if its data is C-contiguous, else a contiguous `clone` (as PyTorch)."""
        return self if self.data.flags.c_contiguous else E.clone(self)

    def dot(self, other: Operand) -> Tensor:
        """The inner product of two 1-d tensors of the same length (torch.dot); use matmul for matrices."""
        o = operand(other, self, "dot")
        if self.ndim != 1 or o.ndim != 1 or self.shape != o.shape:
            raise ValueError(
                f"dot: needs two 1-d tensors of the same length, got shapes {self.shape} and {o.shape}; "
                "use @ (matmul) for matrices and batches"
            )
        return C.matmul(self, o)

    # Conversions (PyTorch's: float() is float32, int() int32, long() int64). The same dtype returns self;
    # between float dtypes the gradient flows back, to an int or bool it stops (a leaf).
    def float(self) -> Tensor:
        return self if self.data.dtype == np.float32 else C.astype(self, np.float32)

    def double(self) -> Tensor:
        return self if self.data.dtype == np.float64 else C.astype(self, np.float64)

    def half(self) -> Tensor:
        return self if self.data.dtype == np.float16 else C.astype(self, np.float16)

    def int(self) -> Tensor:
        return self if self.data.dtype == np.int32 else C.astype(self, np.int32)

    def long(self) -> Tensor:
        return self if self.data.dtype == np.int64 else C.astype(self, np.int64)

    def bool(self) -> Tensor:
        return self if self.data.dtype == np.bool_ else C.astype(self, np.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        """self in other's dtype (as `astype(other.dtype)`)."""
        if not isinstance(other, Tensor):
            raise TypeError(f"type_as: expected a Tensor, got {type(other).__name__}; use astype(dtype)")
        return self if self.data.dtype == other.data.dtype else C.astype(self, other.data.dtype)

    def round(self, decimals: int = 0) -> Tensor:
        return E.round(self, decimals)

    # ---- end of the elementwise / activations / conversions block

    __hash__ = Node.__hash__


def _binary(fn: type[TensorFunction], op: str, a: Tensor, b: Any) -> Tensor:
    """A broadcasting binary op: the other operand made a Tensor, kinds promoted, shapes checked with a clear error."""
    b = operand(b, a, op)
    if a.data.dtype is not b.data.dtype:
        a, b = promote(a, b)
    try:
        return fn.apply(a, b)
    except ValueError:
        if a.shape == b.shape:
            raise
        raise broadcast_error(op, a.shape, b.shape) from None


def _divide(t: Tensor, other: Any, reflected: bool) -> Tensor:
    """t / other (other / t when reflected): true division, a float, in PyTorch's dtype. An int or bool tensor meets
    a float tensor in the float's dtype (int / float16 is float16); beside an int tensor or a number it becomes the
    default float first, so the number is never squeezed into the int dtype (-1 / a uint8 tensor is -1.0 / ...)."""
    if t.data.dtype.kind != "f" and not (isinstance(other, Tensor) and other.data.dtype.kind == "f"):
        t = _as_float(t)
    b = operand(other, t, "/")
    return _binary(P.Div, "/", b, t) if reflected else _binary(P.Div, "/", t, b)


def _in_place_error(op: str, dtype: np.dtype, other: Any, fn: np.ufunc, error: Exception) -> Exception:
    """The clear error for an in-place op whose result the tensor's dtype cannot hold (PyTorch refuses it too)."""
    if isinstance(error, OverflowError):  # 300 into an int8 tensor
        return OverflowError(
            f"Tensor {op}: the number {other!r} does not fit in the tensor's dtype {dtype}; convert the tensor "
            f"first, e.g. t = t.astype(np.int64), then t.{op}(...)"
        )
    given = np.asarray(other).dtype
    if given.kind not in "biuf":
        return TypeError(f"Tensor {op}: unsupported operand {other!r}; use a Tensor, a number or an array")
    result = fn(np.ones(1, dtype), np.ones(1, given)).dtype
    kind, fix = ("a float", "t = t.float()") if result.kind == "f" else ("an int", "t = t.astype(np.int64)")
    number = isinstance(other, numbers.Number) and not isinstance(other, np.ndarray)
    what = f"the number {other.item() if isinstance(other, np.generic) else other!r}" if number else f"a {given} tensor"
    return TypeError(
        f"Tensor {op}: with {what} the result is {kind}, which this {dtype} tensor cannot hold in "
        f"place (PyTorch refuses it too); convert the tensor first ({fix}, then t.{op}(...)), or build a new "
        f"tensor (t = t.{op[:-1]}(...))"
    )


def _as_float(x: Tensor) -> Tensor:
    """An int or bool tensor in the default float dtype, for ops whose result is a float (exp, /, mean)."""
    return x if x.data.dtype.kind == "f" else leaf(x.data.astype(get_default_dtype()))


def _flat(items: Any) -> Iterator[Any]:
    stack = [items]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        else:
            yield x


# Imported last: the ops below are TensorFunctions and functions of Tensors, defined above.
from microgradnn.tensor import activations as A  # noqa: E402
from microgradnn.tensor import composed as C  # noqa: E402
from microgradnn.tensor import creation as K  # noqa: E402
from microgradnn.tensor import einsum as X  # noqa: E402
from microgradnn.tensor import elementwise as E  # noqa: E402
from microgradnn.tensor import indexing as I  # noqa: E402
from microgradnn.tensor import losses as L  # noqa: E402
from microgradnn.tensor import primitives as P  # noqa: E402
from microgradnn.tensor import reductions as R  # noqa: E402
