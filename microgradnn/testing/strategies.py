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
    _check_op("safe_floats", op)
    _check_margin("safe_floats", margin)
    low, high, avoid = SAFE_DOMAINS[op]
    base = st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    return base.filter(lambda x: all(abs(x - p) >= margin for p in avoid))


def _check_op(who: str, op: Any, name: str = "op") -> None:
    if not isinstance(op, str) or op not in SAFE_DOMAINS:
        raise ValueError(f"{who}: unknown {name} {op!r}; choose one of {sorted(SAFE_DOMAINS)}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _check_margin(who: str, margin: Any) -> None:
    """margin (the distance kept from kinks) must be a finite number >= 0: a negative or NaN one avoids nothing."""
    if not (_is_number(margin) and math.isfinite(margin) and margin >= 0):
        raise ValueError(
            f"{who}: margin (how far to stay from kinks and singular points) must be a finite number >= 0, "
            f"got {margin!r}; e.g. margin=1e-2 (margin=0 allows the kink itself)"
        )


def _check_int(who: str, name: str, value: Any, low: int) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{who}: {name} must be an int >= {low}, got {value!r}; e.g. {name}={max(low, 1) + 1}")


def _shape_strategy(who: str, shape: Any) -> st.SearchStrategy[tuple[int, ...]]:
    """A shape as a strategy: a strategy stays, an int n means (n,) as in NumPy, a sequence of ints >= 0 is fixed."""
    if isinstance(shape, st.SearchStrategy):
        return shape
    return st.just(_fixed_shape(who, shape))


def _fixed_shape(who: str, shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        dims = None
    if (
        dims is None
        or isinstance(shape, (str, bytes))
        or not all(isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) for n in dims)
    ):
        raise TypeError(
            f"{who}: shape must be an int, a tuple of ints or a strategy of shapes, got {shape!r}; "
            "e.g. shape=(2, 3) or shape=mst.shapes()"
        )
    if any(n < 0 for n in dims):
        raise ValueError(f"{who}: shape {dims} has a negative dimension; sizes must be >= 0, e.g. shape=(2, 3)")
    return tuple(int(n) for n in dims)


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


def _excluded_ranges(
    low: float, spacing: float, count: int, avoid: tuple[float, ...], margin: float
) -> list[list[int]]:
    """Sorted, merged [first, last] index ranges of grid points low + spacing (i + 0.5) within margin of a point."""

    def point(i: int) -> float:
        return low + spacing * (i + 0.5)

    ranges: list[list[int]] = []
    for p in sorted(avoid):
        first = max(0, math.floor((p - margin - low) / spacing - 0.5) - 1)
        last = min(count - 1, math.ceil((p + margin - low) / spacing - 0.5) + 1)
        while first <= last and abs(point(first) - p) >= margin:
            first += 1
        while last >= first and abs(point(last) - p) >= margin:
            last -= 1
        if first > last:
            continue
        if ranges and first <= ranges[-1][1] + 1:
            ranges[-1][1] = max(ranges[-1][1], last)
        else:
            ranges.append([first, last])
    return ranges


@st.composite
def _gapped(draw: Any, shape: Shape, op: str, min_gap: float, margin: float) -> np.ndarray:
    """Distinct values on a grid of spacing min_gap inside op's safe domain, in random order.

    The grid is never built: indices are drawn among the allowed points and turned into values, so a tiny
    min_gap (millions of grid points) costs no more than a large one.
    """
    low, high, avoid = SAFE_DOMAINS[op]
    count = int((high - low) / min_gap)
    excluded = _excluded_ranges(low, min_gap, count, avoid, margin)
    allowed = count - sum(last - first + 1 for first, last in excluded)
    n = math.prod(shape)
    if n > allowed:
        raise ValueError(f"arrays: {n} values at least {min_gap} apart do not fit in {op}'s domain [{low}, {high}]")
    if n == 0:
        return np.zeros(shape, dtype=np.float64)
    ranks = draw(st.lists(st.integers(0, allowed - 1), min_size=n, max_size=n, unique=True))
    indices = []
    for rank in ranks:  # the rank-th allowed point: skip each excluded range at or below it
        i = rank
        for first, last in excluded:
            if i >= first:
                i += last - first + 1
        indices.append(i)
    return np.array([low + min_gap * (i + 0.5) for i in indices], dtype=np.float64).reshape(shape)


def arrays(
    shape: Shape | int | st.SearchStrategy[Shape],
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
    _check_op("arrays", op)
    _check_margin("arrays", margin)
    if min_gap is not None and not (_is_number(min_gap) and 0 < min_gap < math.inf):
        raise ValueError(f"arrays: min_gap must be a number > 0 (or None), got {min_gap!r}; e.g. min_gap=0.05")
    shape_st = _shape_strategy("arrays", shape)
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
    _check_op("broadcastable_pairs", left, "left op")
    if right is not None:
        _check_op("broadcastable_pairs", right, "right op")
    _check_int("broadcastable_pairs", "max_dims", max_dims, 0)
    _check_int("broadcastable_pairs", "max_side", max_side, 1)
    pair = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims, max_side=max_side)
    return pair.flatmap(lambda p: st.tuples(arrays(p.input_shapes[0], left), arrays(p.input_shapes[1], right or left)))


def matmul_pairs(max_side: int = 4, max_batch_dims: int = 2) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Operands of a @ b: matrix-matrix, matrix-vector, vector-matrix, vector-vector and batched (broadcast) cases.

    `max_batch_dims=0` leaves out the batched case (operands of at most two dimensions).
    """
    _check_int("matmul_pairs", "max_side", max_side, 1)
    _check_int("matmul_pairs", "max_batch_dims", max_batch_dims, 0)
    return _matmul_pairs(int(max_side), int(max_batch_dims))


@st.composite
def _matmul_pairs(draw: Any, max_side: int, max_batch_dims: int) -> tuple[np.ndarray, np.ndarray]:
    n, k, m = (draw(st.integers(1, max_side)) for _ in range(3))
    kind = draw(
        st.sampled_from(["mm", "mv", "vm", "vv", "batched"] if max_batch_dims > 0 else ["mm", "mv", "vm", "vv"])
    )
    if kind == "batched":
        batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=max_batch_dims, max_side=3))
        a_shape, b_shape = (*batch.input_shapes[0], n, k), (*batch.input_shapes[1], k, m)
    else:
        a_shape = (k,) if kind in ("vm", "vv") else (n, k)
        b_shape = (k,) if kind in ("mv", "vv") else (k, m)
    return draw(arrays(a_shape)), draw(arrays(b_shape))


def logits_and_targets(
    max_batch: int = 5, max_classes: int = 5, scale: float = 10.0
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(logits of shape (N, C), integer class targets of shape (N,)) for cross-entropy-like tests.

    N is 1 to `max_batch`, C is 2 to `max_classes` (so max_classes >= 2), logits lie in [-scale, scale].
    """
    _check_int("logits_and_targets", "max_batch", max_batch, 1)
    _check_int("logits_and_targets", "max_classes", max_classes, 2)
    if not (_is_number(scale) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"logits_and_targets: scale must be a finite number > 0, got {scale!r}; e.g. scale=10.0")
    return _logits_and_targets(int(max_batch), int(max_classes), float(scale))


@st.composite
def _logits_and_targets(draw: Any, max_batch: int, max_classes: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, max_batch))
    c = draw(st.integers(2, max_classes))
    logits = draw(hnp.arrays(np.float64, (n, c), elements=st.floats(-scale, scale)))
    targets = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    return logits, targets


