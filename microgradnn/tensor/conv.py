"""Convolution: `conv1d`, `conv2d`, `conv_transpose1d`, `conv_transpose2d`, `unfold` and `fold`, vectorised with NumPy.

A convolution is a matrix product in disguise. `im2col` lays every receptive
field of the (padded) input out as one column, through a strided view of the
input (no copy until the reshape), so a convolution is one BLAS product of the
weight matrix with those columns::

    cols[n, g, (c, i, j), (y, x)] = x_padded[n, g*Cg + c, y*s + i*d, x*s + j*d]
    out[n, g, o, (y, x)]          = sum_k  W[g, o, k] * cols[n, g, k, (y, x)]

Three Functions share one `Geometry` (kernel, stride, padding, dilation, groups
and sizes) and are each other's derivatives, so gradients of any order stay
on the graph:

* `Conv2d`           y  = conv(x, W)        dx = conv_transpose(g, W),  dW = weight_grad(x, g)
* `ConvTranspose2d`  x' = conv_transpose(g, W)  (the adjoint of conv in x)
* `Conv2dWeightGrad` W' = weight_grad(x, g)     (the adjoint of conv in W)

Their backward formulas call the three again (on arrays in a first-order pass,
as Functions on Tensors under ``create_graph=True``), the way `scatter_add`
does for indexing. 1-d convolutions are the 2-d ones with a height of 1.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from microgradnn.engine import Context
from microgradnn.tensor.tensor import Tensor, TensorFunction, leaf

__all__ = [
    "Conv2d",
    "Conv2dWeightGrad",
    "ConvTranspose2d",
    "Fold",
    "Geometry",
    "Unfold",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "fold",
    "unfold",
]

Size = int | Sequence[int]


# ------------------------------------------------------------------ geometry
@dataclass(frozen=True)
class Geometry:
    """Everything about a convolution except the numbers: the constant every conv Function keeps on its ctx.

    `in_size` is the (unpadded) height and width the convolution reads, `out_size` the grid of windows it
    produces; `padding` is (top, bottom, left, right) so that "same" with an even kernel can pad unevenly.
    """

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int, int, int]
    dilation: tuple[int, int]
    groups: int
    in_channels: int
    out_channels: int
    in_size: tuple[int, int]
    out_size: tuple[int, int]
    spatial: int = 2  # 1 for conv1d (height 1), 2 for conv2d

    @property
    def padded_size(self) -> tuple[int, int]:
        t, b, left, r = self.padding
        return self.in_size[0] + t + b, self.in_size[1] + left + r

    def describe(self, op: str) -> str:
        """'conv2d 3x3 s1 p1 (1->16)': the kernel, the stride, and padding, dilation, groups where not default."""
        kh, kw = self.kernel
        sh, sw = self.stride
        one_d = self.spatial == 1
        kernel = f"{kw}" if one_d else f"{kh}x{kw}"
        stride = f"s{sw}" if one_d or sh == sw else f"s{sh}x{sw}"
        parts = [f"{op}{self.spatial}d" if op in ("conv", "conv_transpose") else op, kernel, stride]
        t, b, left, r = self.padding
        if any(self.padding):
            even = (t, b) == (0, 0) and left == r if one_d else len(set(self.padding)) == 1
            parts.append(f"p{left}" if even else f"p{self.padding[2:] if one_d else self.padding}")
        if self.dilation != (1, 1):
            parts.append(f"d{self.dilation[1]}" if one_d or len(set(self.dilation)) == 1 else f"d{self.dilation}")
        if self.groups != 1:
            parts.append(f"g{self.groups}")
        parts.append(f"({self.in_channels}->{self.out_channels})")
        return " ".join(parts)


def _pad(x: np.ndarray, padding: tuple[int, int, int, int], value: float = 0.0) -> np.ndarray:
    """x with rows and columns of `value` around its last two axes (np.pad, without its per-call overhead)."""
    t, b, left, r = padding
    if not (t or b or left or r):
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, h + t + b, w + left + r), value, dtype=x.dtype)
    out[:, :, t : t + h, left : left + w] = x
    return out


def windows(x: np.ndarray, geom: Geometry, pad_value: float = 0.0) -> np.ndarray:
    """A read-only strided view (N, C, kh, kw, Ho, Wo) of the padded input: window (y, x), offset (i, j).

    No copy: element [n, c, i, j, y, x] is x_padded[n, c, y*sh + i*dh, x*sw + j*dw].
    """
    xp = _pad(x, geom.padding, pad_value)
    n, c, _, _ = xp.shape
    s0, s1, s2, s3 = xp.strides
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = geom.kernel, geom.stride, geom.dilation, geom.out_size
    shape = (n, c, kh, kw, ho, wo)
    return as_strided(xp, shape, (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw), writeable=False)


def im2col(x: np.ndarray, geom: Geometry) -> np.ndarray:
    """The receptive fields as columns, (N, groups, Cg*kh*kw, Ho*Wo), contiguous (the one copy of the input)."""
    n = x.shape[0]
    g = geom.groups
    ho, wo = geom.out_size
    kh, kw = geom.kernel
    return windows(x, geom).reshape((n, g, x.shape[1] // g * kh * kw, ho * wo))


def col2im(cols: np.ndarray, geom: Geometry) -> np.ndarray:
    """The adjoint of `im2col`: each column added back where its window lies, (N, C, H, W).

    `cols` has shape (N, C, kh, kw, Ho, Wo). One strided add per kernel offset (kh*kw of them, never a loop over
    pixels or samples): measured 8x faster than the alternative without a loop (a convolution of the zero-dilated
    gradient with the flipped kernel) at batch 32, 16 channels, 3x3 on 8x8 and 28x28.
    """
    n, c = cols.shape[:2]
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = geom.kernel, geom.stride, geom.dilation, geom.out_size
    hp, wp = geom.padded_size
    if (sh, sw) == (kh, kw) and (dh, dw) == (1, 1) and (ho * kh, wo * kw) == (hp, wp):
        # The windows tile the input exactly (2x2 pooling of an even image): col2im is a transpose, no adds.
        tiled = cols.transpose(0, 1, 4, 2, 5, 3).reshape((n, c, hp, wp))
        t, _, left, _ = geom.padding
        return tiled[:, :, t : t + geom.in_size[0], left : left + geom.in_size[1]]
    out = np.zeros((n, c, hp, wp), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh : i * dh + sh * (ho - 1) + 1 : sh, j * dw : j * dw + sw * (wo - 1) + 1 : sw] += cols[
                :, :, i, j
            ]
    t, _, left, _ = geom.padding
    h, w = geom.in_size
    if (hp, wp) == (h, w):
        return out
    return out[:, :, t : t + h, left : left + w]


# ------------------------------------------------------- the three products
def _forward_conv(x: np.ndarray, w: np.ndarray, geom: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """(conv(x, W) as (N, O, Ho, Wo), the im2col columns it used)."""
    cols = im2col(x, geom)
    n, g = x.shape[0], geom.groups
    out = np.matmul(w.reshape((g, geom.out_channels // g, -1)), cols)  # (N, g, Og, L): one BLAS call per sample
    return out.reshape((n, geom.out_channels, *geom.out_size)), cols


def _weight_grad(cols: np.ndarray, gy: np.ndarray, geom: Geometry) -> np.ndarray:
    """dW[g, o, k] = sum over samples and windows of gy[n, g, o, l] * cols[n, g, k, l], shaped like W."""
    n, g = gy.shape[0], geom.groups
    gy = gy.reshape((n, g, geom.out_channels // g, geom.out_size[0] * geom.out_size[1]))
    # A batched product then a sum over samples: measured 7x faster than one tensordot over (n, l) here.
    gw = np.matmul(gy, cols.swapaxes(-1, -2)).sum(axis=0)
    kh, kw = geom.kernel
    return gw.reshape((geom.out_channels, geom.in_channels // g, kh, kw))


def _input_grad(gy: np.ndarray, w: np.ndarray, geom: Geometry) -> np.ndarray:
    """conv_transpose(gy, W): the columns W^T gy, then `col2im`; shaped like the conv's input (N, C, H, W)."""
    n, g = gy.shape[0], geom.groups
    og = geom.out_channels // g
    wm = w.reshape((g, og, -1)).swapaxes(-1, -2)  # (g, K, Og)
    dcols = np.matmul(wm, gy.reshape((n, g, og, geom.out_size[0] * geom.out_size[1])))  # (N, g, K, L)
    kh, kw = geom.kernel
    return col2im(dcols.reshape((n, geom.in_channels, kh, kw, *geom.out_size)), geom)


