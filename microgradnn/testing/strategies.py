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

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from microgradnn.scalar import Value
from microgradnn.tensor import Tensor

__all__ = [
    "SAFE_DOMAINS",
    "SPECIAL_FLOATS",
    "Expression",
    "arrays",
    "arrays_with_specials",
    "broadcastable_pairs",
    "expressions",
    "logits_and_targets",
    "matmul_pairs",
    "non_contiguous_arrays",
    "safe_floats",
    "shapes",
    "tensors",
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
    "clip": (-3.0, 3.0, (-1.0, 1.0)),  # the bounds of clip(-1, 1)
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
    for name, value in (("n_inputs", n_inputs), ("max_leaves", max_leaves)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"expressions: {name} must be an int >= 1, got {value!r}; e.g. {name}=3")
    leaves = st.integers(0, n_inputs - 1).map(lambda i: ("x", i))

    def extend(children: st.SearchStrategy[Spec]) -> st.SearchStrategy[Spec]:
        unary = st.tuples(st.sampled_from(sorted(_UNARY)), children)
        binary = st.tuples(st.sampled_from(sorted(_BINARY)), children, children)
        reuse = children.map(lambda c: ("+", c, c))  # a + a: the same node twice
        return st.one_of(unary, binary, reuse)

    return st.recursive(leaves, extend, max_leaves=max_leaves).map(lambda s: Expression(s, n_inputs))


# ---------------------------------------------------------------- tensors
# Arrays are float64: gradcheck works in float64, and so should the data it starts from.
Shape = tuple[int, ...]


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy[Shape]:
    """Array shapes, small by default so a full Jacobian stays cheap."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


@st.composite
def _gapped(draw: Any, shape: Shape, op: str, min_gap: float, margin: float) -> np.ndarray:
    """Distinct values on a grid of spacing min_gap inside op's safe domain, in random order."""
    low, high, avoid = SAFE_DOMAINS[op]
    grid = [low + min_gap * (i + 0.5) for i in range(int((high - low) / min_gap))]
    grid = [x for x in grid if all(abs(x - p) >= margin for p in avoid)]
    n = math.prod(shape)
    if n > len(grid):
        raise ValueError(f"arrays: {n} values at least {min_gap} apart do not fit in {op}'s domain [{low}, {high}]")
    picks = draw(st.lists(st.integers(0, len(grid) - 1), min_size=n, max_size=n, unique=True))
    return np.array([grid[i] for i in picks], dtype=np.float64).reshape(shape)


def arrays(
    shape: Shape | st.SearchStrategy[Shape],
    op: str = "any",
    *,
    min_gap: float | None = None,
    margin: float = 1e-2,
) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays with every element in op's safe domain.

    With `min_gap`, the elements are distinct and at least `min_gap` apart:
    use it for max, min, maximum, sort-like ops, whose gradient jumps where two
    elements tie (finite differences straddling a tie measure neither side).
    """
    if op not in SAFE_DOMAINS:
        raise ValueError(f"arrays: unknown op {op!r}; choose one of {sorted(SAFE_DOMAINS)}")
    if min_gap is not None and not (
        isinstance(min_gap, (int, float, np.integer, np.floating)) and 0 < min_gap < math.inf
    ):
        raise ValueError(f"arrays: min_gap must be a number > 0 (or None), got {min_gap!r}; e.g. min_gap=0.05")
    shape_st = shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape))
    if min_gap is not None:
        return shape_st.flatmap(lambda s: _gapped(s, op, min_gap, margin))
    return shape_st.flatmap(lambda s: hnp.arrays(np.float64, s, elements=safe_floats(op, margin)))


def tensors(
    shape: Shape | st.SearchStrategy[Shape] | None = None,
    op: str = "any",
    *,
    min_gap: float | None = None,
    requires_grad: bool = True,
    label: str = "",
) -> st.SearchStrategy[Tensor]:
    """float64 leaf Tensors whose data lies in op's safe domain (any small shape by default)."""
    source = arrays(shapes() if shape is None else shape, op, min_gap=min_gap)
    return source.map(lambda a: Tensor(a, requires_grad=requires_grad, label=label))


def broadcastable_pairs(
    left: str = "any", right: str | None = None, *, max_dims: int = 3, max_side: int = 3
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Two float64 arrays whose shapes broadcast together (sizes 1 and missing axes included).

    `left` and `right` name the safe domain of each operand (e.g. "any" and "/" for a / b).
    """
    pair = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims, max_side=max_side)
    return pair.flatmap(lambda p: st.tuples(arrays(p.input_shapes[0], left), arrays(p.input_shapes[1], right or left)))


@st.composite
def matmul_pairs(draw: Any, max_side: int = 4, max_batch_dims: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Operands of a @ b: matrix-matrix, matrix-vector, vector-matrix, vector-vector and batched (broadcast) cases."""
    n, k, m = (draw(st.integers(1, max_side)) for _ in range(3))
    kind = draw(st.sampled_from(["mm", "mv", "vm", "vv", "batched"]))
    if kind == "batched":
        batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=max_batch_dims, max_side=3))
        a_shape, b_shape = (*batch.input_shapes[0], n, k), (*batch.input_shapes[1], k, m)
    else:
        a_shape = (k,) if kind in ("vm", "vv") else (n, k)
        b_shape = (k,) if kind in ("mv", "vv") else (k, m)
    return draw(arrays(a_shape)), draw(arrays(b_shape))


