"""Stage 3 of a picture: a placed `Scene` as SVG text (the raster stage draws the same thing with Pillow).

Every element a frame changes has an id (`<prefix><id>` for boxes and edges,
`<prefix>L-<id>` for an edge's label, `<prefix>t-<text id>` for a changing
line of text) and a class naming its state (pending, partial, current,
receiving, done; edges pending, active, done), so the player turns one SVG
into any frame by setting classes and texts. All text is XML-escaped.
"""

from __future__ import annotations

import math
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from microgradnn.viz.layout import Layout, Route
from microgradnn.viz.scene import FONT, LINE, PAD_Y, Box, Scene, Text

__all__ = ["BOX_FILL", "STATE_STYLE", "box_style", "edge_style", "svg"]

SANS = "'DejaVu Sans', Helvetica, Arial, 'Noto Sans CJK KR', 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif"
MONO = "'DejaVu Sans Mono', Menlo, Consolas, 'Noto Sans Mono CJK KR', 'Noto Sans CJK KR', monospace"

# Colours, in one place, for SVG and raster alike.
BOX_FILL = {
    "input": "#e4effa",  # data given by the user
    "param": "#fff2cc",  # a weight or bias of an nn module
    "value": "#ffffff",
    "root": "#e8f5e3",
    "op": "#eeeeee",
    "neuron": "#ffffff",
    "bias": "#f1f1f1",
    "loss": "#e8f5e3",
    "group": "#f3ecfa",
}
STATE_STYLE = {  # state -> (fill or None for the kind's own, border, border width)
    "pending": (None, "#666666", 1.0),
    "partial": (None, "#8a9bb0", 1.4),
    "current": ("#ffd699", "#d9822b", 3.0),
    "receiving": ("#ffeacc", "#d9822b", 2.0),
    "done": ("#dcefd8", "#7fa77a", 1.2),
}
EDGE_STYLE = {
    "pending": ("#777777", 1.1, "#555555"),
    "active": ("#d9822b", 2.6, "#a85400"),
    "done": ("#a0a0a0", 1.1, "#7a7a7a"),
}
GROUP_FILLS = ("#f7f9fc", "#eef3f9", "#e6edf6")
TEXT_COLOR = {
    "title": "#222222",
    "mono": "#222222",
    "muted": "#777777",
    "label": "#555555",
    "group": "#4a5a70",
    "op": "#333333",
}


def box_style(kind: str, state: str) -> tuple[str, str, float]:
    """(fill, border colour, border width) of a box of `kind` in `state`."""
    fill, border, width = STATE_STYLE.get(state, STATE_STYLE["pending"])
    return fill or BOX_FILL.get(kind, "#ffffff"), border, width


def edge_style(state: str) -> tuple[str, float, str]:
    """(line colour, line width, label colour) of an edge in `state`."""
    return EDGE_STYLE.get(state, EDGE_STYLE["pending"])


def _css() -> str:
    rules = [
        f".mg text {{ font-family: {SANS}; fill: #222; }}",
        f".mg .mono, .mg .label text {{ font-family: {MONO}; }}",
        ".mg .muted { fill: #777; font-style: italic; }",
        ".mg .title { font-weight: bold; }",
        ".mg .gtitle { fill: #4a5a70; }",
        ".mg .edge path { fill: none; transition: stroke .25s; }",
        ".mg .edge path.head { stroke: none; }",
        ".mg .label rect { fill: #ffffff; fill-opacity: 0.9; }",
        ".mg .label .leader { fill: none; stroke: #999999; stroke-width: 0.8; stroke-dasharray: 2 2; }",
        ".mg .quiet.pending, .mg .quiet.done { display: none; }",
    ]
    for kind, fill in BOX_FILL.items():
        rules.append(f".mg .{kind} > .shape {{ fill: {fill}; }}")
    for state, (fill, border, width) in STATE_STYLE.items():
        fill_rule = f" fill: {fill};" if fill else ""
        rules.append(f".mg .box.{state} > .shape {{{fill_rule} stroke: {border}; stroke-width: {width}; }}")
    for state, (line, width, label) in EDGE_STYLE.items():
        rules.append(f".mg .edge.{state} path {{ stroke: {line}; stroke-width: {width}; }}")
        rules.append(f".mg .edge.{state} path.head {{ fill: {line}; }}")
        weight = " font-weight: bold;" if state == "active" else ""
        rules.append(f".mg .label.{state} text {{ fill: {label};{weight} }}")
    rules.append(".mg .box { transition: none; }")
    return "\n".join(rules)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text_lines(rows: list[Text], cx: float, top: float, prefix: str) -> str:
    parts = []
    y = top
    for row in rows:
        baseline = y + (LINE[row.style] + FONT[row.style]) / 2 - 2
        ident = f' id="{prefix}t-{row.id}"' if row.id else ""
        cls = {"mono": "mono", "muted": "muted", "title": "title", "label": "mono", "op": "mono"}.get(row.style, "")
        parts.append(
            f'<text{ident} class="{cls}" x="{_num(cx)}" y="{_num(baseline)}" text-anchor="middle" '
            f'font-size="{FONT[row.style]:g}">{xml_escape(row.text)}</text>'
        )
        y += LINE[row.style]
    return "".join(parts)


