"""`backward_frames`: backpropagation as a sequence of pictures.

Frame 0 is the graph after the forward pass, every gradient still unknown
("?"). Then one frame per backward step (`root.backward_steps()`): the node
being processed is orange, each edge to one of its operands is labelled
`local derivative x upstream gradient = contribution`, an operand that already
had a gradient shows the accumulation (`+=`), and nodes whose gradient is
final are shaded green. A caption spells out the chain-rule product in numbers.

Nothing may jump while the frames play, so the layout is computed once:
`dot` lays out a graph in which every node and edge label has its widest text
from any frame, and each frame is then drawn at exactly those positions
(`neato -n2` with pinned `pos`). Recording the steps runs a real backward
pass; afterwards every `.grad` is put back as it was, so drawing never
changes training.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from microgradnn.engine import Node, Step, topological_order
from microgradnn.scopes import scope_of
from microgradnn.viz.dot import (
    EdgeSpec,
    GraphvizNotFoundError,
    Html,
    NodeSpec,
    Scene,
    escape,
    format_from_path,
    format_number,
    graphviz_not_found,
    mimebundle,
    pipe_source,
    render_source,
)
from microgradnn.viz.graph import (
    BORDER,
    HIGHLIGHT,
    PORTS,
    add_clusters,
    base_scene,
    format_value,
    is_tensor,
    leaf_fill,
    module_path,
    node_name,
    op_attrs,
    summarize,
    value_label,
)
from microgradnn.viz.i18n import check_lang, text

__all__ = ["Frame", "Frames", "Record", "backward_frames", "render_frames", "save_frames"]

CURRENT_FILL = "#ffd699"  # the node whose step this frame shows
RECEIVING_FILL = "#ffeacc"  # an operand that just received a contribution
DONE_FILL = "#dcefd8"  # gradient final
ACTIVE_TEXT = "#a85400"
DONE_TEXT = "#7a7a7a"
UNKNOWN = "?"
DEFAULT_MAX_STEPS = 400
PAD_INCHES = 0.2  # white margin around each frame

State = Literal["pending", "partial", "current", "receiving", "done"]


@dataclass
class _EdgeState:
    lines: tuple[str, ...] = ()
    status: Literal["pending", "active", "done"] = "pending"


@dataclass
class _Snapshot:
    """What one frame shows: every node's state and grad text, every labelled edge's text."""

    states: dict[int, State]
    grads: dict[int, str]
    edges: dict[tuple[int, int], _EdgeState]
    current: int | None


@dataclass(frozen=True, eq=False)
class Frame:
    """One picture of backpropagation.

    `source` is the frame's DOT text (deterministic, for reading and golden
    tests); `render`/`pipe` draw it at the shared fixed layout, so successive
    frames line up. `caption` is the frame's explanation in words and numbers.
    `step` is the engine's record for this frame (None for frame 0).
    """

    index: int
    caption: str
    source: str
    step: Step | None
    _movie: _Movie = field(repr=False)

    def pinned_source(self, caption: bool = True, dpi: float | None = None) -> str:
        """DOT with every position fixed (for `neato -n2`); needs Graphviz to compute the layout once."""
        return self._movie.pinned(self.index, caption, dpi)

    def size_inches(self, caption: bool = True) -> tuple[float, float]:
        """Width and height of the drawn frame in inches (the same for every frame of a run)."""
        return self._movie.size_inches(caption)

    def focus_point(self) -> tuple[float, float] | None:
        """The current node's place in the picture (fractions of width and height from the top left)."""
        return self._movie.focus_point(self.index)

    def pipe(self, format: str = "svg", *, caption: bool = True, dpi: float | None = None) -> bytes:
        """The frame as bytes in `format`; `caption` draws the caption above the graph."""
        return pipe_source(self.pinned_source(caption, dpi), format, engine="neato", neato_no_op=2)

    def render(
        self, path: str | Path, format: str | None = None, *, caption: bool = True, dpi: float | None = None
    ) -> Path:
        """Write the frame to `path` (format from the extension unless given)."""
        path = Path(path)
        format = format_from_path(path, format)
        if format in ("dot", "gv"):
            return render_source(self.source, path, format)
        try:
            pinned = self.pinned_source(caption, dpi)
        except GraphvizNotFoundError:  # the shared layout needs dot: keep this frame's DOT next to `path`
            raise graphviz_not_found(self.source, format, "dot", path) from None
        return render_source(pinned, path, format, engine="neato", neato_no_op=2)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return mimebundle(self.source, lambda: self.pipe("svg"), f"Frame {self.index}: {self.caption}")


