"""Pooling and resizing: `max_pool2d`, `avg_pool2d`, `adaptive_avg_pool2d`, `interpolate`, vectorised with NumPy.

The pools read the same strided windows as the convolutions (`tensor.conv.windows`:
a view, no copy). Each op is a Function whose backward is again an op that
works on arrays and on Tensors (`scatter_add` for max pooling, a linear
adjoint for the averages and the resizes), so second derivatives stay on the
graph. PyTorch's conventions: max pooling gives the whole gradient to the
first maximum of its window (row by row) and lets NaN win; padding counts as
-inf for max and as zeros for the average (unless ``count_include_pad=False``).
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradnn.engine import Context
from microgradnn.tensor.conv import Geometry, _cached, _check_tensor, _hashable, _pair, col2im, windows
from microgradnn.tensor.primitives import scatter_add
from microgradnn.tensor.tensor import Tensor, TensorFunction, leaf

__all__ = [
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "AvgPool2dAdjoint",
    "Interpolate",
    "InterpolateAdjoint",
    "MaxPool2d",
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "interpolate",
    "max_pool2d",
]

Size = int | Sequence[int]


# ---------------------------------------------------------------- geometry
def _pool_geometry(
    op: str,
    x_shape: tuple[int, ...],
    kernel_size: Size,
    stride: Size | None,
    padding: Size,
    dilation: Size,
    ceil_mode: bool,
) -> Geometry:
    kernel = _pair(op, "kernel_size", kernel_size, 2, 1)
    strd = (
        kernel
        if stride is None or (isinstance(stride, (tuple, list)) and not stride)
        else _pair(op, "stride", stride, 2, 1)
    )
    pad = _pair(op, "padding", padding, 2, 0)
    dil = _pair(op, "dilation", dilation, 2, 1)
    if not isinstance(ceil_mode, (bool, np.bool_)):
        raise TypeError(f"{op}: ceil_mode must be True or False, got {ceil_mode!r}")
    for p, k in zip(pad, kernel):
        if p > k // 2:
            raise ValueError(
                f"{op}: padding {pad} must be at most half the kernel size {kernel} (as in PyTorch); "
                "use a bigger kernel or less padding"
            )
    c, h, w = x_shape[1:]
    out, extra = [], []
    for size, k, s, p, d in zip((h, w), kernel, strd, pad, dil):
        reach = d * (k - 1) + 1
        # PyTorch's output size: floor (or ceil) of (H + 2p - d(k-1) - 1) / s, plus 1. With ceil_mode a window may
        # run past the padded input (even when the kernel is larger than it), so long as one window fits at all.
        span = size + 2 * p - reach
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= size + p:  # PyTorch: the last window must start inside the input
            o -= 1
        if o < 1:
            padded = (h + 2 * pad[0], w + 2 * pad[1])
            if ceil_mode:
                raise ValueError(
                    f"{op}: the kernel {kernel} (dilated to {reach}) is too large for the padded input {padded} "
                    f"(input shape {x_shape}, padding {pad}) even with ceil_mode=True: the output size "
                    f"ceil(({size} + 2*{p} - {reach}) / {s}) + 1 would be {o}; with ceil_mode the dilated kernel "
                    f"may be at most the padded size + stride - 1 = {size + 2 * p + s - 1}"
                )
            hint = " or ceil_mode=True (as in PyTorch)" if reach <= size + 2 * p + s - 1 else ""
            raise ValueError(
                f"{op}: the kernel {kernel} (dilated to {reach}) is larger than the padded input {padded} "
                f"(input shape {x_shape}, padding {pad}); use a smaller kernel{hint}"
            )
        out.append(o)
        extra.append(max(0, (o - 1) * s + reach - (size + 2 * p)))
    padding4 = (pad[0], pad[0] + extra[0], pad[1], pad[1] + extra[1])
    return Geometry(kernel, strd, padding4, dil, 1, c, c, (h, w), (out[0], out[1]))  # type: ignore[arg-type]


def _batched(op: str, input: Tensor) -> tuple[Tensor, bool]:
    _check_tensor(op, "input", input, (3, 4), "(N, C, H, W) or (C, H, W)")
    if 0 in input.shape[-3:]:
        raise ValueError(f"{op}: input of shape {input.shape} has an empty channel or spatial axis")
    return (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)


def _pool_name(op: str, geom: Geometry) -> str:
    kh, kw = geom.kernel
    sh, sw = geom.stride
    text = f"{op} {kh}x{kw}" + (f" s{sh}" if sh == sw else f" s{sh}x{sw}")
    t, _, left, _ = geom.padding
    if t or left:
        text += f" p{t}" if t == left else f" p({t}, {left})"
    if geom.dilation != (1, 1):
        text += f" d{geom.dilation[0]}" if len(set(geom.dilation)) == 1 else f" d{geom.dilation}"
    return text


# ----------------------------------------------------------------- max pool
class MaxPool2d(TensorFunction):
    """y[n,c,p] = max over the window p of x (padding is -inf);  dy/dx = 1 at the window's first maximum, else 0.

    A NaN in a window wins (the result is NaN) and gets the gradient, as in PyTorch (of several NaNs, the last);
    ties go to the first maximum in row-major order within the window (PyTorch's choice), not shared; a window of
    -inf only gives it to its first element inside the input, never to the padding.
    """

    name = "max_pool2d"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, geom: Geometry) -> np.ndarray:
        ctx.geom = geom
        kh, kw = geom.kernel
        n, c = x.shape[:2]
        # The kernel offsets first, each a contiguous block (one copy of the windows), so the reductions over the
        # offsets run along contiguous memory: measured 4x faster than along a last axis of 4 window elements.
        win = windows(x, geom, pad_value=-np.inf).transpose(2, 3, 0, 1, 4, 5).reshape((kh * kw, n, c, *geom.out_size))
        idx = win.argmax(axis=0)  # the first maximum; a NaN counts as the largest (as in PyTorch)
        out = np.maximum.reduce(win, axis=0)  # NaN propagates
        ho, wo = geom.out_size
        if np.isnan(out).any():  # PyTorch's kernel takes each NaN it meets: the window's last NaN wins
            idx = np.where(np.isnan(out), kh * kw - 1 - np.isnan(win[::-1]).argmax(axis=0), idx)
        if any(geom.padding) and np.isneginf(out).any():
            # A window of -inf only: PyTorch's first element inside the input, never the padding (lost there).
            inside = windows(np.ones((1, 1, *geom.in_size)), geom).transpose(2, 3, 0, 1, 4, 5)
            idx = np.where(np.isneginf(out), inside.reshape((kh * kw, 1, 1, ho, wo)).argmax(axis=0), idx)
        ctx.idx = idx
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        geom = ctx.geom
        (sh, sw), (dh, dw), (kh, kw) = geom.stride, geom.dilation, geom.kernel
        ho, wo = geom.out_size
        idx = ctx.idx
        n, c = idx.shape[:2]
        if not isinstance(grad, Tensor):
            # First order: each window's gradient on its maximum (a one-hot over the window), added back by col2im.
            offsets = np.arange(kh * kw).reshape((-1, 1, 1, 1, 1))
            cols = np.where(idx == offsets, grad, 0).reshape((kh, kw, n, c, ho, wo)).transpose(2, 3, 0, 1, 4, 5)
            return (col2im(cols, geom),)
        # On the graph (create_graph): the same numbers as a scatter, whose own backward is a pick.
        rows = np.arange(ho).reshape((ho, 1)) * sh + (idx // kw) * dh  # where each maximum sits in the padded input
        cols_ = np.arange(wo) * sw + (idx % kw) * dw
        key = (np.arange(n).reshape((n, 1, 1, 1)), np.arange(c).reshape((1, c, 1, 1)), rows, cols_)
        overlap = sh < dh * (kh - 1) + 1 or sw < dw * (kw - 1) + 1  # windows share elements: picks may repeat
        g = scatter_add(grad, (n, c, *geom.padded_size), key, overlap)
        t, _, left, _ = geom.padding
        h, w = geom.in_size
        if geom.padded_size != (h, w):
            g = g[:, :, t : t + h, left : left + w]
        return (g,)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return _pool_name("max_pool2d", ctx.geom)


def max_pool2d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The largest value of each (kh, kw) window, as PyTorch's ``F.max_pool2d`` (stride defaults to the kernel).

    return_indices=True returns (values, indices), as PyTorch: for each window the position of the element that
    won (the one that gets the gradient) in its flattened (H * W) input plane, an int64 tensor without gradient.
    """
    x, unbatched = _batched("max_pool2d", input)
    args = (kernel_size, stride, padding, dilation, ceil_mode)
    geom = _cached(_pool_geometry, "max_pool2d", x.shape, *map(_hashable, args))
    out = MaxPool2d.apply(x, geom=geom)
    if return_indices:
        indices = leaf(_argmax_positions(x, out, geom))
        return (out.squeeze(0), indices.squeeze(0)) if unbatched else (out, indices)
    return out.squeeze(0) if unbatched else out


def _argmax_positions(x: Tensor, out: Tensor, geom: Geometry) -> np.ndarray:
    """Where each window's winner sits in its flattened input plane: row * W + column (PyTorch's indices)."""
    ctx = out._ctx
    if ctx is None:  # no node was recorded (no gradient needed): the forward again, for its window offsets
        ctx = Context()
        MaxPool2d.forward(ctx, x.data, geom=geom)
    offset = ctx.idx  # the winner's offset within its window, (N, C, Ho, Wo)
    (sh, sw), (dh, dw), kw = geom.stride, geom.dilation, geom.kernel[1]
    ho, wo = geom.out_size
    top, _, left, _ = geom.padding
    rows = np.arange(ho).reshape((ho, 1)) * sh + (offset // kw) * dh - top
    cols = np.arange(wo) * sw + (offset % kw) * dw - left
    return (rows * geom.in_size[1] + cols).astype(np.int64)


# ----------------------------------------------------------------- avg pool
def _window_sum(x: np.ndarray, geom: Geometry) -> np.ndarray:
    return np.add.reduce(windows(x, geom), axis=(2, 3))


def _spread(g: np.ndarray, geom: Geometry) -> np.ndarray:
    """The adjoint of `_window_sum`: each window's value added to every element of the window."""
    n, c = g.shape[:2]
    kh, kw = geom.kernel
    return col2im(np.broadcast_to(g[:, :, None, None], (n, c, kh, kw, *geom.out_size)), geom)


class AvgPool2d(TensorFunction):
    """y[n,c,p] = (sum of x over the window p) / divisor[p];  dy/dx = 1/divisor[p] on every element of window p."""

    name = "avg_pool2d"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, geom: Geometry, divisor: np.ndarray) -> np.ndarray:
        ctx.geom, ctx.divisor = geom, divisor
        return (_window_sum(x, geom) / divisor).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        if isinstance(grad, Tensor):
            return (AvgPool2dAdjoint.apply(grad, geom=ctx.geom, divisor=ctx.divisor),)
        return (AvgPool2dAdjoint.forward(Context(), grad, geom=ctx.geom, divisor=ctx.divisor),)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return _pool_name("avg_pool2d", ctx.geom)


class AvgPool2dAdjoint(TensorFunction):
    """x' = the adjoint of average pooling: g[p] / divisor[p] spread over window p;  its backward is the pool."""

    name = "avg_pool2d_backward"

    @staticmethod
    def forward(ctx: Context, g: np.ndarray, *, geom: Geometry, divisor: np.ndarray) -> np.ndarray:
        ctx.geom, ctx.divisor = geom, divisor
        return _spread((g / divisor).astype(g.dtype, copy=False), geom)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        if isinstance(grad, Tensor):
            return (AvgPool2d.apply(grad, geom=ctx.geom, divisor=ctx.divisor),)
        return (AvgPool2d.forward(Context(), grad, geom=ctx.geom, divisor=ctx.divisor),)


def avg_pool2d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each (kh, kw) window, as PyTorch's ``F.avg_pool2d`` (stride defaults to the kernel).

    count_include_pad: zeros of the padding count in the mean (True, PyTorch's default) or not.
    """
    x, unbatched = _batched("avg_pool2d", input)
    args = (kernel_size, stride, padding, 1, ceil_mode)
    geom = _cached(_pool_geometry, "avg_pool2d", x.shape, *map(_hashable, args))
    if divisor_override is not None:
        if (
            isinstance(divisor_override, bool)
            or not isinstance(divisor_override, numbers.Integral)
            or divisor_override < 1
        ):
            raise ValueError(f"avg_pool2d: divisor_override must be a positive int or None, got {divisor_override!r}")
        divisor = np.full((1, 1, *geom.out_size), float(divisor_override))
    else:
        # The divisor of each window is how many counted elements it covers: the window sum of a 0/1 mask.
        h, w = geom.in_size
        t, b, left, r = geom.padding
        ph, pw = _pair("avg_pool2d", "padding", padding, 2, 0)
        mask = np.zeros((1, 1, h + t + b, w + left + r))
        if count_include_pad:
            mask[:, :, : h + 2 * ph, : w + 2 * pw] = 1.0  # the padding counts, the ceil_mode overhang does not
        else:
            mask[:, :, t : t + h, left : left + w] = 1.0
        no_pad = Geometry(geom.kernel, geom.stride, (0, 0, 0, 0), (1, 1), 1, 1, 1, mask.shape[2:], geom.out_size)
        divisor = _window_sum(mask, no_pad)
    out = AvgPool2d.apply(x, geom=geom, divisor=divisor)
    return out.squeeze(0) if unbatched else out


# ------------------------------------------------------- adaptive avg pool
def _adaptive_matrix(size: int, out: int) -> np.ndarray:
    """A (out, size) averaging matrix: row i averages PyTorch's bin [floor(i*size/out), ceil((i+1)*size/out))."""
    a = np.zeros((out, size))
    for i in range(out):  # one row per output position of one axis (never per pixel or sample)
        start, end = (i * size) // out, -(-((i + 1) * size) // out)
        a[i, start:end] = 1.0 / (end - start)
    return a


class AdaptiveAvgPool2d(TensorFunction):
    """y = A_h x A_w^T per channel, A averaging over PyTorch's adaptive bins;  dL/dx = A_h^T G A_w.

    Bins are separable, so the pool is two small matrix products (BLAS). A non-finite value reaches the other
    outputs of its row as NaN (0 * inf), where PyTorch keeps them finite.
    """

    name = "adaptive_avg_pool2d"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, ah: np.ndarray, aw: np.ndarray) -> np.ndarray:
        ctx.ah, ctx.aw = ah, aw
        return np.matmul(np.matmul(ah.astype(x.dtype), x), aw.T.astype(x.dtype))

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        ah, aw = ctx.ah.T, ctx.aw.T  # the adjoint: the same products with the matrices transposed
        if isinstance(grad, Tensor):
            return (AdaptiveAvgPool2d.apply(grad, ah=ah, aw=aw),)
        return (AdaptiveAvgPool2d.forward(Context(), grad, ah=ah, aw=aw),)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        (ho, h), (wo, w) = ctx.ah.shape, ctx.aw.shape
        return f"adaptive_avg_pool2d {h}x{w}->{ho}x{wo}"


def adaptive_avg_pool2d(input: Tensor, output_size: Size | Sequence[int | None]) -> Tensor:
    """Average pooling to a fixed output size (PyTorch's ``F.adaptive_avg_pool2d``); None keeps that axis's size."""
    x, unbatched = _batched("adaptive_avg_pool2d", input)
    h, w = x.shape[2:]
    sizes = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    if len(sizes) != 2:
        raise TypeError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got {output_size!r}")
    sizes = tuple(s if s is not None else d for s, d in zip(sizes, (h, w)))
    ho, wo = _pair("adaptive_avg_pool2d", "output_size", sizes, 2, 1)
    out = AdaptiveAvgPool2d.apply(x, ah=_adaptive_matrix(h, ho), aw=_adaptive_matrix(w, wo))
    return out.squeeze(0) if unbatched else out


# ------------------------------------------------------------- interpolate
def _source_positions(
    size: int, out: int, scale: float | None, mode: str, align_corners: bool | None
) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Per output position along one axis: the input indices read and their weights (PyTorch's formulas)."""
    dst = np.arange(out, dtype=np.float64)
    if mode == "nearest":
        ratio = (1.0 / scale) if scale is not None else size / out
        return [(np.minimum(np.floor(dst * ratio).astype(np.int64), size - 1), None)]
    if align_corners:
        src = dst * ((size - 1) / (out - 1)) if out > 1 else np.zeros(out)
    else:
        ratio = (1.0 / scale) if scale is not None else size / out
        src = np.maximum((dst + 0.5) * ratio - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), size - 1)
    i1 = np.minimum(i0 + 1, size - 1)
    lam = src - i0
    return [(i0, 1.0 - lam), (i1, lam)]


def _terms(axes: list[list[tuple[np.ndarray, np.ndarray | None]]], ndim: int, dtype: np.dtype) -> list[tuple]:
    """The (index key, weight) pairs whose weighted gathers add up to the resized tensor (1, 2 or 4 of them)."""
    terms = []
    for combo in itertools.product(*axes):
        n_sp = len(combo)
        key: list[Any] = [slice(None)] * (ndim - n_sp)
        weight = None
        for a, (idx, wt) in enumerate(combo):
            shape = [1] * n_sp
            shape[a] = -1
            key.append(idx.reshape(shape))
            if wt is not None:
                wt = wt.reshape(shape).astype(dtype)
                weight = wt if weight is None else weight * wt
        terms.append((tuple(key), weight))
    return terms


class Interpolate(TensorFunction):
    """y = sum over terms of weight_t * x[key_t] (nearest: one term, linear: 2, bilinear: 4 gathers);
    dL/dx = sum over terms of the gradient times weight_t scattered back to key_t."""

    name = "interpolate"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, terms: list[tuple], in_shape: tuple, label: str) -> np.ndarray:
        ctx.terms, ctx.in_shape, ctx.label = terms, in_shape, label
        out = None
        for key, weight in terms:
            part = x[key] if weight is None else x[key] * weight
            out = part if out is None else out + part
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        if isinstance(grad, Tensor):
            return (InterpolateAdjoint.apply(grad, terms=ctx.terms, in_shape=ctx.in_shape, label=ctx.label),)
        return (InterpolateAdjoint.forward(Context(), grad, terms=ctx.terms, in_shape=ctx.in_shape, label=ctx.label),)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return ctx.label


