"""draw_network and the network view: the textbook's picture of a model, in any language, at any width."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from test_viz_graph import needs_dot
from test_viz_player import chapter, wide

from microgradnn import Tensor, Value
from microgradnn.nn import MLP, Dropout, Linear, ReLU, Sequential, Sigmoid
from microgradnn.viz import draw_network
from microgradnn.viz.frames import record_pass
from microgradnn.viz.layout import layout
from microgradnn.viz.network import network_scene, network_view

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [el.text or "" for el in ET.fromstring(svg).iter(f"{SVG}text")]


def label_rects(scene, lay, shown_only: bool = True) -> dict[str, tuple[float, float, float, float]]:
    rects = {}
    for edge in scene.edges:
        if edge.label and lay.edges[edge.id].label is not None:
            x, y = lay.edges[edge.id].label
            w, h = edge.label_size
            rects[edge.id] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    return rects


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_chapter_network_has_the_chapter_names_and_weights():
    net, loss = chapter()
    svg = draw_network(net).source
    shown = texts(svg)
    for name in ("x1", "x2", "a1", "a2", "y'"):
        assert name in shown
    # every weight an edge labelled with its name and value, biases on the "+1" node's edges
    for label in ("w1 = 0.5000", "w2 = -0.4000", "w3 = -0.3000", "w4 = 0.8000", "w5 = 0.7000", "w6 = -0.6000"):
        assert label in shown
    for label in ("b1 = 0.1000", "b2 = -0.2000", "b3 = 0.0500"):
        assert label in shown
    assert shown.count("+1") == 2
    assert "grad ?" not in svg  # nothing about gradients before backward
    loss.backward()
    after = texts(draw_network(net).source)
    w1 = net.layers[0].neurons[0].w[0]
    assert f"grad {w1.grad:.4f}" in after  # and each weight's gradient after it


def test_other_networks_get_names_a_person_can_say():
    net = MLP(3, [4, 4, 2], seed=1)
    scene, _ = network_scene(net)
    titles = [row.text for box in scene.boxes for row in box.rows[:1]]
    assert {"x1", "x2", "x3", "a1.1", "a1.4", "a2.4", "y1'", "y2'"} <= set(titles)
    weights = [edge.label[0].text.split(" = ")[0] for edge in scene.edges if edge.label]
    assert weights[:3] == ["w1", "w2", "w3"] and "w28" in weights and "b10" in weights  # 12 + 16 + 8 weights
    assert scene.column_titles == ["inputs", "hidden layer 1", "hidden layer 2", "output layer"]


def test_neurons_are_drawn_in_index_order_top_to_bottom():
    net = MLP(2, [5, 1], seed=0)
    scene, _ = network_scene(net)
    lay = layout(scene)
    ys = [lay.boxes[f"u0_{j}"][1] for j in range(5)]
    assert ys == sorted(ys)


def test_no_two_weight_labels_overlap_and_none_covers_a_neuron():
    net, loss = chapter()
    scene, _ = network_scene(net, record_pass(loss))
    lay = layout(scene)
    assert not scene.quiet_labels  # small network: every label shown at once
    rects = label_rects(scene, lay)
    assert len(rects) == 9
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not overlap(ra, rb), (a, b)
    for box_id, (cx, cy, w, h) in lay.boxes.items():
        for key, rect in rects.items():
            assert not overlap(rect, (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)), (key, box_id)
    # no other edge runs through the middle of a label, so no label leaves doubt about its edge
    from microgradnn.viz.layout import _crosses

    column = {box_id: c for c, col in enumerate(scene.columns) for box_id in col}
    tails = {e.id: column[e.tail] for e in scene.edges}
    for key, rect in rects.items():
        same_gap = [e for e in scene.edges if e.id != key and tails[e.id] == tails[key]]
        assert not any(_crosses(lay.edges[e.id].points, rect) for e in same_gap), key
    # each label sits on its own edge: its centre is on the straight line from tail to head
    for key, (x0, y0, x1, y1) in rects.items():
        (sx, sy), (ex, ey) = lay.edges[key].points
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        cross = (ex - sx) * (cy - sy) - (ey - sy) * (cx - sx)
        assert abs(cross) / np.hypot(ex - sx, ey - sy) < 1.0, key


def test_wide_layers_stay_legible_one_neuron_at_a_time():
    net, loss = wide()
    record = record_pass(loss)
    scene, states = network_scene(net, record)
    lay = layout(scene)
    assert scene.quiet_labels  # 16 x 16 labels cannot all show at once ...
    rects = label_rects(scene, lay)
    by_head: dict[str, list] = {}
    for edge in scene.edges:
        if edge.id in rects:
            by_head.setdefault(edge.head, []).append(rects[edge.id])
    for head, group in by_head.items():  # ... so those into one neuron, shown together, never meet
        for ra, rb in itertools.combinations(group, 2):
            assert not overlap(ra, rb), head
    # in every frame, the labels shown (the active edges) never overlap either
    for k, state in enumerate(states):
        active = [rects[e] for e, s in state["cls"].items() if s == "active" and e in rects]
        for ra, rb in itertools.combinations(active, 2):
            assert not overlap(ra, rb), k
    svg = draw_network(net).source
    assert 'class="label pending quiet"' in svg


def sized_model(kind: str, sizes: tuple[int, ...]):
    """A scalar MLP, or a tensor Sequential with a ReLU and a Dropout after each hidden Linear, and a loss."""
    if kind == "scalar":
        model = MLP(sizes[0], list(sizes[1:]), seed=0)
        out = model([Value(0.5 * (i + 1)) for i in range(sizes[0])])
        loss = sum(((y - 1.0) ** 2 for y in (out if isinstance(out, list) else [out])), Value(0.0))
    else:
        layers = []
        for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            layers.append(Linear(n_in, n_out, seed=k))
            if k < len(sizes) - 2:
                layers += [ReLU(), Dropout(0.5, seed=k)]
        model = Sequential(*layers)
        x = Tensor(np.random.default_rng(0).normal(size=(5, sizes[0])).astype("float32"))
        loss = ((model(x) - 1.0) ** 2).mean()
    loss.label = "L"
    return model, loss


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("when", ["before backward", "after backward", "recorded pass"])
@pytest.mark.parametrize("sizes", [(3, 4, 2), (2, 3, 1), (3, 4, 4, 2), (4, 5, 3)], ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("kind", ["scalar", "tensor"])
def test_labels_shown_together_never_meet_nor_cover_a_neuron(kind, sizes, when, lang):
    model, loss = sized_model(kind, sizes)
    record = record_pass(loss) if when == "recorded pass" else None
    if when == "after backward":
        loss.backward()
    scene, states = network_scene(model, record, lang)
    lay = layout(scene)
    rects = label_rects(scene, lay)
    for box_id, (cx, cy, w, h) in lay.boxes.items():
        for key, rect in rects.items():
            assert not overlap(rect, (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)), (key, box_id)
    heads = {e.id: e.head for e in scene.edges}
    # all labels at once, or (quiet labels) those into one neuron, and in every frame those it shows
    together = (
        [list(rects)]
        if not scene.quiet_labels
        else [[key for key in rects if heads[key] == head] for head in set(heads.values())]
    )
    together += [[e for e, s in state["cls"].items() if s == "active" and e in rects] for state in states]
    for group in together:
        for a, b in itertools.combinations(group, 2):
            assert not overlap(rects[a], rects[b]), (a, b)


def test_a_tensor_layer_too_wide_to_show_its_labels_at_once_is_drawn_without_them():
    model, loss = sized_model("tensor", (2, 8, 1))  # one backward step gives all 24 weights into the 8 neurons
    record = record_pass(loss)
    scene, states = network_scene(model, record, "ko")
    lay = layout(scene)
    shown = label_rects(scene, lay)
    assert sorted(e.id for e in scene.edges if e.label and e.id not in shown) == sorted(
        [f"w0_{j}_{i}" for j in range(8) for i in range(2)] + [f"b0_{j}" for j in range(8)]
    )
    for state in states:
        active = [shown[e] for e, s in state["cls"].items() if s == "active" and e in shown]
        assert not any(overlap(a, b) for a, b in itertools.combinations(active, 2))


@needs_dot
def test_network_frames_follow_the_backward_pass():
    net, loss = chapter()
    record = record_pass(loss)
    _, states = network_scene(net, record)
    assert len(states) == len(record.steps) + 1
    assert states[0]["txt"]["w0_0_0.g"] == "grad ?"  # before backward: unknown
    # w1's gradient appears exactly at the step of z1 = dot(w1, w2, x1, x2, b1), the step that computes it
    z1 = next(k for k, step in enumerate(record.steps, start=1) if step.node.label == "z1")
    assert states[z1 - 1]["txt"]["w0_0_0.g"] == "grad ?"
    assert states[z1]["txt"]["w0_0_0.g"] != "grad ?" and states[z1]["cls"]["w0_0_0"] == "active"
    assert states[z1]["cls"]["u0_0"] == "current" and states[z1]["focus"][0] == "u0_0"
    assert states[z1 + 1]["cls"]["w0_0_0"] == "done"
    loss.backward()
    assert states[-1]["txt"]["w0_0_0.g"] == f"grad {net.layers[0].neurons[0].w[0].grad:.4f}"
    assert states[1]["focus"][0] == "loss"  # the first step is the loss, outside the model


@needs_dot
def test_a_tensor_sequential_is_drawn_as_neurons_in_layers():
    model = Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=1), Sigmoid())
    x = Tensor(np.array([[1.0, -2.0]]), label="x")
    loss = ((model(x) - 1.0) ** 2).sum()
    loss.label = "L"
    record = record_pass(loss)
    scene, states = network_scene(model, record)
    assert [len(c) for c in scene.columns] == [3, 4, 1, 1]  # x1, x2, +1 | a1..a3, +1 | y' | L
    labels = [e.label[0].text for e in scene.edges if e.label]
    assert labels[0] == f"w1 = {float(model[0].weight.data[0, 0]):.4f}"
    loss.backward()
    final = states[-1]["txt"]
    assert final["w0_1_0.g"] == f"grad {float(model[0].weight.grad[1, 0]):.4f}"  # weight (out 1, in 0)
    assert final["b1_0.g"] == f"grad {float(model[2].bias.grad[0]):.4f}"
    activations = [r.text for b in scene.boxes for r in b.rows if r.style == "muted"]
    assert activations.count("relu") == 3 and activations.count("sigmoid") == 1


def test_korean_column_titles():
    net, _ = chapter()
    shown = texts(draw_network(net, lang="ko").source)
    assert "입력층" in shown and "은닉층 1" in shown and "출력층" in shown


def test_png_and_notebook_display(tmp_path):
    pytest.importorskip("PIL")
    net, _ = chapter()
    picture = draw_network(net)
    assert picture.render(tmp_path / "n.png").read_bytes().startswith(b"\x89PNG")
    assert picture.render(tmp_path / "n.svg").read_text(encoding="utf-8").startswith("<svg")
    html = picture._repr_html_()
    assert 'width="100%"' in html and re.search(r'style="max-width:[\d.]+px"', html)  # shrinks, never grows
    with pytest.raises(ValueError, match=r"\.pdf.*use \.svg or \.png"):
        picture.render(tmp_path / "n.pdf")


def test_models_it_cannot_draw_are_named():
    from microgradnn.nn import Module

    class Mystery(Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match=r"cannot draw a Mystery \(child 1\)"):
        draw_network(Sequential(Linear(2, 2), Mystery()))
    with pytest.raises(TypeError, match=r"expected a scalar nn\.MLP"):
        draw_network(Value(1.0))
    with pytest.raises(ValueError, match="more than 64"):
        draw_network(MLP(100, [2]))
    with pytest.raises(ValueError, match=r"lang='jp'"):
        draw_network(MLP(2, [1]), lang="jp")


def own_mlp():
    """A learner's own MLP, nothing labelled: the graph calls its nodes n3, w0, b, ...; the picture x1, a1, w1."""
    model = MLP(2, [3, 1], seed=0)
    loss = (model([Value(1.0), Value(-2.0)]) - 1.0) ** 2
    return model, loss


