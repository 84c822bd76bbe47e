"""`save_gif`: backpropagation as an animated GIF (needs Pillow, an extra).

Each frame shows a window of the picture centred on the step's node, at the
picture's own size (text 12 px and up), with the caption in a panel beside it
and a step counter; each frame stays up in proportion to its caption's length.

    record (frames.py) --graphview.py / network.py--> Scene + states --layout.py--> Layout --raster.py--> GIF
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from microgradnn.engine import Node
from microgradnn.viz.dot import output_path, shorten
from microgradnn.viz.framefiles import CAPTION_MAX
from microgradnn.viz.frames import DEFAULT_MAX_STEPS, Frame, as_record, language_of
from microgradnn.viz.graphview import graph_scene
from microgradnn.viz.i18n import text
from microgradnn.viz.layout import layout
from microgradnn.viz.raster import _pillow, draw, font_for, wrap
from microgradnn.viz.scene import clean

__all__ = ["gif_frames", "save_gif"]

CAPTION_PX = 14.0  # caption text size in the GIF's own pixels
PANEL_WIDTH = 420


def _window(lay: Any, focus: list[str], width: float, height: float) -> tuple[float, float, float, float]:
    """The part of the picture to show: centred on the focus (its first box when all of it does not fit)."""
    w, h = min(width, lay.width), min(height, lay.height)
    box = lay.bbox(focus)
    if box is not None and (box[2] - box[0] > w or box[3] - box[1] > h):
        box = lay.bbox(focus[:1]) or box
    if box is None:
        cx, cy = lay.width, lay.height / 2  # before backward: the output end, where it will start
    else:
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    x = min(max(cx - w / 2, 0.0), lay.width - w)
    y = min(max(cy - h / 2, 0.0), lay.height - h)
    return x, y, w, h


def gif_frames(
    root: Node | Sequence[Frame],
    *,
    network: Any = None,
    view: str = "graph",
    lang: str | None = None,
    width: int = 960,
    height: int = 560,
    caption: bool = True,
    **options: Any,
) -> tuple[list[Any], list[str]]:
    """The GIF's images (Pillow, RGB, all one size) and the caption of each."""
    lang = language_of(root, lang, "save_gif")
    if view not in ("graph", "network"):
        raise ValueError(f"save_gif: view={view!r}; use 'graph' or 'network'")
    if view == "network" and network is None:
        raise ValueError(
            "save_gif: view='network' needs the model: save_gif(loss, path, network=model, view='network')"
        )
    if width < 200 or height < 150:
        raise ValueError(f"save_gif: width={width}, height={height} is too small to read; use at least 200 x 150")
    unknown = set(options) - {"gradient", "max_steps", "rankdir", "cluster"}
    if unknown:
        raise TypeError(f"save_gif: unexpected keyword argument(s) {', '.join(sorted(unknown))}")
    record = as_record(
        root, "save_gif", lang, gradient=options.get("gradient"), max_steps=options.get("max_steps", DEFAULT_MAX_STEPS)
    )
    if view == "network":
        from microgradnn.viz.network import network_view

        scene, states, captions = network_view(network, record, lang, who="save_gif")  # captions in its names
    else:
        scene, states = graph_scene(record, lang)
        captions = record.captions
    lay = layout(scene)
    Image, ImageDraw = _pillow()
    pictures = [draw(scene, lay, state, window=_window(lay, state["focus"], width, height)) for state in states]
    # Shortened past CAPTION_MAX characters (a 10,000-character label would make a frame thousands of pixels tall).
    captions = [shorten(clean(c), CAPTION_MAX) for c in captions]
    if not caption:
        return pictures, captions
    text_w = PANEL_WIDTH - 28
    wrapped = [wrap(c, text_w, CAPTION_PX) for c in captions]
    line_h = CAPTION_PX * 1.45
    need = max(len(lines) for lines in wrapped) * line_h + 64
    pw, ph = pictures[0].size
    canvas_h = int(max(ph, need))
    images = []
    for k, (picture, lines) in enumerate(zip(pictures, wrapped)):
        image = Image.new("RGB", (pw + PANEL_WIDTH, canvas_h), "#fafbfc")
        image.paste(picture, (0, 0))
        d = ImageDraw.Draw(image)
        d.rectangle([pw, 0, pw + 3, canvas_h], fill="#d9822b")
        counter = text(lang, "gif.step", k=k, n=len(pictures) - 1)
        d.text((pw + 16, 28), counter, font=font_for(counter, 13, bold=True), fill="#666666", anchor="ls")
        y = 56.0
        for line in lines:
            d.text((pw + 16, y), line, font=font_for(line, CAPTION_PX, mono=True), fill="#222222", anchor="ls")
            y += line_h
        images.append(image)
    return images, captions


def save_gif(
    root: Node | Sequence[Frame],
    path: str | Path,
    *,
    duration_ms: int = 1200,
    per_char_ms: int = 25,
    last_ms: int = 4000,
    loop: int = 0,
    width: int = 960,
    height: int = 560,
    caption: bool = True,
    network: Any = None,
    view: str = "graph",
    lang: str | None = None,
    **options: Any,
) -> Path:
    """Write the backward pass of `root` (or frames from `backward_frames`) as an animated GIF.

    One image per frame (steps + 1): a `width` x `height` window of the
    picture centred on the step's node at full size, and the caption in a
    panel beside it. A frame stays up `duration_ms` plus `per_char_ms` for each
    character of its caption, the last one `last_ms`; `loop=0` repeats forever.
    `network=model, view="network"` animates the textbook's network view;
    `lang="ko"` writes the captions in Korean. `options` go to `backward_frames`.
    """
    path = output_path(path, "save_gif", "save_gif(loss, 'backprop.gif')")
    Image, _ = _pillow()
    if duration_ms <= 0 or last_ms <= 0 or per_char_ms < 0:
        raise ValueError(
            f"save_gif: durations must be positive, got duration_ms={duration_ms}, last_ms={last_ms}, "
            f"per_char_ms={per_char_ms}"
        )
    images, captions = gif_frames(
        root, network=network, view=view, lang=lang, width=width, height=height, caption=caption, **options
    )
    if not images:
        raise ValueError("save_gif: there are no frames to write")
    # Each frame gets its own palette (GIF allows 256 colours a frame); octree is fast on flat pictures.
    frames = [im.quantize(colors=255, method=Image.Quantize.FASTOCTREE) for im in images]
    # A frame shows longer for a longer caption, up to GIF's limit (16 bits of centiseconds: 655 s).
    durations = [min(round((duration_ms + per_char_ms * len(c)) / 10) * 10, 655_350) for c in captions[:-1]]
    durations.append(min(last_ms, 655_350))
    path.parent.mkdir(parents=True, exist_ok=True)
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=loop)
    return path