def _as_node(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else leaf(x)


def _call(fn: type[TensorFunction], a: Any, b: Any, geom: Geometry) -> Any:
    """fn on two operands: its NumPy forward for arrays (first order), the Function itself when one is a Tensor."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return fn.apply(_as_node(a), _as_node(b), geom=geom)
    return fn.forward(Context(), a, b, geom=geom)


def _to_4d(x: Any, spatial: int) -> Any:
    """A 1-d convolution's (N, C, L) array or gradient as (N, C, 1, L)."""
    return x if spatial == 2 else x.reshape((x.shape[0], x.shape[1], 1, x.shape[-1]))


def _from_4d(x: Any, like: Any) -> Any:
    """A (N, C, 1, L) result back as (N, C, L) where `like`, the operand it goes with, is a 1-d convolution's.

    Inside a higher-order backward the operands of a 1-d convolution come already as (N, C, 1, L), and so
    must their results and gradients: each follows its operand's own layout.
    """
    return x if like.ndim == 4 else x.reshape((x.shape[0], x.shape[1], x.shape[-1]))


class Conv2d(TensorFunction):
    """y = conv(x, W) + b, cross-correlation as in PyTorch: y[n,o,p] = sum_{c,i,j} W[o,c,i,j] x_pad[n,c,p*s + (i,j)*d].

    dL/dx = conv_transpose(G, W),  dL/dW = weight_grad(x, G) (G correlated with x),  dL/db = G summed over n, y, x.
    x (N, C, H, W), W (O, C/groups, kh, kw), b (O,); for conv1d the height is 1 and dropped.
    """

    name = "conv2d"

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, *, geom: Geometry
    ) -> np.ndarray:
        ctx.geom = geom
        x4, w4 = _to_4d(x, geom.spatial), _to_4d(w, geom.spatial)
        out, cols = _forward_conv(x4, w4, geom)
        ctx.save_for_backward(x, w)
        # A cache for the first-order backward only (the weight gradient reuses these columns); under
        # create_graph the backward recomputes them from the saved input, on the graph.
        ctx.cols = cols
        if b is not None:
            out += b.reshape((-1, 1, 1))
        return _from_4d(out, x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, ...]:
        x, w = ctx.saved_values
        geom = ctx.geom
        needs = ctx.needs_input_grad
        s = geom.spatial
        g4 = _to_4d(grad, s)
        gx = gw = None
        if needs[0]:
            gx = _from_4d(_call(ConvTranspose2d, g4, _to_4d(w, s), geom), x)
        if needs[1]:
            if isinstance(grad, Tensor) or isinstance(x, Tensor):
                gw = _call(Conv2dWeightGrad, _to_4d(x, s), g4, geom)
            else:
                gw = _weight_grad(ctx.cols, g4, geom)
            gw = gw if s == 2 else gw.reshape(w.shape)
        if len(needs) == 2:
            return gx, gw
        return gx, gw, grad.sum(axis=(0, 2, 3) if s == 2 else (0, 2)) if needs[2] else None

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return ctx.geom.describe("conv")


