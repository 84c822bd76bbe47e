"""Activations and losses as plain functions, for Values and Tensors alike (``import ... functional as F``).

An activation accepts a Value, a list of Values (applied to each), or a
Tensor (applied elementwise). The losses live in `microgradnn.nn.losses` and
are re-exported here, as in PyTorch's `torch.nn.functional`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microgradnn.engine import Node
from microgradnn.nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from microgradnn.scalar import Value

# Convolution, pooling and one_hot, as in torch.nn.functional (they live in microgradnn.tensor).
from microgradnn.tensor.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold
from microgradnn.tensor.indexing import one_hot
from microgradnn.tensor.pooling import adaptive_avg_pool2d, avg_pool2d, interpolate, max_pool2d

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "fold",
    "hinge_loss",
    "huber_loss",
    "interpolate",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "smooth_l1_loss",
    "softmax",
    "step",
    "tanh",
    "unfold",
]


def _elementwise(x: Any, method: Callable[[Any], Any], who: str) -> Any:
    if isinstance(x, Node):
        return method(x)
    if isinstance(x, (list, tuple)):
        return [_elementwise(v, method, who) for v in x]
    raise TypeError(f"{who}: expected a Value, a list of Values or a Tensor, got {type(x).__name__}")


def relu(x: Any) -> Any:
    """f(x) = max(0, x);  f'(x) = 1 for x > 0, else 0."""
    return _elementwise(x, lambda v: v.relu(), "relu")


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """f(x) = x for x > 0, else negative_slope * x;  f'(x) = 1 or negative_slope."""
    return _elementwise(x, lambda v: v.leaky_relu(negative_slope), "leaky_relu")


def tanh(x: Any) -> Any:
    """f(x) = tanh(x);  f'(x) = 1 - tanh(x)^2."""
    return _elementwise(x, lambda v: v.tanh(), "tanh")


def sigmoid(x: Any) -> Any:
    """f(x) = 1 / (1 + e^-x);  f'(x) = f(x) (1 - f(x))."""
    return _elementwise(x, lambda v: v.sigmoid(), "sigmoid")


def step(x: Any) -> Any:
    """The chapter's step function: f(x) = 1 if x >= 0 else 0;  f'(x) = 0."""
    return _elementwise(x, lambda v: v.step(), "step")


def linear(x: Any) -> Any:
    """The identity f(x) = x (no activation);  f'(x) = 1."""
    return x


def softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Any:
    """softmax(x)_i = e^(x_i) / sum_j e^(x_j);  d softmax_i / d x_j = s_i (delta_ij - s_j).

    For a list of Values it is taken over the list; for a Tensor along `axis` (PyTorch: `dim`).
    """
    if isinstance(x, Node) and not isinstance(x, Value):
        return x.softmax(axis, dim=dim)
    values = _value_list(x, "softmax")
    m = max(v.data for v in values)  # subtracting a constant changes nothing but keeps exp from overflowing
    exps = [(v - m).exp() for v in values]
    total = Value.sum(exps)
    return [e / total for e in exps]


def log_softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Any:
    """log_softmax(x)_i = x_i - log sum_j e^(x_j) along `axis` (PyTorch: `dim`);  d/dx_j = delta_ij - softmax(x)_j."""
    if isinstance(x, Node) and not isinstance(x, Value):
        return x.log_softmax(axis, dim=dim)
    values = _value_list(x, "log_softmax")
    m = max(v.data for v in values)  # a constant shift: no gradient changes, and exp cannot overflow
    shifted = [v - m for v in values]
    # (x_i - m) - log sum_j e^(x_j - m), not x_i - (log sum + m): at |x| of 1e17 the sum's log(2) would be lost in m
    log_sum = Value.sum([s.exp() for s in shifted]).log()
    return [s - log_sum for s in shifted]


def _value_list(x: Any, who: str) -> list[Value]:
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, Value) for v in x):
        return list(x)
    raise TypeError(f"{who}: expected a non-empty list of Values or a Tensor, got {type(x).__name__}")


def _check_probability(p: Any, who: str) -> float:
    """A probability in [0, 1] (a real number, not a bool or a string)."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{who}: p (the probability to drop) must be in [0, 1], got {p!r}; e.g. p=0.5")
    return float(p)


def _has_value(x: Any) -> bool:
    return isinstance(x, Value) or (isinstance(x, (list, tuple)) and any(isinstance(v, Value) for v in x))


def dropout(x: Any, p: float = 0.5, training: bool = True, seed: int | np.random.Generator | None = None) -> Any:
    """Inverted dropout on a Tensor: zero each entry with probability p, scale the rest by 1 / (1 - p).

    Scaling keeps each entry's expected value, so evaluation (training=False)
    is the identity.
    """
    from microgradnn.nn.init import get_rng
    from microgradnn.tensor import Tensor

    p = _check_probability(p, "dropout")
    if not isinstance(x, Tensor):
        hint = " (dropout works on Tensors; a scalar network of Values has no dropout)" if _has_value(x) else ""
        raise TypeError(f"dropout: expected a Tensor, got {type(x).__name__}{hint}; wrap arrays as Tensor(x)")
    if not training or p == 0.0:
        return x
    dtype = x.data.dtype
    if dtype.kind != "f":  # (PyTorch refuses too) the scale 1 / (1 - p) would be cut to a whole number
        raise TypeError(
            f"dropout: expected a float tensor, got dtype {dtype} (shape {x.shape}); "
            "convert it with x.astype(np.float32)"
        )
    keep = get_rng(seed).random(x.data.shape) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    return x * Tensor((keep * scale).astype(dtype))
