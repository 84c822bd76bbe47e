"""The tensor primitives: each op a `TensorFunction` with its forward and backward side by side.

Every other tensor op is composed from these (see `tensor.composed`). A
backward returns one gradient per input, possibly still in a broadcast shape:
the engine sums it back (`Tensor._conform`, the one place). Backward formulas
use only arithmetic, ``.sum``, ``.reshape``, ``@`` and NumPy functions that
Tensors also accept (``np.exp``, ``np.where``), so they run on arrays in a
first-order pass and on Tensors under ``create_graph=True``.

Conventions at kinks (PyTorch's): relu'(0) = 0, leaky_relu'(0) = slope,
abs'(0) = 0, step' = 0, clip passes the gradient at its bounds, and tied
maxima/minima share the gradient equally.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microgradnn.engine import Context
from microgradnn.tensor.broadcasting import count, expand_reduced
from microgradnn.tensor.tensor import Tensor, TensorFunction

__all__ = [
    "Abs",
    "Add",
    "Astype",
    "BroadcastTo",
    "Clip",
    "Concatenate",
    "Div",
    "Exp",
    "Extreme",
    "Index",
    "IndexAdd",
    "LeakyRelu",
    "Log",
    "LogSoftmax",
    "LogSumExp",
    "MatMul",
    "Maximum",
    "Mean",
    "Mul",
    "Neg",
    "Permute",
    "Pow",
    "PowConst",
    "Relu",
    "Reshape",
    "Sigmoid",
    "Softmax",
    "Sqrt",
    "Stack",
    "Step",
    "Sub",
    "Sum",
    "Tanh",
    "Var",
    "Where",
]


# ---------------------------------------------------------------- arithmetic
class Add(TensorFunction):
    """f(a, b) = a + b;  df/da = 1,  df/db = 1."""

    name = "+"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        return grad, grad


class Sub(TensorFunction):
    """f(a, b) = a - b;  df/da = 1,  df/db = -1."""

    name = "-"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        need_a, need_b = ctx.needs_input_grad
        return grad if need_a else None, -grad if need_b else None


class Mul(TensorFunction):
    """f(a, b) = a * b;  df/da = b,  df/db = a."""

    name = "*"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        a, b = ctx.saved_values
        need_a, need_b = ctx.needs_input_grad
        return grad * b if need_a else None, grad * a if need_b else None


class Div(TensorFunction):
    """f(a, b) = a / b;  df/da = 1/b,  df/db = -a/b^2 = -f/b.  (x/0 = +-inf, 0/0 = nan, as in PyTorch.)"""

    name = "/"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = a / b
        # a too, although unused: saved inputs in their order map to the right nodes under create_graph
        # even when a and b share one array (x.detach() / x).
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        _, b, out = ctx.saved_values
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # -grad * out / b, in PyTorch's order: dividing last keeps a tiny b from overflowing to inf * 0 = nan.
            return grad / b if need_a else None, -(grad * out) / b if need_b else None


class Neg(TensorFunction):
    """f(a) = -a;  f'(a) = -1."""

    name = "neg"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return -a

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (-grad,)


def ieee_power(a: np.ndarray, p: Any) -> np.ndarray:
    """a ** p as IEEE pow computes it (C's pow, Python's math.pow, Value's **), whatever NumPy's fast paths.

    NumPy 2 takes a ** 0.5 with a scalar 0.5 as sqrt(a): -0 at -0 and nan at -inf, where pow gives +0 and +inf.
    """
    out = np.power(a, p)
    if np.ndim(p) == 0 and p == 0.5:  # only a scalar exponent takes that path
        fix = (a == 0) | (a == -np.inf)
        if fix.any():
            out = np.where(fix, np.where(a == 0, 0.0, np.inf), out).astype(out.dtype, copy=False)
    return out


