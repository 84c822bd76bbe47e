"""Every caption of the tour is true to its picture, in English and in Korean.

The pictures are read back, not taken from the tour's code: graph SVGs are
parsed for each node's name, data and grad (and the edges' local
derivatives); matplotlib pictures keep the texts they drew (titles, legends,
annotations, without the axis ticks). Then
* every number a caption quotes is drawn in its picture;
* `NAME = v` in a graph's caption is the data of the node NAME, `dR/dNAME = v`
  its gradient, with R the graph's root;
* English and Korean quote the same numbers in every caption and paragraph;
* what the captions say in words holds too (values only in the forward graph,
  zero gradient below the step).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from test_tour import tour_run

SVG = "{http://www.w3.org/2000/svg}"
# A number that is not part of a name (x1, w5, z3, y', 2-2-1 are not numbers here); − is matplotlib's minus.
# Only ASCII counts as part of a name: in Korean a particle follows a number directly ("1일 때", "0.5에서").
NUMBER = re.compile(r"(?<![A-Za-z0-9_.'/-])[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![A-Za-z0-9_']|-\d)")
ASSIGNED = re.compile(r"(?<![A-Za-z0-9_/])([A-Za-z]\w*'?) = ([-−]?\d+(?:\.\d+)?)(?![A-Za-z0-9_]|\.\d)")
DERIVATIVE = re.compile(
    r"(?<![A-Za-z0-9_])d([A-Za-z]\w*'?)/d([A-Za-z]\w*'?) = ([-−]?\d+(?:\.\d+)?)(?![A-Za-z0-9_]|\.\d)"
)


@pytest.fixture(scope="module")
def both():
    """The whole tour once in each language (shared with the other tour tests): {lang: (result, folder)}."""
    return {lang: tour_run(lang)[::2] for lang in ("en", "ko")}


@pytest.fixture(params=["en", "ko"])
def tour(request: pytest.FixtureRequest, both):
    return both[request.param]


# ---------------------------------------------------------------- reading pictures back
def _text(element: ET.Element) -> str:
    return "".join(element.itertext()).replace("\xa0", " ").strip()


def read_graph(path: Path) -> tuple[dict[str, dict[str, float]], list[str]]:
    """{node name: {"data": .., "grad": ..}} and every text drawn, from an SVG picture.

    A Graphviz graph (`viz.draw_graph`) draws a node as a group of cells
    `name | data v | grad g`; the network view (`viz.draw_network`) writes a
    weight as a label `w1 = v`, with `grad g` (Korean: `기울기 g`) below it once backward has run.
    """
    root = ET.parse(path).getroot()
    texts = [t for t in map(_text, root.iter(f"{SVG}text")) if t]
    nodes: dict[str, dict[str, float]] = {}
    for group in root.iter(f"{SVG}g"):
        cells = [t for t in map(_text, group.iter(f"{SVG}text")) if t]
        if group.get("class") == "node" and len(cells) >= 2:
            fields = dict(cell.split(None, 1) for cell in cells[1:] if cell.split(None, 1)[0] in ("data", "grad"))
            nodes[cells[0]] = {k: float(v) for k, v in fields.items()}
        if "label" in (group.get("class") or "").split() and cells:  # the network view's label of one weight
            weight = re.fullmatch(r"(\w+'?) = ([-−]?\d+(?:\.\d+)?)", cells[0])
            if weight:
                fields = {"data": float(weight.group(2).replace("−", "-"))}
                for cell in cells[1:]:
                    gradient = re.fullmatch(
                        r"(?:grad|기울기) ([-−]?\d+(?:\.\d+)?)", cell
                    )  # the label is in the tour's language
                    if gradient:
                        fields["grad"] = float(gradient.group(1).replace("−", "-"))
                nodes[weight.group(1)] = fields
    return nodes, texts


def numbers(text: str) -> list[str]:
    return [m.group(0).replace("−", "-") for m in NUMBER.finditer(text)]


def agrees(quoted: str, value: float) -> bool:
    """`quoted` (as a caption writes it) is `value` rounded to the places the caption shows."""
    places = len(quoted.split(".")[1]) if "." in quoted else 0
    return abs(float(quoted) - value) <= 0.5 * 10.0**-places + 1e-12


def drawn(result, out: Path):
    """(figure, caption, texts drawn, graph nodes or None) for every picture of the tour."""
    for report in result.reports:
        for figure in report.figures:
            path = out / figure.path
            if figure.path.endswith(".svg"):
                nodes, texts = read_graph(path)
                yield figure, texts, nodes
            else:
                yield figure, figure.texts, None


# ---------------------------------------------------------------- the checks
def test_every_number_a_caption_quotes_is_in_its_picture(tour) -> None:
    result, out = tour
    checked = 0
    for figure, texts, _ in drawn(result, out):
        shown = [float(n) for t in texts for n in numbers(t)]
        if figure.kind == "player" or figure.path.endswith(".gif"):
            assert not numbers(figure.caption), f"{figure.path}: a player's caption quotes numbers it cannot show"
            continue
        for quoted in numbers(figure.caption):
            assert any(agrees(quoted, v) for v in shown), f"{figure.path}: {quoted} is not in the picture"
            checked += 1
    assert checked > 40


def test_graph_captions_name_the_values_and_gradients_drawn(tour) -> None:
    result, out = tour
    named = 0
    for figure, _, nodes in drawn(result, out):
        if nodes is None:
            continue
        for name, quoted in ASSIGNED.findall(figure.caption):
            if name in nodes:
                assert agrees(quoted, nodes[name]["data"]), f"{figure.path}: {name} = {quoted}, drawn {nodes[name]}"
                named += 1
        for root, name, quoted in DERIVATIVE.findall(figure.caption):
            if root in nodes:  # the network view draws the weights, not the loss
                assert nodes[root].get("grad") == 1.0, f"{figure.path}: d{root}/d{name}, but {root} is not the root"
            assert agrees(quoted, nodes[name]["grad"]), (
                f"{figure.path}: d{root}/d{name} = {quoted}, drawn {nodes[name]}"
            )
            named += 1
    assert named >= 15


def test_the_forward_graph_shows_values_only(tour) -> None:
    result, out = tour
    (figure,) = [f for f in result.reports[0].figures if f.path.endswith("_graph.svg")]
    assert "dL/d" not in figure.caption
    nodes, texts = read_graph(out / figure.path)
    assert not any(t.startswith(("grad", "local")) for t in texts), "no gradients before the story has them"
    assert all(set(fields) == {"data"} for fields in nodes.values())
    # The hand-wired weights: a1 = AND, a2 = OR, y' = XOR of x = (1, 0).
    assert {k: nodes[k]["data"] for k in ("x1", "x2", "a1", "a2", "y'")} == {
        "x1": 1.0,
        "x2": 0.0,
        "a1": 0.0,
        "a2": 1.0,
        "y'": 1.0,
    }


def test_below_the_step_every_drawn_gradient_is_zero(tour) -> None:
    result, out = tour
    (report,) = [r for r in result.reports if r.key == "no_gradient"]
    (figure,) = [f for f in report.figures if f.path.endswith(".svg")]
    nodes, _ = read_graph(out / figure.path)
    above = {"L", "e", "y'", "y"}  # e = y' - y, the error
    assert not any(re.fullmatch(r"n\d+", n) for n in nodes), "every node of the step's graph has a name"
    assert {n: nodes[n]["grad"] for n in ("L", "e", "y'", "y")} == {"L": 1.0, "e": 2.0, "y'": 2.0, "y": -2.0}
    assert all(fields["grad"] == 0.0 for name, fields in nodes.items() if name not in above)
    assert len(nodes) - len(above) == 16  # z3, a1, a2, z1, z2, x1, x2 and the nine weights and biases


def test_the_trained_boundary_draws_the_hidden_neurons_lines(tour) -> None:
    result, _ = tour
    (report,) = [r for r in result.reports if r.key == "training"]
    (figure,) = [f for f in report.figures if f.path.endswith("boundary.png")]
    for name, (w1, w2, b) in report.numbers["hidden_lines"].items():
        legend = [t for t in figure.texts if t.startswith(f"{name}: ")]
        assert len(legend) == 1 and numbers(legend[0]) == [f"{w1:.2f}", f"{abs(w2):.2f}", f"{abs(b):.2f}", "0"]
        assert legend[0].split(": ", 1)[1] in figure.caption


def test_english_and_korean_quote_the_same_numbers(both) -> None:
    en, ko = both["en"][0], both["ko"][0]
    assert [r.key for r in en.reports] == [r.key for r in ko.reports]
    for r_en, r_ko in zip(en.reports, ko.reports):
        assert len(r_en.blocks) == len(r_ko.blocks)
        for (_, a), (_, b) in zip(r_en.blocks, r_ko.blocks):
            assert Counter(numbers(a)) == Counter(numbers(b)), f"step {r_en.number}:\n{a}\n{b}"
        for fa, fb in zip(r_en.figures, r_ko.figures, strict=True):
            assert fa.path == fb.path
            assert Counter(numbers(fa.caption)) == Counter(numbers(fb.caption)), fa.path


def test_a_caption_check_can_fail() -> None:
    # The checks above must be able to say no: a wrong number, a wrong name, a gradient read as data.
    assert not agrees("0.5", 1.0) and agrees("0.50", 0.5049) and not agrees("0.500", 0.5049)
    assert numbers("z3 = -0.5 gives y' = 1 for x = (1, 0) in 2-2-1") == ["-0.5", "1", "1", "0"]
    assert numbers("z1 = -0.5에서 a1 = 0, 4개 행 중 1일 때") == ["-0.5", "0", "4", "1"]
    assert ASSIGNED.findall("L = 1, dL/dy' = 2") == [("L", "1")]
    assert DERIVATIVE.findall("L = 1, dL/dy' = 2 and dd/dx = 14") == [("L", "y'", "2"), ("d", "x", "14")]
