"""Value and Tensor agree, op by op, with each other and with PyTorch (float64), NaN and inf included.

Every op that exists on both engines runs on a leaf Value, on a 0-d float64 Tensor and on a 0-d float64 torch
tensor, at the special points (0, -0, +-1, 0.5, the smallest subnormal, 1e308, +-inf, nan; every pair of them for
a binary op, and a number on either side of an operator) and at hypothesis's ordinary numbers. Compared: the
value (Value against Tensor also in the sign of a zero) and the gradient of every input after ``backward()``.

Where a cell is left out, the comment names the reason: a convention of docs/design.md's tables or a difference
from PyTorch that docs/api/ops.md states. Comparisons, bad operands, keyword spellings, the repr and
detect_anomaly() close it.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from microgradnn import Tensor, Value, detect_anomaly
from microgradnn.tensor import stack
from microgradnn.testing import strategies as mst

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TINY = 5e-324  # the smallest subnormal
SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, TINY, 1e308, math.inf, -math.inf, math.nan]
NUMBERS = st.one_of(st.sampled_from(SPECIALS), mst.safe_floats("any"))
SETTINGS = settings(max_examples=15, deadline=None)


def _leaky(x: Any, slope: float = 0.01) -> Any:
    return TF.leaky_relu(x, negative_slope=slope) if isinstance(x, torch.Tensor) else x.leaky_relu(negative_slope=slope)


def _step(x: Any) -> Any:
    if isinstance(x, torch.Tensor):  # torch.heaviside has no derivative; step' = 0 (design.md, "At kinks")
        return torch.heaviside(x.detach(), torch.tensor(1.0, dtype=torch.float64)).requires_grad_()
    return x.step()


# name -> f, the same spelling on a Value, a Tensor and a torch tensor
UNARY: dict[str, Callable[[Any], Any]] = {
    "neg": lambda x: -x,
    "abs()": lambda x: abs(x),
    "abs": lambda x: x.abs(),
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "leaky_relu": _leaky,
    "leaky_relu(0.2)": lambda x: _leaky(x, 0.2),
    "step": _step,
    "x*x": lambda x: x * x,
    "x/x": lambda x: x / x,
    "x-x": lambda x: x - x,
    "x**x": lambda x: x**x,
}
for _c in (2, 3, -1, -2, 0, 1, 0.5, -0.5, 1.5, math.inf, -math.inf, math.nan):
    UNARY[f"x**{_c}"] = lambda x, c=_c: x**c
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}


# ------------------------------------------------------------------ the three engines
def _run_value(f: Callable[..., Any], xs: tuple[float, ...], consts: tuple[bool, ...]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in xs]
    out = f(*[x if c else v for x, v, c in zip(xs, leaves, consts)])
    out.backward()
    return out.data, [v.grad for v in leaves]


def _run_tensor(f: Callable[..., Any], xs: tuple[float, ...], consts: tuple[bool, ...]) -> tuple[float, list[float]]:
    leaves = [Tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in xs]
    with np.errstate(all="ignore"):  # (Add and Mul warn at inf - inf and 0 * inf; the numbers are the point here)
        out = f(*[x if c else t for x, t, c in zip(xs, leaves, consts)])
        out.backward()
    assert out.dtype == np.float64
    return float(out.data), [0.0 if t.grad is None else float(t.grad) for t in leaves]


def _run_torch(f: Callable[..., Any], xs: tuple[float, ...], consts: tuple[bool, ...]) -> tuple[float, list[float]]:
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = f(*[x if c else t for x, t, c in zip(xs, leaves, consts)])
    out.backward()
    return float(out.detach()), [0.0 if t.grad is None else float(t.grad) for t in leaves]


def _close(a: float, b: float, rtol: float, signed_zero: bool, atol: float = 0.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return not signed_zero or a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b)
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= rtol * max(abs(a), abs(b)) + atol


# ---------------------------------------------------------------- the cells left out
def _torch_differs(name: str, xs: tuple[float, ...], consts: tuple[bool, ...], out: float) -> bool:
    # PyTorch's CPU kernels flush or divide by subnormals (0 / 5e-324 is nan there; sigmoid(-710) is 0): the same
    # reason tests/torch_reference.py flushes them before comparing.
    if any(x != 0.0 and abs(x) < 2.2250738585072014e-308 for x in (*xs, out)):
        return True
    # PyTorch divides by b * b in the gradient of a / b, which overflows for a huge b and underflows to 0 for a
    # tiny one (nan, where ours is -(a / b) / b: Div's docstring); a / b is a * (1 / b) there (1e308 / 1e308 is
    # 0.9999999999999999).
    divisor = xs[-1]
    if name in ("/", "x/x") and math.isfinite(divisor) and divisor != 0.0 and not 1e-150 < abs(divisor) < 1e150:
        return True
    # x ** 0.5, x ** -0.5: IEEE's pow here, PyTorch's sqrt and rsqrt at -0 and -inf (docs/api/ops.md, "Where we
    # differ from PyTorch"); PyTorch's backward of x ** 1.5 takes x ** 0.5 as sqrt too.
    constant_exponent = float(name[3:]) if name.startswith("x**") and name != "x**x" else None
    if name == "**" and consts[1]:
        constant_exponent = xs[1]
    if constant_exponent in (0.5, -0.5, 1.5) and xs[0] in (-math.inf, 0.0) and math.copysign(1.0, xs[0]) < 0:
        return True
    # step(nan) = nan here, 0 in torch.heaviside (design.md's NaN table: "step(nan) | nan | 0").
    return name == "step" and math.isnan(xs[0])


# math's and NumPy's exp, tanh, ... may differ in the last bit, and 1 - tanh(x)^2 magnifies that near saturation.
GRAD_TOL = (1e-12, 1e-15)


def _agree(name: str, f: Callable[..., Any], xs: tuple[float, ...], consts: tuple[bool, ...]) -> None:
    value, v_grads = _run_value(f, xs, consts)
    where = f"{name} at {xs} (constants: {consts})"
    tensor, t_grads = _run_tensor(f, xs, consts)
    assert _close(value, tensor, 1e-15, True), f"{where}: Value {value!r}, Tensor {tensor!r}"
    for i, (gv, gt) in enumerate(zip(v_grads, t_grads)):
        # A zero gradient's sign is not compared: a Value leaf accumulates into grad = 0.0 (design.md's
        # "grad before backward" row), and 0.0 + -0.0 is 0.0.
        assert _close(gv, gt, GRAD_TOL[0], False, GRAD_TOL[1]), f"{where}: d/dx{i} Value {gv!r}, Tensor {gt!r}"
    if not _torch_differs(name, xs, consts, value):
        ref, p_grads = _run_torch(f, xs, consts)
        # (the sign of a zero against PyTorch: relu(-0.0) is -0.0 there, 0.0 in both engines here)
        assert _close(value, ref, 1e-13, False), f"{where}: Value {value!r}, PyTorch {ref!r}"
        for i, (gv, gp) in enumerate(zip(v_grads, p_grads)):
            assert _close(gv, gp, GRAD_TOL[0], False, GRAD_TOL[1]), f"{where}: d/dx{i} Value {gv!r}, PyTorch {gp!r}"


def _with_special_rows(test: Callable[..., Any], arity: int) -> Callable[..., Any]:
    """@example rows for every special point (every pair of them for a binary op)."""
    names = ("x",) if arity == 1 else ("a", "b")
    for row in itertools.product(SPECIALS, repeat=arity):
        test = example(**dict(zip(names, row)))(test)
    return test


# ---------------------------------------------------------------- value and gradient
@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(x=NUMBERS)
def _unary(name: str, x: float) -> None:
    _agree(name, UNARY[name], (x,), (False,))


test_unary_ops_agree_with_tensor_and_torch = _with_special_rows(_unary, 1)


@pytest.mark.parametrize("side", ["both", "number left", "number right"])
@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(a=NUMBERS, b=NUMBERS)
def _binary(name: str, side: str, a: float, b: float) -> None:
    consts = {"both": (False, False), "number left": (True, False), "number right": (False, True)}[side]
    _agree(name, BINARY[name], (a, b), consts)


test_binary_ops_agree_with_tensor_and_torch = _with_special_rows(_binary, 2)


def _sum_of(a: Any, b: Any) -> Any:
    if isinstance(a, Value):
        return Value.sum([a, b, a])
    return (torch.stack if isinstance(a, torch.Tensor) else stack)([a, b, a]).sum()


def _dot_of(a: Any, b: Any) -> Any:
    if isinstance(a, Value):
        return Value.dot([a, b], [b, a])
    join = torch.stack if isinstance(a, torch.Tensor) else stack
    return join([a, b]).dot(join([b, a]))


@pytest.mark.parametrize("name", ["sum", "dot"])
@SETTINGS
@given(a=NUMBERS, b=NUMBERS)
def _nary(name: str, a: float, b: float) -> None:
    _agree(name, {"sum": _sum_of, "dot": _dot_of}[name], (a, b), (False, False))


test_sum_and_dot_agree_with_tensor_and_torch = _with_special_rows(_nary, 2)


# NumPy 2 takes x ** 0.5 as sqrt(x) (-0 and nan at -0 and -inf); Tensor's ** is IEEE pow there, as Value's and as
# ops.md says (primitives.ieee_power), also for a tensor exponent and in the gradient of x ** 1.5.
@pytest.mark.parametrize(
    ("base", "exponent", "tensor_exponent", "out", "d_base"),
    [
        (-0.0, 0.5, False, 0.0, math.inf),
        (-math.inf, 0.5, False, math.inf, 0.0),
        (-math.inf, 1.5, False, math.inf, math.inf),
        (-0.0, 0.5, True, 0.0, math.inf),
        (-math.inf, 0.5, True, math.inf, 0.0),
    ],
)
def test_tensor_pow_half_is_ieee_pow(base, exponent, tensor_exponent, out, d_base):
    v = Value(base)
    y = v ** (Value(exponent) if tensor_exponent else exponent)
    y.backward()
    assert _close(y.data, out, 0.0, True) and _close(v.grad, d_base, 0.0, False)  # Value: IEEE pow
    t = Tensor(np.array(base), requires_grad=True)
    with np.errstate(all="ignore"):
        ty = t ** (Tensor(np.array(exponent)) if tensor_exponent else exponent)
        ty.backward()
    assert _close(float(ty.data), out, 0.0, True), f"Tensor {float(ty.data)!r}, Value and ops.md {out!r}"
    assert _close(float(t.grad), d_base, 0.0, False), f"Tensor gradient {float(t.grad)!r}, Value {d_base!r}"


# ----------------------------------------------------------------------- comparisons
@pytest.mark.parametrize("op", [operator.lt, operator.le, operator.gt, operator.ge], ids=["<", "<=", ">", ">="])
@SETTINGS
@given(a=NUMBERS, b=NUMBERS)
def _compare(op: Callable[[Any, Any], Any], a: float, b: float) -> None:
    ref = bool(op(torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)))
    va, vb = Value(a), Value(b)
    ta, tb = Tensor(np.array(a)), Tensor(np.array(b))
    answers = [op(va, vb), op(va, b), op(a, vb), bool(op(ta, tb).data), bool(op(ta, b).data), bool(op(a, tb).data)]
    assert answers == [ref] * 6, f"{op.__name__}({a}, {b}): Value, Value/number, number/Value, Tensor x3: {answers}"
    assert isinstance(op(va, vb), bool) and op(ta, tb).dtype == np.bool_  # design.md: a bool, a bool tensor


test_comparisons_agree_with_tensor_and_torch = _with_special_rows(_compare, 2)


# ---------------------------------------------------------------------- bad operands
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {**BINARY, "<": operator.lt, ">=": operator.ge}


@pytest.mark.parametrize("symbol", ["+", "-", "*", "/", "**", "<", ">="])
@pytest.mark.parametrize("bad", ["a", None], ids=["str", "None"])
def test_bad_operands_raise_type_errors_naming_the_op(symbol, bad):
    op = OPERATORS[symbol]
    for node, kind in ((Value(2.0), "Value"), (Tensor(np.array(2.0)), "Tensor")):
        for left, right in ((node, bad), (bad, node)):
            with pytest.raises(TypeError, match=rf"{kind} .*unsupported operand of type {type(bad).__name__}"):
                op(left, right)


def test_a_list_is_refused_by_value_and_taken_as_an_array_by_tensor():
    # design.md's "data" row: a Value holds one float, a Tensor an array, so [1.0] is a Tensor operand only.
    with pytest.raises(TypeError, match=r"Value \+: unsupported operand of type list"):
        operator.add(Value(2.0), [1.0])
    with pytest.raises(TypeError, match=r"Value \*: unsupported operand of type list"):
        operator.mul([1.0], Value(2.0))
    assert operator.add(Tensor(np.array(2.0)), [1.0]).data.tolist() == [3.0]


@pytest.mark.parametrize("symbol", ["+", "-", "*", "/", "**", "<"])
def test_a_value_and_a_tensor_do_not_mix_either_way(symbol):
    op = OPERATORS[symbol]
    v, t = Value(2.0), Tensor(np.array(2.0), requires_grad=True)
    with pytest.raises(TypeError, match=r"Tensor\(v\.data\)"):
        op(v, t)
    with pytest.raises(TypeError, match=r"Tensor\(v\.data\)"):
        op(t, v)
    for make in (lambda: Tensor(v), lambda: Value(t)):
        with pytest.raises(TypeError):
            make()


# ------------------------------------------------------------------- keyword spellings
@pytest.mark.parametrize("slope", [0.2, 1, -0.5, np.float64(0.3), math.inf])
def test_negative_slope_is_spelled_and_taken_the_same(slope):
    v = Value(-2.0).leaky_relu(negative_slope=slope)
    t = Tensor(np.array(-2.0)).leaky_relu(negative_slope=slope)
    p = TF.leaky_relu(torch.tensor(-2.0, dtype=torch.float64), negative_slope=float(slope))
    assert v.data == float(t.data) == float(p)
    assert Value(-2.0).leaky_relu(slope).data == v.data  # by position too, on both
    assert float(Tensor(np.array(-2.0)).leaky_relu(slope).data) == v.data


@pytest.mark.parametrize("slope", ["a", None, True, np.array(0.3)], ids=["str", "None", "bool", "array"])
def test_a_bad_negative_slope_is_refused_by_both(slope):
    for node in (Value(-2.0), Tensor(np.array(-2.0))):
        with pytest.raises(TypeError, match="leaky_relu"):
            node.leaky_relu(negative_slope=slope)


def test_label_is_spelled_the_same_and_checked_the_same():
    v, t = Value(1.0, label="x"), Tensor(1.0, label="x")
    assert v.label == t.label == "x"
    assert "label='x'" in repr(v) and "label='x'" in repr(t)
    for make in (lambda: Value(1.0, label=3), lambda: Tensor(1.0, label=3)):
        with pytest.raises(TypeError, match=r"label must be a str, got int \(3\)"):
            make()
    y, ty = Value(2.0) * 3, Tensor(np.array(2.0), requires_grad=True) * 3
    assert y.label == ty.label == "" and y.op == ty.op == "*"


@pytest.mark.parametrize("x", [1.5, -0.0, math.nan, math.inf, -math.inf])
def test_repr_shows_the_number_the_same_way_for_specials(x):
    v, t = repr(Value(x, label="a")), repr(Tensor(np.array(x), label="a"))
    shown = {1.5: "1.5", -0.0: "-0", math.inf: "inf", -math.inf: "-inf"}.get(x, "nan")
    assert f"data={shown}," in v and t.startswith(f"Tensor({shown}")


# --------------------------------------------------------------------- detect_anomaly
ANOMALIES: dict[str, tuple[Callable[[Any], Any], float, str]] = {
    # name: (f, x, where the first NaN or inf appears)
    "log(0)": (lambda x: x.log(), 0.0, "log produced inf"),
    "0/0": (lambda x: x / x, 0.0, "/ produced nan"),
    "exp(1000)": (lambda x: x.exp(), 1000.0, "exp produced inf"),
    "nan leaf": (lambda x: x.relu() * 2, math.nan, "relu produced nan"),
    "step(nan)": (lambda x: x.step(), math.nan, "step produced nan"),
    "sqrt(0) backward": (lambda x: x.sqrt(), 0.0, "the backward of sqrt"),
    "x ** -1 at 0": (lambda x: x**-1, 0.0, r"\*\*-1 produced inf"),
}


@pytest.mark.parametrize("name", sorted(ANOMALIES))
def test_detect_anomaly_stops_both_at_the_same_first_nan(name):
    f, x, first = ANOMALIES[name]
    messages = []
    for leaf in (Value(x), Tensor(np.array(x), requires_grad=True)):
        with pytest.raises(FloatingPointError, match=first) as caught, detect_anomaly():
            f(leaf).backward()
        messages.append(str(caught.value))
    # The same words, but for the Tensor's index of its first bad element.
    assert messages[0] == messages[1].replace(" (first at index ())", "")
