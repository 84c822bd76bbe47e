"""Every op's backward is differentiable: `gradgradcheck` on each scalar op, tensor primitive, composed and fused op.

The ops are listed in two tables, `SCALAR_CASES` and `TENSOR_CASES`: one `Case` per row, with the function,
a hypothesis strategy for its inputs (the package's own strategies, `microgradnn.testing.strategies`, on safe
domains away from kinks), the Function classes it exercises, and optionally the same function for PyTorch.
Adding an op means adding a row; `test_every_*_function_has_a_row` fails (naming the op) until one exists.

Each row is checked two ways:
* `gradgradcheck`: second derivatives (the backward, differentiated under ``create_graph=True``) against
  central differences of the first derivatives;
* against PyTorch's double backward (where torch is installed): d/dx (J^T u . v) for random u and v.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microgradnn.tensor as tensor_package
from microgradnn import Value, grad, gradgradcheck
from microgradnn.scalar import functions as SF
from microgradnn.scalar.value import ScalarFunction
from microgradnn.tensor import Tensor, TensorFunction, concatenate, maximum, minimum, stack, where
from microgradnn.tensor import fused as FU
from microgradnn.tensor import primitives as P
from microgradnn.testing import strategies as mst

EXAMPLES = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Case:
    """One row: `fn(*inputs)` with inputs drawn from `inputs`; `covers` names the Functions it exercises.

    `torch_fn` is the same function written for torch tensors (None: no PyTorch comparison for this row).
    """

    name: str
    fn: Callable[..., Any]
    inputs: st.SearchStrategy[list[Any]]
    covers: tuple[str, ...]
    torch_fn: Callable[..., Any] | None = None


# ------------------------------------------------------------- strategies
def floats(low: float, high: float, avoid: Sequence[float] = (), margin: float = 0.05) -> st.SearchStrategy[float]:
    """Floats in [low, high], `margin` away from each point of `avoid` (kinks; finite differences straddle them)."""
    base = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return base.filter(lambda x: all(abs(x - p) >= margin for p in avoid))


def values(*domains: st.SearchStrategy[float]) -> st.SearchStrategy[list[Value]]:
    """A list of leaf Values, one per strategy of floats."""
    return st.tuples(*domains).map(lambda xs: [Value(x) for x in xs])


def tensors(*arrays: st.SearchStrategy[np.ndarray]) -> st.SearchStrategy[list[Tensor]]:
    """A list of float64 leaf Tensors requiring grad, one per strategy of arrays."""
    return st.tuples(*arrays).map(lambda xs: [Tensor(a, requires_grad=True) for a in xs])


SMALL = mst.shapes(min_dims=0, max_dims=2, max_side=3)
MATRIX = mst.shapes(min_dims=2, max_dims=2, max_side=3)


def arr(op: str = "any", shape: Any = SMALL, **kw: Any) -> st.SearchStrategy[np.ndarray]:
    return mst.arrays(shape, op, **kw)


def bounded(low: float, high: float, shape: Any = SMALL, avoid: Sequence[float] = ()) -> st.SearchStrategy[np.ndarray]:
    """Arrays with elements in [low, high] (narrower than a safe domain where derivatives grow fast)."""
    shape_st = shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape))
    return shape_st.flatmap(lambda s: hnp.arrays(np.float64, s, elements=floats(low, high, avoid)))


def pair(left: str = "any", right: str | None = None) -> st.SearchStrategy[list[Tensor]]:
    """Two Tensors whose shapes broadcast together."""
    return mst.broadcastable_pairs(left, right, max_dims=2, max_side=3).map(
        lambda ab: [Tensor(ab[0], requires_grad=True), Tensor(ab[1], requires_grad=True)]
    )


def bounded_pair(
    left: tuple[float, float], right: tuple[float, float], avoid_right: Sequence[float] = ()
) -> st.SearchStrategy[list[Tensor]]:
    """Two Tensors whose shapes broadcast together, with elements in the given [low, high] ranges."""
    shapes = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
    return shapes.flatmap(
        lambda p: tensors(
            bounded(*left, shape=p.input_shapes[0]), bounded(*right, shape=p.input_shapes[1], avoid=avoid_right)
        )
    )


def _torch() -> Any:
    import torch

    return torch


# ----------------------------------------------------------- scalar table
ANY = floats(-3.0, 3.0)
POSITIVE = floats(0.3, 5.0)
AWAY_FROM_0 = floats(-3.0, 3.0, avoid=(0.0,), margin=0.3)

SCALAR_CASES = [
    Case("a + b", lambda a, b: (a + b) * (a + b), values(ANY, ANY), ("Add", "Mul"), lambda a, b: (a + b) * (a + b)),
    Case("a - b", lambda a, b: (a - b) * a, values(ANY, ANY), ("Sub",), lambda a, b: (a - b) * a),
    Case("a * b", lambda a, b: a * b, values(ANY, ANY), ("Mul",), lambda a, b: a * b),
    Case("a * a", lambda a: a * a * a, values(ANY), ("Mul",), lambda a: a * a * a),
    Case("a / b", lambda a, b: a / b, values(ANY, AWAY_FROM_0), ("Div",), lambda a, b: a / b),
    Case("-a", lambda a: -(a * a), values(ANY), ("Neg",), lambda a: -(a * a)),
    Case("a ** 3", lambda a: a**3, values(ANY), ("PowConstExponent",), lambda a: a**3),
    Case("a ** -1.5", lambda a: a**-1.5, values(POSITIVE), ("PowConstExponent",), lambda a: a**-1.5),
    Case("a ** 0", lambda a: a**0 * a, values(ANY), ("PowConstExponent",), lambda a: a**0 * a),
    Case("2 ** a", lambda a: 2.0**a, values(ANY), ("PowConstBase",), lambda a: 2.0**a),
    Case("a ** b", lambda a, b: a**b, values(floats(0.5, 3.0), AWAY_FROM_0), ("Pow",), lambda a, b: a**b),
    Case("exp", lambda a: a.exp(), values(ANY), ("Exp",), lambda a: a.exp()),
    Case("log", lambda a: a.log(), values(POSITIVE), ("Log",), lambda a: a.log()),
    Case("sqrt", lambda a: a.sqrt(), values(POSITIVE), ("Sqrt",), lambda a: a.sqrt()),
    Case("tanh", lambda a: a.tanh(), values(ANY), ("Tanh",), lambda a: a.tanh()),
    Case("sigmoid", lambda a: a.sigmoid(), values(floats(-6.0, 6.0)), ("Sigmoid",), lambda a: a.sigmoid()),
    # Piecewise linear ops have f'' = 0 away from their kinks; multiplied by a, the mixed term shows f'.
    Case("relu", lambda a: a.relu() * a, values(AWAY_FROM_0), ("Relu",), lambda a: a.relu() * a),
    Case(
        "leaky_relu",
        lambda a: a.leaky_relu(0.1) * a,
        values(AWAY_FROM_0),
        ("LeakyRelu",),
        lambda a: _torch().nn.functional.leaky_relu(a, 0.1) * a,
    ),
    Case("abs", lambda a: abs(a) * a, values(AWAY_FROM_0), ("Abs",), lambda a: a.abs() * a),
    Case(
        "step",
        lambda a: a.step() * a,
        values(AWAY_FROM_0),
        ("Step",),
        lambda a: _torch().where(a >= 0, 1.0, 0.0).to(a.dtype) * a,
    ),
    Case(
        "binary_cross_entropy",
        lambda p: SF.BinaryCrossEntropy.apply(p, target=0.3),
        values(floats(0.05, 0.95)),
        ("BinaryCrossEntropy",),
        lambda p: _torch().nn.functional.binary_cross_entropy(p, _torch().full_like(p, 0.3)),
    ),
    Case(
        "sum",
        lambda a, b, c: Value.sum([a * b, b, c * c]),
        values(ANY, ANY, ANY),
        ("Sum",),
        lambda a, b, c: a * b + b + c * c,
    ),
    Case(
        "dot",
        lambda a, b, c, d: Value.dot([a, b], [c, a * d], bias=d * b),
        values(ANY, ANY, ANY, ANY),
        ("Dot",),
        lambda a, b, c, d: a * c + b * a * d + d * b,
    ),
    Case(
        "neuron",
        lambda w, x, b: Value.dot([w], [x], bias=b).tanh() ** 2,
        values(ANY, ANY, ANY),
        ("Dot", "Tanh", "PowConstExponent"),
        lambda w, x, b: (w * x + b).tanh() ** 2,
    ),
]


# ----------------------------------------------------------- tensor table
def _index_repeat(x: Tensor) -> Tensor:
    return x[[0, 0, 1]] * x[[1, 0, 0]]


def _mask(x: Any) -> np.ndarray:
    """A fixed boolean mask of x's shape (a constant of the op, as where's condition is)."""
    return (np.arange(x.data.size if isinstance(x, Tensor) else x.numel()) % 2 == 0).reshape(tuple(x.shape))


def _where(a: Tensor, b: Tensor) -> Tensor:
    return where(_mask(a), a * b, b * b)


def _torch_where(a: Any, b: Any) -> Any:
    return _torch().where(_torch().from_numpy(_mask(a)), a * b, b * b)


def _index_add(g: Tensor) -> Tensor:
    out = P.IndexAdd.apply(g, shape=(2, 2), key=np.array([0, 1, 0]), may_repeat=True)
    return out * out


def _cross_entropy(reduction: str) -> Callable[..., Any]:
    def fn(x: Tensor) -> Tensor:
        return FU.CrossEntropy.apply(x, targets=np.arange(x.shape[0]) % x.shape[1], reduction=reduction)

    return fn


def _torch_cross_entropy(reduction: str) -> Callable[..., Any]:
    def fn(x: Any) -> Any:
        t = _torch().arange(x.shape[0]) % x.shape[1]
        return _torch().nn.functional.cross_entropy(x, t, reduction=reduction)

    return fn


LOGITS = bounded(-3.0, 3.0, mst.shapes(min_dims=2, max_dims=2, min_side=2, max_side=3))
# Probabilities away from 0 and 1 (where the slope is floored) and targets in [0, 1], of one shape.
BCE_INPUTS = SMALL.flatmap(lambda s: tensors(bounded(0.1, 0.9, shape=s), bounded(0.0, 1.0, shape=s)))
GAPPED = arr("any", SMALL, min_gap=0.2)

TENSOR_CASES = [
    Case("add", lambda a, b: (a + b) * (a + b), pair(), ("Add", "Mul"), lambda a, b: (a + b) * (a + b)),
    Case("sub", lambda a, b: (a - b) * a, pair(), ("Sub",), lambda a, b: (a - b) * a),
    Case("mul", lambda a, b: a * b * a, pair(), ("Mul",), lambda a, b: a * b * a),
    Case("div", lambda a, b: a / b, pair("any", "/"), ("Div",), lambda a, b: a / b),
    Case("neg", lambda a: -(a * a), tensors(arr()), ("Neg",), lambda a: -(a * a)),
    Case("pow const", lambda a: a**3, tensors(bounded(-2, 2)), ("PowConst",), lambda a: a**3),
    Case("pow const 0", lambda a: a**0 * a, tensors(arr()), ("PowConst",), lambda a: a**0 * a),
    Case(
        "pow", lambda a, p: a**p, bounded_pair((0.5, 3.0), (-2.0, 2.0), avoid_right=(0.0,)), ("Pow",), lambda a, p: a**p
    ),
    Case(
        "pow broadcast",
        lambda a, p: a**p,
        tensors(bounded(0.5, 3.0, shape=(2, 3)), bounded(-2, 2, shape=(3,), avoid=(0.0,))),
        ("Pow",),
        lambda a, p: a**p,
    ),
    Case("exp", lambda a: a.exp(), tensors(bounded(-3, 3)), ("Exp",), lambda a: a.exp()),
    Case("log", lambda a: a.log(), tensors(bounded(0.3, 5)), ("Log",), lambda a: a.log()),
    Case("sqrt", lambda a: a.sqrt(), tensors(bounded(0.3, 5)), ("Sqrt",), lambda a: a.sqrt()),
    Case("tanh", lambda a: a.tanh(), tensors(arr("tanh")), ("Tanh",), lambda a: a.tanh()),
    Case("sigmoid", lambda a: a.sigmoid(), tensors(bounded(-6, 6)), ("Sigmoid",), lambda a: a.sigmoid()),
    Case("relu", lambda a: a.relu() * a, tensors(arr("relu")), ("Relu",), lambda a: a.relu() * a),
    Case(
        "leaky_relu",
        lambda a: a.leaky_relu(0.1) * a,
        tensors(arr("leaky_relu")),
        ("LeakyRelu",),
        lambda a: _torch().nn.functional.leaky_relu(a, 0.1) * a,
    ),
    Case("abs", lambda a: a.abs() * a, tensors(arr("abs")), ("Abs",), lambda a: a.abs() * a),
    Case(
        "step",
        lambda a: a.step() * a,
        tensors(arr("step")),
        ("Step",),
        lambda a: _torch().where(a >= 0, 1.0, 0.0).to(a.dtype) * a,
    ),
    Case("clip", lambda a: a.clip(-1, 1) * a, tensors(arr("clip")), ("Clip",), lambda a: a.clamp(-1, 1) * a),
    Case("astype", lambda a: a.astype(np.float64) * a, tensors(arr()), ("Astype",), lambda a: a.double() * a),
    Case("sum", lambda a: a.sum() * a.sum(), tensors(arr()), ("Sum",), lambda a: a.sum() * a.sum()),
    Case(
        "sum axis",
        lambda a: (a * a).sum(axis=-1, keepdims=True) * a,
        tensors(arr(shape=MATRIX)),
        ("Sum",),
        lambda a: (a * a).sum(dim=-1, keepdim=True) * a,
    ),
    Case(
        "mean",
        lambda a: (a * a).mean(axis=0) ** 2,
        tensors(arr(shape=MATRIX)),
        ("Mean",),
        lambda a: (a * a).mean(dim=0) ** 2,
    ),
    Case("max", lambda a: a.max() * a, tensors(GAPPED), ("Extreme",), lambda a: a.amax() * a),
    Case(
        "min axis",
        lambda a: a.min(axis=0) ** 2,
        tensors(arr(shape=MATRIX, min_gap=0.2)),
        ("Extreme",),
        lambda a: a.amin(dim=0) ** 2,
    ),
    Case(
        "logsumexp",
        lambda a: a.logsumexp(axis=-1) * a.sum(),
        tensors(arr(shape=MATRIX)),
        ("LogSumExp",),
        lambda a: a.logsumexp(dim=-1) * a.sum(),
    ),
    Case("softmax", lambda a: a.softmax(axis=-1), tensors(LOGITS), ("Softmax",), lambda a: a.softmax(dim=-1)),
    Case(
        "log_softmax",
        lambda a: a.log_softmax(axis=-1),
        tensors(LOGITS),
        ("LogSoftmax",),
        lambda a: a.log_softmax(dim=-1),
    ),
    Case(
        "matmul",
        lambda a, b: a @ b,
        mst.matmul_pairs(max_side=3, max_batch_dims=1).map(
            lambda ab: [Tensor(ab[0], requires_grad=True), Tensor(ab[1], requires_grad=True)]
        ),
        ("MatMul",),
        lambda a, b: a @ b,
    ),
    Case(
        "matmul transposed",
        lambda x, w: (x @ w.T) ** 2,
        tensors(arr(shape=(2, 3)), arr(shape=(2, 3))),
        ("MatMul", "Permute"),
        lambda x, w: (x @ w.T) ** 2,
    ),
    Case(
        "reshape",
        lambda a: a.reshape(-1) * a.reshape(-1)[::-1],
        tensors(arr(shape=MATRIX)),
        ("Reshape", "Index"),
        lambda a: a.reshape(-1) * a.reshape(-1).flip(0),
    ),
    Case(
        "permute",
        lambda a: a.transpose() * a.transpose(),
        tensors(arr(shape=MATRIX)),
        ("Permute",),
        lambda a: a.T * a.T,
    ),
    Case(
        "broadcast_to",
        lambda a: a.broadcast_to((2, *a.shape)) ** 2,
        tensors(arr()),
        ("BroadcastTo",),
        lambda a: a.broadcast_to((2, *a.shape)) ** 2,
    ),
    Case("index", _index_repeat, tensors(arr(shape=(3, 2))), ("Index",), _index_repeat),
    Case("index_add", _index_add, tensors(arr(shape=(3, 2))), ("IndexAdd",)),
    Case(
        "where",
        _where,
        st.builds(
            lambda a, b: [Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)],
            arr(shape=(2, 3)),
            arr(shape=(2, 3)),
        ),
        ("Where",),
        _torch_where,
    ),
    Case(
        "maximum",
        lambda a, b: maximum(a, b) * a,
        tensors(arr(shape=(2, 3), min_gap=0.2), arr(shape=(2, 3), min_gap=0.2)).filter(
            lambda ab: bool((np.abs(ab[0].data - ab[1].data) > 0.05).all())
        ),
        ("Maximum",),
        lambda a, b: _torch().maximum(a, b) * a,
    ),
    Case(
        "minimum",
        lambda a, b: minimum(a, b) ** 2,
        tensors(arr(shape=(3,), min_gap=0.2), arr(shape=(3,), min_gap=0.2)).filter(
            lambda ab: bool((np.abs(ab[0].data - ab[1].data) > 0.05).all())
        ),
        ("Maximum",),
        lambda a, b: _torch().minimum(a, b) ** 2,
    ),
    Case(
        "concatenate",
        lambda a, b: concatenate([a, b * a], axis=0) ** 2,
        tensors(arr(shape=(2, 2)), arr(shape=(2, 2))),
        ("Concatenate",),
        lambda a, b: _torch().cat([a, b * a], dim=0) ** 2,
    ),
    Case(
        "stack",
        lambda a, b: stack([a * b, b], axis=1) ** 2,
        tensors(arr(shape=(3,)), arr(shape=(3,))),
        ("Stack",),
        lambda a, b: _torch().stack([a * b, b], dim=1) ** 2,
    ),
    # composed ops: gradients of their primitives, differentiated again
    Case(
        "var",
        lambda a: a.var(axis=-1, ddof=1),
        tensors(arr(shape=MATRIX).filter(lambda x: x.shape[-1] > 1)),
        ("Var",),
        lambda a: a.var(dim=-1, correction=1),
    ),
    Case(
        "flatten squeeze unsqueeze",
        lambda a: a.unsqueeze(0).flatten().squeeze() ** 3,
        tensors(bounded(-2, 2, shape=(2, 1))),
        ("Reshape", "PowConst"),
        lambda a: a.unsqueeze(0).flatten().squeeze() ** 3,
    ),
    Case(
        "numpy functions",
        lambda a: np.sum(np.exp(a) * np.tanh(a)),
        tensors(bounded(-2, 2)),
        ("Exp", "Tanh", "Sum"),
        lambda a: (a.exp() * a.tanh()).sum(),
    ),
    # fused nodes
    Case(
        "linear",
        lambda x, w, b: FU.linear(x, w, b).tanh(),
        tensors(arr(shape=(2, 3)), arr(shape=(2, 3)), arr(shape=(2,))),
        ("Linear",),
        lambda x, w, b: _torch().nn.functional.linear(x, w, b).tanh(),
    ),
    Case(
        "linear batched, no bias",
        lambda x, w: FU.linear(x, w) ** 2,
        tensors(arr(shape=(2, 2, 3)), arr(shape=(2, 3))),
        ("Linear",),
        lambda x, w: _torch().nn.functional.linear(x, w) ** 2,
    ),
    Case(
        "cross_entropy mean", _cross_entropy("mean"), tensors(LOGITS), ("CrossEntropy",), _torch_cross_entropy("mean")
    ),
    Case("cross_entropy sum", _cross_entropy("sum"), tensors(LOGITS), ("CrossEntropy",), _torch_cross_entropy("sum")),
    Case(
        "binary_cross_entropy",
        lambda p, y: FU.BinaryCrossEntropy.apply(p, y),
        BCE_INPUTS,
        ("BinaryCrossEntropy",),
        lambda p, y: _torch().nn.functional.binary_cross_entropy(p, y, reduction="none"),
    ),
    Case(
        "cross_entropy none", _cross_entropy("none"), tensors(LOGITS), ("CrossEntropy",), _torch_cross_entropy("none")
    ),
]

# ------------------------------------------- the op modules added by the tensor-ops work
from microgradnn.tensor import activations as ACT  # noqa: E402
from microgradnn.tensor import conv as CONV  # noqa: E402
from microgradnn.tensor import elementwise as EL  # noqa: E402
from microgradnn.tensor import indexing as IDX  # noqa: E402
from microgradnn.tensor import pooling as POOL  # noqa: E402
from microgradnn.tensor import reductions as RED  # noqa: E402

EIN = importlib.import_module("microgradnn.tensor.einsum")  # the package exports a function of that name


def unary(
    name: str, fn: Callable[[Tensor], Tensor], covers: str, low: float, high: float, torch_fn: Any = None, **kw: Any
) -> Case:
    """A row for an elementwise op on one tensor with elements in [low, high] (away from `avoid`, if given)."""
    return Case(name, fn, tensors(bounded(low, high, **kw)), (covers,), torch_fn)


def _t(name: str) -> Callable[..., Any]:
    """torch.<name>, looked up when the comparison runs (torch is optional)."""
    return lambda *args, **kw: getattr(_torch(), name)(*args, **kw)


def _tf(name: str) -> Callable[..., Any]:
    """torch.nn.functional.<name>, looked up when the comparison runs."""
    return lambda *args, **kw: getattr(_torch().nn.functional, name)(*args, **kw)


IMAGE = (1, 1, 3, 3)
_INDEX = np.array([[0, 2], [1, 0]])

NEW_OP_CASES = [
    unary("sin", EL.sin, "Sin", -3, 3, _t("sin")),
    unary("cos", EL.cos, "Cos", -3, 3, _t("cos")),
    unary("tan", EL.tan, "Tan", -1.2, 1.2, _t("tan")),
    unary("asin", EL.asin, "Asin", -0.8, 0.8, _t("asin")),
    unary("acos", EL.acos, "Acos", -0.8, 0.8, _t("acos")),
    unary("atan", EL.atan, "Atan", -3, 3, _t("atan")),
    unary("sinh", EL.sinh, "Sinh", -2, 2, _t("sinh")),
    unary("cosh", EL.cosh, "Cosh", -2, 2, _t("cosh")),
    unary("asinh", EL.asinh, "Asinh", -3, 3, _t("asinh")),
    unary("acosh", EL.acosh, "Acosh", 1.2, 3, _t("acosh")),
    unary("atanh", EL.atanh, "Atanh", -0.8, 0.8, _t("atanh")),
    unary("erf", EL.erf, "Erf", -2, 2, _t("erf")),
    unary("log1p", EL.log1p, "Log1p", -0.7, 3, _t("log1p")),
    unary("expm1", EL.expm1, "Expm1", -3, 3, _t("expm1")),
    unary("clone", lambda x: EL.clone(x) * x, "Clone", -2, 2, lambda x: x.clone() * x),
    Case("logaddexp", EL.logaddexp, pair(), ("LogAddExp",), _t("logaddexp")),
    Case(
        "remainder",
        lambda a, b: EL.remainder(a, b) * a,
        bounded_pair((1.3, 1.7), (0.9, 1.1)),
        ("Remainder",),
        lambda a, b: _torch().remainder(a, b) * a,
    ),
    Case(
        "fmod",
        lambda a, b: EL.fmod(a, b) * b,
        bounded_pair((1.3, 1.7), (0.9, 1.1)),
        ("Fmod",),
        lambda a, b: _torch().fmod(a, b) * b,
    ),
    unary("gelu", ACT.gelu, "Gelu", -3, 3, _tf("gelu")),
    unary(
        "gelu tanh",
        lambda x: ACT.gelu(x, approximate="tanh"),
        "Gelu",
        -3,
        3,
        lambda x: _torch().nn.functional.gelu(x, approximate="tanh"),
    ),
    unary("elu", ACT.elu, "Elu", -3, 3, _tf("elu"), avoid=(0.0,)),
    unary(
        "hardtanh",
        lambda x: ACT.hardtanh(x) * x,
        "Hardtanh",
        -2,
        2,
        lambda x: _tf("hardtanh")(x) * x,
        avoid=(-1.0, 1.0),
    ),
    unary(
        "hardsigmoid",
        lambda x: ACT.hardsigmoid(x) * x,
        "Hardsigmoid",
        -4,
        4,
        None,  # PyTorch has no double backward for hardsigmoid
        avoid=(-3.0, 3.0),
    ),
    unary("hardswish", ACT.hardswish, "Hardswish", -4, 4, _tf("hardswish"), avoid=(-3.0, 3.0)),
    unary("softplus", ACT.softplus, "Softplus", -5, 5, _tf("softplus")),
    unary("logsigmoid", ACT.logsigmoid, "LogSigmoid", -5, 5, _tf("logsigmoid")),
    Case(
        "std",
        lambda x: RED.std(x, axis=-1),
        tensors(arr(shape=(2, 3), min_gap=0.2)),
        ("StdSqrt",),
        lambda x: x.std(dim=-1, correction=0),
    ),
    Case(
        "prod",
        lambda x: RED.prod(x, axis=0),
        tensors(
            bounded(
                -2,
                2,
                shape=(3, 2),
                avoid=(0.0,),
            )
        ),
        ("Prod",),
        lambda x: x.prod(dim=0),
    ),
    Case(
        "norm",
        lambda x: RED.norm(x),
        tensors(bounded(0.3, 2, shape=(2, 3))),
        ("Norm",),
        lambda x: _torch().linalg.vector_norm(x),
    ),
    Case(
        "norm p=3 axis",
        lambda x: RED.norm(x, p=3, axis=1),
        tensors(bounded(0.3, 2, shape=(2, 3))),
        ("Norm",),
        lambda x: _torch().linalg.vector_norm(x, ord=3, dim=1),
    ),
    Case(
        "cumsum",
        lambda x: RED.cumsum(x, dim=0) ** 2,
        tensors(arr(shape=(3, 2))),
        ("Cumsum",),
        lambda x: x.cumsum(dim=0) ** 2,
    ),
    Case(
        "cumprod",
        lambda x: RED.cumprod(x, dim=0),
        tensors(bounded(0.3, 2, shape=(3, 2))),
        ("Cumprod",),
        lambda x: x.cumprod(dim=0),
    ),
    Case(
        "logcumsumexp",
        lambda x: RED.logcumsumexp(x, dim=1),
        tensors(arr(shape=(2, 3))),
        ("LogCumSumExp",),
        lambda x: x.logcumsumexp(dim=1),
    ),
    Case(
        "pad",
        lambda x: IDX.pad(x, (1, 2)) ** 2,
        tensors(arr(shape=(2, 2))),
        ("Pad",),
        lambda x: _tf("pad")(x, (1, 2)) ** 2,
    ),
    Case(
        "gather",
        lambda x: IDX.gather(x, 1, _INDEX) ** 2,
        tensors(arr(shape=(2, 3))),
        ("Index", "IndexAdd"),
        lambda x: x.gather(1, _torch().from_numpy(_INDEX)) ** 2,
    ),
    Case(
        "scatter",
        lambda x, src: IDX.scatter(x, 1, _INDEX, src) ** 2,
        tensors(arr(shape=(2, 3)), arr(shape=(2, 2))),
        ("Scatter",),
        lambda x, src: x.scatter(1, _torch().from_numpy(_INDEX), src) ** 2,
    ),
    Case(
        "scatter_reduce sum",
        lambda x, src: IDX.scatter_reduce(x, 1, np.array([[0, 0], [1, 1]]), src, "sum") ** 2,
        tensors(arr(shape=(2, 3)), arr(shape=(2, 2))),
        ("ScatterReduce",),
        lambda x, src: x.scatter_reduce(1, _torch().tensor([[0, 0], [1, 1]]), src, "sum") ** 2,
    ),
    Case(
        "conv2d",
        lambda x, w, b: CONV.conv2d(x, w, b, padding=1).tanh(),
        tensors(arr(shape=IMAGE), arr(shape=(2, 1, 2, 2)), arr(shape=(2,))),
        ("Conv2d", "ConvTranspose2d", "Conv2dWeightGrad"),
        lambda x, w, b: _tf("conv2d")(x, w, b, padding=1).tanh(),
    ),
    Case(
        "conv_transpose2d",
        lambda x, w: CONV.conv_transpose2d(x, w, stride=2) ** 2,
        tensors(arr(shape=(1, 1, 2, 2)), arr(shape=(1, 2, 2, 2))),
        ("ConvTranspose2d", "Conv2d", "Conv2dWeightGrad"),
        lambda x, w: _tf("conv_transpose2d")(x, w, stride=2) ** 2,
    ),
    Case(
        "unfold",
        lambda x: CONV.unfold(x, 2) ** 2,
        tensors(arr(shape=IMAGE)),
        ("Unfold", "Fold"),
        lambda x: _tf("unfold")(x, 2) ** 2,
    ),
    Case(
        "fold",
        lambda x: CONV.fold(x, (3, 3), 2) ** 2,
        tensors(arr(shape=(1, 4, 4))),
        ("Fold", "Unfold"),
        lambda x: _tf("fold")(x, (3, 3), 2) ** 2,
    ),
    Case(
        "max_pool2d",
        lambda x: POOL.max_pool2d(x, 2, stride=1) ** 2,
        tensors(arr(shape=IMAGE, min_gap=0.2)),
        ("MaxPool2d",),
        lambda x: _tf("max_pool2d")(x, 2, stride=1) ** 2,
    ),
    Case(
        "avg_pool2d",
        lambda x: POOL.avg_pool2d(x, 2, stride=1) ** 2,
        tensors(arr(shape=IMAGE)),
        ("AvgPool2d", "AvgPool2dAdjoint"),
        lambda x: _tf("avg_pool2d")(x, 2, stride=1) ** 2,
    ),
    Case(
        "adaptive_avg_pool2d",
        lambda x: POOL.adaptive_avg_pool2d(x, (2, 2)) ** 2,
        tensors(arr(shape=IMAGE)),
        ("AdaptiveAvgPool2d",),
        lambda x: _tf("adaptive_avg_pool2d")(x, (2, 2)) ** 2,
    ),
    Case(
        "interpolate bilinear",
        lambda x: POOL.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False) ** 2,
        tensors(arr(shape=(1, 1, 2, 2))),
        ("Interpolate", "InterpolateAdjoint"),
        lambda x: _tf("interpolate")(x, size=(4, 4), mode="bilinear", align_corners=False) ** 2,
    ),
    Case(
        "einsum",
        lambda a, b: EIN.einsum("ij,jk->ik", a, b) ** 2,
        tensors(arr(shape=(2, 3)), arr(shape=(3, 2))),
        ("Einsum",),
        lambda a, b: _torch().einsum("ij,jk->ik", a, b) ** 2,
    ),
    Case(
        "einsum trace-like",
        lambda a: EIN.einsum("ii,ij->j", a, a),
        tensors(arr(shape=(2, 2))),
        ("Einsum",),
        lambda a: _torch().einsum("ii,ij->j", a, a),
    ),
]
TENSOR_CASES += NEW_OP_CASES

# Every module of microgradnn.tensor is searched for TensorFunctions: each must have a row (new modules too).
TENSOR_MODULES = sorted(f"microgradnn.tensor.{m.name}" for m in pkgutil.iter_modules(tensor_package.__path__))


def _ids(cases: Sequence[Case]) -> list[str]:
    return [c.name for c in cases]


# ------------------------------------------------------------------ coverage
def test_every_scalar_function_has_a_row() -> None:
    defined = {name for name, obj in vars(SF).items() if inspect.isclass(obj) and issubclass(obj, ScalarFunction)} - {
        "ScalarFunction"
    }
    covered = {name for case in SCALAR_CASES for name in case.covers}
    missing = sorted(defined - covered)
    assert not missing, f"scalar ops without a second-derivative row: {missing}; add a Case to SCALAR_CASES"


def _tensor_functions() -> set[str]:
    found = set()
    for module_name in TENSOR_MODULES:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, TensorFunction)
                and obj is not TensorFunction
                and obj.__module__ == module_name
            ):
                found.add(name)
    return found


def test_every_tensor_function_has_a_row() -> None:
    covered = {name for case in TENSOR_CASES for name in case.covers}
    missing = sorted(_tensor_functions() - covered)
    assert not missing, f"tensor ops without a second-derivative row: {missing}; add a Case to TENSOR_CASES"


def test_the_coverage_check_sees_a_missing_row() -> None:
    """The check above can fail: drop the Tanh row and Tanh is reported."""
    covered = {name for case in TENSOR_CASES if "Tanh" not in case.covers for name in case.covers}
    assert "Tanh" in _tensor_functions() - covered


# ---------------------------------------------------------- gradgradcheck
@pytest.mark.parametrize("case", SCALAR_CASES, ids=_ids(SCALAR_CASES))
@EXAMPLES
@given(data=st.data())
def test_scalar_op_second_derivatives(case: Case, data: st.DataObject) -> None:
    inputs = data.draw(case.inputs)
    gradgradcheck(case.fn, inputs)


@pytest.mark.parametrize("case", TENSOR_CASES, ids=_ids(TENSOR_CASES))
@EXAMPLES
@given(data=st.data())
def test_tensor_op_second_derivatives(case: Case, data: st.DataObject) -> None:
    inputs = data.draw(case.inputs)
    gradgradcheck(case.fn, inputs)


# ------------------------------------------------------ create_graph itself
@given(x=mst.safe_floats("tanh"))
@example(x=0.0)
@EXAMPLES
def test_value_create_graph_gives_values_and_plain_backward_gives_floats(x: float) -> None:
    v = Value(x)
    v.tanh().backward()
    assert type(v.grad) is float
    w = Value(x)
    w.tanh().backward(create_graph=True)
    assert isinstance(w.grad, Value)
    g = w.grad
    w.zero_grad()
    g.backward()
    t = np.tanh(x)
    assert w.grad == pytest.approx(-2 * t * (1 - t * t), abs=1e-12)  # d2/dx2 tanh = -2 tanh (1 - tanh^2)


@given(a=mst.arrays(mst.shapes(min_dims=1, max_dims=2, max_side=3), "tanh"))
@EXAMPLES
def test_tensor_create_graph_gives_tensors_and_plain_backward_gives_arrays(a: np.ndarray) -> None:
    x = Tensor(a, requires_grad=True)
    x.tanh().sum().backward()
    assert type(x.grad) is np.ndarray
    y = Tensor(a, requires_grad=True)
    y.tanh().sum().backward(create_graph=True)
    assert isinstance(y.grad, Tensor) and y.grad.shape == a.shape
    g = y.grad
    y.zero_grad()
    g.sum().backward()
    t = np.tanh(a)
    np.testing.assert_allclose(y.grad, -2 * t * (1 - t * t), atol=1e-12)


def test_create_graph_second_derivative_of_a_shared_float_goes_to_the_right_input() -> None:
    """Value(2.0) / Value(2.0) share one float object: the saved denominator must map to b, not a."""
    a, b = Value(2.0), Value(2.0)
    assert a.data is b.data  # one constant of this function's code
    (gb,) = grad(a / b, b, create_graph=True)
    d2_db2, d2_dadb = grad(gb, [b, a])
    assert d2_db2 == pytest.approx(2 * 2.0 / 2.0**3) and d2_dadb == pytest.approx(-1 / 2.0**2)


def test_create_graph_with_tensors_sharing_one_array() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(x.data, requires_grad=True, copy=False)  # the same array, another leaf
    (gy,) = grad((x / y).sum(), y, create_graph=True)
    d2 = grad(gy.sum(), [y, x])
    np.testing.assert_allclose(d2[0], 2 * x.data / y.data**3)
    np.testing.assert_allclose(d2[1], -1 / y.data**2)


@pytest.mark.parametrize("kind", ["value", "tensor"])
def test_pow_mixed_second_derivative_at_exponent_0(kind: str) -> None:
    """d2(a^p)/(da dp) = a^(p-1) (1 + p ln a) = 1/a at p = 0 (PyTorch's double backward says 0 there).

    The rows above keep p away from 0 so that they can be compared with PyTorch; this pins p = 0 itself.
    """
    if kind == "value":
        a, p = Value(2.0), Value(0.0)
    else:
        a, p = Tensor(np.array([2.0, 0.5]), requires_grad=True), Tensor(np.array(0.0), requires_grad=True)
    gradgradcheck(lambda a, p: a**p, [a, p])
    (da,) = grad((a**p).sum() if kind == "tensor" else a**p, a, create_graph=True)
    (mixed,) = grad(da.sum() if kind == "tensor" else da, p)
    assert np.allclose(mixed, np.sum(1 / np.asarray(a.data)))


def test_third_derivative() -> None:
    x = Value(0.7)
    (g1,) = grad(x**4, x, create_graph=True)
    (g2,) = grad(g1, x, create_graph=True)
    (g3,) = grad(g2, x)
    assert (g1.data, g2.data, g3) == pytest.approx((4 * 0.7**3, 12 * 0.7**2, 24 * 0.7))


# ---------------------------------------------------------------- PyTorch
def _torch_double_backward(case: Case, inputs: list[Any], u: list[np.ndarray], v: list[np.ndarray]) -> list[Any]:
    torch = pytest.importorskip("torch")
    xs = [torch.tensor(np.asarray(x.data, dtype=np.float64), requires_grad=True) for x in inputs]
    outs = case.torch_fn(*xs)
    outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    us = [torch.tensor(a) for a in u]
    gs = torch.autograd.grad(outs, xs, us, create_graph=True, allow_unused=True)
    live = [(g, torch.tensor(b)) for g, b in zip(gs, v) if g is not None and g.requires_grad]
    if not live:
        return [np.zeros(np.shape(x.data)) for x in inputs]
    second = torch.autograd.grad([g for g, _ in live], xs, [b for _, b in live], allow_unused=True)
    return [np.zeros(np.shape(x.data)) if s is None else s.detach().numpy() for s, x in zip(second, inputs)]


def _ours_double_backward(case: Case, inputs: list[Any], u: list[np.ndarray], v: list[np.ndarray]) -> list[Any]:
    outs = case.fn(*inputs)
    outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    seeds = [float(a) if isinstance(o, Value) else a for o, a in zip(outs, u)]
    gs = grad(outs, inputs, seeds, create_graph=True, allow_unused=True)
    live = [(g, b) for g, b in zip(gs, v) if g is not None and getattr(g, "requires_grad", True)]
    live = [(g, float(b) if isinstance(g, Value) else b) for g, b in live]
    if not live:
        return [np.zeros(np.shape(x.data)) for x in inputs]
    second = grad([g for g, _ in live], inputs, [b for _, b in live], allow_unused=True)
    return [
        np.zeros(np.shape(x.data)) if s is None else np.asarray(s, dtype=np.float64) for s, x in zip(second, inputs)
    ]


def _compare_with_torch(case: Case, data: st.DataObject) -> None:
    inputs = data.draw(case.inputs)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    probe = case.fn(*inputs)
    probe = list(probe) if isinstance(probe, (list, tuple)) else [probe]
    u = [rng.standard_normal(np.shape(o.data)) for o in probe]
    v = [rng.standard_normal(np.shape(x.data)) for x in inputs]
    ours = _ours_double_backward(case, inputs, u, v)
    theirs = _torch_double_backward(case, inputs, u, v)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9, err_msg=f"{case.name}: input {i}")


TORCH_SCALAR = [c for c in SCALAR_CASES if c.torch_fn is not None]
TORCH_TENSOR = [c for c in TENSOR_CASES if c.torch_fn is not None]


@pytest.mark.parametrize("case", TORCH_SCALAR, ids=_ids(TORCH_SCALAR))
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_scalar_double_backward_matches_pytorch(case: Case, data: st.DataObject) -> None:
    pytest.importorskip("torch")
    _compare_with_torch(case, data)


@pytest.mark.parametrize("case", TORCH_TENSOR, ids=_ids(TORCH_TENSOR))
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_tensor_double_backward_matches_pytorch(case: Case, data: st.DataObject) -> None:
    pytest.importorskip("torch")
    _compare_with_torch(case, data)


# ------------------------------------------------- saved values map to the right node
def _sharing(inputs: list[Any]) -> tuple[list[Any], list[Any]] | None:
    """Two versions of `inputs` where a later input has the same numbers as an earlier one: sharing its very
    float or array (as ``Value(v.data)`` or ``Tensor(t.data, copy=False)`` do), and holding a copy."""
    for j in range(1, len(inputs)):
        for i in range(j):
            a = inputs[i]
            if isinstance(a, Value):
                shared, copied = Value(a.data), Value(float(np.float64(a.data)))
            elif a.data.shape == inputs[j].data.shape:
                shared = Tensor(a.data, requires_grad=True, copy=False)
                copied = Tensor(a.data.copy(), requires_grad=True)
            else:
                continue
            return [*inputs[:j], shared, *inputs[j + 1 :]], [*inputs[:j], copied, *inputs[j + 1 :]]
    return None


MULTI = [c for c in SCALAR_CASES + TENSOR_CASES if c.name not in ("a * a",)]


@pytest.mark.parametrize("case", MULTI, ids=_ids(MULTI))
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_inputs_sharing_their_data_get_their_own_second_derivatives(case: Case, data: st.DataObject) -> None:
    """create_graph maps saved values to nodes by identity: two inputs holding one float or array must not swap."""
    inputs = data.draw(case.inputs)
    versions = _sharing(inputs)
    if versions is None:
        return  # one input, or no two of the same shape
    shared, copied = versions
    rng = np.random.default_rng(0)
    probe = case.fn(*copied)
    probe = list(probe) if isinstance(probe, (list, tuple)) else [probe]
    u = [rng.standard_normal(np.shape(o.data)) for o in probe]
    v = [rng.standard_normal(np.shape(x.data)) for x in copied]
    expected = _ours_double_backward(case, copied, u, v)
    assume(all(np.isfinite(e).all() for e in expected))  # the copy may leave an input's domain (b = a = 0 in a / b)
    for i, (a, b) in enumerate(zip(_ours_double_backward(case, shared, u, v), expected)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=f"{case.name}: input {i}")
