"""Every Tensor op against central differences (full Jacobian, float64), with the package's strategies and gradcheck."""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from microgradnn import Tensor, gradcheck
from microgradnn.tensor import concatenate, maximum, minimum, stack, where
from microgradnn.testing import strategies as mst

SMALL = mst.shapes(max_dims=3, max_side=3)
FAST = settings(deadline=None, max_examples=25)


def leaf(a, label=""):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=True, label=label)


# --- elementwise ----------------------------------------------------------
UNARY = {
    "exp": (lambda x: x.exp(), "exp"),
    "log": (lambda x: x.log(), "log"),
    "sqrt": (lambda x: x.sqrt(), "sqrt"),
    "tanh": (lambda x: x.tanh(), "tanh"),
    "sigmoid": (lambda x: x.sigmoid(), "sigmoid"),
    "relu": (lambda x: x.relu(), "relu"),
    "leaky_relu": (lambda x: x.leaky_relu(0.1), "leaky_relu"),
    "abs": (lambda x: x.abs(), "abs"),
    "step": (lambda x: x.step(), "step"),
    "neg": (lambda x: -x, "neg"),
    "clip": (lambda x: x.clip(-1.0, 1.0), "clip"),
    "square": (lambda x: x**2, "any"),
    "cube": (lambda x: x**3, "any"),
    "pow 0.5": (lambda x: x**0.5, "sqrt"),
    "pow -2": (lambda x: x**-2, "/"),
    "pow 0": (lambda x: x**0, "any"),
    "2 ** x": (lambda x: 2**x, "pow_exponent"),
    "1 - x": (lambda x: 1 - x, "any"),
    "3 / x": (lambda x: 3 / x, "/"),
    "x * 2.5 + 1": (lambda x: x * 2.5 + 1, "any"),
}


@pytest.mark.parametrize("op", sorted(UNARY))
@FAST
@given(data=st.data())
def test_elementwise_ops_match_finite_differences(op, data):
    f, domain = UNARY[op]
    x = data.draw(mst.arrays(SMALL, domain), label="x")
    gradcheck(f, [leaf(x, "x")])


BINARY = {
    "+": (lambda a, b: a + b, "any", "any"),
    "-": (lambda a, b: a - b, "any", "any"),
    "*": (lambda a, b: a * b, "any", "any"),
    "/": (lambda a, b: a / b, "any", "/"),
    "**": (lambda a, b: a**b, "pow_base", "pow_exponent"),
}


@pytest.mark.parametrize("op", sorted(BINARY))
@FAST
@given(data=st.data())
def test_broadcasting_binary_ops_match_finite_differences(op, data):
    f, left, right = BINARY[op]
    a, b = data.draw(mst.broadcastable_pairs(left, right), label="a, b")
    gradcheck(f, [leaf(a, "a"), leaf(b, "b")])


@st.composite
def gapped_pair(draw):
    """Two broadcastable arrays whose elements are all distinct, so maximum/minimum never tie."""
    shapes = draw(st.sampled_from([((2, 3), (3,)), ((2, 1), (1, 3)), ((3,), (3,)), ((), (2, 2))]))
    sizes = [math.prod(s) for s in shapes]
    pool = draw(mst.arrays((sum(sizes),), min_gap=0.05))
    return pool[: sizes[0]].reshape(shapes[0]), pool[sizes[0] :].reshape(shapes[1])


@pytest.mark.parametrize("fn", [maximum, minimum])
@FAST
@given(pair=gapped_pair())
def test_maximum_minimum_match_finite_differences(fn, pair):
    a, b = pair
    gradcheck(fn, [leaf(a, "a"), leaf(b, "b")])


@FAST
@given(pair=mst.broadcastable_pairs(), data=st.data())
def test_where_matches_finite_differences(pair, data):
    a, b = pair
    shape = np.broadcast_shapes(a.shape, b.shape)
    cond = data.draw(st.lists(st.booleans(), min_size=math.prod(shape), max_size=math.prod(shape)), label="cond")
    cond = np.array(cond, dtype=bool).reshape(shape)
    gradcheck(lambda x, y: where(cond, x, y), [leaf(a, "a"), leaf(b, "b")])


@FAST
@given(pair=mst.matmul_pairs())
def test_matmul_matches_finite_differences(pair):
    a, b = pair
    gradcheck(lambda x, y: x @ y, [leaf(a, "a"), leaf(b, "b")])


# --- reductions -------------------------------------------------------------
@st.composite
def axis_for(draw, shape):
    """None, one axis (possibly negative) or a tuple of distinct axes of `shape`."""
    ndim = len(shape)
    if ndim == 0:
        return None
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        return None
    if choice == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)))


REDUCTIONS = {
    "sum": lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
    "mean": lambda x, axis, keepdims: x.mean(axis=axis, keepdims=keepdims),
    "var": lambda x, axis, keepdims: x.var(axis=axis, keepdims=keepdims),
    "logsumexp": lambda x, axis, keepdims: x.logsumexp(axis=axis, keepdims=keepdims),
    "max": lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims),
    "min": lambda x, axis, keepdims: x.min(axis=axis, keepdims=keepdims),
}


