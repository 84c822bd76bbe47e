"""save_html and player: one self-contained page, driven in a real headless Chromium.

The browser tests are skipped only on a machine without Chromium or playwright
and without CI set; in CI (CI=1) they always run, and fail if they are missing.
For every step of the chapter's player and of a 2-16-16-1 MLP's, at 1366x768,
the current node's box must lie inside the picture's frame with its text at
least 11 px high, on the graph view and on the network view.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from test_viz_frames import reused
from test_viz_graph import expression, needs_dot

from microgradnn import Value
from microgradnn.nn import MLP
from microgradnn.viz import backward_frames, player, save_html
from microgradnn.viz.frames import record_pass
from microgradnn.viz.page import page_html

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


_skip_without_browser = pytest.mark.skipif(
    _browser_missing() is not None and not os.environ.get("CI"),
    reason=f"{_browser_missing()} (set CI=1 to make this a failure)",
)


def needs_browser(test):
    """Runs in headless Chromium (marked `browser`); skipped without it, unless CI is set."""
    return pytest.mark.browser(_skip_without_browser(test))


def embedded_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="microgradnn-data">(.*?)</script>', page, re.S)
    assert match, "the frames are not embedded in the page"
    return json.loads(match.group(1))


PARAMETER_NAMES = ("w1", "w2", "b1", "w3", "w4", "b2", "w5", "w6", "b3")


def chapter() -> tuple[MLP, Value]:
    """The chapter's 2-2-1 sigmoid network with its names, and L = (y' - y)^2 for x = (1, 0), y = 1."""
    net = MLP(
        2,
        [2, 1],
        activation="sigmoid",
        weights=[[[0.5, -0.4], [-0.3, 0.8]], [[0.7, -0.6]]],
        biases=[[0.1, -0.2], [0.05]],
    )
    params = [p for layer in net.layers for neuron in layer.neurons for p in (*neuron.w, neuron.b)]
    for name, param in zip(PARAMETER_NAMES, params):
        param.label = name
    x = [Value(1.0, label="x1"), Value(0.0, label="x2")]
    hidden = net.layers[0](x)
    for a, a_name, z_name in zip(hidden, ("a1", "a2"), ("z1", "z2")):
        a.label, a.parents[0].label = a_name, z_name
    y_pred = net.layers[1](hidden)
    y_pred.label, y_pred.parents[0].label = "y'", "z3"
    loss = (y_pred - Value(1.0, label="y")) ** 2
    loss.label = "L"
    return net, loss


def wide() -> tuple[MLP, Value]:
    """A 2-16-16-1 tanh MLP on one sample: 68 backward steps, 16 neurons a column."""
    net = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    loss = (net([Value(0.5, label="x1"), Value(-1.0, label="x2")]) - Value(1.0, label="y")) ** 2
    loss.label = "L"
    return net, loss


@needs_dot
def test_the_page_is_one_self_contained_file(tmp_path):
    path = save_html(expression()["L"], tmp_path / "backprop.html", title="L = (a*b + c) * f")
    page = path.read_text(encoding="utf-8")
    plain = page.replace('xmlns=\\"http://www.w3.org/2000/svg\\"', "")  # the SVG namespace is a name, not a request
    assert "http:" not in plain and "https:" not in plain
    assert not re.search(r"""<(script|link|img|iframe)[^>]*\b(src|href)\s*=""", page)  # nothing loaded from outside
    assert "default-src 'none'" in page  # and the browser is told to refuse it anyway
    data = embedded_data(page)
    frames = backward_frames(expression()["L"])
    graph = data["views"][0]
    assert graph["captions"] == [f.caption for f in frames] and data["frames"] == len(frames)
    assert graph["key"] == "graph" and graph["svg"].startswith("<svg")
    assert len(graph["deltas"]) == len(frames) - 1 and len(graph["focus"]) == len(frames)
    assert "<title>L = (a*b + c) * f</title>" in page
    assert '<html lang="en">' in page


@needs_dot
def test_every_frame_of_the_page_matches_the_recorded_pass():
    net, loss = chapter()
    record = record_pass(loss)
    data = embedded_data(page_html(record, network=net))
    graph, network = data["views"]
    state = dict(graph["base"]["txt"])
    for k, delta in enumerate(graph["deltas"], start=1):
        state.update(delta["txt"])
        snap = record.snapshots[k]
        for i in range(len(record.order)):
            assert state[f"n{i}.g"] == "grad " + snap.grads[i].strip()
    # the network view ends with every weight's gradient, as backward computes it
    final = dict(network["base"]["txt"])
    for delta in network["deltas"]:
        final.update(delta["txt"])
    loss.backward()
    first = net.layers[0].neurons[0]
    assert final["w0_0_0.g"] == f"grad {first.w[0].grad:.4f}"  # dL/dw1
    assert final["b0_0.g"] == f"grad {first.b.grad:.4f}"  # dL/db1
    assert final["w1_0_1.g"] == f"grad {net.layers[1].neurons[0].w[1].grad:.4f}"  # dL/dw6
    # and every step's focus starts with the box of the node being processed
    for k, step in enumerate(record.steps, start=1):
        i = record.order.index(step.node)
        assert graph["focus"][k][0] == f"n{i}"


@needs_dot
def test_labels_cannot_break_out_of_the_page():
    evil = Value(1.0, label="</script><script>alert(1)</script>")
    y = evil * 2.0
    y.label = "<!-- & \u2028"
    page = page_html(record_pass(y), title="<b>title</b>")
    assert page.count("</script>") == 2  # only the page's own two scripts end
    assert "<b>title</b>" not in page and "&lt;b&gt;title&lt;/b&gt;" in page
    data = embedded_data(page)
    assert "</script><script>alert(1)</script>" in data["views"][0]["captions"][1]  # still readable as text
    svg = data["views"][0]["svg"]
    assert "<script" not in svg and "&lt;/script&gt;&lt;script&gt;" in svg


@needs_dot
def test_a_title_holding_the_placeholders_stays_a_title():
    page = page_html(record_pass(reused()["y"]), title="__MG_DATA__ __MG_TITLE__ __MICROGRADNN_DATA__")
    data = embedded_data(page)  # the data is still there, once
    assert len(data["views"][0]["captions"]) == data["frames"] == 3
    assert "<title>__MG_DATA__ __MG_TITLE__ __MICROGRADNN_DATA__</title>" in page


@needs_dot
@pytest.mark.parametrize("label", ["\ud800", "a\udfffb", "\ufffe", "x\uffff", "\x00\x1b[31m"])
def test_characters_that_xml_forbids_are_shown_escaped(tmp_path, label):
    x = Value(2.0, label=label)
    y = x * x
    y.label = label + "y"
    path = save_html(y, tmp_path / "odd.html", title=label)  # writes UTF-8 without UnicodeEncodeError
    page = path.read_text(encoding="utf-8")
    svg = embedded_data(page)["views"][0]["svg"]
    import xml.etree.ElementTree as ET

    ET.fromstring(svg)  # the SVG is well-formed XML, so the browser's parser accepts it
    shown = "\\u" if any(ord(c) > 0xFF for c in label) else "\\x"
    assert shown in svg


@needs_dot
@needs_browser
def test_bidi_controls_in_labels_and_title_reach_the_page_only_as_visible_escapes(tmp_path):
    from playwright.sync_api import sync_playwright

    # An override or isolate control would reorder the caption after it ("ab", U+202E, "cd" reads "abdc").
    controls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    x = Value(2.0, label="ab\u202ecd")
    y = x * Value(3.0, label="w\u2067")
    y.label = "y" + controls
    net_free = save_html(y, tmp_path / "bidi.html", title="title\u202ereversed")
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            page, watch = open_player(browser, net_free)
            texts = []
            for _ in range(3):
                texts.append(page.evaluate("document.title + '|' + document.body.innerText"))
                svg_texts = "[...document.querySelectorAll('svg text')].map(t => t.textContent).join('|')"
                texts.append(page.evaluate(svg_texts))
                page.keyboard.press("ArrowRight")
            shown = "\n".join(texts)
            assert not any(c in shown for c in controls), [hex(ord(c)) for c in controls if c in shown]
            assert "ab\\u202ecd" in shown and "title\\u202ereversed" in shown
            watch.check()
        finally:
            browser.close()


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="interval_ms"):
        save_html(reused()["y"], tmp_path / "x.html", interval_ms=0)
    with pytest.raises(ValueError, match="lang='de'"):
        save_html(reused()["y"], tmp_path / "x.html", lang="de")
    with pytest.raises(ValueError, match="view='network' needs the model"):
        save_html(reused()["y"], tmp_path / "x.html", view="network")
    with pytest.raises(TypeError, match=r"unexpected keyword argument.*colour"):
        save_html(reused()["y"], tmp_path / "x.html", colour="red")
    with pytest.raises(TypeError, match="expected a Value, a Tensor or the frames"):
        save_html([1, 2], tmp_path / "x.html")


@needs_dot
def test_network_of_another_model_is_refused(tmp_path):
    net, _ = chapter()
    _, loss = chapter()
    with pytest.raises(ValueError, match="none of the model's parameters is in the graph"):
        save_html(loss, tmp_path / "x.html", network=net)


@needs_dot
def test_player_shows_inline_in_a_notebook_as_a_sandboxed_frame(tmp_path):
    net, loss = chapter()
    shown = player(loss, network=net, lang="ko")
    html_ = shown._repr_html_()
    assert html_.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in html_
    assert "<script" not in html_  # the page is inside the attribute, escaped
    import html as html_module

    page = html_module.unescape(re.search(r'srcdoc="(.*?)" sandbox', html_, re.S).group(1))
    assert page == shown.page and '<html lang="ko">' in page
    assert repr(shown) == "<microgradnn.viz.Player: 8 backward steps; display it in a notebook or .save(path)>"
    assert shown.save(tmp_path / "p.html").read_text(encoding="utf-8") == page
    frames = backward_frames(loss)
    assert repr(frames) == "<microgradnn.viz.Frames: 9 frames of the backward pass of L (8 steps)>"
    assert frames._repr_html_().startswith("<iframe")


# ------------------------------------------------------------- in Chromium
def _launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class Watch:
    """Console errors, page errors and requests of one page."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("request", lambda req: self.requests.append(req.url))

    def check(self) -> None:
        assert self.errors == []
        assert all(url.startswith(("file:", "data:", "about:")) for url in self.requests), self.requests


