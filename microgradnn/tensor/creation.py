"""Creation functions: zeros, ones, empty, full, rand, randn, randint, arange, linspace, eye, the
`*_like` forms (zeros_like, ones_like, empty_like, full_like, rand_like, randn_like, randint_like), and
`multinomial` (indices drawn from the rows of a probability tensor).

Sizes are checked (ints >= 0), dtypes follow `tensor.dtypes` (floats default
to float32, `randint` gives int64), and random tensors are reproducible with
`seed` or a NumPy `generator`. A `*_like` function takes the shape of its
argument and, unless `dtype` says otherwise, its dtype (as in NumPy and
PyTorch); only a float result can require grad.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradnn.tensor.broadcasting import shape_arg
from microgradnn.tensor.dtypes import dtype_arg, get_default_dtype
from microgradnn.tensor.tensor import Tensor

__all__ = [
    "arange",
    "empty",
    "empty_like",
    "eye",
    "full",
    "full_like",
    "linspace",
    "multinomial",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "zeros",
    "zeros_like",
]


def _size(op: str, shape: tuple[Any, ...]) -> tuple[int, ...]:
    sizes = shape_arg(op, shape) if shape else ()
    bad = [n for n in sizes if n < 0]
    if bad:
        raise ValueError(f"{op}: sizes must be >= 0, got {sizes}")
    return sizes


def _float(op: str, dtype: Any) -> np.dtype:
    d = dtype_arg(op, dtype)
    return get_default_dtype() if d is None else d


# The generator of every draw given neither a seed nor a generator: random tensors, initial weights, Dropout,
# attention's dropout, DataLoader shuffling. One object for the whole run, reseeded in place by manual_seed() (as
# torch.manual_seed reseeds torch's), so a DataLoader made before the call follows it too.
_DEFAULT_GENERATOR = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Make every later unseeded draw reproducible (random tensors, layers' initial weights, Dropout), as
    ``torch.manual_seed`` does; a `seed=` or `generator=` given to one call still wins for that call."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"manual_seed: seed must be an int >= 0, got {seed!r}; e.g. manual_seed(0)")
    _DEFAULT_GENERATOR.bit_generator.state = np.random.default_rng(int(seed)).bit_generator.state


def default_generator() -> np.random.Generator:
    """The generator unseeded draws use (reseeded by `manual_seed`)."""
    return _DEFAULT_GENERATOR


def _rng(seed: int | None, generator: np.random.Generator | None) -> np.random.Generator:
    if seed is not None and generator is not None:
        raise ValueError("give either seed or generator, not both")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    if generator is not None:
        return generator
    return np.random.default_rng(seed) if seed is not None else _DEFAULT_GENERATOR


def zeros(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    d = _float("zeros", dtype)
    return _made("zeros", np.zeros(_size("zeros", shape), dtype=d), requires_grad)


def ones(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ones(2, 3) or ones((2, 3))."""
    d = _float("ones", dtype)
    return _made("ones", np.ones(_size("ones", shape), dtype=d), requires_grad)


