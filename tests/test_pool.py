"""Pooling and resizing (max_pool2d, avg_pool2d, adaptive_avg_pool2d, interpolate): finite differences, PyTorch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from microgradnn import Tensor
from microgradnn.gradcheck import gradcheck, gradgradcheck
from microgradnn.tensor import adaptive_avg_pool2d, avg_pool2d, interpolate, max_pool2d
from microgradnn.testing import strategies as mst


@st.composite
def pool_cases(draw, dilations=(1, 2)):
    """(input shape, kernel, stride, padding, dilation, ceil_mode) for a small valid 2-d pool."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = draw(st.sampled_from(dilations))
    ceil_mode = draw(st.booleans())
    # With dilation, a window could fall wholly into the padding (-inf, as in PyTorch): no derivative to check.
    low = [dilation * (k - 1) + 1 - (2 * p if dilation == 1 else 0) for k, p in zip(kernel, padding)]
    sizes = tuple(draw(st.integers(max(1, lo), 5)) for lo in low)
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *sizes)
    return shape, kernel, stride, padding, dilation, ceil_mode


# ------------------------------------------------------------ finite differences
@settings(max_examples=40)
@given(pool_cases().flatmap(lambda c: st.tuples(st.just(c), mst.arrays(c[0], min_gap=0.05))))
def test_max_pool2d_gradient_matches_finite_differences(case):
    """Values a gap apart, so no window has a tie that finite differences would straddle."""
    (_, kernel, stride, padding, dilation, ceil_mode), x = case
    gradcheck(lambda t: max_pool2d(t, kernel, stride, padding, dilation, ceil_mode), [Tensor(x, requires_grad=True)])


@settings(max_examples=40)
@given(
    pool_cases(dilations=(1,)).flatmap(
        lambda c: st.tuples(st.just(c), st.booleans(), st.sampled_from([None, 3]), mst.arrays(c[0]))
    )
)
def test_avg_pool2d_gradient_matches_finite_differences(case):
    (_, kernel, stride, padding, _, ceil_mode), include_pad, divisor, x = case
    X = Tensor(x, requires_grad=True)
    gradcheck(lambda t: avg_pool2d(t, kernel, stride, padding, ceil_mode, include_pad, divisor), [X])
    gradgradcheck(lambda t: avg_pool2d(t, kernel, stride, padding, ceil_mode, include_pad, divisor), [X])


@settings(max_examples=30)
@given(
    st.tuples(st.integers(1, 6), st.integers(1, 6)).flatmap(
        lambda hw: st.tuples(
            mst.arrays((1, 2, *hw)),
            st.tuples(st.integers(1, 4) | st.none(), st.integers(1, 4)),
        )
    )
)
def test_adaptive_avg_pool2d_gradient_matches_finite_differences(case):
    x, size = case
    X = Tensor(x, requires_grad=True)
    gradcheck(lambda t: adaptive_avg_pool2d(t, size), [X])
    gradgradcheck(lambda t: adaptive_avg_pool2d(t, size), [X])


@settings(max_examples=40)
@given(
    st.sampled_from(["nearest", "bilinear"]).flatmap(
        lambda mode: st.tuples(
            st.just(mode),
            st.booleans() if mode == "bilinear" else st.just(None),
            st.tuples(st.integers(1, 7), st.integers(1, 7)) | st.sampled_from([0.5, 1.5, 2.0, 3.0]),
            mst.arrays((1, 2, 3, 4)),
        )
    )
)
@example(("bilinear", True, (1, 1), np.arange(24.0).reshape(1, 2, 3, 4)))
def test_interpolate_gradient_matches_finite_differences(case):
    mode, align, target, x = case
    kwargs = {"size": target} if isinstance(target, tuple) else {"scale_factor": target}
    X = Tensor(x, requires_grad=True)
    gradcheck(lambda t: interpolate(t, mode=mode, align_corners=align, **kwargs), [X])
    gradgradcheck(lambda t: interpolate(t, mode=mode, align_corners=align, **kwargs), [X])


