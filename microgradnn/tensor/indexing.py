"""Shape and indexing ops: pad, repeat, flip, roll, split, triangles, diagonals, gather, index_select, take, scatter.

Most are compositions of the primitives (indexing, reshape, broadcast_to,
where), so their gradients come for free: `flip` and `roll` are an index with a
permutation, `repeat` a reshape and a broadcast, `gather` an index with one
integer array per axis, `index_select` an index along one axis and `take` an
index into the flattened tensor (repeated picks add up, through `np.add.at`). Three ops
are Functions of their own, because their backward is not an index: `Pad`
(constant padding; its backward is the crop, i.e. padding by minus the pads),
`Scatter` and `ScatterReduce`.

Index arguments follow PyTorch (`dim`, an int64 `index` tensor, `src`); masks
and indices are constants and carry no gradient.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradnn.engine import Context
from microgradnn.tensor import composed as C
from microgradnn.tensor import primitives as P
from microgradnn.tensor.broadcasting import normalize_axes
from microgradnn.tensor.tensor import Tensor, TensorFunction, leaf, operand

__all__ = [
    "Pad",
    "Scatter",
    "ScatterReduce",
    "chunk",
    "diag",
    "diagonal",
    "flip",
    "gather",
    "index_select",
    "masked_fill",
    "masked_select",
    "meshgrid",
    "nonzero",
    "one_hot",
    "pad",
    "repeat",
    "repeat_interleave",
    "roll",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "split",
    "take",
    "tril",
    "triu",
    "unbind",
    "unflatten",
]


# ------------------------------------------------------------------ helpers
def _int(op: str, name: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__} ({value!r})")
    return int(value)


def _dim(op: str, dim: Any, shape: tuple[int, ...]) -> int:
    """One axis, checked and made non-negative (a 0-d tensor accepts 0 and -1, as in PyTorch)."""
    _int(op, "dim", dim)
    axes = normalize_axes(op, dim, shape)
    return axes[0] if axes else 0


def _mask(op: str, mask: Any) -> np.ndarray:
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != bool:
        raise TypeError(f"{op}: the mask must be boolean (e.g. x > 0), got dtype {m.dtype}")
    return m


def _out_of_range(idx: np.ndarray, low: int, n: int) -> int | None:
    """The first bad entry of an index that must lie in [low, n): its smallest if below low, else its largest."""
    if not idx.size:
        return None
    smallest, largest = int(idx.min()), int(idx.max())
    if smallest < low:
        return smallest
    return largest if largest >= n else None


def _index_array(op: str, index: Any) -> np.ndarray:
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: index must be an integer tensor (int64), got dtype {idx.dtype}; "
            "convert it with index.long() (an array: index.astype(np.int64))"
        )
    return idx.astype(np.int64, copy=False)


# ------------------------------------------------------------------- padding
class Pad(TensorFunction):
    """Constant padding: f(x) = x surrounded by `value` (a negative pad crops);  the gradient is the crop back.

    `pads` holds one (before, after) pair per axis; the backward pads the
    gradient by minus those amounts with zeros, which is the crop.
    """

    name = "pad"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, pads: tuple[tuple[int, int], ...], value: float) -> np.ndarray:
        ctx.pads = pads
        return _pad_array(x, pads, value)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        back = tuple((-a, -b) for a, b in ctx.pads)
        if isinstance(grad, Tensor):
            return (Pad.apply(grad, pads=back, value=0.0),)
        return (_pad_array(grad, back, 0.0),)


def _pad_array(x: np.ndarray, pads: tuple[tuple[int, int], ...], value: float) -> np.ndarray:
    shape = tuple(n + a + b for n, (a, b) in zip(x.shape, pads))
    out = np.full(shape, value, dtype=x.dtype)
    dst = tuple(slice(max(a, 0), max(a, 0) + n + min(a, 0) + min(b, 0)) for n, (a, b) in zip(x.shape, pads))
    src = tuple(slice(max(-a, 0), n - max(-b, 0)) for n, (a, b) in zip(x.shape, pads))
    out[dst] = x[src]
    return out


def _pad_pairs(x: Tensor, padding: Any) -> tuple[tuple[int, int], ...]:
    """PyTorch's flat pads (last axis first: (left, right, top, bottom, ...)) or NumPy's per-axis pairs."""
    if isinstance(padding, (numbers.Integral, np.integer)) and not isinstance(padding, (bool, np.bool_)):
        return tuple((int(padding), int(padding)) for _ in x.shape)
    if not isinstance(padding, Sequence) or isinstance(padding, str):
        raise TypeError(f"pad: padding must be a sequence of ints, got {type(padding).__name__} ({padding!r})")
    items = list(padding)
    if (
        items
        and all(p is None or (isinstance(p, Sequence) and not isinstance(p, str)) for p in items)
        and not all(p is None for p in items)
    ):  # NumPy: ((a, b), ...); tinygrad writes None for an axis left alone
        items = [(0, 0) if p is None else p for p in items]
        if len(items) != x.ndim or any(len(p) != 2 for p in items):
            raise ValueError(
                f"pad: {padding!r} must give one (before, after) pair for each of the {x.ndim} axes of shape {x.shape}"
            )
        return tuple((_int("pad", "a pad", a), _int("pad", "a pad", b)) for a, b in items)
    flat = [_int("pad", "a pad", p) for p in items]
    if len(flat) % 2 or len(flat) // 2 > x.ndim:
        raise ValueError(
            f"pad: PyTorch-style padding {tuple(flat)} must have an even length of at most 2 * {x.ndim} "
            f"(pairs from the last axis backwards) for shape {x.shape}"
        )
    pairs = [(0, 0)] * x.ndim
    for i in range(len(flat) // 2):
        pairs[x.ndim - 1 - i] = (flat[2 * i], flat[2 * i + 1])
    return tuple(pairs)


def pad(x: Tensor, padding: Any, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad `x` (PyTorch's F.pad: flat pads from the last axis; or NumPy's ((before, after), ...) per axis).

    mode "constant" fills with `value` (negative pads crop); "reflect", "replicate" and "circular" take the
    new elements from `x` itself, as an index whose gradient adds back into the elements it copied.
    """
    pads = _pad_pairs(x, padding)
    if mode == "constant":
        C.number("pad", "value", value)
        for n, (a, b) in zip(x.shape, pads):
            if n + a + b < 0:
                raise ValueError(f"pad: pads {pads} crop more than the tensor's shape {x.shape} holds")
        return Pad.apply(x, pads=pads, value=value)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    indices = []
    for axis, (n, (a, b)) in enumerate(zip(x.shape, pads)):
        if a < 0 or b < 0:
            raise ValueError(f"pad: mode {mode!r} needs non-negative pads, got {pads}")
        if (a or b) and n == 0:
            raise ValueError(f"pad: cannot pad axis {axis} of size 0 in mode {mode!r} (shape {x.shape})")
        if mode == "reflect" and (a >= n or b >= n) and (a or b):
            raise ValueError(
                f"pad: reflect padding ({a}, {b}) on axis {axis} must be smaller than its size {n} (shape {x.shape})"
            )
        if mode == "circular" and (a > n or b > n):
            raise ValueError(f"pad: circular padding ({a}, {b}) on axis {axis} is larger than its size {n}")
        pos = np.arange(-a, n + b)
        if mode == "replicate":
            pos = np.clip(pos, 0, n - 1)
        elif mode == "circular":
            pos = pos % max(n, 1)
        else:  # reflect about the first and last element, which are not repeated
            pos = np.abs(pos)
            pos = np.where(pos > n - 1, 2 * (n - 1) - pos, pos)
        indices.append(pos)
    if not indices:
        return x
    return C.index(x, np.ix_(*indices))


