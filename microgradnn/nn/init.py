"""Weight initialisation, seedable: where a network's first guess comes from.

Every function fills a Tensor's data in place (PyTorch's trailing-underscore
convention) from a numpy `Generator`. Pass ``seed=`` (an int or a Generator)
for a reproducible result, or call `manual_seed` once to make every later
draw reproducible, as ``torch.manual_seed`` does.

The rules, for a weight of shape (fan_out, fan_in):

* Kaiming/He (for ReLU networks): std = gain / sqrt(fan_in), gain = sqrt(2);
  uniform bound = sqrt(3) * std.
* Xavier/Glorot (for tanh/sigmoid networks): std = gain * sqrt(2 / (fan_in + fan_out));
  uniform bound = sqrt(3) * std.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microgradnn.tensor.creation import default_generator, manual_seed

__all__ = [
    "calculate_gain",
    "constant_",
    "get_rng",
    "kaiming_normal_",
    "kaiming_uniform_",
    "manual_seed",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

Seed = int | np.random.Generator | None


def get_rng(seed: Seed = None) -> np.random.Generator:
    """A Generator for `seed`: a new one for an int, the same one for a Generator, the shared default for None."""
    if seed is None:
        return default_generator()  # the one manual_seed sets: random tensors draw from it too
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be an int >= 0, a numpy Generator or None, got {seed!r}; e.g. seed=0")
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"seed must be an int, a numpy Generator or None (for a layer, an init function or Dropout), got "
        f"{type(seed).__name__} ({seed!r}); e.g. seed=0"
    )


_LINEAR_GAINS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through a layer with this nonlinearity (PyTorch's table;
    `param` is leaky_relu's negative slope, 0.01 when None)."""
    gains = {
        **dict.fromkeys(_LINEAR_GAINS, 1.0),
        "sigmoid": 1.0,
        "step": 1.0,
        "tanh": 5.0 / 3.0,
        "relu": math.sqrt(2.0),
        "selu": 3.0 / 4.0,
    }
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else _real(param, "param (the negative slope)", "calculate_gain")
        return math.sqrt(2.0 / (1.0 + slope**2))
    if not isinstance(nonlinearity, str) or nonlinearity not in gains:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; choose one of {sorted(gains)}")
    return gains[nonlinearity]


def _fans(shape: tuple[int, ...], who: str) -> tuple[int, int]:
    if len(shape) < 2:
        raise ValueError(f"{who}: needs a weight with at least 2 axes (fan_out, fan_in), got shape {shape}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor: Any, values: np.ndarray) -> Any:
    tensor.data[...] = values  # in place: optimizers and references keep seeing the same array
    bump = getattr(tensor, "_bump", None)  # a write through the library: the tensor's version counter
    if callable(bump):
        bump()
    return tensor


def _check_tensor(tensor: Any, who: str, *, random: bool = False) -> None:
    if not isinstance(getattr(tensor, "data", None), np.ndarray):
        raise TypeError(
            f"{who}: expected a Tensor (a layer's weight), got {type(tensor).__name__}; "
            "a Value holds one float: set v.data = x instead"
        )
    if random and tensor.data.dtype.kind != "f":  # (PyTorch refuses too) the draws would be cut to whole numbers
        raise TypeError(
            f"{who}: random draws need a float tensor, got dtype {tensor.data.dtype} (shape {tensor.data.shape}); "
            "make it with a float dtype, e.g. Tensor(np.zeros(shape, np.float32))"
        )


def _fan(tensor: Any, mode: str, who: str) -> int:
    """Kaiming's fan: fan_in (the default, steady activations forward) or fan_out (steady gradients backward)."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{who}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(np.shape(tensor.data), who)
    return fan_in if mode == "fan_in" else fan_out


def _real(value: Any, name: str, who: str, *, low: float | None = None) -> float:
    """A finite real number (>= low when given), or a clear error naming `who`."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__} ({value!r}); e.g. {name}=1.0")
    if not math.isfinite(value) or (low is not None and value < low):
        bound = f" >= {low:g}" if low is not None else ""
        raise ValueError(f"{who}: {name} must be a finite number{bound}, got {value!r}; e.g. {name}=1.0")
    return float(value)


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, seed: Seed = None) -> Any:
    """Fill with draws from U(a, b)."""
    _check_tensor(tensor, "uniform_", random=True)
    a, b = _real(a, "a", "uniform_"), _real(b, "b", "uniform_")
    if a > b:
        raise ValueError(f"uniform_: needs a <= b, got a={a!r}, b={b!r}; e.g. uniform_(w, -0.1, 0.1)")
    return _fill(tensor, get_rng(seed).uniform(a, b, size=np.shape(tensor.data)))


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, seed: Seed = None) -> Any:
    """Fill with draws from N(mean, std^2)."""
    _check_tensor(tensor, "normal_", random=True)
    mean, std = _real(mean, "mean", "normal_"), _real(std, "std", "normal_", low=0.0)
    return _fill(tensor, get_rng(seed).normal(mean, std, size=np.shape(tensor.data)))


def constant_(tensor: Any, value: float) -> Any:
    """Fill with one number."""
    _check_tensor(tensor, "constant_")
    return _fill(tensor, np.full(np.shape(tensor.data), _real(value, "value", "constant_")))


def zeros_(tensor: Any) -> Any:
    """Fill with 0."""
    return constant_(tensor, 0.0)


def ones_(tensor: Any) -> Any:
    """Fill with 1."""
    return constant_(tensor, 1.0)


def kaiming_uniform_(
    tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu", seed: Seed = None
) -> Any:
    """He init: U(-bound, bound), bound = gain * sqrt(3 / fan); `a` is leaky_relu's slope, `mode` "fan_in" or
    "fan_out" (PyTorch's argument order). A tensor with no elements is left as it is, as in PyTorch."""
    fan = _fan(tensor, mode, "kaiming_uniform_")
    if fan == 0:
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, seed)


def kaiming_normal_(
    tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu", seed: Seed = None
) -> Any:
    """He init: N(0, std^2), std = gain / sqrt(fan); `mode` "fan_in" or "fan_out", as in `kaiming_uniform_`."""
    fan = _fan(tensor, mode, "kaiming_normal_")
    if fan == 0:
        return tensor
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), seed)


def xavier_uniform_(tensor: Any, gain: float = 1.0, seed: Seed = None) -> Any:
    """Glorot init: U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(np.shape(tensor.data), "xavier_uniform_")
    bound = _real(gain, "gain", "xavier_uniform_", low=0.0) * math.sqrt(6.0 / max(fan_in + fan_out, 1))
    return uniform_(tensor, -bound, bound, seed)


def xavier_normal_(tensor: Any, gain: float = 1.0, seed: Seed = None) -> Any:
    """Glorot init: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(np.shape(tensor.data), "xavier_normal_")
    std = _real(gain, "gain", "xavier_normal_", low=0.0) * math.sqrt(2.0 / max(fan_in + fan_out, 1))
    return normal_(tensor, 0.0, std, seed)
