"""The scalar ops, one `Function` each: forward and backward side by side.

Each docstring gives f and its derivative once, with the convention at kinks.
Every backward returns ``grad * (local derivative)``, so a `Step`'s
contribution is exactly its local derivative times the upstream gradient.
A backward is written with arithmetic that works on floats *and* on Values,
so the same formula serves a first-order pass (floats) and
``backward(create_graph=True)`` (Values, differentiable again). For a scalar op
the local derivative d out / d input_i is simply its backward at upstream 1.

Numbers follow IEEE floats and PyTorch rather than Python's exceptions:
1/0 = inf, log(0) = -inf, log(-1) = nan, exp(1000) = inf. `detect_anomaly()`
raises at the first NaN or inf instead.
"""

from __future__ import annotations

import math
import operator
from typing import Any

from microgradnn.engine import Context
from microgradnn.scalar.value import ScalarFunction

__all__ = [
    "Abs",
    "Add",
    "BinaryCrossEntropy",
    "Div",
    "Dot",
    "Exp",
    "LeakyRelu",
    "Log",
    "Mul",
    "Neg",
    "Pow",
    "PowConstBase",
    "PowConstExponent",
    "Relu",
    "Sigmoid",
    "Sqrt",
    "Step",
    "Sub",
    "Sum",
    "Tanh",
]

_INF = math.inf
_NAN = math.nan
# What a backward formula tells apart: a plain number (a float, or an int where `.data` was set by hand, as in
# neuron.b.data = 0) or, in a create_graph pass, a graph node.
_NUMBER = (float, int)


# ------------------------------------------------------------------- helpers
def _log(x: Any) -> Any:
    """ln(x) of a float (IEEE: log(0) = -inf, log(<0) = nan) or of a Value (graph op)."""
    if isinstance(x, _NUMBER):
        if x > 0.0:
            return math.log(x)
        return -_INF if x == 0.0 else _NAN
    return x.log()


def _number(x: Any) -> float:
    """The float itself, or a Value's data (a create_graph pass saves Values): for tests on the numbers."""
    return x if isinstance(x, _NUMBER) else x.data


def _sign(x: float) -> float:
    """sign(x) as PyTorch: -1, 0 or 1, and 0 for NaN."""
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


def _divide(a: float, b: float) -> float:
    """a / b with IEEE semantics: x/0 = +-inf, 0/0 = nan (Python raises instead)."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0.0 or a != a:
            return _NAN
        return math.copysign(_INF, a) * math.copysign(1.0, b)


def _power(a: float, b: float) -> float:
    """a ** b with IEEE semantics: overflow is inf, a negative base to a fractional power is nan."""
    try:
        return math.pow(a, b)
    except OverflowError:  # |a| ** big b; the sign is a's when b is an odd integer
        return -_INF if a < 0.0 and b == math.floor(b) and math.fmod(b, 2.0) != 0.0 else _INF
    except ValueError:  # negative base, fractional exponent; or 0 ** negative
        if a == 0.0:
            return math.copysign(_INF, a) if math.fmod(b, 2.0) in (-1.0, 1.0) else _INF
        return _NAN


# ---------------------------------------------------------------- arithmetic
class Add(ScalarFunction):
    """f(a, b) = a + b;  df/da = 1,  df/db = 1."""

    name = "+"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        return a + b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        return grad, grad


class Sub(ScalarFunction):
    """f(a, b) = a - b;  df/da = 1,  df/db = -1."""

    name = "-"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        return a - b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        return grad, -grad


class Mul(ScalarFunction):
    """f(a, b) = a * b;  df/da = b,  df/db = a."""

    name = "*"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        a, b = ctx.saved_values
        return grad * b, grad * a


class Div(ScalarFunction):
    """f(a, b) = a / b;  df/da = 1/b,  df/db = -a/b^2 = -f/b.

    Written as -f/b so that a tiny b does not underflow b*b to 0. Division by
    0 gives inf (or nan for 0/0), as in PyTorch.
    """

    name = "/"

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        out = _divide(a, b)
        # a too, although unused: saved inputs in their order map to the right nodes under create_graph
        # even when a and b share one float object (Value(2.0) / Value(2.0)).
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        _, b, out = ctx.saved_values
        if isinstance(b, _NUMBER):
            return grad * _divide(1.0, b), grad * -_divide(out, b)
        return grad * (1.0 / b), grad * (-out / b)


class Neg(ScalarFunction):
    """f(a) = -a;  f'(a) = -1."""

    name = "neg"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, a: float) -> float:
        return -a

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (-grad,)