@st.composite
def logits_and_targets(
    draw: Any, max_batch: int = 5, max_classes: int = 5, scale: float = 10.0
) -> tuple[np.ndarray, np.ndarray]:
    """(logits of shape (N, C), integer class targets of shape (N,)) for cross-entropy-like tests."""
    n = draw(st.integers(1, max_batch))
    c = draw(st.integers(2, max_classes))
    logits = draw(hnp.arrays(np.float64, (n, c), elements=st.floats(-scale, scale)))
    targets = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    return logits, targets


def non_contiguous_arrays(shape: Shape, op: str = "any") -> st.SearchStrategy[np.ndarray]:
    """Arrays of `shape` that are views with unusual strides: a transpose, or every other row of a bigger array.

    The transpose is drawn only when it changes the layout (two axes longer than 1), and the rows are taken
    along an axis longer than 1, so every array is non-contiguous; one of at most one element always is
    contiguous, so such shapes give plain arrays.
    """
    shape = tuple(shape)
    long_axes = [i for i, n in enumerate(shape) if n > 1]
    if not long_axes:
        return arrays(shape, op)
    axis = long_axes[0]
    bigger = (*shape[:axis], 2 * shape[axis], *shape[axis + 1 :])
    every_other = (slice(None),) * axis + (slice(None, None, 2),)
    strided = arrays(bigger, op).map(lambda a: a[every_other])
    if len(long_axes) < 2:
        return strided
    return st.one_of(arrays(shape[::-1], op).map(lambda a: a.T), strided)


SPECIAL_FLOATS = (0.0, -0.0, 1.0, -1.0, 0.5, -2.0, math.inf, -math.inf, math.nan)


def arrays_with_specials(shape: Shape | None = None, special_fraction: float = 0.3) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays mixing ordinary numbers with the special ones (0, -0, +-1, +-inf, nan): for NaN/inf conventions.

    Each element is one of `SPECIAL_FLOATS` with probability about `special_fraction` (0 never, 1 always).
    Ties (equal elements) and kinks are drawn on purpose; compare against a reference such as PyTorch.
    """
    if isinstance(special_fraction, bool) or not (
        isinstance(special_fraction, (int, float, np.integer, np.floating)) and 0.0 <= special_fraction <= 1.0
    ):
        raise ValueError(
            f"arrays_with_specials: special_fraction must be a number in [0, 1], got {special_fraction!r}; "
            "e.g. special_fraction=0.3"
        )
    return _arrays_with_specials(shape, float(special_fraction))


@st.composite
def _arrays_with_specials(draw: Any, shape: Shape | None, special_fraction: float) -> np.ndarray:
    if shape is None:
        shape = draw(shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    n = int(np.prod(shape))
    ordinary = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
    # Each element is special when a coin in [0, 1) lands at or above 1 - special_fraction; the coin shrinks
    # to 0, so a failing example shrinks towards ordinary numbers.
    coin = st.floats(0.0, 1.0, exclude_max=True)
    picks = [
        draw(st.sampled_from(SPECIAL_FLOATS)) if draw(coin) >= 1.0 - special_fraction else draw(ordinary)
        for _ in range(n)
    ]
    return np.array(picks, dtype=np.float64).reshape(shape)
