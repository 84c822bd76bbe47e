"""save_html: one self-contained page, driven in a real headless Chromium.

The browser test is skipped only on a machine without Chromium or playwright
and without CI set; in CI (CI=1) it always runs, and fails if they are missing.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from test_viz_frames import reused
from test_viz_graph import expression, needs_dot

from microgradnn import Value
from microgradnn.viz import backward_frames, save_html
from microgradnn.viz.player import player_html

CHROMIUM = (
    os.environ.get("MICROGRADNN_CHROMIUM")
    or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
    or "/usr/bin/chromium"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM}"
    return None


needs_browser = pytest.mark.skipif(
    _browser_missing() is not None and not os.environ.get("CI"),
    reason=f"{_browser_missing()} (set CI=1 to make this a failure)",
)


def embedded_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="microgradnn-data">(.*?)</script>', page, re.S)
    assert match, "the frames are not embedded in the page"
    return json.loads(match.group(1))


@needs_dot
def test_the_page_is_one_self_contained_file(tmp_path):
    path = save_html(expression()["L"], tmp_path / "backprop.html", title="L = (a*b + c) * f")
    page = path.read_text(encoding="utf-8")
    assert "http:" not in page and "https:" not in page
    assert not re.search(r"""<(script|link|img|iframe)[^>]*\b(src|href)\s*=""", page)  # nothing loaded from outside
    assert "default-src 'none'" in page  # and the browser is told to refuse it anyway
    data = embedded_data(page)
    frames = backward_frames(expression()["L"])
    assert [f["caption"] for f in data["frames"]] == [f.caption for f in frames]
    for item in data["frames"]:
        assert item["src"].startswith("data:image/svg+xml;base64,")
        assert base64.b64decode(item["src"].split(",", 1)[1]).lstrip().startswith(b"<?xml")
    assert "<title>L = (a*b + c) * f</title>" in page


@needs_dot
def test_labels_cannot_break_out_of_the_page():
    evil = Value(1.0, label="</script><script>alert(1)</script>")
    y = evil * 2.0
    y.label = "<!-- & \u2028"
    page = player_html(backward_frames(y), title="<b>title</b>")
    assert page.count("</script>") == 2  # only the page's own two scripts end
    assert "<b>title</b>" not in page and "&lt;b&gt;title&lt;/b&gt;" in page
    data = embedded_data(page)
    assert "</script><script>alert(1)</script>" in data["frames"][1]["caption"]  # still readable as text


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        player_html([])
    with pytest.raises(ValueError, match="interval_ms"):
        save_html(reused()["y"], tmp_path / "x.html", interval_ms=0)


@needs_dot
@needs_browser
def test_player_in_headless_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    ex = reused()
    frames = backward_frames(ex["y"])
    assert len(frames) == 3
    path = save_html(ex["y"], tmp_path / "player.html", interval_ms=150)
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda req: requests.append(req.url))
            page.goto(path.resolve().as_uri())
            caption = page.locator("#caption")
            image = page.locator("#frame")

            def frame_shown() -> int:
                return int(page.get_attribute("body", "data-frame"))

            assert caption.text_content() == frames[0].caption
            assert page.locator("#counter").text_content() == "frame 1 / 3"
            first_src = image.get_attribute("src")
            assert first_src.startswith("data:image/svg+xml;base64,")
            assert page.evaluate("document.getElementById('frame').naturalWidth") > 0  # the SVG decoded
            assert page.locator("#prev").is_disabled()

            page.click("#next")
            assert caption.text_content() == frames[1].caption
            assert image.get_attribute("src") != first_src
            assert page.locator("#counter").text_content() == "frame 2 / 3"

            page.keyboard.press("ArrowRight")
            assert frame_shown() == 2 and caption.text_content() == frames[2].caption
            assert page.locator("#next").is_disabled()
            page.keyboard.press("ArrowRight")  # already at the end: stays
            assert frame_shown() == 2
            page.keyboard.press("ArrowLeft")
            assert frame_shown() == 1
            page.keyboard.press("Home")
            assert frame_shown() == 0

            page.locator("#slider").fill("2")
            assert frame_shown() == 2 and caption.text_content() == frames[2].caption

            page.click("#first")
            page.click("#play")
            assert page.get_attribute("body", "data-playing") == "true"
            # (polled from Python: the page's CSP forbids the eval that wait_for_function needs)
            for _ in range(100):
                if page.get_attribute("body", "data-playing") == "false":
                    break
                page.wait_for_timeout(50)
            assert frame_shown() == 2  # played to the end, then stopped by itself
            assert page.get_attribute("body", "data-playing") == "false"

            page.keyboard.press("Home")
            page.keyboard.press(" ")  # space toggles play
            assert page.get_attribute("body", "data-playing") == "true"
            page.keyboard.press(" ")
            assert page.get_attribute("body", "data-playing") == "false"

            page.click("#fit")  # fit / full size toggle keeps working
            assert page.locator("#fit").text_content() in ("Full size", "Fit to window")
        finally:
            browser.close()
    assert errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
