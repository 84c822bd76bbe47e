"""Step 4: gradient descent on one weight, with learning rates too small, good, and too large."""

from __future__ import annotations

from microgradnn import optim
from microgradnn.tour.context import StepReport, TourContext
from microgradnn.value import Value

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
    report.numbers.update(runs=runs, learning_rates=dict(LEARNING_RATES))
    return report


def _curves_figure(runs: dict[str, tuple[list[float], list[float]]]):
    from microgradnn.viz import plots

    return plots.plot_learning_rates(
        {LEARNING_RATES[name]: losses for name, (_, losses) in runs.items()},
        paths={LEARNING_RATES[name]: weights for name, (weights, _) in runs.items()},
        loss_fn=lambda w: (w * X - Y) ** 2,
    )
