"""gradcheck and numeric_grad on Values: the checker must catch wrong gradients."""

import math

import pytest

from microgradnn import GradcheckError, Value, gradcheck, numeric_grad
from microgradnn.scalar.value import ScalarFunction


class WrongTanh(ScalarFunction):
    """tanh with a deliberately wrong derivative (1 - tanh instead of 1 - tanh^2)."""

    name = "wrong_tanh"

    @staticmethod
    def forward(ctx, x):
        out = math.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return (grad * (1.0 - out),)


def wrong_tanh(x: Value) -> Value:
    return WrongTanh.apply(x)


def test_numeric_grad_central_differences():
    (g,) = numeric_grad(lambda x: x * x * x, [Value(2.0)])
    assert g == pytest.approx(12.0, rel=1e-6)
    gx, gy = numeric_grad(lambda x, y: x * y, [Value(3.0), Value(-4.0)])
    assert gx == pytest.approx(-4.0) and gy == pytest.approx(3.0)


def test_numeric_grad_needs_a_scalar():
    with pytest.raises(ValueError, match="scalar"):
        numeric_grad(lambda x: [x, x * 2], [Value(1.0)])


def test_gradcheck_passes_a_correct_gradient():
    result = gradcheck(lambda x: x.tanh(), [Value(0.7)])
    assert result.ok and bool(result)
    assert len(result.rows) == 1


def test_gradcheck_catches_a_wrong_gradient():
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_tanh, [Value(0.7, label="x")])
    text = str(info.value)
    assert "FAIL" in text and "x" in text and "analytic" in text and "numeric" in text
    assert not info.value.result.ok


def test_gradcheck_report_without_raising():
    result = gradcheck(wrong_tanh, [Value(0.7)], raise_on_failure=False)
    assert not result.ok
    (row,) = result.failures
    assert row.analytic == pytest.approx(1 - math.tanh(0.7))
    assert row.numeric == pytest.approx(1 - math.tanh(0.7) ** 2, rel=1e-6)


def test_several_outputs_are_checked_one_by_one():
    # d/dx of (x, -x) sums to zero, so a summed check would miss the wrong second output.
    def f(x):
        return [x * 1.0, wrong_tanh(x) - x.tanh() - x]

    result = gradcheck(f, [Value(0.3)], raise_on_failure=False)
    assert [r.output for r in result.rows] == [0, 1]
    assert result.rows[0].ok and not result.rows[1].ok


def test_gradcheck_does_not_touch_the_callers_values():
    x = Value(0.5)
    x.grad = 7.0
    w = Value(2.0)  # a parameter closed over by f
    gradcheck(lambda v: v * w, [x])
    assert x.grad == 7.0 and x.data == 0.5
    assert w.grad == 0.0


def test_gradcheck_rejects_bad_inputs():
    with pytest.raises(TypeError, match="list"):
        gradcheck(lambda x: x, Value(1.0))
    with pytest.raises(TypeError, match="input 0"):
        gradcheck(lambda x: x, [1.0])
    with pytest.raises(TypeError, match="must return"):
        gradcheck(lambda x: 3.0, [Value(1.0)])
