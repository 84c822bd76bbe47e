"""Shapes and axes: NumPy's broadcasting undone in one place (`sum_to`), and the axis helpers every op shares.

The helpers work on NumPy arrays and on Tensors alike (they use only
``.sum``, ``.reshape`` and arithmetic), so a backward formula that calls them
runs in a first-order pass (arrays) and under ``create_graph=True`` (Tensors).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "Axis",
    "broadcast_error",
    "count",
    "expand_reduced",
    "normalize_axes",
    "shape_arg",
    "sum_to",
]

Axis = int | Sequence[int] | None


def sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Undo broadcasting: sum g over the axes that broadcasting added or stretched from 1, to get `shape`."""
    lead = g.ndim - len(shape)
    if lead > 0:
        g = np.add.reduce(g, axis=tuple(range(lead))) if isinstance(g, np.ndarray) else g.sum(axis=tuple(range(lead)))
    if tuple(g.shape) != shape:
        stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        if stretched:
            g = (
                np.add.reduce(g, axis=stretched, keepdims=True)
                if isinstance(g, np.ndarray)
                else g.sum(axis=stretched, keepdims=True)
            )
    if tuple(g.shape) != shape:  # only a buggy backward gets here; gradcheck reports it with a hint
        raise ValueError(f"backward: a gradient of shape {tuple(g.shape)} cannot be summed back to shape {shape}")
    return g


def expand_reduced(g: Any, axes: tuple[int, ...] | None, keepdims: bool, shape: tuple[int, ...]) -> Any:
    """The gradient of a reduction over `axes`, spread back over the input's `shape`."""
    if isinstance(g, np.generic):  # numpy hands back scalars from 0-d arithmetic
        g = np.asarray(g)
    if not keepdims:
        kept = tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))
        g = g.reshape(kept)
    if isinstance(g, np.ndarray):
        out = np.empty(shape, dtype=g.dtype)
        # Filling a fresh array is cheaper than np.broadcast_to (a Python-level function) and owns its memory.
        out[...] = g
        return out
    return g.broadcast_to(shape)


def normalize_axes(op: str, axis: Axis, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """`axis` (None, an int or a sequence) as a tuple of non-negative axes, checked against `shape`.

    A 0-d tensor accepts axis 0 and -1, as PyTorch does (the reduction is then over nothing).
    """
    if axis is None:
        return None
    ndim = len(shape)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer, tuple, list)):
        raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {type(axis).__name__} ({axis!r})")
    raw = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in raw:
        if not isinstance(a, (int, np.integer)) or isinstance(a, (bool, np.bool_)):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if ndim == 0 and a in (0, -1):
            continue
        if ndim == 0:
            raise np.exceptions.AxisError(
                f"{op}: the tensor is 0-d (a single number, shape ()), so it has no axis {a}; "
                "a 0-d tensor takes only axis 0 or -1, as in PyTorch"
            )
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{op}: axis {a} is out of range for a tensor of shape {shape}; use an axis from {-ndim} to {ndim - 1}"
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: axis {axis} names the same axis twice")
    return tuple(out)


def count(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> int:
    """How many elements a reduction over `axes` combines."""
    return math.prod(shape) if axes is None else math.prod(shape[a] for a in axes)


def shape_arg(op: str, shape: tuple[Any, ...]) -> tuple[int, ...]:
    """reshape(2, 3) and reshape((2, 3)) both mean (2, 3); anything but ints is refused."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    elif len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        raise TypeError(
            f"{op}: a shape is ints or a tuple of ints, got {type(shape[0]).__name__} ({shape[0]!r}); e.g. (2, 3)"
        )
    out = []
    for n in shape:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{op}: every size in a shape must be an int, got {type(n).__name__} ({n!r}) in {shape}")
        out.append(int(n))
    return tuple(out)


def broadcast_error(op: str, a: tuple[int, ...], b: tuple[int, ...]) -> ValueError:
    """The error for shapes that do not broadcast, naming the first axis that disagrees."""
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
