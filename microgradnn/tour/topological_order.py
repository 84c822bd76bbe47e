"""Why backward visits the nodes in reverse topological order, and what goes wrong without it.

A natural first try at backward is plain recursion: a node hands its gradient
to each input and recurses into it at once. That is right on a chain and on
a tree, and wrong as soon as a node is used twice (`b = a + a`) or two paths
meet again (a diamond): a node then passes its gradient on before it has
received all of it, or more than once. The engine instead orders the graph
so that every node comes after all the nodes that use it, and visits each
node exactly once, when its gradient is complete.

`naive_backward` below is that wrong version, kept small and clearly labelled;
the right numbers come from the engine's own `backward()`.
"""

from __future__ import annotations

from microgradnn import viz
from microgradnn.engine import topological_order
from microgradnn.scalar import Value
from microgradnn.tour.context import StepReport, TourContext

KEY = "topo"


def reused() -> tuple[Value, dict[str, Value]]:
    """a = 1; b = a + a; c = b + b (so c = 4a: dc/da = 4, dc/db = 2)."""
    a = Value(1.0, label="a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    return c, {"a": a, "b": b, "c": c}


def diamond() -> tuple[Value, dict[str, Value]]:
    """x = 1; a = 2x; b = 3a; c = 4a; d = b + c: two paths from d meet again at a (dd/da = 7, dd/dx = 14)."""
    x = Value(1.0, label="x")
    a = x * 2.0
    a.label = "a"
    b = a * 3.0
    b.label = "b"
    c = a * 4.0
    c.label = "c"
    d = b + c
    d.label = "d"
    return d, {"x": x, "a": a, "b": b, "c": c, "d": d}


# ---------------------------------------------------------------- WRONG, on purpose
def naive_backward(root: Value) -> dict[int, float]:
    """A WRONG backward, for comparison only: recursion without a topological order.

    Each node adds (its gradient so far) x (local derivative) to each input and
    recurses into that input at once. A node used twice is recursed into twice,
    and passes on gradient it received the first time again; a node on two paths
    passes on its gradient before the second path has added to it. Gradients are
    returned by node id; the nodes' own `.grad` is not touched.
    """
    # d(node)/d(input) for every node, read from the engine's steps (this runs one real backward on the graph).
    local = {id(s.node): s.local_derivatives for s in root.backward_steps()}
    grads: dict[int, float] = {id(root): 1.0}

    def visit(node: Value) -> None:
        for parent, d in zip(node.parents, local.get(id(node), ())):
            grads[id(parent)] = grads.get(id(parent), 0.0) + d * grads[id(node)]
            visit(parent)

    visit(root)
    return grads


# ---------------------------------------------------------------- the step
def run(ctx: TourContext) -> StepReport:
    report = ctx.start(KEY)
    ctx.say(report, "topo.question")
    results = {}
    for name, make in (("reused", reused), ("diamond", diamond)):
        root, nodes = make()
        naive = naive_backward(root)
        wrong = {label: naive.get(id(node), 0.0) for label, node in nodes.items()}
        root, nodes = make()  # a fresh graph for the engine, so nothing of the naive pass can leak into it
        order = topological_order(root)
        root.backward()
        ours = {label: node.grad for label, node in nodes.items()}
        results[name] = (wrong, ours, root, [n.label for n in reversed(order) if n.label])  # constants unnamed
    wrong, ours, root, visit = results["reused"]
    ctx.say(report, "topo.reused", naive_a=wrong["a"], naive_b=wrong["b"], a=ours["a"], b=ours["b"])
    ctx.graph(
        report,
        viz.draw_graph(root, show_local=True),
        ctx.name("reused.svg"),
        ctx.text("topo.reused_graph", a=ours["a"], b=ours["b"], c=ours["c"]),
    )
    wrong, ours, root, visit = results["diamond"]
    ctx.say(report, "topo.diamond", naive_x=wrong["x"], naive_a=wrong["a"], x=ours["x"], a=ours["a"])
    ctx.graph(
        report,
        viz.draw_graph(root, show_local=True),
        ctx.name("diamond.svg"),
        ctx.text("topo.diamond_graph", x=ours["x"], a=ours["a"], b=ours["b"], c=ours["c"]),
    )
    ctx.say(report, "topo.order", order=", ".join(visit))
    with ctx.fonts():
        figure = _comparison_figure(ctx, results)
    ctx.figure(report, figure, ctx.name("naive_vs_ours.png"), _caption(ctx, results))
    report.numbers.update(
        {name: {"naive": wrong, "ours": ours, "order": visit} for name, (wrong, ours, _, visit) in results.items()}
    )
    return report


def _caption(ctx: TourContext, results: dict) -> str:
    (wrong_r, ours_r, *_), (wrong_d, ours_d, *_) = results["reused"], results["diamond"]
    return ctx.text("topo.plot", naive_a=wrong_r["a"], a=ours_r["a"], naive_x=wrong_d["x"], x=ours_d["x"])


def _comparison_figure(ctx: TourContext, results: dict):
    """Two panels of bars: the naive recursion's gradient and the engine's for every node."""
    import numpy as np
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.4), layout="constrained")
    axes = fig.subplots(1, 2)
    titles = {"reused": "a = 1; b = a + a; c = b + b", "diamond": "x = 1; a = 2x; b = 3a; c = 4a; d = b + c"}
    for ax, (name, (wrong, ours, _, _)) in zip(axes, results.items()):
        root_label = "c" if name == "reused" else "d"
        labels = [label for label in ours if label != root_label]
        x = np.arange(len(labels))
        for offset, values, color, legend in (
            (-0.2, wrong, "#c0392b", ctx.text("topo.legend_naive")),
            (0.2, ours, "#2e7d32", ctx.text("topo.legend_ours")),
        ):
            heights = [values[label] for label in labels]
            bars = ax.bar(x + offset, heights, width=0.38, color=color, label=legend)
            ax.bar_label(bars, labels=[f"{h:g}" for h in heights], fontsize=9)
        ax.set_xticks(x, [f"d{root_label}/d{label}" for label in labels])
        ax.set_title(titles[name], fontsize=10)
        ax.margins(y=0.15)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9)
    return fig