class PowConst(TensorFunction):
    """f(x) = x ** p for a constant number p;  f'(x) = p x^(p-1)  (0 for p = 0, also at x = 0)."""

    name = "**"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, exponent: float) -> np.ndarray:
        ctx.exponent = exponent
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return ieee_power(x, exponent)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        p = ctx.exponent
        if p == 0:
            return (grad * 0,)  # x ** 0 is constant
        with np.errstate(divide="ignore", invalid="ignore"):
            return (grad * (p * (ieee_power(x, p - 1) if isinstance(x, np.ndarray) else x ** (p - 1))),)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return f"**{ctx.exponent:g}"


class Pow(TensorFunction):
    """f(a, p) = a ** p;  df/da = p a^(p-1),  df/dp = a^p ln(a).

    PyTorch's conventions: df/da = 0 where p = 0 (0 ** 0 included); df/dp = 0
    where a = 0 and p >= 0 (the limit), and +-inf where a = 0 and p < 0.
    """

    name = "**"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, p: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = ieee_power(a, p)
        ctx.save_for_backward(a, p, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        a, p, out = ctx.saved_values
        need_a, need_p = ctx.needs_input_grad
        a_data, p_data = _data(a), _data(p)
        da = dp = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if need_a:
                # At p = 0 PyTorch gives 0. Masked only where a^(p-1) is inf or nan there (0 ** 0, nan ** 0, a
                # subnormal a whose 1/a overflows: 0 * inf): elsewhere p = 0 gives 0 anyway, and the mask would cut
                # the mixed second derivative d2/(da dp) = 1/a at p = 0.
                slope = ieee_power(a, p - 1) if isinstance(a, np.ndarray) else a ** (p - 1)
                da = np.where((p_data == 0) & ~np.isfinite(_data(slope)), 0, grad * p * slope)
            if need_p:
                # log(1) stands in for log(0) where the limit is taken (a = 0, p >= 0); p < 0 keeps log(0) = -inf.
                at_zero = (a_data == 0) & (p_data >= 0)
                dp = np.where(at_zero, 0, grad * out * np.log(np.where(at_zero, 1, a)))
        return da, dp


class MatMul(TensorFunction):
    """f(A, B) = A @ B (matrix, vector or batched);  dL/dA = G @ B^T,  dL/dB = A^T @ G."""

    name = "matmul"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        a, b = ctx.saved_values
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the common case: no reshaping
            # Each gradient is laid out like its operand: for x @ W.T (W.T an F-ordered view) dL/d(W.T) is
            # computed as (G^T x)^T, so transposing it back hands W a C-ordered gradient (full-speed updates).
            da = ((b @ grad.T).T if _f_ordered(a) else grad @ b.T) if need_a else None
            db = ((grad.T @ a).T if _f_ordered(b) else a.T @ grad) if need_b else None
            return da, db
        # A 1-d operand acts as a row (a) or column (b) matrix; the extra axis is dropped again below.
        a2 = a.reshape((1, *a.shape)) if a.ndim == 1 else a
        b2 = b.reshape((*b.shape, 1)) if b.ndim == 1 else b
        g2 = grad.reshape((*grad.shape, 1)) if b.ndim == 1 else grad
        g2 = g2.reshape((*g2.shape[:-1], 1, g2.shape[-1])) if a.ndim == 1 else g2
        da = db = None
        if need_a:
            da = g2 @ np.swapaxes(b2, -1, -2)
            da = da.reshape((*da.shape[:-2], da.shape[-1])) if a.ndim == 1 else da
        if need_b:
            db = np.swapaxes(a2, -1, -2) @ g2
            db = db.reshape(db.shape[:-1]) if b.ndim == 1 else db
        return da, db  # batch axes that were broadcast are summed back by the engine


def _f_ordered(x: Any) -> bool:
    if not isinstance(x, np.ndarray):
        return False
    flags = x.flags
    return flags.f_contiguous and not flags.c_contiguous


def _data(x: Any) -> np.ndarray:
    """The array of an array or of a Tensor (for masks, which are constants in any pass)."""
    return x.data if isinstance(x, Tensor) else x


# ------------------------------------------------------ elementwise functions
class Exp(TensorFunction):
    """f(x) = e^x;  f'(x) = e^x."""

    name = "exp"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        return (grad * out,)


class Log(TensorFunction):
    """f(x) = ln(x);  f'(x) = 1/x.  (log(0) = -inf, log(x < 0) = nan, as in PyTorch.)"""

    name = "log"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        with np.errstate(divide="ignore", invalid="ignore"):
            return (grad / x,)


class Sqrt(TensorFunction):
    """f(x) = sqrt(x);  f'(x) = 1 / (2 sqrt(x))  (inf at 0; sqrt(x < 0) = nan)."""

    name = "sqrt"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        with np.errstate(divide="ignore", invalid="ignore"):
            return (grad / (2 * out),)


class Tanh(TensorFunction):
    """f(x) = tanh(x);  f'(x) = 1 - tanh(x)^2."""

    name = "tanh"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        return (grad * (1 - out * out),)


class Sigmoid(TensorFunction):
    """f(x) = 1 / (1 + e^-x);  f'(x) = f(x) (1 - f(x))."""

    name = "sigmoid"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        # e^-|x| never overflows; the two forms agree and each is accurate on its side.
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        return (grad * out * (1 - out),)


class Relu(TensorFunction):
    """f(x) = max(0, x);  f'(x) = 1 for x > 0, else 0.

    relu'(0) = 0: at the kink we pick the left slope, as PyTorch does. A NaN
    input stays NaN and passes the gradient (PyTorch's rule: 0 only where x <= 0).
    """

    name = "relu"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        out = np.maximum(x, 0)  # NaN stays NaN
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        # out is 0 exactly where x <= 0, and NaN where x is NaN (NaN != 0): the mask is a constant (relu'' = 0).
        return (grad * (_data(out) != 0),)


class LeakyRelu(TensorFunction):
    """f(x) = x for x > 0, else slope * x;  f'(x) = 1 or slope (slope at 0, the left side, as for relu)."""

    name = "leaky_relu"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, negative_slope: float) -> np.ndarray:
        positive = x > 0
        ctx.slopes = np.where(positive, 1, negative_slope).astype(x.dtype)
        return np.where(positive, x, negative_slope * x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (grad * ctx.slopes,)


class Abs(TensorFunction):
    """f(x) = |x|;  f'(x) = sign(x).

    abs'(0) = 0: the average of the two one-sided slopes; abs'(nan) = 0, as in PyTorch.
    """

    name = "abs"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.sign = np.nan_to_num(np.sign(x), nan=0.0)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (grad * ctx.sign,)


class Step(TensorFunction):
    """The chapter's step activation: f(z) = 1 if z >= 0 else 0;  f'(z) = 0 (also at 0).

    A zero gradient flows back, so nothing before a step function learns. step(nan) = nan.
    """

    name = "step"

    @staticmethod
    def forward(ctx: Context, z: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(z), z, z >= 0).astype(z.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (grad * 0,)


class Clip(TensorFunction):
    """f(x) = min(max(x, low), high);  f'(x) = 1 where low <= x <= high, else 0 (the bounds count as inside)."""

    name = "clip"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, low: float | None, high: float | None) -> np.ndarray:
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        ctx.inside = inside  # a NaN input stays NaN and gets no gradient, as in PyTorch's clamp
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (grad * ctx.inside,)


class Astype(TensorFunction):
    """f(x) = x in another float dtype;  f'(x) = 1 (the engine casts the gradient back to x's dtype)."""

    name = "astype"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, dtype: np.dtype) -> np.ndarray:
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (grad,)


