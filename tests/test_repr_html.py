"""The notebook summaries in microgradnn._repr: what they show, and that nothing a user wrote escapes."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import ClassVar

import numpy as np
import pytest

from microgradnn import Tensor, Value
from microgradnn._repr import MAX_VALUES, step_html, tensor_html, value_html

EVIL = "<script>alert('x')</script>&\"b\""


class _Reader(HTMLParser):
    """Collects the tags and the visible text of a snippet, and checks that every tag it opens it closes."""

    VOID: ClassVar[set[str]] = {"br", "hr", "img"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def read(snippet: str) -> tuple[list[str], str]:
    reader = _Reader()
    reader.feed(snippet)
    reader.close()
    assert not reader.open, f"unclosed tags: {reader.open}"
    return reader.tags, " ".join(" ".join(reader.text).split())


def test_a_value_shows_label_data_grad_and_op():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = x * w
    y.label = "y"
    y.backward()
    tags, text = read(value_html(y))
    assert "script" not in tags
    assert text.startswith("Value y")
    assert "data -6" in text and "grad 1" in text
    assert f"op {y.op} (x, w)" in text
    _, leaf = read(value_html(x))
    assert "data 2" in leaf and f"grad {w.data:g}" in leaf  # dy/dx = w
    assert "op leaf" in leaf


def test_unlabelled_operands_are_named_by_their_op():
    a = Value(1.5)
    y = (a * 2.0).tanh()
    _, text = read(value_html(y))
    assert f"({y.parents[0].op})" in text
    assert text.startswith("Value ·")  # no label, no stray name


def test_labels_and_ops_are_escaped():
    v = Value(1.0, label=EVIL)
    y = v + 1.0
    y.label = EVIL
    for snippet in (value_html(v), value_html(y)):
        tags, text = read(snippet)
        assert "script" not in tags
        assert EVIL in text  # shown literally, as text
        assert EVIL not in snippet
    t = Tensor([1.0, 2.0])
    t.label = EVIL
    tags, text = read(tensor_html(t))
    assert "script" not in tags and EVIL in text


def test_a_tensor_shows_shape_dtype_and_the_first_values():
    t = Tensor(np.arange(12.0).reshape(3, 4))
    t.label = "W"
    _, text = read(tensor_html(t))
    assert text.startswith("Tensor W")
    assert "shape (3, 4)" in text and f"dtype {t.dtype}" in text
    shown = ", ".join(str(i) for i in range(MAX_VALUES))
    assert f"data [{shown}, …]" in text
    assert "grad none yet" in text and "op leaf" in text
    assert len(tensor_html(Tensor(np.zeros(10_000)))) < 2_000  # a big tensor still gives a small snippet


def test_a_tensor_after_backward_shows_its_gradient():
    t = Tensor([1.0, -2.0, 3.0])
    t.requires_grad_()
    loss = (t * t).sum()
    loss.backward()
    _, text = read(tensor_html(t))
    assert "grad [2, -4, 6]" in text
    _, out = read(tensor_html(loss))
    assert "shape ()" in out and f"data {float(loss.data):g}" in out and f"op {loss.op} (" in out


def test_a_scalar_step_lists_every_parent_with_its_local_derivative_and_contribution():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh()
    steps = list(y.backward_steps())
    assert steps
    for step in steps:
        tags, text = read(step_html(step))
        assert text.startswith(f"step {step.index} ·")
        assert f"upstream grad {step.upstream:.6g}" in text
        assert tags.count("tr") == 1 + len(step.parents)
        assert "local derivative" in text
        for parent, local, contribution in zip(step.parents, step.local_derivatives, step.contributions):
            name = parent.label or f"({parent.op})"
            assert f"{name} {parent.data:.6g} {local:.6g} {contribution:.6g}" in text


def test_a_tensor_step_has_no_local_derivative_column():
    a = Tensor([[1.0, 2.0], [3.0, 4.0]])
    a.requires_grad_()
    a.label = "a"
    loss = (a * 3.0).sum()
    steps = list(loss.backward_steps())
    texts = [read(step_html(s))[1] for s in steps]
    assert all("local derivative" not in t for t in texts)
    assert any("a [1, 2, 3, 4] [3, 3, 3, 3]" in t for t in texts)  # the contribution to a: d(3a)/da = 3


@pytest.mark.parametrize("make", [lambda: Value(1.0), lambda: Tensor([1.0])])
def test_the_summary_is_one_self_contained_element(make):
    node = make()
    snippet = value_html(node) if isinstance(node, Value) else tensor_html(node)
    assert snippet.startswith('<div class="microgradnn-repr"') and snippet.endswith("</div>")
    assert "<style" not in snippet and "<script" not in snippet and "http" not in snippet


def test_a_label_assigned_later_as_a_number_is_shown_as_text():
    a = Value(1.0)
    a.label = 5  # Value(label=5) refuses it; an assignment afterwards is not checked
    assert ">5<" in a._repr_html_() and "5" in (a * 2)._repr_html_()


BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("control", BIDI)
def test_bidi_controls_and_lone_surrogates_are_shown_not_obeyed(control):
    # A right-to-left override in a label would reverse the rest of the line in the notebook ("ab", U+202E, "cd"
    # reads "abdc"); a lone surrogate would break the notebook's JSON. Both are written out as escapes.
    x = Value(1.0, label=f"ab{control}cd\ud800")
    y = x * 2.0
    y.label = f"y{control}"
    t = Tensor([1.0])
    t.label = f"t{control}"
    steps = list(y.backward_steps())
    for snippet in (value_html(x), value_html(y), tensor_html(t), step_html(steps[0])):
        assert control not in snippet and "\ud800" not in snippet
        snippet.encode("utf-8")
    _, text = read(value_html(x))
    assert f"ab\\u{ord(control):04x}cd\\ud800" in text