def _box(box: Box, lay: Layout, state: str, prefix: str) -> str:
    cx, cy, w, h = lay.boxes[box.id]
    if box.shape == "circle":
        shape = f'<circle class="shape" cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(w / 2)}"/>'
    elif box.shape == "ellipse":
        shape = f'<ellipse class="shape" cx="{_num(cx)}" cy="{_num(cy)}" rx="{_num(w / 2)}" ry="{_num(h / 2)}"/>'
    else:
        shape = (
            f'<rect class="shape" x="{_num(cx - w / 2)}" y="{_num(cy - h / 2)}" width="{_num(w)}" '
            f'height="{_num(h)}" rx="5"/>'
        )
    content_h = sum(LINE[r.style] for r in box.rows)
    top = cy - content_h / 2 if box.shape != "rect" else cy - h / 2 + PAD_Y
    return (
        f'<g id="{prefix}{box.id}" class="box {box.kind} {state}">{shape}{_text_lines(box.rows, cx, top, prefix)}</g>'
    )


def _path(route: Route) -> str:
    pts = route.points
    if len(pts) == 2:
        return f"M{_num(pts[0][0])},{_num(pts[0][1])} L{_num(pts[1][0])},{_num(pts[1][1])}"
    d = [f"M{_num(pts[0][0])},{_num(pts[0][1])}"]
    for k in range(1, len(pts) - 2, 3):
        (ax, ay), (bx, by), (cx, cy) = pts[k], pts[k + 1], pts[k + 2]
        d.append(f"C{_num(ax)},{_num(ay)} {_num(bx)},{_num(by)} {_num(cx)},{_num(cy)}")
    return " ".join(d)


def arrow_head(route: Route, size: float = 9.0) -> list[tuple[float, float]] | None:
    """The triangle at the edge's tip, pointing along its last piece."""
    if route.tip is None or not route.points:
        return None
    ex, ey = route.tip
    px, py = route.points[-1] if route.points[-1] != route.tip else route.points[-2]
    angle = math.atan2(ey - py, ex - px)
    back = (ex - size * math.cos(angle), ey - size * math.sin(angle))
    left = (back[0] + size * 0.45 * math.sin(angle), back[1] - size * 0.45 * math.cos(angle))
    right = (back[0] - size * 0.45 * math.sin(angle), back[1] + size * 0.45 * math.cos(angle))
    return [(ex, ey), left, right]


def line_end(route: Route, size: float = 9.0) -> list[tuple[float, float]]:
    """The route's points with the last one pulled back under the arrow head."""
    pts = list(route.points)
    if route.tip is None or len(pts) != 2:
        return pts
    (sx, sy), (ex, ey) = pts
    length = math.hypot(ex - sx, ey - sy) or 1.0
    return [(sx, sy), (ex - (ex - sx) * size / length, ey - (ey - sy) * size / length)]