class ConvTranspose2d(TensorFunction):
    """x' = conv_transpose(g, W) + b: each input pixel spreads W (scaled) over its window of the output.

    The adjoint of `Conv2d` in x: <conv_transpose(g, W), v> = <g, conv(v, W)>. Hence
    dL/dg = conv(G, W),  dL/dW = weight_grad(G, g),  dL/db = G summed over n, y, x.
    g (N, Cin, H, W), W (Cin, Cout/groups, kh, kw) as in PyTorch; `geom` describes the convolution it undoes.
    """

    name = "conv_transpose2d"

    @staticmethod
    def forward(
        ctx: Context, gy: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, *, geom: Geometry
    ) -> np.ndarray:
        ctx.geom = geom
        ctx.save_for_backward(gy, w)
        s = geom.spatial
        out = _input_grad(_to_4d(gy, s), _to_4d(w, s), geom)
        if b is not None:
            out = out + b.reshape((-1, 1, 1))
        return _from_4d(out, gy)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, ...]:
        gy, w = ctx.saved_values
        geom = ctx.geom
        needs = ctx.needs_input_grad
        s = geom.spatial
        g4 = _to_4d(grad, s)
        d_gy = _from_4d(_call(Conv2d, g4, _to_4d(w, s), geom), gy) if needs[0] else None
        d_w = None
        if needs[1]:
            d_w = _call(Conv2dWeightGrad, g4, _to_4d(gy, s), geom)
            d_w = d_w if s == 2 else d_w.reshape(w.shape)
        if len(needs) == 2:
            return d_gy, d_w
        return d_gy, d_w, grad.sum(axis=(0, 2, 3) if s == 2 else (0, 2)) if needs[2] else None

    @classmethod
    def describe(cls, ctx: Context) -> str:
        geom = ctx.geom
        # Shown the way the layer is built: channels in -> out of the transposed convolution.
        flipped = Geometry(**{**geom.__dict__, "in_channels": geom.out_channels, "out_channels": geom.in_channels})
        return flipped.describe("conv_transpose")


