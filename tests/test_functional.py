"""`microgradnn.grad` and `microgradnn.functional` (jacobian, hessian, vjp, jvp, hvp).

Results are checked against central differences (`numeric_grad`, and differences of `grad` itself for
second derivatives) and, where torch is installed, against torch.autograd.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgradnn
from microgradnn import Function, Value, grad, numeric_grad
from microgradnn import functional as F
from microgradnn.tensor import Tensor
from microgradnn.testing import strategies as mst

FEW = settings(max_examples=10, deadline=None)


def _f(a: Value, b: Value) -> Value:
    return (a * b).tanh() + a * a * b


def _tf(x: Tensor) -> Tensor:
    return (x.tanh() * x).sum() + (x * x).sum() ** 2


def _numeric_hessian(f: Any, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Central differences of the exact gradient (grad), one column per element of x."""
    cols = []
    for j in range(x.size):
        step = np.zeros_like(x)
        step.flat[j] = eps
        plus, minus = Tensor(x + step, requires_grad=True), Tensor(x - step, requires_grad=True)
        (gp,), (gm,) = grad(f(plus), plus), grad(f(minus), minus)
        cols.append(((gp - gm) / (2 * eps)).ravel())
    return np.stack(cols, axis=1)


# ------------------------------------------------------------------ grad
@given(a=mst.safe_floats("tanh"), b=mst.safe_floats("tanh"))
@FEW
def test_grad_matches_finite_differences_and_touches_no_grad(a: float, b: float) -> None:
    x, y = Value(a, label="x"), Value(b, label="y")
    x.grad, y.grad = 5.0, -7.0  # accumulated earlier: must stay
    out = _f(x, y)
    inner = out.parents[0]
    inner.grad = 11.0
    gx, gy = grad(out, [x, y])
    assert (gx, gy) == pytest.approx(tuple(numeric_grad(_f, [Value(a), Value(b)])), abs=1e-6)
    assert (x.grad, y.grad, inner.grad) == (5.0, -7.0, 11.0)
    assert type(gx) is float


def test_grad_of_tensors_returns_arrays_and_keeps_grads() -> None:
    x = Tensor(np.array([[0.5, -1.0], [2.0, 0.3]]), requires_grad=True)
    x.grad = np.full((2, 2), 3.0)
    (g,) = grad(_tf(x), x)
    assert type(g) is np.ndarray and g.shape == (2, 2)
    np.testing.assert_allclose(g, numeric_grad(_tf, [x])[0], atol=1e-6)
    np.testing.assert_array_equal(x.grad, np.full((2, 2), 3.0))


def test_grad_agrees_with_backward() -> None:
    x = Tensor(np.array([0.1, 0.7, -0.4]), requires_grad=True)
    (g,) = grad(_tf(x), [x])
    _tf(x).backward()
    np.testing.assert_allclose(g, x.grad)


def test_grad_with_several_outputs_and_seeds() -> None:
    a, b = Value(0.3), Value(-1.2)
    y1, y2 = a * b, (a + b).exp()
    ga, gb = grad([y1, y2], [a, b], [2.0, -0.5])
    assert ga == pytest.approx(2.0 * b.data - 0.5 * np.exp(a.data + b.data))
    assert gb == pytest.approx(2.0 * a.data - 0.5 * np.exp(a.data + b.data))


def test_grad_with_respect_to_an_interior_node() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3.0
    out = (h * h).sum()
    gh, gx = grad(out, [h, x])
    np.testing.assert_allclose(gh, 2 * h.data)
    np.testing.assert_allclose(gx, 18 * x.data)


def test_grad_of_a_non_scalar_output_needs_grad_outputs() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad: output 0 has shape \(3,\).*grad_outputs"):
        grad(x * 2.0, x)
    (g,) = grad(x * 2.0, x, np.array([1.0, 0.0, -1.0]))
    np.testing.assert_allclose(g, [2.0, 0.0, -2.0])


def test_grad_refuses_an_unused_input_unless_allowed() -> None:
    a, b = Value(1.0), Value(2.0, label="b")
    with pytest.raises(RuntimeError, match=r"inputs\[1\] 'b' is not used.*allow_unused=True"):
        grad(a * a, [a, b])
    assert grad(a * a, [a, b], allow_unused=True) == (2.0, None)


def test_grad_errors_name_the_problem() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"does not require grad.*requires_grad=True"):
        grad(x.sum(), Tensor(np.ones(2)))
    with pytest.raises(TypeError, match=r"grad: inputs\[0\] is a float"):
        grad(x.sum(), [1.0])
    with pytest.raises(TypeError, match=r"Value and Tensor|separate graphs"):
        grad(x.sum(), Value(1.0))
    with pytest.raises(ValueError, match=r"2 output.*1 grad_outputs"):
        grad([x.sum(), x.sum()], x, [None])
    with pytest.raises(ValueError, match=r"grad_outputs\[0\].*shape"):
        grad(x * 1.0, x, np.ones(3))
    with pytest.raises(RuntimeError, match=r"output 0 .* does not require grad"):
        grad(Tensor(np.ones(2)).sum(), x)


