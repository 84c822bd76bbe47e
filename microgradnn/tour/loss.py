"""The chapter's second section: a loss function tells which weights are better.

Two straight boundaries both separate the same points; the chapter compares
them by the mean of the squared distances of the points to each line. That
measure has a flaw worth saying: a point far from the line on the *right*
side counts as a big error. A loss should care about the wrong side and the
margin; cross-entropy on the signed distance does. Then the two
representative losses, MSE and cross-entropy, on a set of predictions.
"""

from __future__ import annotations

import math

import numpy as np

from microgradnn.nn import functional as F
from microgradnn.scalar import Value
from microgradnn.tour.context import StepReport, TourContext

KEY = "loss"

# Eight points in two parallel rows: class 1 above the diagonal, class 0 below it.
POINTS = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [1.0, 0.0], [2.0, 1.0], [3.0, 2.0], [4.0, 3.0]])
LABELS = np.array([1, 1, 1, 1, 0, 0, 0, 0])
# Each line is w1*x1 + w2*x2 + b = 0, with class 1 on its positive side.
LINE_A = (-1.0, 1.0, 0.0)  # x2 = x1: right between the two rows
LINE_B = (-0.6, 1.0, -0.9)  # x2 = 0.6 x1 + 0.9: also separates them, but passes close to two points

TARGETS = [1.0, 0.0, 1.0, 1.0, 0.0]
GOOD_PREDICTIONS = [0.9, 0.2, 0.8, 0.7, 0.1]
BAD_PREDICTIONS = [0.6, 0.5, 0.4, 0.7, 0.3]


def signed_distances(line: tuple[float, float, float], points: np.ndarray) -> np.ndarray:
    """(w . x + b) / |w| for each point: its distance to the line, positive on the side w points to."""
    w1, w2, b = line
    return (points @ np.array([w1, w2]) + b) / math.hypot(w1, w2)


def separates(line: tuple[float, float, float]) -> bool:
    return bool(np.all((signed_distances(line, POINTS) > 0) == (LABELS == 1)))


def margins(line: tuple[float, float, float]) -> np.ndarray:
    """Signed distance times the side the label asks for: positive on the right side, negative on the wrong one."""
    return signed_distances(line, POINTS) * np.where(LABELS == 1, 1.0, -1.0)


def cross_entropy_per_point(line: tuple[float, float, float]) -> np.ndarray:
    """-ln sigmoid(margin): the cross-entropy of p = sigmoid(signed distance) against each label."""
    return np.logaddexp(0.0, -margins(line))  # ln(1 + e^-m), without overflowing e^-m far on the wrong side


def run(ctx: TourContext) -> StepReport:
    report = ctx.start(KEY)
    msd = {}
    for name, line in (("A", LINE_A), ("B", LINE_B)):
        assert separates(line), f"line {name} must separate the points"
        msd[name] = float(np.mean(signed_distances(line, POINTS) ** 2))
    better = min(msd, key=msd.__getitem__)
    ctx.say(report, "loss.lines", n=len(POINTS), line_a=_line(LINE_A), line_b=_line(LINE_B))
    rows = [["x1", "x2", "y", "d(A)", "d(B)"]]
    for (x1, x2), label, da, db in zip(
        POINTS, LABELS, signed_distances(LINE_A, POINTS), signed_distances(LINE_B, POINTS)
    ):
        rows.append([f"{x1:g}", f"{x2:g}", f"{label}", f"{abs(da):.3f}", f"{abs(db):.3f}"])
    ctx.table(report, rows)
    ctx.say(report, "loss.compare", msd_a=msd["A"], msd_b=msd["B"], better=better)
    ctx.figure(
        report,
        _boundaries_figure(ctx),
        ctx.name("boundaries.png"),
        ctx.text("loss.plot", msd_a=msd["A"], msd_b=msd["B"]),
    )
    # The margin caveat, in numbers: line B's largest distance belongs to a point on the right side.
    distances_b = np.abs(signed_distances(LINE_B, POINTS))
    far = int(np.argmax(distances_b))
    ce = {name: cross_entropy_per_point(line) for name, line in (("A", LINE_A), ("B", LINE_B))}
    worst = int(np.argmax(ce["B"]))
    caveat = dict(
        far_point=_point(POINTS[far]),
        far_distance=float(distances_b[far]),
        far_squared=float(distances_b[far] ** 2),
        far_ce=float(ce["B"][far]),
        worst_point=_point(POINTS[worst]),
        worst_distance=float(distances_b[worst]),
        worst_ce=float(ce["B"][worst]),
        ce_a=float(np.mean(ce["A"])),
        ce_b=float(np.mean(ce["B"])),
    )
    assert margins(LINE_B)[far] > 0, "the far point must be on the right side of line B"
    ctx.say(report, "loss.margin", **caveat)
    ctx.say(report, "loss.loss")

    good, bad = [Value(p) for p in GOOD_PREDICTIONS], [Value(p) for p in BAD_PREDICTIONS]
    good_mse, good_ce = F.mse_loss(good, TARGETS).data, F.binary_cross_entropy(good, TARGETS).data
    bad_mse, bad_ce = F.mse_loss(bad, TARGETS).data, F.binary_cross_entropy(bad, TARGETS).data
    ctx.table(
        report,
        [
            ["", "y / p", "MSE", ctx.text("loss.ce")],
            ["y", _list(TARGETS), "", ""],
            [ctx.text("loss.good"), _list(GOOD_PREDICTIONS), f"{good_mse:.4f}", f"{good_ce:.4f}"],
            [ctx.text("loss.poor"), _list(BAD_PREDICTIONS), f"{bad_mse:.4f}", f"{bad_ce:.4f}"],
        ],
    )
    ctx.say(report, "loss.losses")
    report.numbers.update(msd_a=msd["A"], msd_b=msd["B"], better=better, good_mse=good_mse, good_ce=good_ce)
    report.numbers.update(bad_mse=bad_mse, bad_ce=bad_ce, caveat=caveat)
    return report


def _line(line: tuple[float, float, float]) -> str:
    w1, w2, b = line
    return f"{w1:g}·x1 {'+' if w2 >= 0 else '-'} {abs(w2):g}·x2 {'+' if b >= 0 else '-'} {abs(b):g} = 0"


def _point(p: np.ndarray) -> str:
    return f"({p[0]:g}, {p[1]:g})"


def _list(xs: list[float]) -> str:
    return " ".join(f"{x:g}" for x in xs)


def _boundaries_figure(ctx: TourContext):
    from microgradnn.viz import plots

    names = {ctx.text("loss.line", name="A"): LINE_A, ctx.text("loss.line", name="B"): LINE_B}
    return ctx.draw(plots.plot_boundary_distances, POINTS, names, LABELS)
