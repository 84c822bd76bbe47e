"""The engine's zero shortcut: backward() skips a scalar node whose gradient is exactly 0 when its op has
`finite_derivatives`, and the gradients come out exactly as if it had visited every node."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from microgradnn import Value
from microgradnn.nn import MLP
from microgradnn.nn import functional as F
from microgradnn.scalar import functions as SF
from microgradnn.scalar.value import ScalarFunction

# How to call each op that claims finite derivatives: its number of inputs and its constants.
_CALLS: dict[type[ScalarFunction], tuple[int, dict[str, float]]] = {
    SF.Add: (2, {}),
    SF.Sub: (2, {}),
    SF.Mul: (2, {}),
    SF.Neg: (1, {}),
    SF.Exp: (1, {}),
    SF.Tanh: (1, {}),
    SF.Sigmoid: (1, {}),
    SF.Relu: (1, {}),
    SF.LeakyRelu: (1, {"negative_slope": 0.01}),
    SF.Abs: (1, {}),
    SF.Step: (1, {}),
    SF.Sum: (3, {}),
    SF.Dot: (5, {}),  # x1, x2, y1, y2, bias
    SF.BinaryCrossEntropy: (1, {"target": 0.3}),
}
_FLAGGED = sorted(
    (cls for cls in vars(SF).values() if isinstance(cls, type) and issubclass(cls, ScalarFunction)),
    key=lambda cls: cls.__name__,
)
_FLAGGED = [cls for cls in _FLAGGED if cls.finite_derivatives]

any_float = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e308])


def same(a: float, b: float) -> bool:
    """Equal bit for bit as far as a learner can tell: nan matches nan, and 0.0 does not match -0.0."""
    if isinstance(a, Value) or isinstance(b, Value):
        return False
    return repr(a) == repr(b)


def test_every_op_that_claims_finite_derivatives_is_checked_below():
    assert set(_FLAGGED) == set(_CALLS)


@pytest.mark.parametrize("op", _FLAGGED, ids=lambda cls: cls.__name__)
@given(xs=st.lists(any_float, min_size=5, max_size=5))
@example(xs=[0.0, 0.0, 0.0, 0.0, 0.0])
@example(xs=[5e-324, 1e308, 5e-324, 1e308, 0.0])
def test_an_op_with_finite_derivatives_sends_only_zeros_for_a_zero_gradient(op, xs):
    arity, constants = _CALLS[op]
    node = op.apply(*[Value(x) for x in xs[:arity]], **constants)
    if not math.isfinite(node.data):
        return  # the shortcut never skips a node whose output is inf or nan
    contributions = op.backward(node._ctx, 0.0)
    assert all(c == 0.0 for c in contributions), (op.__name__, xs[:arity], contributions)


@pytest.mark.parametrize(
    ("build", "inputs"),
    [
        (lambda x: x.sqrt(), [0.0]),  # sqrt'(0) = inf
        (lambda x: x**0.5, [0.0]),
        (lambda a, b: a / b, [0.0, 5e-324]),  # 1/b overflows for a subnormal b
        (lambda x: x.log(), [5e-324]),
    ],
    ids=["sqrt", "pow", "div", "log"],
)
def test_an_op_whose_derivative_blows_up_at_a_finite_output_is_never_skipped(build, inputs):
    leaves = [Value(x) for x in inputs]
    out = build(*leaves)
    assert math.isfinite(out.data) and not out._fn.finite_derivatives
    contributions = out._fn.backward(out._ctx, 0.0)
    assert any(math.isnan(c) for c in contributions)  # 0 * inf: skipping would hide this nan


def test_a_zero_gradient_into_sqrt_at_zero_gives_nan_as_pytorch():
    # torch: x = 0, ((x.sqrt() - 1).relu()).backward() gives x.grad = nan (relu sends 0, sqrt's backward 0 / 0).
    x = Value(0.0)
    ((x.sqrt() - 1).relu()).backward()
    assert math.isnan(x.grad)


# A small random graph: each new node is one op on earlier nodes, so zeros (relu, step) meet every other op.
_OPS = {
    "+": (2, lambda a, b: a + b),
    "-": (2, lambda a, b: a - b),
    "*": (2, lambda a, b: a * b),
    "/": (2, lambda a, b: a / b),
    "relu": (1, lambda a: a.relu()),
    "step": (1, lambda a: a.step()),
    "tanh": (1, lambda a: a.tanh()),
    "sqrt": (1, lambda a: a.sqrt()),
    "log": (1, lambda a: a.log()),
    "exp": (1, lambda a: a.exp()),
    "abs": (1, lambda a: a.abs()),
    "**2": (1, lambda a: a**2),
    "dot": (3, lambda a, b, c: Value.dot([a, b], [b, c])),
    "sum": (3, lambda a, b, c: Value.sum([a, b, c])),
}
_op_calls = st.tuples(st.sampled_from(sorted(_OPS)), st.lists(st.integers(0, 10**6), min_size=3, max_size=3))


def _build(inputs: list[float], calls: list) -> tuple[list[Value], Value]:
    nodes = [Value(x) for x in inputs]
    leaves = list(nodes)
    for name, picks in calls:
        arity, fn = _OPS[name]
        nodes.append(fn(*[nodes[i % len(nodes)] for i in picks[:arity]]))
    return leaves, (nodes[-1] - 1.0).relu() + nodes[-2] * 0.0  # a relu and a * 0 put zeros at the root


@settings(max_examples=300, deadline=None)
@given(
    inputs=st.lists(any_float | st.floats(-3, 3), min_size=2, max_size=4),
    calls=st.lists(_op_calls, min_size=2, max_size=10),
)
@example(inputs=[0.0, -1.0], calls=[("sqrt", [0, 0, 0]), ("relu", [1, 0, 0])])
def test_backward_gives_the_gradients_of_visiting_every_node(inputs, calls):
    leaves, root = _build(inputs, calls)
    root.backward()  # takes the shortcut
    fast = [leaf.grad for leaf in leaves]
    leaves, root = _build(inputs, calls)
    for _ in root.backward_steps():  # visits every node: the reference
        pass
    full = [leaf.grad for leaf in leaves]
    assert all(same(a, b) for a, b in zip(fast, full)), (fast, full)


def test_backward_skips_every_node_of_a_sample_outside_the_margin(monkeypatch):
    model = MLP(2, [4, 1], weights=[[[1.0, 1.0]] * 4, [[1.0] * 4]], biases=[[0.0] * 4, [0.0]])
    loss = F.hinge_loss([model([1.0, 1.0])], [1.0])  # score 8 for target +1: relu(1 - 8) = 0 sends 0 back
    calls = []
    dot_backward = SF.Dot.backward
    monkeypatch.setattr(
        SF.Dot, "backward", staticmethod(lambda ctx, grad: calls.append(grad) or dot_backward(ctx, grad))
    )
    loss.backward()
    assert loss.data == 0.0 and calls == []  # no neuron's backward ran
    assert all(p.grad == 0.0 for p in model.parameters())
    steps = [step for step in loss.backward_steps() if step.node._fn is SF.Dot]
    assert len(steps) == 5 and all(step.upstream == 0.0 for step in steps)  # pictures still see every neuron
