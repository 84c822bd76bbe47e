"""Labels of random Unicode through every picture: draw_graph, the player page and the GIF render, or fail clearly.

Lone surrogates, U+FFFE/U+FFFF, control characters, markup and Graphviz
escapes are all fair game: a picture either shows the label (visibly
escaped where XML forbids the character) or raises an error that says what
went wrong; never a raw CalledProcessError or UnicodeEncodeError.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_viz_graph import needs_dot
from test_viz_player import embedded_data

from microgradnn import Value
from microgradnn.viz import draw_graph
from microgradnn.viz.frames import record_pass
from microgradnn.viz.page import page_html

NASTY = "\ud800\udfff\ufffe\uffff\u202e\u2067\x00\x07\x1b\x7f\u2028\u2029<>&\"'\\{}|]\n\r\t\u200f\u0301😀한"
labels = st.text(
    alphabet=st.one_of(st.characters(codec=None, exclude_categories=()), st.sampled_from(list(NASTY))),
    max_size=24,
)
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def graph_with(a: str, b: str) -> Value:
    x = Value(1.5, label=a)
    y = Value(-2.0, label=b)
    z = x * y + x
    z.label = a + b
    return z


@needs_dot
@FUZZ
@given(labels, labels)
@example(a="", b="]")  # a "]" that starts a label: Graphviz 2.43 rejects it unescaped (hypothesis found it)
def test_draw_graph_renders_any_label(a, b):
    graph = draw_graph(graph_with(a, b))
    svg = graph.pipe("svg")  # dot accepts it
    ET.fromstring(svg)
    graph.source.encode("utf-8")


@needs_dot
@FUZZ
@given(labels, labels)
def test_the_player_page_holds_any_label(a, b):
    root = graph_with(a, b)
    page = page_html(record_pass(root), title=a)
    page.encode("utf-8")  # writable as UTF-8
    data = embedded_data(page)
    ET.fromstring(data["views"][0]["svg"])  # well-formed XML: the browser's SVG parser accepts it
    assert page.count("</script>") == 2
    assert len(data["views"][0]["captions"]) == 3


@needs_dot
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labels)
def test_the_gif_draws_any_label(a):
    pytest.importorskip("PIL")
    from microgradnn.viz.gif import gif_frames

    images, captions = gif_frames(graph_with(a, "b"), width=300, height=200)
    assert len(images) == len(captions) == 3
    assert len({im.size for im in images}) == 1
