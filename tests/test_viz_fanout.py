"""A value reused at many depths (x in `y = y * x`, again and again) is drawn in seconds, not minutes.

Each use of x is an edge, and the later uses reach across many of dot's ranks; dot lays out a hidden
node for every rank crossed, so without a limit the layout time grows far faster than the graph
(45 uses: 15 s, 80 uses: over a quarter of an hour). `viz.dot.layout_limits` limits dot's placement
on such graphs, and only on them: every other picture keeps its DOT and its layout byte for byte.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from test_viz_graph import needs_dot

from microgradnn import Value
from microgradnn.viz import backward_frames, dot, draw_graph
from microgradnn.viz.frames import record_pass
from microgradnn.viz.graphview import graph_scene
from microgradnn.viz.layout import _dot_source

LIMITS = 'nslimit=1, splines="line"'


def power_chain(uses: int) -> Value:
    """y = x * x * ... * x, one multiplication per use of x after the first: x is used `uses` times."""
    x = Value(1.01, label="x")
    y = x
    for _ in range(uses - 1):
        y = y * x
    return y


def shared_sum(terms: int) -> Value:
    """x*w0 + x*w1 + ...: x is used once per term, each term one add further along."""
    x = Value(0.5, label="x")
    return sum(x * Value(0.1 * i, label=f"w{i}") for i in range(terms))


def neuron() -> Value:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8813735870195432, label="b")
    return (x * w + b).tanh()


def graph_line(source: str) -> str:
    return next(line.strip() for line in source.splitlines() if line.strip().startswith("graph ["))


# ------------------------------------------------------------------ which graphs get the limit
@pytest.mark.parametrize("make", [lambda: power_chain(81), lambda: shared_sum(40)], ids=["chain81", "sum40"])
def test_a_heavily_reused_value_limits_every_dot_layout_of_its_graph(make):
    root = make()
    assert LIMITS in graph_line(draw_graph(root).source)  # draw_graph, its notebook repr, the CLI's .dot
    frames = backward_frames(root)
    assert LIMITS in graph_line(frames[0].source)  # each frame's DOT (save_frames' .dot files)
    assert LIMITS in graph_line(frames[0]._movie.layout_scene.to_dot())  # the frames' shared layout
    assert LIMITS in graph_line(_dot_source(graph_scene(record_pass(root))[0]))  # the player's and the GIF's


def test_an_ordinary_graph_gets_no_limit_and_the_same_dot_as_before():
    root = neuron()
    root.backward()
    source = draw_graph(root).source
    assert "nslimit" not in source and "splines" not in source
    assert graph_line(source) == (
        'graph [rankdir="LR", fontname="Helvetica", fontsize=12, bgcolor="white", nodesep=0.25, ranksep=0.4, '
        "pad=0.2, newrank=true];"
    )
    frames = backward_frames(root)
    assert all("nslimit" not in frame.source for frame in frames)
    assert "nslimit" not in frames[0]._movie.layout_scene.to_dot()
    assert graph_line(_dot_source(graph_scene(record_pass(root))[0])) == (
        'graph [rankdir="LR", nodesep=0.22, ranksep=0.35, newrank=true, pad=0];'
    )


def test_many_uses_at_one_depth_are_no_reason_to_limit():
    """Fan-out alone is cheap for dot: 128 products of x added up as a tree all sit one rank from x."""
    x = Value(0.5, label="x")
    terms = [x * Value(0.1 * i, label=f"w{i}") for i in range(128)]
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    assert "nslimit" not in draw_graph(terms[0], show_local=False).source


def test_the_limit_starts_where_dot_starts_to_take_seconds():
    # x used k times in y = y * x crosses about k * (k - 1) ranks of the graph's edges beyond what it needs
    assert "nslimit" not in draw_graph(power_chain(20)).source
    assert "nslimit" in draw_graph(power_chain(40)).source
    assert dot.layout_limits([]) == {}
    chain = [(f"v{i}", f"v{i + 1}") for i in range(dot.LONG_EDGE_RANKS + 10)]
    assert dot.layout_limits(chain) == {}  # long, but every edge crosses one rank
    fan = [("x", f"v{i}") for i in range(0, dot.LONG_EDGE_RANKS + 10, 2)]
    assert dot.layout_limits(chain + fan) == {"nslimit": 1, "splines": "line"}
    assert dot.layout_limits([("a", "b"), ("b", "a"), ("a", "c")]) == {}  # a cycle does not hang it


# ------------------------------------------------------------------ rendering in seconds
def _run_within(code: str, seconds: float) -> None:
    """Run `code` in a fresh interpreter; fail (and stop it and its dot) if it takes longer than `seconds`."""
    env = {**os.environ, "PYTHONPATH": os.path.dirname(__file__) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group, so dot is stopped with it
    )
    try:
        _, err = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.communicate()
        pytest.fail(f"not drawn within {seconds:.0f} s (dot's layout of a heavily reused value)")
    assert process.returncode == 0, err.decode("utf-8", "replace")[-2000:]


@needs_dot
def test_a_value_used_80_times_is_drawn_in_seconds():
    _run_within(
        """
        from test_viz_fanout import power_chain
        from microgradnn.viz import draw_graph
        root = power_chain(81)
        root.backward()
        svg = draw_graph(root).pipe("svg")
        assert svg.count(b'class="node"') == 2 * 81 - 1, svg.count(b'class="node"')
        """,
        60,
    )


@needs_dot
def test_the_player_of_a_value_used_80_times_is_laid_out_in_seconds(tmp_path):
    page = tmp_path / "chain.html"
    _run_within(
        f"""
        from test_viz_fanout import power_chain
        from microgradnn.viz import save_html
        save_html(power_chain(81), {str(page)!r})
        """,
        60,
    )
    assert page.stat().st_size > 0
