"""Fuzzing the formula parser: random strings give a Value or an ExpressionError, never another exception,
and never run code (checked with an audit hook that sees every exec, import, open and process start)."""

from __future__ import annotations

import math
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microgradnn import Value
from microgradnn.expression import ExpressionError, evaluate

VARIABLES = {"x": 0.5, "y": -2.0, "w": 3.0, "b": 0.0}
fuzz = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)

_WATCH = threading.local()
_FORBIDDEN = ("exec", "import", "open", "os.", "subprocess.", "socket.", "shutil.", "ctypes", "pickle.")


def _hook(event: str, args: tuple) -> None:
    if getattr(_WATCH, "on", False) and event.startswith(_FORBIDDEN):
        _WATCH.seen.append(event)


sys.addaudithook(_hook)  # audit hooks cannot be removed; this one only records while a test watches


def _evaluate_watched(text: str) -> Value | ExpressionError:
    _WATCH.on, _WATCH.seen = True, []
    try:
        try:
            return evaluate(text, VARIABLES)
        except ExpressionError as e:
            assert "\n" not in str(e) and len(str(e)) < 400  # one readable line
            return e
    finally:
        _WATCH.on = False
        assert _WATCH.seen == [], f"{text!r} triggered {_WATCH.seen}"


FORMULA_CHARACTERS = "xywb()+-*/.,0123456789e_ tanhexplogsqrtsigmoidreluabsstep=[]{}'\"@^%<>!&|~:;#\\lambda__"


@fuzz
@given(st.text(alphabet=FORMULA_CHARACTERS, max_size=60))
def test_formula_like_strings(text):
    result = _evaluate_watched(text)
    assert isinstance(result, (Value, ExpressionError))


@fuzz
@given(st.text(max_size=40))
def test_any_unicode_string(text):
    assert isinstance(_evaluate_watched(text), (Value, ExpressionError))


leaves = st.sampled_from(["x", "y", "w", "b", "2", "0.5", "1e3", "0", "ｘ"])
formulas = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
        st.tuples(st.sampled_from(["tanh", "exp", "log", "sqrt", "sigmoid", "relu", "abs", "step"]), inner).map(
            lambda t: f"{t[0]}({t[1]})"
        ),
        inner.map(lambda s: f"-{s}"),
    ),
    max_leaves=12,
)


@fuzz
@given(formulas)
def test_well_formed_formulas_build_or_report_a_math_error(text):
    result = _evaluate_watched(text)
    if isinstance(result, Value):
        assert isinstance(result.data, float)
        if math.isfinite(result.data):
            result.backward()  # the graph it built is a working graph
    else:
        assert text[:10] in str(result) or "'" in str(result)  # the message quotes the piece at fault


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=FORMULA_CHARACTERS, min_size=1, max_size=30))
def test_the_graph_command_answers_0_or_2(tmp_path_factory, text):
    from microgradnn.cli import main

    out = tmp_path_factory.mktemp("g") / "g.dot"
    code = main(["graph", text, "--set", "x=0.5", "--out", str(out)])
    assert code in (0, 2), text


def test_the_hook_sees_code_running():
    # The watch itself must be able to fail: running code through eval is reported.
    _WATCH.on, _WATCH.seen = True, []
    try:
        eval(compile("1 + 1", "<test>", "eval"))
    finally:
        _WATCH.on = False
    assert "exec" in _WATCH.seen


@pytest.mark.parametrize("text", ["__import__('os').system('echo hi')", "open('x').read()", "(lambda: 1)()"])
def test_code_is_refused(text):
    assert isinstance(_evaluate_watched(text), ExpressionError)


def test_python_syntax_warnings_do_not_leak(recwarn):
    with pytest.raises(ExpressionError):
        evaluate("1or x", VARIABLES)  # Python warns "invalid decimal literal" while parsing this
    assert not [w for w in recwarn if issubclass(w.category, SyntaxWarning)]
