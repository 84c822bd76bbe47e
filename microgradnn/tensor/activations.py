"""Activation functions on Tensors, with PyTorch's names, defaults and conventions at kinks.

Smooth compositions are built from existing ops, so their gradients come for
free (``silu(x) = x * sigmoid(x)``, ``mish``, ``softsign``, the tanh form of
gelu). A `TensorFunction` of its own is used where a fused formula is more
accurate or more stable than the composition: exact `Gelu` (through erfc, so
the left tail does not cancel to 0), `Elu` (through expm1), `Softplus` and
`LogSigmoid` (no overflow at |x| = 1000) and `Hardtanh` (PyTorch's zero
gradient at its bounds).

Conventions at kinks (PyTorch's): hardtanh, relu6, hardsigmoid and hardswish
take the outside slope at their bounds (hardtanh'(+-1) = 0, hardswish'(-3) = 0,
hardswish'(3) = 1); elu, selu and celu take the left slope at 0 (alpha, as relu
takes 0). Integer and bool inputs are computed in the default float dtype.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microgradnn.engine import Context
from microgradnn.tensor import composed as C
from microgradnn.tensor.elementwise import Erf, as_float, on_arrays_or_tensors, tensor_arg
from microgradnn.tensor.tensor import Operand, Tensor, TensorFunction

__all__ = [
    "Elu",
    "Gelu",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LogSigmoid",
    "Softplus",
    "celu",
    "elu",
    "gelu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "leaky_relu",
    "log_softmax",
    "logsigmoid",
    "mish",
    "quick_gelu",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softmin",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
# The constants of SELU (Klambauer et al., 2017), as PyTorch has them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

_ERFC = np.frompyfunc(math.erfc, 1, 1)  # the C library's erfc, element by element (see elementwise's erf)


def _float_in(op: str, x: Any) -> Tensor:
    return as_float(tensor_arg(op, x))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) on an array, stable at both ends (e^-|z| never overflows)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = erfc(-x / sqrt 2) / 2: accurate in the left tail, where 1 + erf(x / sqrt 2) cancels to 0."""
    return (0.5 * np.asarray(_ERFC(np.asarray(-x * _SQRT_HALF, dtype=np.float64)), dtype=np.float64)).astype(
        x.dtype, copy=False
    )


# ------------------------------------------------------------------ Functions
class Gelu(TensorFunction):
    """f(x) = x Phi(x), Phi the standard normal CDF;  f'(x) = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi)."""

    name = "gelu"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return x * normal_cdf(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        cdf = on_arrays_or_tensors(x, normal_cdf, lambda t: (1 + Erf.apply(t * _SQRT_HALF)) * 0.5)
        return (grad * (cdf + x * (_INV_SQRT_2PI * np.exp(-0.5 * (x * x)))),)


class Elu(TensorFunction):
    """f(x) = x for x > 0, alpha (e^x - 1) for x <= 0;  f'(x) = 1 for x > 0, alpha e^x = f(x) + alpha for x <= 0.

    At 0 the left slope, alpha (as PyTorch). A nan input stays nan and passes the gradient (PyTorch's rule).
    """

    name = "elu"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, alpha: float) -> np.ndarray:
        negative = x <= 0
        ctx.negative, ctx.alpha = negative, alpha
        # expm1 keeps e^x - 1 accurate near 0; min(x, 0) keeps the unused branch from overflowing.
        out = np.where(negative, alpha * np.expm1(np.minimum(x, 0)), x).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        return (grad * np.where(ctx.negative, out + ctx.alpha, 1),)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return "elu" if ctx.alpha == 1.0 else f"elu(alpha={ctx.alpha:g})"


class Hardtanh(TensorFunction):
    """f(x) = min(max(x, low), high);  f'(x) = 1 for low < x < high, else 0 (0 at the bounds, as PyTorch).

    A nan input stays nan and passes the gradient (PyTorch's rule: 0 only where x <= low or x >= high).
    """

    name = "hardtanh"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, low: float, high: float) -> np.ndarray:
        ctx.inside = ~((x <= low) | (x >= high))  # a constant: hardtanh'' = 0
        ctx.low, ctx.high = low, high
        return np.clip(x, low, high).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (grad * ctx.inside,)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        if (ctx.low, ctx.high) == (-1.0, 1.0):
            return "hardtanh"
        return f"hardtanh({ctx.low:g}, {ctx.high:g})"


