"""The safe formula parser behind `microgradnn graph`: right values, right gradients, nothing else allowed."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradnn import Value, gradcheck
from microgradnn.expression import FUNCTIONS, ExpressionError, evaluate, parse_assignments
from microgradnn.testing import strategies as mst


def test_the_readme_example_matches_math() -> None:
    out = evaluate("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    assert out.data == pytest.approx(math.tanh(2.0 * -3.0 + 6.88), abs=1e-15)
    out.backward()
    leaves = {n.label: n for n in _leaves(out)}
    slope = 1 - math.tanh(0.88) ** 2
    assert leaves["x"].grad == pytest.approx(-3.0 * slope)
    assert leaves["w"].grad == pytest.approx(2.0 * slope)
    assert leaves["b"].grad == pytest.approx(slope)


def _leaves(root: Value) -> list[Value]:
    from microgradnn import topological_order

    return [n for n in topological_order(root) if n.is_leaf]


def test_a_name_used_twice_is_one_leaf_that_gets_both_contributions() -> None:
    out = evaluate("x*x + x", {"x": 3.0})
    out.backward()
    (x,) = [n for n in _leaves(out) if n.label == "x"]
    assert x.grad == 2 * 3.0 + 1


def test_given_values_join_an_existing_graph() -> None:
    x = Value(0.5, label="x")
    out = evaluate("sigmoid(x) * 2", {"x": x})
    out.backward()
    s = 1 / (1 + math.exp(-0.5))
    assert x.grad == pytest.approx(2 * s * (1 - s))


def test_literal_exponents_and_bases_are_constants_not_nodes() -> None:
    square = evaluate("x**2", {"x": 3.0})
    assert square.data == 9.0 and len(square.parents) == 1
    power = evaluate("2**x", {"x": 3.0})
    assert power.data == 8.0 and len(power.parents) == 1
    both = evaluate("x**y", {"x": 2.0, "y": 3.0})
    assert both.data == 8.0 and len(both.parents) == 2


def test_python_precedence_is_kept() -> None:
    assert evaluate("-x**2", {"x": 3.0}).data == -9.0
    assert evaluate("1 + 2 * x / 4 - 1", {"x": 2.0}).data == 1.0
    assert evaluate("+x", {"x": 2.5}).data == 2.5


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_whitelisted_function_is_the_value_method(name: str) -> None:
    out = evaluate(f"{name}(x)", {"x": 0.7})
    assert out.op == name
    assert out.data == getattr(Value(0.7), name)().data


# Text of a random smooth formula over x, y, z and the same formula as a plain-float function.
_UNARY = {
    "tanh": math.tanh,
    "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
    "exp": math.exp,
}


@st.composite
def formulas(draw: st.DrawFn, depth: int = 3) -> tuple[str, object]:
    if depth == 0 or draw(st.booleans()):
        if draw(st.booleans()):
            name = draw(st.sampled_from("xyz"))
            return name, lambda env, n=name: env[n]
        c = draw(st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 2)))
        return f"({c!r})", lambda env, c=c: c
    kind = draw(st.sampled_from(["+", "-", "*", "tanh", "sigmoid"]))
    if kind in _UNARY:
        text, f = draw(formulas(depth - 1))
        g = _UNARY[kind]
        return f"{kind}({text})", lambda env, f=f, g=g: g(f(env))
    (lt, lf), (rt, rf) = draw(formulas(depth - 1)), draw(formulas(depth - 1))
    ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
    op = ops[kind]
    return f"({lt} {kind} {rt})", lambda env, lf=lf, rf=rf, op=op: op(lf(env), rf(env))


@settings(deadline=None, max_examples=60)
@given(formulas(), mst.safe_floats("tanh"), mst.safe_floats("tanh"), mst.safe_floats("tanh"))
def test_random_formulas_have_the_value_and_gradients_of_the_math(formula, x, y, z) -> None:
    text, reference = formula
    env = {"x": x, "y": y, "z": z}
    assert evaluate(text, env).data == pytest.approx(reference(env), rel=1e-12, abs=1e-12)
    gradcheck(
        lambda a, b, c: evaluate(text, {"x": a, "y": b, "z": c}),
        [Value(x, label="x"), Value(y, label="y"), Value(z, label="z")],
    )


@pytest.mark.parametrize(
    ("text", "piece"),
    [
        ('__import__("os").system("true")', "__import__"),
        ("open('f')", "open"),
        ("x.tanh()", "x.tanh()"),
        ("x.__class__", "x.__class__"),
        ("(lambda: 1)()", "lambda"),
        ("x if x else x", "x if x else x"),
        ("[x]", "[x]"),
        ("'text'", "'text'"),
        ("True + x", "True"),
        ("1j * x", "1j"),
        ("x ^ 2", "^"),
        ("x % 2", "%"),
        ("x // 2", "//"),
        ("x < 2", "x < 2"),
        ("x and 1", "x and 1"),
        ("~x", "~x"),
        ("tanh(x, x)", "tanh(x, x)"),
        ("tanh(x=1)", "tanh(x=1)"),
        ("tanh", "tanh"),
        ("y + 1", "'y'"),
        ("x +", "x +"),
        ("1e400 * x", "1e400"),
        ("log(x - 2)", "log(x - 2)"),
        ("x / (x - 2)", "x / (x - 2)"),
        ("10.0 ** 10.0 ** 10", "10.0 ** 10.0 ** 10"),
    ],
)
def test_anything_off_the_whitelist_is_refused_naming_the_piece(text: str, piece: str) -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate(text, {"x": 2.0})
    assert piece in str(info.value)
    assert "\n" not in str(info.value)


def test_no_code_runs(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExpressionError):
        evaluate("__import__('pathlib').Path('pwned').touch()", {})
    assert not (tmp_path / "pwned").exists()


def test_giant_or_deep_formulas_are_refused_cleanly() -> None:
    with pytest.raises(ExpressionError, match="nests more than"):
        evaluate("-" * 500 + "x", {"x": 1.0})
    with pytest.raises(ExpressionError, match="characters long"):
        evaluate("x+" * 2000 + "x", {"x": 1.0})
    with pytest.raises(ExpressionError, match=r"nests more than|cannot parse"):
        evaluate("(" * 300 + "x" + ")" * 300, {"x": 1.0})


def test_bad_variable_names_and_values() -> None:
    with pytest.raises(ExpressionError, match="function name"):
        evaluate("tanh + 1", {"tanh": 1.0})
    with pytest.raises(ExpressionError, match="not a valid variable name"):
        evaluate("x", {"2x": 1.0})
    with pytest.raises(ExpressionError, match="expected a number"):
        evaluate("x", {"x": "2"})


def test_parse_assignments_reads_the_set_option() -> None:
    assert parse_assignments(["x=2", "w=-3", " b = 6.88 "]) == {"x": 2.0, "w": -3.0, "b": 6.88}
    assert parse_assignments([]) == {}


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["x"], "expected NAME=NUMBER"),
        (["x="], "expected NAME=NUMBER"),
        (["=2"], "expected NAME=NUMBER"),
        (["x=two"], "'two' is not a number"),
        (["x=nan"], "finite"),
        (["x=1", "x=2"], "given twice"),
        (["exp=1"], "function name"),
        (["a-b=1"], "not a valid variable name"),
    ],
)
def test_parse_assignments_errors(items: list[str], message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        parse_assignments(items)


def test_nesting_depth_counts_real_nesting_not_flat_chains() -> None:
    # x*x*...*x is one level for a reader, however long; the builder has no recursion to run out of.
    assert evaluate("*".join(["x"] * 600), {"x": 1.0}).data == 1.0
    assert evaluate("+".join(["x"] * 900), {"x": 1.0}).data == 900.0
    assert evaluate("-".join(["x"] * 900), {"x": 1.0}).data == -898.0
    assert evaluate("**".join(["x"] * 500), {"x": 1.0}).data == 1.0
    out = evaluate("+".join(["x*y"] * 300), {"x": 2.0, "y": 3.0})
    out.backward()
    assert out.data == 1800.0
    nested = "tanh(" * 201 + "x" + ")" * 201  # real nesting: still refused, with our message
    with pytest.raises(ExpressionError, match="nests more than 200 levels"):
        evaluate(nested, {"x": 1.0})


def test_names_are_matched_as_python_reads_them() -> None:
    # Python's parser NFKC-normalises identifiers: the formula's fullwidth "ｘ" is read as "x".
    assert evaluate("ｘ*2", {"ｘ": 3.0}).data == 6.0
    assert evaluate("ｘ*2", parse_assignments(["ｘ=3"])).data == 6.0
    with pytest.raises(ExpressionError, match="same name once normalised"):
        evaluate("x", {"ｘ": 1.0, "x": 2.0})
    with pytest.raises(ExpressionError, match="function name"):
        parse_assignments(["ｔａｎｈ=1"])
