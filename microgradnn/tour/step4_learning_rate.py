"""Step 4: gradient descent on one weight, with learning rates too small, good, and too large."""

from __future__ import annotations

import numpy as np

from microgradnn import optim
from microgradnn.tour.context import StepReport, TourContext
from microgradnn.scalar import Value

# One linear neuron y' = w * x on one example: L(w) = (w x - y)^2, smallest at w = y / x.
X, Y = 2.0, 1.0
W0 = -1.0
STEPS = 20
# L''(w) = 2 x^2 = 8, so w - w* shrinks by (1 - 8 alpha) each step: slow, fast, oscillating, diverging.
LEARNING_RATES = {"small": 0.005, "good": 0.1, "oscillating": 0.22, "diverging": 0.26}


def loss(w: Value) -> Value:
    return (w * X - Y) ** 2


def descend(lr: float, steps: int = STEPS) -> tuple[list[float], list[float]]:
    """The weights w_0..w_steps and their losses, each step w <- w - lr * dL/dw by backprop."""
    w = Value(W0, label="w")
    opt = optim.SGD([w], lr=lr)
    weights, losses = [], []
    for _ in range(steps + 1):
        current = loss(w)
        weights.append(w.data)
        losses.append(current.data)
        opt.zero_grad()
        current.backward()
        opt.step()
    return weights, losses


def run(ctx: TourContext) -> StepReport:
    report = ctx.start(4)
    ctx.say(report, "step4.rule")
    ctx.say(report, "step4.setup", x=X, y=Y, w_star=Y / X, w0=W0, steps=STEPS)
    runs = {name: descend(lr) for name, lr in LEARNING_RATES.items()}
    rows = [["alpha", f"w_{STEPS}", f"L(w_{STEPS})", ""]]
    for name, lr in LEARNING_RATES.items():
        weights, losses = runs[name]
        rows.append([f"{lr:g}", f"{weights[-1]:.4f}", f"{losses[-1]:.4g}", ctx.text(f"step4.{name}")])
    ctx.table(report, rows)
    ctx.say(report, "step4.verdict", **{name: lr for name, lr in LEARNING_RATES.items()})
    ctx.figure(report, _curves_figure(runs), "step4_learning_rates.png", ctx.text("step4.plot"))
    ctx.figure(report, _paths_figure(runs), "step4_paths.png", ctx.text("step4.paths"))
    report.numbers.update(runs=runs, learning_rates=dict(LEARNING_RATES))
    return report


def _curves_figure(runs: dict[str, tuple[list[float], list[float]]]):
    from microgradnn.viz import plots

    return plots.plot_learning_rates({LEARNING_RATES[name]: losses for name, (_, losses) in runs.items()})


def _paths_figure(runs: dict[str, tuple[list[float], list[float]]]):
    """One panel per learning rate: the loss curve L(w) and the points w_0, w_1, ... gradient descent visited."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.2), layout="constrained")
    axes = fig.subplots(1, len(runs), sharey=True)
    w = np.linspace(-1.6, 2.6, 200)
    for ax, (name, (weights, losses)) in zip(axes, runs.items()):
        ax.plot(w, (w * X - Y) ** 2, color="#999999", lw=1.5)
        shown = [(a, b) for a, b in zip(weights, losses) if -1.6 <= a <= 2.6]
        ax.plot([a for a, _ in shown], [b for _, b in shown], "o-", ms=3.5, lw=1, color="#c0392b")
        ax.plot(weights[0], losses[0], "s", color="#222222", ms=6)
        ax.set(title=f"alpha = {LEARNING_RATES[name]:g}", xlabel="w", ylim=(-0.5, 20))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("L(w)")
    return fig
