"""Activations (tensor/activations.py): finite differences, PyTorch, kinks, stability, second derivatives, errors.

Each activation is checked against central differences (float64, full Jacobian) on random shapes from the
package's strategies away from its kinks, against PyTorch's forward and gradient (torch.nn.functional) there and
at the kinks themselves (PyTorch's conventions), at extreme inputs where a naive formula overflows or cancels, and
through ``backward(create_graph=True)``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradnn import Tensor, gradcheck
from microgradnn import tensor as T
from microgradnn.gradcheck import gradgradcheck
from microgradnn.testing import strategies as mst

FAST = settings(deadline=None, max_examples=8)
SMALL = mst.shapes(max_dims=3, max_side=3)


def leaf(a, label="x"):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=True, label=label)


def in_domain(shape, low, high, avoid=(), margin=0.02):
    """float64 arrays in [low, high], at least `margin` from the points in `avoid` (the package's arrays, rescaled)."""
    scaled = mst.arrays(shape, "any").map(lambda a: low + (a + 10.0) / 20.0 * (high - low))
    return scaled.filter(lambda a: all(np.all(np.abs(a - p) >= margin) for p in avoid))


def F():
    return pytest.importorskip("torch").nn.functional


# name -> (our op, PyTorch's op, low, high, kinks to stay away from)
ACTIVATIONS = {
    "gelu": (lambda x: x.gelu(), lambda u: F().gelu(u), -6, 6, ()),
    "gelu tanh": (lambda x: x.gelu(approximate="tanh"), lambda u: F().gelu(u, approximate="tanh"), -6, 6, ()),
    "quick_gelu": (lambda x: x.quick_gelu(), lambda u: u * (1.702 * u).sigmoid(), -6, 6, ()),
    "silu": (lambda x: x.silu(), lambda u: F().silu(u), -6, 6, ()),
    "swish": (lambda x: x.swish(), lambda u: F().silu(u), -6, 6, ()),
    "elu": (lambda x: x.elu(), lambda u: F().elu(u), -4, 4, (0.0,)),
    "elu alpha 0.5": (lambda x: x.elu(0.5), lambda u: F().elu(u, 0.5), -4, 4, (0.0,)),
    "selu": (lambda x: x.selu(), lambda u: F().selu(u), -4, 4, (0.0,)),
    "celu": (lambda x: x.celu(), lambda u: F().celu(u), -4, 4, (0.0,)),
    "celu alpha 2": (lambda x: x.celu(2.0), lambda u: F().celu(u, 2.0), -4, 4, (0.0,)),
    "relu6": (lambda x: x.relu6(), lambda u: F().relu6(u), -3, 9, (0.0, 6.0)),
    "hardtanh": (lambda x: x.hardtanh(), lambda u: F().hardtanh(u), -3, 3, (-1.0, 1.0)),
    "hardtanh -0.5 2": (lambda x: x.hardtanh(-0.5, 2.0), lambda u: F().hardtanh(u, -0.5, 2.0), -3, 3, (-0.5, 2.0)),
    "hardsigmoid": (lambda x: x.hardsigmoid(), lambda u: F().hardsigmoid(u), -5, 5, (-3.0, 3.0)),
    "hardswish": (lambda x: x.hardswish(), lambda u: F().hardswish(u), -5, 5, (-3.0, 3.0)),
    "softplus": (lambda x: x.softplus(), lambda u: F().softplus(u), -6, 6, ()),
    "softplus beta 2 threshold 4": (
        lambda x: x.softplus(beta=2.0, threshold=4.0),
        lambda u: F().softplus(u, beta=2.0, threshold=4.0),
        -4,
        4,
        (2.0,),
    ),
    "softsign": (lambda x: x.softsign(), lambda u: F().softsign(u), -5, 5, ()),
    "mish": (lambda x: x.mish(), lambda u: F().mish(u), -5, 5, ()),
    "logsigmoid": (lambda x: x.logsigmoid(), lambda u: F().logsigmoid(u), -8, 8, ()),
    "module gelu": (T.gelu, lambda u: F().gelu(u), -6, 6, ()),
    "module softplus": (T.softplus, lambda u: F().softplus(u), -6, 6, ()),
    "module hardswish": (T.hardswish, lambda u: F().hardswish(u), -5, 5, (-3.0, 3.0)),
    "module relu": (T.relu, lambda u: F().relu(u), -5, 5, (0.0,)),
    "module sigmoid": (T.sigmoid, lambda u: u.sigmoid(), -5, 5, ()),
    "module tanh": (T.tanh, lambda u: u.tanh(), -3, 3, ()),
    "module leaky_relu": (T.leaky_relu, lambda u: F().leaky_relu(u), -5, 5, (0.0,)),
}
# Along an axis: need at least one axis.
ALONG_AXIS = {
    "softmin": (lambda x: x.softmin(), lambda u: F().softmin(u, dim=-1)),
    "softmin dim 0": (lambda x: x.softmin(dim=0), lambda u: F().softmin(u, dim=0)),
    "module softmin": (lambda x: T.softmin(x, 0), lambda u: F().softmin(u, dim=0)),
    "module softmax": (lambda x: T.softmax(x, dim=-1), lambda u: F().softmax(u, dim=-1)),
    "module log_softmax": (lambda x: T.log_softmax(x), lambda u: F().log_softmax(u, dim=-1)),
}


# PyTorch's hardsigmoid backward multiplies by a float32 1/6 even in float64 (0.1666666716...); ours is exact.
GRAD_RTOL = {"hardsigmoid": 1e-7}


def compare_with_torch(ours_fn, torch_fn, x, rtol=1e-10, grad_rtol=None):
    torch = pytest.importorskip("torch")
    ours = leaf(x)
    out = ours_fn(ours)
    out.backward(np.ones_like(out.data))
    theirs = torch.tensor(x, requires_grad=True)
    expected = torch_fn(theirs)
    expected.backward(torch.ones_like(expected))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=rtol, atol=1e-13)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=grad_rtol or rtol, atol=1e-12)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@FAST
