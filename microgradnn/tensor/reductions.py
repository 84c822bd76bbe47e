"""Reductions, scans and sorting: std, prod, any/all, isclose, norms, cumulative ops, sort and topk.

Compositions where that is natural (std is sqrt(var); sort, topk, cummax and
cummin pick their values with an index, so the gradient flows to the picked
elements); Functions where the backward needs its own formula:

* `Prod`: d/dx_i = the product of the other elements, computed without
  dividing, so zeros get their true gradient (one zero: the product of the
  rest; two zeros: 0);
* `Cumsum`: its backward is the cumulative sum from the other end;
* `Cumprod`: like prod, exact at zeros;
* `LogCumSumExp`: forward with NumPy's `logaddexp.accumulate` (stable at any
  scale); backward in log space too;
* `Norm`: the p-norm, with gradient 0 where the norm is 0 (PyTorch's choice).

Every backward runs on arrays and, under ``create_graph=True``, on Tensors.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import numpy as np

from microgradnn.engine import Context
from microgradnn.tensor import composed as C
from microgradnn.tensor import primitives as P
from microgradnn.tensor.broadcasting import Axis, expand_reduced, normalize_axes
from microgradnn.tensor.dtypes import get_default_dtype
from microgradnn.tensor.tensor import Tensor, TensorFunction, leaf, operand

__all__ = [
    "Cumprod",
    "Cumsum",
    "LogCumSumExp",
    "Norm",
    "Prod",
    "StdSqrt",
    "ValuesIndices",
    "all",
    "any",
    "argsort",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "isclose",
    "logcumsumexp",
    "norm",
    "normalize",
    "prod",
    "sort",
    "std",
    "topk",
]


class ValuesIndices(NamedTuple):
    """What sort, topk, cummax and cummin return, as in PyTorch: values (with gradient) and int64 indices."""

    values: Tensor
    indices: Tensor


def _float(x: Tensor) -> Tensor:
    """An int or bool tensor in the default float dtype (as var, mean and exp turn them), a float one as it is."""
    return x if x.dtype.kind == "f" else leaf(x.data.astype(get_default_dtype()))


def _one_axis(op: str, x: Tensor, dim: Any) -> int:
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (numbers.Integral, np.integer)):
        raise TypeError(f"{op}: dim must be one int, got {type(dim).__name__} ({dim!r})")
    axes = normalize_axes(op, int(dim), x.shape)
    return axes[0] if axes else 0


# ------------------------------------------------------------------ std
def std(
    x: Tensor,
    axis: Axis = None,
    keepdims: bool = False,
    ddof: int | None = None,
    dim: Axis = None,
    keepdim: bool | None = None,
    correction: int | None = None,
) -> Tensor:
    """sqrt(var(x)): NumPy's `ddof` (default 0) or PyTorch's `correction` (default 1 with `dim`)."""
    if ddof is not None and correction is not None:
        raise TypeError("std: give ddof (NumPy's name) or correction (PyTorch's), not both")
    try:
        variance = C.var(_float(x), axis, keepdims, ddof, dim, keepdim, correction)
    except ValueError as error:
        raise ValueError(str(error).replace("var:", "std:", 1)) from None
    return StdSqrt.apply(variance)


class StdSqrt(TensorFunction):
    """f(v) = sqrt(v) for a variance v;  f'(v) = 1 / (2 sqrt(v)), and 0 where v = 0 (a constant slice), as
    PyTorch's std, whose gradient is 0 there rather than nan."""

    name = "sqrt"

    @staticmethod
    def forward(ctx: Context, v: np.ndarray) -> np.ndarray:
        out = np.sqrt(v)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        live = P._data(out) != 0
        return (np.where(live, grad / (2 * np.where(live, out, 1)), 0),)


