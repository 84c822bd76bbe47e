"""Convolution and pooling layers: `Conv1d`, `Conv2d`, `ConvTranspose2d`, `MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`.

Each layer keeps its settings and weights and calls one op of
`microgradnn.tensor.conv` / `tensor.pooling`, so a layer is one node in the
graph (shown as e.g. "conv2d 3x3 s1 p1 (1->16)"). Weights start as in PyTorch:
uniform in +-1/sqrt(fan_in), fan_in = in_channels/groups * kernel area::

    model = Sequential(Conv2d(1, 16, 3, padding=1), ReLU(), MaxPool2d(2), Flatten(), Linear(16 * 4 * 4, 10))

`padding_mode` ('zeros', the default, 'reflect', 'replicate' or 'circular', as in PyTorch) says what
Conv1d and Conv2d pad with; any but 'zeros' pads the input first with `tensor.pad` in that mode (its own
node, whose gradient adds back into the copied elements) and then convolves without padding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from microgradnn.nn import init
from microgradnn.nn.activations import ReLU
from microgradnn.nn.init import Seed
from microgradnn.nn.layers import Flatten, Linear, Sequential, _float_dtype
from microgradnn.nn.module import Module, Parameter
from microgradnn.tensor import Tensor, pad
from microgradnn.tensor.conv import _padding_arg, _pair, conv1d, conv2d, conv_transpose2d
from microgradnn.tensor.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d

__all__ = ["AdaptiveAvgPool2d", "AvgPool2d", "Conv1d", "Conv2d", "ConvTranspose2d", "LeNet", "MaxPool2d"]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _positive(who: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{who}: {name} must be a positive int, got {value!r}; e.g. Conv2d(1, 16, kernel_size=3)")
    return int(value)


def _check_input(layer: Module, x: Any, ndims: tuple[int, ...], channels: int, layout: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer!r}: expected a Tensor, got {type(x).__name__}; wrap arrays as Tensor(X)")
    if x.ndim not in ndims:
        raise ValueError(f"{layer!r}: expected input {layout}, got shape {x.shape}")
    c = x.shape[-len(layout.split(",")) + 1]
    if c != channels:
        raise ValueError(
            f"{layer!r}: expected input with {channels} channels (axis {x.ndim - len(layout.split(',')) + 1}), "
            f"got shape {x.shape}; the previous layer must give {channels} channels"
        )


class _ConvNd(Module):
    """What Conv1d, Conv2d and ConvTranspose2d share: checked settings, weights, PyTorch's initialisation."""

    _n: int = 2
    _transposed: bool = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] | str = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        output_padding: int | tuple[int, ...] = 0,
        seed: Seed = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        n = self._n
        self.in_channels = _positive(who, "in_channels", in_channels)
        self.out_channels = _positive(who, "out_channels", out_channels)
        self.groups = _positive(who, "groups", groups)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"{who}: groups={groups} must divide in_channels ({in_channels}) and out_channels ({out_channels})"
            )
        self.kernel_size = _pair(who, "kernel_size", kernel_size, n, 1)
        self.stride = _pair(who, "stride", stride, n, 1)
        self.dilation = _pair(who, "dilation", dilation, n, 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid") or self._transposed:
                allowed = "an int or a tuple" if self._transposed else "an int, a tuple, 'same' or 'valid'"
                raise ValueError(f"{who}: padding must be {allowed}, got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{who}: padding='same' needs stride 1 (as in PyTorch), got stride {stride!r}")
            self.padding: tuple[int, ...] | str = padding
        else:
            self.padding = _pair(who, "padding", padding, n, 0)
        self.output_padding = _pair(who, "output_padding", output_padding, n, 0)
        if not isinstance(padding_mode, str) or padding_mode not in PADDING_MODES:
            raise ValueError(
                f"{who}: padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular', got {padding_mode!r}"
            )
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f"{who}: only padding_mode='zeros' is supported (as in PyTorch), got {padding_mode!r}")
        self.padding_mode = padding_mode
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"{who}: bias must be True or False, got {bias!r}")
        dtype = _float_dtype(dtype, who)
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(np.zeros(shape, dtype=dtype), label="weight")
        self.bias = Parameter(np.zeros(self.out_channels, dtype=dtype), label="bias") if bias else None
        self.reset_parameters(seed)

    def reset_parameters(self, seed: Seed = None) -> None:
        """PyTorch's default: W and b from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = weight.shape[1] * kernel."""
        rng = init.get_rng(seed)
        fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
        bound = 1.0 / math.sqrt(fan_in)
        init.uniform_(self.weight, -bound, bound, seed=rng)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, seed=rng)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._n:
            text += f", padding={self.padding!r}"
        if self.dilation != (1,) * self._n:
            text += f", dilation={self.dilation}"
        if self._transposed and self.output_padding != (0,) * self._n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"  # unquoted, as PyTorch prints it
        return text

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        """PyTorch's ``_ConvTransposeNd._output_padding``: the output_padding per spatial axis that makes the output
        `output_size` (its spatial sizes, or the whole shape with the batch and channel axes, which are not checked,
        as in PyTorch). Each size must lie in [smallest, smallest + stride - 1], where smallest is
        (in - 1) * stride - 2 * padding + dilation * (k - 1) + 1, the output size with output_padding 0."""
        n = self._n
        if isinstance(output_size, (str, bytes)) or not isinstance(output_size, (Sequence, np.ndarray)):
            raise TypeError(
                f"{self!r}: output_size must be a sequence of {n} ints (or the whole output shape), got {output_size!r}"
            )
        sizes = list(output_size)
        leading = x.ndim - n  # the batch and channel axes (only the channels for an unbatched input)
        if len(sizes) == leading + n:
            sizes = sizes[leading:]
        if len(sizes) != n:
            raise ValueError(
                f"{self!r}: for {x.ndim}D input, output_size must have {n} or {leading + n} elements "
                f"(got {len(sizes)}: {output_size!r})"
            )
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in sizes):
            raise TypeError(f"{self!r}: output_size must hold ints, got {output_size!r}")
        spatial = tuple(x.shape[leading:])
        padding = cast(tuple[int, ...], self.padding)  # a transposed convolution's is never 'same' or 'valid'
        smallest = [
            (size - 1) * s - 2 * p + d * (k - 1) + 1
            for size, s, p, d, k in zip(spatial, self.stride, padding, self.dilation, self.kernel_size)
        ]
        largest = [low + s - 1 for low, s in zip(smallest, self.stride)]
        if any(not low <= v <= high for v, low, high in zip(sizes, smallest, largest)):
            raise ValueError(
                f"{self!r}: requested an output size of {tuple(int(v) for v in sizes)}, but valid sizes range "
                f"from {tuple(smallest)} to {tuple(largest)} (for an input of {spatial}); the largest is the "
                "smallest + stride - 1"
            )
        return tuple(int(v) - low for v, low in zip(sizes, smallest))

    def _pad(self, x: Tensor) -> Tensor:
        """x padded in self.padding_mode by the layer's padding ('same' too), for a convolution with padding 0."""
        who = type(self).__name__
        top, bottom, left, right = _padding_arg(
            who, self.padding, self._n, self.kernel_size, self.dilation, self.stride
        )
        pads = (left, right) if self._n == 1 else (left, right, top, bottom)  # F.pad's order: the last axis first
        if not any(pads):
            return x
        try:
            return pad(x, pads, mode=self.padding_mode)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}; use less padding or another padding_mode") from None