def full(shape: int | Sequence[int], fill_value: float, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` filled with `fill_value` (a float's default dtype unless `dtype` is given)."""
    d = dtype_arg("full", dtype)
    if d is None:
        d = np.dtype(np.int64) if isinstance(fill_value, numbers.Integral) else get_default_dtype()
        d = np.dtype(bool) if isinstance(fill_value, (bool, np.bool_)) else d
    sizes = _size("full", (shape,))
    return _made("full", np.full(sizes, fill_value, dtype=d), requires_grad)


def _like(op: str, t: Any) -> np.ndarray:
    """The array whose shape (and dtype) a `*_like` function copies."""
    if isinstance(t, Tensor):
        return t.data
    if isinstance(t, (np.ndarray, list, tuple, numbers.Number)) and not isinstance(t, complex):
        return np.asarray(t)
    raise TypeError(f"{op}: expected a Tensor or an array to take the shape of, got {type(t).__name__}")


def _made(op: str, data: np.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad and data.dtype.kind != "f":
        raise TypeError(
            f"{op}: only floating-point tensors can require gradients, this one would have dtype {data.dtype}; "
            "pass dtype=np.float32"
        )
    return Tensor(data, requires_grad=requires_grad, copy=False)


def zeros_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """zeros of t's shape and dtype."""
    data = np.zeros_like(_like("zeros_like", t), dtype=dtype_arg("zeros_like", dtype))
    return _made("zeros_like", data, requires_grad)


def ones_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """ones of t's shape and dtype."""
    data = np.ones_like(_like("ones_like", t), dtype=dtype_arg("ones_like", dtype))
    return _made("ones_like", data, requires_grad)


def full_like(t: Any, fill_value: float, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """`fill_value` in t's shape and dtype."""
    if isinstance(fill_value, complex) or not isinstance(fill_value, (numbers.Real, np.bool_)):
        raise TypeError(f"full_like: fill_value must be a number, got {type(fill_value).__name__} ({fill_value!r})")
    data = np.full_like(_like("full_like", t), fill_value, dtype=dtype_arg("full_like", dtype))
    return _made("full_like", data, requires_grad)


def empty(*shape: int | Sequence[int], dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor whose elements are not set (whatever the memory held, as NumPy's and PyTorch's empty).

    Fill it before reading it; use `zeros` when the values matter.
    """
    data = np.empty(_size("empty", shape), dtype=_float("empty", dtype))
    return _made("empty", data, requires_grad)


def empty_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An unset tensor of t's shape and dtype (see `empty`)."""
    data = np.empty_like(_like("empty_like", t), dtype=dtype_arg("empty_like", dtype))
    return _made("empty_like", data, requires_grad)


def rand_like(
    t: Any,
    *,
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1) in t's shape (and float dtype; the default float for an int tensor)."""
    like = _like("rand_like", t)
    d = _sample_dtype("rand_like", like, dtype)
    return rand(like.shape, seed=seed, generator=generator, dtype=d, requires_grad=requires_grad)


def randn_like(
    t: Any,
    *,
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples in t's shape (and float dtype; the default float for an int tensor)."""
    like = _like("randn_like", t)
    d = _sample_dtype("randn_like", like, dtype)
    return randn(like.shape, seed=seed, generator=generator, dtype=d, requires_grad=requires_grad)


def _float_only(op: str, d: np.dtype) -> None:
    if d.kind != "f":
        raise TypeError(f"{op}: samples from a continuous distribution need a float dtype, got {d}; use randint")


def _sample_dtype(op: str, like: np.ndarray, dtype: Any) -> np.dtype:
    """The float dtype of `rand_like`/`randn_like`: `dtype`, else like's own float dtype, else the default float."""
    d = dtype_arg(op, dtype) or (like.dtype if like.dtype.kind == "f" else get_default_dtype())
    _float_only(op, d)
    return d


def rand(
    *shape: int | Sequence[int],
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1); reproducible with `seed` or a numpy `generator`."""
    return _samples("rand", "random", shape, seed, generator, dtype, requires_grad)


def randn(
    *shape: int | Sequence[int],
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples; reproducible with `seed` or a numpy `generator`."""
    return _samples("randn", "standard_normal", shape, seed, generator, dtype, requires_grad)


def _samples(
    op: str,
    draw: str,
    shape: tuple[Any, ...],
    seed: int | None,
    generator: np.random.Generator | None,
    dtype: Any,
    requires_grad: bool,
) -> Tensor:
    """`shape` samples from the generator's method `draw`, in a float dtype."""
    d = _float(op, dtype)
    _float_only(op, d)
    data = getattr(_rng(seed, generator), draw)(_size(op, shape)).astype(d)
    return Tensor(data, requires_grad=requires_grad, copy=False)


def arange(
    start: float, stop: float | None = None, step: float = 1, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Evenly spaced values in [start, stop), as NumPy's and PyTorch's arange: int64 when start, stop and step
    are all ints (so ``probs[arange(n), ys]`` indexes), else the default float dtype; `dtype` overrides both."""
    bounds = (("start", start), ("stop", stop), ("step", step))
    for name, v in bounds:
        if v is not None and (isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real)):
            raise TypeError(f"arange: {name} must be a number, got {type(v).__name__} ({v!r})")
    if step == 0:
        raise ValueError("arange: step must not be 0 (it would never reach stop)")
    data = np.arange(start, stop, step) if stop is not None else np.arange(start)
    ints = all(v is None or isinstance(v, numbers.Integral) for _, v in bounds)
    d = dtype_arg("arange", dtype) or (np.dtype(np.int64) if ints else get_default_dtype())
    return _made("arange", data.astype(d), requires_grad)


def _integer(op: str, name: str, v: Any) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral)):
        raise TypeError(f"{op}: {name} must be an int, got {type(v).__name__} ({v!r})")
    return int(v)


def randint(
    low: int,
    high: int | Sequence[int] | None = None,
    size: int | Sequence[int] | None = None,
    *,
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
) -> Tensor:
    """Random integers in [low, high), int64 unless `dtype` says otherwise; integer tensors carry no gradient.

    Both spellings: NumPy's ``randint(low, high=None, size=None)`` (one bound means [0, low)) and PyTorch's
    ``randint(high, size)`` / ``randint(low, high, size)`` (a shape as the second argument).
    """
    if size is None and isinstance(high, (tuple, list)):  # PyTorch's randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    lo, hi = _integer("randint", "low", low), _integer("randint", "high", high)
    if lo >= hi:
        raise ValueError(f"randint: low ({lo}) must be less than high ({hi}); the range [low, high) is empty")
    shape = () if size is None else _size("randint", (size,))
    d = dtype_arg("randint", dtype) or np.dtype(np.int64)
    if d.kind not in "iu":
        raise TypeError(f"randint: dtype must be an integer dtype, got {d}; use rand for floats")
    info = np.iinfo(d)
    if lo < info.min or hi - 1 > info.max:
        raise ValueError(f"randint: [{lo}, {hi}) does not fit in {d} ({info.min}..{info.max})")
    data = _rng(seed, generator).integers(lo, hi, size=shape, dtype=d)
    return Tensor(np.asarray(data), copy=False)


def randint_like(
    t: Any,
    low: int,
    high: int | None = None,
    *,
    seed: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
) -> Tensor:
    """Random integers in [low, high) (or [0, low)) in t's shape; t's dtype if it is an integer one, else int64."""
    like = _like("randint_like", t)
    d = dtype_arg("randint_like", dtype) or (like.dtype if like.dtype.kind in "iu" else np.dtype(np.int64))
    return randint(low, high, like.shape, seed=seed, generator=generator, dtype=d)


def multinomial(
    input: Any,
    num_samples: int,
    replacement: bool = False,
    *,
    seed: int | None = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Indices drawn from each row of `input`, as torch.multinomial: an int64 tensor of shape (num_samples,) for a
    1-d input, (rows, num_samples) for a 2-d one; no gradient (the draws are integers).

    P(index j) = input[j] / sum(input): the weights need not sum to 1, only be >= 0 and finite with a positive
    sum. With ``replacement=True`` the draws are independent; without it each draw is taken from the categories
    not drawn yet (so at most as many as have a weight > 0: PyTorch then picks weight-0 categories, here it is
    an error). Reproducible with `seed` or a NumPy `generator`: ``np.random.default_rng(2147483647)`` plays the
    part of ``torch.Generator().manual_seed(2147483647)`` (the same seed gives other numbers than PyTorch's).
    """
    data = input.data if isinstance(input, Tensor) else np.asarray(input)
    if data.dtype.kind != "f":
        raise TypeError(f"multinomial: the weights must be a float tensor, got dtype {data.dtype}; use .float()")
    if data.ndim not in (1, 2):
        raise ValueError(f"multinomial: the weights must be 1-d or 2-d (one row per draw), got shape {data.shape}")
    n = _integer("multinomial", "num_samples", num_samples)
    if n <= 0:
        raise ValueError(f"multinomial: num_samples must be >= 1, got {n}")
    if not isinstance(replacement, (bool, np.bool_)):
        raise TypeError(f"multinomial: replacement must be True or False, got {replacement!r}")
    rows = data.reshape(-1, data.shape[-1]).astype(np.float64)
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise ValueError("multinomial: the weights must be finite and >= 0 (they contain inf, nan or a negative)")
    if (rows.sum(axis=1) <= 0).any():
        raise ValueError("multinomial: every row of weights needs a positive sum (a row is all zeros)")
    nonzero = int((rows > 0).sum(axis=1).min()) if len(rows) else n
    if not replacement and n > nonzero:
        raise ValueError(
            f"multinomial: cannot draw {n} samples without replacement: a row has only {nonzero} categories with "
            "weight > 0; pass replacement=True or ask for fewer"
        )
    rng = _rng(seed, generator)
    picks = [rng.choice(len(row), size=n, replace=bool(replacement), p=row / row.sum()) for row in rows]
    out = np.array(picks, dtype=np.int64).reshape(*data.shape[:-1], n)
    return Tensor(out, copy=False)


def linspace(
    start: float,
    stop: float,
    num: int | None = None,
    *,
    steps: int | None = None,
    endpoint: bool = True,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """`num` evenly spaced values from start to stop (included unless endpoint=False), in the default float dtype.

    NumPy's `num` (default 50) or PyTorch's `steps`.
    """
    if num is not None and steps is not None:
        raise TypeError("linspace: give num (NumPy's name) or steps (PyTorch's), not both")
    n = 50 if num is None and steps is None else (num if steps is None else steps)
    n = _integer("linspace", "num", n)
    if n < 0:
        raise ValueError(f"linspace: the number of values must be >= 0, got {n}")
    for name, v in (("start", start), ("stop", stop)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise TypeError(f"linspace: {name} must be a number, got {type(v).__name__} ({v!r})")
        if not math.isfinite(v):
            raise ValueError(f"linspace: {name} must be finite, got {v!r}")
    d = _float("linspace", dtype)
    data = np.linspace(float(start), float(stop), n, endpoint=bool(endpoint))
    return _made("linspace", data.astype(d), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default)."""
    sizes = _size("eye", (n,) if m is None else (n, m))
    d = _float("eye", dtype)
    return _made("eye", np.eye(sizes[0], sizes[-1], dtype=d), requires_grad)


# Constructors are also reachable from the class, as Tensor.zeros(2, 3).
for _name in ("zeros", "ones", "empty", "full", "rand", "randn", "randint", "arange", "linspace", "eye"):
    setattr(Tensor, _name, staticmethod(globals()[_name]))
del _name