def frame_shown(page) -> int:
    return int(page.get_attribute("body", "data-frame"))


def current_box(page, prefix: str, box_id: str, stage: dict | None = None) -> dict:
    """Where the box is on screen, the stage's rectangle, and the height of its first text."""
    box = page.locator(f"#{prefix}{box_id}")
    text = page.locator(f"#{prefix}{box_id} text").first
    stage = stage or page.locator("#stage").bounding_box()
    return {"box": box.bounding_box(), "text": text.bounding_box(), "stage": stage}


def assert_readable_in_view(where: dict, what: str) -> None:
    box, stage, text = where["box"], where["stage"], where["text"]
    assert box is not None, what
    tol = 1.0
    assert box["x"] >= stage["x"] - tol and box["y"] >= stage["y"] - tol, (what, box, stage)
    assert box["x"] + box["width"] <= stage["x"] + stage["width"] + tol, (what, box, stage)
    assert box["y"] + box["height"] <= stage["y"] + stage["height"] + tol, (what, box, stage)
    assert text["height"] >= 11.0, (what, text)


def walk_every_step(page, focus: list[list[str]], prefix: str, what: str) -> None:
    """Press Right through the whole pass; at each step the node being processed is on screen and readable."""
    page.keyboard.press("Home")
    stage = page.locator("#stage").bounding_box()
    for k in range(1, len(focus)):
        page.keyboard.press("ArrowRight")
        assert frame_shown(page) == k
        assert_readable_in_view(current_box(page, prefix, focus[k][0], stage), f"{what}, step {k}")


