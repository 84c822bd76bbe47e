"""Tensor ops composed from the primitives, and the argument checks in front of them.

Nothing here has a backward of its own: `flatten` and `squeeze` are
reshapes, `transpose` is a permute, `expand` is a broadcast. Their gradients
come for free. The checks turn NumPy's terse errors into messages that name the op, the shapes and the fix.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from microgradnn.tensor import primitives as P
from microgradnn.tensor.broadcasting import Axis, broadcast_error, count, normalize_axes
from microgradnn.tensor.dtypes import dtype_arg, get_default_dtype, to_array
from microgradnn.tensor.tensor import Operand, Tensor, common_dtype, leaf, operand, promote

__all__ = ["concatenate", "maximum", "minimum", "stack", "where"]


# ------------------------------------------------------------- argument checks
def number(op: str, name: str, value: Any) -> float:
    """A real-number argument (not a bool, not a string), as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__} ({value!r})")
    return float(value)


def reduce_args(
    op: str, shape: tuple[int, ...], axis: Axis, dim: Axis, keepdims: bool, keepdim: bool | None
) -> tuple[tuple[int, ...] | None, bool]:
    """NumPy's `axis`/`keepdims` or PyTorch's `dim`/`keepdim` (the aliases, in one place), checked."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: give axis (NumPy's name) or dim (PyTorch's), not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if not isinstance(keepdims, (bool, np.bool_)):
        raise TypeError(f"{op}: keepdims must be True or False, got {keepdims!r}")
    return normalize_axes(op, axis, shape), bool(keepdims)


# ---------------------------------------------------------------- arithmetic
def matmul(a: Tensor, b: Tensor) -> Tensor:
    """A @ B with shape checks that say which dimensions disagree."""
    x, w = a.data, b.data
    if x.ndim == 2 and w.ndim == 2 and x.shape[1] == w.shape[0] and x.dtype is w.dtype:  # the common case
        return P.MatMul.apply(a, b)
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
    a, b = promote(a, b)
    try:
        return P.MatMul.apply(a, b)
    except ValueError:
        raise ValueError(
            f"Tensor @: batch dimensions {a.shape[:-2]} and {b.shape[:-2]} of shapes {a.shape} and {b.shape} "
            "cannot be broadcast: dimensions must be equal or 1, compared from the right"
        ) from None


def compare(op: str, fn: Callable[..., np.ndarray], a: Tensor, b: Any) -> Tensor:
    """A comparison: a bool tensor with no gradient."""
    other = b.data if isinstance(b, Tensor) else operand(b, a, op).data
    try:
        return leaf(fn(a.data, other))
    except ValueError:
        raise broadcast_error(op, a.shape, np.shape(other)) from None


def clip(x: Tensor, low: Any, high: Any) -> Tensor:
    if low is None and high is None:
        raise ValueError("clip: give min, max or both")
    bounds = []
    for name, bound in (("min", low), ("max", high)):
        if bound is not None and (not isinstance(bound, numbers.Real) or isinstance(bound, (bool, np.bool_))):
            raise TypeError(
                f"clip: {name} must be a number (or None), got {type(bound).__name__}; "
                "for a tensor bound use maximum(x, low) / minimum(x, high)"
            )
        bounds.append(bound)
    # PyTorch's dtype: a float x keeps its dtype (np.clip would make float32 with a np.float64 bound float64), an
    # int x with a float bound becomes the default float, an int x with int bounds stays itself. As Python numbers
    # the bounds take x's dtype (NumPy's rule for Python scalars).
    if x.dtype.kind != "f" and any(b is not None and not isinstance(b, numbers.Integral) for b in bounds):
        x = leaf(x.data.astype(get_default_dtype()))
    kind = float if x.dtype.kind == "f" else int
    low, high = (None if b is None else kind(b) for b in bounds)
    return P.Clip.apply(x, low=low, high=high)


def astype(x: Tensor, dtype: Any) -> Tensor:
    d = dtype_arg("astype", dtype)
    if d.kind != "f" or x.dtype.kind != "f":
        return leaf(x.data.astype(d))
    return P.Astype.apply(x, dtype=d)


# -------------------------------------------------------------- reductions
def extreme(x: Tensor, op: str, largest: bool, axis: Axis, dim: Axis, keepdims: bool, keepdim: bool | None) -> Tensor:
    axes, keep = reduce_args(op, x.shape, axis, dim, keepdims, keepdim)
    if count(x.shape, axes) == 0:
        raise ValueError(f"{op}: no elements to reduce over axis {axis if dim is None else dim} of shape {x.shape}")
    return P.Extreme.apply(x, axes=axes, keepdims=keep, largest=largest)


def var(
    x: Tensor,
    axis: Axis,
    keepdims: bool,
    ddof: int | None,
    dim: Axis,
    keepdim: bool | None,
    correction: int | None,
) -> Tensor:
    """sum((x - mean(x))^2) / (n - ddof): the arguments checked, then one `Var` node."""
    if ddof is not None and correction is not None:
        raise TypeError("var: give ddof (NumPy's name) or correction (PyTorch's), not both")
    if correction is None and ddof is None:
        # each library's own default with its own spelling: PyTorch's dim= or keepdim= (x.std(0, keepdim=True),
        # makemore's batch norm) give its correction=1, NumPy's (axis, keepdims, or no arguments) ddof=0
        ddof = 1 if dim is not None or keepdim is not None else 0
    ddof = ddof if ddof is not None else correction
    axes, keep = reduce_args("var", x.shape, axis, dim, keepdims, keepdim)
    n = count(x.shape, axes)
    if n - ddof <= 0:
        raise ValueError(f"var: {n} elements with ddof={ddof} leave no degrees of freedom (shape {x.shape})")
    return P.Var.apply(x if x.dtype.kind == "f" else x.astype(get_default_dtype()), axes=axes, keepdims=keep, ddof=ddof)


def arg_extreme(
    x: Tensor, op: str, fn: Callable[..., np.ndarray], axis: Any, dim: Any, keepdims: bool, keepdim: bool | None
) -> Tensor:
    axes, keep = reduce_args(op, x.shape, axis, dim, keepdims, keepdim)
    if axes is not None and len(axes) > 1:
        raise TypeError(f"{op}: axis must be one int (or None), got {axis if dim is None else dim!r}")
    a = None if axes is None else (axes[0] if axes else None)
    if a is None and x.size == 0:
        raise ValueError(f"{op}: an empty tensor (shape {x.shape}) has no {op[3:]}imum")
    if a is not None and x.shape[a] == 0:  # an empty axis has none; a non-empty one of an empty tensor is fine
        raise ValueError(
            f"{op}: axis {axis if dim is None else dim} of shape {x.shape} is empty, so it has no {op[3:]}imum; "
            "reduce over an axis of size > 0"
        )
    return leaf(np.asarray(fn(x.data, axis=a, keepdims=keep), dtype=np.int64))


# ------------------------------------------------------------------ shapes
def reshape(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    if sum(n == -1 for n in shape) > 1 or any(n < -1 for n in shape):
        raise ValueError(f"reshape: {shape} is not a shape: sizes are >= 0, with at most one -1 (inferred)")
    try:
        x.data.reshape(shape)
    except ValueError:
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {shape}; "
            "the number of elements must stay the same"
        ) from None
    return P.Reshape.apply(x, shape=shape)


def flatten(x: Tensor, start_dim: int, end_dim: int) -> Tensor:
    if x.ndim == 0:
        return x.reshape(1)
    (start,) = normalize_axes("flatten", start_dim, x.shape)
    (end,) = normalize_axes("flatten", end_dim, x.shape)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {x.shape}")
    shape = x.shape
    return x.reshape(*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])


def squeeze(x: Tensor, axis: Axis) -> Tensor:
    shape = x.shape
    if axis is None:
        drop: tuple[int, ...] = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        drop = normalize_axes("squeeze", axis, shape) or ()
        for i in drop:
            if shape[i] != 1:
                raise ValueError(f"squeeze: axis {i} of shape {shape} has size {shape[i]}; only size-1 axes go")
    return x.reshape(*(n for i, n in enumerate(shape) if i not in drop))


def unsqueeze(x: Tensor, axis: int | None) -> Tensor:
    if axis is None or isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"unsqueeze: axis must be an int, got {axis!r}")
    ndim = x.ndim
    if not -ndim - 1 <= axis <= ndim:
        raise np.exceptions.AxisError(
            f"unsqueeze: axis {axis} is out of range for a tensor of shape {x.shape}; use {-ndim - 1}..{ndim}"
        )
    axis = axis % (ndim + 1)
    return x.reshape(*x.shape[:axis], 1, *x.shape[axis:])


def permute(x: Tensor, order: tuple[int, ...]) -> Tensor:
    ndim = x.ndim
    if len(order) != ndim or sorted(a % ndim for a in order if -ndim <= a < ndim) != list(range(ndim)):
        raise ValueError(f"permute: {order} is not an ordering of the {ndim} axes of a tensor of shape {x.shape}")
    return P.Permute.apply(x, order=tuple(a % ndim for a in order))


def transpose(x: Tensor, axis1: int | None, axis2: int | None) -> Tensor:
    if axis1 is None and axis2 is None:
        return permute(x, tuple(reversed(range(x.ndim))))
    if axis1 is None or axis2 is None:
        raise TypeError("transpose: give both axes to swap, or none to reverse all of them")
    (a,) = normalize_axes("transpose", axis1, x.shape) or (0,)
    (b,) = normalize_axes("transpose", axis2, x.shape) or (0,)
    order = list(range(x.ndim))
    order[a], order[b] = order[b], order[a]
    return permute(x, tuple(order))


def broadcast_to(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    try:
        np.broadcast_shapes(x.shape, shape)
        if np.broadcast_shapes(x.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"broadcast_to: cannot broadcast shape {x.shape} to {shape}: "
            "dimensions must be equal or 1, compared from the right"
        ) from None
    return P.BroadcastTo.apply(x, shape=shape)


def expand(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: the new shape {shape} has fewer axes than the tensor's {x.shape}")
    sizes = tuple(x.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape))
    return broadcast_to(x, sizes)


def index(x: Tensor, key: Any) -> Tensor:
    key, may_repeat = P.index_key(key)
    try:
        x.data[key]
    except IndexError as error:
        raise IndexError(f"Tensor indexing: {error} (the tensor has shape {x.shape})") from None
    return P.Index.apply(x, key=key, may_repeat=may_repeat)


# ------------------------------------------------------- n-ary functions
def _tensors(op: str, items: Sequence[Any]) -> tuple[Tensor, ...]:
    if isinstance(items, (Tensor, np.ndarray)) or not isinstance(items, Sequence) or not items:
        raise TypeError(f"{op}: pass a non-empty list of tensors, e.g. {op}([a, b], axis=0)")
    like = next((t for t in items if isinstance(t, Tensor)), None)
    parts = tuple(operand(t, like if like is not None else leaf(np.zeros((), get_default_dtype())), op) for t in items)
    kinds = {p.dtype for p in parts}
    if len(kinds) > 1:
        target = common_dtype(kinds)  # as for a + b: an int tensor joins a float32 one as float32
        parts = tuple(p if p.dtype == target else P.Astype.apply(p, dtype=target) for p in parts)
    return parts


def concatenate(tensors: Sequence[Operand], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (PyTorch: `cat`, with `dim`);  each input gets back its slice."""
    axis = axis if dim is None else dim
    parts = _tensors("concatenate", tensors)
    first = parts[0].shape
    if not first:
        raise ValueError("concatenate: 0-d tensors cannot be concatenated; stack them, or reshape them to 1-d")
    (ax,) = normalize_axes("concatenate", axis, first) or (0,)
    for t in parts:
        if t.ndim != len(first) or t.shape[:ax] + t.shape[ax + 1 :] != first[:ax] + first[ax + 1 :]:
            shapes = [p.shape for p in parts]
            raise ValueError(
                f"concatenate: shapes {shapes} do not fit along axis {axis}: "
                "all shapes must match except along that axis"
            )
    return P.Concatenate.apply(*parts, axis=ax)


