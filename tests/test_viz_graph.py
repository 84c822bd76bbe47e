"""draw_graph: golden structure files, escaping of hostile labels, big graphs, Graphviz errors.

Golden files live in tests/golden/ and hold a picture's structure: its boxes
with their words, its edges with their labels, its module boxes with their
titles and members. Fonts, colours and sizes are not in them, so a change of
style leaves them alone. After an intended change to what pictures show,
regenerate them with `MICROGRADNN_UPDATE_GOLDEN=1 python -m pytest tests/test_viz_graph.py tests/test_viz_frames.py`
and review the diff.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from microgradnn import Value, topological_order
from microgradnn.scopes import set_scope
from microgradnn.viz import Graph, GraphvizNotFoundError, LargeGraphWarning, draw_graph
from microgradnn.viz.dot import escape, format_number

GOLDEN = Path(__file__).parent / "golden"
HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT and not os.environ.get("CI"), reason="Graphviz 'dot' is not installed")


def _label(attrs: str) -> str:
    """The words of a DOT label=<...> (HTML-like markup), tags dropped, entities read, spaces collapsed."""
    start = attrs.find("label=<")
    if start < 0:
        return ""
    depth, k = 0, start + len("label=")
    for k in range(start + len("label="), len(attrs)):
        depth += {"<": 1, ">": -1}.get(attrs[k], 0)
        if depth == 0:
            break
    markup = attrs[start + len("label=<") : k]
    words = re.sub(r"<BR[^>]*>", " | ", markup)
    words = html.unescape(re.sub(r"<[^>]+>", " ", words)).replace("\xa0", " ")
    return " ".join(words.split())


def structure(source: str) -> dict:
    """What a picture shows, from our deterministic DOT: boxes, edges, module boxes; no fonts or colours."""
    nodes, edges, clusters, stack = [], [], [], []
    for line in source.splitlines():
        text = line.strip()
        if text.startswith("subgraph "):
            clusters.append({"parent": stack[-1] if stack else None, "title": None, "members": []})
            stack.append(len(clusters) - 1)
        elif text == "}" and stack:
            stack.pop()
        elif text.startswith("graph [") and stack and clusters[stack[-1]]["title"] is None:
            clusters[stack[-1]]["title"] = _label(text)
        elif " -> " in text:
            tail, rest = text.split(" -> ", 1)
            head = rest.split(" ", 1)[0].rstrip(";")
            edges.append([tail, head, _label(rest)])
        elif re.match(r"^[A-Za-z_][\w]* \[", text) and not text.startswith(("graph ", "node ", "edge ")):
            name = text.split(" ", 1)[0]
            nodes.append([name, _label(text)])
            if stack:
                clusters[stack[-1]]["members"].append(name)
    return {"nodes": nodes, "edges": edges, "clusters": clusters}


def check_golden(name: str, source: str) -> None:
    """Compare the structure of DOT `source` with tests/golden/<name>.json; MICROGRADNN_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / (Path(name).stem + ".json")
    text = json.dumps(structure(source), ensure_ascii=False, indent=1) + "\n"
    if os.environ.get("MICROGRADNN_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with MICROGRADNN_UPDATE_GOLDEN=1 to create it"
    assert json.loads(text) == json.loads(path.read_text(encoding="utf-8")), f"{name} differs from the golden file"


def run_dot(source: str, fmt: str = "svg", engine: str = "dot", *extra: str) -> bytes:
    """Run Graphviz directly: it must accept the text without an error or a warning."""
    proc = subprocess.run([engine, *extra, f"-T{fmt}"], input=source.encode(), capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr.decode().strip() == "", proc.stderr.decode()
    return proc.stdout


def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [el.text or "" for el in root.iter("{http://www.w3.org/2000/svg}text")]


def expression() -> dict[str, Value]:
    """The classic example: L = (a*b + c) * f, after backward."""
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    L.backward()
    return {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d, "L": L}


def scoped_network() -> Value:
    """Two hidden 'neurons' and an output one, with the module paths nn gives them, built by hand."""
    x1, x2 = Value(1.0, label="x1"), Value(0.0, label="x2")
    hidden = []
    for k, (w1, w2, b) in enumerate([(1.0, 1.0, -1.5), (1.0, 1.0, -0.5)]):
        scope = f"layers.0.neurons.{k}"
        ws = [Value(w1, label="w0"), Value(w2, label="w1"), Value(b, label="b")]
        z = Value.dot([ws[0], ws[1]], [x1, x2], ws[2])
        a = z.sigmoid()
        for node in (*ws, z, a):
            set_scope(node, scope)
        hidden.append(a)
    ws = [Value(-1.0, label="w0"), Value(1.0, label="w1"), Value(-0.5, label="b")]
    out = Value.dot(ws[:2], hidden, ws[2])
    for node in (*ws, out):
        set_scope(node, "layers.1.neurons.0")
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss


# ------------------------------------------------------------------ escaping
def test_escape_turns_markup_and_graphviz_escapes_into_literal_text():
    assert escape("<b>&\"'") == "&lt;b&gt;&amp;&quot;&#39;"
    assert escape("a\\N") == "a\\\\N"  # doubled: Graphviz would print the node name for \N
    assert escape("one\ntwo") == 'one<BR ALIGN="LEFT"/>two'
    assert escape("tab\there") == "tab\\\\x09here"
    assert escape("{a|b}") == "{a|b}"  # only special in record labels, which are never used
    assert escape("abcdefghij", max_len=5) == "abcd…"


def test_format_number_has_a_fixed_width():
    assert format_number(2.0) == "    2.0000"
    assert format_number(-3.25) == "   -3.2500"
    assert format_number(-9999.5) == "-9999.5000"
    assert format_number(123456.0) == " 1.235e+05"
    assert format_number(-0.0) == "    0.0000"
    assert format_number(-1e-7) == "-1.000e-07"
    assert format_number(float("nan")) == "       nan"
    samples = (0.0, 1.0, -1.0, 99.5, -12.125, -9999.9999, 1e-9, -3e8, -4e-6, -1.5e99, float("-inf"))
    assert {len(format_number(x)) for x in samples} == {10}


# ------------------------------------------------------------------- golden
def test_golden_expression():
    g = draw_graph(expression()["L"])
    check_golden("expression.dot", g.source)


def test_golden_clusters_collapse_and_focus():
    loss = scoped_network()
    check_golden("clusters.dot", draw_graph(loss).source)
    check_golden("collapsed.dot", draw_graph(loss, collapse=True).source)
    check_golden("collapsed_layers.dot", draw_graph(loss, collapse=1).source)
    check_golden("no_clusters_tb.dot", draw_graph(loss, cluster=False, rankdir="TB", show_local=False).source)


def test_golden_focus():
    ex = expression()
    check_golden("focus.dot", draw_graph(ex["L"], focus=ex["e"], depth=1).source)


def test_dot_text_is_deterministic_and_in_topological_order():
    first = draw_graph(scoped_network()).source
    second = draw_graph(scoped_network()).source
    assert first == second
    ex = expression()
    source = draw_graph(ex["L"]).source
    order = topological_order(ex["L"])
    positions = [source.index(f"  n{i} [") for i in range(len(order))]
    assert positions == sorted(positions)
    # node i is the i-th node of the topological order
    for i, node in enumerate(order):
        line = next(line for line in source.splitlines() if line.startswith(f"  n{i} ["))
        assert f"<B>{node.label}</B>" in line


@needs_dot
@pytest.mark.parametrize("name", ["expression", "clusters", "collapsed", "focus", "hostile"])
def test_dot_accepts_every_golden_picture(name):
    ex = expression()
    sources = {
        "expression": lambda: draw_graph(ex["L"]).source,
        "clusters": lambda: draw_graph(scoped_network()).source,
        "collapsed": lambda: draw_graph(scoped_network(), collapse=True).source,
        "focus": lambda: draw_graph(ex["L"], focus=ex["e"], depth=1).source,
        "hostile": lambda: draw_graph(hostile_graph()).source,
    }
    run_dot(sources[name]())


def test_picture_shows_data_grad_op_and_local_derivative():
    ex = expression()
    source = draw_graph(ex["L"]).source
    # a = 2, grad dL/da = b * f = (-3)(-2) = 6; the edge a -> (*) carries d(e)/d(a) = b = -3
    a_line = next(line for line in source.splitlines() if "<B>a</B>" in line).replace("&#160;", " ")
    assert "data     2.0000" in a_line and "grad     6.0000" in a_line  # fixed width: 10 characters
    assert "label=<*>" in source and "label=<+>" in source
    assert "local -3.0000" in source and "local 2.0000" in source
    hidden = draw_graph(ex["L"], show_grad=False, show_local=False).source
    assert "grad&#160;" not in hidden and "local " not in hidden


# ------------------------------------------------------------------ hostile
HOSTILE = [
    'quote " inside',
    "single ' quote",
    "{braces|pipes}",
    "<b>not bold</b>",
    "</TD></TR></TABLE>>",
    "back\\slash \\N \\G \\L",
    "trailing\\",
    "amp & &amp; &#60;",
    '"]; x [label="evil',
    "new\nline",
    "Κόσμε 😀",
]


def hostile_graph() -> Value:
    parts = []
    for k, text in enumerate(HOSTILE):
        v = Value(float(k), label=text)
        set_scope(v, text.replace("\n", " "))
        parts.append(v * 2.0)
    total = Value.sum(parts)
    total.label = HOSTILE[8]
    total.backward()
    return total


def test_golden_hostile_labels():
    check_golden("hostile.dot", draw_graph(hostile_graph()).source)


@needs_dot
def test_hostile_labels_parse_and_survive_as_text():
    root = hostile_graph()
    source = draw_graph(root).source
    svg = run_dot(source)
    texts = svg_texts(svg)
    for text in HOSTILE:
        for line in text.split("\n"):
            assert line in texts, f"{line!r} is not shown literally"
    # no label created a node or broke out of its attribute: the layout has exactly our nodes
    layout = json.loads(run_dot(source, "json"))
    names = {o["name"] for o in layout["objects"] if "nodes" not in o}
    n = len(topological_order(root))
    interior = sum(1 for node in topological_order(root) if node.parents)
    assert len(names) == n + interior  # one box per node, one oval per op
    clusters = [o["label"] for o in layout["objects"] if "nodes" in o]
    assert len(clusters) == len(HOSTILE)


def test_control_characters_and_lone_surrogates_do_not_break_the_text():
    v = Value(1.0, label="bell\x07 nul\x00 \ud800")
    source = draw_graph(v * 1.0).source
    assert "\x07" not in source and "\x00" not in source
    source.encode("utf-8")  # no lone surrogate left
    if HAVE_DOT:
        texts = svg_texts(run_dot(source))
        assert any("bell\\x07 nul\\x00 \\ud800" in t for t in texts)


# ------------------------------------------------------------- big graphs
def chain_network(width: int, depth: int) -> Value:
    """`depth` layers of `width` scoped neurons each: big enough to collapse."""
    xs = [Value(float(i % 3), label=f"x{i}") for i in range(width)]
    for layer in range(depth):
        nxt = []
        for k in range(width):
            scope = f"layers.{layer}.neurons.{k}"
            ws = [Value(0.1 * (i + 1)) for i in range(width)]
            z = Value.dot(ws, xs).tanh()
            for node in (*ws, z, *z.parents):
                set_scope(node, scope)
            nxt.append(z)
        xs = nxt
    return Value.sum(xs)


def test_large_graph_collapses_by_itself_and_says_so():
    root = chain_network(6, 4)
    n = len(topological_order(root))
    assert n > 150
    with pytest.warns(LargeGraphWarning, match=f"{n} nodes is more than max_nodes=150"):
        g = draw_graph(root)
    assert "each module is drawn as one node" in g.source  # the note is in the picture too
    assert g.note is not None and "collapse=False" in g.note
    assert g.nodes <= 150
    assert 'shape="box3d"' in g.source  # collapsed modules
    assert g.source.count('shape="box3d"') == 24  # one per neuron: the deepest level that fits


def test_collapse_falls_back_to_coarser_modules_then_to_nearest_nodes():
    root = chain_network(6, 4)
    with pytest.warns(LargeGraphWarning):
        g = draw_graph(root, max_nodes=12)
    assert g.source.count('shape="box3d"') == 4  # one box per layer
    with pytest.warns(LargeGraphWarning):
        tiny = draw_graph(root, max_nodes=3)
    assert tiny.nodes <= 3
    assert "not drawn" in tiny.source


def test_small_graph_and_explicit_options_never_warn():
    root = chain_network(6, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full = draw_graph(root, collapse=False)
        draw_graph(expression()["L"])
    assert 'shape="box3d"' not in full.source
    assert full.nodes == len(topological_order(root))


def test_focus_draws_the_neighbourhood_only():
    ex = expression()
    g = draw_graph(ex["L"], focus=ex["e"], depth=1)
    shown = {name for name in "abcdefL" if f"<B>{name}</B>" in g.source}
    assert shown == {"a", "b", "e", "d"}  # e, its operands a and b, and its user d
    assert "neighbourhood of e within 1 steps: 4 of 7 nodes" in g.source
    g0 = draw_graph(ex["L"], focus=ex["e"], depth=0)
    assert {name for name in "abcdefL" if f"<B>{name}</B>" in g0.source} == {"e"}
    with pytest.raises(ValueError, match="focus node is not part of the graph"):
        draw_graph(ex["L"], focus=Value(1.0))


def test_bad_arguments_are_named():
    L = expression()["L"]
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(L, rankdir="XY")
    with pytest.raises(ValueError, match="collapse"):
        draw_graph(L, collapse="sometimes")
    with pytest.raises(TypeError, match="Value or Tensor"):
        draw_graph(3.0)


def test_tensor_nodes_show_shape_dtype_and_summaries():
    from microgradnn import Tensor

    x = Tensor(np.array([[1.0, 2.0, 3.0]], dtype=np.float32), label="x")
    W = Tensor(np.arange(6, dtype=np.float32).reshape(3, 2), requires_grad=True, label="W")
    y = (x @ W).sum()
    y.label = "y"
    y.backward()
    source = draw_graph(y).source
    w_line = html.unescape(next(line for line in source.splitlines() if "<B>W</B>" in line)).replace("\xa0", " ")
    assert "(3, 2) float32" in w_line
    # W = 0..5: mean 2.5 in [0, 5]; dy/dW = x^T 1 = rows 1, 2, 3 -> mean 2 in [1, 3]
    assert "data mean 2.5000 in [0.0000, 5.0000]" in w_line
    assert "grad mean 2.0000 in [1.0000, 3.0000]" in w_line
    x_line = html.unescape(next(line for line in source.splitlines() if "<B>x</B>" in line)).replace("\xa0", " ")
    assert "data [1.0000, 2.0000, 3.0000]" in x_line and "None" in x_line
    if HAVE_DOT:
        run_dot(source)


# --------------------------------------------------------------- rendering
@needs_dot
@pytest.mark.parametrize(("ext", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_render_picks_the_format_from_the_extension(tmp_path, ext, magic):
    g = draw_graph(expression()["L"])
    path = g.render(tmp_path / f"graph.{ext}")
    assert path.read_bytes().startswith(magic)
    assert g.pipe(ext).startswith(magic)


def test_render_rejects_unknown_formats(tmp_path):
    g = draw_graph(expression()["L"])
    with pytest.raises(ValueError, match="unknown format 'bmpx'"):
        g.render(tmp_path / "graph.bmpx")
    with pytest.raises(ValueError, match="add an extension"):
        g.render(tmp_path / "graph")


@needs_dot
def test_jupyter_display_is_svg():
    bundle = draw_graph(expression()["L"])._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert "text/plain" in bundle


def test_missing_dot_binary_is_a_clear_error_and_the_dot_text_is_kept(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    g = draw_graph(expression()["L"])
    target = tmp_path / "out" / "graph.png"
    with pytest.raises(GraphvizNotFoundError) as info:
        g.render(target)
    message = str(info.value)
    for command in (
        "apt-get install graphviz",
        "brew install graphviz",
        "conda install -c conda-forge graphviz",
        "winget install graphviz",
    ):
        assert command in message
    written = tmp_path / "out" / "graph.dot"
    assert str(written) in message
    assert written.read_text(encoding="utf-8") == g.source
    assert isinstance(info.value, RuntimeError)
    # display never raises: it falls back to the DOT text
    bundle = g._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert g.source in bundle["text/plain"]


def test_missing_graphviz_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    g = draw_graph(expression()["L"])  # the DOT text needs no package
    assert isinstance(g, Graph) and g.source.startswith("digraph")
    with pytest.raises(ImportError, match=r'pip install "microgradnn\[viz\]"'):
        g.pipe("svg")
    assert "text/plain" in g._repr_mimebundle_()


# ------------------------------------------------- names, order, labels, notebooks
def test_module_boxes_are_titled_as_a_person_says_them_in_index_order():
    source = draw_graph(scoped_network()).source
    titles = [c["title"] for c in structure(source)["clusters"]]
    assert titles == [
        "hidden layer 1",
        "hidden layer 1, neuron 1",
        "hidden layer 1, neuron 2",
        "output layer",
        "output layer, neuron 1",
    ]
    ko = [c["title"] for c in structure(draw_graph(scoped_network(), lang="ko").source)["clusters"]]
    assert ko == ["은닉층 1", "은닉층 1, 뉴런 1", "은닉층 1, 뉴런 2", "출력층", "출력층, 뉴런 1"]
    assert "layers.0.neurons.1" not in source


@needs_dot
def test_neurons_are_laid_out_in_index_order():
    source = draw_graph(scoped_network()).source
    doc = json.loads(run_dot(source, "json"))
    tops = {}
    for obj in doc["objects"]:
        if "nodes" in obj and obj.get("label"):  # clusters: the y of their top edge (dot's y grows upward)
            tops[obj["label"]] = float(obj["bb"].split(",")[3])
    names = [c["title"] for c in structure(source)["clusters"]]
    neuron_1, neuron_2 = names[1], names[2]
    assert len(tops) == len(names)
    ordered = sorted(tops, key=lambda k: -tops[k])
    assert ordered.index(neuron_1) < ordered.index(neuron_2)


def test_local_derivative_labels_are_tied_to_their_edges():
    source = draw_graph(expression()["L"]).source
    labelled = [line for line in source.splitlines() if " -> " in line and "local " in line]
    assert labelled and all("decorate=true" in line for line in labelled)


def test_local_derivatives_come_from_the_engine_and_leave_gradients_alone():
    ex = expression()
    before = {k: v.grad for k, v in ex.items()}
    source = draw_graph(ex["L"]).source
    assert {k: v.grad for k, v in ex.items()} == before
    assert "local -3.0000" in source  # d(a*b)/da = b
    import microgradnn.viz.graph as graph_module

    text_of_module = Path(graph_module.__file__).read_text(encoding="utf-8")
    assert "._local_derivatives" not in text_of_module  # only the public Step record is read


def test_expand_opens_one_module_of_a_collapsed_graph():
    root = chain_network(6, 4)
    with pytest.warns(LargeGraphWarning):
        g = draw_graph(root, expand="layers.2.neurons.3")
    s = structure(g.source)
    collapsed = [n for n in s["nodes"] if n[0].startswith("m")]
    assert len(collapsed) == 23  # 24 neurons, one of them open
    opened = [c for c in s["clusters"] if c["title"] == "hidden layer 3, neuron 4"]
    assert opened and len(opened[0]["members"]) == 6 + 2 + 2  # 6 weights; dot and tanh, each a box and an oval
    with pytest.raises(ValueError, match=r"expand='layers\.9' is no module of this graph"):
        draw_graph(root, expand="layers.9")


@needs_dot
def test_notebook_display_fits_the_cell_and_opens_full_size():
    bundle = draw_graph(expression()["L"])._repr_mimebundle_()
    html_ = bundle["text/html"]
    assert "max-width:100%" in html_ and "<details>" in html_ and "<script" not in html_
    assert html_.count('src="data:image/svg+xml;base64,') == 2
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


def test_a_title_that_is_not_a_string_is_named():
    with pytest.raises(TypeError, match=r"draw_graph: title must be a str, got int \(5\)"):
        draw_graph(Value(2.0) * Value(3.0), title=5)


@needs_dot
def test_a_very_long_title_is_shortened_so_graphviz_draws_it():
    svg = draw_graph(Value(2.0) * Value(3.0), title="t" * 17_000).pipe("svg").decode()
    assert "…" in svg and "t" * 17_000 not in svg  # Graphviz refuses an HTML label of over 16,384 characters
