"""`Value`: a scalar node of the computation graph.

Each op computes its result, records its parents and states its local
derivatives d(out)/d(parent) as plain floats, kept on the node. Backward (in
`engine.py`) multiplies them by the upstream gradient: that is the chain rule,
one edge at a time. No op creates a closure, so no node is part of a reference
cycle and the garbage collector never has to chase a graph.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Iterable
from typing import Union

from microgradnn.engine import GRAD_MODE, Node

__all__ = ["Value"]

Number = int | float
Operand = Union["Value", int, float]


def _as_value(x: object, op: str) -> Value:
    """Wrap a number as a leaf Value; reject anything that is not a real number."""
    if isinstance(x, Value):
        return x
    if type(x) is float or type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        return Value(x)
    if isinstance(x, Node):  # a Tensor: the two graphs do not mix
        raise TypeError(
            f"Value {op}: cannot combine a Value with a {type(x).__name__}; "
            "use Tensor(v.data) to lift the Value into a Tensor, or t.item() to take a number out"
        )
    raise TypeError(
        f"Value {op}: unsupported operand of type {type(x).__name__} ({x!r}); use a Value, an int or a float"
    )


def _checked_float(data: object) -> float:
    """Validate user data for a new Value: a real number (not a bool, not a Value)."""
    if isinstance(data, Value):
        raise TypeError("Value(): data is already a Value; use it directly, or Value(v.data) for a fresh leaf")
    if not isinstance(data, numbers.Real) or isinstance(data, bool):
        raise TypeError(f"Value(): data must be an int or a float, got {type(data).__name__} ({data!r})")
    try:
        return float(data)
    except OverflowError:
        raise _overflow("()", f"{data!r}") from None


def _overflow(op: str, detail: str) -> OverflowError:
    return OverflowError(f"Value {op}: {detail} is too large for a float (max about 1.8e308); scale the inputs down")


class Value(Node):
    """A scalar that remembers how it was computed.

    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> y = x * w + 1
    >>> y.backward()
    >>> x.grad, w.grad
    (-3.0, 2.0)

    `grad` is d(root)/d(self) after `root.backward()`; leaves accumulate it
    across calls until `zero_grad()`.
    """

    __slots__ = ("_local",)

    _zero_grad = 0.0

    data: float
    grad: float
    _local: tuple[float, ...]

    def __init__(
        self,
        data: Number,
        label: str = "",
        *,
        _parents: tuple[Value, ...] = (),
        _local: tuple[float, ...] = (),
        _op: str = "",
    ) -> None:
        if type(data) is float:  # the common case, every op result: no further checks
            self.data = data
        else:
            self.data = _checked_float(data)
        self.grad = 0.0
        self.label = label
        if _parents and GRAD_MODE.enabled:
            self._parents = _parents
            self._local = _local
            self._op = _op
        else:  # a leaf, or an op run under no_grad(): nothing to differentiate
            self._parents = ()
            self._local = ()
            self._op = ""

    # ----------------------------------------------------------------- display
    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ""
        op = f", op={self._op!r}" if self._op else ""
        return f"Value({label}data={self.data:.6g}, grad={self.grad:.6g}{op})"

    def item(self) -> float:
        """The plain float (as `torch.Tensor.item()`)."""
        return self.data

    def __float__(self) -> float:
        return self.data

    def _local_derivatives(self) -> tuple[float, ...]:
        return self._local

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, in the order of `parents`."""
        return self._local

    # ---------------------------------------------------------------- engine
    def _vjp(self, upstream: float) -> list[float]:
        # Chain rule on every edge: d(root)/d(parent) += d(self)/d(parent) * d(root)/d(self).
        return [local * upstream for local in self._local]

    def _check_backward_seed(self, gradient: object) -> float:
        if gradient is None:
            return 1.0
        return _as_value(gradient, "backward(gradient)").data

    # ---------------------------------------------------------- arithmetic
    def __add__(self, other: Operand) -> Value:
        """f(a, b) = a + b;  df/da = 1,  df/db = 1."""
        other = _as_value(other, "+")
        return Value(self.data + other.data, _parents=(self, other), _local=(1.0, 1.0), _op="+")

    def __mul__(self, other: Operand) -> Value:
        """f(a, b) = a * b;  df/da = b,  df/db = a."""
        other = _as_value(other, "*")
        return Value(self.data * other.data, _parents=(self, other), _local=(other.data, self.data), _op="*")

    def __sub__(self, other: Operand) -> Value:
        """f(a, b) = a - b;  df/da = 1,  df/db = -1."""
        other = _as_value(other, "-")
        return Value(self.data - other.data, _parents=(self, other), _local=(1.0, -1.0), _op="-")

    def __truediv__(self, other: Operand) -> Value:
        """f(a, b) = a / b;  df/da = 1/b,  df/db = -a/b^2."""
        other = _as_value(other, "/")
        a, b = self.data, other.data
        if b == 0.0:
            raise ValueError(f"Value /: division by zero ({a!r} / 0.0); keep the denominator away from 0")
        return Value(a / b, _parents=(self, other), _local=(1.0 / b, -a / (b * b)), _op="/")

    def __pow__(self, other: Operand) -> Value:
        """f(a, b) = a ** b;  df/da = b * a^(b-1),  df/db = a^b * ln(a).

        With a plain number b the exponent is a constant (one parent, as in
        micrograd); with a Value b it is a second parent and needs a > 0.
        """
        if isinstance(other, Value):
            return _power(self, other)
        return _power(self, _as_value(other, "**"), constant_exponent=True)

    def __neg__(self) -> Value:
        """f(a) = -a;  f'(a) = -1."""
        return Value(-self.data, _parents=(self,), _local=(-1.0,), _op="neg")

    def __radd__(self, other: Operand) -> Value:
        return _as_value(other, "+") + self

    def __rmul__(self, other: Operand) -> Value:
        return _as_value(other, "*") * self

    def __rsub__(self, other: Operand) -> Value:
        return _as_value(other, "-") - self

    def __rtruediv__(self, other: Operand) -> Value:
        return _as_value(other, "/") / self

    def __rpow__(self, other: Operand) -> Value:
        return _power(_as_value(other, "**"), self, constant_base=True)

    # ------------------------------------------------------- comparisons
    # Comparisons look at `data` and return plain bools; nodes still hash by
    # identity, so two different nodes are never confused in a set or dict.
    def _compare_data(self, other: object, op: str) -> float:
        return _as_value(other, op).data

    def __lt__(self, other: Operand) -> bool:
        return self.data < self._compare_data(other, "<")

    def __le__(self, other: Operand) -> bool:
        return self.data <= self._compare_data(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return self.data > self._compare_data(other, ">")

    def __ge__(self, other: Operand) -> bool:
        return self.data >= self._compare_data(other, ">=")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Value):
            return self.data == other.data
        if isinstance(other, numbers.Real):
            return self.data == other
        return NotImplemented

    __hash__ = Node.__hash__

    # ------------------------------------------------------- functions
    def exp(self) -> Value:
        """f(x) = e^x;  f'(x) = e^x."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise _overflow("exp", f"exp({self.data!r})") from None
        return Value(out, _parents=(self,), _local=(out,), _op="exp")

    def log(self) -> Value:
        """f(x) = ln(x) for x > 0;  f'(x) = 1/x."""
        x = self.data
        if not x > 0.0:
            raise ValueError(f"Value log: log is defined only for positive numbers, got {x!r}; keep the input above 0")
        return Value(math.log(x), _parents=(self,), _local=(1.0 / x,), _op="log")

    def sqrt(self) -> Value:
        """f(x) = sqrt(x) for x > 0;  f'(x) = 1 / (2 sqrt(x)).

        x = 0 is refused too: the derivative there is infinite.
        """
        x = self.data
        if not x > 0.0:
            raise ValueError(f"Value sqrt: sqrt needs a positive number (its derivative is infinite at 0), got {x!r}")
        out = math.sqrt(x)
        return Value(out, _parents=(self,), _local=(0.5 / out,), _op="sqrt")

    def tanh(self) -> Value:
        """f(x) = tanh(x);  f'(x) = 1 - tanh(x)^2."""
        out = math.tanh(self.data)
        return Value(out, _parents=(self,), _local=(1.0 - out * out,), _op="tanh")

    def sigmoid(self) -> Value:
        """f(x) = 1 / (1 + e^-x);  f'(x) = f(x) (1 - f(x))."""
        x = self.data
        # Two forms so that exp never overflows: e^-x is only taken for x >= 0.
        if x >= 0.0:
            out = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            out = e / (1.0 + e)
        return Value(out, _parents=(self,), _local=(out * (1.0 - out),), _op="sigmoid")

    def relu(self) -> Value:
        """f(x) = max(0, x);  f'(x) = 1 for x > 0, else 0."""
        x = self.data
        # relu'(0) = 0: at the kink we pick the left slope, as PyTorch does.
        return Value(x if x > 0.0 else 0.0, _parents=(self,), _local=(1.0 if x > 0.0 else 0.0,), _op="relu")

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """f(x) = x for x > 0, else negative_slope * x;  f'(x) = 1 or negative_slope."""
        x = self.data
        # leaky_relu'(0) = negative_slope: the left slope, as for relu.
        slope = 1.0 if x > 0.0 else float(negative_slope)
        return Value(x * slope, _parents=(self,), _local=(slope,), _op="leaky_relu")

    def abs(self) -> Value:
        """f(x) = |x|;  f'(x) = sign(x)."""
        x = self.data
        # abs'(0) = 0: the average of the two one-sided slopes (sign(0) = 0).
        sign = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
        return Value(abs(x), _parents=(self,), _local=(sign,), _op="abs")

    __abs__ = abs

    def step(self) -> Value:
        """The chapter's step activation: f(z) = 1 if z >= 0 else 0;  f'(z) = 0.

        The slope is 0 everywhere (and undefined at 0, where we also use 0), so
        no gradient passes through it: this is why networks use sigmoid instead.
        """
        return Value(1.0 if self.data >= 0.0 else 0.0, _parents=(self,), _local=(0.0,), _op="step")

    # ------------------------------------------------------- n-ary nodes
    @staticmethod
    def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:
        """f(x1, ..., xn) = start + x1 + ... + xn as one node;  df/dxi = 1.

        One node instead of n-1 additions: a shorter graph and a faster backward.
        """
        parents = tuple(_as_value(v, "sum") for v in values)
        total = math.fsum([p.data for p in parents]) + _as_value(start, "sum").data
        return Value(total, _parents=parents, _local=(1.0,) * len(parents), _op="sum")

    @staticmethod
    def dot(xs: Iterable[Operand], ys: Iterable[Operand], bias: Operand | None = None) -> Value:
        """f = x1*y1 + ... + xn*yn (+ bias) as one node;  df/dxi = yi,  df/dyi = xi,  df/dbias = 1.

        A neuron's weighted sum w . x + b in a single node. Parents are
        ordered x1..xn, y1..yn, then bias.
        """
        xs = [_as_value(x, "dot") for x in xs]
        ys = [_as_value(y, "dot") for y in ys]
        if len(xs) != len(ys):
            raise ValueError(f"Value dot: the two sequences differ in length ({len(xs)} vs {len(ys)})")
        x_data = [x.data for x in xs]
        y_data = [y.data for y in ys]
        total = sum(map(operator.mul, x_data, y_data))
        if bias is None:
            return Value(total, _parents=(*xs, *ys), _local=(*y_data, *x_data), _op="dot")
        b = _as_value(bias, "dot")
        return Value(total + b.data, _parents=(*xs, *ys, b), _local=(*y_data, *x_data, 1.0), _op="dot")