class PowConstExponent(ScalarFunction):
    """f(x) = x ** c for a constant c;  f'(x) = c * x^(c-1)  (0 when c = 0, also at x = 0)."""

    name = "**"

    @staticmethod
    def forward(ctx: Context, x: float, *, exponent: float) -> float:
        ctx.exponent = exponent
        ctx.save_for_backward(x)
        return _power(x, exponent)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        c = ctx.exponent
        if c == 0.0:  # x ** 0 is the constant 1
            return (grad * 0.0,)
        if isinstance(x, _NUMBER):
            return (grad * (c * _power(x, c - 1.0)),)
        return (grad * (c * x ** (c - 1.0)),)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return f"**{ctx.exponent:g}"


class PowConstBase(ScalarFunction):
    """f(x) = c ** x for a constant c;  f'(x) = c^x ln(c)  (0 at c = 0 for x >= 0, as in PyTorch)."""

    name = "**"

    @staticmethod
    def forward(ctx: Context, x: float, *, base: float) -> float:
        ctx.base = base
        out = _power(base, x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        x, out = ctx.saved_values
        # At c = 0 the limit 0 for x >= 0; x < 0 keeps inf * log(0) = -inf (Pow's and Tensor's convention).
        limit = ctx.base == 0.0 and _number(x) >= 0.0
        return (grad * (0.0 if limit else out * _log(ctx.base)),)

    @classmethod
    def describe(cls, ctx: Context) -> str:
        return f"{ctx.base:g}**"


class Pow(ScalarFunction):
    """f(a, b) = a ** b;  df/da = b a^(b-1),  df/db = a^b ln(a).

    Conventions (PyTorch's, the same in both branches): df/da = 0 at b = 0 (0 ** 0
    included); df/db = 0 at a = 0 for b >= 0 (the limit), +-inf for b < 0, and
    nan for a < 0 (ln(a) is nan).
    """

    name = "**"

    @staticmethod
    def forward(ctx: Context, a: float, b: float) -> float:
        out = _power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        a, b, out = ctx.saved_values
        slope = _power(a, b - 1.0) if isinstance(a, _NUMBER) else a ** (b - 1.0)
        # At b = 0 PyTorch gives 0. Masked only where a^(b-1) is inf or nan (0 ** 0, nan ** 0, a subnormal a):
        # elsewhere b = 0 gives 0 anyway, and the mask would cut the mixed d2/(da db) = 1/a (as Tensor's Pow).
        zero_base = _number(b) == 0.0 and not math.isfinite(_number(slope))
        # At a = 0 the gradient for b is the limit 0 when b >= 0; b < 0 keeps inf * log(0).
        zero_exponent = _number(a) == 0.0 and _number(b) >= 0.0
        d_base = 0.0 if zero_base else b * slope
        d_exponent = 0.0 if zero_exponent else out * _log(a)
        return grad * d_base, grad * d_exponent


# ----------------------------------------------------------------- functions
class Exp(ScalarFunction):
    """f(x) = e^x;  f'(x) = e^x."""

    name = "exp"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, x: float) -> float:
        try:
            out = math.exp(x)
        except OverflowError:
            out = _INF
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        return (grad * out,)


class Log(ScalarFunction):
    """f(x) = ln(x);  f'(x) = 1/x.  (log(0) = -inf, log(x < 0) = nan, as in PyTorch.)"""

    name = "log"

    @staticmethod
    def forward(ctx: Context, x: float) -> float:
        ctx.save_for_backward(x)
        return _log(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        return (grad * (_divide(1.0, x) if isinstance(x, _NUMBER) else 1.0 / x),)


class Sqrt(ScalarFunction):
    """f(x) = sqrt(x);  f'(x) = 1 / (2 sqrt(x))  (inf at 0; sqrt(x < 0) = nan)."""

    name = "sqrt"

    @staticmethod
    def forward(ctx: Context, x: float) -> float:
        out = math.sqrt(x) if x >= 0.0 else _NAN
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        return (grad * (_divide(0.5, out) if isinstance(out, _NUMBER) else 0.5 / out),)


class Tanh(ScalarFunction):
    """f(x) = tanh(x);  f'(x) = 1 - tanh(x)^2."""

    name = "tanh"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, x: float) -> float:
        out = math.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        return (grad * (1.0 - out * out),)


class Sigmoid(ScalarFunction):
    """f(x) = 1 / (1 + e^-x);  f'(x) = f(x) (1 - f(x))."""

    name = "sigmoid"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, x: float) -> float:
        # Two forms so that exp never overflows: e^-x is only taken for x >= 0.
        if x >= 0.0:
            out = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            out = e / (1.0 + e)
        if x != x:
            out = _NAN
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        return (grad * (out * (1.0 - out)),)