def open_player(browser, path: Path, width: int = 1366, height: int = 768):
    context = browser.new_context(viewport={"width": width, "height": height}, reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(5000)
    watch = Watch(page)
    page.goto(path.resolve().as_uri())
    assert page.get_attribute("body", "data-ready") == "true"
    return page, watch


@needs_dot
@needs_browser
def test_player_follows_every_step_of_the_chapter_on_both_views(tmp_path):
    from playwright.sync_api import sync_playwright

    net, loss = chapter()
    path = save_html(loss, tmp_path / "chapter.html", network=net, interval_ms=100)
    data = embedded_data(path.read_text(encoding="utf-8"))
    graph, network = data["views"]
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            page, watch = open_player(browser, path)
            walk_every_step(page, graph["focus"], graph["prefix"], "graph view")
            page.keyboard.press("Home")
            for _ in range(4):
                page.keyboard.press("ArrowRight")
            page.click("#view-network")  # the other view, on the same step
            assert frame_shown(page) == 4 and page.get_attribute("body", "data-view") == "network"
            assert_readable_in_view(
                current_box(page, network["prefix"], network["focus"][4][0]), "network view, step 4"
            )
            walk_every_step(page, network["focus"], network["prefix"], "network view")
            # the weights' gradients appear as the pass reaches them: w1's is unknown until its step
            w1 = page.locator(f"#{network['prefix']}t-w0_0_0\\.g")
            page.keyboard.press("Home")
            assert w1.text_content() == "grad ?"
            page.keyboard.press("End")
            assert w1.text_content() != "grad ?"
            page.click("#view-graph")
            assert frame_shown(page) == len(graph["focus"]) - 1
            watch.check()
        finally:
            browser.close()


@needs_dot
@needs_browser
def test_the_caption_names_nodes_as_the_view_on_screen_does(tmp_path):
    from playwright.sync_api import sync_playwright

    net = MLP(2, [3, 1], seed=0)  # a learner's own model: the graph calls its nodes n17, w0, ...; the picture a1, w1
    loss = (net([Value(1.0), Value(-2.0)]) - 1.0) ** 2
    path = save_html(loss, tmp_path / "own.html", network=net, view="network")
    graph, network = embedded_data(path.read_text(encoding="utf-8"))["views"]
    k = next(k for k, c in enumerate(network["captions"]) if "through a1 = relu(z1)" in c)
    assert "through a1" not in graph["captions"][k]
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            page, watch = open_player(browser, path)
            caption = page.locator("#caption")
            assert page.get_attribute("body", "data-view") == "network"
            for _ in range(k):
                page.keyboard.press("ArrowRight")
            assert caption.text_content() == network["captions"][k]
            page.click("#view-graph")  # the same step, in the graph's names
            assert frame_shown(page) == k and caption.text_content() == graph["captions"][k]
            page.keyboard.press("ArrowRight")
            assert caption.text_content() == graph["captions"][k + 1]
            page.click("#view-network")
            assert caption.text_content() == network["captions"][k + 1]
            watch.check()
        finally:
            browser.close()


@needs_dot
@needs_browser
def test_player_follows_every_step_of_a_2_16_16_1_mlp(tmp_path):
    from playwright.sync_api import sync_playwright

    net, loss = wide()
    path = save_html(loss, tmp_path / "wide.html", network=net)
    data = embedded_data(path.read_text(encoding="utf-8"))
    graph, network = data["views"]
    assert len(graph["focus"]) == 69
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            page, watch = open_player(browser, path)
            walk_every_step(page, graph["focus"], graph["prefix"], "2-16-16-1 graph view")
            page.click("#view-network")
            walk_every_step(page, network["focus"], network["prefix"], "2-16-16-1 network view")
            watch.check()
        finally:
            browser.close()


@needs_dot
@needs_browser
def test_controls_keys_zoom_and_pan(tmp_path):
    from playwright.sync_api import sync_playwright

    ex = reused()
    frames = backward_frames(ex["y"])
    path = save_html(ex["y"], tmp_path / "player.html", interval_ms=80)
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            page, watch = open_player(browser, path)
            caption = page.locator("#caption")
            assert caption.text_content() == frames[0].caption
            assert page.locator("#counter").text_content() == "step 0 / 2"
            assert page.locator("#prev").is_disabled()
            page.click("#next")
            assert caption.text_content() == frames[1].caption and frame_shown(page) == 1
            page.keyboard.press("ArrowRight")
            assert frame_shown(page) == 2 and page.locator("#next").is_disabled()
            page.keyboard.press("ArrowRight")  # already at the end: stays
            assert frame_shown(page) == 2
            page.keyboard.press("ArrowLeft")
            assert frame_shown(page) == 1
            page.keyboard.press("End")
            assert frame_shown(page) == 2
            page.keyboard.press("Home")
            assert frame_shown(page) == 0
            page.locator("#slider").fill("2")
            assert frame_shown(page) == 2 and caption.text_content() == frames[2].caption
            page.click("#first")
            page.click("#play")
            assert page.get_attribute("body", "data-playing") == "true"
            for _ in range(200):  # polled from Python: the page's CSP forbids the eval that wait_for_function needs
                if page.get_attribute("body", "data-playing") == "false":
                    break
                page.wait_for_timeout(50)
            assert frame_shown(page) == 2 and page.get_attribute("body", "data-playing") == "false"
            page.keyboard.press("Home")
            page.keyboard.press(" ")
            assert page.get_attribute("body", "data-playing") == "true"
            page.keyboard.press(" ")
            assert page.get_attribute("body", "data-playing") == "false"

            world = page.locator(".world").first

            def scale() -> float:
                return float(re.search(r"scale\(([-\d.e]+)\)", world.get_attribute("style")).group(1))

            before = scale()
            page.click("#zoomin")
            assert scale() == pytest.approx(before * 1.25, rel=1e-4)
            page.click("#zoomout")
            assert scale() == pytest.approx(before, rel=1e-4)
            stage = page.locator("#stage").bounding_box()
            cx, cy = stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2
            page.mouse.move(cx, cy)
            page.mouse.wheel(0, -300)  # wheel up zooms in
            assert scale() > before
            box_before = page.locator("#g-n0").bounding_box()
            page.mouse.move(cx, cy)
            page.mouse.down()
            page.mouse.move(cx + 80, cy + 30, steps=4)
            page.mouse.up()
            box_after = page.locator("#g-n0").bounding_box()
            assert box_after["x"] == pytest.approx(box_before["x"] + 80, abs=1)  # dragged along
            assert box_after["y"] == pytest.approx(box_before["y"] + 30, abs=1)
            page.click("#fit")
            assert page.get_attribute("#follow", "aria-pressed") == "false"
            svg_box = page.locator(".world svg").first.bounding_box()
            assert svg_box["width"] <= stage["width"] + 1 and svg_box["height"] <= stage["height"] + 1
            watch.check()
        finally:
            browser.close()


@needs_dot
@needs_browser
def test_controls_and_caption_stay_on_screen(tmp_path):
    from playwright.sync_api import sync_playwright

    net, loss = wide()
    path = save_html(loss, tmp_path / "wide.html", network=net)
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            for width, height in [(1366, 768), (1920, 1080), (390, 844)]:
                page, watch = open_player(browser, path, width, height)
                page.keyboard.press("End")  # the longest captions are near the end
                for _ in range(5):
                    page.keyboard.press("ArrowLeft")
                for control in ("#first", "#prev", "#play", "#next", "#slider", "#fit", "#caption", "#stage"):
                    box = page.locator(control).bounding_box()
                    assert box is not None and box["y"] >= 0, (width, control, box)
                    assert box["y"] + box["height"] <= height + 1, (width, control, box)
                    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (width, control, box)
                stage, side = page.locator("#stage").bounding_box(), page.locator("#caption").bounding_box()
                if width >= 900:  # the caption beside the picture on a wide screen, below it on a narrow one
                    assert side["x"] >= stage["x"] + stage["width"]
                else:
                    assert side["y"] >= stage["y"] + stage["height"]
                assert stage["height"] >= 0.4 * height
                page.screenshot(path=str(tmp_path / f"player_{width}x{height}.png"))
                watch.check()
                page.context.close()
        finally:
            browser.close()


@needs_dot
@needs_browser
def test_korean_controls_and_captions(tmp_path):
    from playwright.sync_api import sync_playwright

    net, loss = chapter()
    path = save_html(loss, tmp_path / "ko.html", network=net, lang="ko")
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            page, watch = open_player(browser, path)
            assert page.get_attribute("html", "lang") == "ko"
            assert page.locator("#next").text_content() == "다음 ▶"
            assert page.locator("#play").text_content() == "▶ 재생"
            assert page.locator("#view-network").text_content() == "신경망"
            assert page.title() == "역전파, 한 단계씩"
            page.keyboard.press("ArrowRight")
            assert page.locator("#caption").text_content().startswith("8단계 중 1단계")
            assert page.locator("#counter").text_content() == "단계 1 / 8"
            watch.check()
        finally:
            browser.close()


@needs_dot
@pytest.mark.parametrize("example", [chapter, wide])
def test_graph_view_edge_labels_never_overlap_and_sit_on_their_edges(example):
    from microgradnn.viz.graphview import graph_scene
    from microgradnn.viz.layout import bezier_points, layout

    _, loss = example()
    scene, _ = graph_scene(record_pass(loss))
    lay = layout(scene)
    rects = {}
    for edge in scene.edges:
        if edge.label and lay.edges[edge.id].label is not None:
            x, y = lay.edges[edge.id].label
            w, h = edge.label_size
            rects[edge.id] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    assert len(rects) == sum(1 for e in scene.edges if e.label)
    items = sorted(rects.items(), key=lambda kv: kv[1][0])
    for k, (a, ra) in enumerate(items):  # sweep by x: every pair that could touch
        for b, rb in items[k + 1 :]:
            if rb[0] >= ra[2]:
                break
            assert not (ra[1] < rb[3] and rb[1] < ra[3]), (a, b)
    # each label is on its edge, or beside it with a leader line from the label to its own curve
    for key, (x0, y0, x1, y1) in rects.items():
        route = lay.edges[key]
        curve = bezier_points(route.points)
        gap = min(max(x0 - px, 0, px - x1) + max(y0 - py, 0, py - y1) for px, py in curve)
        if gap > 1.5:
            assert route.leader is not None, key
            (ax, ay), (bx, by) = route.leader
            assert x0 - 0.5 <= ax <= x1 + 0.5 and y0 - 0.5 <= ay <= y1 + 0.5, key  # starts at the label
            assert min(abs(bx - px) + abs(by - py) for px, py in curve) < 1e-6, key  # ends on the curve


@needs_dot
@needs_browser
def test_several_inline_players_in_one_notebook_do_not_interfere(tmp_path):
    from playwright.sync_api import sync_playwright

    net, loss = chapter()
    first, second = player(loss, network=net), player(reused()["y"])
    notebook = tmp_path / "notebook.html"
    notebook.write_text(
        "<!doctype html><html><body><h1>cell 1</h1>"
        + first._repr_html_()
        + "<h1>cell 2</h1>"
        + second._repr_html_()
        + "</body></html>",
        encoding="utf-8",
    )
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 1500}, reduced_motion="reduce")
            page = context.new_page()
            page.set_default_timeout(5000)
            watch = Watch(page)
            page.goto(notebook.resolve().as_uri())
            frames = [f for f in page.frames if f != page.main_frame]
            assert len(frames) == 2
            for frame in frames:
                for _ in range(100):
                    if frame.locator("body").get_attribute("data-ready") == "true":
                        break
                    page.wait_for_timeout(50)
            a, b = frames
            a.click("#next")
            a.click("#next")
            assert a.locator("body").get_attribute("data-frame") == "2"
            assert b.locator("body").get_attribute("data-frame") == "0"  # the other player did not move
            b.click("#next")
            assert b.locator("body").get_attribute("data-frame") == "1"
            assert a.locator("body").get_attribute("data-frame") == "2"
            assert a.locator("#view-network").count() == 1 and b.locator("#view-network").count() == 0
            watch.check()
        finally:
            browser.close()