class Hardsigmoid(TensorFunction):
    """f(x) = min(max(x + 3, 0), 6) / 6;  f'(x) = 1/6 for -3 < x < 3, else 0 (also at +-3 and for nan, as PyTorch)."""

    name = "hardsigmoid"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.inside = (x > -3) & (x < 3)
        return (np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (grad * (ctx.inside * (1 / 6)),)


class Hardswish(TensorFunction):
    """f(x) = x min(max(x + 3, 0), 6) / 6;  f'(x) = 0 for x <= -3, x/3 + 1/2 for -3 < x < 3, 1 for x >= 3.

    At the kinks the outside slopes, f'(-3) = 0 and f'(3) = 1, and a nan input passes the gradient (PyTorch's).
    """

    name = "hardswish"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.low, ctx.middle = x <= -3, x < 3  # constants: which piece each element is on
        ctx.save_for_backward(x)
        return (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        return (grad * np.where(ctx.low, 0, np.where(ctx.middle, x * (1 / 3) + 0.5, 1)),)


class Softplus(TensorFunction):
    """f(x) = log(1 + e^(beta x)) / beta, and x where beta x > threshold;
    f'(x) = sigmoid(beta x), and 1 where beta x > threshold (PyTorch's linear regime).

    Computed as (max(z, 0) + log1p(e^-|z|)) / beta with z = beta x, which never overflows.
    """

    name = "softplus"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, beta: float, threshold: float) -> np.ndarray:
        z = x * beta
        linear = z > threshold
        ctx.linear, ctx.beta, ctx.threshold = linear, beta, threshold
        ctx.save_for_backward(x)
        smooth = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
        return np.where(linear, x, smooth).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        slope = on_arrays_or_tensors(x * ctx.beta, _sigmoid, Tensor.sigmoid)
        return (grad * np.where(ctx.linear, 1, slope),)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return "softplus" if ctx.beta == 1.0 else f"softplus(beta={ctx.beta:g})"


class LogSigmoid(TensorFunction):
    """f(x) = log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|);  f'(x) = 1 - sigmoid(x) = sigmoid(-x)."""

    name = "logsigmoid"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return (np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        return (grad * on_arrays_or_tensors(-x, _sigmoid, Tensor.sigmoid),)


# ------------------------------------------------------------------ functions
def gelu(x: Operand, approximate: str = "none") -> Tensor:
    """x Phi(x) (approximate="none", exact) or PyTorch's tanh form 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    t = _float_in("gelu", x)
    if approximate == "none":
        return Gelu.apply(t)
    if approximate == "tanh":
        return t * 0.5 * (1 + ((t + 0.044715 * t**3) * _SQRT_2_OVER_PI).tanh())
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def quick_gelu(x: Operand) -> Tensor:
    """x * sigmoid(1.702 x), the sigmoid approximation of gelu (composed)."""
    t = _float_in("quick_gelu", x)
    return t * (t * 1.702).sigmoid()


def silu(x: Operand) -> Tensor:
    """x * sigmoid(x), also called swish (composed)."""
    t = _float_in("silu", x)
    return t * t.sigmoid()


swish = silu


def elu(x: Operand, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^x - 1) below."""
    return Elu.apply(_float_in("elu", x), alpha=C.number("elu", "alpha", alpha))


def selu(x: Operand) -> Tensor:
    """scale * elu(x, alpha) with SELU's fixed constants (self-normalizing networks)."""
    return Elu.apply(_float_in("selu", x), alpha=SELU_ALPHA) * SELU_SCALE


def celu(x: Operand, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^(x/alpha) - 1) below: alpha * elu(x / alpha) (continuously differentiable)."""
    a = C.number("celu", "alpha", alpha)
    if a == 0:
        raise ValueError("celu: alpha must not be 0 (the formula divides by it); PyTorch's default is 1.0")
    t = _float_in("celu", x)
    return Elu.apply(t, alpha=1.0) if a == 1.0 else Elu.apply(t * (1.0 / a), alpha=1.0) * a


def hardtanh(x: Operand, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to [min_val, max_val]; the gradient is 0 at the bounds (unlike clip, as in PyTorch)."""
    low, high = C.number("hardtanh", "min_val", min_val), C.number("hardtanh", "max_val", max_val)
    if low > high:
        raise ValueError(f"hardtanh: min_val ({low:g}) must not be greater than max_val ({high:g})")
    return Hardtanh.apply(_float_in("hardtanh", x), low=low, high=high)


def relu6(x: Operand) -> Tensor:
    """min(max(x, 0), 6) = hardtanh(x, 0, 6)."""
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x: Operand) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return Hardsigmoid.apply(_float_in("hardsigmoid", x))


def hardswish(x: Operand) -> Tensor:
    """x * relu6(x + 3) / 6 (MobileNetV3's cheap swish)."""
    return Hardswish.apply(_float_in("hardswish", x))


def softplus(x: Operand, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (PyTorch's defaults and rule)."""
    b = C.number("softplus", "beta", beta)
    if not b > 0:
        raise ValueError(f"softplus: beta must be > 0, got {beta!r}")
    return Softplus.apply(_float_in("softplus", x), beta=b, threshold=C.number("softplus", "threshold", threshold))


def softsign(x: Operand) -> Tensor:
    """x / (1 + |x|) (composed)."""
    t = _float_in("softsign", x)
    return t / (t.abs() + 1)


def mish(x: Operand) -> Tensor:
    """x * tanh(softplus(x)) (composed)."""
    t = _float_in("mish", x)
    return t * softplus(t).tanh()


def logsigmoid(x: Operand) -> Tensor:
    """log(sigmoid(x)), stable for large |x| (log(sigmoid(-1000)) = -1000, not -inf)."""
    return LogSigmoid.apply(_float_in("logsigmoid", x))


def softmin(x: Operand, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """softmax(-x) along `axis` (PyTorch: `dim`)."""
    return (-_float_in("softmin", x)).softmax(axis, dim=dim)


# The activations Tensor already has as methods, as module-level functions too.
def relu(x: Operand) -> Tensor:
    """max(0, x); relu'(0) = 0."""
    return tensor_arg("relu", x).relu()


def leaky_relu(x: Operand, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x below."""
    return tensor_arg("leaky_relu", x).leaky_relu(negative_slope)


def sigmoid(x: Operand) -> Tensor:
    """1 / (1 + e^-x)."""
    return tensor_arg("sigmoid", x).sigmoid()


def tanh(x: Operand) -> Tensor:
    """tanh(x)."""
    return tensor_arg("tanh", x).tanh()


def softmax(x: Operand, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """e^x_i / sum_j e^x_j along `axis` (PyTorch: `dim`)."""
    return tensor_arg("softmax", x).softmax(axis, dim=dim)


def log_softmax(x: Operand, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """x_i - logsumexp(x) along `axis` (PyTorch: `dim`), stable."""
    return tensor_arg("log_softmax", x).log_softmax(axis, dim=dim)