@settings(max_examples=20)
@given(st.sampled_from(["nearest", "linear"]), st.integers(1, 9), mst.arrays((2, 1, 5)))
def test_interpolate_1d_gradient_matches_finite_differences(mode, size, x):
    gradcheck(lambda t: interpolate(t, size, mode=mode), [Tensor(x, requires_grad=True)])


def test_max_pool2d_second_derivative_is_the_gradient_of_a_scatter():
    """max pooling is piecewise linear: its backward (a scatter) differentiates again to a pick."""
    x = np.random.default_rng(0).permutation(32).astype(np.float64).reshape(1, 2, 4, 4)
    gradgradcheck(lambda t: max_pool2d(t, 3, 1, 1), [Tensor(x, requires_grad=True)])


def test_non_contiguous_input():
    x = np.random.default_rng(1).permutation(60).astype(np.float64).reshape(5, 3, 4).transpose(2, 1, 0)[None]
    assert not x.flags.c_contiguous
    X = Tensor(x, requires_grad=True)
    for f in (lambda t: max_pool2d(t, 2, 1), lambda t: avg_pool2d(t, 2, 1, 1), lambda t: interpolate(t, (3, 7))):
        gradcheck(f, [X])
        np.testing.assert_array_equal(f(X).data, f(Tensor(np.ascontiguousarray(x))).data)


def test_ties_give_the_whole_gradient_to_the_first_maximum():
    """PyTorch's convention for max pooling (not the shared gradient of max reductions)."""
    X = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    max_pool2d(X, 2).sum().backward()
    np.testing.assert_array_equal(X.grad, [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_nan_wins_the_window_and_gets_the_gradient():
    x = np.array([[[[1.0, np.nan], [3.0, 2.0]]]])
    X = Tensor(x, requires_grad=True)
    y = max_pool2d(X, 2)
    assert np.isnan(y.data).all()
    y.sum().backward()
    np.testing.assert_array_equal(X.grad, [[[[0.0, 1.0], [0.0, 0.0]]]])


def test_node_names():
    X = Tensor(np.zeros((1, 1, 8, 8)), requires_grad=True)
    assert max_pool2d(X, 2).op == "max_pool2d 2x2 s2"
    assert avg_pool2d(X, 3, 1, 1).op == "avg_pool2d 3x3 s1 p1"
    assert adaptive_avg_pool2d(X, 3).op == "adaptive_avg_pool2d 8x8->3x3"
    assert interpolate(X, scale_factor=2, mode="bilinear").op == "interpolate bilinear 8x8->16x16"


# ------------------------------------------------------------------- PyTorch
def _compare(torch, ours, theirs, x, rtol=1e-10):
    X = Tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    y, yt = ours(X), theirs(xt)
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=rtol, atol=1e-12)
    g = np.random.default_rng(2).standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(X.grad, xt.grad.numpy(), rtol=rtol, atol=1e-12)


POOLS = list(itertools.product((2, 3, (3, 2)), (None, 1, 2), (0, 1), (1, 2), (False, True)))


@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation", "ceil_mode"), POOLS)
def test_max_pool2d_matches_pytorch(kernel, stride, padding, dilation, ceil_mode):
    torch = pytest.importorskip("torch")
    x = np.round(np.random.default_rng(3).standard_normal((2, 3, 7, 6)) * 2) / 2  # ties on purpose
    _compare(
        torch,
        lambda t: max_pool2d(t, kernel, stride, padding, dilation, ceil_mode),
        lambda t: torch.nn.functional.max_pool2d(t, kernel, stride, padding, dilation, ceil_mode),
        x,
    )


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "ceil_mode", "include_pad", "divisor"),
    [
        (k, s, p, c, i, d)
        for (k, s, p, _, c), i, d in itertools.product([q for q in POOLS if q[3] == 1], (True, False), (None, 5))
    ],
)
def test_avg_pool2d_matches_pytorch(kernel, stride, padding, ceil_mode, include_pad, divisor):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).standard_normal((2, 3, 7, 6))
    _compare(
        torch,
        lambda t: avg_pool2d(t, kernel, stride, padding, ceil_mode, include_pad, divisor),
        lambda t: torch.nn.functional.avg_pool2d(t, kernel, stride, padding, ceil_mode, include_pad, divisor),
        x,
    )


