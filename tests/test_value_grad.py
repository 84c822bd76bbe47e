"""Every Value op against central differences, with the package's own strategies and gradcheck."""

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from microgradnn import Value, gradcheck
from microgradnn.testing import strategies as mst

UNARY = {
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: x.leaky_relu(0.1),
    "abs": lambda x: x.abs(),
    "step": lambda x: x.step(),
    "neg": lambda x: -x,
}


@pytest.mark.parametrize("op", sorted(UNARY))
@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_unary_ops_match_finite_differences(op, data):
    x = data.draw(mst.safe_floats(op), label="x")
    gradcheck(UNARY[op], [Value(x)])


BINARY = {
    "+": (lambda a, b: a + b, "any", "any"),
    "-": (lambda a, b: a - b, "any", "any"),
    "*": (lambda a, b: a * b, "any", "any"),
    "/": (lambda a, b: a / b, "any", "/"),
    "**": (lambda a, b: a**b, "pow_base", "pow_exponent"),
}


@pytest.mark.parametrize("op", sorted(BINARY))
@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_binary_ops_match_finite_differences(op, data):
    f, left, right = BINARY[op]
    a = data.draw(mst.safe_floats(left), label="a")
    b = data.draw(mst.safe_floats(right), label="b")
    gradcheck(f, [Value(a), Value(b)])


@settings(deadline=None, max_examples=40)
@given(x=mst.safe_floats("any"), c=st.floats(-5, 5))
def test_number_on_either_side(x, c):
    gradcheck(lambda v: c + v, [Value(x)])
    gradcheck(lambda v: c - v, [Value(x)])
    gradcheck(lambda v: c * v, [Value(x)])
    gradcheck(lambda v: v * c - c, [Value(x)])


@settings(deadline=None, max_examples=40)
@given(x=mst.safe_floats("/"), c=st.floats(-5, 5))
def test_number_divided_by_value(x, c):
    gradcheck(lambda v: c / v, [Value(x)])


@settings(deadline=None, max_examples=40)
@given(x=mst.safe_floats("pow_exponent"), base=st.floats(0.1, 5))
def test_number_to_the_power_of_a_value(x, base):
    gradcheck(lambda v: base**v, [Value(x)])


@settings(deadline=None, max_examples=40)
@given(x=st.floats(-3, 3), n=st.integers(-3, 4))
def test_integer_power_of_any_sign(x, n):
    if n < 0 and abs(x) < 0.1:
        x = 0.5  # keep away from the pole of x ** -n
    gradcheck(lambda v: v**n, [Value(x)])


@settings(deadline=None, max_examples=40)
@given(xs=st.lists(mst.safe_floats("any"), min_size=1, max_size=6))
def test_sum_is_one_nary_node(xs):
    leaves = [Value(x) for x in xs]
    total = Value.sum(leaves)
    assert total.parents == tuple(leaves)
    assert total.local_derivatives == (1.0,) * len(xs)
    gradcheck(lambda *vs: Value.sum(vs) * Value.sum(vs), leaves)


@settings(deadline=None, max_examples=40)
@given(pairs=st.lists(st.tuples(mst.safe_floats("any"), mst.safe_floats("any")), min_size=1, max_size=5))
def test_dot_matches_finite_differences(pairs):
    n = len(pairs)
    leaves = [Value(a) for a, _ in pairs] + [Value(b) for _, b in pairs] + [Value(0.5)]
    gradcheck(lambda *vs: Value.dot(vs[:n], vs[n : 2 * n], bias=vs[-1]).tanh(), leaves)


