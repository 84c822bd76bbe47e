"""`Value`: a scalar node of the computation graph.

Each method runs one op of `microgradnn.scalar.functions` (`Tanh`, `Mul`,
...), where its forward and its backward stand side by side. No op creates a
closure and nothing a node saves refers back to it, so no node is part of a
reference cycle and the garbage collector never has to chase a graph.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any, Union

from microgradnn.anomaly import check_forward
from microgradnn.engine import Context, Function, Node, chain_rule_step
from microgradnn.modes import ANOMALY, GRAD_MODE, SWITCHES

__all__ = ["ScalarFunction", "Value"]

Number = int | float
Operand = Union["Value", int, float]

_new = object.__new__


class ScalarFunction(Function):
    """A Function on `Value`s: `apply` unwraps the floats, runs forward, and records the node."""

    @classmethod
    def apply(cls, *inputs: Value, **constants: Any) -> Value:
        """Run forward on the inputs' floats (constants such as an exponent go by keyword) and record the node."""
        ctx = Context()
        # The same call for any arity; one and two inputs spelled out, as unpacking a list costs more than the op
        # itself (-25% on micrograd's demo step, benchmarks/run.py).
        n = len(inputs)
        if constants:
            out = cls.forward(ctx, *[x.data for x in inputs], **constants)
        elif n == 2:
            out = cls.forward(ctx, inputs[0].data, inputs[1].data)
        elif n == 1:
            out = cls.forward(ctx, inputs[0].data)
        else:
            out = cls.forward(ctx, *[x.data for x in inputs])
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        node.label = ""
        node._parents = inputs
        node._fn = cls
        node._ctx = ctx
        if SWITCHES.active:  # a mode block is open in some thread (modes.py): look at this thread's modes
            _apply_modes(node, cls, inputs)
        return node


def _apply_modes(node: Value, fn: type[Function], inputs: tuple[Value, ...]) -> None:
    """Under no_grad() the new node becomes a plain leaf; under detect_anomaly() its value is checked."""
    if not GRAD_MODE.enabled:
        node._parents = ()
        node._fn = None
        node._ctx = None
    if ANOMALY.enabled:
        check_forward(node, fn, inputs)


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


def _checked_float(data: object, who: str = "Value()") -> float:
    """Validate user data for a new Value: a real number (not a bool, not a Value)."""
    if isinstance(data, Value):
        raise TypeError(f"{who}: data is already a Value; use it directly, or Value(v.data) for a fresh leaf")
    if not isinstance(data, numbers.Real) or isinstance(data, bool):
        raise TypeError(f"{who}: data must be an int or a float, got {type(data).__name__} ({data!r})")
    try:
        return float(data)
    except OverflowError:
        raise OverflowError(
            f"{who}: {_short(data)} is too large for a float (max about 1.8e308); scale the inputs down"
        ) from None


def _short(number: object) -> str:
    """A huge number for an error message: an int by its length (repr of one past 4300 digits raises), else cut."""
    if isinstance(number, int) and number.bit_length() > 14_000:  # about 4200 digits: past it, repr may raise
        return f"an int of about {int(number.bit_length() * 0.30103) + 1} digits"
    shown = repr(number)
    if isinstance(number, int) and len(shown) > 60:
        return f"{shown[:20]}... (an int of {len(shown.lstrip('-'))} digits)"
    return shown if len(shown) <= 60 else shown[:57] + "..."


