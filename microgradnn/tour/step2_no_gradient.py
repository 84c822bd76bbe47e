"""Step 2: why the step network cannot learn (every gradient is zero), and the switch to sigmoid."""

from __future__ import annotations

import numpy as np

from microgradnn import data, viz
from microgradnn.tour.context import StepReport, TourContext
from microgradnn.tour.network import PARAMETER_NAMES, chapter_network, forward, parameters
from microgradnn.scalar import Value

# Weights that get two XOR rows wrong, so the loss is not zero and there is something to learn.
WRONG_WEIGHTS = [[[1.8, 3.0], [3.0, -1.2]], [[2.1, 1.5]]]
WRONG_BIASES = [[-3.0, -0.6], [-1.8]]


def mean_squared_error(net, X, y) -> Value:
    """L = mean over the rows of (y' - y)^2, as one graph through all four forward passes."""
    errors = [(forward(net, x1, x2).y_pred - float(t)) ** 2 for (x1, x2), t in zip(X, y)]
    return Value.sum(errors) / len(errors)


def gradients(activation: str, X: np.ndarray, y: np.ndarray) -> tuple[float, list[float], Value]:
    net = chapter_network(activation, WRONG_WEIGHTS, WRONG_BIASES)
    loss = mean_squared_error(net, X, y)
    loss.backward()
    return loss.data, [p.grad for p in parameters(net)], loss


def run(ctx: TourContext) -> StepReport:
    report = ctx.start(2)
    X, y = data.xor()
    loss_step, grads_step, _ = gradients("step", X, y)
    wrong_net = chapter_network("step", WRONG_WEIGHTS, WRONG_BIASES)
    wrong = sum(forward(wrong_net, x1, x2).y_pred.data != t for (x1, x2), t in zip(X, y))
    ctx.say(report, "step2.wrong", loss=loss_step, wrong=wrong, total=len(y))
    ctx.table(report, _grad_rows(grads_step))
    ctx.say(report, "step2.zero")

    net = chapter_network("step", WRONG_WEIGHTS, WRONG_BIASES)
    example = forward(net, 1.0, 1.0)
    row_loss = (example.y_pred - Value(0.0, label="y")) ** 2
    row_loss.label = "L"
    row_loss.backward()
    ctx.graph(report, viz.draw_graph(row_loss), "step2_step_graph.svg", ctx.text("step2.graph"))

    loss_sigmoid, grads_sigmoid, _ = gradients("sigmoid", X, y)
    ctx.say(report, "step2.sigmoid", loss=loss_sigmoid)
    ctx.table(report, _grad_rows(grads_sigmoid))
    ctx.figure(report, _activation_figure(ctx), "step2_activations.png", ctx.text("step2.plot"))
    report.numbers.update(
        wrong=wrong, loss_step=loss_step, grads_step=grads_step, loss_sigmoid=loss_sigmoid, grads_sigmoid=grads_sigmoid
    )
    return report


def _grad_rows(grads: list[float]) -> list[list[str]]:
    return [["", *PARAMETER_NAMES], ["dL/d", *(f"{g:.3g}" for g in grads)]]


def _activation_figure(ctx: TourContext):
    """step and sigmoid side by side with their slopes: the step's slope is zero everywhere."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    z = np.linspace(-6, 6, 601)
    step = [Value(v).step() for v in z]
    sigmoid = [Value(v).sigmoid() for v in z]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for ax, nodes, name in ((axes[0], step, "step"), (axes[1], sigmoid, "sigmoid")):
        ax.plot(z, [n.data for n in nodes], label=f"{name}(z)")
        ax.plot(z, [n.local_derivatives[0] for n in nodes], "--", label=f"{name}'(z)")
        ax.set_xlabel("z")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
    fig.tight_layout()
    return fig
