"""`gradgradcheck`: second derivatives against central differences of the first, with gradcheck's report."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from microgradnn import GradcheckError, Value, gradgradcheck
from microgradnn.gradcheck import GradgradcheckError
from microgradnn.scalar.value import ScalarFunction
from microgradnn.tensor import Tensor, TensorFunction
from microgradnn.testing import strategies as mst


class DetachedTanh(ScalarFunction):
    """tanh whose backward reads the plain float of its output: right first derivative, no second one."""

    name = "tanh"

    @staticmethod
    def forward(ctx: Any, x: float) -> float:
        out = math.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any]:
        (out,) = ctx.saved_values
        o = out.data if isinstance(out, Value) else out  # the bug: cuts the graph under create_graph
        return (grad * (1.0 - o * o),)


class WrongCurvatureSquare(TensorFunction):
    """x^2 whose backward is 2x for arrays but 2 * x.data + 0 * x for Tensors: its second derivative is 0."""

    name = "square"

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        if isinstance(x, Tensor):
            return (grad * (2 * x.data) + 0 * x,)
        return (grad * 2 * x,)


@given(x=mst.safe_floats("tanh"), y=mst.safe_floats("sigmoid"))
@settings(max_examples=20, deadline=None)
def test_passes_on_correct_ops(x: float, y: float) -> None:
    result = gradgradcheck(lambda a, b: (a * b).tanh() + a.sigmoid() * b, [Value(x), Value(y)])
    assert result.ok and len(result.rows) == 2 * 3  # two gradients, each by two inputs and one grad_output


def test_catches_a_backward_that_is_not_differentiable() -> None:
    with pytest.raises(GradgradcheckError) as info:
        gradgradcheck(lambda a: DetachedTanh.apply(a), [Value(0.8, label="x")])
    text = str(info.value)
    assert text.startswith("gradgradcheck failed:")
    assert "FAIL" in text and "d(u.f)/d(x)" in text
    assert isinstance(info.value, GradcheckError)  # one except clause catches both checks
    # the first derivative alone is right, so gradcheck cannot see this bug
    from microgradnn import gradcheck

    assert gradcheck(lambda a: DetachedTanh.apply(a), [Value(0.8)]).ok


def test_catches_a_wrong_second_derivative_of_a_tensor_op() -> None:
    x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True, label="x")
    result = gradgradcheck(lambda t: WrongCurvatureSquare.apply(t), [x], raise_on_failure=False)
    assert not result.ok
    bad = result.failures
    assert {r.input for r in bad} == {"x"} and len(bad) == 3  # the diagonal of the Hessian: 0 instead of 2u
    assert all(r.analytic == pytest.approx(0.0) for r in bad)
    assert "worst in x" in str(result)


def test_grad_outputs_can_be_given_or_left_out_of_the_check() -> None:
    x = Tensor(np.array([[0.1, 0.2], [0.3, 0.4]]), requires_grad=True)
    u = np.array([[1.0, -1.0], [0.5, 2.0]])
    with_u = gradgradcheck(lambda t: t.tanh(), [x], [u])
    without = gradgradcheck(lambda t: t.tanh(), [x], [u], check_grad_outputs=False)
    assert {r.input for r in with_u.rows} == {"input 0", "grad_output 0"}
    assert {r.input for r in without.rows} == {"input 0"}
    # d/dx_j of g_k = u_k tanh'(x_k): -2 u tanh(x) (1 - tanh(x)^2) on the diagonal, 0 elsewhere
    t = np.tanh(x.data)
    second = np.array([r.analytic for r in without.rows]).reshape(4, 4)  # rows: output k, then input element j
    np.testing.assert_allclose(second, np.diag((-2 * u * t * (1 - t * t)).ravel()), atol=1e-9)


def test_projected_mode_for_larger_inputs() -> None:
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((6, 5)), requires_grad=True)
    w = Tensor(rng.standard_normal((5, 4)), requires_grad=True)
    result = gradgradcheck(lambda a, b: (a @ b).tanh(), [x, w], mode="projected")
    assert result.ok and all(r.index.startswith("u.J.v") for r in result.rows)


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="gradgradcheck: inputs must be a list"):
        gradgradcheck(lambda a: a, Value(1.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="gradgradcheck: input 0 is a float"):
        gradgradcheck(lambda a: a, [1.0])
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape \(3,\) but output 0 has \(2,\)"):
        gradgradcheck(lambda t: t * t, [Tensor(np.ones(2), requires_grad=True)], [np.ones(3)])
    with pytest.raises(ValueError, match=r"1 output.*2 grad_outputs"):
        gradgradcheck(lambda a: a * a, [Value(1.0)], [1.0, 2.0])


def test_leaves_the_callers_nodes_alone() -> None:
    x = Value(0.3)
    x.grad = 9.0
    gradgradcheck(lambda a: a.exp() * a, [x])
    assert (x.data, x.grad) == (0.3, 9.0)
