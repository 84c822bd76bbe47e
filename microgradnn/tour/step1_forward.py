"""Step 1: the hand-wired 2-2-1 step network classifies XOR (forward pass only)."""

from __future__ import annotations

from microgradnn import data, viz
from microgradnn.tour.context import StepReport, TourContext
from microgradnn.tour.network import HAND_WIRED_BIASES, HAND_WIRED_WEIGHTS, chapter_network, forward


def run(ctx: TourContext) -> StepReport:
    report = ctx.start(1)
    X, y = data.xor()
    net = chapter_network("step", HAND_WIRED_WEIGHTS, HAND_WIRED_BIASES)
    ctx.say(report, "step1.network")
    rows = [["x1", "x2", "a1", "a2", "y'", "y"]]
    predictions = []
    for (x1, x2), target in zip(X, y):
        f = forward(net, x1, x2)
        predictions.append(f.y_pred.data)
        rows.append([_n(x1), _n(x2), _n(f.a1.data), _n(f.a2.data), _n(f.y_pred.data), _n(target)])
    ctx.table(report, rows)
    correct = sum(p == t for p, t in zip(predictions, y))
    report.numbers.update(table=rows, predictions=predictions, targets=list(y), correct=correct)
    ctx.say(report, "step1.result", correct=correct, total=len(y))
    example = forward(net, 1.0, 0.0)
    ctx.graph(report, viz.draw_graph(example.y_pred), "step1_graph.svg", ctx.text("step1.graph", x1=1, x2=0))
    ctx.say(report, "step1.question")
    return report


def _n(x: float) -> str:
    return f"{x:g}"