def _power(base: Value, exponent: Value, constant_base: bool = False, constant_exponent: bool = False) -> Value:
    """base ** exponent with every domain problem turned into a clear ValueError."""
    a, b = base.data, exponent.data
    if a == 0.0 and b < 0.0:
        raise ValueError(f"Value **: 0.0 ** {b!r} divides by zero; keep the base away from 0")
    if a < 0.0 and b != int(b):
        raise ValueError(f"Value **: a negative base to a fractional power is not a real number ({a!r} ** {b!r})")
    if not constant_exponent and a < 0.0:
        raise ValueError(
            f"Value **: with a Value exponent, d/db (a ** b) = a^b ln(a) needs a > 0, got a = {a!r}; "
            "use a plain number as the exponent if it is a constant"
        )
    if not constant_base and a == 0.0 and 0.0 < b < 1.0:
        raise ValueError(f"Value **: the derivative of a ** {b!r} is infinite at a = 0.0")
    try:
        out = a**b
        # d/da = b * a^(b-1); for b = 0 the result is constant, so 0 (also at a = 0).
        d_base = 0.0 if b == 0.0 or constant_base else b * a ** (b - 1.0)
    except OverflowError:
        raise _overflow("**", f"{a!r} ** {b!r}") from None
    # d/db = a^b ln(a); at a = 0 (b > 0) the limit is 0.
    d_exponent = out * math.log(a) if a > 0.0 else 0.0
    if constant_exponent:
        return Value(out, _parents=(base,), _local=(d_base,), _op=f"**{b:g}")
    if constant_base:
        return Value(out, _parents=(exponent,), _local=(d_exponent,), _op=f"{a:g}**")
    return Value(out, _parents=(base, exponent), _local=(d_base, d_exponent), _op="**")
