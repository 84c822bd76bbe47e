"""Turn a formula typed by a person, such as ``"tanh(x*w + b)"``, into a graph of `Value` nodes.

The text is parsed with `ast.parse(mode="eval")` and then walked node by node
against a whitelist: numbers, names you give values to, ``+ - * / **``, unary
``-`` and ``+``, and calls to a few functions (`FUNCTIONS`). Anything else is
refused with an `ExpressionError` that quotes the offending piece. Nothing is
ever handed to `eval`, so a formula cannot run code.

>>> out = evaluate("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
>>> round(out.data, 4)
0.7064
"""

from __future__ import annotations

import ast
import math
import numbers
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping

from microgradnn.scalar import Value

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "ExpressionError", "evaluate", "parse_assignments"]

# Function name -> how to apply it to a Value. One argument each.
FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "tanh": Value.tanh,
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "abs": Value.abs,
    "step": Value.step,
}

_BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}

# Python spellings a learner might try, with what to write instead.
_OPERATOR_HINTS: dict[type[ast.AST], str] = {
    ast.BitXor: "'^' is bitwise xor in Python; write x**2 for a power",
    ast.MatMult: "'@' is matrix product; expressions here are scalars, use '*'",
    ast.FloorDiv: "'//' is floor division; use '/'",
    ast.Mod: "'%' (remainder) has no derivative here; use + - * / **",
}

MAX_LENGTH = 2000  # characters; a longer formula would not make a readable picture anyway
MAX_DEPTH = 200  # nesting levels; keeps the recursive walk far from Python's recursion limit


class ExpressionError(ValueError):
    """A formula that cannot be turned into a graph; the message quotes the piece at fault."""


def _piece(text: str, node: ast.AST) -> str:
    """The source text of `node`, for error messages."""
    return ast.get_source_segment(text, node) or type(node).__name__


_ASSOCIATIVE_GROUPS: dict[type[ast.operator], int] = {ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1, ast.Pow: 2}


def _same_level(parent: ast.AST, child: ast.AST) -> bool:
    """True when `child` continues `parent`'s chain of one precedence level: the left operand of a + b - c or
    a * b / c, the right one of a ** b ** c. Such a chain reads flat, so it is one level of nesting, not many."""
    if not (isinstance(parent, ast.BinOp) and isinstance(child, ast.BinOp)):
        return False
    group = _ASSOCIATIVE_GROUPS.get(type(parent.op))
    if group is None or group != _ASSOCIATIVE_GROUPS.get(type(child.op)):
        return False
    return child is (parent.right if group == 2 else parent.left)