def stack(tensors: Sequence[Operand], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shape tensors along a new axis;  each input gets back its slice of the gradient."""
    axis = axis if dim is None else dim
    parts = _tensors("stack", tensors)
    shapes = {t.shape for t in parts}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {[t.shape for t in parts]}")
    ndim = parts[0].ndim + 1
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"stack: axis {axis} is out of range for the result's {ndim} axes")
    return P.Stack.apply(*parts, axis=axis % ndim)


def where(condition: Any, a: Operand, b: Operand) -> Tensor:
    """f = a where condition else b (broadcast);  df/da = condition,  df/db = not condition."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != bool:
        raise TypeError(f"where: the condition must be boolean (e.g. x > 0), got dtype {cond.dtype}")
    ta, tb = _pair("where", a, b)
    try:
        np.broadcast_shapes(cond.shape, ta.shape, tb.shape)
    except ValueError:
        raise ValueError(
            f"where: shapes {cond.shape}, {ta.shape} and {tb.shape} cannot be broadcast together: "
            "dimensions must be equal or 1, compared from the right"
        ) from None
    return P.Where.apply(ta, tb, condition=cond)


def _pair(op: str, a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """The two operands of where/maximum/minimum as Tensors, kinds promoted.

    A number beside a Tensor or an array takes its dtype (`operand`'s rule); two numbers take PyTorch's scalar
    rule, as `Tensor(x)` does: bools stay bool, ints become int64, floats the default float dtype.
    """
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    if like is None:
        array = next((x for x in (a, b) if isinstance(x, (np.ndarray, list, tuple))), None)
        if array is None:  # two numbers (or what `operand` refuses below, as for any other op)
            a, b = (leaf(to_array(op, x, None, copy=False)) if isinstance(x, _NUMBERS) else x for x in (a, b))
            like = next((x for x in (a, b) if isinstance(x, Tensor)), leaf(np.zeros((), get_default_dtype())))
        else:
            like = leaf(to_array(op, array, None, copy=False))
    return promote(operand(a, like, op), operand(b, like, op))


_NUMBERS = (numbers.Number, np.bool_)


def _extreme_pair(op: str, largest: bool, a: Operand, b: Operand) -> Tensor:
    ta, tb = _pair(op, a, b)
    try:
        return P.Maximum.apply(ta, tb, largest=largest)
    except ValueError:
        raise broadcast_error(op, ta.shape, tb.shape) from None


def maximum(a: Operand, b: Operand) -> Tensor:
    """f(a, b) = max(a, b) elementwise;  df/da = 1 where a > b, 0 where a < b, 1/2 at a tie."""
    return _extreme_pair("maximum", True, a, b)


def minimum(a: Operand, b: Operand) -> Tensor:
    """f(a, b) = min(a, b) elementwise;  df/da = 1 where a < b, 0 where a > b, 1/2 at a tie."""
    return _extreme_pair("minimum", False, a, b)