@settings(deadline=None, max_examples=60)
@given(expr=mst.expressions(n_inputs=3), xs=st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_random_expression_graphs_with_reuse(expr, xs):
    gradcheck(expr, [Value(x) for x in xs])


# --- kink conventions, pinned -------------------------------------------
@given(x=mst.safe_floats("relu"))
@example(x=0.0)
def test_relu_derivative_convention(x):
    out = Value(x).relu()
    # relu'(0) = 0, like PyTorch: the kink takes the left slope.
    assert out.local_derivatives == ((1.0 if x > 0 else 0.0),)


@given(x=mst.safe_floats("abs"))
@example(x=0.0)
def test_abs_derivative_convention(x):
    out = Value(x).abs()
    assert out.local_derivatives == (math.copysign(1.0, x) if x != 0 else 0.0,)


@given(x=mst.safe_floats("leaky_relu"))
@example(x=0.0)
def test_leaky_relu_derivative_convention(x):
    out = Value(x).leaky_relu(0.2)
    assert out.local_derivatives == ((1.0 if x > 0 else 0.2),)


@given(x=st.floats(-1e6, 1e6))
@example(x=0.0)
@example(x=-0.0)
def test_step_value_and_zero_derivative(x):
    out = Value(x).step()
    assert out.data == (1.0 if x >= 0 else 0.0)
    assert out.local_derivatives == (0.0,)


def test_gradcheck_flags_the_relu_kink():
    result = gradcheck(lambda v: v.relu(), [Value(0.0)], raise_on_failure=False)
    assert not result.ok
    assert result.rows[0].kink
    assert "kink?" in str(result)


# ------------------------------------------------- ** at 0, inf and nan: PyTorch's conventions
POW_GRID = [0.0, -0.0, 1e-310, 1.0, 2.0, -1.0, math.inf, math.nan]


def _same(x, y):
    return (math.isnan(x) and math.isnan(y)) or x == y


def _pow_grads(a0, b0, create_graph):
    a, b = Value(a0), Value(b0)
    (a**b).backward(create_graph=create_graph)
    return tuple(g if isinstance(g, float) else g.data for g in (a.grad, b.grad))


@pytest.mark.parametrize(
    "a0, b0, expected",
    [
        (0.0, 0.0, (0.0, 0.0)),  # df/da masked at b = 0, df/db the limit at a = 0
        (0.0, -1.0, (-math.inf, -math.inf)),  # b < 0: inf * log(0)
        (1e-310, 0.0, (0.0, math.log(1e-310))),  # 1/a overflows, 0 * inf masked
        (math.nan, 0.0, (0.0, math.nan)),
    ],
)
@pytest.mark.parametrize("create_graph", [False, True])
def test_pow_conventions_the_same_with_create_graph(a0, b0, expected, create_graph):
    got = _pow_grads(a0, b0, create_graph)
    assert all(_same(x, y) for x, y in zip(got, expected)), got


@pytest.mark.parametrize("a0", POW_GRID)
@pytest.mark.parametrize("b0", POW_GRID)
def test_pow_gradients_match_pytorch_with_and_without_create_graph(a0, b0):
    torch = pytest.importorskip("torch")
    ta = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    (ta**tb).backward()
    expected = (ta.grad.item(), tb.grad.item())
    for create_graph in (False, True):
        got = _pow_grads(a0, b0, create_graph)
        assert all(_same(x, y) for x, y in zip(got, expected)), (create_graph, got, expected)


@pytest.mark.parametrize("base", [0.0, -0.0, 2.0])
@pytest.mark.parametrize("x0", [-2.0, -1.0, 0.0, 0.5, 2.0, math.inf, math.nan])
def test_number_to_the_power_of_a_value_matches_pytorch_at_base_0(base, x0):
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    (base**tx).backward()
    for create_graph in (False, True):
        x = Value(x0)
        (base**x).backward(create_graph=create_graph)
        got = x.grad if isinstance(x.grad, float) else x.grad.data
        assert _same(got, tx.grad.item()), (create_graph, got, tx.grad.item())


def test_zero_to_a_negative_value_has_gradient_minus_inf():
    x = Value(-1.0)
    (0.0**x).backward()
    assert x.grad == -math.inf  # out * log(0) = inf * -inf, as Tensor and PyTorch; 0 for x >= 0