@pytest.mark.parametrize("size", [1, 2, (3, 2), (4, 5), (7, 6), (None, 4), (9, 11)])
def test_adaptive_avg_pool2d_matches_pytorch(size):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((2, 3, 7, 6))
    _compare(
        torch, lambda t: adaptive_avg_pool2d(t, size), lambda t: torch.nn.functional.adaptive_avg_pool2d(t, size), x
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"size": (9, 4)},
        {"scale_factor": 2},
        {"scale_factor": 1.7},
        {"scale_factor": 0.5},
        {"size": (14, 3), "mode": "bilinear"},
        {"size": (5, 9), "mode": "bilinear", "align_corners": True},
        {"scale_factor": 2.5, "mode": "bilinear"},
        {"scale_factor": (0.6, 2.0), "mode": "bilinear", "align_corners": False},
        {"size": (1, 1), "mode": "bilinear", "align_corners": True},
    ],
)
def test_interpolate_matches_pytorch(kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(6).standard_normal((2, 3, 7, 6))
    _compare(torch, lambda t: interpolate(t, **kwargs), lambda t: torch.nn.functional.interpolate(t, **kwargs), x)


@pytest.mark.parametrize(
    "kwargs",
    [{"size": 11, "mode": "linear"}, {"scale_factor": 0.6, "mode": "linear", "align_corners": True}, {"size": 4}],
)
def test_interpolate_1d_matches_pytorch(kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(7).standard_normal((2, 3, 7))
    _compare(torch, lambda t: interpolate(t, **kwargs), lambda t: torch.nn.functional.interpolate(t, **kwargs), x)


# -------------------------------------------------------------------- errors
def test_errors_name_the_op_and_the_shapes():
    x = Tensor(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"max_pool2d: the kernel \(5, 5\).*larger than the padded input \(4, 4\)"):
        max_pool2d(x, 5)
    with pytest.raises(ValueError, match=r"avg_pool2d: padding \(2, 2\) must be at most half the kernel size"):
        avg_pool2d(x, 3, padding=2)
    with pytest.raises(ValueError, match=r"max_pool2d: padding must be non-negative, got -1"):
        max_pool2d(x, 3, padding=-1)
    with pytest.raises(TypeError, match=r"max_pool2d: input must be a floating-point Tensor, got dtype int64"):
        max_pool2d(Tensor(np.zeros((1, 1, 4, 4), np.int64)), 2)
    with pytest.raises(ValueError, match=r"avg_pool2d: input must have 3 or 4 axes .* got shape \(4, 4\)"):
        avg_pool2d(Tensor(np.zeros((4, 4))), 2)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: output_size must be >= 1, got \(0, 2\)"):
        adaptive_avg_pool2d(x, (0, 2))
    with pytest.raises(ValueError, match=r"interpolate: mode must be one of .* got 'bicubic'"):
        interpolate(x, 8, mode="bicubic")
    with pytest.raises(ValueError, match=r"interpolate: give exactly one of size and scale_factor"):
        interpolate(x)
    with pytest.raises(ValueError, match=r"interpolate: input must have 4 axes \(N, C, H, W\), got shape \(1, 1, 4\)"):
        interpolate(Tensor(np.zeros((1, 1, 4))), 8, mode="bilinear")


@pytest.mark.parametrize(
    ("f", "shape"),
    [
        (lambda t: max_pool2d(t, 2), (0, 2, 2, 2)),
        (lambda t: avg_pool2d(t, 3, 1, 1), (0, 2, 4, 4)),
        (lambda t: adaptive_avg_pool2d(t, 3), (0, 2, 3, 3)),
        (lambda t: interpolate(t, scale_factor=2, mode="bilinear"), (0, 2, 8, 8)),
    ],
)
def test_an_empty_batch_gives_an_empty_result_and_gradient(f, shape):
    x = Tensor(np.zeros((0, 2, 4, 4)), requires_grad=True)
    y = f(x)
    assert y.shape == shape
    y.sum().backward()
    assert x.grad.shape == (0, 2, 4, 4)