def _depth(tree: ast.AST) -> int:
    """How deeply the formula nests as a person reads it, measured without recursion: each call, unary sign
    and operand of another precedence level adds one; a flat chain such as x*x*...*x is one level."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.operator, ast.unaryop, ast.expr_context)):
                continue
            stack.append((child, depth if _same_level(node, child) else depth + 1))
    return deepest


def _bracket_depth(text: str) -> int:
    """The deepest nesting of (), [] and {} in the text (Python's own parser stops at 200)."""
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _normalized(name: str) -> str:
    """Names as Python's parser reads them: NFKC-normalised, so the fullwidth 'ｘ' of --set matches 'ｘ' in the
    formula (which the parser reads as 'x')."""
    return unicodedata.normalize("NFKC", name)


def evaluate(text: str, variables: Mapping[str, float | Value] | None = None) -> Value:
    """Build the `Value` graph of the formula `text`; each name becomes a leaf labelled with its name.

    `variables` maps every name used in the formula to a number (made into a
    new leaf) or to a `Value` (used as it is, so the formula joins an existing
    graph). A name used twice is the same node, so ``x*x`` gives x two
    gradient contributions.
    Raises `ExpressionError` for anything outside the whitelist, an unknown
    name, or a math error such as ``log(0)``.
    """
    if variables is not None and not isinstance(variables, Mapping):
        raise ExpressionError(
            f"variables must be a dict of names to numbers, got {type(variables).__name__}; e.g. {{'x': 2.0}}"
        )
    variables = dict(variables or {})
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    for name in variables:
        _check_variable_name(name)
    normalized: dict[str, float | Value] = {}
    for name, value in variables.items():
        key = _normalized(name)
        _check_variable_name(key)
        if key in normalized:
            raise ExpressionError(f"variables {name!r} and {key!r} are the same name once normalised; keep one")
        normalized[key] = value
    variables = normalized
    too_deep = ExpressionError(
        f"the expression nests more than {MAX_DEPTH} levels deep (calls, signs and brackets inside each "
        "other); split it into smaller parts"
    )
    if _bracket_depth(text) > MAX_DEPTH:
        raise too_deep
    try:
        with warnings.catch_warnings():  # Python's own SyntaxWarnings ("invalid decimal literal") are not for users
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        if "too many nested" in str(e.msg):
            raise too_deep from None
        line = f"line {e.lineno}, " if e.lineno and e.lineno > 1 else ""  # a formula pasted over several lines
        where = f" at {line}column {e.offset}" if e.offset else ""
        shown = text.strip() if len(text.strip()) <= 80 else text.strip()[:77] + "..."
        raise ExpressionError(
            f"cannot parse {shown!r}{where}: {e.msg}; write it as in Python, e.g. tanh(x*w + b)"
        ) from None
    except (ValueError, RecursionError, MemoryError) as e:  # null bytes, absurd nesting
        raise ExpressionError(f"cannot parse the expression: {e}") from None
    if _depth(tree) > MAX_DEPTH:
        raise too_deep
    leaves = {name: _leaf(name, value) for name, value in variables.items()}
    try:
        return _Builder(text.strip(), leaves).build(tree.body)
    except RecursionError:  # an op far down a very long chain (e.g. printing a huge graph): never a traceback
        raise ExpressionError("the expression is too long to build; split it into smaller parts") from None


class _Builder:
    """Walks the syntax tree and builds Values, refusing every node kind not on the whitelist."""

    def __init__(self, text: str, leaves: dict[str, Value]) -> None:
        self.text = text
        self.leaves = leaves

    def build(self, root: ast.expr) -> Value:
        """The Value of `root`, built children first with an explicit stack (no recursion, so a chain of a
        thousand terms is fine). Each node is checked against the whitelist when first reached."""
        built: dict[int, Value] = {}
        stack: list[tuple[ast.expr, bool]] = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                built[id(node)] = self._combine(node, built)
                continue
            children = self._children(node)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
        return built[id(root)]

    def _children(self, node: ast.expr) -> list[ast.expr]:
        """The sub-formulas `node` needs built first; refuses a node kind that is not on the whitelist."""
        if isinstance(node, (ast.Constant, ast.Name)):
            return []
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if op not in _BINARY:
                raise ExpressionError(f"{_piece(self.text, node)!r}: {_OPERATOR_HINTS.get(op, 'use + - * / **')}")
            if op is ast.Pow and _literal(node.right) is not None:
                return [node.left]  # a literal exponent is a constant, not a node: x**2 has one parent
            if op is ast.Pow and _literal(node.left) is not None:
                return [node.right]
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise ExpressionError(f"{_piece(self.text, node)!r}: only unary - and + are allowed")
            return [node.operand]
        if isinstance(node, ast.Call):
            self._check_call(node)
            return [node.args[0]]
        if isinstance(node, ast.Attribute):
            raise ExpressionError(
                f"{_piece(self.text, node)!r}: attribute access is not allowed; {_call_hint(node.attr)}"
            )
        if isinstance(node, ast.Compare | ast.BoolOp):
            raise ExpressionError(
                f"{_piece(self.text, node)!r}: comparisons and and/or are not allowed; use + - * / ** and functions"
            )
        kind = type(node).__name__
        raise ExpressionError(f"{_piece(self.text, node)!r}: {kind} is not allowed; use numbers, names, + - * / **")

    def _combine(self, node: ast.expr, built: dict[int, Value]) -> Value:
        """Build `node` from its children's Values (already in `built`)."""
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BinOp):
            return self._binary(node, built)
        if isinstance(node, ast.UnaryOp):
            operand = built[id(node.operand)]
            return self._apply(node, lambda: -operand) if isinstance(node.op, ast.USub) else operand
        assert isinstance(node, ast.Call)
        name = node.func.id  # type: ignore[attr-defined]
        argument = built[id(node.args[0])]
        return self._apply(node, lambda: FUNCTIONS[name](argument))

    def _constant(self, node: ast.Constant) -> Value:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExpressionError(f"{_piece(self.text, node)!r}: only real numbers are allowed as constants")
        if (isinstance(value, int) and abs(value) > 2**1000) or not math.isfinite(value):
            raise ExpressionError(f"{_piece(self.text, node)[:40]!r}: this number is too large for a float")
        return Value(float(value), label=_piece(self.text, node))

    def _name(self, node: ast.Name) -> Value:
        if node.id in self.leaves:
            return self.leaves[node.id]
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id!r} is a function; call it, as in {node.id}(x)")
        raise ExpressionError(f"unknown name {node.id!r}; give it a value, e.g. --set {node.id}=1.0")

    def _binary(self, node: ast.BinOp, built: dict[int, Value]) -> Value:
        op = type(node.op)
        apply = _BINARY[op]
        if op is ast.Pow:
            exponent, base = _literal(node.right), _literal(node.left)
            if exponent is not None:
                left = built[id(node.left)]
                return self._apply(node, lambda: left**exponent)
            if base is not None:
                right = built[id(node.right)]
                return self._apply(node, lambda: base**right)
        left, right = built[id(node.left)], built[id(node.right)]
        return self._apply(node, lambda: apply(left, right))

    def _check_call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute):
            method = node.func.attr
            raise ExpressionError(f"{_piece(self.text, node)!r}: method calls are not allowed; {_call_hint(method)}")
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(f"{_piece(self.text, node.func)!r}: call a function by its plain name, e.g. tanh(x)")
        name = node.func.id
        if name not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"{name}(...) is not an allowed function; the allowed ones are {allowed}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"{_piece(self.text, node)!r}: {name} takes exactly one argument, as in {name}(x)")

    def _apply(self, node: ast.AST, compute: Callable[[], Value]) -> Value:
        """Run one op; a math error names the piece of the formula that caused it."""
        try:
            out = compute()
        except (ValueError, OverflowError, ZeroDivisionError, TypeError) as e:
            raise ExpressionError(f"{_piece(self.text, node)!r}: {e}") from None
        # Values follow IEEE floats (log(-1) = nan, 1/0 = inf); a formula to draw must stay finite.
        if not math.isfinite(out.data) and all(math.isfinite(p.data) for p in out.parents):
            raise ExpressionError(
                f"{_piece(self.text, node)!r} is {out.data} at these values: outside the domain of {out.op} "
                "(log and sqrt need x > 0, / a non-zero denominator) or too large for a float"
            )
        return out


