"""Stage 3, in pixels: a placed `Scene` drawn with Pillow (for GIF frames and PNG pictures).

It draws what svg.py writes, with the same colours (svg.py's tables), at a
given scale and through a window, so a GIF can show the part of a big
picture where the computation is, at a readable size. Korean text is drawn
in a CJK font when one is installed (see fonts.py).
"""

from __future__ import annotations

from typing import Any

from microgradnn.viz.fonts import needs_cjk, pillow_font
from microgradnn.viz.layout import Layout, Route, bezier_points
from microgradnn.viz.scene import FONT, LINE, PAD_Y, Scene, Text
from microgradnn.viz.svg import GROUP_FILLS, TEXT_COLOR, arrow_head, box_style, edge_style, line_end

__all__ = ["draw", "font_for", "wrap"]


def _pillow() -> Any:
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        raise ImportError(
            'microgradnn.viz needs Pillow to draw pixels (GIF, PNG): pip install "microgradnn[viz]"'
        ) from None
    return Image, ImageDraw


def font_for(text: str, size: float, *, mono: bool = False, bold: bool = False) -> Any:
    """The Pillow font for `text` at `size` pixels (a CJK one when the text holds Hangul)."""
    return pillow_font(max(round(size), 6), mono=mono, bold=bold, cjk=needs_cjk(text))


def wrap(text: str, width: float, size: float, *, mono: bool = True) -> list[str]:
    """`text` broken into lines no wider than `width` pixels (at spaces where possible)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        font = font_for(paragraph, size, mono=mono)
        words = paragraph.split(" ")
        line = ""
        for word in words:
            trial = word if not line else f"{line} {word}"
            if font.getlength(trial) <= width:
                line = trial
                continue
            if line:
                lines.append(line)
            while font.getlength(word) > width and len(word) > 1:  # a word longer than the line
                cut = max(1, int(len(word) * width / max(font.getlength(word), 1.0)))
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def _rows(draw: Any, rows: list[Text], cx: float, top: float, s: float, color: str | None = None) -> None:
    y = top
    for row in rows:
        size = FONT[row.style] * s
        font = font_for(row.text, size, mono=row.style in ("mono", "label", "op"), bold=row.style == "title")
        baseline = y + (LINE[row.style] * s + size) / 2 - 2 * s
        draw.text((cx, baseline), row.text, font=font, fill=color or TEXT_COLOR[row.style], anchor="ms")
        y += LINE[row.style] * s


def draw(
    scene: Scene,
    lay: Layout,
    state: dict[str, Any] | None = None,
    *,
    scale: float = 1.0,
    window: tuple[float, float, float, float] | None = None,
) -> Any:
    """The scene in frame `state` as an RGB image; `window` (x, y, w, h, in layout pixels) crops it."""
    Image, ImageDraw = _pillow()
    cls = (state or {}).get("cls", {})
    txt = (state or {}).get("txt", {})
    wx, wy, ww, wh = window or (0.0, 0.0, lay.width, lay.height)
    s = scale
    image = Image.new("RGB", (max(1, int(ww * s)), max(1, int(wh * s))), "white")
    d = ImageDraw.Draw(image)

    def P(x: float, y: float) -> tuple[float, float]:
        return (x - wx) * s, (y - wy) * s

    def outside(x0: float, y0: float, x1: float, y1: float) -> bool:
        """Entirely outside the window: not drawn (a big graph's GIF frame draws only what shows)."""
        return x1 < wx or y1 < wy or x0 > wx + ww or y0 > wy + wh

    for k, note in enumerate(scene.notes):
        font = font_for(note, FONT["muted"] * s)
        d.text(P(16, lay.notes_at + k * LINE["muted"]), note, font=font, fill="#777777", anchor="ls")
    for group in scene.groups.values():
        if group.id not in lay.groups:
            continue
        x0, y0, x1, y1 = lay.groups[group.id]
        if outside(x0, y0, x1, y1):
            continue
        fill = GROUP_FILLS[min(group.depth, len(GROUP_FILLS) - 1)]
        d.rounded_rectangle([P(x0, y0), P(x1, y1)], radius=8 * s, fill=fill, outline="#b8c4d6")
        tx, ty = lay.titles[group.id]
        d.text(P(tx, ty), group.title, font=font_for(group.title, FONT["group"] * s), fill="#4a5a70", anchor="ls")
    for c, title in enumerate(scene.column_titles):
        tx, ty = lay.titles[f"col{c}"]
        d.text(P(tx, ty), title, font=font_for(title, FONT["group"] * s, bold=True), fill="#4a5a70", anchor="ls")
    for edge in scene.edges:
        route = lay.edges.get(edge.id)
        if route is None:
            continue
        xs = [p[0] for p in route.points]
        ys = [p[1] for p in route.points]
        if outside(min(xs), min(ys), max(xs), max(ys)):
            continue
        color, width, _ = edge_style(cls.get(edge.id, "pending"))
        drawn = Route(line_end(route), route.tip, route.label)
        pts = [P(*p) for p in (bezier_points(drawn.points) if len(drawn.points) > 2 else drawn.points)]
        d.line(pts, fill=color, width=max(1, round(width * s)), joint="curve")
        head = arrow_head(route)
        if head:
            d.polygon([P(*p) for p in head], fill=color)
    for edge in scene.edges:
        route = lay.edges.get(edge.id)
        if not edge.label or route is None or route.label is None:
            continue
        state_ = cls.get(edge.id, "pending")
        if scene.quiet_labels and edge.kind == "weight" and state_ != "active":
            continue
        _, _, label_color = edge_style(state_)
        lx, ly = route.label
        w, h = edge.label_size
        if outside(lx - w / 2, ly - h / 2, lx + w / 2, ly + h / 2):
            continue
        if route.leader is not None:
            d.line([P(*route.leader[0]), P(*route.leader[1])], fill="#999999", width=1)
        d.rectangle([P(lx - w / 2, ly - h / 2), P(lx + w / 2, ly + h / 2)], fill="#ffffff")
        rows = [Text(txt.get(t.id, t.text) if t.id else t.text, t.style) for t in edge.label]
        _rows(d, rows, P(lx, 0)[0], P(0, ly - h / 2 + 2)[1], s, label_color)
    for box in scene.boxes:
        if box.id not in lay.boxes:
            continue
        cx, cy, w, h = lay.boxes[box.id]
        if outside(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2):
            continue
        fill, border, bw = box_style(box.kind, cls.get(box.id, "pending"))
        corners = [P(cx - w / 2, cy - h / 2), P(cx + w / 2, cy + h / 2)]
        line_w = max(1, round(bw * s))
        if box.shape in ("circle", "ellipse"):
            d.ellipse(corners, fill=fill, outline=border, width=line_w)
        else:
            d.rounded_rectangle(corners, radius=5 * s, fill=fill, outline=border, width=line_w)
        rows = [Text(txt.get(r.id, r.text) if r.id else r.text, r.style) for r in box.rows]
        content = sum(LINE[r.style] for r in box.rows)
        top = cy - content / 2 if box.shape != "rect" else cy - h / 2 + PAD_Y
        _rows(d, rows, P(cx, 0)[0], P(0, top)[1], s)
    return image
