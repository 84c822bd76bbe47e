"""save_gif: each frame framed on the step's node at the picture's own size, the caption beside it, small files."""

from __future__ import annotations

import pytest
from test_viz_graph import needs_dot
from test_viz_player import chapter, wide

from microgradnn.viz import save_gif
from microgradnn.viz.frames import record_pass
from microgradnn.viz.gif import PANEL_WIDTH, _window, gif_frames
from microgradnn.viz.graphview import graph_scene
from microgradnn.viz.layout import layout
from microgradnn.viz.network import network_scene
from microgradnn.viz.scene import FONT

PIL = pytest.importorskip("PIL")


def inside(box: tuple[float, float, float, float], window: tuple[float, float, float, float]) -> bool:
    x, y, w, h = window
    return box[0] >= x - 0.5 and box[1] >= y - 0.5 and box[2] <= x + w + 0.5 and box[3] <= y + h + 0.5


@needs_dot
@pytest.mark.parametrize("example", [chapter, wide])
def test_every_frame_shows_the_current_node_whole(example):
    net, loss = example()
    record = record_pass(loss)
    for scene, states in (graph_scene(record), network_scene(net, record)):
        lay = layout(scene)
        for k, state in enumerate(states[1:], start=1):
            window = _window(lay, state["focus"], 960, 560)
            box = lay.bbox(state["focus"][:1])
            assert box is not None and inside(box, window), (scene.kind, k)


@needs_dot
def test_text_is_drawn_at_the_pictures_own_size():
    _, loss = chapter()
    images, _ = gif_frames(loss, width=960, height=560)
    lay = layout(graph_scene(record_pass(loss))[0])
    # the picture part is the window at scale 1 (no shrinking), so every text keeps its size of 12 px or more
    assert images[0].width == min(960, round(lay.width)) + PANEL_WIDTH
    assert min(FONT.values()) >= 12


@needs_dot
def test_the_chapters_gif_is_small_and_its_frames_last_as_long_as_their_words(tmp_path):
    net, loss = chapter()
    path = save_gif(loss, tmp_path / "chapter.gif", network=net, view="network", lang="ko")
    assert path.stat().st_size < 2_000_000
    path = save_gif(loss, tmp_path / "graph.gif", lang="ko")
    assert path.stat().st_size < 2_000_000
    record = record_pass(loss, lang="ko")
    from PIL import Image

    with Image.open(path) as gif:
        durations = []
        for k in range(gif.n_frames):
            gif.seek(k)
            durations.append(gif.info["duration"])
    lengths = [len(c) for c in record.captions[:-1]]
    longer = sorted(range(len(lengths)), key=lambda i: lengths[i])
    assert [durations[i] for i in longer] == sorted(durations[i] for i in longer)  # longer caption, longer frame
    assert durations[longer[-1]] > durations[longer[0]]


@needs_dot
def test_korean_captions_are_drawn_in_a_cjk_font():
    from microgradnn.viz.fonts import cjk_font_file
    from microgradnn.viz.raster import font_for

    if cjk_font_file() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    assert "CJK" in font_for("역전파", 14, mono=True).getname()[0]
    _, loss = chapter()
    images, captions = gif_frames(loss, lang="ko", width=400, height=300)
    assert captions[1].startswith("8단계 중 1단계")
    # the caption panel has dark text pixels where the Korean words are (not empty boxes of one colour)
    panel = images[1].crop((images[1].width - PANEL_WIDTH + 16, 40, images[1].width - 10, 80)).convert("L")
    assert panel.getextrema()[0] < 100


def test_bad_arguments_are_named(tmp_path):
    _, loss = chapter()
    with pytest.raises(ValueError, match="durations must be positive"):
        save_gif(loss, tmp_path / "x.gif", duration_ms=0)
    with pytest.raises(ValueError, match=r"view='network' needs the model"):
        save_gif(loss, tmp_path / "x.gif", view="network")
    with pytest.raises(ValueError, match="too small to read"):
        save_gif(loss, tmp_path / "x.gif", width=50)


def test_a_gif_path_that_is_not_a_file_name_is_refused():
    net, loss = chapter()
    with pytest.raises(TypeError, match=r"save_gif: path must be a file name .*got NoneType; e\.g\. save_gif\(loss"):
        save_gif(loss, None, network=net, view="network")


def test_a_very_long_label_still_makes_a_gif_of_a_sane_size(tmp_path):
    from PIL import Image

    from microgradnn import Value

    x = Value(2.0, label="x" * 10_000)
    path = save_gif(x * x.tanh(), tmp_path / "long.gif")  # its captions name x several times
    with Image.open(path) as gif:
        assert gif.n_frames == 3 and gif.size[1] < 2000  # the captions are shortened; durations fit GIF's 16 bits