# ------------------------------------------------------------------ prod
class Prod(TensorFunction):
    """f(x) = the product of x over `axes`;  df/dx_i = the product of the other elements (no division: exact
    at zeros, so one zero gets the product of the rest and every other element 0)."""

    name = "prod"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, axes, keepdims
        ctx.save_for_backward(x)
        return np.asarray(np.multiply.reduce(x, axis=axes, keepdims=keepdims))

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        g = expand_reduced(grad, ctx.axes, ctx.keepdims, ctx.shape)
        if math.prod(ctx.shape) == 0:
            return (g,)
        return (g * _product_of_others(x, ctx.axes),)


def _product_of_others(x: Any, axes: tuple[int, ...] | None) -> Any:
    """For each element, the product of the other elements of its reduction group."""
    shape = tuple(x.shape)
    reduced = tuple(range(len(shape))) if axes is None else axes
    rest = tuple(i for i in range(len(shape)) if i not in reduced)
    order = rest + reduced
    inverse = tuple(np.argsort(order).tolist())
    n = math.prod(shape[i] for i in reduced)
    lead = tuple(shape[i] for i in rest)
    flat = np.transpose(x, order).reshape((*lead, n))
    if isinstance(flat, Tensor):
        # Each row i of an n x n block holds the group with element i replaced by 1; its product is row i's answer.
        eye = np.eye(n, dtype=flat.dtype)
        block = flat.reshape((*lead, 1, n)) * (1 - eye) + eye
        others = Prod.apply(block, axes=(len(lead) + 1,), keepdims=False)
    else:
        ones = np.ones((*lead, 1), dtype=flat.dtype)
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = left * right
    return np.transpose(others.reshape(tuple(shape[i] for i in order)), inverse)


def prod(
    x: Tensor, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
) -> Tensor:
    """The product over `axis` (all by default); int and bool tensors give int64, as in PyTorch."""
    axes, keep = C.reduce_args("prod", x.shape, axis, dim, keepdims, keepdim)
    if x.dtype.kind != "f":
        return leaf(np.asarray(np.prod(x.data, axis=axes, keepdims=keep, dtype=np.int64)))
    return Prod.apply(x, axes=axes, keepdims=keep)


# ------------------------------------------------------------ boolean reductions
def any(
    x: Tensor, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
) -> Tensor:
    """Whether any element (over `axis`) is nonzero: a bool tensor, no gradient."""
    axes, keep = C.reduce_args("any", x.shape, axis, dim, keepdims, keepdim)
    return leaf(np.asarray(np.any(x.data, axis=axes, keepdims=keep)))


def all(
    x: Tensor, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
) -> Tensor:
    """Whether every element (over `axis`) is nonzero: a bool tensor, no gradient."""
    axes, keep = C.reduce_args("all", x.shape, axis, dim, keepdims, keepdim)
    return leaf(np.asarray(np.all(x.data, axis=axes, keepdims=keep)))