@pytest.mark.parametrize("op", sorted(REDUCTIONS))
@FAST
@given(data=st.data())
def test_reductions_match_finite_differences(op, data):
    shape = data.draw(SMALL, label="shape")
    # max and min jump where two elements tie: keep them apart.
    x = data.draw(mst.arrays(shape, min_gap=0.05 if op in ("max", "min") else None), label="x")
    axis = data.draw(axis_for(shape), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    gradcheck(lambda t: REDUCTIONS[op](t, axis, keepdims), [leaf(x, "x")])


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@FAST
@given(data=st.data())
def test_softmax_family_matches_finite_differences(op, data):
    shape = data.draw(mst.shapes(min_dims=1, max_dims=3, max_side=3), label="shape")
    x = data.draw(mst.arrays(shape), label="x")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    gradcheck(lambda t: getattr(t, op)(axis=axis), [leaf(x, "x")])


@FAST
@given(pair=mst.logits_and_targets())
def test_cross_entropy_built_from_log_softmax_and_indexing(pair):
    logits, targets = pair
    rows = np.arange(len(targets))
    gradcheck(lambda z: -z.log_softmax(axis=1)[rows, targets].mean(), [leaf(logits, "logits")])


# --- shapes and indexing -------------------------------------------------
SHAPE_OPS = {
    "reshape": lambda x: x.reshape(-1),
    "reshape 2d": lambda x: x.reshape(x.size, 1),
    "flatten": lambda x: x.flatten(),
    "unsqueeze squeeze": lambda x: x.unsqueeze(0).squeeze(0),
    "squeeze all": lambda x: x.squeeze(),
    "T": lambda x: x.T,
    "transpose()": lambda x: x.transpose(),
    "permute": lambda x: x.permute(*reversed(range(x.ndim))),
    "broadcast_to": lambda x: x.broadcast_to((2, *x.shape)),
}


@pytest.mark.parametrize("op", sorted(SHAPE_OPS))
@FAST
@given(x=mst.arrays(SMALL))
def test_shape_ops_match_finite_differences(op, x):
    # Multiplying by distinct weights makes every output element matter differently.
    def f(t):
        out = SHAPE_OPS[op](t)
        return out * Tensor(np.arange(1.0, out.size + 1).reshape(out.shape))

    gradcheck(f, [leaf(x, "x")])


@FAST
@given(data=st.data())
def test_swapping_two_axes_matches_finite_differences(data):
    x = data.draw(mst.arrays(mst.shapes(min_dims=2, max_dims=3, max_side=3)), label="x")
    a, b = data.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=2, max_size=2), label="axes")
    gradcheck(lambda t: t.transpose(a, b).exp(), [leaf(x, "x")])


@FAST
@given(data=st.data())
def test_concatenate_and_stack_match_finite_differences(data):
    shape = data.draw(mst.shapes(min_dims=1, max_dims=3, max_side=3), label="shape")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    other = list(shape)
    other[axis] = data.draw(st.integers(1, 3), label="other side")
    a, b = data.draw(mst.arrays(shape), label="a"), data.draw(mst.arrays(tuple(other)), label="b")
    gradcheck(lambda x, y: concatenate([x, y.tanh(), x], axis=axis), [leaf(a, "a"), leaf(b, "b")])
    c = data.draw(mst.arrays(shape), label="c")
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="new axis")
    gradcheck(lambda x, y: stack([x, y.exp()], axis=new_axis), [leaf(a, "a"), leaf(c, "c")])


@st.composite
def index_for(draw, shape):
    """An index into `shape`: an int, a slice, a repeated integer array, a boolean mask, or a mix with None."""
    kind = draw(st.sampled_from(["int", "slice", "ints", "mask", "mixed"]))
    n = shape[0]
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "slice":
        start = draw(st.integers(-n, n))
        return slice(start, None, draw(st.sampled_from([1, 2, -1])))
    if kind == "ints":  # repeats are likely: each must add its gradient
        return np.array(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5)))
    if kind == "mask":
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    rows = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))
    if len(shape) == 1:
        return (None, np.array(rows))
    cols = draw(st.lists(st.integers(0, shape[1] - 1), min_size=len(rows), max_size=len(rows)))
    return (np.array(rows), np.array(cols))


@FAST
@given(data=st.data())
def test_indexing_matches_finite_differences(data):
    x = data.draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3, max_side=3)), label="x")
    key = data.draw(index_for(x.shape), label="key")
    gradcheck(lambda t: t[key] * 1.5, [leaf(x, "x")])


def test_repeated_indices_accumulate():
    x = leaf([1.0, 2.0, 3.0])
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


