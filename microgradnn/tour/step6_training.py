"""Step 6: train the 2-2-1 sigmoid network on XOR by gradient descent, with a progress bar."""

from __future__ import annotations

import numpy as np

from microgradnn import data, optim
from microgradnn.nn import MLP
from microgradnn.nn import functional as F
from microgradnn.tour.context import StepReport, TourContext
from microgradnn.tour.network import chapter_network, forward, parameters
from microgradnn.tour.step5_backprop import START_BIASES, START_WEIGHTS
from microgradnn.training import History, fit

EPOCHS = 2000
LEARNING_RATE = 2.0


def train(epochs: int = EPOCHS, lr: float = LEARNING_RATE, progress: bool | None = False) -> tuple[MLP, History]:
    """Full-batch gradient descent on the four XOR rows with `fit` (mean squared error, SGD)."""
    X, y = data.xor()
    net = chapter_network("sigmoid", START_WEIGHTS, START_BIASES)
    opt = optim.SGD(parameters(net), lr=lr)
    history = fit(net, F.mse_loss, opt, data=(X, y), epochs=epochs, shuffle=False, progress=progress)
    return net, history


def run(ctx: TourContext) -> StepReport:
    report = ctx.start(6)
    ctx.say(report, "step6.setup", epochs=EPOCHS, lr=LEARNING_RATE)
    net, history = train(progress=None if ctx.verbose else False)  # None: a progress bar on a terminal
    losses = history.loss
    X, y = data.xor()
    rows = [["x1", "x2", "a1", "a2", "y'", "round(y')", "y"]]
    predictions = []
    for (x1, x2), target in zip(X, y):
        f = forward(net, x1, x2)
        predictions.append(f.y_pred.data)
        rows.append(
            [
                f"{x1:g}",
                f"{x2:g}",
                f"{f.a1.data:.3f}",
                f"{f.a2.data:.3f}",
                f"{f.y_pred.data:.3f}",
                f"{round(f.y_pred.data):d}",
                f"{target:g}",
            ]
        )
    ctx.say(report, "step6.result", first=losses[0], last=losses[-1])
    ctx.table(report, rows)
    correct = int(sum(round(p) == t for p, t in zip(predictions, y)))
    ctx.say(report, "step6.verdict", correct=correct, total=len(y))
    ctx.figure(report, _loss_figure(history), "step6_loss.png", ctx.text("step6.loss_plot"))
    ctx.figure(report, _boundary_figure(net, X, y), "step6_boundary.png", ctx.text("step6.boundary_plot"))
    report.numbers.update(losses=losses, predictions=predictions, targets=list(y), correct=correct)
    return report


def _loss_figure(history: History):
    from microgradnn.viz import plots

    return plots.plot_loss(history, title="XOR")


def _boundary_figure(net, X: np.ndarray, y: np.ndarray):
    from microgradnn.viz import plots

    return plots.plot_decision_boundary(net, X, y, title="XOR after training")