@given(data=st.data())
def test_activations_match_finite_differences_and_pytorch(name, data):
    f, torch_f, low, high, avoid = ACTIVATIONS[name]
    x = data.draw(in_domain(SMALL, low, high, avoid), label="x")
    gradcheck(f, [leaf(x)])
    compare_with_torch(f, torch_f, x, grad_rtol=GRAD_RTOL.get(name))


@pytest.mark.parametrize("name", sorted(ALONG_AXIS))
@FAST
@given(data=st.data())
def test_activations_along_an_axis_match_finite_differences_and_pytorch(name, data):
    f, torch_f = ALONG_AXIS[name]
    x = data.draw(in_domain(mst.shapes(min_dims=1, max_dims=3, max_side=3), -5, 5), label="x")
    gradcheck(f, [leaf(x)])
    compare_with_torch(f, torch_f, x)


@pytest.mark.parametrize("name", ["gelu", "silu", "elu", "softplus", "mish", "hardswish", "logsigmoid"])
@settings(deadline=None, max_examples=4)
@given(data=st.data())
def test_activations_on_non_contiguous_views(name, data):
    f, _, low, high, avoid = ACTIVATIONS[name]
    base = data.draw(in_domain((2, 3), low, high, avoid), label="x")
    gradcheck(lambda t: f(t.T), [leaf(base)])
    np.testing.assert_allclose(f(leaf(base).T).data, f(leaf(np.ascontiguousarray(base.T))).data)


KINKS = np.array([-3.0, -1.0, -0.5, 0.0, 1.0, 2.0, 3.0, 6.0, 20.0, 21.0, np.nan])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_values_and_slopes_at_the_kinks_follow_pytorch(name):
    """At 0, the bounds -1/1, -3/3, 6 and softplus's threshold (20), with a nan among them: PyTorch's answers."""
    f, torch_f, *_ = ACTIVATIONS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no RuntimeWarning from NumPy on the way
        compare_with_torch(f, torch_f, KINKS, rtol=1e-12, grad_rtol=GRAD_RTOL.get(name))


EXTREMES = np.array([-1000.0, -100.0, -40.0, -1e-8, 0.0, 1e-8, 40.0, 100.0, 1000.0])


@pytest.mark.parametrize(
    "name", ["gelu", "gelu tanh", "silu", "elu", "selu", "celu", "softplus", "softsign", "mish", "logsigmoid"]
)
def test_no_overflow_or_nan_at_extreme_inputs(name):
    f, torch_f, *_ = ACTIVATIONS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare_with_torch(f, torch_f, EXTREMES, rtol=1e-9)
        out = f(Tensor(EXTREMES.astype(np.float32)))
    assert out.dtype == np.float32 and np.isfinite(out.data).all()


def test_stable_forms_keep_digits_a_naive_formula_loses():
    x = Tensor(np.array([-1000.0, -30.0, 1e-10]), requires_grad=True)
    # log(sigmoid(-1000)) is -1000, where log(1 / (1 + e^1000)) is log(0) = -inf.
    np.testing.assert_allclose(x.logsigmoid().data, [-1000.0, -30.0 - np.exp(-30.0), np.log(0.5) + 5e-11], rtol=1e-12)
    # gelu's left tail: x Phi(x) at x = -30 is about -3e-197, where 1 + erf(x / sqrt 2) cancels to exactly 0.
    assert x.gelu().data[1] < 0 and np.isclose(x.gelu().data[1], -30 * 4.906713927148187e-198, rtol=1e-12)
    # elu near 0: alpha * expm1(x), where e^x - 1 rounds to 1.000000082740371e-10.
    np.testing.assert_allclose(Tensor(np.array([-1e-10])).elu().data, [-1e-10 + 5e-21], rtol=1e-15)


