"""The last stage: a recorded backward pass as one self-contained web page (the player).

The page holds one SVG per view (the computation graph, and the network when
a model is given), the frames as small changes to it (classes and texts),
the captions, and a short script: steps (buttons, slider, arrow keys, space,
Home/End), zoom (buttons, wheel, pinch), pan (drag), fit, and a camera that
follows the computation. It makes no network request (its
Content-Security-Policy forbids any), so it works offline, mailed, on a
course page, or inline in a notebook (`player(...)`, an <iframe srcdoc>).

    record (frames.py) --graphview.py / network.py--> Scene + states --layout.py--> Layout --svg.py--> page
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from microgradnn.engine import Node
from microgradnn.viz.dot import GraphvizNotFoundError, GraphvizPackageNotFoundError, output_path
from microgradnn.viz.frames import DEFAULT_MAX_STEPS, Frame, Record, as_record, language_of
from microgradnn.viz.graphview import graph_scene
from microgradnn.viz.i18n import text
from microgradnn.viz.layout import layout
from microgradnn.viz.scene import FONT, clean
from microgradnn.viz.svg import svg

__all__ = ["Player", "page_html", "player", "save_html"]

DEFAULT_INTERVAL_MS = 1200
# The smallest zoom at which the smallest text (FONT's minimum) is still 11 CSS px.
READABLE_ZOOM = 11.0 / min(FONT.values())


def _json_for_script(value: Any) -> str:
    """JSON that is safe inside <script>: no '</script>', no '<!--', no HTML-breaking characters."""
    text_ = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text_ = text_.replace(ch, code)
    return text_


def _deltas(states: list[dict[str, Any]]) -> list[dict[str, dict[str, str]]]:
    """Each frame as what changed since the one before (the page replays them)."""
    out = []
    for before, after in itertools.pairwise(states):
        out.append(
            {
                "cls": {k: v for k, v in after["cls"].items() if before["cls"].get(k) != v},
                "txt": {k: v for k, v in after["txt"].items() if before["txt"].get(k) != v},
            }
        )
    return out


def _view(key: str, name: str, scene: Any, states: list[dict[str, Any]], captions: list[str]) -> dict[str, Any]:
    lay = layout(scene)
    prefix = f"{key[0]}-"
    return {
        "key": key,
        "name": name,
        "prefix": prefix,
        "captions": [clean(c) for c in captions],  # each view names the nodes as its picture does
        "svg": svg(scene, lay, states[0], prefix=prefix),
        "width": lay.width,
        "height": lay.height,
        "base": {"cls": states[0]["cls"], "txt": states[0]["txt"]},
        "deltas": _deltas(states),
        "focus": [s["focus"] for s in states],
    }


def page_html(
    record: Record,
    *,
    title: str | None = None,
    interval_ms: int = DEFAULT_INTERVAL_MS,
    network: Any = None,
    view: str = "graph",
    lang: str = "en",
) -> str:
    """The player page of a recorded pass, as a string."""
    if interval_ms <= 0:
        raise ValueError(f"save_html: interval_ms={interval_ms} must be positive")
    if view not in ("graph", "network"):
        raise ValueError(f"save_html: view={view!r}; use 'graph' or 'network'")
    if view == "network" and network is None:
        raise ValueError("save_html: view='network' needs the model: save_html(loss, path, network=model)")
    title = text(lang, "player.title") if title is None else title
    views = []
    try:
        scene, states = graph_scene(record, lang)
        views.append(_view("graph", text(lang, "player.graph"), scene, states, record.captions))
    except (GraphvizNotFoundError, GraphvizPackageNotFoundError):
        if network is None:
            raise
        # Without Graphviz (the program or the Python package) the computation graph cannot be laid out; the
        # network view needs neither.
    if network is not None:
        from microgradnn.viz.network import network_view

        net_scene, net_states, net_captions = network_view(network, record, lang, who="save_html")
        views.append(_view("network", text(lang, "player.network"), net_scene, net_states, net_captions))
    keys = ("first", "prev", "play", "pause", "next", "fit", "follow", "zoom_in", "zoom_out", "frame", "slider")
    data = {
        "lang": lang,
        "interval": int(interval_ms),
        "readable": READABLE_ZOOM,
        "frames": len(record.captions),
        "views": views,
        "start_view": 1 if view == "network" and len(views) == 2 else 0,
        "texts": {k: text(lang, f"player.{k}") for k in (*keys, "help", "caption")},
    }
    template = resources.files("microgradnn.viz").joinpath("player.html").read_text(encoding="utf-8")
    values = {
        "__MG_LANG__": lang,
        "__MG_TITLE__": html.escape(clean(title), quote=True),
        "__MG_DATA__": _json_for_script(data),
    }
    # One pass over the template: a placeholder inside the title or a label is never expanded again.
    return re.sub("__MG_[A-Z]+__", lambda m: values[m.group(0)], template)


def _record_for(root: Node | Sequence[Frame], who: str, lang: str, options: dict[str, Any]) -> Record:
    unknown = set(options) - {"gradient", "max_steps", "rankdir", "cluster"}
    if unknown:
        raise TypeError(f"{who}: unexpected keyword argument(s) {', '.join(sorted(unknown))}")
    return as_record(
        root, who, lang, gradient=options.get("gradient"), max_steps=options.get("max_steps", DEFAULT_MAX_STEPS)
    )


def save_html(
    root: Node | Sequence[Frame],
    path: str | Path,
    *,
    title: str | None = None,
    interval_ms: int = DEFAULT_INTERVAL_MS,
    network: Any = None,
    view: str = "graph",
    lang: str | None = None,
    **options: Any,
) -> Path:
    """Write an offline player of the backward pass of `root` (or of frames from `backward_frames`) to `path`.

    `network=model` (the scalar `MLP` or tensor `Sequential` that computed
    `root`) adds the textbook's view of the same pass, neurons in layers with
    a weight on every edge; the reader switches between the views and stays
    on the same step (`view` picks the one shown first). Without Graphviz,
    a page with a network still works: it shows the network view alone. `lang="ko"` puts
    Korean in the controls and captions (by default, the language the frames
    were recorded in, else English). `options` go to `backward_frames`
    (gradient, max_steps).
    """
    path = output_path(path, "save_html", "save_html(loss, 'backprop.html')")
    lang = language_of(root, lang, "save_html")
    record = _record_for(root, "save_html", lang, options)
    page = page_html(record, title=title, interval_ms=interval_ms, network=network, view=view, lang=lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


class Player:
    """The step-by-step player, shown inline in a notebook (an <iframe srcdoc> with the whole page).

    The page is the same as `save_html` writes, self-contained: it needs no
    server and no network, works in JupyterLab, the classic notebook, VS Code
    and Colab's sandboxed output, and each player lives in its own frame, so
    several in one notebook do not interfere. `save(path)` writes the page.
    """

    def __init__(self, page: str, steps: int, height: int = 640) -> None:
        self.page = page
        self.steps = steps
        self.height = height

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.page, quote=True)}" sandbox="allow-scripts" '
            f'style="width: 100%; height: {int(self.height)}px; border: 1px solid #d7dbe2; border-radius: 8px;" '
            'title="microgradnn backpropagation player" loading="lazy"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        """Write the page to `path` (the same file `save_html` writes)."""
        path = output_path(path, "Player.save", "player.save('backprop.html')")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.page, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"<microgradnn.viz.Player: {self.steps} backward steps; display it in a notebook or .save(path)>"


def player(
    root: Node | Sequence[Frame],
    *,
    title: str | None = None,
    interval_ms: int = DEFAULT_INTERVAL_MS,
    network: Any = None,
    view: str = "graph",
    lang: str | None = None,
    height: int = 640,
    **options: Any,
) -> Player:
    """The player of `root`'s backward pass for a notebook cell: evaluate it and it shows inline.

    Takes the same arguments as `save_html` (without the path), plus the
    frame's `height` in pixels.
    """
    lang = language_of(root, lang, "player")
    record = _record_for(root, "player", lang, options)
    page = page_html(record, title=title, interval_ms=interval_ms, network=network, view=view, lang=lang)
    return Player(page, len(record.steps), height)
