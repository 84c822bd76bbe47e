"""Stage 2 of a picture: where everything in a `Scene` goes.

A graph scene is placed by Graphviz's `dot` (one run, `-Tjson`): every box is
handed over at its measured size and every edge label as an empty box of its
measured size, so dot keeps labels apart and each sits on its own edge. A
network scene needs no Graphviz: neurons go in columns, edges are straight,
and each gap's labels sit at a point along the edges where no two of them meet
(in a gap too crowded for that, no two that show together; the columns move
apart for those when they must).

Coordinates are CSS pixels with y pointing down, as in SVG.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from microgradnn.viz.dot import Html, layout_limits, pipe_source
from microgradnn.viz.scene import FONT, LINE, Scene, text_width

__all__ = ["Layout", "Route", "layout"]

MARGIN = 16.0


@dataclass
class Route:
    """An edge's curve: cubic Bezier points (p0, c1, c2, p1, c1, c2, p2, ...), the arrow's tip, the label's centre."""

    points: list[tuple[float, float]]
    tip: tuple[float, float] | None = None
    label: tuple[float, float] | None = None
    leader: tuple[tuple[float, float], tuple[float, float]] | None = None  # label edge -> curve, when beside it


@dataclass
class Layout:
    """Positions for one scene: box centres and sizes, edge routes, group rectangles with their title's place."""

    width: float
    height: float
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)  # id -> (cx, cy, w, h)
    edges: dict[str, Route] = field(default_factory=dict)
    groups: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)  # id -> (x0, y0, x1, y1)
    titles: dict[str, tuple[float, float]] = field(default_factory=dict)  # group/column id -> title's left baseline
    notes_at: float = 0.0  # y of the first note line

    def bbox(self, ids: list[str]) -> tuple[float, float, float, float] | None:
        """The rectangle around the boxes and edge labels named by `ids` (x0, y0, x1, y1), or None."""
        xs: list[float] = []
        ys: list[float] = []
        for key in ids:
            if key in self.boxes:
                cx, cy, w, h = self.boxes[key]
                xs += [cx - w / 2, cx + w / 2]
                ys += [cy - h / 2, cy + h / 2]
            elif key in self.edges and self.edges[key].label is not None:
                lx, ly = self.edges[key].label
                xs += [lx - 10, lx + 10]
                ys += [ly - 10, ly + 10]
        if not xs:
            return None
        return min(xs), min(ys), max(xs), max(ys)


def layout(scene: Scene) -> Layout:
    """Place `scene`: with dot for a graph, in columns for a network."""
    if scene.kind != "network":
        return _dot(scene)
    # A small network gets the room to show every label at once; a wide one shows them step by step.
    tallest = max(len(col) for col in scene.columns)
    row_gaps = ((100.0, 150.0, 60.0, ROW_GAP) if tallest <= 4 else (60.0, 100.0, ROW_GAP)) if tallest <= 8 else ()
    crowded_at: dict[float, set[int]] = {}
    for gap in row_gaps or (ROW_GAP,):  # (the last one tried is ROW_GAP: the layout kept when labels are quiet)
        lay, crowded_at[gap] = _columns(scene, gap)
        if not scene.quiet_labels:
            return lay
    if not crowded_at[ROW_GAP]:
        return lay
    # Labels that show together would meet (a tensor layer's: one backward step gives all of them their
    # gradients): the columns around them move apart until each of those labels has a place of its own.
    fallbacks = []
    for gap, crowded in crowded_at.items():
        stretch: dict[int, float] = {}
        hopeless: set[int] = set()
        while crowded - hopeless:
            for c in crowded - hopeless:
                if stretch.get(c, 1.0) < STRETCH[-1]:
                    stretch[c] = next(k for k in STRETCH if k > stretch.get(c, 1.0))
                else:
                    hopeless.add(c)
                    del stretch[c]
            lay, crowded = _columns(scene, gap, stretch)
        if not crowded:
            return lay if stretch or hopeless else _columns(scene, gap)[0]
        fallbacks.append((gap, stretch))
    # Too many even so: those labels are left out; the neurons still show every value and gradient.
    lay, crowded = _columns(scene, *fallbacks[0])
    column_of = {box_id: c for c, col in enumerate(scene.columns) for box_id in col}
    for edge in scene.edges:
        if column_of[edge.tail] in crowded:
            lay.edges[edge.id].label = None
    return lay


# ------------------------------------------------------------------- graphs
def _table(width: float, height: float) -> Html:
    """An empty HTML-like label of exactly this size: dot reserves the room, the SVG stage draws the words."""
    return Html(
        f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0" FIXEDSIZE="TRUE" WIDTH="{max(width, 1):.0f}" '
        f'HEIGHT="{max(height, 1):.0f}"><TR><TD></TD></TR></TABLE>'
    )