class _Boom(Function):
    """An op whose backward fails, to see that grad leaves every .grad as it was."""

    name = "boom"

    @staticmethod
    def forward(ctx: Any, x: float) -> float:
        return x

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any]:
        raise ZeroDivisionError("boom")


def test_grad_puts_every_gradient_back_after_an_error() -> None:
    from microgradnn.scalar.value import ScalarFunction

    class Boom(ScalarFunction, _Boom):
        pass

    x = Value(2.0)
    x.grad = 4.0
    mid = x * x
    out = Boom.apply(mid) + mid
    mid.grad, out.grad = 1.5, 2.5
    with pytest.raises(ZeroDivisionError):
        grad(out, x)
    assert (x.grad, mid.grad, out.grad) == (4.0, 1.5, 2.5)


# ---------------------------------------------------------- create_graph
@given(a=mst.safe_floats("tanh"), b=mst.safe_floats("tanh"))
@FEW
def test_grad_create_graph_gives_second_derivatives(a: float, b: float) -> None:
    x, y = Value(a), Value(b)
    gx, gy = grad(_f(x, y), [x, y], create_graph=True)
    assert isinstance(gx, Value) and isinstance(gy, Value)
    hxx, hxy = grad(gx, [x, y])
    eps = 1e-6

    def dfdx(a: float, b: float) -> float:
        x = Value(a)
        return grad(_f(x, Value(b)), x)[0]

    assert hxx == pytest.approx((dfdx(a + eps, b) - dfdx(a - eps, b)) / (2 * eps), abs=1e-5)
    assert hxy == pytest.approx((dfdx(a, b + eps) - dfdx(a, b - eps)) / (2 * eps), abs=1e-5)
    (hyx,) = grad(gy, x)  # the other order: the Hessian is symmetric
    assert hxy == pytest.approx(hyx, abs=1e-10)


def test_grad_create_graph_is_differentiable_in_the_seed() -> None:
    x = Tensor(np.array([0.5, -0.25]), requires_grad=True)
    u = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (g,) = grad(x * x, x, u, create_graph=True)  # g = 2 x u
    (du,) = grad(g.sum(), u)
    np.testing.assert_allclose(du, 2 * x.data)


def test_tensor_hessian_matches_differences_of_the_gradient() -> None:
    a = np.array([0.3, -0.8, 1.1])
    h = F.hessian(_tf, Tensor(a, requires_grad=True))
    assert h.shape == (3, 3)
    np.testing.assert_allclose(h, _numeric_hessian(_tf, a), atol=1e-6)
    np.testing.assert_allclose(h, h.T, atol=1e-12)


# -------------------------------------------------------- functional forms
def test_jacobian_shapes_and_values() -> None:
    x = Tensor(np.array([[0.5, 1.0, -1.0], [0.2, 0.0, 2.0]]), requires_grad=True)
    w = Tensor(np.array([0.1, 0.2, 0.3]), requires_grad=True)
    jx, jw = F.jacobian(lambda x, w: (x * w).tanh(), (x, w))
    assert jx.shape == (2, 3, 2, 3) and jw.shape == (2, 3, 3)
    eps = 1e-6
    for i in range(3):
        step = np.zeros(3)
        step[i] = eps
        diff = (np.tanh(x.data * (w.data + step)) - np.tanh(x.data * (w.data - step))) / (2 * eps)
        np.testing.assert_allclose(jw[..., i], diff, atol=1e-8)
    assert x.grad is None and w.grad is None


def test_jacobian_of_values_and_several_outputs() -> None:
    a, b = Value(2.0), Value(3.0)
    (ja, jb), (ka, kb) = F.jacobian(lambda a, b: (a * b, a + b * b), (a, b))
    assert (ja, jb, ka, kb) == (3.0, 2.0, 1.0, 6.0)
    assert F.jacobian(lambda a: a * a, a) == 4.0


def test_jacobian_strict_and_unused() -> None:
    a, b = Value(2.0), Value(3.0)
    assert F.jacobian(lambda a, b: a * a, (a, b)) == (4.0, 0.0)
    with pytest.raises(RuntimeError, match="strict"):
        F.jacobian(lambda a, b: a * a, (a, b), strict=True)


def test_hessian_of_values_is_a_symmetric_matrix() -> None:
    xs = [Value(0.4), Value(-0.3), Value(1.2)]

    def f(a: Value, b: Value, c: Value) -> Value:
        return (a * b * c).sigmoid() + a * a * c

    H = np.array(F.hessian(f, xs))
    assert H.shape == (3, 3)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    eps = 1e-6
    for j in range(3):
        plus = [Value(x.data + (eps if i == j else 0.0)) for i, x in enumerate(xs)]
        minus = [Value(x.data - (eps if i == j else 0.0)) for i, x in enumerate(xs)]
        column = (np.array(grad(f(*plus), plus)) - np.array(grad(f(*minus), minus))) / (2 * eps)
        np.testing.assert_allclose(H[:, j], column, atol=1e-6)


