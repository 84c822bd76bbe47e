"""The chapter's fourth section: backpropagation through the 2-2-1 sigmoid network, dL/dw1 as a product.

The backward pass is shown as text (every step), as the graph after
backward, and as a player and an animation, on the book's network view where
the viz has one.
"""

from __future__ import annotations

from microgradnn import viz
from microgradnn.expression import evaluate
from microgradnn.gradcheck import gradcheck
from microgradnn.scalar import Value
from microgradnn.tour.context import Figure, StepReport, TourContext
from microgradnn.tour.network import MLP, Forward, chapter_network, forward, parameters

KEY = "backprop"

# Small, readable starting weights (also the starting point of the training in step 6).
START_WEIGHTS = [[[0.5, -0.4], [-0.3, 0.8]], [[0.7, -0.6]]]
START_BIASES = [[0.1, -0.2], [0.05]]
EXAMPLE = (1.0, 0.0, 1.0)  # x1, x2, y
# The same loss written out as a function of the weights (the chapter's L(y, y')).
LOSS_FORMULA = "(sigmoid(w5*sigmoid(w1*x1 + w2*x2 + b1) + w6*sigmoid(w3*x1 + w4*x2 + b2) + b3) - y)**2"


def squared_error(net: MLP, x1: float, x2: float, y: float) -> tuple[Value, Forward]:
    """L = e^2 with the error e = y' - y, for one example, with every node named."""
    f = forward(net, x1, x2)
    error = f.y_pred - Value(y, label="y")
    error.label = "e"
    loss = error**2
    loss.label = "L"
    return loss, f


def chain_factors(f: Forward, w5: float, y: float) -> list[float]:
    """The five local derivatives on the path from L back to w1, each read off the forward values.

    dL/dy' = 2 (y' - y);  dy'/dz3 = y' (1 - y');  dz3/da1 = w5;  da1/dz1 = a1 (1 - a1);  dz1/dw1 = x1.
    """
    yp, a1 = f.y_pred.data, f.a1.data
    return [2.0 * (yp - y), yp * (1.0 - yp), w5, a1 * (1.0 - a1), f.x1.data]


def run(ctx: TourContext) -> StepReport:
    report = ctx.start(KEY)
    x1, x2, y = EXAMPLE
    net = chapter_network("sigmoid", START_WEIGHTS, START_BIASES)
    names = dict(zip(("w1", "w2", "b1", "w3", "w4", "b2", "w5", "w6", "b3"), parameters(net)))
    loss, f = squared_error(net, x1, x2, y)
    ctx.say(
        report,
        "backprop.forward",
        x1=x1,
        x2=x2,
        y=y,
        weights=", ".join(f"{k} = {v.data:g}" for k, v in names.items()),
        z1=f.z1.data,
        a1=f.a1.data,
        z2=f.z2.data,
        a2=f.a2.data,
        z3=f.z3.data,
        y_pred=f.y_pred.data,
        loss=loss.data,
    )
    ctx.say(report, "backprop.backward")
    steps = [step.describe(ctx.lang) for step in loss.backward_steps()]  # in the tour's language
    ctx.preformatted(report, "\n".join(steps))

    factors = chain_factors(f, names["w5"].data, y)
    product = 1.0
    for factor in factors:
        product *= factor
    w1 = names["w1"]

    # gradcheck differentiates the loss written as one formula of the weights, independently of the network code.
    values = {name: p.data for name, p in names.items()} | {"x1": x1, "x2": x2, "y": y}
    check = gradcheck(lambda w: evaluate(LOSS_FORMULA, values | {"w1": w}), [Value(w1.data, label="w1")])
    numeric = check.rows[0].numeric
    ctx.say(
        report,
        "backprop.chain",
        f1=factors[0],
        f2=factors[1],
        f3=factors[2],
        f4=factors[3],
        f5=factors[4],
        product=product,
        grad=w1.grad,
        numeric=numeric,
        diff=abs(product - numeric),
        formula=LOSS_FORMULA,
    )
    ctx.graph(
        report,
        viz.draw_graph(loss),
        ctx.name("graph.svg"),
        ctx.text("backprop.graph", loss=loss.data, grad_y_pred=f.y_pred.grad, grad_w1=w1.grad),
    )
    # The book's figure after backward: every edge with its weight and its gradient.
    ctx.network(report, net, ctx.name("network.svg"), ctx.text("backprop.network_plot", grad_w1=w1.grad))
    # The player and the GIF show a fresh copy of the graph, so their frames start before any backward;
    # both open on the network view, the chapter's figure, and the player switches to the graph.
    fresh = chapter_network("sigmoid", START_WEIGHTS, START_BIASES)
    frames = ctx.draw(viz.backward_frames, squared_error(fresh, x1, x2, y)[0])
    title = ctx.text("backprop.player_title")
    html, gif = ctx.name("backprop.html"), ctx.name("backprop.gif")
    played = ctx.file(
        report,
        lambda p: ctx.draw(viz.save_html, frames, p, title=title, network=fresh, view="network"),
        html,
        ctx.text("backprop.html"),
        "player",
    )
    ctx.file(
        report,
        lambda p: ctx.draw(viz.save_gif, frames, p, network=fresh, view="network"),
        gif,
        ctx.text("backprop.gif"),
        "image",
    )
    if not played:  # without Graphviz: each frame's DOT text, to render later
        folder = ctx.out / ctx.name("frames")
        folder.mkdir(exist_ok=True)
        for frame in frames:
            (folder / f"frame_{frame.index:03d}.dot").write_text(frame.source, encoding="utf-8")
        ctx.saved(report, Figure(ctx.name("frames/"), ctx.text("backprop.frames"), kind="dot"))
        ctx.say(report, "backprop.no_player")
    ctx.say(report, "backprop.summary", n_steps=len(steps))
    report.numbers.update(loss=loss.data, factors=factors, product=product, grad=w1.grad, numeric=numeric, steps=steps)
    return report