class Conv2d(_ConvNd):
    """A 2-d convolution layer: (N, in_channels, H, W) -> (N, out_channels, H', W'), as ``torch.nn.Conv2d``.

    weight (out_channels, in_channels/groups, kh, kw), bias (out_channels,); padding may be 'same' or 'valid'.
    padding_mode: what the padding holds, 'zeros' (the default), 'reflect', 'replicate' or 'circular'.
    seed: an int or a numpy Generator for reproducible weights.
    """

    _n = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        seed: Seed = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            seed=seed, dtype=dtype,
        )  # fmt: skip

    def forward(self, x: Any) -> Any:
        _check_input(self, x, (3, 4), self.in_channels, "(N, C, H, W)")
        if self.padding_mode != "zeros":
            return conv2d(self._pad(x), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """A 1-d convolution layer: (N, in_channels, L) -> (N, out_channels, L'), as ``torch.nn.Conv1d``.

    Its settings are Conv2d's with one spatial axis, padding_mode included.
    """

    _n = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] = 1,
        padding: int | tuple[int] | str = 0,
        dilation: int | tuple[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        seed: Seed = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            seed=seed, dtype=dtype,
        )  # fmt: skip

    def forward(self, x: Any) -> Any:
        _check_input(self, x, (2, 3), self.in_channels, "(N, C, L)")
        if self.padding_mode != "zeros":
            return conv1d(self._pad(x), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """A transposed 2-d convolution (upsampling) layer, as ``torch.nn.ConvTranspose2d``.

    weight (in_channels, out_channels/groups, kh, kw); the output has height
    (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1. padding_mode is
    'zeros' only, as in PyTorch.
    """

    _n = 2
    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        output_padding: int | tuple[int, int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int, int] = 1,
        padding_mode: str = "zeros",
        *,
        seed: Seed = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding=output_padding,
            seed=seed,
            dtype=dtype,
        )

    def forward(self, x: Any, output_size: Sequence[int] | None = None) -> Any:
        """The transposed convolution of x; output_size=(H, W) (or the whole (N, C, H, W) or (C, H, W) shape, as
        in PyTorch) picks the output_padding that gives that size, in place of the layer's own output_padding."""
        _check_input(self, x, (3, 4), self.in_channels, "(N, C, H, W)")
        output_padding = self.output_padding if output_size is None else self._output_padding(x, output_size)
        return conv_transpose2d(
            x, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation
        )


