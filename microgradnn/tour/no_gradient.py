"""Gradient descent needs dL/dw; through the step function it is zero, so the step network cannot learn.

The chapter's networks use the step function; this step shows, with the
engine's own numbers, why training needs a smooth activation (sigmoid) instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from microgradnn import data, viz
from microgradnn.nn import MLP
from microgradnn.scalar import Value
from microgradnn.tour.context import StepReport, TourContext
from microgradnn.tour.network import PARAMETER_NAMES, chapter_network, forward, parameters

KEY = "no_gradient"
# Weights that get two XOR rows wrong, so the loss is not zero and there is something to learn.
WRONG_WEIGHTS = [[[1.8, 3.0], [3.0, -1.2]], [[2.1, 1.5]]]
WRONG_BIASES = [[-3.0, -0.6], [-1.8]]
ROW = (1.0, 1.0, 0.0)  # x1, x2, y of the row drawn as a graph: one the wrong weights get wrong


def mean_squared_error(net: MLP, X: np.ndarray, y: np.ndarray) -> Value:
    """L = mean over the rows of (y' - y)^2, as one graph through all four forward passes."""
    errors = [(forward(net, x1, x2).y_pred - float(t)) ** 2 for (x1, x2), t in zip(X, y)]
    return Value.sum(errors) / len(errors)


def gradients(activation: str, X: np.ndarray, y: np.ndarray) -> tuple[float, list[float], Value]:
    net = chapter_network(activation, WRONG_WEIGHTS, WRONG_BIASES)
    loss = mean_squared_error(net, X, y)
    loss.backward()
    return loss.data, [p.grad for p in parameters(net)], loss


def run(ctx: TourContext) -> StepReport:
    report = ctx.start(KEY)
    X, y = data.xor()
    wrong_net = chapter_network("step", WRONG_WEIGHTS, WRONG_BIASES)
    weights = [p.data for p in parameters(wrong_net)]
    ctx.say(report, "no_gradient.need")
    ctx.table(report, [list(PARAMETER_NAMES), [f"{w:g}" for w in weights]])
    rows = [["x1", "x2", "a1", "a2", "y'", "y", "(y' - y)^2"]]
    row_losses = []
    for (x1, x2), t in zip(X, y):
        f = forward(wrong_net, x1, x2)
        row_losses.append((f.y_pred.data - t) ** 2)
        rows.append([f"{v:g}" for v in (x1, x2, f.a1.data, f.a2.data, f.y_pred.data, t, row_losses[-1])])
    ctx.table(report, rows)
    wrong = int(sum(loss > 0 for loss in row_losses))
    loss_step, grads_step, _ = gradients("step", X, y)
    ctx.say(report, "no_gradient.wrong", loss=loss_step, wrong=wrong, total=len(y), losses=_plus(row_losses))
    ctx.table(report, _grad_rows(grads_step))
    ctx.say(report, "no_gradient.zero")

    # One wrong row as a graph: where the gradient stops.
    net = chapter_network("step", WRONG_WEIGHTS, WRONG_BIASES)
    x1, x2, target = ROW
    example = forward(net, x1, x2)
    y_node = Value(target, label="y")
    error = example.y_pred - y_node
    error.label = "e"  # the error y' - y, named as in the backpropagation step
    row_loss = error**2
    row_loss.label = "L"
    row_loss.backward()
    below = [example.z3, example.a1, example.a2, *parameters(net)]
    seen = {
        "x1": x1,
        "x2": x2,
        "y": target,
        "y_pred": example.y_pred.data,
        "L": row_loss.data,
        "grad_y_pred": example.y_pred.grad,
        "grad_y": y_node.grad,
        "grad_z3": example.z3.grad,
        "step_local": _step_local(Value(example.z3.data).step()),  # a fresh node: the drawn graph keeps its grads
    }
    assert all(n.grad == 0.0 for n in below), "below the output's step every gradient must be 0"
    ctx.say(report, "no_gradient.row", mean=loss_step, **{k: seen[k] for k in ("x1", "x2", "y", "L")})
    ctx.graph(report, viz.draw_graph(row_loss), ctx.name("step_graph.svg"), ctx.text("no_gradient.graph", **seen))

    loss_sigmoid, grads_sigmoid, _ = gradients("sigmoid", X, y)
    ctx.say(report, "no_gradient.sigmoid", loss=loss_sigmoid)
    ctx.table(report, _grad_rows(grads_sigmoid))
    ctx.figure(report, _activation_figure(ctx), ctx.name("activations.png"), ctx.text("no_gradient.plot", top=0.25))
    report.numbers.update(
        weights=weights,
        row_losses=row_losses,
        wrong=wrong,
        loss_step=loss_step,
        grads_step=grads_step,
        loss_sigmoid=loss_sigmoid,
        grads_sigmoid=grads_sigmoid,
        row=seen,
    )
    return report


def _step_local(node: Value) -> float:
    """The local derivative of the op that made `node` (one input), read from the engine's backward step.

    Runs a backward pass from `node`, so pass a node no picture still needs.
    """
    for step in node.backward_steps():
        return step.local_derivatives[0]
    raise AssertionError("the step node has no parent")


def _plus(xs: Sequence[float]) -> str:
    return " + ".join(f"{x:g}" for x in xs)


def _grad_rows(grads: list[float]) -> list[list[str]]:
    return [["", *PARAMETER_NAMES], ["dL/d", *(f"{g:.3g}" for g in grads)]]


def _activation_figure(ctx: TourContext):
    """step and sigmoid side by side with their slopes: the step's slope is zero everywhere."""
    from matplotlib.figure import Figure

    z = np.linspace(-6, 6, 601)
    step = [Value(v).step() for v in z]
    sigmoid = [Value(v).sigmoid() for v in z]
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, nodes, name in ((axes[0], step, "step"), (axes[1], sigmoid, "sigmoid")):
        ax.plot(z, [n.data for n in nodes], label=f"{name}(z)")
        slope = f"{name}'(z) = 0" if name == "step" else f"{name}'(z)"
        ax.plot(z, [_step_local(n) for n in nodes], "--", label=slope)
        ax.set_xlabel("z")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
    top = _step_local(Value(0.0).sigmoid())
    axes[1].annotate(f"s'(0) = {top:g}", (0.0, top), (1.2, 0.32), arrowprops={"arrowstyle": "->", "color": "#555555"})
    return fig
