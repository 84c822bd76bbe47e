"""The chapter's last step: train the 2-2-1 sigmoid network on XOR by gradient descent, with a progress bar.

The decision boundary is drawn with the two hidden neurons' own lines
(w . x + b = 0 for a1 and a2), which the output neuron combines.
"""

from __future__ import annotations

import numpy as np

from microgradnn import data, optim
from microgradnn.nn import MLP
from microgradnn.nn import functional as F
from microgradnn.tour.backprop import START_BIASES, START_WEIGHTS
from microgradnn.tour.context import StepReport, TourContext
from microgradnn.tour.network import chapter_network, forward, parameters
from microgradnn.training import History, fit

KEY = "training"
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
    report = ctx.start(KEY)
    ctx.say(report, "training.setup", epochs=EPOCHS, lr=LEARNING_RATE)
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
    # The trained network's own loss (history's last entry is the last epoch's, before its update).
    trained_loss = sum((p - t) ** 2 for p, t in zip(predictions, y)) / len(y)
    ctx.say(report, "training.result", first=losses[0], last=float(trained_loss))
    ctx.table(report, rows)
    correct = int(sum(round(p) == t for p, t in zip(predictions, y)))
    lines = hidden_lines(net)
    ctx.say(report, "training.verdict", correct=correct, total=len(y))
    ctx.figure(
        report,
        _loss_figure(ctx, history),
        ctx.name("loss.png"),
        ctx.text("training.loss_plot", epochs=len(losses)),
    )
    equations = {name: line_text(line) for name, line in lines.items()}
    ctx.figure(
        report,
        _boundary_figure(ctx, net, X, y, equations),
        ctx.name("boundary.png"),
        ctx.text("training.boundary_plot", line1=equations["a1"], line2=equations["a2"]),
    )
    report.numbers.update(losses=losses, predictions=predictions, targets=list(y), correct=correct, hidden_lines=lines)
    return report


def hidden_lines(net: MLP) -> dict[str, tuple[float, float, float]]:
    """Each hidden neuron's line w_1 x1 + w_2 x2 + b = 0 (where its sigmoid is 0.5), as (w_1, w_2, b)."""
    return {
        name: (neuron.w[0].data, neuron.w[1].data, neuron.b.data)
        for name, neuron in zip(("a1", "a2"), net.layers[0].neurons)
    }


def line_text(line: tuple[float, float, float]) -> str:
    w1, w2, b = line
    return f"{w1:.2f}·x1 {'+' if w2 >= 0 else '-'} {abs(w2):.2f}·x2 {'+' if b >= 0 else '-'} {abs(b):.2f} = 0"


def _loss_figure(ctx: TourContext, history: History):
    from microgradnn.viz import plots

    return ctx.draw(plots.plot_loss, history, title="XOR")


def _boundary_figure(ctx: TourContext, net: MLP, X: np.ndarray, y: np.ndarray, equations: dict[str, str]):
    """The trained network's boundary, with each hidden neuron's line dashed on top."""
    from microgradnn.viz import plots

    with ctx.fonts():
        fig = ctx.draw(plots.plot_decision_boundary, net, X, y, title=ctx.text("training.boundary_title"))
    ax = fig.axes[0]
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    xs = np.linspace(*xlim, 50)
    for (name, (w1, w2, b)), color in zip(hidden_lines(net).items(), ("#7b3fa0", "#e08a00")):
        if abs(w2) > 1e-12:
            ax.plot(xs, -(w1 * xs + b) / w2, "--", color=color, lw=1.6, label=f"{name}: {equations[name]}")
        else:
            ax.axvline(-b / w1, ls="--", color=color, lw=1.6, label=f"{name}: {equations[name]}")
    ax.set(xlim=xlim, ylim=ylim)
    with ctx.fonts():
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            fontsize=8,
            framealpha=0.9,
            title=ctx.text("training.lines_title"),
            title_fontsize=8,
        )
    return fig