def isclose(x: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|x - other| <= atol + rtol * |other| elementwise (torch.isclose, np.isclose): a bool tensor, no gradient."""
    rtol, atol = C.number("isclose", "rtol", rtol), C.number("isclose", "atol", atol)
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")
    o = other.data if isinstance(other, Tensor) else operand(other, x, "isclose").data
    try:
        return leaf(np.asarray(np.isclose(x.data, o, rtol=rtol, atol=atol, equal_nan=bool(equal_nan))))
    except ValueError:
        raise ValueError(f"isclose: shapes {x.shape} and {np.shape(o)} cannot be broadcast together") from None


# -------------------------------------------------------------------- norms
class Norm(TensorFunction):
    """f(x) = (sum |x|^p)^(1/p) over `axes`, p > 0;  df/dx_i = sign(x_i) |x_i|^(p-1) / f^(p-1), and 0 where f = 0
    (or x_i = 0 for p < 1), as in PyTorch."""

    name = "norm"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, p: float, axes: tuple[int, ...] | None, keepdims: bool) -> Any:
        ctx.p, ctx.shape, ctx.axes, ctx.keepdims = p, x.shape, axes, keepdims
        ctx.sign = np.sign(np.where(np.isnan(x), 0, x))  # sign(nan) = 0, as PyTorch's (and Tensor.sign)
        with np.errstate(over="ignore"):
            if p == 2:
                out = np.sqrt(np.add.reduce(x * x, axis=axes, keepdims=keepdims))
            else:
                out = np.add.reduce(np.abs(x) ** p, axis=axes, keepdims=keepdims) ** (1 / p)
        out = np.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        x, out = ctx.saved_values
        p = ctx.p
        g = expand_reduced(grad, ctx.axes, ctx.keepdims, ctx.shape)
        f = expand_reduced(out, ctx.axes, ctx.keepdims, ctx.shape)
        fd, xd = P._data(f), P._data(x)
        live = (fd != 0) & (xd != 0 if p < 1 else True)
        safe_f = np.where(fd != 0, f, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                local = x / safe_f
            elif p == 1:
                local = ctx.sign  # a constant: sign(x), also at x = +-inf (not sign + 0 * x, which is nan there)
            else:
                safe_abs = np.where(xd != 0, np.abs(x), 1)
                local = ctx.sign * safe_abs ** (p - 1) / safe_f ** (p - 1)
        return (np.where(live, g * local, 0),)


def norm(
    x: Tensor, p: Any = 2, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
) -> Tensor:
    """The p-norm over `axis` (all elements by default): p > 0, or inf / -inf (the largest / smallest |x|)."""
    if isinstance(p, str) and p == "fro":
        p = 2
    p = C.number("norm", "p", p)
    axes, keep = C.reduce_args("norm", x.shape, axis, dim, keepdims, keepdim)
    x = _float(x)
    if math.isinf(p):
        try:
            return x.abs().max(axis=axes, keepdims=keep) if p > 0 else x.abs().min(axis=axes, keepdims=keep)
        except ValueError as error:  # an empty axis: no largest |x| (PyTorch refuses it too)
            detail = str(error).split(": ", 1)[1]
            raise ValueError(f"norm: the p={p} norm needs at least one element: {detail}") from None
    if p <= 0:
        raise ValueError(f"norm: p must be > 0 (or inf), got {p}")
    return Norm.apply(x, p=p, axes=axes, keepdims=keep)


def normalize(x: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along `dim` (torch.nn.functional.normalize): rows of unit p-norm."""
    eps = C.number("normalize", "eps", eps)
    if eps < 0:
        raise ValueError(f"normalize: eps must be >= 0, got {eps}")
    axis = _one_axis("normalize", x, dim)
    x = _float(x)
    return x / norm(x, p, axis if x.ndim else None, keepdims=True).clip(min=eps)


# ------------------------------------------------------------------- scans
def _scan_input(op: str, x: Tensor, dim: Any) -> tuple[Tensor, int]:
    """x as at least 1-d (a 0-d tensor is scanned as one element) and the axis to scan."""
    if dim is None:
        raise TypeError(f"{op}: give the axis to scan, e.g. {op}(dim=0)")
    axis = _one_axis(op, x, dim)
    return (x.reshape(1) if x.ndim == 0 else x), axis


def _flip(a: np.ndarray, axis: int) -> np.ndarray:
    return np.flip(a, axis)


class Cumsum(TensorFunction):
    """f(x)_i = x_0 + ... + x_i along `axis` (from the end when reverse);  dL/dx_j = sum_{i >= j} g_i, a cumulative
    sum from the other end."""

    name = "cumsum"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axis: int, reverse: bool) -> np.ndarray:
        ctx.axis, ctx.reverse = axis, reverse
        if reverse:
            return _flip(np.cumsum(_flip(x, axis), axis=axis, dtype=x.dtype), axis).copy()
        return np.cumsum(x, axis=axis, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (_cumsum(grad, ctx.axis, not ctx.reverse),)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return "cumsum(rev)" if ctx.reverse else "cumsum"


def _cumsum(a: Any, axis: int, reverse: bool) -> Any:
    if isinstance(a, Tensor):
        return Cumsum.apply(a, axis=axis, reverse=reverse)
    return Cumsum.forward(Context(), np.asarray(a), axis=axis, reverse=reverse)


def _cumprod(a: Any, axis: int) -> Any:
    if isinstance(a, Tensor):
        return Cumprod.apply(a, axis=axis)
    return np.cumprod(a, axis=axis)


def _prod_kept(a: Any, axis: int) -> Any:
    if isinstance(a, Tensor):
        return Prod.apply(a, axes=(axis,), keepdims=True)
    return np.prod(a, axis=axis, keepdims=True)


class Cumprod(TensorFunction):
    """f(x)_i = x_0 * ... * x_i along `axis`;  dL/dx_k = sum_{i >= k} g_i prod_{j <= i, j != k} x_j.

    Where x_k != 0 that is revcumsum(g * f)_k / x_k; at the first zero of a slice it is the product before it
    times the sum of g_i times the products after it; at later zeros it is 0. No division by zero anywhere.
    """

    name = "cumprod"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axis: int) -> np.ndarray:
        ctx.axis = axis
        out = np.cumprod(x, axis=axis, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        x, out = ctx.saved_values
        axis = ctx.axis
        xd = P._data(x)
        # Subnormal numbers count as zeros: dividing by one would lose every digit (it has almost none).
        # NaN is no zero: written as `not < tiny`, so that a zero after a NaN still gets its NaN gradient.
        nonzero = ~(np.abs(xd) < np.finfo(xd.dtype).tiny)
        with np.errstate(divide="ignore", invalid="ignore"):
            g_nonzero = _cumsum(grad * out, axis, True) / np.where(nonzero, x, 1)
        if nonzero.all():
            return (g_nonzero,)
        if isinstance(grad, Tensor):
            return (_cumprod_grad_quadratic(x, grad, axis),)
        zeros_so_far = np.cumsum(~nonzero, axis=axis)
        # A product that holds a zero is 0, whatever else it holds (as PyTorch, also next to a NaN): before the first
        # zero only the outputs before it count, at the first zero those up to the next zero, after it none.
        before_zero = zeros_so_far == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            g_before = _cumsum(np.where(before_zero, grad * out, 0), axis, True) / np.where(nonzero, x, 1)
        first_zero = ~nonzero & (zeros_so_far == 1)
        before = np.where(before_zero, x, 1)  # the elements before the first zero
        after = np.where((zeros_so_far >= 1) & ~first_zero, x, 1)  # the elements after it
        tail = _cumprod(after, axis)  # prod_{z < j <= i} x_j for i >= z (1 before)
        at_first = _prod_kept(before, axis) * np.where(zeros_so_far == 1, grad * tail, 0).sum(axis=axis, keepdims=True)
        return (np.where(before_zero, g_before, np.where(first_zero, at_first, 0)),)


def _cumprod_grad_quadratic(x: Tensor, grad: Tensor, axis: int) -> Tensor:
    """dL/dx_k = sum_{i >= k} g_i prod_{j <= i, j != k} x_j, spelled out with an n x n block per slice.

    The O(n) formula above is exact at the point but sets later zeros to a constant 0, whose derivative is
    wrong (moving the first zero makes the next one first); a create_graph pass with zeros uses this one.
    """
    xt, gt = np.swapaxes(x, axis, -1), np.swapaxes(grad, axis, -1)
    n = xt.shape[-1]
    eye = np.eye(n, dtype=xt.dtype)
    lead = tuple(xt.shape[:-1])
    others = xt.reshape((*lead, 1, n)) * (1 - eye) + eye  # row k: x with x_k replaced by 1
    products = Cumprod.apply(others, axis=len(lead) + 1)  # [k, i] = prod_{j <= i, j != k} x_j
    later = np.triu(np.ones((n, n), dtype=bool))  # i >= k
    out = (gt.reshape((*lead, 1, n)) * products * later).sum(axis=-1)
    return np.swapaxes(out, axis, -1)


class LogCumSumExp(TensorFunction):
    """f(x)_i = log(e^x_0 + ... + e^x_i) along `axis` (from the end when reverse);  dL/dx_j = sum_{i >= j} g_i
    e^(x_j - f_i), computed in log space (positive and negative parts of g apart), so nothing overflows."""

    name = "logcumsumexp"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, axis: int, reverse: bool) -> np.ndarray:
        ctx.axis, ctx.reverse = axis, reverse
        if x.shape[axis] == 0:
            out = x.copy()
        elif reverse:
            out = _flip(np.logaddexp.accumulate(_flip(x, axis), axis=axis), axis).copy()
        else:
            out = np.logaddexp.accumulate(x, axis=axis)
        out = out.astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        x, out = ctx.saved_values
        axis, back = ctx.axis, not ctx.reverse
        if isinstance(grad, Tensor):
            return (_logcumsumexp_grad_quadratic(x, out, grad, axis, ctx.reverse),)
        gd = P._data(grad)
        total = 0
        for sign, part in ((1, gd > 0), (-1, gd < 0)):
            if not part.any():
                continue
            with np.errstate(divide="ignore"):
                log_g = np.where(part, np.log(np.where(part, grad * sign, 1)), -np.inf)
            acc = _logcumsumexp(log_g - out, axis, back)
            total = total + sign * np.exp(x + acc)
        if isinstance(total, int):
            return (grad * 0,)
        return (total,)


