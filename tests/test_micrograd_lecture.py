"""The patterns of the micrograd lecture, written with microgradnn's Value.

A learner who follows the lecture with our `Value` in place of the one built
there reads `v._prev` (the set of a node's operands) to trace the graph and to
sort it, and calls `node._backward()` to do one node's chain-rule step by hand.
These tests do the same things in our own code and check every gradient
against `backward()` and against finite differences. The pattern, not the
lecture's text: the functions below are ours.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from pathlib import Path

import pytest

from microgradnn import Value, engine, nn, viz

H = 1e-6
DOCS = Path(__file__).resolve().parents[1] / "docs"


# ------------------------------------------------------------------ the learner's helpers
def trace(root: Value) -> tuple[set[Value], set[tuple[Value, Value]]]:
    """Every node and every (operand, result) edge behind `root`, by walking `_prev`."""
    nodes: set[Value] = set()
    edges: set[tuple[Value, Value]] = set()
    todo = [root]
    while todo:
        v = todo.pop()
        if v in nodes:
            continue
        nodes.add(v)
        for parent in v._prev:
            edges.add((parent, v))
            todo.append(parent)
    return nodes, edges


def build_topo(root: Value) -> list[Value]:
    """Operands before results, recursively through `_prev`, as the lecture sorts its graph."""
    order: list[Value] = []
    seen: set[int] = set()

    def visit(v: Value) -> None:
        if id(v) in seen:
            return
        seen.add(id(v))
        for parent in v._prev:
            visit(parent)
        order.append(v)

    visit(root)
    return order


def backward_by_hand(root: Value) -> None:
    """Seed the output, then one `_backward()` per node from the output back to the inputs."""
    root.grad = 1.0
    for node in reversed(build_topo(root)):
        node._backward()


def neuron(x1: float = 1.5, x2: float = -0.5, w1: float = -2.0, w2: float = 0.8, b: float = 2.4):
    """A two-input tanh neuron with every intermediate node named, as one draws it on paper."""
    v = {name: Value(val, label=name) for name, val in dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b).items()}
    v["x1*w1"] = v["x1"] * v["w1"]
    v["x2*w2"] = v["x2"] * v["w2"]
    v["sum"] = v["x1*w1"] + v["x2*w2"]
    v["n"] = v["sum"] + v["b"]
    v["o"] = v["n"].tanh()
    for name in ("x1*w1", "x2*w2", "sum", "n", "o"):
        v[name].label = name
    return v


LEAVES = ("x1", "x2", "w1", "w2", "b")


def finite_difference(name: str) -> float:
    """d o / d leaf by central differences on plain floats."""
    base = {k: neuron()[k].data for k in LEAVES}
    up, down = dict(base), dict(base)
    up[name] += H
    down[name] -= H
    return (neuron(**up)["o"].data - neuron(**down)["o"].data) / (2 * H)


def engine_grads() -> dict[str, float]:
    v = neuron()
    v["o"].backward()
    return {k: v[k].grad for k in v}


# ------------------------------------------------------------------ the graph, read through _prev
def test_prev_is_the_set_of_operands():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    assert isinstance(c._prev, set) and c._prev == {a, b}
    assert len(c._prev) == 2 and all(any(p is q for q in (a, b)) for p in c._prev)
    doubled = a + a
    assert len(doubled._prev) == 1 and next(iter(doubled._prev)) is a  # a set: a appears once
    assert a._prev == set()  # a leaf has no operands
    assert c._op == c.op == "*"


def test_tracing_prev_finds_the_same_graph_the_engine_and_the_picture_use():
    v = neuron()
    nodes, edges = trace(v["o"])
    order = engine.topological_order(v["o"])
    assert {id(n) for n in nodes} == {id(n) for n in order}
    assert {(id(p), id(c)) for p, c in edges} == {(id(p), id(n)) for n in order for p in n.parents}
    assert {n.label for n in nodes} == set(v)
    # The lecture draws this graph with graphviz; draw_graph draws the same nodes.
    source = viz.draw_graph(v["o"]).source
    for name in v:
        assert name in source


def test_topological_sort_through_prev_puts_operands_first():
    v = neuron()
    topo = build_topo(v["o"])
    position = {id(n): i for i, n in enumerate(topo)}
    assert topo[-1] is v["o"] and len(topo) == len(engine.topological_order(v["o"]))
    for n in topo:
        for p in n._prev:
            assert position[id(p)] < position[id(n)]


# ------------------------------------------------------------------ backprop by hand
def test_backward_one_node_at_a_time_in_the_order_one_works_it_out_on_paper():
    v = neuron()
    v["o"].grad = 1.0
    for name in ("o", "n", "sum", "x1*w1", "x2*w2"):  # each node after every node that uses it
        v[name]._backward()
        if name == "o":  # d tanh(n)/dn = 1 - tanh(n)^2
            assert v["n"].grad == pytest.approx(1 - v["o"].data ** 2, rel=1e-12)
        if name == "n":  # a sum passes its gradient on unchanged
            assert v["sum"].grad == v["b"].grad == v["n"].grad
    expected = engine_grads()
    for k in LEAVES:
        assert v[k].grad == pytest.approx(expected[k], rel=1e-12, abs=1e-15), k
        assert v[k].grad == pytest.approx(finite_difference(k), rel=1e-6, abs=1e-8), k
    assert v["x1"].grad == pytest.approx(v["w1"].data * v["x1*w1"].grad, rel=1e-12)  # the chain rule, by name


def test_backward_over_the_sorted_graph_equals_backward():
    v = neuron()
    backward_by_hand(v["o"])
    expected = engine_grads()
    for k in v:
        assert v[k].grad == pytest.approx(expected[k], rel=1e-12, abs=1e-15), k


def test_backward_of_a_leaf_does_nothing_and_a_step_accumulates():
    a = Value(3.0, label="a")
    a.grad = 5.0
    a._backward()
    assert a.grad == 5.0
    b = a * a  # a used twice: both contributions must add up, not overwrite
    a.grad = 0.0
    b.grad = 1.0
    b._backward()
    assert a.grad == pytest.approx(2 * a.data)
    b._backward()  # the step adds (+=): calling it again adds the same contribution again
    assert a.grad == pytest.approx(4 * a.data)


def test_tanh_spelled_out_with_exp_gives_the_same_gradients():
    v = neuron()
    n = v["n"]
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    assert o.data == pytest.approx(v["o"].data, rel=1e-12)
    backward_by_hand(o)
    expected = engine_grads()
    for k in LEAVES:
        assert v[k].grad == pytest.approx(expected[k], rel=1e-9, abs=1e-12), k


# ------------------------------------------------------------------ the network and the training loop
def test_a_small_mlp_trains_with_the_lectures_loop_and_by_hand_backprop_agrees():
    xs = [[1.0, -2.0, 0.5], [-1.5, 0.5, 2.0], [0.5, 1.5, -1.0], [2.0, 0.0, 1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    model = nn.MLP(3, [4, 4, 1], activation="tanh", seed=0)

    def loss_of_model() -> Value:
        preds = [model(x) for x in xs]
        return sum(((p - y) ** 2 for p, y in zip(preds, ys)), Value(0.0))

    # One pass by hand on a graph of its own, one by the engine: the same gradients.
    backward_by_hand(loss_of_model())
    by_hand = [p.grad for p in model.parameters()]
    for p in model.parameters():
        p.grad = 0.0
    loss_of_model().backward()
    assert by_hand == pytest.approx([p.grad for p in model.parameters()], rel=1e-12, abs=1e-15)

    losses = []
    for _ in range(30):
        loss = loss_of_model()
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.data += -0.05 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.25 * losses[0]
    assert all(math.isfinite(x) for x in losses)


# ------------------------------------------------------------------ the guide's own code
PY_FENCE = re.compile(r"^```py[ \t]*\n(.*?)^```[ \t]*\n(?:\s*^```text[ \t]*\n(.*?)^```[ \t]*$)?", re.M | re.S)


def run_py_blocks(page: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> int:
    """Run a page's ```py blocks in order in one namespace, in `tmp_path`; a ```text block right after
    one is the output the page promises, line for line. Returns how many blocks ran.

    (```python blocks run in tests/test_docs.py; a page uses ```py for code that needs an optional
    part, PyTorch or the lecture's names, so that the test which has it runs that code.)
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    text = page.read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    count = 0
    for match in PY_FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 2
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(match.group(1), f"{page.name}:{line}", "exec"), namespace)
        if match.group(2) is not None:
            got = [x.rstrip() for x in printed.getvalue().strip("\n").splitlines()]
            want = [x.rstrip() for x in match.group(2).strip("\n").splitlines()]
            assert got == want, f"{page.name}: the output of the block at line {line}"
        count += 1
    return count


@pytest.mark.parametrize("page", ["guides/micrograd-lecture.md", "ko/guides/micrograd-lecture.md"])
def test_the_guide_runs_as_written(page, monkeypatch, tmp_path):
    assert run_py_blocks(DOCS / page, monkeypatch, tmp_path) >= 8
