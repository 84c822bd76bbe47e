"""`save_html`: backpropagation as one self-contained web page.

The page is a single file: every frame is an SVG embedded as a data: URI,
the captions are JSON inside the page, and the player (slider, prev/next,
play/pause, arrow keys) is a few lines of inline script. It makes no network
request (its Content-Security-Policy forbids any), so it works offline and
can be mailed or put on a course page as is.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from microgradnn.engine import Node
from microgradnn.viz.frames import Frame, backward_frames, render_frames

__all__ = ["player_html", "save_html"]

DEFAULT_TITLE = "Backpropagation, step by step"


def _json_for_script(value: Any) -> str:
    """JSON that is safe inside <script>: no '</script>', no '<!--', no HTML-breaking characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, code)
    return text


def player_html(frames: Sequence[Frame], *, title: str = DEFAULT_TITLE, interval_ms: int = 1200) -> str:
    """The player page for `frames` as a string (SVG pictures without captions; captions as text)."""
    if not frames:
        raise ValueError("save_html: there are no frames to show")
    if interval_ms <= 0:
        raise ValueError(f"save_html: interval_ms={interval_ms} must be positive")
    items = []
    for frame, svg in zip(frames, render_frames(frames, "svg", caption=False)):
        items.append(
            {"src": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"), "caption": frame.caption}
        )
    template = resources.files("microgradnn.viz").joinpath("player.html").read_text(encoding="utf-8")
    data = _json_for_script({"frames": items, "interval": int(interval_ms)})
    page = template.replace("__MICROGRADNN_TITLE__", html.escape(title, quote=True))
    return page.replace("__MICROGRADNN_DATA__", data, 1)


def save_html(
    root: Node | Sequence[Frame],
    path: str | Path,
    *,
    title: str = DEFAULT_TITLE,
    interval_ms: int = 1200,
    **options: Any,
) -> Path:
    """Write an offline player of the backward pass of `root` (or of given frames) to `path`.

    `options` go to `backward_frames` (gradient, rankdir, cluster, max_steps).
    """
    frames = backward_frames(root, **options) if isinstance(root, Node) else list(root)
    page = player_html(frames, title=title, interval_ms=interval_ms)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
