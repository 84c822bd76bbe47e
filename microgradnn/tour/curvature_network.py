"""Curvature of the chapter's own network: the learning-rate threshold 2 / L'' predicted, then watched coming true.

The `curvature` step shows the idea on a one-weight quadratic. Here the same
measurement is made on the 2-2-1 sigmoid network trained on XOR (the
`training` step's network), where nothing is quadratic:

* one weight (`WEIGHT`, the output neuron's w6) is varied with the others held
  at their trained values; Newton's method with L' and L'' (both by
  `microgradnn.grad`, the second by differentiating the first) finds the
  bottom w* of that slice, and L''(w*) gives the threshold alpha* = 2 / L''(w*);
* gradient descent from w* + `OFFSET` with alpha at fractions of alpha*
  (`FRACTIONS`) converges below it and runs away above it, each step
  multiplying w - w* by about 1 - alpha L''; Newton's step beside it;
* the 9 x 9 Hessian of the XOR loss at the trained weights has a largest
  eigenvalue lambda_max; started a little way along its eigenvector, gradient
  descent on all nine parameters settles back for alpha just below
  2 / lambda_max and is thrown out of the valley just above it (the bound is
  local: the curvature changes as the weights move).

`compute()` returns every number (a `CurvatureNumbers`); `figure(numbers, lang)`
draws them; `run(ctx)` is the tour step (its texts live here, in `TEXTS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from microgradnn import data, grad
from microgradnn.nn import MLP
from microgradnn.scalar import Value
from microgradnn.tour.context import StepReport, TourContext
from microgradnn.tour.network import PARAMETER_NAMES, forward, parameters

__all__ = [
    "FRACTIONS",
    "KEY",
    "OFFSET",
    "TEXTS",
    "WEIGHT",
    "CurvatureNumbers",
    "compute",
    "derivatives",
    "figure",
    "hessian_matrix",
    "run",
    "xor_loss",
]

KEY = "curvature_net"
WEIGHT = "w6"  # the output neuron's weight on a2: its slice of the loss is a clear valley after training
OFFSET = 0.15  # gradient descent starts at w* + OFFSET, close enough for L'' to stay nearly constant
STEPS = 25
# Learning rates as fractions of the threshold 2 / L''(w*): slow, Newton-like (1 / L''), oscillating, too large.
FRACTIONS = (0.25, 0.5, 0.9, 1.1)
HESSIAN_FRACTIONS = (0.9, 1.1)  # the same test for all nine parameters, around 2 / lambda_max
HESSIAN_OFFSET = 0.3  # the start: the trained weights moved this far along the top eigenvector


def xor_loss(net: MLP) -> Value:
    """The mean squared error of `net` on the four XOR rows: (1/4) sum (y' - y)^2."""
    X, y = data.xor()
    errors = [(forward(net, x1, x2).y_pred - float(t)) ** 2 for (x1, x2), t in zip(X, y)]
    return Value.sum(errors) * (1.0 / len(errors))


def derivatives(net: MLP, param: Value) -> tuple[float, float, float]:
    """L, dL/dparam and d2L/dparam2 at the current weights; the second derivative differentiates the first."""
    loss = xor_loss(net)
    (slope,) = grad(loss, param, create_graph=True)  # a Value: the gradient is a graph of its own
    (curvature,) = grad(slope, param)
    return loss.data, slope.data, curvature


def hessian_matrix(net: MLP) -> np.ndarray:
    """The 9 x 9 Hessian of the XOR loss in the order w1, w2, b1, w3, w4, b2, w5, w6, b3: one row per gradient."""
    params = parameters(net)
    gradients = grad(xor_loss(net), params, create_graph=True)
    return np.array([grad(g, params) for g in gradients])


def _set(params: Sequence[Value], values: Sequence[float]) -> None:
    for p, v in zip(params, values):
        p.data = float(v)


def _descend_one(net: MLP, param: Value, w0: float, alpha: float, steps: int) -> list[float]:
    """w_0..w_steps of gradient descent on one parameter (the others fixed)."""
    ws = [w0]
    param.data = w0
    for _ in range(steps):
        _, slope, _ = derivatives(net, param)
        param.data = param.data - alpha * slope
        ws.append(param.data)
        if not abs(param.data) < 1e6:
            break
    return ws


def _newton_one(net: MLP, param: Value, w0: float, steps: int) -> list[float]:
    """w_0..w_steps of Newton's method on one parameter: w <- w - L'(w) / L''(w)."""
    ws = [w0]
    param.data = w0
    for _ in range(steps):
        _, slope, curvature = derivatives(net, param)
        param.data = param.data - slope / curvature
        ws.append(param.data)
    return ws


@dataclass
class CurvatureNumbers:
    """Everything the step shows. Distances are |w_t - w*| (one weight) or |(theta_t - theta_0) . v_max| (all)."""

    weight: str
    trained_value: float
    w_star: float
    loss_at_w_star: float
    curvature: float  # L''(w*)
    threshold: float  # 2 / L''(w*)
    descent: dict[float, list[float]]  # alpha -> w_0..w_STEPS
    newton: list[float]
    slice_w: np.ndarray
    slice_loss: np.ndarray
    hessian: np.ndarray
    eigenvalues: np.ndarray
    top_threshold: float  # 2 / lambda_max
    network_distances: dict[float, list[float]] = field(default_factory=dict)
    network_losses: dict[float, list[float]] = field(default_factory=dict)

    def distances(self, alpha: float) -> list[float]:
        return [abs(w - self.w_star) for w in self.descent[alpha]]


def compute(net: MLP | None = None, steps: int = STEPS) -> CurvatureNumbers:
    """Train the chapter's network (unless given one) and measure its curvature; the network is left as given."""
    if net is None:
        from microgradnn.tour.training import train

        net, _ = train()
    params = parameters(net)
    trained = [p.data for p in params]
    param = params[PARAMETER_NAMES.index(WEIGHT)]
    try:
        w_star = _newton_one(net, param, param.data, 12)[-1]
        param.data = w_star
        loss_star, _, curvature = derivatives(net, param)
        threshold = 2.0 / curvature
        w0 = w_star + OFFSET
        descent = {f * threshold: _descend_one(net, param, w0, f * threshold, steps) for f in FRACTIONS}
        newton = _newton_one(net, param, w0, 5)
        slice_w = np.linspace(w_star - 3 * OFFSET, w_star + 3 * OFFSET, 121)
        slice_loss = np.empty_like(slice_w)
        for i, w in enumerate(slice_w):
            param.data = float(w)
            slice_loss[i] = xor_loss(net).data
        _set(params, trained)
        H = hessian_matrix(net)
        eigenvalues, vectors = np.linalg.eigh(H)
        top, v = float(eigenvalues[-1]), vectors[:, -1]
        start = np.array(trained) + HESSIAN_OFFSET * v
        network_distances, network_losses = {}, {}
        for f in HESSIAN_FRACTIONS:
            alpha = f * 2.0 / top
            _set(params, start)
            dist, losses = [], []
            for _ in range(steps + 1):
                loss = xor_loss(net)
                dist.append(abs(float((np.array([p.data for p in params]) - trained) @ v)))
                losses.append(loss.data)
                gradient = grad(loss, params)
                _set(params, [p.data - alpha * g for p, g in zip(params, gradient)])
            network_distances[alpha], network_losses[alpha] = dist, losses
    finally:
        _set(params, trained)
    return CurvatureNumbers(
        weight=WEIGHT,
        trained_value=trained[PARAMETER_NAMES.index(WEIGHT)],
        w_star=w_star,
        loss_at_w_star=loss_star,
        curvature=curvature,
        threshold=threshold,
        descent=descent,
        newton=newton,
        slice_w=slice_w,
        slice_loss=slice_loss,
        hessian=H,
        eigenvalues=eigenvalues,
        top_threshold=2.0 / top,
        network_distances=network_distances,
        network_losses=network_losses,
    )


# ------------------------------------------------------------------ picture
_WORDS = {
    "en": {
        "slice": "L({w}) near its minimum, the others trained",
        "quadratic": "quadratic with L''(w*)",
        "newton_arrow": "alpha = 1/L'': lands on w*",
        "edge_arrow": "alpha = 2/L'': same height, other side",
        "distance": "|{w} - w*| per step",
        "newton": "Newton",
        "step": "step",
        "network": "all 9 weights, from the trained ones + 0.3 v_max",
        "alpha": "alpha",
    },
    "ko": {
        "slice": "최솟값 근처의 L({w}) (나머지는 학습된 값)",
        "quadratic": "L''(w*)의 이차 근사",
        "newton_arrow": "alpha = 1/L'': w*에 도착",
        "edge_arrow": "alpha = 2/L'': 반대편 같은 높이",
        "distance": "단계마다 |{w} - w*|",
        "newton": "뉴턴",
        "step": "단계",
        "network": "가중치 9개 모두, 학습된 값 + 0.3 v_max에서",
        "alpha": "alpha",
    },
}
COLORS = ("#3b73b9", "#4f9a4f", "#d9822b", "#c0392b")


def figure(numbers: CurvatureNumbers, lang: str = "en") -> Any:
    """Three panels: the slice L(w) with the 1/L'' and 2/L'' steps drawn on it; |w - w*| per step for each
    learning rate and for Newton's method; the same test on all nine weights around 2 / lambda_max."""
    from matplotlib.figure import Figure

    from microgradnn.viz.fonts import plot_fonts

    if lang not in _WORDS:
        raise ValueError(f"curvature_network.figure: unknown language {lang!r}; use one of {sorted(_WORDS)}")
    words = _WORDS[lang]
    import matplotlib

    with matplotlib.rc_context(plot_fonts(lang, "curvature_network.figure")):
        fig = Figure(figsize=(13.5, 4.6), layout="constrained")
        ax_slice, ax_dist, ax_net = fig.subplots(1, 3)
        n = numbers
        w, loss = n.slice_w, n.slice_loss
        ax_slice.plot(w, loss, color="#333333", lw=2, label=f"L({n.weight})")
        ax_slice.plot(
            w,
            n.loss_at_w_star + 0.5 * n.curvature * (w - n.w_star) ** 2,
            "--",
            color="#999999",
            lw=1.2,
            label=words["quadratic"],
        )
        w0 = n.w_star + OFFSET
        height = float(np.interp(w0, w, loss))
        mirror = n.w_star - OFFSET
        arrow = {"arrowstyle": "->", "lw": 1.4}
        ax_slice.annotate("", (n.w_star, n.loss_at_w_star), (w0, height), arrowprops={**arrow, "color": COLORS[1]})
        ax_slice.annotate("", (mirror, height), (w0, height), arrowprops={**arrow, "color": COLORS[3]})
        ax_slice.text(
            n.w_star, height * 1.04, words["edge_arrow"], color=COLORS[3], fontsize=8, ha="center", va="bottom"
        )
        ax_slice.text(
            w0, n.loss_at_w_star * 0.995, words["newton_arrow"], color=COLORS[1], fontsize=8, ha="center", va="top"
        )
        ax_slice.plot([w0], [height], "s", color="#222222", ms=6)
        ax_slice.axvline(n.w_star, ls=":", color="#555555", lw=1)
        ax_slice.set(
            title=words["slice"].format(w=n.weight),
            xlabel=n.weight,
            ylabel="L",
            ylim=(n.loss_at_w_star * 0.9, float(loss.max())),
        )
        ax_slice.text(
            0.03,
            0.04,
            f"w* = {n.w_star:.3f}\nL''(w*) = {n.curvature:.4g}\n2 / L'' = {n.threshold:.0f}",
            transform=ax_slice.transAxes,
            va="bottom",
            fontsize=9,
        )
        ax_slice.legend(
            loc="upper right", fontsize=8, frameon=False
        )  # the curve is low in the middle, high at the sides
        for color, (alpha, ws) in zip(COLORS, n.descent.items()):
            d = [max(abs(x - n.w_star), 1e-16) for x in ws]
            fraction = alpha / n.threshold
            ax_dist.plot(
                d, "o-", ms=3, lw=1.3, color=color, label=f"{words['alpha']} = {alpha:.0f} ({fraction:g} x 2/L'')"
            )
        newton = [max(abs(x - n.w_star), 1e-16) for x in n.newton]
        ax_dist.plot(newton, "s--", ms=4, lw=1.3, color="#7d62b3", label=words["newton"])
        ax_dist.set(yscale="log", title=words["distance"].format(w=n.weight), xlabel=words["step"], ylim=(1e-13, 1e2))
        ax_dist.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
        for color, (alpha, losses) in zip((COLORS[2], COLORS[3]), n.network_losses.items()):
            fraction = alpha / n.top_threshold
            label = f"{words['alpha']} = {alpha:.0f} ({fraction:g} x 2/λmax)"
            ax_net.plot(losses, "o-", ms=3, lw=1.3, color=color, label=label)
        ax_net.set(yscale="log", title=words["network"], xlabel=words["step"], ylabel="L")
        ax_net.text(
            0.3,
            0.35,
            f"λmax = {n.eigenvalues[-1]:.4g}\n2 / λmax = {n.top_threshold:.0f}",
            transform=ax_net.transAxes,
            va="top",
            fontsize=9,
        )
        ax_net.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1)
        for ax in (ax_slice, ax_dist, ax_net):
            ax.grid(alpha=0.3)
    return fig


