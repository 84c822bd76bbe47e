"""The chapter's first section: the hand-wired 2-2-1 step network classifies XOR (forward pass only).

First the network as the book draws it (neurons in columns, a weight on every
edge), then the same forward pass as a computation graph. No gradients yet:
the graph shows values only.
"""

from __future__ import annotations

from microgradnn import data, viz
from microgradnn.tour.context import StepReport, TourContext
from microgradnn.tour.network import HAND_WIRED_BIASES, HAND_WIRED_WEIGHTS, chapter_network, forward, parameters

KEY = "forward"
EXAMPLE = (1.0, 0.0)  # the row drawn as a graph


def run(ctx: TourContext) -> StepReport:
    report = ctx.start(KEY)
    X, y = data.xor()
    net = chapter_network("step", HAND_WIRED_WEIGHTS, HAND_WIRED_BIASES)
    weights = {p.label: p.data for p in parameters(net)}
    ctx.say(report, "forward.network")
    ctx.network(
        report,
        net,
        ctx.name("network.svg"),
        ctx.text("forward.network_plot", **{name.replace("'", ""): _n(v) for name, v in weights.items()}),
    )
    ctx.say(report, "forward.rows")
    rows = [["x1", "x2", "a1", "a2", "y'", "y"]]
    predictions = []
    for (x1, x2), target in zip(X, y):
        f = forward(net, x1, x2)
        predictions.append(f.y_pred.data)
        rows.append([_n(x1), _n(x2), _n(f.a1.data), _n(f.a2.data), _n(f.y_pred.data), _n(target)])
    ctx.table(report, rows)
    correct = int(sum(p == t for p, t in zip(predictions, y)))
    ctx.say(report, "forward.result", correct=correct, total=len(y))
    example = forward(net, *EXAMPLE)
    values = {
        "x1": EXAMPLE[0],
        "x2": EXAMPLE[1],
        "z1": example.z1.data,
        "a1": example.a1.data,
        "z2": example.z2.data,
        "a2": example.a2.data,
        "z3": example.z3.data,
        "y_pred": example.y_pred.data,
    }
    # Forward only: values, no gradient cells and no local derivatives (the story has no gradients yet).
    graph = viz.draw_graph(example.y_pred, show_grad=False, show_local=False)
    ctx.graph(report, graph, ctx.name("graph.svg"), ctx.text("forward.graph", **{k: _n(v) for k, v in values.items()}))
    ctx.say(report, "forward.question")
    report.numbers.update(
        table=rows, predictions=predictions, targets=list(y), correct=correct, weights=weights, example=values
    )
    return report


def _n(x: float) -> str:
    return f"{x:g}"