@needs_dot
@needs_browser
def test_pinch_zooms_on_a_touch_screen(tmp_path):
    from playwright.sync_api import sync_playwright

    path = save_html(reused()["y"], tmp_path / "touch.html")
    with sync_playwright() as p:
        browser = _launch(p)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, reduced_motion="reduce"
            )
            page = context.new_page()
            page.set_default_timeout(5000)
            watch = Watch(page)
            page.goto(path.resolve().as_uri())
            world = page.locator(".world").first

            def scale() -> float:
                return float(re.search(r"scale\(([-\d.e]+)\)", world.get_attribute("style")).group(1))

            before = scale()
            stage = page.locator("#stage").bounding_box()
            cx, cy = stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2
            cdp = context.new_cdp_session(page)

            def touch(kind: str, spread: float) -> None:
                points = [{"x": cx - spread, "y": cy, "id": 1}, {"x": cx + spread, "y": cy, "id": 2}]
                cdp.send(
                    "Input.dispatchTouchEvent", {"type": kind, "touchPoints": points if kind != "touchEnd" else []}
                )

            touch("touchStart", 30)
            for spread in (45, 60, 75, 90):  # two fingers moving apart
                touch("touchMove", spread)
            touch("touchEnd", 90)
            assert scale() == pytest.approx(before * 3, rel=0.05)  # the fingers' distance tripled
            watch.check()
        finally:
            browser.close()