# --------------------------------------------------------------- recording
def _record(root: Node, gradient: Any, order: Sequence[Node]) -> list[Step]:
    """Run backward once and keep its steps; every node's .grad is restored afterwards."""
    saved = [(node, node.grad) for node in order]
    try:
        return list(root.backward_steps(gradient))
    finally:
        for node, grad in saved:
            node.grad = grad


def _expression(node: Node, names: Sequence[str]) -> str:
    """How a node was computed, in words a learner reads: "a * b", "tanh(x)", "dot(x, w, ...)"."""
    op = node.op
    if op in ("+", "-", "*", "/", "**", "@") and len(names) == 2:
        return f"{names[0]} {op} {names[1]}"
    if op.startswith("**") and len(names) == 1:
        return f"{names[0]}{op}"
    if op.endswith("**") and len(names) == 1:
        return f"{op}{names[0]}"
    shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
    return f"{op}({shown})"


def _add(a: Any, b: Any) -> Any:
    return b if a is None else a + b


def _text(x: Any) -> str:
    """A number or array in a caption or edge label."""
    return format_value(x, 0).strip() if isinstance(x, (float, int)) else summarize(x)


class _Builder:
    """Turns the recorded steps into one `_Snapshot` per frame and the frames' captions."""

    def __init__(self, root: Node, order: list[Node], steps: list[Step], lang: str = "en") -> None:
        self.lang = lang
        self.root = root
        self.order = order
        self.steps = steps
        self.index = {id(n): i for i, n in enumerate(order)}
        self.names = [node_name(n, i) for i, n in enumerate(order)]
        self.scalar = not is_tensor(root)

    def d(self, i: int) -> str:
        """d(root)/d(node i), written the way the chapter writes it."""
        return f"d{self.names[self.index[id(self.root)]]}/d{self.names[i]}"

    def run(self) -> tuple[list[_Snapshot], list[str]]:
        order, index = self.order, self.index
        known: dict[int, Any] = {}
        states: dict[int, State] = {i: "pending" for i in range(len(order))}
        edges: dict[tuple[int, int], _EdgeState] = {}
        # Local derivatives come from the engine's own record of each step (scalar nodes only).
        local_of = {id(step.node): step.local_derivatives for step in self.steps}
        word = text(self.lang, "edge.local")
        for i, node in enumerate(order):
            locals_ = local_of.get(id(node))
            for j in range(len(node.parents)):
                label = (f"{word} " + format_number(locals_[j], 0),) if locals_ is not None else ()
                edges[(i, j)] = _EdgeState(label)
        consumers = {i: 0 for i in range(len(order))}
        for node in order:
            for pid in {index[id(p)] for p in node.parents}:
                consumers[pid] += 1

        root_i = index[id(self.root)]
        root_data = _text(self.root.data)
        t = self.lang
        first = [text(t, "cap.forward", root=self.names[root_i], value=root_data, unknown=UNKNOWN)]
        if self.steps:
            first.append(
                text(t, "cap.start", root=self.names[root_i], d=self.d(root_i), seed=_text(self.steps[0].upstream))
            )
        snapshots = [self._snapshot(states, known, edges, None, consumers)]
        captions = ["\n".join(first)]
        for step in self.steps:
            i = index[id(step.node)]
            for key, edge in edges.items():
                if edge.status == "active":
                    edges[key] = _EdgeState(edge.lines, "done")
            for k, state in states.items():
                if state in ("current", "receiving"):
                    states[k] = "done" if self._final(k, consumers) else "partial"
            known[i] = step.upstream
            states[i] = "current"
            expr = _expression(step.node, [self.names[index[id(p)]] for p in step.parents])
            lines = [
                text(t, "cap.step", k=step.index + 1, n=len(self.steps), name=self.names[i], expr=expr),
                text(t, "cap.upstream", d=self.d(i), value=_text(step.upstream), name=self.names[i]),
            ]
            seen_children: set[int] = set()
            for j, (parent, contribution) in enumerate(zip(step.parents, step.contributions)):
                p = index[id(parent)]
                if p not in seen_children:
                    seen_children.add(p)
                    consumers[p] -= 1
                if contribution is None:
                    edges[(i, j)] = _EdgeState((text(t, "edge.none"),), "active")
                    continue
                previous = known.get(p)
                known[p] = _add(previous, contribution)
                edges[(i, j)] = _EdgeState(self._edge_lines(step, j, previous, known[p]), "active")
                lines.append(self._caption_line(step, i, j, p, previous, known[p]))
                states[p] = "receiving"
            consumers[i] = 0
            if step is self.steps[-1]:
                lines.append(text(t, "cap.done"))
            snapshots.append(self._snapshot(states, known, edges, i, consumers))
            captions.append("\n".join(lines))
        return snapshots, captions

    def run_padded(self) -> tuple[list[_Snapshot], list[str]]:
        """`run()`, with each node's grad text padded to one width across frames."""
        snapshots, captions = self.run()
        for i in range(len(self.order)):
            width = max(len(snap.grads[i]) for snap in snapshots)
            for snap in snapshots:
                snap.grads[i] = snap.grads[i].rjust(width)
        return snapshots, captions

    def _final(self, k: int, consumers: dict[int, int]) -> bool:
        """A node's gradient is final once every node that uses it has run its step."""
        return consumers[k] == 0

    def _edge_lines(self, step: Step, j: int, previous: Any, total: Any) -> tuple[str, ...]:
        contribution = step.contributions[j]
        if step.local_derivatives is not None:
            # local derivative x upstream gradient = contribution
            first = f"{_text(step.local_derivatives[j])} × {_text(step.upstream)} = {_text(contribution)}"
        else:
            first = f"+ {_text(contribution)}"
        if previous is None:
            return (first,)
        return (first, f"+= {_text(previous)} + {_text(contribution)} = {_text(total)}")

    def _caption_line(self, step: Step, i: int, j: int, p: int, previous: Any, total: Any) -> str:
        contribution = step.contributions[j]
        target = self.d(p)
        sign = "=" if previous is None else "+="
        if step.local_derivatives is not None:
            local = f"∂{self.names[i]}/∂{self.names[p]}"
            line = (
                f"{target} {sign} {local} × {self.d(i)} = {_text(step.local_derivatives[j])} × "
                f"{_text(step.upstream)} = {_text(contribution)}"
            )
        else:
            line = f"{target} {sign} {text(self.lang, 'cap.vjp', name=self.names[i])} = {_text(contribution)}"
        if previous is not None:
            line += f"   ({text(self.lang, 'cap.so_far')} {_text(previous)} + {_text(contribution)} = {_text(total)})"
        return line

    def _snapshot(
        self,
        states: dict[int, State],
        known: dict[int, Any],
        edges: dict[tuple[int, int], _EdgeState],
        current: int | None,
        consumers: dict[int, int],
    ) -> _Snapshot:
        root_i = self.index[id(self.root)]
        grads = {}
        for i in range(len(self.order)):
            if i in known:
                grads[i] = format_value(known[i])
            elif consumers[i] == 0 and i != root_i:
                grads[i] = "None".rjust(10)  # every user has run and sent nothing: needs no gradient
            else:
                grads[i] = UNKNOWN.rjust(10)
        return _Snapshot(dict(states), grads, dict(edges), current)