class Value(Node):
    """A scalar that remembers how it was computed.

    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> y = x * w + 1
    >>> y.backward()
    >>> x.grad, w.grad
    (-3.0, 2.0)

    `grad` is d(root)/d(self) after `root.backward()`; leaves accumulate it
    across calls until `zero_grad()`. Values compare by identity (``==`` is
    ``is``, as for Python objects, so sets and ``list.index`` work); compare
    numbers with ``v.data == w.data``. ``<``, ``<=``, ``>``, ``>=`` compare data.
    """

    __slots__ = ()

    _zero_grad = 0.0
    _skips_zero_gradients = True  # floats: a gradient of exactly 0 is cheap to spot (engine.py's zero shortcut)

    data: float
    grad: Any  # a float; a Value after backward(create_graph=True)

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = data if type(data) is float else _checked_float(data)
        self.grad = 0.0
        self.label = label if isinstance(label, str) else _bad_label(label)
        self._parents = ()
        self._fn = None
        self._ctx = None

    # ----------------------------------------------------------------- display
    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ""
        op = f", op={self.op!r}" if self._fn is not None else ""
        grad = self.grad.data if isinstance(self.grad, Value) else self.grad
        return f"Value({label}data={self.data:.6g}, grad={grad:.6g}{op})"

    def _repr_html_(self) -> str:
        from microgradnn._repr import value_html

        return value_html(self)

    def item(self) -> float:
        """The plain float (as `torch.Tensor.item()`)."""
        return self.data

    def __float__(self) -> float:
        return self.data

    # ------------------------------------------------------------ engine hooks
    def _seed(self, gradient: Any, create_graph: bool) -> Any:
        seed = 1.0 if gradient is None else _as_value(gradient, "backward(gradient)").data
        return Value(seed) if create_graph else seed

    def _local_derivatives(self) -> tuple[Any, ...]:
        # d(self)/d(parent_i) is the op's own backward at upstream 1: no second copy of any formula.
        return tuple(self._fn.backward(self._ctx, 1.0)) if self._fn is not None else ()

    @property
    def local_derivatives(self) -> tuple[Any, ...]:
        """d(self)/d(parent) for each parent, in the order of `parents` (the op's backward at upstream 1)."""
        return self._local_derivatives()

    # ------------------------------------------------- the micrograd lecture's names
    @property
    def _prev(self) -> set[Value]:
        """The set of this node's parents, as micrograd's `Value._prev` (ours keep order in `parents`)."""
        return set(self._parents)

    @property
    def _op(self) -> str:
        """The op's name, as micrograd's `Value._op` ('' for a leaf)."""
        return self.op

    def _backward(self) -> None:
        """This node's chain-rule step, as micrograd's `_backward()`: add its contributions into its parents' grad.

        The same step the engine performs for every node during `backward()`; a leaf does nothing.
        """
        if self._fn is not None:
            chain_rule_step(self)

    # ---------------------------------------------------------- arithmetic
    def __add__(self, other: Operand) -> Value:
        return F.Add.apply(self, other if type(other) is Value else _as_value(other, "+"))

    def __mul__(self, other: Operand) -> Value:
        return F.Mul.apply(self, other if type(other) is Value else _as_value(other, "*"))

    def __sub__(self, other: Operand) -> Value:
        return F.Sub.apply(self, other if type(other) is Value else _as_value(other, "-"))

    def __truediv__(self, other: Operand) -> Value:
        return F.Div.apply(self, other if type(other) is Value else _as_value(other, "/"))

    def __pow__(self, other: Operand) -> Value:
        """a ** b. With a plain number b the exponent is a constant (one parent, as in micrograd)."""
        if isinstance(other, Value):
            return F.Pow.apply(self, other)
        return F.PowConstExponent.apply(self, exponent=_as_value(other, "**").data)

    def __neg__(self) -> Value:
        return F.Neg.apply(self)

    def __radd__(self, other: Operand) -> Value:
        return F.Add.apply(_as_value(other, "+"), self)

    def __rmul__(self, other: Operand) -> Value:
        return F.Mul.apply(_as_value(other, "*"), self)

    def __rsub__(self, other: Operand) -> Value:
        return F.Sub.apply(_as_value(other, "-"), self)

    def __rtruediv__(self, other: Operand) -> Value:
        return F.Div.apply(_as_value(other, "/"), self)

    def __rpow__(self, other: Operand) -> Value:
        return F.PowConstBase.apply(self, base=_as_value(other, "**").data)

    # ------------------------------------------------------- comparisons
    # Ordering looks at `data` and returns plain bools; equality and hashing are by identity (see the class doc).
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

    # ------------------------------------------------------- functions
    def exp(self) -> Value:
        return F.Exp.apply(self)

    def log(self) -> Value:
        return F.Log.apply(self)

    def sqrt(self) -> Value:
        return F.Sqrt.apply(self)

    def tanh(self) -> Value:
        return F.Tanh.apply(self)

    def sigmoid(self) -> Value:
        return F.Sigmoid.apply(self)

    def relu(self) -> Value:
        return F.Relu.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        slope = _checked_float(negative_slope, "Value leaky_relu: negative_slope")
        return F.LeakyRelu.apply(self, negative_slope=slope)

    def abs(self) -> Value:
        return F.Abs.apply(self)

    __abs__ = abs

    def step(self) -> Value:
        return F.Step.apply(self)

    # ------------------------------------------------------- n-ary nodes
    @staticmethod
    def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:
        """x1 + ... + xn (+ start) as one `Sum` node; `start` is an input too when it is a Value."""
        parents = [_as_value(v, "sum") for v in _sequence(values, "sum")]
        if isinstance(start, Value) or _as_value(start, "sum").data != 0.0:
            parents.append(_as_value(start, "sum"))
        return F.Sum.apply(*parents)

    @staticmethod
    def dot(xs: Iterable[Operand], ys: Iterable[Operand], bias: Operand | None = None) -> Value:
        """x1*y1 + ... + xn*yn (+ bias) as one `Dot` node: a neuron's w . x + b. Inputs: x1..xn, y1..yn, bias."""
        xs = [x if type(x) is Value else _as_value(x, "dot") for x in _sequence(xs, "dot")]
        ys = [y if type(y) is Value else _as_value(y, "dot") for y in _sequence(ys, "dot")]
        if len(xs) != len(ys):
            raise ValueError(f"Value dot: the two sequences differ in length ({len(xs)} vs {len(ys)})")
        if bias is None:
            return F.Dot.apply(*xs, *ys)
        return F.Dot.apply(*xs, *ys, _as_value(bias, "dot"))


def _sequence(values: Any, op: str) -> Any:
    """The numbers or Values of Value.sum / Value.dot, or a clear error for anything that is not a sequence."""
    if isinstance(values, (Value, str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(
            f"Value.{op}: expected a list (or other iterable) of numbers or Values, got {type(values).__name__}; "
            f"e.g. Value.{op}([a, b, c])" + (", with the second list of the pairs" if op == "dot" else "")
        )
    return values


def _bad_label(label: object) -> str:
    raise TypeError(f"Value(): label must be a str, got {type(label).__name__} ({label!r})")


# Imported last: the ops in functions.py are ScalarFunctions, defined above.
from microgradnn.scalar import functions as F  # noqa: E402