def test_network_view_captions_use_the_names_the_picture_shows():
    model, loss = own_mlp()
    record = record_pass(loss)
    scene, states, captions = network_view(model, record)
    assert (scene.columns, states) == (network_scene(model, record)[0].columns, network_scene(model, record)[1])
    assert len(captions) == len(record.captions) == len(states)
    titles = {box.id: box.rows[0].text for box in scene.boxes}
    units = 0
    for k, step in enumerate(record.steps, start=1):
        first = captions[k].splitlines()[0]
        for unit in (f for f in states[k]["focus"] if f.startswith("u") and states[k]["cls"][f] == "current"):
            name = titles[unit]
            if step.node.op == "relu" or name == "y'":  # the neuron's output is the node of this step
                assert f"through {name} = " in first, (k, first)
                units += 1
            else:  # its weighted sum, named after the neuron
                assert f"through z{name[1:]} = dot(" in first, (k, first)
    assert units == 4  # a1, a2, a3 and y'
    text = "\n".join(captions)
    weights = [e.label[0].text.split(" = ")[0] for e in scene.edges if e.label]
    assert sorted(weights) == sorted([f"w{i}" for i in range(1, 10)] + [f"b{i}" for i in range(1, 5)])
    for name in [*weights, "x1", "x2", "a1", "z3", "y'"]:
        assert f"dL/d{name} " in text, name
    # Only nodes the picture does not show keep the graph's names: the constant 1.0 and the difference.
    left = [record.order[int(i)] for i in sorted(set(re.findall(r"\bn(\d+)\b", text)))]
    assert [(node.op, node.data) for node in left] == [("", 1.0), ("-", loss.parents[0].data)]
    # The graph view keeps the graph's names.
    assert "through n18 = relu(n17)" in "\n".join(record.captions) and "n17" not in text


def test_network_view_captions_of_a_tensor_model_name_each_layer():
    model = Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 2, seed=1))
    x = Tensor(np.array([[1.0, -2.0], [0.5, 0.5]], dtype=np.float32))
    from microgradnn.nn import functional as F

    loss = F.cross_entropy(model(x), np.array([0, 1]))
    record = record_pass(loss)
    _, _, captions = network_view(model, record)
    firsts = [c.splitlines()[0] for c in captions[1:]]
    assert firsts == [
        "Step 1 of 4: backward through L = cross_entropy(y')",
        "Step 2 of 4: backward through y' = linear(a[1], W[2], b[2])",
        "Step 3 of 4: backward through a[1] = relu(z[1])",
        "Step 4 of 4: backward through z[1] = linear(x, W[1], b[1])",
    ]
    assert "dL/dW[1] = " in captions[4] and "dL/db[2] = " in captions[2]


def test_the_chapter_network_reads_the_same_in_both_views():
    net, loss = chapter()  # every node carries the chapter's name (z3 for the output's sum), so nothing is renamed
    record = record_pass(loss)
    assert network_view(net, record)[2] == record.captions
    assert "through y' = sigmoid(z3)" in "\n".join(record.captions)