class Conv2dWeightGrad(TensorFunction):
    """W' = weight_grad(x, g): W'[o,c,i,j] = sum_{n,p} g[n,o,p] x_pad[n,c,p*s + (i,j)*d] (the gradient of conv in W).

    The adjoint of `Conv2d` in W: <weight_grad(x, g), V> = <g, conv(x, V)>. Hence
    dL/dx = conv_transpose(g, G),  dL/dg = conv(x, G).
    """

    name = "conv2d_weight_grad"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, gy: np.ndarray, *, geom: Geometry) -> np.ndarray:
        ctx.geom = geom
        ctx.save_for_backward(x, gy)
        return _weight_grad(im2col(x, geom), gy, geom)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        x, gy = ctx.saved_values
        geom = ctx.geom
        need_x, need_gy = ctx.needs_input_grad
        d_x = _call(ConvTranspose2d, gy, grad, geom) if need_x else None
        d_gy = _call(Conv2d, x, grad, geom) if need_gy else None
        return d_x, d_gy

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return "conv2d weight grad " + ctx.geom.describe("conv").split(" ", 1)[1]


# -------------------------------------------------------------- arguments
def _pair(op: str, name: str, value: Any, n: int, minimum: int) -> tuple[int, ...]:
    """An int or a tuple of `n` ints, each >= minimum, as a tuple (PyTorch's `_pair`), with a clear error."""
    items = (value,) * n if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    if (
        not isinstance(items, (tuple, list))
        or len(items) != n
        or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items)
    ):
        example = ", ".join(["2"] * n)
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}; e.g. {name}=({example})")
    if any(v < minimum for v in items):
        what = "non-negative" if minimum == 0 else f">= {minimum}"
        raise ValueError(f"{op}: {name} must be {what}, got {value!r}")
    return tuple(int(v) for v in items)


def _check_tensor(op: str, name: str, t: Any, ndims: tuple[int, ...], layout: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}; wrap arrays as Tensor(x)")
    if t.ndim not in ndims:
        raise ValueError(f"{op}: {name} must have {' or '.join(map(str, ndims))} axes {layout}, got shape {t.shape}")
    if t.dtype.kind != "f":
        raise TypeError(
            f"{op}: {name} must be a floating-point Tensor, got dtype {t.dtype} (shape {t.shape}); "
            f"convert it with {name}.astype(np.float32)"
        )
    return t