# ---------------------------------------------------------------- drawing
def _scene(order: list[Node], root: Node, snap: _Snapshot, rankdir: str, cluster: bool) -> Scene:
    """The frame's picture; the same nodes and edges in every frame, only text and colors change."""
    scene = base_scene(rankdir)
    index = {id(n): i for i, n in enumerate(order)}
    for i, node in enumerate(order):
        state = snap.states[i]
        fill = {
            "current": CURRENT_FILL,
            "receiving": RECEIVING_FILL,
            "done": DONE_FILL,
        }.get(state, leaf_fill(node, root))
        active = state in ("current", "receiving")
        where = add_clusters(scene, module_path(scope_of(node))) if cluster else None
        label = value_label(
            node,
            i,
            grad_text=snap.grads[i],
            fill=fill,
            border=HIGHLIGHT if active else BORDER,
            border_width=2 if state == "current" else 1,
        )
        scene.nodes.append(NodeSpec(f"n{i}", {"label": label}, where))
        if not node.is_leaf:
            current = snap.current == i
            scene.nodes.append(
                NodeSpec(
                    f"n{i}op",
                    op_attrs(node, CURRENT_FILL if current else "#eeeeee", HIGHLIGHT if current else BORDER),
                    where,
                )
            )
            attrs = {
                **_edge_style("active" if current else "pending", ()),
                "id": f"o{i}",
                "headport": PORTS[rankdir][1],
            }
            scene.edges.append(EdgeSpec(f"n{i}op", f"n{i}", attrs))
    for i, node in enumerate(order):
        for j, parent in enumerate(node.parents):
            edge = snap.edges[(i, j)]
            attrs = _edge_style(edge.status, edge.lines)
            attrs["id"] = f"e{i}_{j}"
            attrs["tailport"] = PORTS[rankdir][0]
            scene.edges.append(EdgeSpec(f"n{index[id(parent)]}", f"n{i}op", attrs))
    return scene