def test_vjp_jvp_hvp_against_the_full_matrices() -> None:
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal(3), requires_grad=True)

    def f(x: Tensor) -> Tensor:
        return (x * x.sum()).tanh()

    J = F.jacobian(f, x)
    u, v = rng.standard_normal(3), rng.standard_normal(3)
    out, vjp = F.vjp(f, x, u)
    np.testing.assert_allclose(out.data, f(x).data)
    np.testing.assert_allclose(vjp, u @ J, atol=1e-12)
    _, jvp = F.jvp(f, x, v)
    np.testing.assert_allclose(jvp, J @ v, atol=1e-12)
    H = F.hessian(_tf, x)
    value, hv = F.hvp(_tf, x, v)
    np.testing.assert_allclose(hv, H @ v, atol=1e-10)
    assert float(value.data) == pytest.approx(float(_tf(x).data))
    assert x.grad is None


def test_jvp_and_hvp_of_values() -> None:
    a, b = Value(0.5), Value(-1.5)
    _, jv = F.jvp(_f, (a, b), (1.0, 2.0))
    ga, gb = grad(_f(a, b), [a, b])
    assert jv == pytest.approx(ga * 1.0 + gb * 2.0)
    H = np.array(F.hessian(_f, (a, b)))
    _, hv = F.hvp(_f, (a, b), (1.0, 2.0))
    np.testing.assert_allclose(hv, H @ np.array([1.0, 2.0]), atol=1e-12)


def test_create_graph_keeps_results_differentiable() -> None:
    x = Tensor(np.array([0.2, 0.9]), requires_grad=True)
    _, hv = F.hvp(lambda x: (x**3).sum(), x, np.array([1.0, 1.0]), create_graph=True)  # 6 x
    assert isinstance(hv, Tensor)
    (g,) = grad(hv.sum(), x)
    np.testing.assert_allclose(g, [6.0, 6.0])


def test_functional_errors() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="v is needed"):
        F.vjp(lambda x: x * 2.0, x)
    with pytest.raises(RuntimeError, match="hessian: func must return a single number"):
        F.hessian(lambda x: x * 2.0, x)
    with pytest.raises(TypeError, match="func must return"):
        F.jacobian(lambda x: 3.0, x)
    with pytest.raises(ValueError, match="reverse-mode"):
        F.jacobian(lambda x: x, x, strategy="forward-mode")


def test_exported_from_the_package() -> None:
    assert microgradnn.grad is grad
    assert microgradnn.functional.hessian is F.hessian


# ----------------------------------------------------------------- torch
@given(st.integers(0, 1000))
@settings(max_examples=5, deadline=None)
def test_functional_forms_match_torch(seed: int) -> None:
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    rng = np.random.default_rng(seed)
    a, v = rng.standard_normal(3), rng.standard_normal(3)
    x = Tensor(a, requires_grad=True)
    t = torch.tensor(a)

    def ours(x: Tensor) -> Tensor:
        return ((x * x).sum() * x).sigmoid()

    def theirs(x: Any) -> Any:
        return ((x * x).sum() * x).sigmoid()

    np.testing.assert_allclose(F.jacobian(ours, x), TF.jacobian(theirs, t).numpy(), atol=1e-12)
    np.testing.assert_allclose(F.jvp(ours, x, v)[1], TF.jvp(theirs, t, torch.tensor(v))[1].numpy(), atol=1e-12)
    np.testing.assert_allclose(
        F.hessian(lambda x: ours(x).sum(), x), TF.hessian(lambda x: theirs(x).sum(), t).numpy(), atol=1e-12
    )
    np.testing.assert_allclose(
        F.hvp(lambda x: ours(x).sum(), x, v)[1],
        TF.hvp(lambda x: theirs(x).sum(), t, torch.tensor(v))[1].numpy(),
        atol=1e-12,
    )


def test_hessian_of_two_tensors_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    from torch.autograd.functional import hessian as torch_hessian

    a = Tensor(np.array([0.3, 0.5]), requires_grad=True)
    b = Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)
    H = F.hessian(lambda a, b: (a.reshape((2, 1)) * b).tanh().sum(), (a, b))
    Ht = torch_hessian(lambda a, b: (a.reshape(2, 1) * b).tanh().sum(), (torch.tensor(a.data), torch.tensor(b.data)))
    assert [[h.shape for h in row] for row in H] == [[(2, 2), (2, 1, 3)], [(1, 3, 2), (1, 3, 1, 3)]]
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(H[i][j], Ht[i][j].numpy(), atol=1e-12)