def _check_dtypes(op: str, tensors: dict[str, Tensor | None]) -> None:
    dtypes = {name: t.dtype for name, t in tensors.items() if t is not None}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{name} {d}" for name, d in dtypes.items())
        raise TypeError(f"{op}: input, weight and bias must share one dtype, got {listed}; cast with .astype(...)")


def _padding_arg(
    op: str, padding: Any, n: int, kernel: tuple[int, ...], dilation: tuple[int, ...], stride: tuple[int, ...]
) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) from an int, a tuple, or PyTorch's strings 'valid' (none) and 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' needs stride 1 (as in PyTorch), got stride {stride}")
        sides = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            sides.append((total // 2, total - total // 2))  # an even kernel pads one more at the end, as PyTorch
        if n == 1:
            sides = [(0, 0), *sides]
        return (*sides[0], *sides[1])
    p = _pair(op, "padding", padding, n, 0)
    return (0, 0, p[0], p[0]) if n == 1 else (p[0], p[0], p[1], p[1])


def _groups_arg(op: str, groups: Any) -> int:
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    return int(groups)


def _lift(values: tuple[int, ...], n: int, fill: int) -> tuple[int, int]:
    return (fill, values[0]) if n == 1 else (values[0], values[1])


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@functools.lru_cache(maxsize=512)
def _cached_call(fn: Any, types: tuple[type, ...], *args: Any) -> Any:
    return fn(*args)


def _cached(fn: Any, *args: Any) -> Any:
    """fn(*args), remembered: a layer sees the same shapes and settings every step, so its checks and its
    Geometry are worked out once (measured: a quarter of a LeNet step's Python time went to them)."""
    try:
        hash(args)
    except TypeError:  # an unusual argument (the checks will name it): no caching
        return fn(*args)
    # The types are part of the key: True == 1 and 2.0 == 2 must still reach the checks, which refuse them.
    types = tuple(type(v) for a in args for v in (a if isinstance(a, tuple) else (a,)))
    return _cached_call(fn, types, *args)


def _conv_geometry(
    op: str,
    n: int,
    input_shape: tuple[int, ...],
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    bias_shape: tuple[int, ...] | None,
    stride: Size,
    padding: Size | str,
    dilation: Size,
    groups: int,
) -> Geometry:
    """The checked Geometry of a convolution of x_shape (batched) with w_shape, or a clear error."""
    groups = _groups_arg(op, groups)
    stride_t = _pair(op, "stride", stride, n, 1)
    dilation_t = _pair(op, "dilation", dilation, n, 1)
    kernel_t = tuple(w_shape[2:])
    pad = _padding_arg(op, padding, n, kernel_t, dilation_t, stride_t)
    c, o = x_shape[1], w_shape[0]
    if c % groups or o % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide both the input channels ({c}) and the output channels ({o})"
        )
    if w_shape[1] * groups != c:
        raise ValueError(
            f"{op}: input has {c} channels (shape {input_shape}) but weight {w_shape} expects "
            f"{w_shape[1] * groups} (weight.shape[1] * groups = {w_shape[1]} * {groups}); "
            "make the layer's in_channels match the input"
        )
    if bias_shape is not None and bias_shape != (o,):
        raise ValueError(f"{op}: bias must have shape ({o},) for weight {w_shape}, got {bias_shape}")
    # Only the batch may be empty: no output channels or an empty image (refused by PyTorch too), nor input channels.
    if any(k == 0 for k in kernel_t) or 0 in x_shape[1:] or o == 0:
        raise ValueError(
            f"{op}: empty input {input_shape} or kernel {w_shape}; every size but the batch must be at least 1"
        )
    kernel = _lift(kernel_t, n, 1)
    stride2, dilation2 = _lift(stride_t, n, 1), _lift(dilation_t, n, 1)
    in_size = (1, x_shape[2]) if n == 1 else (x_shape[2], x_shape[3])
    padded = (in_size[0] + pad[0] + pad[1], in_size[1] + pad[2] + pad[3])
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation2))
    if padded[0] < reach[0] or padded[1] < reach[1]:
        size = in_size[1:] if n == 1 else in_size
        raise ValueError(
            f"{op}: the kernel {kernel_t} (dilated to {reach[2 - n :]}) is larger than the padded input "
            f"{padded[2 - n :]} (input spatial size {size}, padding {padding!r}); use a smaller kernel or more padding"
        )
    out_size = tuple((p - r) // s + 1 for p, r, s in zip(padded, reach, stride2))
    return Geometry(kernel, stride2, pad, dilation2, groups, c, o, in_size, out_size, n)  # type: ignore[arg-type]


def _checked_operands(
    op: str, n: int, input: Tensor, weight: Tensor, bias: Tensor | None, weight_layout: str
) -> tuple[Tensor, bool]:
    """Check a convolution's operand shapes and dtypes; the input with a batch axis, and whether it had none."""
    letters = "(N, C, L)" if n == 1 else "(N, C, H, W)"
    _check_tensor(op, "input", input, (n + 1, n + 2), f"{letters} or without the batch axis")
    kernel_axes = "k)" if n == 1 else "kh, kw)"
    _check_tensor(op, "weight", weight, (n + 2,), weight_layout + kernel_axes)
    if bias is not None:
        _check_tensor(op, "bias", bias, (1,), "(out_channels,)")
    _check_dtypes(op, {"input": input, "weight": weight, "bias": bias})
    unbatched = input.ndim == n + 1
    return (input.unsqueeze(0) if unbatched else input), unbatched


def _conv_nd(
    op: str,
    n: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Size,
    padding: Size | str,
    dilation: Size,
    groups: int,
) -> Tensor:
    x, unbatched = _checked_operands(op, n, input, weight, bias, "(out_channels, in_channels/groups, ")
    args = (op, n, input.shape, x.shape, weight.shape, None if bias is None else bias.shape)
    geom = _cached(_conv_geometry, *args, _hashable(stride), _hashable(padding), _hashable(dilation), groups)
    out = Conv2d.apply(x, weight, geom=geom) if bias is None else Conv2d.apply(x, weight, bias, geom=geom)
    return out.squeeze(0) if unbatched else out


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Size = 1,
    padding: Size | str = 0,
    dilation: Size = 1,
    groups: int = 1,
) -> Tensor:
    """2-d convolution (cross-correlation, as PyTorch's ``F.conv2d``) of (N, C, H, W) with (O, C/groups, kh, kw).

    padding: an int, (ph, pw), 'valid' (none) or 'same' (the output keeps H and W; stride 1 only).
    The result has shape (N, O, (H + 2p - d(k-1) - 1) // s + 1, ...).
    """
    return _conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Size = 1,
    padding: Size | str = 0,
    dilation: Size = 1,
    groups: int = 1,
) -> Tensor:
    """1-d convolution of (N, C, L) with (O, C/groups, k), as PyTorch's ``F.conv1d`` (a conv2d of height 1)."""
    return _conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose_nd(
    op: str,
    n: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Size,
    padding: Size,
    output_padding: Size,
    groups: int,
    dilation: Size,
) -> Tensor:
    x, unbatched = _checked_operands(op, n, input, weight, bias, "(in_channels, out_channels/groups, ")
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of ints (no 'same'/'valid'), got {padding!r}")
    groups = _groups_arg(op, groups)
    stride_t = _pair(op, "stride", stride, n, 1)
    dilation_t = _pair(op, "dilation", dilation, n, 1)
    pad_t = _pair(op, "padding", padding, n, 0)
    out_pad_t = _pair(op, "output_padding", output_padding, n, 0)
    for op_, s, d in zip(out_pad_t, stride_t, dilation_t):
        if op_ >= max(s, d):
            raise ValueError(
                f"{op}: output_padding {output_padding!r} must be smaller than the stride or the dilation "
                f"(stride {stride_t}, dilation {dilation_t})"
            )
    cin = x.shape[1]
    if weight.shape[0] != cin:
        raise ValueError(
            f"{op}: input has {cin} channels (shape {input.shape}) but weight {weight.shape} expects "
            f"{weight.shape[0]} (weight.shape[0] = in_channels); make the layer's in_channels match the input"
        )
    if cin % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input channels ({cin})")
    cout = weight.shape[1] * groups
    if bias is not None and bias.shape != (cout,):
        raise ValueError(f"{op}: bias must have shape ({cout},) for weight {weight.shape}, got {bias.shape}")
    if any(k == 0 for k in weight.shape[2:]) or 0 in x.shape[1:] or cout == 0:
        raise ValueError(
            f"{op}: empty input {input.shape} or kernel {weight.shape}; every size but the batch must be at least 1"
        )
    kernel_t = tuple(weight.shape[2:])
    spatial_in = tuple(x.shape[2:])
    size_out = tuple(
        (h - 1) * s - 2 * p + d * (k - 1) + q + 1
        for h, s, p, d, k, q in zip(spatial_in, stride_t, pad_t, dilation_t, kernel_t, out_pad_t)
    )
    if any(h < 1 for h in size_out):
        raise ValueError(
            f"{op}: the output would have size {size_out} (input {spatial_in}, kernel {kernel_t}, stride {stride_t}, "
            f"padding {pad_t}); use less padding"
        )
    pad = (0, 0, pad_t[0], pad_t[0]) if n == 1 else (pad_t[0], pad_t[0], pad_t[1], pad_t[1])
    geom = Geometry(
        _lift(kernel_t, n, 1),
        _lift(stride_t, n, 1),
        pad,
        _lift(dilation_t, n, 1),
        groups,
        cout,  # the convolution this one undoes reads cout channels and writes cin
        cin,
        _lift(size_out, n, 1),
        _lift(spatial_in, n, 1),
        n,
    )
    out = (
        ConvTranspose2d.apply(x, weight, geom=geom)
        if bias is None
        else ConvTranspose2d.apply(x, weight, bias, geom=geom)
    )
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Size = 1,
    padding: Size = 0,
    output_padding: Size = 0,
    groups: int = 1,
    dilation: Size = 1,
) -> Tensor:
    """Transposed 2-d convolution (PyTorch's ``F.conv_transpose2d``): the gradient of conv2d with respect to its input.

    input (N, Cin, H, W), weight (Cin, Cout/groups, kh, kw); the output has height
    (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1 (and likewise the width).
    """
    return _conv_transpose_nd(
        "conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Size = 1,
    padding: Size = 0,
    output_padding: Size = 0,
    groups: int = 1,
    dilation: Size = 1,
) -> Tensor:
    """Transposed 1-d convolution (PyTorch's ``F.conv_transpose1d``) of (N, Cin, L) with (Cin, Cout/groups, k)."""
    return _conv_transpose_nd(
        "conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


# ------------------------------------------------------------ unfold / fold
class Unfold(TensorFunction):
    """cols = unfold(x) (im2col): (N, C*kh*kw, L), column l holding the l-th window;  dL/dx = fold(G) (col2im)."""

    name = "unfold"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, geom: Geometry) -> np.ndarray:
        ctx.geom = geom
        n = x.shape[0]
        ho, wo = geom.out_size
        kh, kw = geom.kernel
        return windows(x, geom).reshape((n, x.shape[1] * kh * kw, ho * wo))

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (_fold_call(grad, ctx.geom),)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        kh, kw = ctx.geom.kernel
        return f"unfold {kh}x{kw}"


