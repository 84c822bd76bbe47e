"""Regression tests for a bug hunt in gradcheck / gradgradcheck and microgradnn.testing.strategies."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from microgradnn import Value, gradcheck, gradgradcheck
from microgradnn.scalar.value import ScalarFunction
from microgradnn.tensor import Tensor, TensorFunction
from microgradnn.testing import strategies as mst


# ------------------------------------------------ 1. a backward that ignores its upstream gradient
class _IgnoresUpstream:
    """x^2 whose backward returns 2x instead of grad * 2x (for Values and for Tensors below)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        return (2 * x,)


class IgnoresUpstream(_IgnoresUpstream, ScalarFunction):
    pass


class TensorIgnoresUpstream(_IgnoresUpstream, TensorFunction):
    pass


def test_gradgradcheck_catches_a_backward_that_ignores_its_upstream_gradient() -> None:
    f = lambda a: IgnoresUpstream.apply(a) * 3  # noqa: E731
    assert not gradcheck(f, [Value(0.7)], raise_on_failure=False).ok
    result = gradgradcheck(f, [Value(0.7)], raise_on_failure=False)
    assert not result.ok
    assert {r.input for r in result.failures} == {"grad_output 0"}


@pytest.mark.parametrize("mode", ["full", "projected"])
def test_gradgradcheck_catches_ignored_upstream_for_tensors(mode: str) -> None:
    x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    result = gradgradcheck(lambda t: TensorIgnoresUpstream.apply(t) * 3, [x], raise_on_failure=False, mode=mode)
    assert not result.ok
    assert {r.input for r in result.failures} == {"grad_output 0"}


@pytest.mark.parametrize("mode", ["full", "projected"])
def test_gradgradcheck_still_passes_correct_ops_with_the_forward_reference(mode: str) -> None:
    rng = np.random.default_rng(3)
    a = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    assert gradgradcheck(lambda p, q: [(p @ q).tanh(), p.sigmoid()], [a, b], mode=mode).ok


# ------------------------------------------------------------- 2. grad_outputs validated up front
@pytest.mark.parametrize(
    ("given", "error", "message"),
    [
        (None, TypeError, r"grad_outputs\[0\] is None"),
        (math.nan, ValueError, r"grad_outputs\[0\] must be finite"),
        (math.inf, ValueError, r"grad_outputs\[0\] must be finite"),
        ("x", TypeError, r"grad_outputs\[0\] must be"),
    ],
)
def test_gradgradcheck_refuses_bad_grad_outputs(given: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        gradgradcheck(lambda a: a.tanh(), [Value(0.1)], grad_outputs=[given], raise_on_failure=False)


def test_gradgradcheck_refuses_nan_in_a_tensor_grad_output() -> None:
    x = Tensor(np.array([0.1, 0.2]), requires_grad=True)
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] must be finite"):
        gradgradcheck(lambda t: t.tanh(), [x], grad_outputs=[np.array([1.0, np.nan])])


# ------------------------------------------------------------------ 3. min_gap draws without a grid
@given(data=st.data())
@settings(deadline=None, max_examples=20)
def test_tiny_min_gap_draws_complete_and_keep_the_gap(data: st.DataObject) -> None:
    a = data.draw(mst.arrays((3, 2), "relu", min_gap=1e-7))
    flat = np.sort(a.ravel())
    assert np.all(np.diff(flat) >= 1e-7 * (1 - 1e-6))
    assert np.all((flat >= -10.0) & (flat <= 10.0))
    assert np.all(np.abs(flat) >= 1e-2)  # the default margin from relu's kink still holds


@given(mst.arrays((4,), "clip", min_gap=0.5, margin=0.2))
@settings(deadline=None, max_examples=30)
def test_min_gap_draws_skip_the_excluded_points(a: np.ndarray) -> None:
    assert np.all(np.abs(a - 1.0) >= 0.2) and np.all(np.abs(a + 1.0) >= 0.2)
    assert len(set(a.tolist())) == 4


# ----------------------------------------------------------------- 4. negative dims refused
def test_arrays_with_specials_refuses_negative_dimensions() -> None:
    with pytest.raises(ValueError, match=r"arrays_with_specials: shape \(2, -1\) has a negative dimension"):
        mst.arrays_with_specials((2, -1))


# ---------------------------------------------------------- 5. argument checks at strategy creation
@pytest.mark.parametrize("margin", [-1, math.nan, math.inf, True])
def test_negative_or_nan_margins_are_refused(margin: Any) -> None:
    with pytest.raises(ValueError, match="safe_floats: margin"):
        mst.safe_floats("relu", margin=margin)
    with pytest.raises(ValueError, match="arrays: margin"):
        mst.arrays((2,), "relu", margin=margin)


