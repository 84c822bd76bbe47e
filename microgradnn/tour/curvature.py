"""Curvature and the learning rate: why alpha = 0.26 diverged where 0.22 did not.

The gradient descent step's loss L(w) = (w x - y)^2 has the second derivative
L'' = 2 x^2, measured here by differentiating the gradient
(`microgradnn.grad(..., create_graph=True)`). Each step multiplies w - w* by
1 - alpha L'', so gradient descent oscillates above alpha = 1 / L'' and
diverges above 2 / L''. Newton's step w - L' / L'' lands on the minimum at once.
For the chapter's network the Hessian of the XOR loss plays the part of L'':
its largest eigenvalue bounds the learning rates that stay stable near a point.
"""

from __future__ import annotations

import numpy as np

from microgradnn import data, grad
from microgradnn.functional import hessian
from microgradnn.scalar import Value
from microgradnn.tour.backprop import START_BIASES, START_WEIGHTS
from microgradnn.tour.context import StepReport, TourContext
from microgradnn.tour.gradient_descent import LEARNING_RATES, W0, X, Y, loss

KEY = "curvature"


def second_derivative(w0: float) -> tuple[float, float]:
    """L'(w0) and L''(w0), the second by differentiating the first (a graph built by create_graph=True)."""
    w = Value(w0, label="w")
    (slope,) = grad(loss(w), [w], create_graph=True)
    (curvature,) = grad(slope, [w])
    return slope.data, float(curvature)


def xor_loss(w1, w2, b1, w3, w4, b2, w5, w6, b3) -> Value:
    """The mean squared error of the 2-2-1 sigmoid network on the four XOR rows, as a function of its 9 parameters."""
    X_xor, y_xor = data.xor()
    total = Value(0.0)
    for (x1, x2), target in zip(X_xor, y_xor):
        a1 = (w1 * float(x1) + w2 * float(x2) + b1).sigmoid()
        a2 = (w3 * float(x1) + w4 * float(x2) + b2).sigmoid()
        y_pred = (w5 * a1 + w6 * a2 + b3).sigmoid()
        total = total + (y_pred - float(target)) ** 2
    return total / len(y_xor)


def start_parameters() -> list[float]:
    """The backpropagation step's starting weights, in the order w1, w2, b1, w3, w4, b2, w5, w6, b3."""
    (h1, h2), (out,) = START_WEIGHTS
    (c1, c2), (c3,) = START_BIASES
    return [h1[0], h1[1], c1, h2[0], h2[1], c2, out[0], out[1], c3]


def run(ctx: TourContext) -> StepReport:
    report = ctx.start(KEY)
    slope, curvature = second_derivative(W0)
    newton = W0 - slope / curvature
    factors = {name: 1.0 - lr * curvature for name, lr in LEARNING_RATES.items()}
    ctx.say(
        report,
        "curvature.second",
        **{name: lr for name, lr in LEARNING_RATES.items()},
        w0=W0,
        slope=slope,
        curvature=curvature,
        x=X,
        half=1.0 / curvature,
        limit=2.0 / curvature,
    )
    rows = [["alpha", "1 - alpha L''", ""]]
    for name, lr in LEARNING_RATES.items():
        rows.append([f"{lr:g}", f"{factors[name]:.2f}", ctx.text(f"descent.{name}")])
    ctx.table(report, rows)
    ctx.say(report, "curvature.newton", w0=W0, slope=slope, curvature=curvature, newton=newton, w_star=Y / X)
    ctx.figure(
        report,
        _factor_figure(ctx, curvature),
        ctx.name("threshold.png"),
        ctx.text("curvature.plot", half=1.0 / curvature, limit=2.0 / curvature),
    )

    params = start_parameters()
    H = np.array(hessian(xor_loss, [Value(p) for p in params]), dtype=float)
    eigenvalues = np.linalg.eigvalsh(H)
    top = float(eigenvalues[-1])
    from microgradnn.tour.training import LEARNING_RATE

    ctx.say(
        report,
        "curvature.hessian",
        top=top,
        limit=2.0 / top,
        lr=LEARNING_RATE,
        negative=int(np.sum(eigenvalues < 0)),
        n=len(eigenvalues),
    )
    report.numbers.update(
        slope=slope,
        curvature=curvature,
        newton=newton,
        factors=factors,
        hessian=H,
        eigenvalues=eigenvalues.tolist(),
        top=top,
    )
    return report


def _factor_figure(ctx: TourContext, curvature: float):
    """|1 - alpha L''| against alpha: below 1 gradient descent converges; the four learning rates marked."""
    from matplotlib.figure import Figure

    with ctx.fonts():
        fig = Figure(figsize=(6.4, 3.4), layout="constrained")
        ax = fig.subplots()
        alphas = np.linspace(0.0, 0.3, 301)
        ax.plot(alphas, np.abs(1.0 - alphas * curvature), color="#555555", lw=1.5, label="|1 - alpha L''|")
        ax.axhline(1.0, color="#999999", lw=1, ls=":")
        ax.axvline(1.0 / curvature, color="#e08a00", lw=1.2, ls="--", label=f"1 / L'' = {1.0 / curvature:g}")
        ax.axvline(2.0 / curvature, color="#c0392b", lw=1.2, ls="--", label=f"2 / L'' = {2.0 / curvature:g}")
        for lr in LEARNING_RATES.values():
            factor = abs(1.0 - lr * curvature)
            ax.plot(lr, factor, "o", color="#2c5d9e")
            ax.annotate(f"{lr:g}", (lr, factor), (4, 6), textcoords="offset points", fontsize=8)
        ax.set(
            xlabel="alpha", ylabel=ctx.text("curvature.ylabel"), title=ctx.text("curvature.title_plot"), ylim=(0, 1.6)
        )
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    return fig
