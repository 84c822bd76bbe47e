"""Drawing while a backward_steps() pass is paused (a learner stepping through backward in a notebook and
looking at the graph at each step) neither disturbs the pass nor changes any gradient."""

from __future__ import annotations

import pytest

from microgradnn import Value, viz
from microgradnn.engine import recorded_steps


def _neuron() -> tuple[Value, list[Value]]:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    return (x * w + b).tanh(), [x, w, b]


def _grads(nodes: list[Value]) -> list[float]:
    return [n.grad for n in nodes]


def _paused_after_two_steps():
    """The neuron, its leaves, and a backward_steps() pass paused after its first two steps."""
    y, leaves = _neuron()
    steps = y.backward_steps()
    next(steps)
    next(steps)
    return y, leaves, steps


def _full_pass_grads() -> list[float]:
    y, leaves = _neuron()
    y.backward()
    return _grads(leaves)


DRAWINGS = {
    "draw_graph": lambda y, tmp: viz.draw_graph(y).source,
    "backward_frames": lambda y, tmp: viz.backward_frames(y),
    "save_html": lambda y, tmp: viz.save_html(y, tmp / "player.html"),
}


@pytest.mark.parametrize("draw", DRAWINGS.values(), ids=DRAWINGS.keys())
def test_drawing_between_steps_leaves_the_paused_pass_going_on(draw, tmp_path) -> None:
    y, leaves, steps = _paused_after_two_steps()
    mid = _grads(leaves)
    draw(y, tmp_path)
    assert _grads(leaves) == mid  # nothing changed by looking
    rest = list(steps)  # the pass goes on (it used to raise: "this pass was undone while it was paused")
    assert [s.index for s in rest] == [2]
    assert _grads(leaves) == _full_pass_grads()


@pytest.mark.parametrize("draw", DRAWINGS.values(), ids=DRAWINGS.keys())
def test_a_pass_closed_after_drawing_puts_every_gradient_back(draw, tmp_path) -> None:
    y, leaves, steps = _paused_after_two_steps()
    draw(y, tmp_path)
    steps.close()
    assert _grads(leaves) == [0.0, 0.0, 0.0]  # as before the pass (it used to keep the half-added gradients)


def test_a_recording_is_the_steps_of_backward_steps() -> None:
    y, leaves = _neuron()
    recorded = [(s.index, s.upstream, s.contributions) for s in recorded_steps(y)]
    assert _grads(leaves) == [0.0, 0.0, 0.0]
    assert recorded == [(s.index, s.upstream, s.contributions) for s in y.backward_steps()]
    assert len(recorded) == 3


def test_a_recording_keeps_gradients_accumulated_before() -> None:
    y, leaves = _neuron()
    y.backward()
    once = _grads(leaves)
    recorded_steps(y)
    assert _grads(leaves) == once


def test_a_function_with_no_backward_yet_still_draws() -> None:
    from microgradnn.scalar.value import ScalarFunction

    class Cube(ScalarFunction):  # a learner's op before its backward is written
        name = "cube"

        @staticmethod
        def forward(ctx, x):
            return x**3

    assert "cube" in viz.draw_graph(Cube.apply(Value(2.0)) + 1).source
