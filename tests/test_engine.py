"""The graph core: order, accumulation, backward twice, steps, deep graphs."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradnn import Value, enable_grad, is_grad_enabled, no_grad, topological_order
from microgradnn.scalar.value import ScalarFunction
from microgradnn.testing import strategies as mst


def test_topological_order_puts_parents_first():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    order = topological_order(d)
    assert order[-1] is d
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert len(order) == 4  # each node once, even though `a` is used twice


def _depth_first_order(roots):
    """The textbook recursive depth-first search (parents last-first), the reference for the iterative one."""
    order, seen = [], set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        for parent in reversed(node.parents):
            visit(parent)
        order.append(node)

    for root in roots:
        visit(root)
    return order


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_topological_order_is_the_depth_first_order_of_the_textbook(data):
    leaves = [Value(1.0) for _ in range(data.draw(st.integers(1, 4)))]
    nodes = list(leaves)
    for _ in range(data.draw(st.integers(0, 25))):  # each new node reads 1-5 earlier ones, repeats allowed
        picks = data.draw(st.lists(st.integers(0, len(nodes) - 1), min_size=1, max_size=5))
        nodes.append(Value.sum([nodes[i] for i in picks]))
    roots = [nodes[i] for i in data.draw(st.lists(st.integers(0, len(nodes) - 1), min_size=1, max_size=3))]
    order = topological_order(roots)
    assert order == _depth_first_order(roots)
    assert len({id(n) for n in order}) == len(order)


def test_gradients_accumulate_across_backward_calls_until_zero_grad():
    x = Value(3.0)
    y = x * x
    y.backward()
    assert x.grad == 6.0
    y.backward()  # the same graph again: leaves accumulate, interior nodes restart
    assert x.grad == 12.0
    assert y.grad == 1.0
    x.zero_grad()
    y.backward()
    assert x.grad == 6.0


def test_interior_grad_shows_latest_pass():
    x = Value(2.0)
    h = x * 3
    (h + 1).backward()
    (h * 5).backward()
    assert h.grad == 5.0
    assert x.grad == 3.0 + 15.0


def test_backward_with_explicit_gradient():
    x = Value(2.0)
    (x * 4).backward(0.5)
    assert x.grad == 2.0


def test_backward_on_a_leaf():
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


@settings(deadline=None, max_examples=40)
@given(expr=mst.expressions(n_inputs=3), xs=st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_backward_steps_agree_with_backward(expr, xs):
    leaves_a = [Value(x) for x in xs]
    expr(*leaves_a).backward()
    leaves_b = [Value(x) for x in xs]
    root = expr(*leaves_b)
    steps = list(root.backward_steps())
    assert [a.grad for a in leaves_a] == [b.grad for b in leaves_b]
    # Each step's contributions are local derivative x upstream, and steps go in reverse topological order.
    seen = set()
    for step in steps:
        assert id(step.node) not in seen
        for parent in step.parents:
            assert id(parent) not in seen  # a parent is never processed before its child
        seen.add(id(step.node))
        for local, contribution in zip(step.local_derivatives, step.contributions, strict=True):
            assert contribution == local * step.upstream


def test_step_records_and_prints():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = x * w
    y.label = "y"
    (step,) = list(y.backward_steps())
    assert step.node is y and step.upstream == 1.0
    assert step.parents == (x, w)
    assert step.local_derivatives == (-3.0, 2.0)
    assert step.contributions == (-3.0, 2.0)
    text = str(step)
    assert "y[-6]" in text and "x[2]" in text and "local d = -3" in text


def test_backward_steps_can_be_stopped_halfway():
    x = Value(1.0)
    y = ((x * 2).tanh() * 3).exp()
    steps = y.backward_steps()
    next(steps)
    assert x.grad == 0.0  # not reached yet: stepping really is one node at a time
    for _ in steps:
        pass
    assert x.grad != 0.0


def test_million_node_chain_backprops_without_recursion():
    x, one = Value(1.0), Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + one  # a shared constant: a million new nodes, not two million
    y.backward()
    assert x.grad == 1.0
    assert one.grad == 1_000_000.0


def test_no_grad_and_enable_grad_nest():
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        with enable_grad():
            assert is_grad_enabled()
            y = Value(1.0) * 2
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert y.parents != ()


def test_no_grad_and_enable_grad_as_decorators():
    @no_grad()
    def evaluate(x, depth):
        assert not is_grad_enabled()
        y = x * 2
        if depth:
            y = evaluate(y, depth - 1)  # each level restores the mode it found
        assert not is_grad_enabled()
        return y

    @enable_grad()
    def record(x):
        return x * 2

    y = evaluate(Value(1.0), 2)
    assert is_grad_enabled() and y.parents == () and y.data == 8.0
    assert evaluate.__name__ == "evaluate"
    with no_grad():
        assert record(Value(1.0)).parents != ()
        assert not is_grad_enabled()


def test_no_grad_restores_mode_after_an_error():
    with pytest.raises(TypeError), no_grad():
        Value(-1.0).leaky_relu("a")
    assert is_grad_enabled()


def test_failed_backward_restores_leaf_gradients():
    class Exploding(ScalarFunction):
        @staticmethod
        def forward(ctx, a):
            return a

        @staticmethod
        def backward(ctx, grad):
            raise RuntimeError("boom")

    x = Value(2.0)
    y = x * 3
    y.backward()
    bad = Exploding.apply(y)
    z = bad + x * 1.0  # x gets a contribution before `bad` fails
    with pytest.raises(RuntimeError, match="boom"):
        z.backward()
    assert x.grad == 3.0