def _logcumsumexp_grad_quadratic(x: Tensor, out: Tensor, grad: Tensor, axis: int, reverse: bool) -> Tensor:
    """dL/dx_j = sum_{i >= j} g_i e^(x_j - f_i) with an n x n block of weights (each e^(<= 0), so stable).

    Used under create_graph: it is linear in g and smooth in x, so it can be differentiated again, where the
    log-space formula of the first-order pass takes logs of g.
    """
    xt, ft, gt = (np.swapaxes(a, axis, -1) for a in (x, out, grad))
    n = xt.shape[-1]
    lead = tuple(xt.shape[:-1])
    later = np.tril(np.ones((n, n), dtype=bool)) if reverse else np.triu(np.ones((n, n), dtype=bool))  # [j, i]
    diff = xt.reshape((*lead, n, 1)) - ft.reshape((*lead, 1, n))
    weights = np.exp(np.where(later, diff, -np.inf))
    result = (weights * gt.reshape((*lead, 1, n))).sum(axis=-1)
    return np.swapaxes(result, axis, -1)


def _logcumsumexp(a: Any, axis: int, reverse: bool) -> Any:
    if isinstance(a, Tensor):
        return LogCumSumExp.apply(a, axis=axis, reverse=reverse)
    return LogCumSumExp.forward(Context(), np.asarray(a), axis=axis, reverse=reverse)