class MaxPool2d(Module):
    """The largest value of each window, as ``torch.nn.MaxPool2d`` (stride defaults to the kernel size).

    The gradient goes to the first maximum of each window (PyTorch's convention at ties). With
    return_indices=True (by keyword: ceil_mode keeps its place after dilation here, where PyTorch puts
    return_indices first) the layer returns (values, indices), as ``F.max_pool2d(..., return_indices=True)``.
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        ceil_mode: bool = False,
        *,
        return_indices: bool = False,
    ) -> None:
        super().__init__()
        # Checked here, kept as given (PyTorch's repr shows kernel_size=2, not (2, 2)).
        _pair("MaxPool2d", "kernel_size", kernel_size, 2, 1)
        _pair("MaxPool2d", "padding", padding, 2, 0)
        if stride is not None:
            _pair("MaxPool2d", "stride", stride, 2, 1)
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride
        _pair("MaxPool2d", "dilation", dilation, 2, 1)
        self.dilation = dilation
        if not isinstance(return_indices, (bool, np.bool_)):
            raise TypeError(f"MaxPool2d: return_indices must be True or False, got {return_indices!r}")
        self.return_indices = bool(return_indices)
        self.ceil_mode = ceil_mode

    def forward(self, x: Any) -> Any:
        if self.return_indices:
            return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode, True)
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """The mean of each window, as ``torch.nn.AvgPool2d`` (stride defaults to the kernel size)."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        # Checked here, kept as given (PyTorch's repr shows kernel_size=2, not (2, 2)).
        _pair("AvgPool2d", "kernel_size", kernel_size, 2, 1)
        _pair("AvgPool2d", "padding", padding, 2, 0)
        if stride is not None:
            _pair("AvgPool2d", "stride", stride, 2, 1)
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x: Any) -> Any:
        return avg_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size whatever the input size, as ``torch.nn.AdaptiveAvgPool2d``."""

    def __init__(self, output_size: int | tuple[int | None, int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Any) -> Any:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size!r}"


class LeNet(Module):
    """A LeNet-style convolutional network for small grey images (scikit-learn's 8x8 digits by default).

    Two blocks of 3x3 convolution ('same' padding), ReLU and 2x2 max pooling, then two linear layers::

        (N, 1, 8, 8) -> conv 1->16 -> relu -> pool -> (N, 16, 4, 4)
                     -> conv 16->32 -> relu -> pool -> (N, 32, 2, 2) -> flatten (N, 128)
                     -> linear 128->64 -> relu -> linear 64->10 (logits)

    image_size must be divisible by 4 (two poolings halve it twice). Input: images (N, C, H, W), or rows of
    C*H*W pixels (N, C*H*W) as scikit-learn's digits come, which are reshaped to images first.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: int = 8,
        channels: tuple[int, int] = (16, 32),
        hidden: int = 64,
        *,
        seed: Seed = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        size = _positive("LeNet", "image_size", image_size)
        if size % 4:
            raise ValueError(f"LeNet: image_size must be divisible by 4 (two 2x2 poolings), got {image_size!r}")
        c1, c2 = (_positive("LeNet", "channels", c) for c in channels)
        rng = init.get_rng(seed)
        self.image_size, self.in_channels = size, _positive("LeNet", "in_channels", in_channels)
        self.features = Sequential(
            Conv2d(in_channels, c1, 3, padding=1, seed=rng, dtype=dtype),
            ReLU(),
            MaxPool2d(2),
            Conv2d(c1, c2, 3, padding=1, seed=rng, dtype=dtype),
            ReLU(),
            MaxPool2d(2),
        )
        self.classifier = Sequential(
            Flatten(),
            Linear(c2 * (size // 4) ** 2, hidden, seed=rng, dtype=dtype),
            ReLU(),
            Linear(hidden, num_classes, seed=rng, dtype=dtype),
        )

    def forward(self, x: Any) -> Any:
        pixels = self.in_channels * self.image_size**2
        if isinstance(x, Tensor) and x.ndim == 2:
            if x.shape[1] != pixels:
                raise ValueError(
                    f"LeNet: rows of {x.shape[1]} pixels (input shape {x.shape}) do not make {self.in_channels} "
                    f"{self.image_size}x{self.image_size} image(s) ({pixels} pixels); give images (N, C, H, W)"
                )
            x = x.reshape((x.shape[0], self.in_channels, self.image_size, self.image_size))
        return self.classifier(self.features(x))