class Fold(TensorFunction):
    """x = fold(cols) (col2im): each column added back where its window lies;  dL/dcols = unfold(G)."""

    name = "fold"

    @staticmethod
    def forward(ctx: Context, cols: np.ndarray, *, geom: Geometry) -> np.ndarray:
        ctx.geom = geom
        n = cols.shape[0]
        kh, kw = geom.kernel
        return col2im(cols.reshape((n, geom.in_channels, kh, kw, *geom.out_size)), geom)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        if isinstance(grad, Tensor):
            return (Unfold.apply(grad, geom=ctx.geom),)
        return (Unfold.forward(Context(), grad, geom=ctx.geom),)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        kh, kw = ctx.geom.kernel
        return f"fold {kh}x{kw}"


def _fold_call(grad: Any, geom: Geometry) -> Any:
    if isinstance(grad, Tensor):
        return Fold.apply(grad, geom=geom)
    return Fold.forward(Context(), grad, geom=geom)


def _window_geometry(
    op: str, channels: int, in_size: tuple[int, int], kernel_size: Size, dilation: Size, padding: Size, stride: Size
) -> Geometry:
    kernel = _pair(op, "kernel_size", kernel_size, 2, 1)
    dil = _pair(op, "dilation", dilation, 2, 1)
    pad_t = _pair(op, "padding", padding, 2, 0)
    strd = _pair(op, "stride", stride, 2, 1)
    pad = (pad_t[0], pad_t[0], pad_t[1], pad_t[1])
    padded = (in_size[0] + 2 * pad_t[0], in_size[1] + 2 * pad_t[1])
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dil))
    if padded[0] < reach[0] or padded[1] < reach[1]:
        raise ValueError(
            f"{op}: the kernel {kernel} (dilated to {reach}) is larger than the padded input {padded} "
            f"(spatial size {in_size}, padding {pad_t}); use a smaller kernel or more padding"
        )
    out_size = tuple((p - r) // s + 1 for p, r, s in zip(padded, reach, strd))
    return Geometry(kernel, strd, pad, dil, 1, channels, channels * kernel[0] * kernel[1], in_size, out_size)  # type: ignore[arg-type]


def unfold(input: Tensor, kernel_size: Size, dilation: Size = 1, padding: Size = 0, stride: Size = 1) -> Tensor:
    """im2col, as PyTorch's ``F.unfold``: (N, C, H, W) -> (N, C*kh*kw, L), one column per sliding window.

    ``W.reshape(O, -1) @ unfold(x, k)`` is a convolution (reshaped to (N, O, Ho, Wo)).
    """
    _check_tensor("unfold", "input", input, (3, 4), "(N, C, H, W) or (C, H, W)")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    geom = _window_geometry("unfold", x.shape[1], (x.shape[2], x.shape[3]), kernel_size, dilation, padding, stride)
    out = Unfold.apply(x, geom=geom)
    return out.squeeze(0) if unbatched else out


def fold(
    input: Tensor, output_size: Size, kernel_size: Size, dilation: Size = 1, padding: Size = 0, stride: Size = 1
) -> Tensor:
    """col2im, as PyTorch's ``F.fold``: (N, C*kh*kw, L) -> (N, C, H, W), overlapping windows adding up."""
    _check_tensor("fold", "input", input, (2, 3), "(N, C*kh*kw, L) or (C*kh*kw, L)")
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    size = _pair("fold", "output_size", output_size, 2, 1)
    kernel = _pair("fold", "kernel_size", kernel_size, 2, 1)
    k = kernel[0] * kernel[1]
    if x.shape[1] % k:
        raise ValueError(
            f"fold: input.shape[1] = {x.shape[1]} must be a multiple of kh*kw = {k} (kernel {kernel}), "
            f"got input shape {input.shape}"
        )
    geom = _window_geometry("fold", x.shape[1] // k, size, kernel, dilation, padding, stride)
    blocks = geom.out_size[0] * geom.out_size[1]
    if x.shape[2] != blocks:
        raise ValueError(
            f"fold: input has {x.shape[2]} blocks (shape {input.shape}) but output_size {size} with kernel {kernel} "
            f"gives {geom.out_size[0]} x {geom.out_size[1]} = {blocks} sliding windows"
        )
    out = Fold.apply(x, geom=geom)
    return out.squeeze(0) if unbatched else out
