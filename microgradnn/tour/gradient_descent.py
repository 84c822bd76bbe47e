"""The chapter's third section: gradient descent on one weight, with learning rates too small, good, too large.

Why the boundary between "large" and "too large" sits where it does is the
next step, `curvature`.
"""

from __future__ import annotations

import numpy as np

from microgradnn import optim
from microgradnn.scalar import Value
from microgradnn.tour.context import StepReport, TourContext

KEY = "descent"

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
    report = ctx.start(KEY)
    ctx.say(report, "descent.rule")
    ctx.say(report, "descent.setup", x=X, y=Y, w_star=Y / X, w0=W0, steps=STEPS)
    runs = {name: descend(lr) for name, lr in LEARNING_RATES.items()}
    rows = [["alpha", f"w_{STEPS}", f"L(w_{STEPS})", ""]]
    for name, lr in LEARNING_RATES.items():
        weights, losses = runs[name]
        rows.append([f"{lr:g}", f"{weights[-1]:.4f}", f"{losses[-1]:.4g}", ctx.text(f"descent.{name}")])
    ctx.table(report, rows)
    ctx.say(report, "descent.verdict", **{name: lr for name, lr in LEARNING_RATES.items()})
    ctx.figure(
        report,
        _curves_figure(ctx, runs),
        ctx.name("learning_rates.png"),
        ctx.text("descent.plot", **{name: lr for name, lr in LEARNING_RATES.items()}),
    )
    ctx.figure(
        report,
        _paths_figure(ctx, runs),
        ctx.name("paths.png"),
        ctx.text("descent.paths", w0=W0, w_star=Y / X, **{name: lr for name, lr in LEARNING_RATES.items()}),
    )
    report.numbers.update(runs=runs, learning_rates=dict(LEARNING_RATES))
    return report


def _curves_figure(ctx: TourContext, runs: dict[str, tuple[list[float], list[float]]]):
    from microgradnn.viz import plots

    return ctx.draw(plots.plot_learning_rates, {LEARNING_RATES[name]: losses for name, (_, losses) in runs.items()})


def _paths_figure(ctx: TourContext, runs: dict[str, tuple[list[float], list[float]]]):
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
        ax.axvline(Y / X, ls=":", color="#555555", lw=1)
        ax.set(title=f"alpha = {LEARNING_RATES[name]:g}", xlabel="w", ylim=(-0.5, 20))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("L(w)")
    with ctx.fonts():
        arrow = {"arrowstyle": "->", "color": "#555555", "lw": 0.8}
        axes[0].annotate(
            ctx.text("descent.start", w0=W0), (W0, loss_at(W0)), (-0.9, 14.5), fontsize=8, arrowprops=arrow
        )
        axes[0].annotate(
            ctx.text("descent.minimum", w_star=Y / X), (Y / X, 0.0), (0.8, 5.5), fontsize=8, arrowprops=arrow
        )
    return fig


def loss_at(w: float) -> float:
    return (w * X - Y) ** 2