def test_min_gap_refuses_bools() -> None:
    with pytest.raises(ValueError, match="arrays: min_gap"):
        mst.arrays((2,), min_gap=True)


def test_broadcastable_pairs_checks_its_ops_at_creation() -> None:
    with pytest.raises(ValueError, match="broadcastable_pairs: unknown left op 'foo'"):
        mst.broadcastable_pairs("foo")
    with pytest.raises(ValueError, match="broadcastable_pairs: unknown right op 'bar'"):
        mst.broadcastable_pairs("any", "bar")


def test_logits_and_targets_names_max_classes() -> None:
    with pytest.raises(ValueError, match="logits_and_targets: max_classes must be an int >= 2, got 1"):
        mst.logits_and_targets(max_classes=1)


@given(data=st.data())
@settings(deadline=None, max_examples=30)
def test_matmul_pairs_without_batch_dims(data: st.DataObject) -> None:
    a, b = data.draw(mst.matmul_pairs(max_batch_dims=0))
    assert a.ndim <= 2 and b.ndim <= 2
    assert (a @ b).shape is not None


def test_matmul_pairs_refuses_negative_batch_dims() -> None:
    with pytest.raises(ValueError, match="matmul_pairs: max_batch_dims must be an int >= 0"):
        mst.matmul_pairs(max_batch_dims=-1)


@given(data=st.data())
@settings(deadline=None, max_examples=20)
def test_int_shapes_and_shape_strategies_everywhere(data: st.DataObject) -> None:
    a = data.draw(mst.arrays(3))
    b = data.draw(mst.non_contiguous_arrays(3))
    c = data.draw(mst.arrays_with_specials(3))
    d = data.draw(mst.arrays_with_specials(mst.shapes(min_dims=2, max_dims=2)))
    e = data.draw(mst.non_contiguous_arrays(hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=3)))
    assert a.shape == b.shape == c.shape == (3,)
    assert d.ndim == 2 and e.ndim == 2


def test_bad_shapes_are_refused_consistently() -> None:
    for make in (mst.arrays, mst.non_contiguous_arrays, mst.arrays_with_specials):
        with pytest.raises(ValueError, match="negative dimension"):
            make((2, -1))
        with pytest.raises(TypeError, match="shape must be"):
            make("ab")


# ------------------------------------------------------------ 6. inputs with the same label
class WrongSecond(ScalarFunction):
    @staticmethod
    def forward(ctx: Any, a: float, b: float) -> float:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any, Any]:
        a, b = ctx.saved_values
        return grad * b, grad * a * 1.5  # wrong for the second input


def test_inputs_with_the_same_label_are_told_apart() -> None:
    result = gradcheck(
        lambda p, q: WrongSecond.apply(p, q), [Value(2.0, label="w"), Value(3.0, label="w")], raise_on_failure=False
    )
    assert [r.input for r in result.rows] == ["w", "w (input 1)"]
    assert list(result.worst()) == ["w (input 1)"]
    assert "w (input 1)" in str(result)
    swapped = gradcheck(
        lambda p, q: WrongSecond.apply(q, p), [Value(2.0, label="w"), Value(3.0, label="w")], raise_on_failure=False
    )
    assert list(swapped.worst()) == ["w"]  # now the first input is the wrong one


# ------------------------------------------------------------------ 7. kink? only at real kinks
class WrongSteepSquare(ScalarFunction):
    """1e4 x^2 with a backward that is off by 1: wrong, but at a smooth point."""

    @staticmethod
    def forward(ctx: Any, x: float) -> float:
        ctx.save_for_backward(x)
        return 1e4 * x * x

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any]:
        (x,) = ctx.saved_values
        return (grad * (2e4 * x + 1.0),)


def test_no_kink_flag_at_a_smooth_point_with_large_curvature() -> None:
    result = gradcheck(lambda x: x * x * 1e4, [Value(0.0)])
    assert result.ok and not result.rows[0].kink
    assert "kink?" not in str(result)


def test_a_failure_at_a_smooth_point_is_not_called_a_kink() -> None:
    for mode in ("full", "projected"):
        result = gradcheck(lambda x: WrongSteepSquare.apply(x), [Value(0.0)], raise_on_failure=False, mode=mode)
        assert not result.ok and not any(r.kink for r in result.rows)


def test_real_kinks_are_still_flagged() -> None:
    for mode in ("full", "projected"):
        relu = gradcheck(lambda v: v.relu(), [Value(0.0)], raise_on_failure=False, mode=mode)
        assert relu.rows[0].kink
        near = gradcheck(lambda v: v.abs(), [Value(3e-7)], raise_on_failure=False, mode=mode)
        assert not near.ok and near.rows[0].kink  # the kink lies within the step
