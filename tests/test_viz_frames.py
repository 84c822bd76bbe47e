"""backward_frames, save_frames, save_gif: one frame per step, numbers in captions, nothing jumps."""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest
from test_viz_graph import check_golden, expression, needs_dot, run_dot, scoped_network

from microgradnn import Value, topological_order
from microgradnn.viz import Frame, GraphvizNotFoundError, backward_frames, save_frames, save_gif
from microgradnn.viz.framefiles import CURRENT_FILL, DONE_FILL


def plain(text: str) -> str:
    return text.replace("&#160;", " ")


def node_line(frame: Frame, label: str) -> str:
    return plain(next(line for line in frame.source.splitlines() if f"<B>{label}</B>" in line))


def reused() -> dict[str, Value]:
    """y = a*b + a: `a` gets two contributions, so its gradient accumulates (+=)."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    e = a * b
    e.label = "e"
    y = e + a
    y.label = "y"
    return {"a": a, "b": b, "e": e, "y": y}


def test_one_frame_for_the_forward_pass_and_one_per_backward_step():
    L = expression()["L"]
    interior = sum(1 for n in topological_order(L) if n.parents)
    frames = backward_frames(L)
    assert len(frames) == interior + 1 == 4
    assert [f.index for f in frames] == [0, 1, 2, 3]
    assert frames[0].step is None and [f.step.index for f in frames[1:]] == [0, 1, 2]
    # frame 0: the forward pass is done, every gradient is unknown
    assert plain(frames[0].source).count("grad          ?") == len(topological_order(L))
    assert "Forward pass done: L = -8.0000" in frames[0].caption
    assert "Backward starts at L with dL/dL = 1.0000" in frames[0].caption


def test_captions_spell_out_the_chain_rule_in_numbers():
    frames = backward_frames(expression()["L"])
    # L = d * f with d = 4, f = -2: dL/dd = f = -2, dL/df = d = 4
    assert frames[1].caption.splitlines()[0] == "Step 1 of 3: backward through L = d * f"
    assert "dL/dd = ∂L/∂d × dL/dL = -2.0000 × 1.0000 = -2.0000" in frames[1].caption
    assert "dL/df = ∂L/∂f × dL/dL = 4.0000 × 1.0000 = 4.0000" in frames[1].caption
    # d = e + c: both local derivatives are 1
    assert "dL/de = ∂d/∂e × dL/dd = 1.0000 × -2.0000 = -2.0000" in frames[2].caption
    # e = a * b with a = 2, b = -3: dL/da = b * dL/de = (-3)(-2) = 6, dL/db = a * dL/de = -4
    assert "dL/da = ∂e/∂a × dL/de = -3.0000 × -2.0000 = 6.0000" in frames[3].caption
    assert "dL/db = ∂e/∂b × dL/de = 2.0000 × -2.0000 = -4.0000" in frames[3].caption
    assert frames[3].caption.endswith("Backward done: every gradient is known.")
    # the edges of the current step carry local x upstream = contribution
    assert "-3.0000 × -2.0000 = 6.0000" in frames[3].source


def test_a_second_contribution_shows_the_accumulation():
    ex = reused()
    frames = backward_frames(ex["y"])
    # step 1 (y = e + a): dy/da = 1; step 2 (e = a * b): dy/da += b * 1 = 3, so 1 + 3 = 4
    assert "dy/da = ∂y/∂a × dy/dy = 1.0000 × 1.0000 = 1.0000" in frames[1].caption
    assert "dy/da += ∂e/∂a × dy/de = 3.0000 × 1.0000 = 3.0000   (so far 1.0000 + 3.0000 = 4.0000)" in frames[2].caption
    assert "+= 1.0000 + 3.0000 = 4.0000" in frames[2].source
    assert "+=" not in frames[1].source
    assert "grad     4.0000" in node_line(frames[2], "a")
    assert "grad     1.0000" in node_line(frames[1], "a")


def test_the_same_operand_twice_in_one_step_accumulates_too():
    a = Value(3.0, label="a")
    z = a * a
    z.label = "z"
    frames = backward_frames(z)
    assert len(frames) == 2
    # dz/da = a + a = 6: 3 x 1, then += 3 x 1
    assert "dz/da = ∂z/∂a × dz/dz = 3.0000 × 1.0000 = 3.0000" in frames[1].caption
    assert "dz/da += ∂z/∂a × dz/dz = 3.0000 × 1.0000 = 3.0000   (so far 3.0000 + 3.0000 = 6.0000)" in frames[1].caption
    assert "grad     6.0000" in node_line(frames[1], "a")


def test_current_node_is_highlighted_and_finished_nodes_are_shaded():
    frames = backward_frames(expression()["L"])
    assert CURRENT_FILL not in frames[0].source and DONE_FILL not in frames[0].source
    assert f'BGCOLOR="{CURRENT_FILL}"' in node_line(frames[1], "L")
    assert f'BGCOLOR="{CURRENT_FILL}"' in node_line(frames[2], "d")
    assert f'BGCOLOR="{DONE_FILL}"' in node_line(frames[2], "L")  # its step is over
    assert f'BGCOLOR="{DONE_FILL}"' in node_line(frames[2], "f")  # a leaf whose only user has run
    assert f'BGCOLOR="{DONE_FILL}"' not in node_line(frames[2], "e")  # e's step is still to come
    last = frames[-1]
    for label in "Ldcf":
        assert f'BGCOLOR="{DONE_FILL}"' in node_line(last, label)


def test_drawing_frames_leaves_every_gradient_as_it_was():
    ex = expression()
    ex["a"].grad = 5.0  # as if an earlier pass had accumulated into it
    before = {k: v.grad for k, v in ex.items()}
    frames = backward_frames(ex["L"])
    assert {k: v.grad for k, v in ex.items()} == before
    # the frames show this pass's gradient (6), not the accumulated 5 + 6
    assert "grad     6.0000" in node_line(frames[-1], "a")


def test_golden_frames():
    frames = backward_frames(expression()["L"])
    check_golden("frames_expression_0.dot", frames[0].source)
    check_golden("frames_expression_3.dot", frames[3].source)
    check_golden("frames_reused_2.dot", backward_frames(reused()["y"])[2].source)


def test_too_many_steps_is_refused_with_a_hint():
    x = Value(1.0)
    for _ in range(30):
        x = x * 1.0
    with pytest.raises(ValueError, match="30 backward steps, more than max_steps=10"):
        backward_frames(x, max_steps=10)


def test_tensor_frames_describe_vector_jacobian_products():
    from microgradnn import Tensor

    x = Tensor(np.array([[1.0, 2.0]], dtype=np.float32), label="x")
    W = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True, label="W")
    y = (x @ W).sum()
    y.label = "y"
    frames = backward_frames(y)
    assert len(frames) == 3
    # dy/dW = x^T ones(1, 3): rows 1 and 2 -> mean 1.5 in [1, 2]
    assert "dy/dW = vector-Jacobian product" in frames[2].caption
    assert "mean 1.5000 in [1.0000, 2.0000]" in frames[2].caption
    assert "None" in node_line(frames[2], "x")  # x needs no gradient, and its user has run
    assert "?" in node_line(frames[1], "x")


# ------------------------------------------------------------- fixed layout
def drawing(frame: Frame, caption: bool) -> dict:
    """Where neato -n2 actually draws every node, edge and cluster of a frame."""
    doc = json.loads(run_dot(frame.pinned_source(caption), "json", "neato", "-n2"))
    nodes = {}
    for obj in doc["objects"]:
        if "nodes" in obj:
            nodes[obj["name"]] = obj["bb"]
            continue
        # the coordinates of every shape drawn for the node (its table, cells and rules)
        points = [op.get("points", op.get("rect")) for op in obj.get("_draw_", []) if op["op"] in "pPbBLe"]
        nodes[obj["name"]] = (obj["pos"], obj["width"], obj["height"], json.dumps(points))
    edges = {e["id"]: (e["pos"], e.get("lp")) for e in doc.get("edges", [])}
    return {"bb": doc["bb"], "nodes": nodes, "edges": edges}


@needs_dot
@pytest.mark.parametrize("caption", [True, False])
def test_nothing_moves_between_frames(caption):
    frames = backward_frames(scoped_network())
    first = drawing(frames[0], caption)
    assert any(name.startswith("cluster_") for name in first["nodes"])
    assert len(first["nodes"]) > 20
    moved = []
    for frame in frames[1:]:
        now = drawing(frame, caption)
        assert now["bb"] == first["bb"]
        moved += [(frame.index, n) for n, where in now["nodes"].items() if first["nodes"][n] != where]
        for edge_id, (pos, lp) in now["edges"].items():
            assert pos == first["edges"][edge_id][0]
            if lp is not None and first["edges"][edge_id][1] is not None:
                assert lp == first["edges"][edge_id][1]
    assert moved == []


@needs_dot
def test_frames_are_drawn_at_the_layout_positions():
    frames = backward_frames(reused()["y"])
    layout = frames[0]._movie.layout()
    drawn = drawing(frames[2], caption=False)
    shifts = []
    for name, (pos, width, height) in layout.nodes.items():
        x, y = (float(v) for v in pos.split(","))
        dx, dy = (float(v) for v in drawn["nodes"][name][0].split(","))
        shifts.append((dx - x, dy - y))
        assert drawn["nodes"][name][1:3] == (width, height)
    # one rigid shift for all nodes: neato -n2 moves the drawing so that its lowest corner
    # (the invisible corner point) sits at the origin (Graphviz rounds to about 0.05 pt)
    for sx, sy in shifts:
        assert sx == pytest.approx(shifts[0][0], abs=0.1) and sy == pytest.approx(shifts[0][1], abs=0.1)
    assert shifts[0][0] == pytest.approx(-layout.x0, abs=0.5) and shifts[0][1] == pytest.approx(-layout.y0, abs=0.5)


@needs_dot
def test_dot_accepts_the_frames_and_the_pinned_frames():
    for frame in backward_frames(reused()["y"]):
        run_dot(frame.source)
        run_dot(frame.pinned_source(), "svg", "neato", "-n2")


# ------------------------------------------------------------------ output
@needs_dot
def test_save_gif_has_one_image_per_frame(tmp_path):
    from PIL import Image

    L = expression()["L"]
    steps = len(list(L.backward_steps()))
    frames = backward_frames(L)
    path = save_gif(frames, tmp_path / "backprop.gif", duration_ms=300, per_char_ms=10, last_ms=900)
    with Image.open(path) as gif:
        assert gif.n_frames == steps + 1
        sizes, durations = set(), []
        for k in range(gif.n_frames):
            gif.seek(k)
            sizes.add(gif.size)
            durations.append(gif.info["duration"])
    assert len(sizes) == 1
    # each frame stays up in proportion to its caption (rounded to the GIF's 10 ms)
    assert durations == [round((300 + 10 * len(f.caption)) / 10) * 10 for f in frames[:-1]] + [900]
    assert durations[0] != durations[1]


@needs_dot
def test_save_frames_writes_every_frame(tmp_path):
    paths = save_frames(reused()["y"], tmp_path / "frames", "svg")
    assert [p.name for p in paths] == ["frame_000.svg", "frame_001.svg", "frame_002.svg"]
    captions = [p.read_text(encoding="utf-8") for p in paths]
    assert "Step 2 of 2" in captions[2]
    pngs = save_frames(backward_frames(reused()["y"]), tmp_path / "png", "png", caption=False)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    dot = backward_frames(reused()["y"])[1].render(tmp_path / "one.dot")
    assert dot.read_text(encoding="utf-8") == backward_frames(reused()["y"])[1].source


@needs_dot
def test_frame_displays_in_jupyter():
    bundle = backward_frames(reused()["y"])[1]._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert re.search(r"Step 1 of 2", svg)
    assert bundle["text/plain"].startswith("Frame 1: Step 1 of 2")


def test_missing_dot_keeps_the_frame_source_next_to_the_output(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    frame = backward_frames(reused()["y"])[1]
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz") as info:
        frame.render(tmp_path / "step1.svg")
    assert str(tmp_path / "step1.dot") in str(info.value)
    assert (tmp_path / "step1.dot").read_text(encoding="utf-8") == frame.source
    assert "image/svg+xml" not in frame._repr_mimebundle_()


def test_missing_pillow_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r'pip install "microgradnn\[viz\]"'):
        save_gif(reused()["y"], tmp_path / "x.gif")


def test_frames_and_a_frame_have_short_reprs():
    frames = backward_frames(expression()["L"])
    assert repr(frames) == "<microgradnn.viz.Frames: 4 frames of the backward pass of L (3 steps)>"
    assert repr(frames[1]) == "<microgradnn.viz.Frame 1: Step 1 of 3: backward through L = d * f>"
    assert len(repr(frames[0])) < 200


def test_frames_of_a_node_with_a_very_long_label_are_written(tmp_path):
    x = Value(2.0, label="x" * 10_000)
    paths = save_frames((x * 3.0).tanh(), tmp_path / "frames")  # the caption is shortened to fit Graphviz
    assert paths and all(p.stat().st_size > 0 for p in paths)