def svg(scene: Scene, lay: Layout, state: dict[str, Any] | None = None, *, prefix: str = "", fit: bool = False) -> str:
    """The scene as an SVG document in frame `state` ({"cls": ..., "txt": ...}); `fit` makes it shrink to a box
    narrower than the picture (a notebook cell), never grow past its own size."""
    cls = (state or {}).get("cls", {})
    txt = (state or {}).get("txt", {})
    natural = f'width="{_num(lay.width)}" height="{_num(lay.height)}"'
    size = f'width="100%" style="max-width:{_num(lay.width)}px"' if fit else natural
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mg" viewBox="0 0 {_num(lay.width)} {_num(lay.height)}" '
        f'{size} role="img">',
        f"<style>{_css()}</style>",
        f'<rect width="{_num(lay.width)}" height="{_num(lay.height)}" fill="#ffffff"/>',
    ]
    for k, note in enumerate(scene.notes):
        out.append(
            f'<text class="muted" x="16" y="{_num(lay.notes_at + k * LINE["muted"])}" '
            f'font-size="{FONT["muted"]:g}">{xml_escape(note)}</text>'
        )
    for group in scene.groups.values():
        if group.id not in lay.groups:
            continue
        x0, y0, x1, y1 = lay.groups[group.id]
        fill = GROUP_FILLS[min(group.depth, len(GROUP_FILLS) - 1)]
        tx, ty = lay.titles[group.id]
        out.append(
            f'<g class="group"><rect x="{_num(x0)}" y="{_num(y0)}" width="{_num(x1 - x0)}" height="{_num(y1 - y0)}" '
            f'rx="8" fill="{fill}" stroke="#b8c4d6"/><text class="gtitle" x="{_num(tx)}" y="{_num(ty)}" '
            f'font-size="{FONT["group"]:g}">{xml_escape(group.title)}</text></g>'
        )
    for c, title in enumerate(scene.column_titles):
        tx, ty = lay.titles[f"col{c}"]
        out.append(
            f'<text class="gtitle title" x="{_num(tx)}" y="{_num(ty)}" font-size="{FONT["group"]:g}">'
            f"{xml_escape(title)}</text>"
        )
    quiet = " quiet" if scene.quiet_labels else ""
    for edge in scene.edges:
        route = lay.edges.get(edge.id)
        if route is None:
            continue
        head = arrow_head(route)
        state_ = cls.get(edge.id, "pending")
        drawn = Route(line_end(route), route.tip, route.label)
        parts = [f'<g id="{prefix}{edge.id}" class="edge {state_}"><path d="{_path(drawn)}"/>']
        if head:
            parts.append('<path class="head" d="M' + " L".join(f"{_num(x)},{_num(y)}" for x, y in head) + ' Z"/>')
        parts.append("</g>")
        out.append("".join(parts))
    for edge in scene.edges:
        route = lay.edges.get(edge.id)
        if not edge.label or route is None or route.label is None:
            continue
        lx, ly = route.label
        w, h = edge.label_size
        state_ = cls.get(edge.id, "pending")
        rows = [Text(txt.get(t.id, t.text) if t.id else t.text, t.style, t.id, t.widest) for t in edge.label]
        leader = ""
        if route.leader is not None:
            (ax, ay), (bx, by) = route.leader
            leader = f'<path class="leader" d="M{_num(ax)},{_num(ay)} L{_num(bx)},{_num(by)}"/>'
        out.append(
            f'<g id="{prefix}L-{edge.id}" class="label {state_}{quiet if edge.kind == "weight" else ""}">{leader}'
            f'<rect x="{_num(lx - w / 2)}" y="{_num(ly - h / 2)}" width="{_num(w)}" height="{_num(h)}" rx="3"/>'
            f"{_text_lines(rows, lx, ly - h / 2 + 2, prefix)}</g>"
        )
    for box in scene.boxes:
        if box.id not in lay.boxes:
            continue
        rows = [Text(txt.get(r.id, r.text) if r.id else r.text, r.style, r.id, r.widest) for r in box.rows]
        shown = Box(box.id, rows, box.kind, box.shape, box.group, box.min_size)
        out.append(_box(shown, lay, cls.get(box.id, "pending"), prefix))
    out.append("</svg>")
    return "\n".join(out)
