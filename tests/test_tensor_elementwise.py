"""Elementwise math (tensor/elementwise.py): finite differences, PyTorch, second derivatives, special values, errors.

Every op with a gradient is checked against central differences (float64, full Jacobian) on random shapes from the
package's strategies (0-d included, and a non-contiguous view), against PyTorch's forward and gradient where torch
is installed, and through ``backward(create_graph=True)`` (its derivative of the gradient against differences of
the gradient). Ops without a gradient are checked to return a plain leaf with NumPy's and PyTorch's values.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
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
    source = mst.arrays(shape, "any")  # elements in [-10, 10]
    scaled = source.map(lambda a: low + (a + 10.0) / 20.0 * (high - low))
    return scaled.filter(lambda a: all(np.all(np.abs(a - p) >= margin) for p in avoid))


# name -> (our op, torch's op or None, low, high, points to stay away from)
UNARY = {
    "sin": (lambda x: x.sin(), "sin", -5, 5, ()),
    "cos": (lambda x: x.cos(), "cos", -5, 5, ()),
    "tan": (lambda x: x.tan(), "tan", -1.3, 1.3, ()),
    "asin": (lambda x: x.asin(), "asin", -0.95, 0.95, ()),
    "acos": (lambda x: x.acos(), "acos", -0.95, 0.95, ()),
    "atan": (lambda x: x.atan(), "atan", -5, 5, ()),
    "sinh": (lambda x: x.sinh(), "sinh", -4, 4, ()),
    "cosh": (lambda x: x.cosh(), "cosh", -4, 4, ()),
    "asinh": (lambda x: x.asinh(), "asinh", -5, 5, ()),
    "acosh": (lambda x: x.acosh(), "acosh", 1.05, 6, ()),
    "atanh": (lambda x: x.atanh(), "atanh", -0.95, 0.95, ()),
    "erf": (lambda x: x.erf(), "erf", -3, 3, ()),
    "log2": (lambda x: x.log2(), "log2", 0.05, 10, ()),
    "log10": (lambda x: x.log10(), "log10", 0.05, 10, ()),
    "exp2": (lambda x: x.exp2(), "exp2", -4, 4, ()),
    "rsqrt": (lambda x: x.rsqrt(), "rsqrt", 0.1, 10, ()),
    "log1p": (lambda x: x.log1p(), "log1p", -0.9, 5, ()),
    "expm1": (lambda x: x.expm1(), "expm1", -4, 4, ()),
    "square": (lambda x: x.square(), "square", -5, 5, ()),
    "reciprocal": (lambda x: x.reciprocal(), "reciprocal", 0.2, 5, ()),
    "arcsin (NumPy's name)": (lambda x: x.arcsin(), "asin", -0.95, 0.95, ()),
    "module sin": (T.sin, "sin", -5, 5, ()),
    "module erf": (T.erf, "erf", -3, 3, ()),
    "module exp (torch.exp)": (T.exp, "exp", -4, 4, ()),
    "module log (torch.log)": (T.log, "log", 0.05, 10, ()),
    "module sqrt (torch.sqrt)": (T.sqrt, "sqrt", 0.1, 10, ()),
    "clone": (lambda x: x.clone(), "clone", -5, 5, ()),
    "lerp, number weight": (lambda x: T.lerp(x, x * x, 0.3), None, -3, 3, ()),
    "x % 1.5": (lambda x: x % 1.5, "remainder_const", -5, 5, tuple(1.5 * k for k in range(-4, 5))),
    "fmod(x, 1.5)": (lambda x: x.fmod(1.5), "fmod_const", -5, 5, tuple(1.5 * k for k in range(-4, 5))),
    "copysign(x, -1)": (lambda x: x.copysign(-1.0), "copysign_const", -5, 5, (0.0,)),
}


def torch_unary(name, t):
    torch = pytest.importorskip("torch")
    special = {
        "clone": lambda u: u.clone(),
        "remainder_const": lambda u: torch.remainder(u, 1.5),
        "fmod_const": lambda u: torch.fmod(u, 1.5),
        "copysign_const": lambda u: torch.copysign(u, torch.tensor(-1.0, dtype=torch.float64)),
        "exp2": torch.exp2,
        "rsqrt": torch.rsqrt,
        "erf": torch.erf,
    }
    return special[name](t) if name in special else getattr(torch, name)(t)


@pytest.mark.parametrize("name", sorted(UNARY))
@FAST
@given(data=st.data())
def test_unary_ops_match_finite_differences_and_pytorch(name, data):
    f, torch_name, low, high, avoid = UNARY[name]
    x = data.draw(in_domain(SMALL, low, high, avoid), label="x")
    gradcheck(f, [leaf(x)])
    if torch_name is None:
        return
    torch = pytest.importorskip("torch")
    ours = leaf(x)
    out = f(ours)
    out.backward(np.ones_like(out.data))
    theirs = torch.tensor(x, requires_grad=True)
    expected = torch_unary(torch_name, theirs)
    expected.backward(torch.ones_like(expected))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", ["sin", "cos", "tan", "asin", "acosh", "erf", "log2", "exp2", "rsqrt"])
@settings(deadline=None, max_examples=5)
@given(data=st.data())
def test_unary_ops_on_non_contiguous_views(name, data):
    f, _, low, high, avoid = UNARY[name]
    base = data.draw(in_domain((3, 2), low, high, avoid), label="x")
    x = leaf(base).T  # a transposed view: strides that are not C order
    gradcheck(lambda t: f(t.T), [leaf(base)])
    np.testing.assert_allclose(f(x).data, f(leaf(np.ascontiguousarray(base.T))).data)


# The second derivative of each Function, through backward(create_graph=True): d/dx of the first gradient.
SECOND = {
    "sin": (-3, 3, ()),
    "cos": (-3, 3, ()),
    "tan": (-1.2, 1.2, ()),
    "asin": (-0.9, 0.9, ()),
    "acos": (-0.9, 0.9, ()),
    "atan": (-3, 3, ()),
    "sinh": (-3, 3, ()),
    "cosh": (-3, 3, ()),
    "asinh": (-3, 3, ()),
    "acosh": (1.1, 4, ()),
    "atanh": (-0.9, 0.9, ()),
    "erf": (-3, 3, ()),
    "log2": (0.1, 5, ()),
    "exp2": (-3, 3, ()),
    "rsqrt": (0.2, 5, ()),
    "log1p": (-0.8, 3, ()),
    "expm1": (-3, 3, ()),
}


def first_gradient(f, x):
    t = leaf(x)
    f(t).sum().backward()
    return np.asarray(t.grad, dtype=np.float64)


def assert_second_derivative(f, x, eps=1e-6):
    """f elementwise: the Hessian is diagonal, so (x.grad * v).sum() differentiated is f''(x) * v."""
    t = leaf(x)
    f(t).sum().backward(create_graph=True)
    g = t.grad
    assert isinstance(g, Tensor), "backward(create_graph=True) should leave a Tensor gradient"
    t.grad = None
    v = np.linspace(0.5, 1.5, x.size).reshape(x.shape)
    (g * Tensor(v)).sum().backward()
    numeric = (first_gradient(f, x + eps) - first_gradient(f, x - eps)) / (2 * eps) * v
    np.testing.assert_allclose(np.asarray(t.grad), numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(SECOND))
@settings(deadline=None, max_examples=6)
@given(data=st.data())
def test_second_derivatives_through_create_graph(name, data):
    low, high, avoid = SECOND[name]
    x = data.draw(in_domain(mst.shapes(min_dims=1, max_dims=2, max_side=3), low, high, avoid), label="x")
    assert_second_derivative(UNARY[name][0], x)


# --- binary ops -----------------------------------------------------------
def pairs(left, right):
    shapes = mst.broadcastable_pairs(max_dims=2, max_side=3)  # the package's broadcast shapes, rescaled below
    return shapes.map(lambda p: (left(p[0]), right(p[1])))


def _in(low, high):
    return lambda a: low + (a + 10.0) / 20.0 * (high - low)


def _away_from_zero(a):
    """|b| in [0.5, 3], either sign (a divisor away from 0)."""
    return np.where(a >= 0, 1, -1) * (0.5 + np.abs(a) / 10.0 * 2.5)


def _far_from_multiples(a, b, quotient, margin=0.02):
    q = a / b
    return np.all(np.abs(q - quotient(q)) * np.abs(b) >= margin) and np.all(np.abs(q - quotient(q) - 1) >= 1e-3)


@FAST
@given(pairs(_in(-5, 5), _in(-5, 5)))
@example((np.array([3.0, -2.0]), np.array([3.0, 1000.0])))  # a tie (1/2 each) and a huge gap
def test_logaddexp_matches_finite_differences_and_pytorch(pair):
    a, b = pair
    gradcheck(T.logaddexp, [leaf(a, "a"), leaf(b, "b")])
    torch = pytest.importorskip("torch")
    ta, tb = leaf(a, "a"), leaf(b, "b")
    out = T.logaddexp(ta, tb)
    out.backward(np.ones_like(out.data))
    pa, pb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    expected = torch.logaddexp(pa, pb)
    expected.backward(torch.ones_like(expected))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ta.grad, pa.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(tb.grad, pb.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("op", ["remainder", "fmod"])
@FAST
@given(pair=pairs(_in(-6, 6), _away_from_zero))
def test_remainder_and_fmod_match_finite_differences_and_pytorch(op, pair):
    a, b = pair
    a, b = np.broadcast_arrays(a, b)  # the quotient's jumps depend on both: test them at full shape
    a, b = a.copy(), b.copy()
    assume(_far_from_multiples(a, b, np.floor if op == "remainder" else np.trunc))
    f = getattr(T, op)
    gradcheck(f, [leaf(a, "a"), leaf(b, "b")])
    torch = pytest.importorskip("torch")
    ta, tb = leaf(a, "a"), leaf(b, "b")
    out = f(ta, tb)
    out.backward(np.ones_like(out.data))
    pa, pb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    expected = getattr(torch, op)(pa, pb)
    expected.backward(torch.ones_like(expected))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ta.grad, pa.grad.numpy())
    np.testing.assert_allclose(tb.grad, pb.grad.numpy())


@FAST
@given(pairs(_in(-4, 4), _in(-4, 4)), st.floats(-1.0, 2.0))
def test_lerp_with_a_tensor_weight_matches_pytorch(pair, w):
    start, end = pair
    weight = np.full(np.broadcast_shapes(start.shape, end.shape), w)
    gradcheck(T.lerp, [leaf(start, "start"), leaf(end, "end"), leaf(weight, "weight")])
    torch = pytest.importorskip("torch")
    ours = [leaf(start), leaf(end), leaf(weight)]
    out = T.lerp(*ours)
    out.backward(np.ones_like(out.data))
    theirs = [torch.tensor(a, requires_grad=True) for a in (start, end, weight)]
    expected = torch.lerp(*theirs)
    expected.backward(torch.ones_like(expected))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@FAST
@given(pairs(_in(-4, 4), _in(-4, 4)))
def test_copysign_matches_pytorch(pair):
    a, b = pair
    assume(np.all(np.abs(a) > 0.02))
    gradcheck(lambda x: T.copysign(x, Tensor(b)), [leaf(a)])
    torch = pytest.importorskip("torch")
    ta = leaf(a)
    out = T.copysign(ta, Tensor(b))
    out.backward(np.ones_like(out.data))
    pa = torch.tensor(a, requires_grad=True)
    expected = torch.copysign(pa, torch.tensor(b))
    expected.backward(torch.ones_like(expected))
    np.testing.assert_array_equal(out.data, expected.detach().numpy())
    np.testing.assert_array_equal(ta.grad, pa.grad.numpy())


def test_conventions_at_special_points_follow_pytorch():
    torch = pytest.importorskip("torch")
    signs, others = np.array([-1.0, 1.0, -0.0]), np.array([0.0, -np.inf, np.inf])
    cases = [
        (lambda x: T.copysign(x, Tensor(signs)), lambda u: torch.copysign(u, torch.tensor(signs)), [0.0, 0.0, 2.0]),
        (lambda x: T.logaddexp(x, Tensor(others)), lambda u: torch.logaddexp(u, torch.tensor(others)), [0, -np.inf, 1]),
        (lambda x: x.asin(), torch.asin, [1.0, -1.0, 2.0]),
        (lambda x: x.atanh(), torch.atanh, [1.0, -1.0, 0.0]),
        (lambda x: x.acosh(), torch.acosh, [1.0, 0.5, 2.0]),
        (lambda x: x.rsqrt(), torch.rsqrt, [0.0, -1.0, 4.0]),
        (lambda x: x.rsqrt(), torch.rsqrt, [-np.inf, -0.0, np.inf]),
        (lambda x: x.log2(), torch.log2, [0.0, -1.0, 8.0]),
        (lambda x: x % 0.0, lambda u: torch.remainder(u, 0.0), [1.0, -1.0, 0.0]),
        (lambda x: x.erf(), torch.erf, [np.inf, -np.inf, 30.0]),
    ]
    for ours, theirs, values in cases:
        x = leaf(values)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no RuntimeWarning from NumPy: nan and inf are answers, not accidents
            out = ours(x)
            out.backward(np.ones(3))
        u = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        expected = theirs(u)
        expected.backward(torch.ones(3, dtype=torch.float64))
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=0)  # inf and nan alike
        np.testing.assert_allclose(x.grad, u.grad.numpy(), rtol=1e-12, atol=0)


def test_logaddexp_is_stable_where_the_naive_formula_overflows():
    a = Tensor([1000.0, -1000.0, 0.0], requires_grad=True)
    out = T.logaddexp(a, Tensor([1000.0, -1000.0, -np.inf]))
    np.testing.assert_allclose(out.data, [1000 + math.log(2), -1000 + math.log(2), 0.0], rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(a.grad, [0.5, 0.5, 1.0])
    assert out.dtype == np.float32


def test_log1p_and_expm1_keep_the_digits_of_tiny_inputs():
    x = Tensor(np.array([1e-20, -1e-12, 1e-5]))
    np.testing.assert_array_equal(x.log1p().data, np.log1p(x.data))
    np.testing.assert_array_equal(x.expm1().data, np.expm1(x.data))
    assert x.log1p().data[0] == 1e-20 and (x.data[:1] + 1).item() == 1.0  # where log(1 + x) would give 0


def test_erf_is_the_c_librarys_erf_to_the_last_digit():
    x = np.linspace(-6, 6, 2001)
    np.testing.assert_array_equal(T.erf(Tensor(x)).data, [math.erf(v) for v in x])
    assert T.erf(Tensor(x.astype(np.float32))).dtype == np.float32


# --- no gradient ----------------------------------------------------------
NO_GRAD = {
    "sign": (lambda a: np.where(np.isnan(a), 0, np.sign(a)), "sign"),  # sign(nan) = 0, as PyTorch
    "floor": (np.floor, "floor"),
    "ceil": (np.ceil, "ceil"),
    "trunc": (np.trunc, "trunc"),
    "round": (np.round, "round"),
    "isnan": (np.isnan, "isnan"),
    "isinf": (np.isinf, "isinf"),
    "isfinite": (np.isfinite, "isfinite"),
}
SPECIAL = np.array([-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 1.7, -1.7, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("name", sorted(NO_GRAD))
def test_piecewise_constant_ops_give_a_leaf_with_numpys_and_pytorchs_values(name):
    numpy_fn, torch_name = NO_GRAD[name]
    x = Tensor(SPECIAL, requires_grad=True)
    for out in (getattr(x, name)(), getattr(T, name)(x)):
        assert not out.requires_grad and out.is_leaf, f"{name} has no gradient: its result is a plain leaf"
        np.testing.assert_array_equal(out.data, numpy_fn(SPECIAL))
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(getattr(x, name)().data, getattr(torch, torch_name)(torch.tensor(SPECIAL)).numpy())
    assert (x.floor() * x).sum().requires_grad  # used as a constant factor, the other factor still learns


def test_round_with_decimals_and_integer_inputs():
    np.testing.assert_array_equal(Tensor([1.2345, -2.5]).round(2).data, np.array([1.23, -2.5], dtype=np.float32))
    ints = Tensor([1, -2, 3])
    for op in ("floor", "ceil", "trunc", "round", "sign"):
        out = getattr(ints, op)()
        assert out.dtype == np.int64, f"{op} of an int tensor stays int64 (as PyTorch)"
        np.testing.assert_array_equal(out.data, getattr(np, op)(ints.data))


# --- operators --------------------------------------------------------------
@given(
    st.lists(st.integers(-50, 50), min_size=1, max_size=6),
    st.integers(-7, 7).filter(lambda n: n != 0),
)
@FAST
def test_integer_mod_and_floor_division_follow_python(values, divisor):
    x = Tensor(values)
    assert (x % divisor).dtype == np.int64 and (x // divisor).dtype == np.int64
    assert (x % divisor).data.tolist() == [v % divisor for v in values]
    assert (x // divisor).data.tolist() == [v // divisor for v in values]
    if values[0]:
        assert (divisor % x[:1]).data.tolist() == [divisor % values[0]]
    else:  # an integer tensor of zeros as the divisor (hypothesis found values=[0])
        with pytest.raises(ZeroDivisionError, match="b = 0"):
            divisor % x[:1]
    assert T.fmod(x, divisor).data.tolist() == [int(math.fmod(v, divisor)) for v in values]


def test_float_mod_and_floor_division_follow_pytorch():
    torch = pytest.importorskip("torch")
    a = np.array([5.5, -5.5, 5.5, -5.5, 0.0, 3.0])
    b = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal((Tensor(a) % Tensor(b)).data, torch.remainder(torch.tensor(a), torch.tensor(b)))
        np.testing.assert_array_equal(
            (Tensor(a) // Tensor(b)).data, torch.floor_divide(torch.tensor(a), torch.tensor(b)).numpy()
        )
        np.testing.assert_array_equal((7.0 % Tensor(b[:4])).data, torch.remainder(7.0, torch.tensor(b[:4])))
    assert not (Tensor(a, requires_grad=True) // 2.0).requires_grad  # floor division has no gradient


def test_integer_division_by_zero_is_a_clear_error():
    for expr in (lambda: Tensor([1, 2]) % 0, lambda: Tensor([1, 2]) // Tensor([1, 0]), lambda: T.fmod(Tensor([3]), 0)):
        with pytest.raises(ZeroDivisionError, match="integer division by zero"):
            expr()


@given(st.lists(st.integers(-100, 100), min_size=1, max_size=5), st.integers(-100, 100))
@FAST
def test_bitwise_operators_on_integers_match_python(values, other):
    x = Tensor(values)
    assert (x & other).data.tolist() == [v & other for v in values]
    assert (x | other).data.tolist() == [v | other for v in values]
    assert (x ^ other).data.tolist() == [v ^ other for v in values]
    assert (other & x).data.tolist() == [other & v for v in values]
    assert (~x).data.tolist() == [~v for v in values]


def test_bitwise_operators_on_bools_are_logical_and_need_no_float():
    x = Tensor(np.array([-1.0, 0.5, 2.0]))
    inside = (x > 0) & (x < 1)
    assert inside.dtype == np.bool_ and inside.data.tolist() == [False, True, False]
    assert ((x < 0) | (x > 1)).data.tolist() == [True, False, True]
    assert (~(x > 0)).data.tolist() == [True, False, False]
    assert ((x > 0) ^ True).data.tolist() == [True, False, False]
    assert x[(x > 0) & (x < 3)].data.tolist() == [0.5, 2.0]
    for expr in (lambda: ~x, lambda: x & (x > 0), lambda: (x > 0) | 1.5):
        with pytest.raises(TypeError, match="only bool and integer"):
            expr()


def test_logical_ops_take_any_dtype_and_give_bools():
    torch = pytest.importorskip("torch")
    a, b = np.array([0.0, 1.5, -2.0, 0.0]), np.array([3, 0, 1, 0])
    for name in ("logical_and", "logical_or", "logical_xor"):
        ours = getattr(T, name)(Tensor(a), Tensor(b))
        assert ours.dtype == np.bool_ and getattr(Tensor(a), name)(Tensor(b)).data.tolist() == ours.data.tolist()
        np.testing.assert_array_equal(ours.data, getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_array_equal(Tensor(a).logical_not().data, torch.tensor(a).logical_not().numpy())
    assert not T.logical_and(Tensor(a, requires_grad=True), True).requires_grad


def test_bitwise_shape_mismatch_names_the_operator():
    with pytest.raises(ValueError, match=r"Tensor &: shapes \(2,\) and \(3,\)"):
        Tensor([True, False]) & Tensor([True, False, True])


# --- dtypes and errors -------------------------------------------------------
@pytest.mark.parametrize("name", ["sin", "cos", "tan", "atan", "sinh", "erf", "log2", "exp2", "rsqrt"])
def test_float_functions_keep_float32_and_turn_ints_into_the_default_float(name):
    op = UNARY[name][0]
    x32 = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    out = op(x32)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x32.grad.dtype == np.float32
    assert op(Tensor([1, 2])).dtype == np.float32
    assert op(Tensor(np.array([0.5, 1.5]))).dtype == np.float64
    assert op(Tensor(np.zeros((0, 2)))).shape == (0, 2)  # an empty tensor goes through


def test_clone_copies_and_contiguous_only_when_needed():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    c = x.clone()
    assert c.data is not x.data and not np.shares_memory(c.data, x.data) and c.op == "clone"
    assert x.contiguous() is x
    t = x.T.contiguous()
    assert t.data.flags.c_contiguous and t.shape == (3, 2)
    (t * Tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(x.grad, np.arange(6.0).reshape(3, 2).T)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: T.sin("abc"), TypeError, "sin: expected a Tensor"),
        (lambda: T.sin(object()), TypeError, "sin: expected a Tensor"),
        (lambda: Tensor([1.0]).round(1.5), TypeError, "round: decimals must be an int"),
        (lambda: T.logaddexp(Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0])), ValueError, "logaddexp: shapes"),
        (lambda: Tensor([1.0, 2.0]) % Tensor([1.0, 2.0, 3.0]), ValueError, r"remainder: shapes \(2,\) and \(3,\)"),
        (lambda: T.lerp(Tensor([1, 2]), Tensor([1.0, 2.0]), 0.5), TypeError, "lerp: start and end must be float"),
        (lambda: T.lerp(Tensor([1.0]), Tensor([2.0]), True), TypeError, "lerp: weight"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- gradgradcheck: every Function's backward is differentiable again ----------------------
@pytest.mark.parametrize("name", [*sorted(SECOND), "clone", "x % 1.5", "fmod(x, 1.5)", "copysign(x, -1)"])
@settings(deadline=None, max_examples=4)
@given(data=st.data())
def test_gradgradcheck_unary(name, data):
    f, _, low, high, avoid = UNARY[name]
    low, high, avoid = SECOND.get(name, (low, high, avoid))
    x = data.draw(in_domain(mst.shapes(max_dims=2, max_side=3), low, high, avoid), label="x")
    gradgradcheck(f, [leaf(x)])


@settings(deadline=None, max_examples=6)
@given(pairs(_in(-3, 3), _in(-3, 3)))
def test_gradgradcheck_logaddexp_and_lerp(pair):
    a, b = pair
    gradgradcheck(T.logaddexp, [leaf(a, "a"), leaf(b, "b")])
    gradgradcheck(lambda s, e: T.lerp(s, e, e * 0.5), [leaf(a, "start"), leaf(b, "end")])


@pytest.mark.parametrize("op", ["remainder", "fmod"])
@settings(deadline=None, max_examples=6)
@given(pair=pairs(_in(-6, 6), _away_from_zero))
def test_gradgradcheck_remainder_and_fmod(op, pair):
    a, b = (x.copy() for x in np.broadcast_arrays(*pair))
    assume(_far_from_multiples(a, b, np.floor if op == "remainder" else np.trunc))
    f = getattr(T, op)
    gradgradcheck(lambda s, t: f(s, t) * s, [leaf(a, "a"), leaf(b, "b")])  # * s: a second derivative that is not 0