def _call_hint(name: str) -> str:
    """What to write instead of x.name or x.name(): the function, when there is one by that name."""
    if name in FUNCTIONS:
        return f"write {name}(...) as a function"
    return f"the functions are {', '.join(sorted(FUNCTIONS))}, called as tanh(x)"


def _leaf(name: str, value: object) -> Value:
    if isinstance(value, Value):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ExpressionError(f"variable {name!r}: expected a number or a Value, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        raise ExpressionError(f"variable {name!r}: the number is too large for a float (max about 1.8e308)") from None
    if not math.isfinite(number):  # as for --set: a formula to draw starts from finite numbers
        raise ExpressionError(f"variable {name!r}: the value must be a finite number, got {number}")
    return Value(number, label=name)


def _literal(node: ast.expr) -> float | None:
    """The number written at `node` (``2``, ``-0.5``), or None when it is not a plain literal."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        if (isinstance(node.value, int) and abs(node.value) > 2**1000) or not math.isfinite(node.value):
            return None  # not a usable number: _constant reports it
        return sign * float(node.value)
    return None


def _check_variable_name(name: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise ExpressionError(f"{name!r} is not a valid variable name; use letters, digits and _ (e.g. w1)")
    if name in FUNCTIONS:
        raise ExpressionError(f"{name!r} is a function name and cannot be a variable; pick another name")


def parse_assignments(items: Iterable[str]) -> dict[str, float]:
    """Read ``["x=2", "w=-3"]`` (the command line's ``--set``) into ``{"x": 2.0, "w": -3.0}``."""
    if isinstance(items, str):
        raise ExpressionError(
            f"parse_assignments: expected a list of NAME=NUMBER strings, got the string {items!r}; e.g. [{items!r}]"
        )
    values: dict[str, float] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name, number = name.strip(), number.strip()
        if not sep or not name or not number:
            raise ExpressionError(f"--set {item!r}: expected NAME=NUMBER, e.g. x=2.0")
        _check_variable_name(name)
        name = _normalized(name)
        _check_variable_name(name)
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(f"--set {item!r}: {number!r} is not a number; e.g. {name}=2.0") from None
        if not math.isfinite(value):
            raise ExpressionError(f"--set {item!r}: the value must be a finite number, e.g. {name}=2.0")
        if name in values:
            raise ExpressionError(f"--set {name} is given twice ({values[name]:g} and {value:g}); keep one")
        values[name] = value
    return values