# -------------------------------------------------------------- reductions
class Sum(TensorFunction):
    """f(x) = sum of x over `axes` (all by default);  df/dx_i = 1."""

    name = "sum"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, axes, keepdims
        if x.dtype.kind == "f":  # np.add.reduce is ndarray.sum without its Python wrapper
            return np.add.reduce(x, axis=axes, keepdims=keepdims)
        return x.sum(axis=axes, keepdims=keepdims)  # bools are counted and small ints widened, as numpy does

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (expand_reduced(grad, ctx.axes, ctx.keepdims, ctx.shape),)


class Mean(TensorFunction):
    """f(x) = sum(x) / n over `axes`;  df/dx_i = 1/n.  (The mean of nothing is nan, as in PyTorch.)"""

    name = "mean"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, axes, keepdims
        ctx.n = count(x.shape, axes)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (np.add.reduce(x, axis=axes, keepdims=keepdims) / ctx.n).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (expand_reduced(grad * (1.0 / max(ctx.n, 1)), ctx.axes, ctx.keepdims, ctx.shape),)


class Var(TensorFunction):
    """f(x) = sum((x - mean(x))^2) / (n - ddof) over `axes`;  df/dx_i = 2 (x_i - mean(x)) / (n - ddof).

    One node rather than its five parts, so that NaN and inf spread exactly as in PyTorch's var.
    """

    name = "var"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axes: tuple[int, ...] | None, keepdims: bool, ddof: int) -> np.ndarray:
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, axes, keepdims
        ctx.scale = 1.0 / (count(x.shape, axes) - ddof)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            centered = x - np.add.reduce(x, axis=axes, keepdims=True) / count(x.shape, axes)
            return (np.add.reduce(centered * centered, axis=axes, keepdims=keepdims) * ctx.scale).astype(x.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        with np.errstate(invalid="ignore"):
            centered = x - x.mean(axis=ctx.axes, keepdims=True)
            return (expand_reduced(grad, ctx.axes, ctx.keepdims, ctx.shape) * centered * (2 * ctx.scale),)


class Extreme(TensorFunction):
    """f(x) = max (or min) of x over `axes`;  df/dx_i = 1 at the extreme, else 0.

    Convention: tied extremes share the gradient equally (each gets 1/k), as
    PyTorch's amax does; when the result is NaN, the NaNs share it.
    """

    name = "max"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axes: tuple[int, ...] | None, keepdims: bool, largest: bool) -> Any:
        reduce = np.maximum.reduce if largest else np.minimum.reduce
        kept = reduce(x, axis=axes, keepdims=True)
        hit = np.where(np.isnan(kept), np.isnan(x), x == kept)
        ctx.weights = hit / hit.sum(axis=axes, keepdims=True, dtype=x.dtype)  # a constant: max'' = 0
        ctx.shape, ctx.axes, ctx.keepdims, ctx.largest = x.shape, axes, keepdims, largest
        return kept if keepdims else (kept.reshape(()) if axes is None else kept.squeeze(axis=axes))

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (expand_reduced(grad, ctx.axes, ctx.keepdims, ctx.shape) * ctx.weights,)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return "max" if ctx.largest else "min"