def non_contiguous_arrays(
    shape: Shape | int | st.SearchStrategy[Shape], op: str = "any"
) -> st.SearchStrategy[np.ndarray]:
    """Arrays of `shape` that are views with unusual strides: a transpose, or every other row of a bigger array.

    The transpose is drawn only when it changes the layout (two axes longer than 1), and the rows are taken
    along an axis longer than 1, so every array is non-contiguous; one of at most one element always is
    contiguous, so such shapes give plain arrays. `shape` may be an int (a 1-d shape) or a strategy of shapes.
    """
    _check_op("non_contiguous_arrays", op)
    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(lambda s: non_contiguous_arrays(s, op))
    shape = _fixed_shape("non_contiguous_arrays", shape)
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


def arrays_with_specials(
    shape: Shape | int | st.SearchStrategy[Shape] | None = None, special_fraction: float = 0.3
) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays mixing ordinary numbers with the special ones (0, -0, +-1, +-inf, nan): for NaN/inf conventions.

    Each element is one of `SPECIAL_FLOATS` with probability about `special_fraction` (0 never, 1 always).
    Ties (equal elements) and kinks are drawn on purpose; compare against a reference such as PyTorch.
    `shape` is an int, a tuple of ints, a strategy of shapes, or None (a small shape drawn at random).
    """
    if isinstance(special_fraction, bool) or not (
        isinstance(special_fraction, (int, float, np.integer, np.floating)) and 0.0 <= special_fraction <= 1.0
    ):
        raise ValueError(
            f"arrays_with_specials: special_fraction must be a number in [0, 1], got {special_fraction!r}; "
            "e.g. special_fraction=0.3"
        )
    if shape is None:
        shape = shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)
    shape_st = _shape_strategy("arrays_with_specials", shape)
    return shape_st.flatmap(lambda s: _arrays_with_specials(s, float(special_fraction)))


@st.composite
def _arrays_with_specials(draw: Any, shape: Shape, special_fraction: float) -> np.ndarray:
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