@needs_dot
def test_frames_keep_their_language_unless_told_otherwise(tmp_path):
    _, loss = chapter()
    frames = backward_frames(loss, lang="ko")
    page = save_html(frames, tmp_path / "ko.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in page and embedded_data(page)["views"][0]["captions"][1].startswith("8단계 중 1단계")
    page = save_html(frames, tmp_path / "en.html", lang="en").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and embedded_data(page)["views"][0]["captions"][1].startswith("Step 1 of 8")
    assert '<html lang="ko">' in player(frames).page


@needs_dot
def test_every_word_on_the_korean_pictures_is_korean():
    net, loss = chapter()
    data = embedded_data(page_html(record_pass(loss, lang="ko"), network=net, lang="ko"))
    for view in data["views"]:
        words = set(re.findall(r">([^<>]*[A-Za-z][^<>]*)</text>", view["svg"]))
        texts = list(view["base"]["txt"].values()) + [t for d in view["deltas"] for t in d["txt"].values()]
        assert not any(t.startswith(("grad", "data")) for t in texts), view["key"]
        english = {w for w in words if re.search(r"\b(grad|data|local|inputs|hidden|output|layer|neuron)\b", w)}
        assert english == set(), (view["key"], english)
    assert "기울기 ?" in data["views"][1]["svg"] and "은닉층 1" in data["views"][1]["svg"]


def test_without_the_graphviz_package_the_network_view_still_plays(tmp_path, monkeypatch):
    from microgradnn.viz import GraphvizPackageNotFoundError

    monkeypatch.setitem(sys.modules, "graphviz", None)  # a plain `pip install microgradnn`, without the viz extra
    net, loss = chapter()
    data = embedded_data(save_html(loss, tmp_path / "n.html", network=net).read_text(encoding="utf-8"))
    assert [v["key"] for v in data["views"]] == ["network"] and len(data["views"][0]["captions"]) == data["frames"] == 9
    with pytest.raises(GraphvizPackageNotFoundError, match=r"microgradnn\[viz\]"):
        save_html(loss, tmp_path / "g.html")  # the graph view alone needs the package, and says how to get it
    assert issubclass(GraphvizPackageNotFoundError, ImportError)


def test_without_graphviz_the_network_view_still_plays(tmp_path, monkeypatch):
    from microgradnn.viz import GraphvizNotFoundError

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    net, loss = chapter()
    page = save_html(loss, tmp_path / "n.html", network=net).read_text(encoding="utf-8")
    data = embedded_data(page)
    assert [v["key"] for v in data["views"]] == ["network"] and len(data["views"][0]["captions"]) == data["frames"] == 9
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        save_html(loss, tmp_path / "g.html")  # the graph view alone needs Graphviz, and says how to get it


def test_a_path_that_is_not_a_file_name_is_refused_before_any_work():
    _, loss = chapter()
    with pytest.raises(TypeError, match=r"save_html: path must be a file name .*got NoneType; e\.g\. save_html\(loss"):
        save_html(loss, None)
    with pytest.raises(TypeError, match=r"Player\.save: path must be a file name .*got int"):
        player(loss).save(3)
