"""Normalisation layers: `BatchNorm1d`, `BatchNorm2d` (running statistics, train/eval), `LayerNorm` and `GroupNorm`.

All four compute y = (x - mean) / sqrt(var + eps) * weight + bias, composed from
tensor ops (mean, subtraction, power, sqrt), so their gradients, also of
second order, come from those ops. What differs is the axes the statistics
are taken over: every axis but the channels (batch norm), the last few
(layer norm), or each sample's group of channels with all their positions
(group norm).

Batch norm in training mode normalises with the batch's own statistics and
updates running estimates, ``running = (1 - momentum) * running + momentum *
batch`` (the variance unbiased, as in PyTorch); in eval mode (``model.eval()``)
it uses the running estimates. The running estimates (``running_mean``,
``running_var``, ``num_batches_tracked``) are buffers, not parameters: ``state_dict()``
saves them and ``load_state_dict()`` restores them, but no optimizer sees them.
With ``track_running_stats=False`` there are none, and eval mode uses the
batch's own statistics too.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradnn.engine import no_grad
from microgradnn.nn.layers import _float_dtype
from microgradnn.nn.module import Module, Parameter
from microgradnn.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "GroupNorm", "LayerNorm"]


def _check_eps_momentum(who: str, eps: Any, momentum: Any) -> tuple[float, float | None]:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps >= 0:
        raise ValueError(f"{who}: eps must be a non-negative number, got {eps!r}; e.g. eps=1e-5")
    if momentum is not None and (
        isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1
    ):
        raise ValueError(f"{who}: momentum must be a number in [0, 1] or None (a cumulative average), got {momentum!r}")
    return float(eps), None if momentum is None else float(momentum)


def _normalize(x: Tensor, mean: Any, var: Any, eps: float) -> Tensor:
    return (x - mean) / ((var + eps) ** 0.5)


def _standardize(x: Tensor, axes: Any, eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """x normalised with its own mean and biased variance over `axes`; also that mean and variance."""
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    return centred / ((var + eps) ** 0.5), mean, var


def _affine(module: Module, y: Tensor, shape: tuple[int, ...] | None = None) -> Tensor:
    """y * weight + bias, each left out where the module has none; `shape` lays one number per channel on axis 1."""
    if module.weight is not None:
        y = y * (module.weight if shape is None else module.weight.reshape(shape))
    if module.bias is not None:
        y = y + (module.bias if shape is None else module.bias.reshape(shape))
    return y


class _BatchNorm(Module):
    _ndims: tuple[int, ...] = ()
    _layout = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)) or num_features < 1:
            raise ValueError(f"{who}: num_features must be a positive int, got {num_features!r}; e.g. {who}(16)")
        self.num_features = int(num_features)
        self.eps, self.momentum = _check_eps_momentum(who, eps, momentum)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dtype = _float_dtype(dtype, who)
        self.weight = Parameter(np.ones(num_features, dtype=dtype), label="weight") if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype=dtype), label="bias") if affine and bias else None
        # Buffers: state that state_dict() saves and load_state_dict() restores, but no parameters.
        self.running_mean: np.ndarray | None
        self.running_var: np.ndarray | None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", 0)
        else:
            self.running_mean = self.running_var = None

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.running_mean is not None and self.running_var is not None:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked = 0

    def forward(self, x: Any) -> Any:
        who = repr(self)
        if not isinstance(x, Tensor):
            raise TypeError(f"{who}: expected a Tensor, got {type(x).__name__}; wrap arrays as Tensor(X)")
        if x.ndim not in self._ndims:
            raise ValueError(f"{who}: expected input {self._layout}, got shape {x.shape}")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{who}: expected {self.num_features} channels (axis 1), got shape {x.shape}; "
                f"build it as {type(self).__name__}({x.shape[1]}) or fix the previous layer"
            )
        axes = (0, *range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)  # per-channel numbers broadcast against (N, C, ...)
        use_batch = self.training or self.running_mean is None
        if use_batch:
            if self.eps <= 0:  # PyTorch refuses it too: a constant channel would give 0 / 0
                raise ValueError(
                    f"{who}: eps must be positive when the batch's own statistics are used (training, or "
                    f"track_running_stats=False), got eps={self.eps}; a constant channel would give 0 / 0 = nan; "
                    "use e.g. eps=1e-5"
                )
            count = x.size // x.shape[1]
            if count == 0:  # an empty batch: an empty result, as in PyTorch (which still counts the batch)
                if self.training and self.running_mean is not None:
                    self.num_batches_tracked += 1
                return _affine(self, x * 1, shape)
            if count < 2:  # also in eval mode without running stats, which uses the batch's statistics too
                fix = "model.eval()" if self.running_mean is not None else "track_running_stats=True and model.eval()"
                raise ValueError(
                    f"{who}: training needs more than one value per channel to take a variance, and so does any "
                    f"use of the batch's own statistics; got input {x.shape}; use a bigger batch, or {fix}"
                )
            y, mean, var = _standardize(x, axes, self.eps)
            if self.training and self.running_mean is not None and self.running_var is not None:
                self._update(mean.data.reshape(-1), var.data.reshape(-1) * (count / max(count - 1, 1)))
        else:
            mean = self.running_mean.reshape(shape).astype(x.dtype)
            var = self.running_var.reshape(shape).astype(x.dtype)
            y = _normalize(x, mean, var, self.eps)
        return _affine(self, y, shape)

    @no_grad()
    def _update(self, mean: np.ndarray, unbiased_var: np.ndarray) -> None:
        assert self.running_mean is not None and self.running_var is not None
        self.num_batches_tracked += 1
        m = 1.0 / self.num_batches_tracked if self.momentum is None else self.momentum
        self.running_mean *= 1 - m
        self.running_mean += m * mean
        self.running_var *= 1 - m
        self.running_var += m * unbiased_var

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) inputs, per channel C, as ``torch.nn.BatchNorm1d``."""

    _ndims = (2, 3)
    _layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W) inputs, per channel C, as ``torch.nn.BatchNorm2d``."""

    _ndims = (4,)
    _layout = "(N, C, H, W)"


class LayerNorm(Module):
    """Normalise over the last len(normalized_shape) axes of each sample, as ``torch.nn.LayerNorm``.

    The same in training and eval mode (no running statistics); weight and bias have `normalized_shape`.
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        *,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        if not shape or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in shape):
            raise ValueError(
                f"LayerNorm: normalized_shape must be a positive int or a tuple of them, got {normalized_shape!r}"
            )
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, _ = _check_eps_momentum("LayerNorm", eps, None)
        self.elementwise_affine = bool(elementwise_affine)
        dtype = _float_dtype(dtype, "LayerNorm")
        self.weight = (
            Parameter(np.ones(self.normalized_shape, dtype=dtype), label="weight") if elementwise_affine else None
        )
        self.bias = (
            Parameter(np.zeros(self.normalized_shape, dtype=dtype), label="bias")
            if elementwise_affine and bias
            else None
        )

    def forward(self, x: Any) -> Any:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self!r}: expected a Tensor, got {type(x).__name__}; wrap arrays as Tensor(X)")
        k = len(self.normalized_shape)
        if tuple(x.shape[x.ndim - k :]) != self.normalized_shape or x.ndim < k:
            raise ValueError(
                f"{self!r}: expected the last {k} axes of the input to be {self.normalized_shape}, got shape {x.shape}"
            )
        y, _, _ = _standardize(x, tuple(range(x.ndim - k, x.ndim)), self.eps)
        y = _affine(self, y)
        return y

    def extra_repr(self) -> str:
        bias = self.bias is not None
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, bias={bias}"


