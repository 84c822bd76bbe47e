"""gradcheck on Tensors: full Jacobian, projected mode, wrong shapes, and the caller's tensors left alone."""

import importlib

import numpy as np
import pytest

from microgradnn import GradcheckError, Tensor, gradcheck, numeric_grad
from microgradnn.tensor import TensorFunction

gradcheck_module = importlib.import_module("microgradnn.gradcheck")  # the module, not the function of that name


class WrongSin(TensorFunction):
    name = "wrong_sin"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return (grad * np.cos(x) * np.where(x > 0.5, 1.1, 1.0),)  # wrong by 10% where x > 0.5


def wrong_sin(x):
    return WrongSin.apply(x)


class NoUnbroadcast(Tensor):
    """A node kind that forgets to sum broadcast gradients back to each parent's shape."""

    __slots__ = ()

    @staticmethod
    def _conform(node, grads):
        return list(grads)


def forgetful_add(a, b):
    out = a + b
    out.__class__ = NoUnbroadcast
    return out


def test_full_mode_checks_every_pair_of_elements():
    x = Tensor(np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]), label="x")
    w = Tensor(np.array([1.0, -2.0, 0.5]), label="w")
    result = gradcheck(lambda x, w: (x * w).tanh(), [x, w], mode="full")
    assert result.ok and len(result.rows) == 6 * (6 + 3)
    assert {r.index for r in result.rows if r.input == "x"} == {f"({i}, {j})" for i in range(2) for j in range(3)}


def test_a_wrong_gradient_is_reported_with_its_worst_elements():
    x = Tensor(np.array([[0.1, 0.9], [0.3, 0.7]]), label="x")
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_sin, [x])
    result = info.value.result
    assert {(r.output, r.index) for r in result.failures} == {(1, "(0, 1)"), (3, "(1, 1)")}
    worst = result.worst()["x"]
    assert worst.index == "(1, 1)"  # the error is 0.1 cos(x), bigger at x = 0.7 than at 0.9
    text = str(info.value)
    assert "worst in x: element (1, 1)" in text and "FAIL" in text


def test_projected_mode_catches_a_wrong_gradient_and_names_the_input():
    rng = np.random.default_rng(0)
    x = Tensor(rng.uniform(0.6, 1.0, (20, 30)), label="x")
    y = Tensor(rng.standard_normal((20, 30)), label="y")
    result = gradcheck(lambda x, y: wrong_sin(x) * y, [x, y], mode="projected", raise_on_failure=False)
    assert not result.ok
    assert {r.input for r in result.failures} == {"x"}  # y's gradient is right
    assert "mode='full'" in str(result)
    assert len(result.rows) == 3 * 2


def test_projected_mode_is_seeded():
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((10, 10)))

    def f(x):
        return (x @ x).tanh()

    first = gradcheck(f, [x], mode="projected", seed=3)
    again = gradcheck(f, [x], mode="projected", seed=3)
    other = gradcheck(f, [x], mode="projected", seed=4, projections=2)
    assert [r.analytic for r in first.rows] == [r.analytic for r in again.rows]
    assert [r.analytic for r in first.rows] != [r.analytic for r in other.rows[:3]]
    assert len(other.rows) == 2


def test_auto_mode_projects_above_the_limit(monkeypatch):
    x = Tensor(np.linspace(0.1, 1.0, 12).reshape(3, 4))
    assert len(gradcheck(lambda t: t.exp(), [x]).rows) == 12 * 12
    monkeypatch.setattr(gradcheck_module, "FULL_JACOBIAN_LIMIT", 100)
    result = gradcheck(lambda t: t.exp(), [x])
    assert len(result.rows) == 3 and result.rows[0].index == "u.J.v #0"


def test_a_gradient_of_the_wrong_shape_gets_a_broadcasting_hint():
    a = Tensor(np.ones((2, 3)), label="a")
    b = Tensor(np.ones(3), label="b")
    with pytest.raises(GradcheckError) as info:
        gradcheck(forgetful_add, [a, b])
    text = str(info.value)
    assert "b has shape (2, 3) but the input has shape (3,)" in text
    assert "broadcast" in text and "summed back" in text
    gradcheck(lambda a, b: a + b, [a, b])  # the real op sums back


def test_the_callers_tensors_are_left_alone():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x.grad = np.array([7.0, 7.0])
    bias = Tensor(np.array([0.5, 0.5]), requires_grad=True)  # a parameter captured by f, not an input
    bias.grad = np.array([3.0, 3.0])
    before = x.data.copy()
    for mode in ("full", "projected"):
        gradcheck(lambda t: (t * t + bias).sum(), [x], mode=mode)
    np.testing.assert_array_equal(x.data, before)
    np.testing.assert_array_equal(x.grad, [7.0, 7.0])
    np.testing.assert_array_equal(bias.grad, [3.0, 3.0])
    assert x.data.dtype == np.float64


def test_float32_inputs_are_checked_in_float64():
    x = Tensor([0.3, 0.7])  # float32
    result = gradcheck(lambda t: t.tanh() * t.exp(), [x])
    assert result.ok and x.dtype == np.float32


def test_several_tensor_outputs_and_numeric_grad():
    x = Tensor(np.array([0.2, -0.4, 0.9]))
    result = gradcheck(lambda t: [t.exp(), t.sum() * 2], [x])
    assert len(result.rows) == (3 + 1) * 3
    (g,) = numeric_grad(lambda t: (t * t).sum(), [x])
    assert g.shape == (3,)
    np.testing.assert_allclose(g, 2 * x.data, rtol=1e-6)


def test_bad_arguments():
    with pytest.raises(TypeError, match="dtype int64"):
        gradcheck(lambda t: t * 2, [Tensor([1, 2], dtype=np.int64)])
    with pytest.raises(ValueError, match="mode"):
        gradcheck(lambda t: t * 2, [Tensor([1.0])], mode="fast")


def test_a_new_function_is_recorded_like_a_built_in_one():
    class Sin(TensorFunction):
        """f(x) = sin(x);  f'(x) = cos(x)."""

        name = "sin"

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.sin(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_values
            return (grad * np.cos(x),)

    gradcheck(lambda t: Sin.apply(t) * t, [Tensor(np.linspace(-1, 1, 5))])
    y = Sin.apply(Tensor([1.0], requires_grad=True))
    assert y.op == "sin" and y.requires_grad and y.grad_fn is Sin