class InterpolateAdjoint(TensorFunction):
    """x' = sum over terms of weight_t * g scattered (added) to key_t;  its backward is `Interpolate` again."""

    name = "interpolate_backward"

    @staticmethod
    def forward(ctx: Context, g: np.ndarray, *, terms: list[tuple], in_shape: tuple, label: str) -> np.ndarray:
        ctx.terms, ctx.label = terms, label
        out = np.zeros(in_shape, dtype=g.dtype)
        for key, weight in terms:
            np.add.at(out, key, g if weight is None else g * weight)  # many outputs read one input: add them all
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        # `in_shape` of the Interpolate is the shape it reads: this op's output, the shape of grad.
        constants = {"terms": ctx.terms, "in_shape": tuple(grad.shape), "label": ctx.label}
        if isinstance(grad, Tensor):
            return (Interpolate.apply(grad, **constants),)
        return (Interpolate.forward(Context(), grad, **constants),)


_MODES = {"nearest": (3, 4), "linear": (3,), "bilinear": (4,)}


def interpolate(
    input: Tensor,
    size: Size | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Resize (N, C, L) or (N, C, H, W) to `size` or by `scale_factor`, as PyTorch's ``F.interpolate``.

    mode: 'nearest' (3-d or 4-d), 'linear' (3-d) or 'bilinear' (4-d); align_corners as in PyTorch (for the linear
    modes only; False by default): True maps the corner pixels' centres onto each other.
    """
    op = "interpolate"
    if mode not in _MODES:
        raise ValueError(f"{op}: mode must be one of {sorted(_MODES)}, got {mode!r}")
    _check_tensor(op, "input", input, _MODES[mode], "(N, C, L)" if mode == "linear" else "(N, C, H, W)")
    if align_corners is not None and mode == "nearest":
        raise ValueError(f"{op}: align_corners only applies to the linear modes, not to mode='nearest'")
    spatial = input.shape[2:]
    n_sp = len(spatial)
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    scales: tuple[float | None, ...]
    if size is not None:
        sizes = _pair(op, "size", size, n_sp, 1)
        scales = (None,) * n_sp
    else:
        factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * n_sp
        if len(factors) != n_sp or not all(
            isinstance(f, numbers.Real) and not isinstance(f, bool) and f > 0 for f in factors
        ):
            raise ValueError(f"{op}: scale_factor must be a positive number or {n_sp} of them, got {scale_factor!r}")
        sizes = tuple(math.floor(d * f) for d, f in zip(spatial, factors))
        if any(s < 1 for s in sizes):
            raise ValueError(
                f"{op}: scale_factor {scale_factor!r} shrinks {tuple(spatial)} to {sizes}, an empty output"
            )
        scales = tuple(float(f) for f in factors)
    if 0 in spatial:
        raise ValueError(f"{op}: input of shape {input.shape} has an empty spatial axis")
    axes = [_source_positions(d, o, s, mode, bool(align_corners)) for d, o, s in zip(spatial, sizes, scales)]
    terms = _terms(axes, input.ndim, input.dtype)
    shown = "x".join(map(str, spatial)) + "->" + "x".join(map(str, sizes))
    label = f"interpolate {mode} {shown}" + (" align_corners" if align_corners else "")
    return Interpolate.apply(input, terms=terms, in_shape=tuple(input.shape), label=label)