class LogSumExp(TensorFunction):
    """f(x) = log(sum(e^x)) over `axes`;  df/dx_i = softmax(x)_i = e^(x_i - f)."""

    name = "logsumexp"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        m = stable_max(x, axes)
        # Subtracting the max first keeps exp() from overflowing (largest term e^0 = 1); it is added back after.
        with np.errstate(divide="ignore"):
            lse = m + np.log(np.add.reduce(np.exp(x - m), axis=axes, keepdims=True))
        out = lse if keepdims else (lse.reshape(()) if axes is None else lse.squeeze(axis=axes))
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, axes, keepdims
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        x, out = ctx.saved_values
        kept = expand_reduced(out, ctx.axes, ctx.keepdims, ctx.shape)
        with np.errstate(invalid="ignore"):
            return (expand_reduced(grad, ctx.axes, ctx.keepdims, ctx.shape) * np.exp(x - kept),)


class Softmax(TensorFunction):
    """f(x)_i = e^x_i / sum_j e^x_j along `axes`;  dL/dx = f * (g - sum(g * f))."""

    name = "softmax"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axes: tuple[int, ...]) -> np.ndarray:
        # Subtracting the max cancels in the ratio, and keeps exp() from overflowing at large logits. A row with
        # an inf (or all -inf) becomes nan throughout, as in PyTorch.
        with np.errstate(invalid="ignore"):
            e = np.exp(x - row_max(x, axes))
            out = e / np.add.reduce(e, axis=axes, keepdims=True)
        ctx.axes = axes
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        return (out * (grad - (grad * out).sum(axis=ctx.axes, keepdims=True)),)