# ---------------------------------------------------------- shape arrangement
def repeat(x: Tensor, sizes: tuple[int, ...]) -> Tensor:
    """PyTorch's repeat (NumPy's tile): x copied sizes[i] times along axis i, as a reshape and a broadcast."""
    if len(sizes) < x.ndim:
        raise ValueError(f"repeat: {len(sizes)} repeat counts for a tensor with {x.ndim} axes (shape {x.shape})")
    if any(s < 0 for s in sizes):
        raise ValueError(f"repeat: repeat counts must be >= 0, got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    interleaved = tuple(v for n in shape for v in (1, n))
    stretched = tuple(v for r, n in zip(sizes, shape) for v in (r, n))
    return x.reshape(interleaved).broadcast_to(stretched).reshape(tuple(r * n for r, n in zip(sizes, shape)))


def flip(x: Tensor, dims: Any) -> Tensor:
    """Reverse the order of elements along `dims`: an index with a reversed slice per axis."""
    axes = normalize_axes("flip", dims, x.shape)
    if axes is None:
        raise TypeError("flip: give the axes to reverse, e.g. flip(0) or flip((0, 1))")
    key = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim))
    return C.index(x, key)


def roll(x: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements along `dims` by `shifts`, wrapping around (all elements, flattened, when dims is None)."""
    if dims is None:
        if not isinstance(shifts, (numbers.Integral, np.integer)):
            raise TypeError(f"roll: without dims, shifts must be one int, got {shifts!r}")
        return roll(x.reshape(-1), shifts, 0).reshape(x.shape)
    shift_list = [shifts] if isinstance(shifts, (numbers.Integral, np.integer)) else list(shifts)
    dim_list = [dims] if isinstance(dims, (numbers.Integral, np.integer)) else list(dims)
    if len(shift_list) != len(dim_list):
        raise ValueError(f"roll: shifts {shifts!r} and dims {dims!r} must have the same length")
    out = x
    for s, d in zip(shift_list, dim_list):
        axis = _dim("roll", d, x.shape)
        s = _int("roll", "shifts", s)
        if x.ndim == 0 or x.shape[axis] == 0:
            continue
        n = x.shape[axis]
        order = (np.arange(n) - s) % n
        out = C.index(out, (slice(None),) * axis + (order,))
    return out


def split(x: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """PyTorch's split: pieces of one size (the last may be smaller), or of the sizes in a list."""
    axis = _dim("split", dim, x.shape)
    if x.ndim == 0:
        raise ValueError("split: a 0-d tensor has no axis to split")
    n = x.shape[axis]
    if isinstance(split_size_or_sections, (numbers.Integral, np.integer)) and not isinstance(
        split_size_or_sections, (bool, np.bool_)
    ):
        size = int(split_size_or_sections)
        if size <= 0 and not (size == 0 and n == 0):
            raise ValueError(f"split: the split size must be positive, got {size}")
        # an empty axis is one empty piece, as in PyTorch
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
    else:
        sizes = [_int("split", "a section size", s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ValueError(
                f"split: sections {sizes} must be >= 0 and sum to {n}, the size of axis {dim} of {x.shape}"
            )
    bounds = np.cumsum([0, *sizes]).tolist()
    prefix = (slice(None),) * axis
    return tuple(C.index(x, (*prefix, slice(bounds[i], bounds[i + 1]))) for i in range(len(sizes)))


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """PyTorch's chunk: at most `chunks` pieces of ceil(n / chunks) elements (the last may be smaller)."""
    chunks = _int("chunk", "chunks", chunks)
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    axis = _dim("chunk", dim, x.shape)
    if x.ndim == 0:
        raise ValueError("chunk: a 0-d tensor has no axis to split")
    n = x.shape[axis]
    # an empty axis gives `chunks` empty pieces, as in PyTorch
    return split(x, math.ceil(n / chunks), axis) if n else split(x, [0] * chunks, axis)


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """PyTorch's unbind: the slices of x along `dim`, that axis removed: out_i = x[:, ..., i, ...].

    Each slice is an index, so d out_i / dx is 1 on slice i and 0 elsewhere: the gradients of the slices land
    back in their places (``cat(unbind(emb, 1), 1)`` is ``emb.view(n, -1)``, gradient included).
    """
    axis = _dim("unbind", dim, x.shape)
    if x.ndim == 0:
        raise ValueError("unbind: a 0-d tensor has no axis to unbind; use .item() or x[None]")
    prefix = (slice(None),) * axis
    return tuple(C.index(x, (*prefix, i)) for i in range(x.shape[axis]))


def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split axis `dim` into the axes `sizes` (one may be -1): a reshape."""
    axis = _dim("unflatten", dim, x.shape)
    sizes = tuple(_int("unflatten", "a size", s) for s in sizes)
    known = math.prod(s for s in sizes if s != -1)
    n = x.shape[axis] if x.ndim else 1
    if sizes.count(-1) > 1 or (-1 not in sizes and known != n) or (-1 in sizes and (known == 0 or n % known)):
        raise ValueError(f"unflatten: sizes {sizes} do not multiply to {n}, the size of axis {dim} of {x.shape}")
    return x.reshape(*x.shape[:axis], *sizes, *x.shape[axis + 1 :])


def meshgrid(*tensors: Tensor, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors (PyTorch's default indexing 'ij'; NumPy's default is 'xy')."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in tensors:
        if not isinstance(t, Tensor) or t.ndim > 1:
            raise ValueError("meshgrid: every argument must be a 0-d or 1-d Tensor")
    flat = [t.reshape(-1) for t in tensors]
    shape = [t.shape[0] for t in flat]
    if indexing == "xy" and len(flat) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(flat):
        axis = i
        if indexing == "xy" and len(flat) >= 2 and i < 2:
            axis = 1 - i
        view = [1] * len(flat)
        view[axis] = t.shape[0]
        out.append(t.reshape(tuple(view)).broadcast_to(tuple(shape)))
    return tuple(out)


# ------------------------------------------------------------------- masks
def masked_fill(x: Tensor, mask: Any, value: Any) -> Tensor:
    """x with `value` where `mask` is True (broadcast);  the gradient reaches x only where the mask is False."""
    m = _mask("masked_fill", mask)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
    if not _broadcasts(m.shape, x.shape) or np.broadcast_shapes(m.shape, x.shape) != x.shape:
        raise ValueError(f"masked_fill: a mask of shape {m.shape} does not broadcast to the tensor's shape {x.shape}")
    if isinstance(value, Tensor) or x.dtype.kind == "f":
        v = value if isinstance(value, Tensor) else operand(value, x, "masked_fill")
    else:  # a number for an int or bool tensor: truncated and range-checked below (operand would make 2.7 a float)
        exact = isinstance(value, (numbers.Integral, np.bool_))
        v = leaf(np.asarray(value if exact else C.number("masked_fill", "value", value)))
    if v.dtype != x.dtype:  # PyTorch keeps x's dtype: 2.7 into an int tensor is 2, float64 into float32 is float32
        v = C.astype(v, x.dtype) if x.dtype.kind == "f" else _fill_value("masked_fill", v, x.dtype)
    return C.where(m, v, x)


def _fill_value(op: str, value: Tensor, dtype: np.dtype) -> Tensor:
    """A 0-d value cast to an int or bool tensor's dtype (truncated, as PyTorch), or a clear error if it cannot fit."""
    check_fits(op, value.data, dtype, f"x.float().{op}(...)")
    return leaf(value.data.astype(dtype))


def check_fits(op: str, v: np.ndarray, dtype: np.dtype, fix: str) -> None:
    """Raise a clear error if a value to be written into an int tensor has an element it cannot hold (300 in int8,
    nan in int64): NumPy's cast would wrap it or make it INT64_MIN without a word. Floats are truncated, as PyTorch."""
    if dtype.kind not in "iu" or v.dtype.kind not in "fiu":
        return
    info = np.iinfo(dtype)
    if v.dtype.kind == "f":  # what the cast stores, against bounds floats hold exactly: int64's max is not one
        # (as a float it rounds up to 2**63, which wraps to INT64_MIN); info.min and max + 1 are powers of two.
        with np.errstate(invalid="ignore"):
            stored = np.trunc(v)
            bad = ~(np.isfinite(v) & (stored >= info.min) & (stored < float(2 ** (info.bits - (info.min < 0)))))
    else:
        bad = ~((v >= info.min) & (v <= info.max))
    if bad.any():
        raise ValueError(
            f"{op}: the value {v[bad].flat[0].item()!r} does not fit in the tensor's dtype {dtype} "
            f"(from {info.min} to {info.max}); convert the tensor first, e.g. {fix}"
        )


def _broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def masked_select(x: Tensor, mask: Any) -> Tensor:
    """The elements of x where `mask` is True, as a 1-d tensor (x and mask broadcast together)."""
    m = _mask("masked_select", mask)
    if not _broadcasts(m.shape, x.shape):
        raise ValueError(f"masked_select: shapes {x.shape} and mask {m.shape} cannot be broadcast together")
    shape = np.broadcast_shapes(m.shape, x.shape)
    full = x if x.shape == shape else x.broadcast_to(shape)
    return C.index(full, np.broadcast_to(m, shape))


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two axes (elements above `diagonal` set to 0);  gradient only below."""
    return _triangle("tril", x, diagonal, lower=True)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two axes (elements below `diagonal` set to 0);  gradient only above."""
    return _triangle("triu", x, diagonal, lower=False)


def _triangle(op: str, x: Tensor, diagonal: int, lower: bool) -> Tensor:
    diagonal = _int(op, "diagonal", diagonal)
    if x.ndim < 2:
        raise ValueError(f"{op}: needs a tensor with at least 2 axes, got shape {x.shape}")
    rows, cols = x.shape[-2:]
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    keep = offset <= diagonal if lower else offset >= diagonal
    return C.where(keep, x, leaf(np.zeros((), x.dtype)))  # a zero of x's own dtype: a bool mask stays bool


# ---------------------------------------------------------------- no gradient
def nonzero(x: Tensor, as_tuple: bool = False) -> Any:
    """Indices of the nonzero elements: an int64 tensor (n, ndim), or one 1-d tensor per axis; no gradient."""
    if as_tuple:
        if x.ndim == 0:
            return (leaf(np.flatnonzero(x.data.reshape(1)).astype(np.int64)),)
        return tuple(leaf(i.astype(np.int64)) for i in np.nonzero(x.data))
    return leaf(np.argwhere(x.data).astype(np.int64))


def one_hot(x: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices as one-hot rows: an int64 tensor of shape (*x.shape, num_classes), as torch's F.one_hot."""
    if x.dtype.kind not in "iu":
        raise TypeError(f"one_hot: the class indices must be an integer tensor, got dtype {x.dtype}")
    num_classes = _int("one_hot", "num_classes", num_classes)
    data = x.data.astype(np.int64)
    if data.size and data.min() < 0:
        raise ValueError(f"one_hot: class indices must be >= 0, got {int(data.min())}")
    if num_classes == -1:
        if not data.size:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass num_classes")
        num_classes = int(data.max()) + 1
    elif data.size and data.max() >= num_classes:
        raise ValueError(f"one_hot: class index {int(data.max())} is out of range for num_classes={num_classes}")
    return leaf((data[..., None] == np.arange(num_classes)).astype(np.int64))


# ------------------------------------------------------------- repeats, diagonals
def repeat_interleave(x: Tensor, repeats: Any, dim: int | None = None) -> Tensor:
    """Each element repeated `repeats` times along `dim` (flattened first when dim is None): an index."""
    if dim is None:
        x, axis = x.reshape(-1), 0
    else:
        axis = _dim("repeat_interleave", dim, x.shape)
        if x.ndim == 0:
            x = x.reshape(1)
    r = repeats.data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if r.dtype.kind not in "iu" or r.ndim > 1:
        raise TypeError(f"repeat_interleave: repeats must be an int or a 1-d integer tensor, got {repeats!r}")
    n = x.shape[axis]
    if r.ndim == 1 and len(r) != n:
        raise ValueError(f"repeat_interleave: {len(r)} repeat counts for {n} elements along axis {axis}")
    if (r < 0).any():
        raise ValueError("repeat_interleave: repeat counts must be >= 0")
    order = np.repeat(np.arange(n), r)
    return C.index(x, (slice(None),) * axis + (order,))


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the axes dim1 and dim2, as a new last axis (torch.diagonal, np.diagonal): an index."""
    offset = _int("diagonal", "offset", offset)
    if x.ndim < 2:
        raise ValueError(f"diagonal: needs at least 2 axes, got shape {x.shape}")
    a, b = _dim("diagonal", dim1, x.shape), _dim("diagonal", dim2, x.shape)
    if a == b:
        raise ValueError(f"diagonal: dim1 and dim2 must differ, both are {a}")
    rest = [i for i in range(x.ndim) if i not in (a, b)]
    moved = x.permute(*rest, a, b)
    rows, cols = x.shape[a], x.shape[b]
    n = max(0, min(rows - max(-offset, 0), cols - max(offset, 0)))
    r = np.arange(n) + max(-offset, 0)
    c = np.arange(n) + max(offset, 0)
    return C.index(moved, (Ellipsis, r, c))


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-d x as a square matrix with x on the `diagonal`, or the diagonal of a 2-d x (torch.diag)."""
    k = _int("diag", "diagonal", diagonal)
    if x.ndim == 2:
        return globals()["diagonal"](x, k)
    if x.ndim != 1:
        raise ValueError(f"diag: needs a 1-d or 2-d tensor, got shape {x.shape}")
    n = x.shape[0] + abs(k)
    i = np.arange(x.shape[0])
    key = (i + max(-k, 0), i + max(k, 0))
    return P.IndexAdd.apply(x, shape=(n, n), key=key, may_repeat=False)


# ------------------------------------------------------------ gather, scatter
def _along(op: str, x: Tensor, dim: Any, index: Any) -> tuple[int, np.ndarray, tuple[Any, ...]]:
    """The axis, the index array and the full NumPy key that picks x[..., index[...], ...] along `dim`."""
    idx = _index_array(op, index)
    axis = _dim(op, dim, x.shape)
    xshape = x.shape if x.ndim else (1,)
    if idx.ndim == 0 and x.ndim == 0:
        idx = idx.reshape(1)
    if idx.ndim != len(xshape):
        raise ValueError(f"{op}: index must have as many axes as the tensor: index {idx.shape}, tensor {x.shape}")
    for d, (ni, nx) in enumerate(zip(idx.shape, xshape)):
        if d != axis and ni > nx:
            raise ValueError(
                f"{op}: index shape {idx.shape} is larger than the tensor's {x.shape} on axis {d} "
                f"(only axis {axis}, the one indexed, may differ)"
            )
    n = xshape[axis]
    bad = _out_of_range(idx, 0, n)
    if bad is not None:
        raise IndexError(f"{op}: index {bad} is out of range for axis {axis} of size {n} (shape {x.shape})")
    key = tuple(
        idx if d == axis else np.arange(idx.shape[d]).reshape((-1,) + (1,) * (idx.ndim - d - 1))
        for d in range(idx.ndim)
    )
    return axis, idx, key


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """`out[i][j] = x[index[i][j]][j]` (dim=0), as torch.gather: an index, whose gradient adds up repeated picks."""
    key = _along("gather", x, dim, index)[2]
    source = x.reshape(1) if x.ndim == 0 else x
    out = C.index(source, key)
    return out.reshape(()) if x.ndim == 0 and np.ndim(index) == 0 else out


def index_select(x: Tensor, dim: int, index: Any) -> Tensor:
    """torch.index_select (np.take with axis): the slices of x at the positions `index` (1-d) along `dim`.

    `out = x[:, index]` for dim=1: an index, so an element picked twice gets both gradients added up.
    """
    op = "index_select"
    axis = _dim(op, dim, x.shape)
    idx = _index_array(op, index)
    if idx.ndim > 1:
        raise ValueError(
            f"{op}: index must be 1-d (a list of positions along dim {dim}), got shape {idx.shape}; "
            "flatten it with index.reshape(-1), or use gather or take for an index of another shape"
        )
    idx = idx.reshape(-1)  # a 0-d index is one position, as in PyTorch (the axis stays, with size 1)
    n = x.shape[axis] if x.ndim else 1
    bad = _out_of_range(idx, 0, n)
    if bad is not None:
        raise IndexError(
            f"{op}: index {bad} is out of range for dim {dim} of size {n} (tensor shape {x.shape}); "
            f"positions must be in [0, {n - 1}]" + (" (negative positions are not allowed)" if bad < 0 else "")
        )
    if x.ndim == 0:  # PyTorch: a 0-d tensor takes an index of one position and stays 0-d
        if idx.size != 1:
            raise ValueError(f"{op}: a 0-d tensor takes an index of exactly one position, got {idx.size}")
        return C.index(x.reshape(1), idx).reshape(())
    return C.index(x, (slice(None),) * axis + (idx,))


def take(x: Tensor, index: Any) -> Tensor:
    """torch.take (np.take without axis): the elements of the flattened x at `index`, in index's shape.

    Negative positions count from the end (-1 is the last element), as in PyTorch; an index into the flattened
    tensor, so an element picked twice gets both gradients added up.
    """
    idx = _index_array("take", index)
    n = x.size
    bad = _out_of_range(idx, -n, n)
    if bad is not None:
        raise IndexError(
            f"take: index {bad} is out of range for a tensor of {n} elements (shape {x.shape}); "
            f"positions into the flattened tensor must be in [{-n}, {n - 1}]"
        )
    return C.index(x.reshape(-1), np.where(idx < 0, idx + n, idx))


class Scatter(TensorFunction):
    """f(x, src) = x with src's elements written at `key`;  df/dx = 1 where nothing was written, df/dsrc = 1 where
    an element was written (and not overwritten by a later duplicate index)."""

    name = "scatter"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, src: np.ndarray, *, key: Any, src_key: Any) -> np.ndarray:
        out = x.copy()
        picked = src[src_key]
        out[key] = picked
        kept = np.ones(x.shape, dtype=bool)
        kept[key] = False
        ctx.kept, ctx.key, ctx.src_key, ctx.src_shape = kept, key, src_key, src.shape
        ctx.winner = _last_writer(key, x.shape, picked.shape)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        need_x, need_src = ctx.needs_input_grad
        gx = grad * ctx.kept if need_x else None
        gsrc = None
        if need_src:
            gsrc = P.scatter_add(grad[ctx.key] * ctx.winner, ctx.src_shape, ctx.src_key, False)
        return gx, gsrc


def _last_writer(key: Any, shape: tuple[int, ...], picked_shape: tuple[int, ...]) -> np.ndarray:
    """Which of the written elements lands last on its target (NumPy's rule for duplicate indices)."""
    arrays = np.broadcast_arrays(*key)
    flat = np.ravel_multi_index(tuple(a.ravel() for a in arrays), shape) if arrays[0].size else np.zeros(0, int)
    winner = np.zeros(flat.size, dtype=bool)
    _, last = np.unique(flat[::-1], return_index=True)
    winner[flat.size - 1 - last] = True
    return winner.reshape(picked_shape)


def _src_key(idx: np.ndarray) -> tuple[slice, ...]:
    return tuple(slice(0, n) for n in idx.shape)


def _src_tensor(op: str, x: Tensor, idx: np.ndarray, src: Any, value: Any) -> Tensor:
    if (src is None) == (value is None):
        raise TypeError(f"{op}: give src (a tensor) or value (a number), exactly one")
    if src is None:
        return leaf(np.full(idx.shape, value, dtype=x.dtype))
    s = src if isinstance(src, Tensor) else operand(src, x, op)
    if s.ndim != idx.ndim or any(a > b for a, b in zip(idx.shape, s.shape)):
        raise ValueError(f"{op}: src of shape {s.shape} must have index's axes and be at least its shape {idx.shape}")
    if s.dtype != x.dtype:
        s = C.astype(s, x.dtype)
    return s


def scatter(
    x: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None
) -> Tensor:
    """torch.scatter: a copy of x with `out[index[i][j]][j] = src[i][j]` (dim=0); src may be a number (`value`).

    reduce="add" or "multiply" (PyTorch's older spelling) combines instead, as scatter_reduce "sum" / "prod".
    """
    if src is not None and not isinstance(src, (Tensor, np.ndarray, list)):
        src, value = None, src
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise ValueError(f"scatter: reduce must be 'add' or 'multiply' (or use scatter_reduce), got {reduce!r}")
        if src is None:
            src = np.full(_index_array("scatter", index).shape, value)
        return scatter_reduce(x, dim, index, src, "sum" if reduce == "add" else "prod")
    _, idx, key = _along("scatter", x, dim, index)
    s = _src_tensor("scatter", x, idx, src, value)
    return Scatter.apply(x, s, key=key, src_key=_src_key(idx))


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


class ScatterReduce(TensorFunction):
    """out = x with src's elements combined into it at `key` by sum, prod, mean, amax or amin (torch.scatter_reduce).

    Gradients: sum passes g to every contributor; mean passes g / count; amax/amin share g equally among the
    contributors equal to the result; prod passes g * out / element (zeros: the product of the others).
    With include_self=False, x's own element takes no part where anything was scattered.
    """

    name = "scatter_reduce"

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, src: np.ndarray, *, key: Any, src_key: Any, reduce: str, include_self: bool
    ) -> np.ndarray:
        picked = src[src_key]
        touched = np.zeros(x.shape, dtype=bool)
        touched[key] = True
        self_in = touched.copy() if include_self else np.zeros(x.shape, dtype=bool)
        self_in |= ~touched  # an untouched element keeps x's value in every mode
        ctx.key, ctx.src_key, ctx.src_shape, ctx.reduce = key, src_key, src.shape, reduce
        ctx.self_in = self_in
        if reduce in ("sum", "mean"):
            out = np.where(self_in, x, 0).astype(x.dtype)
            np.add.at(out, key, picked)
            if reduce == "mean":
                count = self_in.astype(x.dtype)
                np.add.at(count, key, 1)
                ctx.count = count
                out = out / count if x.dtype.kind == "f" else out // count.astype(x.dtype)
            return out.astype(x.dtype, copy=False)
        if reduce == "prod":
            out = np.where(self_in, x, 1).astype(x.dtype)
            np.multiply.at(out, key, picked)
            zeros = np.where(self_in, _is_zero(x), 0).astype(np.int64)
            np.add.at(zeros, key, _is_zero(picked))
            ctx.zeros = zeros
            ctx.save_for_backward(x, src, out)
            return out
        largest = reduce == "amax"
        empty = -np.inf if largest else np.inf
        out = np.where(self_in, x, empty if x.dtype.kind == "f" else x).astype(x.dtype)
        if not include_self and x.dtype.kind != "f":
            fill = np.iinfo(x.dtype).min if largest else np.iinfo(x.dtype).max
            out = np.where(self_in, x, fill).astype(x.dtype)
        (np.maximum if largest else np.minimum).at(out, key, picked)
        self_hit = self_in & (x == out)
        src_hit = picked == out[key]
        ties = self_hit.astype(x.dtype if x.dtype.kind == "f" else np.float64)
        np.add.at(ties, key, src_hit)
        with np.errstate(invalid="ignore"):  # a NaN result matches nothing: 0 / 0, NaN for all, as PyTorch
            # An element left out (include_self=False) gets no gradient, also where a NaN made that 0 / 0.
            ctx.self_weight = np.where(self_in, self_hit / ties, 0)
            ctx.src_weight = src_hit / ties[key]
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        need_x, need_src = ctx.needs_input_grad
        key, reduce = ctx.key, ctx.reduce
        if reduce == "sum":
            gx, gpicked = grad * ctx.self_in, grad[key]
        elif reduce == "mean":
            scaled = grad / ctx.count
            gx, gpicked = scaled * ctx.self_in, scaled[key]
        elif reduce in ("amax", "amin"):
            gx, gpicked = grad * ctx.self_weight, grad[key] * ctx.src_weight
        else:
            gx, gpicked = _prod_scatter_grads(ctx, grad)
        gsrc = P.scatter_add(gpicked, ctx.src_shape, ctx.src_key, False) if need_src else None
        return (gx if need_x else None), gsrc

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return f"scatter_{ctx.reduce}"


def _prod_scatter_grads(ctx: Context, grad: Any) -> tuple[Any, Any]:
    """d out / d element = out / element where the element is nonzero; at a lone zero, the product of the others."""
    x, src, out = ctx.saved_values
    key, self_in, zeros = ctx.key, ctx.self_in, ctx.zeros
    xd, sd = P._data(x), P._data(src)
    picked = src[ctx.src_key]
    xz, sz = _is_zero(xd), _is_zero(sd)
    pz = sz[ctx.src_key]
    # The product of the nonzero contributors, for the one zero of a position with exactly one.
    safe_x = np.where(self_in & ~xz, x, 1)
    safe_src = np.where(~sz, src, 1)
    if isinstance(grad, Tensor):  # a create_graph pass: the same product as a graph op
        others = ScatterReduce.apply(
            _graph(safe_x), _graph(safe_src), key=key, src_key=ctx.src_key, reduce="prod", include_self=True
        )
    else:
        others = safe_x.astype(xd.dtype)
        np.multiply.at(others, key, safe_src[ctx.src_key])
    lone = zeros == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        gx = np.where(self_in & ~xz, grad * out / np.where(~xz, x, 1), 0)
        gx = np.where(self_in & xz & lone, grad * others, gx)
        gp = np.where(~pz, (grad * out)[key] / np.where(~pz, picked, 1), 0)
        gp = np.where(pz & lone[key], (grad * others)[key], gp)
    return gx, gp


def _is_zero(a: np.ndarray) -> np.ndarray:
    """Zero, or subnormal (dividing by one would lose every digit), for the zero-safe gradient of prod."""
    return np.abs(a) < np.finfo(a.dtype).tiny if a.dtype.kind == "f" else a == 0


def _graph(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else leaf(np.asarray(x))


def scatter_reduce(x: Tensor, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Tensor:
    """torch.scatter_reduce: src's elements combined into a copy of x at index along dim (sum, prod, mean, amax,
    amin); include_self=False leaves x's own element out wherever something was scattered."""
    if reduce not in _REDUCTIONS:
        raise ValueError(f"scatter_reduce: reduce must be one of {_REDUCTIONS}, got {reduce!r}")
    if not isinstance(include_self, (bool, np.bool_)):
        raise TypeError(f"scatter_reduce: include_self must be True or False, got {include_self!r}")
    _, idx, key = _along("scatter_reduce", x, dim, index)
    s = _src_tensor("scatter_reduce", x, idx, src, None)
    return ScatterReduce.apply(x, s, key=key, src_key=_src_key(idx), reduce=reduce, include_self=bool(include_self))


def scatter_add(x: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """torch.scatter_add: src's elements added into a copy of x at index along dim (repeated indices add up)."""
    return scatter_reduce(x, dim, index, src, "sum")