class Relu(ScalarFunction):
    """f(x) = max(0, x);  f'(x) = 1 for x > 0, else 0.

    relu'(0) = 0: at the kink we pick the left slope, as PyTorch does.
    relu(nan) = nan, and the gradient passes a NaN input (PyTorch's threshold rule: 0 only where x <= 0).
    """

    name = "relu"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, x: float) -> float:
        ctx.save_for_backward(x)
        return 0.0 if x <= 0.0 else x

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        return (grad * (0.0 if x <= 0.0 else 1.0),)


class LeakyRelu(ScalarFunction):
    """f(x) = x for x > 0, else slope * x;  f'(x) = 1 or slope (slope at 0, the left side, as for relu)."""

    name = "leaky_relu"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, x: float, *, negative_slope: float) -> float:
        ctx.negative_slope = negative_slope
        ctx.save_for_backward(x)
        return x if x > 0.0 else x * negative_slope

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        return (grad * (1.0 if x > 0.0 else ctx.negative_slope),)


class Abs(ScalarFunction):
    """f(x) = |x|;  f'(x) = sign(x).

    abs'(0) = 0: the average of the two one-sided slopes; abs'(nan) = 0 as in PyTorch.
    """

    name = "abs"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, x: float) -> float:
        ctx.save_for_backward(x)
        return abs(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        return (grad * _sign(x),)


class Step(ScalarFunction):
    """The chapter's step activation: f(z) = 1 if z >= 0 else 0;  f'(z) = 0.

    The slope is 0 everywhere (and undefined at 0, where we also use 0), so no
    gradient passes through it: this is why networks use sigmoid instead.
    step(nan) = nan, as NumPy's heaviside (PyTorch's gives 0).
    """

    name = "step"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, z: float) -> float:
        if z != z:
            return _NAN
        return 1.0 if z >= 0.0 else 0.0

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        return (grad * 0.0,)


# ------------------------------------------------------------- n-ary nodes
class Sum(ScalarFunction):
    """f(x1, ..., xn) = x1 + ... + xn as one node;  df/dxi = 1.

    One node instead of n-1 additions: a shorter graph and a faster backward.
    """

    name = "sum"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, *xs: float) -> float:
        ctx.save_for_backward(*xs)  # only to know n in backward
        try:
            return math.fsum(xs)  # exact rounding of the whole sum
        except OverflowError:  # fsum refuses an intermediate overflow; the plain sum is inf, as in PyTorch
            return sum(xs)
        except ValueError:  # inf + -inf
            return _NAN

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, ...]:
        return (grad,) * len(ctx.saved_values)


class Dot(ScalarFunction):
    """f = x1*y1 + ... + xn*yn (+ bias) as one node;  df/dxi = yi,  df/dyi = xi,  df/dbias = 1.

    A neuron's weighted sum w . x + b in a single node. Inputs are ordered
    x1..xn, y1..yn, then the bias when there is one (an odd count).
    """

    name = "dot"
    finite_derivatives = True

    @staticmethod
    def forward(ctx: Context, *inputs: float) -> float:
        ctx.save_for_backward(*inputs)
        n = len(inputs) // 2
        total = sum(map(operator.mul, inputs[:n], inputs[n : 2 * n]), 0.0)  # (0.0: an empty dot is a float)
        return total + inputs[-1] if len(inputs) % 2 else total

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, ...]:
        saved = ctx.saved_values
        n = len(saved) // 2
        # d/dx_i = y_i and d/dy_i = x_i: the inputs' other halves, in input order (then the bias's 1).
        partners = saved[n : 2 * n] + saved[:n]
        if len(saved) % 2:
            return (*[grad * v for v in partners], grad)
        return tuple([grad * v for v in partners])


# ---------------------------------------------------------------------- losses
class BinaryCrossEntropy(ScalarFunction):
    """L(p) = -(y log p + (1 - y) log(1 - p)) for a constant target y, each log clamped at -100 (PyTorch's);
    dL/dp = (p - y) / max(p (1 - p), 1e-12).

    One node, as Tensor's fused BinaryCrossEntropy, with the same floor: a probability saturated to exactly 0 or 1
    still gets a finite slope, 0 where it is right and -1e12 or 1e12 where it is wrong, as in PyTorch.
    """

    name = "binary_cross_entropy"
    finite_derivatives = True  # the floor keeps the slope finite on all of [0, 1]

    @staticmethod
    def forward(ctx: Context, p: float, *, target: float) -> float:
        ctx.target = target
        ctx.save_for_backward(p)
        return -(target * max(_log(p), -100.0) + (1.0 - target) * max(_log(1.0 - p), -100.0))

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (p,) = ctx.saved_values
        return (grad * ((p - ctx.target) / max(p * (1.0 - p), 1e-12)),)
