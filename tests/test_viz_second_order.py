"""Pictures of a second-order pass: the gradient that backward(create_graph=True) built is a graph of its own,
drawn and played like any other."""

from __future__ import annotations

import math
import re

import pytest

from microgradnn import Value, topological_order, viz

pytest.importorskip("graphviz")


def gradient_graph() -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    y = (x * x * x).tanh()
    y.backward(create_graph=True)
    g = x.grad
    g.label = "dy/dx"
    return x, g


def test_the_gradient_is_drawn_as_its_own_graph() -> None:
    x, g = gradient_graph()
    t = math.tanh(0.125)
    assert g.data == pytest.approx(3 * 0.25 * (1 - t * t))
    source = viz.draw_graph(g).source
    assert "dy/dx" in source and re.search(r"\bx\b", source)
    ops = {n.op for n in topological_order(g) if not n.is_leaf}
    assert {"*", "+"} <= ops  # the chain rule's products and sums, recorded as ops
    assert x in topological_order(g)  # the gradient depends on x: it can be differentiated again


def test_a_second_order_pass_plays_step_by_step(tmp_path) -> None:
    x, g = gradient_graph()
    frames = viz.backward_frames(g)
    interior = [n for n in topological_order(g) if not n.is_leaf]
    assert len(frames) == len(interior) + 1  # the forward picture, then one frame per node of the gradient's graph
    path = tmp_path / "second_order.html"
    viz.save_html(g, path)
    assert path.stat().st_size > 1000
    x.zero_grad()
    g.backward()  # the frames restored every grad: the second derivative is still there to take
    h = 1e-5

    def first(v: float) -> float:
        return 3 * v * v * (1 - math.tanh(v**3) ** 2)

    assert x.grad == pytest.approx((first(0.5 + h) - first(0.5 - h)) / (2 * h), rel=1e-6)