# -------------------------------------------------------------------- texts
TEXTS = {
    "en": {
        "curvature_net.title": "Curvature of the chapter's network",
        "curvature_net.setup": (
            "The same threshold on the trained 2-2-1 sigmoid network, where the loss is not a quadratic. Hold every "
            "parameter at its trained value except {weight} (trained: {trained:.3f}). Newton's method, with L' and "
            "L'' from the engine, finds the bottom of that slice at {weight} = {w_star:.4f}; there "
            "L'' = {curvature:.4g}, so gradient descent should converge for alpha < 2 / L'' = {threshold:.1f}."
        ),
        "curvature_net.verdict": (
            "From {weight} = w* + {offset:g}: below 2 / L'' the distance to w* shrinks by about |1 - alpha L''| a "
            "step; above it, it grows. Newton's step, w - L'/L'', is {newton:.1e} from w* after {newton_steps} "
            "steps: it divides by the curvature rather than guessing a learning rate."
        ),
        "curvature_net.hessian": (
            "For all nine parameters at once, the curvature is the 9 x 9 Hessian of the XOR loss. At the trained "
            "weights its eigenvalues run from {low:.2g} to lambda_max = {top:.4g}, so near them the usable learning "
            "rate is bounded by 2 / lambda_max = {limit:.1f}. Start {offset:g} away along the top eigenvector v_max "
            "and run gradient descent on all nine weights: at alpha = {below:.0f} the loss does not blow up, it "
            "keeps falling, to {below_end:.2g} (below the trained loss: those weights are not quite a minimum); at "
            "alpha = {above:.0f} the run is thrown out of the valley and the loss jumps to "
            "{above_max:.2f}, where the network answers the same for every row. The bound is local: the "
            "curvature changes as the weights move."
        ),
        "curvature_net.plot": (
            "Left: the slice L({weight}) with its quadratic model; from the start (square) the step with "
            "alpha = 1/L'' lands on w*, the step with alpha = 2/L'' at the same height on the other side. Middle: "
            "|{weight} - w*| per step for each alpha and for Newton's method. Right: all nine weights, the "
            "loss per step from the trained weights moved 0.3 along the Hessian's top eigenvector, just below and just "
            "above 2 / lambda_max."
        ),
    },
    "ko": {
        "curvature_net.title": "장의 신경망의 곡률",
        "curvature_net.setup": (
            "같은 경계를, 손실이 이차식이 아닌 학습된 2-2-1 시그모이드 신경망에서 확인합니다. {weight}(학습된 값 "
            "{trained:.3f})만 바꾸고 나머지 매개변수는 학습된 값에 둡니다. 엔진이 계산한 L'과 L''로 뉴턴 방법을 쓰면 "
            "이 단면의 바닥은 {weight} = {w_star:.4f}이고, 그곳의 L'' = {curvature:.4g}이므로 경사 하강법은 "
            "alpha < 2 / L'' = {threshold:.1f}에서 수렴해야 합니다."
        ),
        "curvature_net.verdict": (
            "{weight} = w* + {offset:g}에서 시작하면, 2 / L''보다 작을 때 w*까지의 거리가 단계마다 약 "
            "|1 - alpha L''|배로 줄고, 크면 늘어납니다. 뉴턴 단계 w - L'/L''는 {newton_steps}단계 뒤 w*와 "
            "{newton:.1e}만큼 떨어져 있습니다. 학습률을 짐작하는 대신 곡률로 나누기 때문입니다."
        ),
        "curvature_net.hessian": (
            "아홉 개의 매개변수를 함께 보면 곡률은 XOR 손실의 9 x 9 헤세 행렬입니다. 학습된 가중치에서 고윳값은 "
            "{low:.2g}부터 lambda_max = {top:.4g}까지이므로, 그 근처에서 쓸 수 있는 학습률은 "
            "2 / lambda_max = {limit:.1f}로 제한됩니다. 가장 큰 고유벡터 v_max 방향으로 {offset:g}만큼 떨어진 곳에서 "
            "가중치 아홉 개 모두에 경사 하강법을 쓰면, alpha = {below:.0f}에서는 손실이 튀지 않고 계속 내려가 "
            "{below_end:.2g|이/가} 되고(학습된 손실보다 낮습니다. 학습된 가중치가 정확한 최소점은 아니기 "
            "때문입니다), alpha = {above:.0f}에서는 골짜기 밖으로 튕겨 나가 손실이 {above_max:.2f|으로/로} "
            "뜁니다. 이때 신경망은 모든 행에 같은 답을 냅니다. 이 경계는 국소적입니다. 가중치가 움직이면 "
            "곡률도 바뀝니다."
        ),
        "curvature_net.plot": (
            "왼쪽: 단면 L({weight})와 그 이차 근사. 시작점(네모)에서 alpha = 1/L''인 단계는 w*에, alpha = 2/L''인 "
            "단계는 반대편 같은 높이에 떨어집니다. 가운데: 학습률마다, 그리고 뉴턴 방법의 단계마다 |{weight} - w*|. "
            "오른쪽: 학습된 가중치를 헤세 행렬의 가장 큰 고유벡터 방향으로 0.3 옮긴 곳에서, 2 / lambda_max 바로 아래와 "
            "바로 위의 학습률로 단계마다의 손실."
        ),
    },
}


