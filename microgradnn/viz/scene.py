"""Stage 1 of a picture: what it shows, before anything is placed.

A `Scene` lists boxes (values, op ovals, neurons), edges, and groups (module
boxes, layers), each with the words it carries, already in the learner's
language. Texts that change while backpropagation plays (a gradient, an
edge's product) have an id, and the scene keeps, for every such text, the
widest version any frame shows, so the layout reserves room for all of them
and nothing moves between frames.

    graph or network --scene.py--> Scene --layout.py--> Layout --svg.py / raster.py--> picture

Sizes are measured here, in CSS pixels, from the font sizes below, with a
character width that errs on the wide side (wide East Asian characters count double).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "FONT",
    "Box",
    "Edge",
    "Group",
    "Scene",
    "Text",
    "clean",
    "text_width",
    "unshowable",
    "visible_escape",
]

# Font sizes in CSS pixels (the SVG's user units): never below 12, so at zoom 0.92 text is still 11 px.
FONT = {"title": 13.0, "mono": 12.5, "muted": 12.0, "label": 12.0, "group": 13.0, "op": 12.5}
LINE = {k: round(v * 1.3) for k, v in FONT.items()}
CHAR_EM = {"mono": 0.61, "title": 0.64, "muted": 0.6, "label": 0.61, "group": 0.6, "op": 0.61}
PAD_X, PAD_Y = 8.0, 5.0

Style = Literal["title", "mono", "muted", "label", "group", "op"]


_LINE_BREAKS = "\n\r\x85\u2028\u2029"


def unshowable(ch: str) -> bool:
    """True for a character no picture or page shows as it is: a lone surrogate, U+FFFE/U+FFFF (XML forbids
    them), or a bidirectional embedding, override or isolate control (U+202A-U+202E, U+2066-U+2069).

    A bidi control would reorder the text after it: "ab", U+202E, "cd" reads "abdc" in a browser.
    """
    code = ord(ch)
    return 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF) or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069


def visible_escape(ch: str) -> str:
    """`ch` written out as `\\xNN` or `\\uNNNN`, so a picture shows what was there."""
    code = ord(ch)
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


def clean(text: object, single_line: bool = False) -> str:
    """Text that every later stage can carry: no lone surrogates, no characters XML forbids, no bidi controls.

    Such characters (from a hostile or broken label) are shown as visible
    escapes like `\\ud800`, so the picture still says what was there.
    `single_line` shows a line break inside one line of a picture as " ↵ ".
    """
    out = []
    for ch in str(text):
        if single_line and ch in _LINE_BREAKS:
            out.append(" ↵ ")
            continue
        code = ord(ch)
        if unshowable(ch) or (code < 32 and ch not in "\n\t") or code == 127:
            out.append(visible_escape(ch))
        elif ch == "\t":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


@functools.lru_cache(maxsize=65536)
def text_width(text: str, style: Style) -> float:
    """The width of one line of `text` in pixels, on the safe side."""
    em = FONT[style]
    units = 0.0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        units += 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else CHAR_EM[style]
    return units * em


@dataclass
class Text:
    """One line of words. `id` names a line that frames change; `widest` is the longest text it will ever hold."""

    text: str
    style: Style = "mono"
    id: str | None = None
    widest: str | None = None

    def __post_init__(self) -> None:
        self.text = clean(self.text, single_line=True)
        self.widest = clean(self.widest, single_line=True) if self.widest is not None else self.text

    @property
    def width(self) -> float:
        return max(text_width(self.text, self.style), text_width(self.widest or "", self.style))


@dataclass
class Box:
    """A thing drawn with words inside: a value, an op oval, a neuron, a collapsed module.

    `kind` chooses its colours (input, param, value, root, op, neuron, bias, group, loss).
    """

    id: str
    rows: list[Text]
    kind: str = "value"
    shape: Literal["rect", "ellipse", "circle"] = "rect"
    group: str | None = None
    min_size: float = 0.0

    @property
    def size(self) -> tuple[float, float]:
        """(width, height) in pixels, big enough for the widest text each row will hold."""
        width = max((row.width for row in self.rows), default=0.0) + 2 * PAD_X
        height = sum(LINE[row.style] for row in self.rows) + 2 * PAD_Y
        if self.shape == "ellipse":
            width, height = width * 1.15 + 6, max(height, 26.0)
        if self.shape == "circle":
            # The circle must hold every row's corners: radius >= the farthest corner from the centre.
            top = -(height - 2 * PAD_Y) / 2
            radius = 0.0
            for row in self.rows:
                far = max(abs(top), abs(top + LINE[row.style]))
                radius = max(radius, ((row.width / 2 + 4) ** 2 + far**2) ** 0.5)
                top += LINE[row.style]
            side = max(2 * radius + 4, self.min_size)
            return side, side
        return max(width, self.min_size), height


@dataclass
class Edge:
    """An arrow from `tail` to `head` (box ids), with label lines (the ones frames change have ids)."""

    id: str
    tail: str
    head: str
    label: list[Text] = field(default_factory=list)
    kind: str = "data"
    at: float | None = None  # where along a straight edge the label sits (0 tail .. 1 head); layout decides if None
    # Network: labels with the same key show at once even when labels are quiet (one backward step gives them
    # their gradients: all of a tensor layer's), so they must never meet; None: those into the same neuron.
    shown_with: str | None = None

    @property
    def label_size(self) -> tuple[float, float]:
        if not self.label:
            return 0.0, 0.0
        width = max(line.width for line in self.label) + 8
        height = sum(LINE[line.style] for line in self.label) + 4
        return width, height


@dataclass
class Group:
    """A box around boxes: a module of the graph ("hidden layer 1, neuron 2") or a column of the network."""

    id: str
    title: str
    parent: str | None = None
    depth: int = 0

    def __post_init__(self) -> None:
        self.title = clean(self.title, single_line=True)


@dataclass
class Scene:
    """Everything one picture shows. `kind` is "graph" (laid out by dot) or "network" (laid out in columns).

    `columns` (network only) lists, per column, the box ids top to bottom; `notes` are lines above the picture.
    """

    kind: Literal["graph", "network"]
    boxes: list[Box] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    groups: dict[str, Group] = field(default_factory=dict)
    rankdir: str = "LR"
    columns: list[list[str]] = field(default_factory=list)
    column_titles: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    quiet_labels: bool = False  # network: edge labels too dense to show all at once (shown for the current step)

    def box(self, box_id: str) -> Box:
        for box in self.boxes:
            if box.id == box_id:
                return box
        raise KeyError(box_id)


def localize(scene: Scene, states: list[dict], lang: str) -> None:
    """Put `lang`'s words for "data" and "grad" in front of the numbers of boxes and labels, in the
    scene and in every frame's texts (the stages write them in English)."""
    from microgradnn.viz.i18n import text

    words = {f"{english} ": text(lang, f"word.{english}") + " " for english in ("data", "grad")}
    if all(k == v for k, v in words.items()):
        return

    def swap(value: str) -> str:
        for english, local in words.items():
            if value.startswith(english):
                return local + value[len(english) :]
        return value

    for row in [r for b in scene.boxes for r in b.rows] + [t for e in scene.edges for t in e.label]:
        if row.style in ("mono", "label"):
            row.text = swap(row.text)
            row.widest = swap(row.widest or row.text)
    for state in states:
        state["txt"] = {k: swap(v) for k, v in state["txt"].items()}