def cumsum(x: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """Running sums along `dim` (PyTorch) / `axis` (NumPy); ints and bools sum as int64."""
    x0, a = _scan_input("cumsum", x, dim if axis is None else axis)
    if x0.dtype.kind != "f":
        out: Tensor = leaf(np.cumsum(x0.data, axis=a, dtype=np.int64))
    else:
        out = Cumsum.apply(x0, axis=a, reverse=False)
    return out.reshape(()) if x.ndim == 0 else out


def cumprod(x: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """Running products along `dim`; the gradient is exact at zeros."""
    x0, a = _scan_input("cumprod", x, dim if axis is None else axis)
    if x0.dtype.kind != "f":
        out: Tensor = leaf(np.cumprod(x0.data, axis=a, dtype=np.int64))
    else:
        out = Cumprod.apply(x0, axis=a)
    return out.reshape(()) if x.ndim == 0 else out


def logcumsumexp(x: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """log(cumsum(exp(x))) along `dim`, computed stably (no overflow at x = 1000, no underflow at -1000)."""
    x0, a = _scan_input("logcumsumexp", _float(x), dim if axis is None else axis)
    out = LogCumSumExp.apply(x0, axis=a, reverse=False)
    return out.reshape(()) if x.ndim == 0 else out


def _pick(x: Tensor, axis: int, idx: np.ndarray, may_repeat: bool) -> Tensor:
    """x's elements at idx along axis (take_along_axis) as an index: the gradient goes to the picked elements."""
    key = tuple(
        idx if d == axis else np.arange(idx.shape[d]).reshape((-1,) + (1,) * (idx.ndim - d - 1))
        for d in range(idx.ndim)
    )
    return P.Index.apply(x, key=key, may_repeat=may_repeat)


def _cum_extreme(op: str, x: Tensor, dim: Any, largest: bool) -> ValuesIndices:
    x0, a = _scan_input(op, x, dim)
    data = x0.data
    running = (np.maximum if largest else np.minimum).accumulate(data, axis=a)
    hit = (data == running) | (np.isnan(data) if data.dtype.kind == "f" else False)
    n = data.shape[a]
    positions = np.arange(n).reshape((-1,) + (1,) * (data.ndim - a - 1))
    idx = np.maximum.accumulate(np.where(hit, positions, 0), axis=a).astype(np.int64)  # the latest tie, as PyTorch
    values = _pick(x0, a, idx, True)
    if x.ndim == 0:
        return ValuesIndices(values.reshape(()), leaf(idx.reshape(())))
    return ValuesIndices(values, leaf(idx))


def cummax(x: Tensor, dim: Any = None) -> ValuesIndices:
    """(running maximum, its index) along `dim`; the gradient goes to the element that is the maximum so far."""
    return _cum_extreme("cummax", x, dim, True)


def cummin(x: Tensor, dim: Any = None) -> ValuesIndices:
    """(running minimum, its index) along `dim`; the gradient goes to the element that is the minimum so far."""
    return _cum_extreme("cummin", x, dim, False)


# ----------------------------------------------------------------- sorting
def _sort_indices(data: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """A stable sort order along axis; NaN counts as the largest value (last ascending, first descending)."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    n = data.shape[axis]
    # Sorting the reversed array and reversing the result keeps ties in their original order.
    rev = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
    return (n - 1 - np.flip(rev, axis)).astype(np.int64)


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
    """(sorted values, their original indices) along `dim`; values carry the gradient back to where they were.

    Always a stable sort (ties keep their order); NaN sorts as the largest value, as in PyTorch.
    """
    axis = _one_axis("sort", x, dim)
    if x.ndim == 0:
        return ValuesIndices(x.reshape(()), leaf(np.zeros((), np.int64)))
    idx = _sort_indices(x.data, axis, bool(descending)).astype(np.int64)
    return ValuesIndices(_pick(x, axis, idx, False), leaf(idx))


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort x along `dim` (stable): an int64 tensor, no gradient."""
    axis = _one_axis("argsort", x, dim)
    if x.ndim == 0:
        return leaf(np.zeros((), np.int64))
    return leaf(_sort_indices(x.data, axis, bool(descending)).astype(np.int64))


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:
    """(the k largest (or smallest) values along `dim`, their indices); the gradient goes to the chosen elements."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (numbers.Integral, np.integer)):
        raise TypeError(f"topk: k must be an int, got {type(k).__name__} ({k!r})")
    axis = _one_axis("topk", x, dim)
    n = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for axis {dim} of size {n} (shape {x.shape})")
    source = x.reshape(1) if x.ndim == 0 else x
    order = _sort_indices(source.data, axis, bool(largest))
    idx = np.take(order, np.arange(k), axis=axis).astype(np.int64)
    values = _pick(source, axis, idx, False)
    if x.ndim == 0:
        return ValuesIndices(values.reshape(()) if k else values, leaf(idx.reshape(()) if k else idx))
    return ValuesIndices(values, leaf(idx))