def run(ctx: TourContext) -> StepReport:
    """The tour step: the numbers, a table of the learning rates, and the three-panel picture."""
    ctx.texts = {**TEXTS.get(ctx.lang, TEXTS["en"]), **ctx.texts}  # a new dict: the tour's own texts stay as they are
    report = ctx.start(KEY)
    n = compute()
    ctx.say(
        report,
        "curvature_net.setup",
        weight=n.weight,
        trained=n.trained_value,
        w_star=n.w_star,
        curvature=n.curvature,
        threshold=n.threshold,
    )
    rows = [["alpha", "alpha / (2/L'')", "|1 - alpha L''|", "|w_0 - w*|", f"|w_{STEPS} - w*|"]]
    for alpha in n.descent:
        d = n.distances(alpha)
        rows.append(
            [
                f"{alpha:.1f}",
                f"{alpha / n.threshold:g}",
                f"{abs(1 - alpha * n.curvature):.2f}",
                f"{d[0]:.3g}",
                f"{d[-1]:.3g}",
            ]
        )
    ctx.table(report, rows)
    newton_distances = [abs(w - n.w_star) for w in n.newton]
    newton_steps = next((i for i, d in enumerate(newton_distances) if d < 1e-12), len(newton_distances) - 1)
    newton_error = newton_distances[newton_steps]
    ctx.say(
        report,
        "curvature_net.verdict",
        weight=n.weight,
        offset=OFFSET,
        newton=newton_error,
        newton_steps=newton_steps,
    )
    below, above = list(n.network_distances)
    ctx.say(
        report,
        "curvature_net.hessian",
        low=float(n.eigenvalues[0]),
        top=float(n.eigenvalues[-1]),
        limit=n.top_threshold,
        offset=HESSIAN_OFFSET,
        below=below,
        above=above,
        below_end=n.network_losses[below][-1],
        above_max=max(n.network_losses[above]),
    )
    ctx.figure(report, figure(n, ctx.lang), ctx.name("curvature.png"), ctx.text("curvature_net.plot", weight=n.weight))
    report.numbers.update(
        w_star=n.w_star,
        curvature=n.curvature,
        threshold=n.threshold,
        eigenvalues=n.eigenvalues.tolist(),
        top_threshold=n.top_threshold,
        descent=n.descent,
        newton=n.newton,
        network_distances=n.network_distances,
    )
    return report