class LogSoftmax(TensorFunction):
    """f(x)_i = x_i - log(sum_j e^x_j) along `axes`;  dL/dx = g - softmax(x) * sum(g)."""

    name = "log_softmax"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axes: tuple[int, ...]) -> np.ndarray:
        # Subtracting the max cancels in x - logsumexp(x), and keeps exp() finite at logits of +-1000.
        with np.errstate(invalid="ignore", divide="ignore"):
            shifted = x - row_max(x, axes)
            out = shifted - np.log(np.add.reduce(np.exp(shifted), axis=axes, keepdims=True))
        ctx.axes = axes
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        return (grad - np.exp(out) * grad.sum(axis=ctx.axes, keepdims=True),)


def row_max(x: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
    """The max over `axes` (kept), to subtract before exp; 0 over an empty axis."""
    if x.size == 0:
        shape = tuple(1 if axes is None or i in axes else n for i, n in enumerate(x.shape))
        return np.zeros(shape, dtype=x.dtype)
    return np.maximum.reduce(x, axis=axes, keepdims=True)


def stable_max(x: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
    """`row_max`, with 0 where the max is not finite: logsumexp then keeps the honest answer (inf or -inf)."""
    m = row_max(x, axes)
    if not np.isfinite(np.add.reduce(m, axis=None)):  # one pass: a sum is finite only if every term is
        # A slice of all -inf (or inf) would turn x - m into nan; shifting by 0 there keeps the honest answer.
        m = np.where(np.isfinite(m), m, 0)
    return m


# ------------------------------------------------------------------ shapes
class Reshape(TensorFunction):
    """The same elements in a new shape;  the gradient is reshaped back."""

    name = "reshape"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (grad.reshape(ctx.shape),)


class Permute(TensorFunction):
    """Reorder the axes: result axis i is input axis order[i];  the gradient is permuted back."""

    name = "permute"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, order: tuple[int, ...]) -> np.ndarray:
        ctx.inverse = tuple(np.argsort(order).tolist())
        return x.transpose(order)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (np.transpose(grad, ctx.inverse),)


class BroadcastTo(TensorFunction):
    """The tensor repeated along new or size-1 axes;  the gradient is summed back (by the engine)."""

    name = "broadcast_to"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (grad,)


class Index(TensorFunction):
    """f(x) = x[key] (NumPy indexing);  the gradient is scattered back, repeated picks adding up."""

    name = "index"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, key: Any, may_repeat: bool) -> np.ndarray:
        ctx.shape, ctx.key, ctx.may_repeat = x.shape, key, may_repeat
        return x[key]

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (scatter_add(grad, ctx.shape, ctx.key, ctx.may_repeat),)


class IndexAdd(TensorFunction):
    """f(g) = zeros(shape) with g added at `key` (the backward of indexing);  its own backward indexes again."""

    name = "index_add"

    @staticmethod
    def forward(ctx: Context, g: np.ndarray, *, shape: tuple[int, ...], key: Any, may_repeat: bool) -> np.ndarray:
        ctx.key = key
        out = np.zeros(shape, dtype=g.dtype)
        if may_repeat:
            np.add.at(out, key, g)  # x[[0, 0]]: both picks add into out[0]; out[key] = g would keep only one
        else:
            out[key] = g
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (grad[ctx.key],)


def scatter_add(g: Any, shape: tuple[int, ...], key: Any, may_repeat: bool) -> Any:
    """zeros(shape) with g added at key: with NumPy for arrays, as the `IndexAdd` op for Tensors."""
    if isinstance(g, Tensor):
        return IndexAdd.apply(g, shape=shape, key=key, may_repeat=may_repeat)
    return IndexAdd.forward(Context(), g, shape=shape, key=key, may_repeat=may_repeat)


