"""`save_gif`: backpropagation as an animated GIF (needs Pillow, an extra)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from microgradnn.engine import Node
from microgradnn.viz.frames import Frame, backward_frames, render_frames

__all__ = ["save_gif"]


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError('save_gif needs Pillow to write GIF files: pip install "microgradnn[viz]"') from None
    return Image


def save_gif(
    root: Node | Sequence[Frame],
    path: str | Path,
    *,
    duration_ms: int = 1500,
    last_ms: int = 4000,
    loop: int = 0,
    dpi: float = 96,
    max_width: int = 2000,
    caption: bool = True,
    **options: Any,
) -> Path:
    """Write the frames of the backward pass of `root` (or given frames) as an animated GIF.

    Each frame shows for `duration_ms`, the last one for `last_ms`; `loop=0`
    repeats forever. The GIF has exactly one image per frame (steps + 1).
    A picture wider than `max_width` pixels is drawn at a lower dpi to fit (a
    big graph is easier to read in `save_html`, which zooms). `options` go to
    `backward_frames`.
    """
    Image = _pillow()
    if duration_ms <= 0 or last_ms <= 0:
        raise ValueError(f"save_gif: durations must be positive, got duration_ms={duration_ms}, last_ms={last_ms}")
    frames = backward_frames(root, **options) if isinstance(root, Node) else list(root)
    if not frames:
        raise ValueError("save_gif: there are no frames to write")
    width_inches = frames[0].size_inches(caption)[0]
    dpi = min(dpi, max_width / width_inches)
    images = [
        Image.open(io.BytesIO(png)).convert("RGB") for png in render_frames(frames, "png", caption=caption, dpi=dpi)
    ]
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    canvas = []
    for im in images:  # the layout is shared, so sizes agree; pad just in case a renderer rounds differently
        if im.size != (width, height):
            padded = Image.new("RGB", (width, height), "white")
            padded.paste(im, (0, 0))
            im = padded
        # Each frame gets its own palette (GIF allows 256 colors a frame); octree is fast on big flat pictures.
        canvas.append(im.quantize(colors=255, method=Image.Quantize.FASTOCTREE))
    durations = [duration_ms] * (len(canvas) - 1) + [last_ms]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas[0].save(path, format="GIF", save_all=True, append_images=canvas[1:], duration=durations, loop=loop)
    return path