def _edge_style(status: str, lines: Sequence[str]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if lines:
        color = {"active": ACTIVE_TEXT, "done": DONE_TEXT}.get(status, "#555555")
        text = escape("\n".join(lines)) + ('<BR ALIGN="LEFT"/>' if len(lines) > 1 else "")
        markup = f'<FONT FACE="monospace" COLOR="{color}">{text}</FONT>'
        attrs["label"] = Html(f"<B>{markup}</B>" if status == "active" else markup)
    if status == "active":
        attrs.update(color=HIGHLIGHT, penwidth=2.2)
    return attrs


def _widest(snapshots: Sequence[_Snapshot]) -> _Snapshot:
    """A snapshot whose every text is the longest any frame shows: it reserves room for all of them."""
    last = snapshots[-1]
    grads = {i: max((s.grads[i] for s in snapshots), key=len) for i in last.grads}
    edges: dict[tuple[int, int], _EdgeState] = {}
    for key in last.edges:
        variants = [s.edges[key].lines for s in snapshots]
        n_lines = max(len(v) for v in variants)
        lines = tuple(max((v[k] for v in variants if len(v) > k), key=len) for k in range(n_lines))
        edges[key] = _EdgeState(lines, "active" if n_lines else "pending")
    states: dict[int, State] = dict.fromkeys(last.states, "current")
    return _Snapshot(states, grads, edges, None)


def _caption_html(caption: str, width: float | None = None, height: float | None = None) -> Html:
    width_attr = f' WIDTH="{width:.0f}" HEIGHT="{height:.0f}"' if width and height else ""
    text = escape(caption)
    return Html(
        f'<TABLE BORDER="0" CELLPADDING="6"{width_attr}><TR>'
        f'<TD ALIGN="LEFT" BALIGN="LEFT" VALIGN="TOP">{text}</TD></TR></TABLE>'
    )


@dataclass
class _Layout:
    nodes: dict[str, tuple[str, str, str]]  # id -> (pos, width, height)
    edges: dict[str, tuple[str, str | None]]  # edge id -> (pos, lp)
    clusters: dict[str, tuple[str, str | None]]  # cluster id -> (bb, lp)
    x0: float  # the drawing's extent: dot's bounding box and every spline control point
    y0: float
    x1: float
    y1: float
    caption_width: float
    caption_height: float


def _parse_layout(data: bytes) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    doc = json.loads(data.decode("utf-8"))
    return doc, doc.get("objects", []), doc.get("edges", [])


class _Movie:
    """The frames' shared state: one scene per frame, and the layout computed once on demand."""

    def __init__(
        self, scenes: list[Scene], layout_scene: Scene, captions: list[str], currents: list[int | None]
    ) -> None:
        self.scenes = scenes
        self.layout_scene = layout_scene
        self.captions = captions
        self.currents = currents  # index of the node each frame highlights (None for frame 0)
        self._layout: _Layout | None = None

    def layout(self) -> _Layout:
        if self._layout is None:
            self._layout = self._compute_layout()
        return self._layout

    def _compute_layout(self) -> _Layout:
        doc, objects, edges = _parse_layout(pipe_source(self.layout_scene.to_dot(), "json"))
        x0, y0, x1, y1 = (float(v) for v in doc["bb"].split(","))
        nodes, clusters = {}, {}
        for obj in objects:
            if "nodes" in obj or obj.get("name", "").startswith("cluster_"):
                clusters[obj["name"]] = (obj["bb"], obj.get("lp"))
            else:
                nodes[obj["name"]] = (obj["pos"], obj["width"], obj["height"])
        edge_pos = {e["id"]: (e["pos"], e.get("lp")) for e in edges if "id" in e}
        # neato -n2 counts spline control points in the drawing's size (dot does not): include them,
        # so the corner points below fix the same extent for every frame.
        for pos, _ in edge_pos.values():
            for point in pos.split():
                xy = point.split(",")[-2:]
                x, y = float(xy[0]), float(xy[1])
                x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
        # Measure every caption once, so the box above the graph fits the longest one.
        measure = Scene(graph_attrs={"fontname": "Helvetica"}, node_attrs={"shape": "none", "margin": 0}, edge_attrs={})
        for k, caption in enumerate(self.captions):
            measure.nodes.append(NodeSpec(f"c{k}", {"label": _caption_html(caption), "fontname": "Helvetica"}))
        _, cap_objects, _ = _parse_layout(pipe_source(measure.to_dot(), "json"))
        cap_w = max((float(o["width"]) * 72 for o in cap_objects), default=0.0)
        cap_h = max((float(o["height"]) * 72 for o in cap_objects), default=0.0)
        return _Layout(nodes, edge_pos, clusters, x0, y0, x1, y1, cap_w, cap_h)

    def size_inches(self, caption: bool) -> tuple[float, float]:
        lay = self.layout()
        right = max(lay.x1, lay.x0 + lay.caption_width) if caption else lay.x1
        top = lay.y1 + (lay.caption_height if caption else 0.0)
        return (right - lay.x0) / 72 + 2 * PAD_INCHES, (top - lay.y0) / 72 + 2 * PAD_INCHES

    def focus_point(self, k: int) -> tuple[float, float] | None:
        """Where frame k's current node is in the picture without caption, as fractions (0..1)
        of width and height from the top-left corner, so a player can scroll to it."""
        current = self.currents[k]
        if current is None:
            return None
        lay = self.layout()
        x, y = (float(v) for v in lay.nodes[f"n{current}"][0].split(","))
        margin = PAD_INCHES * 72
        fx = (x - lay.x0 + margin) / (lay.x1 - lay.x0 + 2 * margin)
        fy = (lay.y1 - y + margin) / (lay.y1 - lay.y0 + 2 * margin)
        return fx, fy

    def pinned(self, k: int, caption: bool, dpi: float | None) -> str:
        """Frame k's DOT with every node, edge, label and cluster at its shared position."""
        lay = self.layout()
        scene = self.scenes[k]
        right = max(lay.x1, lay.x0 + lay.caption_width) if caption else lay.x1
        top = lay.y1 + (lay.caption_height if caption else 0.0)
        graph_attrs = {
            "bb": f"{lay.x0:.2f},{lay.y0:.2f},{right:.2f},{top:.2f}",
            "bgcolor": "white",
            "fontname": "Helvetica",
            "pad": PAD_INCHES,
            "dpi": dpi,
        }
        pinned = Scene(graph_attrs, dict(scene.node_attrs), dict(scene.edge_attrs))
        for key, cluster in scene.clusters.items():
            bb, lp = lay.clusters[cluster.id]
            attrs = {**cluster.attrs, "bb": bb, "lp": lp}
            pinned.clusters[key] = type(cluster)(cluster.key, cluster.id, cluster.label, cluster.parent, attrs)
        for node in scene.nodes:
            pos, w, h = lay.nodes[node.id]
            pinned.nodes.append(
                NodeSpec(node.id, {**node.attrs, "pos": pos, "width": w, "height": h, "fixedsize": True}, node.cluster)
            )
        for edge in scene.edges:
            attrs = dict(edge.attrs)
            pos, lp = lay.edges[attrs["id"]]
            attrs["pos"] = pos
            if "label" in attrs and lp:
                attrs["lp"] = lp
            pinned.edges.append(EdgeSpec(edge.tail, edge.head, attrs))
        # Two invisible corner points make every frame's drawing exactly the same size.
        corner = {"shape": "point", "style": "invis", "width": 0.01, "height": 0.01, "fixedsize": True}
        pinned.nodes.append(NodeSpec("corner0", {**corner, "pos": f"{lay.x0:.2f},{lay.y0:.2f}"}))
        pinned.nodes.append(NodeSpec("corner1", {**corner, "pos": f"{right:.2f},{top:.2f}"}))
        if caption:
            cap_w = right - lay.x0
            x = lay.x0 + cap_w / 2
            y = lay.y1 + lay.caption_height / 2
            pinned.nodes.append(
                NodeSpec(
                    "caption",
                    {
                        "label": _caption_html(self.captions[k], cap_w, lay.caption_height),
                        "pos": f"{x:.2f},{y:.2f}",
                        "width": f"{cap_w / 72:.4f}",
                        "height": f"{lay.caption_height / 72:.4f}",
                        "fixedsize": True,
                        "fontname": "Helvetica",
                    },
                )
            )
        return pinned.to_dot()


@dataclass
class Record:
    """One recorded backward pass: what every later stage (graph view, network view, player, GIF) reads."""

    root: Node
    order: list[Node]
    steps: list[Step]
    snapshots: list[_Snapshot]
    captions: list[str]
    lang: str


class Frames(list):  # type: ignore[type-arg]
    """The frames of one backward pass (a list of `Frame`), with the record they were made from.

    Its repr is one line; in a notebook it shows the step-by-step player.
    """

    record: Record

    def __repr__(self) -> str:
        root = self.record.root
        name = root.label or "the root"
        return f"<microgradnn.viz.Frames: {len(self)} frames of the backward pass of {name} ({len(self) - 1} steps)>"

    def _repr_html_(self) -> str:
        from microgradnn.viz.page import player

        return player(self, lang=self.record.lang)._repr_html_()


def record_pass(
    root: Node,
    gradient: Any = None,
    *,
    max_steps: int = DEFAULT_MAX_STEPS,
    lang: str = "en",
    who: str = "backward_frames",
) -> Record:
    """Run backward once (gradients restored afterwards) and turn its steps into per-frame snapshots and captions."""
    if not isinstance(root, Node):
        raise TypeError(f"{who}: expected a Value or Tensor, got {type(root).__name__}")
    check_lang(lang, who)
    order = topological_order(root)
    interior = sum(1 for n in order if n.parents)
    if interior > max_steps:
        raise ValueError(
            f"{who}: the graph has {interior} backward steps, more than max_steps={max_steps}; "
            "draw a smaller graph (one sample, a smaller network) or pass a larger max_steps"
        )
    steps = _record(root, gradient, order)
    snapshots, captions = _Builder(root, order, steps, lang).run()
    for i in range(len(order)):  # one width per node in every frame, so its box never changes size
        width = max(len(snap.grads[i]) for snap in snapshots)
        for snap in snapshots:
            snap.grads[i] = snap.grads[i].rjust(width)
    return Record(root, order, steps, snapshots, captions, lang)


def backward_frames(
    root: Node,
    gradient: Any = None,
    *,
    rankdir: Literal["LR", "TB", "RL", "BT"] = "LR",
    cluster: bool = True,
    max_steps: int = DEFAULT_MAX_STEPS,
    lang: str = "en",
) -> Frames:
    """One frame for the finished forward pass, then one per backward step.

    Runs `root.backward_steps(gradient)` to record the pass and then restores
    every `.grad`, so calling this never changes a model's gradients.
    `max_steps` guards against drawing thousands of frames by accident;
    `lang="ko"` writes the captions in Korean.
    """
    record = record_pass(root, gradient, max_steps=max_steps, lang=lang)
    order, steps, snapshots, captions = record.order, record.steps, record.snapshots, record.captions
    scenes = [_scene(order, root, snap, rankdir, cluster) for snap in snapshots]
    layout_scene = _scene(order, root, _widest(snapshots), rankdir, cluster)
    movie = _Movie(scenes, layout_scene, captions, [snap.current for snap in snapshots])
    frames = Frames(
        Frame(k, captions[k], scenes[k].to_dot(), steps[k - 1] if k else None, movie) for k in range(len(scenes))
    )
    frames.record = record
    return frames


def as_record(root: Node | Sequence[Frame], who: str, lang: str | None = None, **options: Any) -> Record:
    """The record of `root`'s backward pass, or of frames made earlier by `backward_frames`."""
    if isinstance(root, Node):
        keep = {k: v for k, v in options.items() if k in ("gradient", "max_steps")}
        return record_pass(
            root, keep.get("gradient"), max_steps=keep.get("max_steps", DEFAULT_MAX_STEPS), lang=lang or "en", who=who
        )
    record = getattr(root, "record", None)
    if record is None:
        frames = list(root)
        if not frames:
            raise ValueError(f"{who}: there are no frames to show")
        raise TypeError(
            f"{who}: expected a Value, a Tensor or the frames from backward_frames(), got {type(root).__name__}"
        )
    if lang is not None and lang != record.lang:  # the same pass, captions in another language
        return Record(
            record.root,
            record.order,
            record.steps,
            *_Builder(record.root, record.order, record.steps, lang).run_padded(),
            lang,
        )
    return record


def render_frames(
    frames: Sequence[Frame], format: str = "svg", *, caption: bool = True, dpi: float | None = None
) -> list[bytes]:
    """Every frame as bytes in `format`, drawn by several Graphviz processes at once."""
    for movie in {id(f._movie): f._movie for f in frames}.values():
        movie.layout()  # computed once, before the threads share it
    workers = max(1, min(4, os.cpu_count() or 1, len(frames)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda f: f.pipe(format, caption=caption, dpi=dpi), frames))


def save_frames(
    root: Node | Sequence[Frame],
    folder: str | Path,
    format: str = "svg",
    *,
    caption: bool = True,
    dpi: float | None = None,
    **options: Any,
) -> list[Path]:
    """Write every frame to `folder` as frame_000.<format>, frame_001.<format>, ...; return the paths.

    `root` is a Value/Tensor (its frames are made with `backward_frames(root, **options)`)
    or frames you already have.
    """
    frames = backward_frames(root, **options) if isinstance(root, Node) else list(root)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    format = format.lower().lstrip(".")
    digits = max(3, len(str(len(frames) - 1)))
    if format in ("dot", "gv"):
        return [frame.render(folder / f"frame_{frame.index:0{digits}d}.{format}", format) for frame in frames]
    format_from_path(folder / f"frame.{format}", format)  # an unknown format fails before any drawing
    paths = []
    for frame, data in zip(frames, render_frames(frames, format, caption=caption, dpi=dpi)):
        path = folder / f"frame_{frame.index:0{digits}d}.{format}"
        path.write_bytes(data)
        paths.append(path)
    return paths