SECOND = ["gelu", "gelu tanh", "silu", "elu", "celu alpha 2", "softplus", "mish", "logsigmoid", "softsign"]


@pytest.mark.parametrize("name", SECOND)
@settings(deadline=None, max_examples=5)
@given(data=st.data())
def test_second_derivatives_through_create_graph(name, data):
    f, _, low, high, avoid = ACTIVATIONS[name]
    x = data.draw(in_domain(mst.shapes(min_dims=1, max_dims=2, max_side=3), low, high, (*avoid, 0.0)), label="x")
    t = leaf(x)
    f(t).sum().backward(create_graph=True)
    g = t.grad
    assert isinstance(g, Tensor)
    t.grad = None
    v = np.linspace(0.5, 1.5, x.size).reshape(x.shape)
    (g * Tensor(v)).sum().backward()

    def first(y):
        s = leaf(y)
        f(s).sum().backward()
        return np.asarray(s.grad)

    eps = 1e-6
    numeric = (first(x + eps) - first(x - eps)) / (2 * eps) * v
    np.testing.assert_allclose(np.asarray(t.grad), numeric, rtol=1e-5, atol=1e-6)


def test_second_derivative_against_pytorch_at_fixed_points():
    torch = pytest.importorskip("torch")
    x = np.array([-2.5, -0.7, 0.3, 1.9])
    for name in SECOND:
        f, torch_f, *_ = ACTIVATIONS[name]
        t = leaf(x)
        f(t).sum().backward(create_graph=True)
        g = t.grad
        t.grad = None
        g.sum().backward()
        u = torch.tensor(x, requires_grad=True)
        (gu,) = torch.autograd.grad(torch_f(u).sum(), u, create_graph=True)
        (hu,) = torch.autograd.grad(gu.sum(), u)
        np.testing.assert_allclose(np.asarray(t.grad), hu.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", ["gelu", "silu", "elu", "hardtanh", "hardswish", "softplus", "mish", "logsigmoid"])
def test_dtypes_float32_stays_ints_become_the_default_float(name):
    f = ACTIVATIONS[name][0]
    x = Tensor(np.array([-1.5, 0.5, 2.0], dtype=np.float32), requires_grad=True)
    out = f(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32
    assert f(Tensor([-1, 0, 2])).dtype == np.float32
    assert f(Tensor(np.zeros((2, 0)))).shape == (2, 0)
    assert f(Tensor(0.5)).shape == ()


def test_node_names_show_their_constants():
    x = Tensor([1.0, -1.0], requires_grad=True)
    assert x.gelu().op == "gelu" and x.elu().op == "elu" and x.elu(0.5).op == "elu(alpha=0.5)"
    assert x.hardtanh().op == "hardtanh" and x.relu6().op == "hardtanh(0, 6)"
    assert x.softplus().op == "softplus" and x.softplus(beta=2).op == "softplus(beta=2)"
    assert x.logsigmoid().op == "logsigmoid"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: x.gelu(approximate="fast"), ValueError, "gelu: approximate must be 'none' or 'tanh'"),
        (lambda x: x.hardtanh(2.0, 1.0), ValueError, r"hardtanh: min_val \(2\) must not be greater than max_val"),
        (lambda x: x.celu(0.0), ValueError, "celu: alpha must not be 0"),
        (lambda x: x.softplus(beta=0.0), ValueError, "softplus: beta must be > 0"),
        (lambda x: x.softplus(threshold="big"), TypeError, "softplus: threshold must be a number"),
        (lambda x: x.elu("one"), TypeError, "elu: alpha must be a number"),
        (lambda x: x.elu(True), TypeError, "elu: alpha must be a number"),
        (lambda x: T.silu("x"), TypeError, "silu: expected a Tensor"),
        (lambda x: x.softmin(3), np.exceptions.AxisError, "softmax: axis 3 is out of range"),
    ],
)
def test_bad_arguments_get_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor([0.5, -0.5]))


@pytest.mark.parametrize("name", [*SECOND, "hardswish", "hardsigmoid", "hardtanh", "relu6", "selu", "quick_gelu"])
@settings(deadline=None, max_examples=4)
@given(data=st.data())
def test_gradgradcheck(name, data):
    """Each backward is built from graph ops, so it is differentiable again (gradgradcheck: second derivatives)."""
    f, _, low, high, avoid = ACTIVATIONS[name]
    x = data.draw(in_domain(mst.shapes(max_dims=2, max_side=3), low, high, (*avoid, 0.0)), label="x")
    gradgradcheck(f, [leaf(x)])
