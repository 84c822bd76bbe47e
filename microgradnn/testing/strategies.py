"""Hypothesis strategies for property-testing gradients.

Finite differences are only trustworthy where a function is smooth, so each
op has a *safe domain*: finite floats a margin away from its kinks (relu and
abs at 0) and singular points (log and sqrt at 0, 1/x at 0). Use them in your
own tests::

    from hypothesis import given
    from microgradnn import Value, gradcheck
    from microgradnn.testing import strategies as mst

    @given(mst.safe_floats("log"))
    def test_log(x):
        gradcheck(lambda v: v.log(), [Value(x)])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from microgradnn.value import Value

__all__ = [
    "SAFE_DOMAINS",
    "Expression",
    "expressions",
    "safe_floats",
    "values",
]

# op -> (low, high, points to stay away from). Bounds keep exp and ** from
# overflowing and keep finite differences well conditioned.
SAFE_DOMAINS: dict[str, tuple[float, float, tuple[float, ...]]] = {
    "any": (-10.0, 10.0, ()),
    "+": (-10.0, 10.0, ()),
    "-": (-10.0, 10.0, ()),
    "*": (-10.0, 10.0, ()),
    "neg": (-10.0, 10.0, ()),
    "/": (-10.0, 10.0, (0.0,)),  # the denominator
    "exp": (-10.0, 10.0, ()),
    "log": (0.0, 100.0, (0.0,)),
    "sqrt": (0.0, 100.0, (0.0,)),
    "tanh": (-5.0, 5.0, ()),
    "sigmoid": (-10.0, 10.0, ()),
    "relu": (-10.0, 10.0, (0.0,)),
    "leaky_relu": (-10.0, 10.0, (0.0,)),
    "abs": (-10.0, 10.0, (0.0,)),
    "step": (-10.0, 10.0, (0.0,)),
    "pow_base": (0.0, 5.0, (0.0,)),  # base of a ** b with any real b
    "pow_exponent": (-3.0, 3.0, ()),
}


def safe_floats(op: str = "any", margin: float = 1e-2) -> st.SearchStrategy[float]:
    """Finite floats in op's safe domain, at least `margin` from its kinks and singular points."""
    if op not in SAFE_DOMAINS:
        raise ValueError(f"safe_floats: unknown op {op!r}; choose one of {sorted(SAFE_DOMAINS)}")
    low, high, avoid = SAFE_DOMAINS[op]
    base = st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    return base.filter(lambda x: all(abs(x - p) >= margin for p in avoid))


def values(op: str = "any", margin: float = 1e-2) -> st.SearchStrategy[Value]:
    """Leaf Values whose data lies in op's safe domain."""
    return safe_floats(op, margin).map(Value)


# ----------------------------------------------------------- expressions
# Smooth everywhere, so any composition is safe for finite differences;
# tanh and sigmoid also keep magnitudes bounded, so nothing overflows.
_UNARY: dict[str, Callable[[Value], Value]] = {
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "neg": lambda a: -a,
    "square": lambda a: a * a,
    "exp_tanh": lambda a: a.tanh().exp(),
}
_BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}

Spec = Any  # ("x", i) | (unary_name, spec) | (binary_name, spec, spec)


@dataclass(frozen=True)
class Expression:
    """A random function of `n_inputs` Values; identical subexpressions become one shared node."""

    spec: Spec
    n_inputs: int

    def __call__(self, *xs: Value) -> Value:
        if len(xs) != self.n_inputs:
            raise TypeError(f"Expression takes {self.n_inputs} inputs, got {len(xs)}")
        built: dict[Spec, Value] = {}

        def build(spec: Spec) -> Value:
            # Memoised: a repeated subtree (x * x, a + a) reuses the very same node.
            if spec in built:
                return built[spec]
            if spec[0] == "x":
                node = xs[spec[1]]
            elif spec[0] in _UNARY:
                node = _UNARY[spec[0]](build(spec[1]))
            else:
                node = _BINARY[spec[0]](build(spec[1]), build(spec[2]))
            built[spec] = node
            return node

        return build(self.spec)

    def __repr__(self) -> str:
        def show(spec: Spec) -> str:
            if spec[0] == "x":
                return f"x{spec[1]}"
            if spec[0] in _UNARY:
                return f"{spec[0]}({show(spec[1])})"
            return f"({show(spec[1])} {spec[0]} {show(spec[2])})"

        return f"Expression({show(self.spec)})"


def expressions(n_inputs: int = 3, max_leaves: int = 12) -> st.SearchStrategy[Expression]:
    """Random smooth expression graphs over n_inputs Values, built with st.recursive.

    Leaves are drawn from a few input indices, so inputs are reused (x * x + x)
    and repeated subtrees become shared nodes: both exercise gradient accumulation.
    """
    leaves = st.integers(0, n_inputs - 1).map(lambda i: ("x", i))

    def extend(children: st.SearchStrategy[Spec]) -> st.SearchStrategy[Spec]:
        unary = st.tuples(st.sampled_from(sorted(_UNARY)), children)
        binary = st.tuples(st.sampled_from(sorted(_BINARY)), children, children)
        reuse = children.map(lambda c: ("+", c, c))  # a + a: the same node twice
        return st.one_of(unary, binary, reuse)

    return st.recursive(leaves, extend, max_leaves=max_leaves).map(lambda s: Expression(s, n_inputs))