# --- non-contiguous inputs -----------------------------------------------
NON_CONTIGUOUS = {
    "exp of a transpose": lambda x: x.T.exp(),
    "tanh of a strided slice": lambda x: x[::2].tanh(),
    "sum over a transpose": lambda x: x.T.sum(axis=0),
    "matmul with its transpose": lambda x: x.T @ x,
    "log_softmax of a transpose": lambda x: x.T.log_softmax(axis=-1),
    "broadcast add of a transpose": lambda x: x.T + x[0],
    "max of a permuted view": lambda x: x.permute(1, 0).max(axis=1),
}


@pytest.mark.parametrize("op", sorted(NON_CONTIGUOUS))
@FAST
@given(x=mst.arrays(st.just((3, 3)), min_gap=0.05))
def test_ops_on_non_contiguous_views_match_finite_differences(op, x):
    gradcheck(NON_CONTIGUOUS[op], [leaf(x, "x")])


@FAST
@given(data=st.data())
def test_ops_accept_non_contiguous_arrays_directly(data):
    a = data.draw(mst.non_contiguous_arrays((3, 2)), label="a")
    b = data.draw(mst.non_contiguous_arrays((2, 3)), label="b")
    assert not a.flags.c_contiguous and not b.flags.c_contiguous
    ta = Tensor(a, requires_grad=True, copy=False)
    tb = Tensor(b, requires_grad=True, copy=False)
    out = (ta @ tb).tanh()
    np.testing.assert_allclose(out.data, np.tanh(a @ b))
    out.sum().backward()
    g = 1 - np.tanh(a @ b) ** 2
    np.testing.assert_allclose(ta.grad, g @ b.T)
    np.testing.assert_allclose(tb.grad, a.T @ g)


# --- composition and the projected mode ----------------------------------
@FAST
@given(x=mst.arrays(st.just((4, 3))), w=mst.arrays(st.just((3, 2))), b=mst.arrays(st.just((2,))))
def test_a_small_network_matches_finite_differences(x, w, b):
    def f(x, w, b):
        h = (x @ w + b).tanh()
        return (h * h).mean() + h.sigmoid().var(axis=0).sum()

    gradcheck(f, [leaf(x, "x"), leaf(w, "w"), leaf(b, "b")])


@settings(deadline=None, max_examples=5)
@given(seed=st.integers(0, 2**32 - 1))
def test_projected_mode_on_a_large_layer(seed):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((64, 30)), rng.standard_normal((30, 20)) * 0.3, rng.standard_normal(20)
    result = gradcheck(
        # tanh, not relu: 1,280 pre-activations would put one within a finite difference of relu's kink
        lambda x, w, b: (x @ w + b).tanh().log_softmax(axis=1),
        [leaf(x), leaf(w), leaf(b)],
        mode="projected",
    )
    assert len(result.rows) == 3 * 3  # three projections, one row per input


# --- kink conventions, pinned ------------------------------------------------
def grad_of(f, x):
    t = leaf(x)
    f(t).sum().backward()
    return t.grad


@given(x=mst.safe_floats("relu"))
@example(x=0.0)
def test_relu_derivative_convention(x):
    # relu'(0) = 0, like PyTorch: the kink takes the left slope.
    assert grad_of(lambda t: t.relu(), [x])[0] == (1.0 if x > 0 else 0.0)


@given(x=mst.safe_floats("leaky_relu"))
@example(x=0.0)
def test_leaky_relu_derivative_convention(x):
    assert grad_of(lambda t: t.leaky_relu(0.2), [x])[0] == (1.0 if x > 0 else 0.2)


@given(x=mst.safe_floats("abs"))
@example(x=0.0)
def test_abs_derivative_convention(x):
    assert grad_of(lambda t: t.abs(), [x])[0] == (math.copysign(1.0, x) if x != 0 else 0.0)


@given(x=st.floats(-1e6, 1e6))
@example(x=0.0)
def test_step_passes_a_zero_gradient(x):
    t = leaf([x])
    out = t.step()
    assert out.data[0] == (1.0 if x >= 0 else 0.0)
    out.sum().backward()
    assert t.grad[0] == 0.0


@given(x=st.floats(-3, 3))
@example(x=-1.0)
@example(x=1.0)
def test_clip_passes_the_gradient_at_its_bounds(x):
    # Like PyTorch's clamp, the bounds themselves count as inside.
    assert grad_of(lambda t: t.clip(-1.0, 1.0), [x])[0] == (1.0 if -1.0 <= x <= 1.0 else 0.0)


def test_tied_maxima_share_the_gradient():
    np.testing.assert_array_equal(grad_of(lambda t: t.max(), [1.0, 3.0, 3.0, 0.0]), [0.0, 0.5, 0.5, 0.0])
    np.testing.assert_array_equal(grad_of(lambda t: t.min(axis=1), [[2.0, 2.0], [1.0, 5.0]]), [[0.5, 0.5], [1, 0]])
    a, b = leaf([1.0, 2.0, 3.0]), leaf([1.0, 5.0, 0.0])
    maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0, 0.0])
