"""Creation functions: zeros, ones, full, rand, randn, arange, eye (and their `*_like` forms).

Sizes are checked (ints >= 0), dtypes follow `tensor.dtypes` (floats default
to float32), and random tensors are reproducible with `seed` or a NumPy
`generator`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradnn.tensor.broadcasting import shape_arg
from microgradnn.tensor.dtypes import dtype_arg, get_default_dtype
from microgradnn.tensor.tensor import Tensor

__all__ = ["arange", "eye", "full", "ones", "ones_like", "rand", "randn", "zeros", "zeros_like", "full_like"]


def _size(op: str, shape: tuple[Any, ...]) -> tuple[int, ...]:
    sizes = shape_arg(op, shape) if shape else ()
    bad = [n for n in sizes if n < 0]
    if bad:
        raise ValueError(f"{op}: sizes must be >= 0, got {sizes}")
    return sizes


def _float(op: str, dtype: Any) -> np.dtype:
    d = dtype_arg(op, dtype)
    return get_default_dtype() if d is None else d


def _rng(seed: int | None, generator: np.random.Generator | None) -> np.random.Generator:
    if seed is not None and generator is not None:
        raise ValueError("give either seed or generator, not both")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    return generator if generator is not None else np.random.default_rng(seed)


def zeros(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    d = _float("zeros", dtype)
    return Tensor(np.zeros(_size("zeros", shape), dtype=d), requires_grad=requires_grad, copy=False)


def ones(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ones(2, 3) or ones((2, 3))."""
    d = _float("ones", dtype)
    return Tensor(np.ones(_size("ones", shape), dtype=d), requires_grad=requires_grad, copy=False)


def full(shape: int | Sequence[int], fill_value: float, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` filled with `fill_value` (a float's default dtype unless `dtype` is given)."""
    d = dtype_arg("full", dtype)
    if d is None:
        d = np.dtype(np.int64) if isinstance(fill_value, numbers.Integral) else get_default_dtype()
        d = np.dtype(bool) if isinstance(fill_value, (bool, np.bool_)) else d
    sizes = _size("full", (shape,))
    return Tensor(np.full(sizes, fill_value, dtype=d), requires_grad=requires_grad, copy=False)


def zeros_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """zeros of t's shape and dtype."""
    data = np.asarray(t.data if isinstance(t, Tensor) else t)
    return Tensor(np.zeros_like(data, dtype=dtype_arg("zeros_like", dtype)), requires_grad=requires_grad, copy=False)


def ones_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """ones of t's shape and dtype."""
    data = np.asarray(t.data if isinstance(t, Tensor) else t)
    return Tensor(np.ones_like(data, dtype=dtype_arg("ones_like", dtype)), requires_grad=requires_grad, copy=False)


def full_like(t: Any, fill_value: float, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """`fill_value` in t's shape and dtype."""
    data = np.asarray(t.data if isinstance(t, Tensor) else t)
    out = np.full_like(data, fill_value, dtype=dtype_arg("full_like", dtype))
    return Tensor(out, requires_grad=requires_grad, copy=False)


def rand(
    *shape: int | Sequence[int],
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1); reproducible with `seed` or a numpy `generator`."""
    data = _rng(seed, generator).random(_size("rand", shape)).astype(_float("rand", dtype))
    return Tensor(data, requires_grad=requires_grad, copy=False)


def randn(
    *shape: int | Sequence[int],
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples; reproducible with `seed` or a numpy `generator`."""
    data = _rng(seed, generator).standard_normal(_size("randn", shape)).astype(_float("randn", dtype))
    return Tensor(data, requires_grad=requires_grad, copy=False)


def arange(
    start: float, stop: float | None = None, step: float = 1, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Evenly spaced values in [start, stop) as numpy's arange, in the default float dtype unless `dtype` is given."""
    for name, v in (("start", start), ("stop", stop), ("step", step)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
            raise TypeError(f"arange: {name} must be a number, got {type(v).__name__} ({v!r})")
    if step == 0:
        raise ValueError("arange: step must not be 0 (it would never reach stop)")
    data = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return Tensor(data.astype(_float("arange", dtype)), requires_grad=requires_grad, copy=False)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default)."""
    sizes = _size("eye", (n,) if m is None else (n, m))
    d = _float("eye", dtype)
    return Tensor(np.eye(sizes[0], sizes[-1], dtype=d), requires_grad=requires_grad, copy=False)


# Constructors are also reachable from the class, as Tensor.zeros(2, 3).
for _name in ("zeros", "ones", "full", "rand", "randn", "arange", "eye"):
    setattr(Tensor, _name, staticmethod(globals()[_name]))
del _name