def index_key(key: Any) -> tuple[Any, bool]:
    """The index with Tensors replaced by their arrays, and whether it may name one element twice.

    Integer arrays and lists (also nested in a tuple, as in x[(0, 0), :]) can repeat an element; ints, slices
    and boolean masks cannot.
    """
    parts = key if type(key) is tuple else (key,)
    converted = []
    may_repeat = False
    for k in parts:
        if isinstance(k, Tensor):
            k = k.data
        if isinstance(k, (list, tuple)):
            try:
                k = np.asarray(k)
            except ValueError:
                raise IndexError(
                    f"Tensor indexing: the index list {k!r} is ragged; every inner list must have the same length"
                ) from None
            if k.size == 0 and k.dtype.kind == "f":
                k = k.astype(np.intp)  # x[[]] picks nothing, as in NumPy (an empty list has no dtype of its own)
            if k.dtype.kind not in "biu":
                raise IndexError(
                    f"Tensor indexing: an index list must hold ints or bools, got {k.dtype}; "
                    "use integer positions (or a boolean mask)"
                )
        if isinstance(k, np.ndarray):
            if k.dtype.kind not in "biu":
                raise IndexError(
                    f"Tensor indexing: an index array must hold ints or bools, got dtype {k.dtype}; "
                    "convert it with .astype(int)"
                )
            may_repeat = may_repeat or k.dtype != bool
        converted.append(k)
    return (tuple(converted) if type(key) is tuple else converted[0]), may_repeat


class Where(TensorFunction):
    """f = a where condition else b (broadcast);  df/da = condition,  df/db = not condition."""

    name = "where"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray, *, condition: np.ndarray) -> np.ndarray:
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        cond = ctx.condition
        need_a, need_b = ctx.needs_input_grad
        return grad * cond if need_a else None, grad * ~cond if need_b else None


class Maximum(TensorFunction):
    """f(a, b) = max(a, b) (or min) elementwise;  df/da = 1 where a wins, 0 where b wins, 1/2 at a tie.

    Where either side is NaN the result is NaN and both sides get the gradient, as in PyTorch.
    """

    name = "maximum"

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray, *, largest: bool) -> np.ndarray:
        out = np.maximum(a, b) if largest else np.minimum(a, b)
        a_wins = (a > b) if largest else (a < b)
        b_wins = (b > a) if largest else (b < a)
        tie = a == b
        nan = np.isnan(a) | np.isnan(b)  # PyTorch's rule: where either side is NaN, both get the gradient
        ctx.weight_a = np.where(tie, 0.5, a_wins | nan).astype(out.dtype)
        ctx.weight_b = np.where(tie, 0.5, b_wins | nan).astype(out.dtype)
        ctx.largest = largest
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        need_a, need_b = ctx.needs_input_grad
        return grad * ctx.weight_a if need_a else None, grad * ctx.weight_b if need_b else None

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return "maximum" if ctx.largest else "minimum"


class Concatenate(TensorFunction):
    """Join tensors along an existing axis;  each input gets back its slice of the gradient."""

    name = "concatenate"

    @staticmethod
    def forward(ctx: Context, *parts: np.ndarray, axis: int) -> np.ndarray:
        bounds = np.cumsum([0] + [p.shape[axis] for p in parts]).tolist()
        ctx.axis, ctx.bounds = axis, bounds
        return np.concatenate(parts, axis=axis)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, ...]:
        prefix = (slice(None),) * ctx.axis
        b = ctx.bounds
        return tuple(
            grad[(*prefix, slice(b[i], b[i + 1]))] if need else None for i, need in enumerate(ctx.needs_input_grad)
        )


class Stack(TensorFunction):
    """Join same-shape tensors along a new axis;  each input gets back its slice of the gradient."""

    name = "stack"

    @staticmethod
    def forward(ctx: Context, *parts: np.ndarray, axis: int) -> np.ndarray:
        ctx.axis = axis
        return np.stack(parts, axis=axis)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, ...]:
        prefix = (slice(None),) * ctx.axis
        return tuple(grad[(*prefix, i)] if need else None for i, need in enumerate(ctx.needs_input_grad))
