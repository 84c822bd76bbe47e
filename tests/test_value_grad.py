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