class GroupNorm(Module):
    """Normalise each sample over groups of channels, as ``torch.nn.GroupNorm``.

    The C = num_channels channels of an input (N, C, *) are split into num_groups groups of
    C / num_groups neighbouring channels; each sample's group is normalised with the mean and the
    (biased) variance of all its values, over its channels and every position. weight (ones) and bias
    (zeros) have shape (C,), one number per channel. The same in training and eval mode (no running
    statistics, and any batch size works). GroupNorm(1, C) normalises each sample as a whole, as
    LayerNorm over (C, *) does; GroupNorm(C, C) each channel of each sample on its own (instance norm).
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        *,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for name, value in (("num_groups", num_groups), ("num_channels", num_channels)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"GroupNorm: {name} must be a positive int, got {value!r}; e.g. GroupNorm(2, 16)")
        if num_channels % num_groups:
            divisors = ", ".join(str(g) for g in range(1, int(num_channels) + 1) if num_channels % g == 0)
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups}); "
                f"choose num_groups from the divisors of {num_channels}: {divisors}"
            )
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, _ = _check_eps_momentum("GroupNorm", eps, None)
        self.affine = bool(affine)
        dtype = _float_dtype(dtype, "GroupNorm")
        self.weight = Parameter(np.ones(self.num_channels, dtype=dtype), label="weight") if affine else None
        self.bias = Parameter(np.zeros(self.num_channels, dtype=dtype), label="bias") if affine and bias else None

    def forward(self, x: Any) -> Any:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self!r}: expected a Tensor, got {type(x).__name__}; wrap arrays as Tensor(X)")
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            if x.ndim >= 1 and x.shape[0] == self.num_channels:
                fix = "add the batch axis first, x.unsqueeze(0)"
            else:
                fix = "fix the previous layer, or build the layer for the channels the input has"
            raise ValueError(
                f"{self!r}: expected input (N, {self.num_channels}, *), the {self.num_channels} channels on axis 1, "
                f"got shape {x.shape}; {fix}"
            )
        shape = (1, -1) + (1,) * (x.ndim - 2)  # per-channel weight and bias broadcast against (N, C, ...)
        if x.size == 0:  # an empty batch or an empty image: an empty result, as in PyTorch
            y = x * 1
        else:  # each sample's group of C / G channels, with all their positions, on one axis
            y = _standardize(x.reshape((x.shape[0], self.num_groups, -1)), 2, self.eps)[0].reshape(x.shape)
        return _affine(self, y, shape)

    def extra_repr(self) -> str:
        bias = self.bias is not None
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={bias}"
