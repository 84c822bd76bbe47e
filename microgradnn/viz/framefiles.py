"""Frames as Graphviz pictures: each frame's DOT text, drawn at one layout shared by all frames.

`Frame.render` and `save_frames` draw here (SVG, PNG, PDF, ... whatever
Graphviz writes). Nothing may jump from frame to frame, so the layout is
computed once: `dot` lays out a graph in which every node and edge label has
its widest text from any frame, and each frame is then drawn at exactly those
positions (`neato -n2` with pinned `pos`). The player and the GIF draw from
the same record through their own stages (graphview.py, layout.py, svg.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from microgradnn.engine import Node
from microgradnn.scopes import scope_of
from microgradnn.viz.dot import EdgeSpec, Html, NodeSpec, Scene, escape, format_from_path, layout_limits, pipe_source
from microgradnn.viz.frames import Frame, Record, State, _EdgeState, _Snapshot, backward_frames
from microgradnn.viz.graph import (
    BORDER,
    HIGHLIGHT,
    PORTS,
    add_clusters,
    base_scene,
    leaf_fill,
    module_path,
    op_attrs,
    value_label,
)

__all__ = ["movie_of", "render_frames", "save_frames"]

CURRENT_FILL = "#ffd699"  # the node whose step this frame shows
RECEIVING_FILL = "#ffeacc"  # an operand that just received a contribution
DONE_FILL = "#dcefd8"  # gradient final
ACTIVE_TEXT = "#a85400"
DONE_TEXT = "#7a7a7a"
PAD_INCHES = 0.2  # white margin around each frame


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


CAPTION_MAX = 2000  # characters of a frame's caption; a longer one (10,000-character labels) is shortened


def _caption_html(caption: str, width: float | None = None, height: float | None = None) -> Html:
    width_attr = f' WIDTH="{width:.0f}" HEIGHT="{height:.0f}"' if width and height else ""
    text = escape(caption, CAPTION_MAX)  # (Graphviz refuses an HTML label of more than 16,384 characters)
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


def movie_of(record: Record, rankdir: str, cluster: bool) -> tuple[_Movie, list[str]]:
    """The shared drawing state of a recorded pass, and each frame's DOT text."""
    order, root, snapshots = record.order, record.root, record.snapshots
    scenes = [_scene(order, root, snap, rankdir, cluster) for snap in snapshots]
    layout_scene = _scene(order, root, _widest(snapshots), rankdir, cluster)
    limits = layout_limits((edge.tail, edge.head) for edge in layout_scene.edges)  # the same edges in every frame
    for scene in [*scenes, layout_scene]:
        scene.graph_attrs.update(limits)
    movie = _Movie(scenes, layout_scene, record.captions, [snap.current for snap in snapshots])
    return movie, [scene.to_dot() for scene in scenes]


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