def _dot_source(scene: Scene) -> str:
    from microgradnn.viz.dot import _attr_list

    lines = ["digraph layout {"]
    graph: dict[str, object] = {"rankdir": scene.rankdir, "nodesep": 0.22, "ranksep": 0.35, "newrank": True, "pad": 0}
    graph.update(layout_limits((edge.tail, edge.head) for edge in scene.edges))
    lines.append("  graph [" + _attr_list(graph) + "];")
    lines.append('  node [shape=box, fixedsize=true, label="", margin=0];')
    lines.append("  edge [arrowsize=0.7];")
    children: dict[str | None, list[str]] = {}
    by_id = {g.id: key for key, g in scene.groups.items()}
    for group in scene.groups.values():
        parent = scene.groups[group.parent].id if group.parent else None
        children.setdefault(parent, []).append(group.id)
    members: dict[str | None, list[str]] = {}
    for box in scene.boxes:
        w, h = box.size
        shape = "ellipse" if box.shape in ("ellipse", "circle") else "box"
        members.setdefault(box.group, []).append(f"{box.id} [width={w / 72:.3f}, height={h / 72:.3f}, shape={shape}];")

    def write(gid: str | None, indent: str) -> None:
        for child in children.get(gid, []):
            group = scene.groups[by_id[child]]
            title_w = text_width(group.title, "group") + 12
            attrs = {"label": _table(title_w, LINE["group"] + 4), "labeljust": "l", "margin": 8}
            lines.append(f"{indent}subgraph cluster_{child} {{ graph [{_attr_list(attrs)}];")
            write(child, indent + "  ")
            lines.append(f"{indent}}}")
        for member in members.get(gid, []):
            lines.append(indent + member)

    write(None, "  ")
    for edge in scene.edges:
        attrs: dict[str, object] = {"id": edge.id}
        if edge.label:
            attrs["label"] = _table(*edge.label_size)
        if edge.kind == "op":
            attrs["weight"] = 4
        lines.append(f"  {edge.tail} -> {edge.head} [{_attr_list(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _xy(text: str) -> tuple[float, float]:
    x, y = text.split(",")[-2:]
    return float(x), float(y)


def _dot(scene: Scene) -> Layout:
    doc = json.loads(pipe_source(_dot_source(scene), "json").decode("utf-8"))
    _, _, x1, y1 = (float(v) for v in doc["bb"].split(","))
    notes_h = len(scene.notes) * LINE["muted"]
    top = MARGIN + notes_h

    def flip(x: float, y: float) -> tuple[float, float]:
        return x + MARGIN, (y1 - y) + top

    lay = Layout(width=x1 + 2 * MARGIN, height=y1 + top + MARGIN, notes_at=MARGIN + FONT["muted"])
    for obj in doc.get("objects", []):
        name = obj.get("name", "")
        if name.startswith("cluster_"):
            gx0, gy0, gx1, gy1 = (float(v) for v in obj["bb"].split(","))
            ax, ay = flip(gx0, gy1)
            bx, by = flip(gx1, gy0)
            gid = name[len("cluster_") :]
            lay.groups[gid] = (ax, ay, bx, by)
            lay.titles[gid] = (ax + 8, ay + 4 + FONT["group"])
        elif "pos" in obj:
            cx, cy = flip(*_xy(obj["pos"]))
            lay.boxes[name] = (cx, cy, float(obj["width"]) * 72, float(obj["height"]) * 72)
    for edge in doc.get("edges", []):
        if "id" not in edge or "pos" not in edge:
            continue
        tip = None
        points = []
        for part in edge["pos"].split():
            if part.startswith("e,"):
                tip = flip(*_xy(part))
            elif part.startswith("s,"):
                continue
            else:
                points.append(flip(*_xy(part)))
        label = flip(*_xy(edge["lp"])) if "lp" in edge else None
        lay.edges[edge["id"]] = Route(points, tip, label)
    _labels_on_edges(scene, lay)
    return lay


def bezier_points(points: list[tuple[float, float]], per_piece: int = 16) -> list[tuple[float, float]]:
    """Points along a chain of cubic Bezier pieces (p0, c1, c2, p1, c1, c2, p2, ...)."""
    if len(points) < 4:
        return list(points)
    out = [points[0]]
    for k in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[k : k + 4]
        for s in range(1, per_piece + 1):
            t = s / per_piece
            u = 1 - t
            out.append(
                (
                    u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                    u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
                )
            )
    return out


def _labels_on_edges(scene: Scene, lay: Layout) -> None:
    """Move each label from beside its edge onto it (the edge then runs through the label), where that
    leaves it clear of every box and every other label; dot's place beside the edge otherwise."""
    rects: dict[str, tuple[float, float, float, float]] = {}
    sizes = {e.id: e.label_size for e in scene.edges if e.label}
    for key, (w, h) in sizes.items():
        route = lay.edges.get(key)
        if route is not None and route.label is not None:
            x, y = route.label
            rects[key] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    boxes = [(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2) for cx, cy, w, h in lay.boxes.values()]
    for key, (w, h) in sizes.items():
        route = lay.edges.get(key)
        if route is None or route.label is None:
            continue
        lx, ly = route.label
        curve = bezier_points(route.points)
        px, py = min(curve, key=lambda p: (p[0] - lx) ** 2 + (p[1] - ly) ** 2)
        moved = (px - w / 2, py - h / 2, px + w / 2, py + h / 2)
        others = [r for k, r in rects.items() if k != key]
        if not any(_overlap(moved, r, 1.0) for r in boxes + others):
            rects[key] = moved
            route.label = (px, py)
            continue
        # Left beside its edge: a short leader line from the label to the nearest point of its curve.
        x0, y0, x1, y1 = rects[key]
        near = min(curve, key=lambda p: _rect_distance(p, rects[key]))
        if _rect_distance(near, rects[key]) > 1.0:
            route.leader = ((min(max(near[0], x0), x1), min(max(near[1], y0), y1)), near)


# ----------------------------------------------------------------- networks
COLUMN_GAP = 200.0
ROW_GAP = 26.0
STRETCH = (1.25, 1.5, 1.75, 2.0, 2.5, 3.0)  # wider gaps between columns, for labels that show together


def _columns(scene: Scene, row_gap: float, stretch: dict[int, float] | None = None) -> tuple[Layout, set[int]]:
    """The network in columns `row_gap` apart (the gap after column c `stretch[c]` times as wide), with the
    labels placed; and the gaps where labels that show together still meet."""
    stretch = stretch or {}
    sizes = {box.id: box.size for box in scene.boxes}
    heights = [sum(sizes[b][1] for b in col) + row_gap * (len(col) - 1) for col in scene.columns]
    widest = [max(sizes[b][0] for b in col) for col in scene.columns]
    notes_h = len(scene.notes) * LINE["muted"]
    title_h = LINE["group"] + 14
    inner_h = max(heights)
    top = MARGIN + notes_h + title_h
    lay = Layout(width=0.0, height=top + inner_h + MARGIN, notes_at=MARGIN + FONT["muted"])
    column_of = {box_id: c for c, col in enumerate(scene.columns) for box_id in col}
    label_w = [0.0] * len(scene.columns)
    for edge in scene.edges:
        label_w[column_of[edge.tail]] = max(label_w[column_of[edge.tail]], edge.label_size[0])
    x = MARGIN + widest[0] / 2
    for c, col in enumerate(scene.columns):
        if c:  # room for the labels between the circles, with some air
            x += max(COLUMN_GAP, (widest[c - 1] + widest[c]) / 2 + label_w[c - 1] * 1.5 + 48) * stretch.get(c - 1, 1.0)
        y = top + (inner_h - heights[c]) / 2
        for box_id in col:
            w, h = sizes[box_id]
            lay.boxes[box_id] = (x, y + h / 2, w, h)
            y += h + row_gap
        title = scene.column_titles[c] if c < len(scene.column_titles) else ""
        lay.titles[f"col{c}"] = (x - text_width(title, "group") / 2, MARGIN + notes_h + FONT["group"])
    lay.width = x + widest[-1] / 2 + MARGIN
    for edge in scene.edges:
        tx, ty, tw, _ = lay.boxes[edge.tail]
        hx, hy, hw, _ = lay.boxes[edge.head]
        angle = math.atan2(hy - ty, hx - tx)
        start = (tx + tw / 2 * math.cos(angle), ty + tw / 2 * math.sin(angle))
        tip = (hx - hw / 2 * math.cos(angle), hy - hw / 2 * math.sin(angle))
        lay.edges[edge.id] = Route([start, tip], tip)
    scene.quiet_labels = False
    return lay, _place_labels(scene, lay, stretch)


def _place_labels(scene: Scene, lay: Layout, stretch: dict[int, float]) -> set[int]:
    """Put each label on its own edge where it touches no other label, no neuron and no other edge, so
    no label leaves doubt about its edge; when a gap is too crowded for that, mark the labels quiet
    (each shown with those of its backward step: the edges into one neuron, or a tensor layer's edges)
    and keep apart only the labels that show together. Returns the gaps where even those meet."""
    column_of = {box_id: c for c, col in enumerate(scene.columns) for box_id in col}
    gaps: dict[int, list] = {}
    for edge in scene.edges:
        if edge.label:
            gaps.setdefault(column_of[edge.tail], []).append(edge)
    taken: list[tuple[float, ...]] = []  # labels of the gaps placed before: all of them show at once
    crowded = set()
    for c, edges in gaps.items():
        # middle first; in a gap stretched for room, out to near either end
        ends = 0.25 if stretch.get(c, 1.0) == 1.0 else 0.12
        preferred = sorted(
            (ends + 0.02 * k for k in range(round((1 - 2 * ends) / 0.02) + 1)), key=lambda t: abs(t - 0.5)
        )
        placed = _search_labels(edges, lay, preferred, taken) if len(edges) <= 40 else {}
        taken += placed.values()
        if len(placed) < len(edges):
            scene.quiet_labels = True
            for t in [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7]:
                together: dict[str, list] = {}
                for e in edges:
                    together.setdefault(e.shown_with or e.head, []).append(_label_rect(e, lay, t))
                if all(_clear(r, lay) for rects in together.values() for r in rects) and not any(
                    _overlap(a, b) for rects in together.values() for a, b in itertools.combinations(rects, 2)
                ):
                    break
            else:
                crowded.add(c)
            for e in edges:
                e.at = t
        for e in edges:
            x0, y0, x1, y1 = _label_rect(e, lay, e.at if e.at is not None else 0.5)
            lay.edges[e.id].label = ((x0 + x1) / 2, (y0 + y1) / 2)
    return crowded


def _search_labels(
    edges: list, lay: Layout, preferred: list[float], taken: Sequence[tuple[float, ...]] = ()
) -> dict[str, tuple[float, ...]]:
    """Labels for every edge of a gap with none overlapping (nor any of `taken`), found by a small depth-first
    search over each label's clear places (middle first); {} when there is none within the search's budget."""
    options = []
    for edge in edges:
        others = [e for e in edges if e is not edge]
        fits = []
        for t in preferred:
            rect = _label_rect(edge, lay, t)
            if _clear(rect, lay) and not any(_crosses(lay.edges[o.id].points, rect) for o in others):
                fits.append((t, rect))
        if not fits:
            return {}
        options.append((edge, fits))
    options.sort(key=lambda item: len(item[1]))  # the most constrained label first
    chosen: dict[str, tuple[float, ...]] = {}
    budget = [20000]

    def place(k: int) -> bool:
        if k == len(options):
            return True
        edge, fits = options[k]
        for t, rect in fits:
            budget[0] -= 1
            if budget[0] < 0:
                return False
            if not any(_overlap(rect, r, 6.0) for r in itertools.chain(chosen.values(), taken)):
                chosen[edge.id] = rect
                edge.at = t
                if place(k + 1):
                    return True
                del chosen[edge.id]
        return False

    return chosen if place(0) else {}


def _crosses(points: list[tuple[float, float]], rect: tuple[float, float, float, float]) -> bool:
    """A straight edge passes through the middle half of the label (checked at points 2 px apart): there it
    would seem to run through the label as its own edge does; past the label's ends it plainly does not."""
    (sx, sy), (ex, ey) = points[0], points[-1]
    steps = max(2, int(math.hypot(ex - sx, ey - sy) / 2))
    quarter = (rect[2] - rect[0]) / 4
    x0, y0, x1, y1 = rect[0] + quarter, rect[1] + 1, rect[2] - quarter, rect[3] - 1
    # Only the points near where the line meets the rectangle can be inside it: those (and one more each side).
    lo, hi = 0.0, 1.0
    for start, run, low, high in ((sx, ex - sx, x0, x1), (sy, ey - sy, y0, y1)):
        if run == 0:
            if not low < start < high:
                return False
        else:
            a, b = sorted(((low - start) / run, (high - start) / run))
            lo, hi = max(lo, a), min(hi, b)
    for k in range(max(0, math.floor(lo * steps) - 1), min(steps, math.ceil(hi * steps) + 1) + 1):
        x, y = sx + (ex - sx) * k / steps, sy + (ey - sy) * k / steps
        if x0 < x < x1 and y0 < y < y1:
            return True
    return False


def _label_rect(edge, lay: Layout, t: float) -> tuple[float, float, float, float]:
    tx, ty, _, _ = lay.boxes[edge.tail]
    hx, hy, _, _ = lay.boxes[edge.head]
    x, y = tx + t * (hx - tx), ty + t * (hy - ty)
    w, h = edge.label_size
    return x - w / 2, y - h / 2, x + w / 2, y + h / 2


def _rect_distance(p: tuple[float, float], rect: tuple[float, float, float, float]) -> float:
    dx = max(rect[0] - p[0], 0.0, p[0] - rect[2])
    dy = max(rect[1] - p[1], 0.0, p[1] - rect[3])
    return math.hypot(dx, dy)


def _overlap(a: tuple[float, ...], b: tuple[float, ...], pad: float = 2.0) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def _clear(rect: tuple[float, ...], lay: Layout) -> bool:
    """The label keeps off every neuron (circles, taken as their squares)."""
    for cx, cy, w, h in lay.boxes.values():
        if _overlap(rect, (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), 4.0):
            return False
    return True
