"""NumPy's own functions on Tensors go through the graph: ``np.exp(t)``, ``np.sum(t, axis=0)``, ``a @ b``.

NumPy hands a Tensor operand to `Tensor.__array_ufunc__` (ufuncs such as
np.exp, np.add, np.maximum) or `Tensor.__array_function__` (np.sum,
np.concatenate, np.where, ...). Each known one maps to our op, so the result is
a Tensor with its gradient; any other NumPy function raises a TypeError naming
it, never a silent plain array that drops the gradient. Use ``t.numpy()`` (or
``np.asarray(t)``) to leave the graph on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microgradnn.tensor import composed as C
from microgradnn.tensor.tensor import Tensor, leaf, operand

__all__ = ["array_function", "array_ufunc"]


def _as_tensor(x: Any, like: Tensor) -> Tensor:
    return operand(x, like, "numpy")


_UNARY: dict[np.ufunc, Callable[[Tensor], Tensor]] = {
    np.negative: lambda x: -x,
    np.positive: lambda x: x,
    np.exp: Tensor.exp,
    np.log: Tensor.log,
    np.sqrt: Tensor.sqrt,
    np.tanh: Tensor.tanh,
    np.absolute: Tensor.abs,
}

_BINARY: dict[np.ufunc, Callable[[Tensor, Tensor], Tensor]] = {
    np.add: lambda a, b: a + b,
    np.subtract: lambda a, b: a - b,
    np.multiply: lambda a, b: a * b,
    np.true_divide: lambda a, b: a / b,
    np.power: lambda a, b: a**b,
    np.matmul: lambda a, b: a @ b,
    np.maximum: C.maximum,
    np.minimum: C.minimum,
}

# Ufuncs whose result carries no gradient: computed on the data, returned as a Tensor without a graph.
_NO_GRADIENT = {
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    np.isnan, np.isinf, np.isfinite, np.sign, np.floor, np.ceil, np.trunc, np.rint,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
}  # fmt: skip

# More ufuncs whose Tensor method has another name or lives in another module: looked up by name when called.
_UNARY_METHODS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "sinh": "sinh", "cosh": "cosh", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
    "log2": "log2", "log10": "log10", "exp2": "exp2",
}  # fmt: skip
_BINARY_METHODS = {"copysign": "copysign", "logaddexp": "logaddexp", "fmod": "fmod", "remainder": "mod"}

_REDUCE = {np.add: Tensor.sum, np.maximum: Tensor.max, np.minimum: Tensor.min}


def array_ufunc(ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """`Tensor.__array_ufunc__`: the ufunc as our op, or a TypeError naming it."""
    out = kwargs.get("out")
    if out is not None:
        if any(isinstance(o, Tensor) for o in out) or any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
            raise TypeError(
                f"np.{ufunc.__name__}(..., out=...) on a Tensor: writing into an output array would bypass the graph; "
                "use the result instead (or, to update numbers such as p.data += -lr * p.grad, numbers: lr.item(), "
                "t.detach())"
            )
        # Numbers into a plain array, and no gradient to lose: NumPy's own arithmetic on the data, so
        # p.data += -lr * p.grad works with a Tensor lr (makemore's lrs[i]) as PyTorch's does.
        return getattr(ufunc, method)(*[x.data if isinstance(x, Tensor) else x for x in inputs], **kwargs)
    like = next(x for x in inputs if isinstance(x, Tensor))
    if method == "reduce" and ufunc in _REDUCE and len(inputs) == 1:
        axis = kwargs.get("axis", 0)
        return _REDUCE[ufunc](like, axis=axis, keepdims=kwargs.get("keepdims", False))
    if method == "__call__" and not kwargs:
        if ufunc in _UNARY and len(inputs) == 1:
            return _UNARY[ufunc](like)
        if ufunc in _BINARY and len(inputs) == 2:
            a, b = (_as_tensor(x, like) for x in inputs)
            return _BINARY[ufunc](a, b)
        name = _UNARY_METHODS.get(ufunc.__name__) if len(inputs) == 1 else _BINARY_METHODS.get(ufunc.__name__)
        if name is not None and hasattr(Tensor, name):
            a, *rest = (_as_tensor(x, like) for x in inputs)
            return getattr(a, name)(*rest)
        if ufunc in _NO_GRADIENT:
            return leaf(ufunc(*[x.data if isinstance(x, Tensor) else x for x in inputs]))
    raise TypeError(
        f"np.{ufunc.__name__}{'' if method == '__call__' else '.' + method} is not supported on a Tensor "
        "(it would drop the gradient); use the Tensor's own ops, or t.numpy() to leave the graph on purpose"
    )


def _sum(a: Tensor, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tensor:
    result = a.sum(axis=axis, keepdims=keepdims)
    return result if dtype is None else result.astype(dtype)


_FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {
    np.sum: _sum,
    np.mean: lambda a, axis=None, dtype=None, keepdims=False: a.mean(axis=axis, keepdims=keepdims),
    np.max: lambda a, axis=None, keepdims=False: a.max(axis=axis, keepdims=keepdims),
    np.amax: lambda a, axis=None, keepdims=False: a.max(axis=axis, keepdims=keepdims),
    np.min: lambda a, axis=None, keepdims=False: a.min(axis=axis, keepdims=keepdims),
    np.amin: lambda a, axis=None, keepdims=False: a.min(axis=axis, keepdims=keepdims),
    np.var: lambda a, axis=None, dtype=None, ddof=0, keepdims=False: a.var(axis=axis, keepdims=keepdims, ddof=ddof),
    np.reshape: lambda a, shape, **kw: a.reshape(shape),
    np.transpose: lambda a, axes=None: a.transpose() if axes is None else a.permute(*axes),
    np.swapaxes: lambda a, axis1, axis2: a.transpose(axis1, axis2),
    np.squeeze: lambda a, axis=None: a.squeeze(axis),
    np.expand_dims: lambda a, axis: a.unsqueeze(axis),
    np.broadcast_to: lambda a, shape, subok=False: a.broadcast_to(shape),
    np.clip: lambda a, a_min=None, a_max=None, **kw: a.clip(a_min, a_max),
    np.concatenate: lambda arrays, axis=0, **kw: C.concatenate(list(arrays), axis=axis),
    np.stack: lambda arrays, axis=0, **kw: C.stack(list(arrays), axis=axis),
    np.where: lambda condition, x, y: C.where(condition, x, y),
    np.argmax: lambda a, axis=None, keepdims=False: a.argmax(axis=axis, keepdims=keepdims),
    np.argmin: lambda a, axis=None, keepdims=False: a.argmin(axis=axis, keepdims=keepdims),
    np.dot: lambda a, b: _as_pair(a, b, lambda x, y: x @ y),
    np.cumsum: lambda a, axis=None, dtype=None: a.cumsum(axis=axis),
    np.cumprod: lambda a, axis=None, dtype=None: a.cumprod(axis=axis),
    np.prod: lambda a, axis=None, dtype=None, keepdims=False, **kw: a.prod(axis=axis, keepdims=keepdims),
    np.std: lambda a, axis=None, dtype=None, ddof=0, keepdims=False, **kw: a.std(
        axis=axis, keepdims=keepdims, ddof=ddof
    ),
    np.any: lambda a, axis=None, keepdims=False, **kw: a.any(axis=axis, keepdims=keepdims),
    np.all: lambda a, axis=None, keepdims=False, **kw: a.all(axis=axis, keepdims=keepdims),
    np.sort: lambda a, axis=-1, **kw: a.sort(axis=axis).values,
    np.argsort: lambda a, axis=-1, **kw: a.argsort(axis=axis),
    np.flip: lambda m, axis=None: m.flip(axis=axis) if axis is not None else m.flip(*range(m.ndim)),
    np.roll: lambda a, shift, axis=None: a.roll(shift, axis=axis),
    np.tril: lambda m, k=0: m.tril(k),
    np.triu: lambda m, k=0: m.triu(k),
    np.diagonal: lambda a, offset=0, axis1=0, axis2=1: a.diagonal(offset, axis1, axis2),
    np.tile: lambda a, reps: a.tile(reps),
    np.einsum: lambda subscripts, *operands, **kw: _einsum(subscripts, *operands),
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
    np.size: lambda a, axis=None: a.size if axis is None else a.shape[axis],
    np.zeros_like: lambda a, dtype=None, **kw: leaf(np.zeros_like(a.data, dtype=dtype)),
    np.ones_like: lambda a, dtype=None, **kw: leaf(np.ones_like(a.data, dtype=dtype)),
    np.isclose: lambda a, b, **kw: leaf(np.isclose(_data(a), _data(b), **kw)),
    np.allclose: lambda a, b, **kw: bool(np.allclose(_data(a), _data(b), **kw)),
    np.array_equal: lambda a, b, **kw: bool(np.array_equal(_data(a), _data(b), **kw)),
}


def _einsum(subscripts: str, *operands: Any) -> Tensor:
    from microgradnn.tensor import einsum

    return einsum(subscripts, *operands)


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _as_pair(a: Any, b: Any, fn: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    like = a if isinstance(a, Tensor) else b
    return fn(_as_tensor(a, like), _as_tensor(b, like))


def array_function(func: Callable[..., Any], types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """`Tensor.__array_function__`: the NumPy function as our op, or a TypeError naming it."""
    impl = _FUNCTIONS.get(func)
    if kwargs.get("out") is not None:  # for every function at once: an output array would bypass the graph
        raise TypeError(f"np.{func.__name__}(..., out=...) on a Tensor: an output array would bypass the graph")
    kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    if impl is None:
        raise TypeError(
            f"np.{func.__name__} is not supported on a Tensor (it would drop the gradient); use the Tensor's own "
            "ops, or t.numpy() to leave the graph on purpose"
        )
    return impl(*args, **kwargs)
