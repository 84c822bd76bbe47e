"""Convolutions (conv1d, conv2d, conv_transpose, unfold, fold): finite differences, PyTorch, second order, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradnn import Tensor
from microgradnn.gradcheck import gradcheck, gradgradcheck
from microgradnn.tensor import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold
from microgradnn.testing import strategies as mst

STRIDES, DILATIONS, GROUPS, BIASES = (1, 2), (1, 2), (1, 2), (True, False)
PADDINGS = (0, 1, "same", "valid")
COMBOS = [
    c for c in itertools.product(STRIDES, PADDINGS, DILATIONS, GROUPS, BIASES) if not (c[1] == "same" and c[0] != 1)
]


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@st.composite
def conv_cases(draw, spatial: int = 2):
    """(x, w, b or None, stride, padding, dilation, groups): small valid float64 conv2d/conv1d problems."""
    groups = draw(st.sampled_from(GROUPS))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    n = draw(st.integers(1, 2))
    stride = draw(st.sampled_from(STRIDES))
    dilation = draw(st.sampled_from(DILATIONS))
    padding = draw(st.sampled_from(PADDINGS if stride == 1 else (0, 1, "valid")))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(spatial))
    pad = 0 if isinstance(padding, str) else padding
    sizes = tuple(draw(st.integers(max(1, dilation * (k - 1) + 1 - 2 * pad), 5)) for k in kernel)
    x = draw(mst.arrays((n, cg * groups, *sizes)))
    w = draw(mst.arrays((og * groups, cg, *kernel)))
    b = draw(mst.arrays((og * groups,))) if draw(st.booleans()) else None
    return x, w, b, stride, padding, dilation, groups


def _tensors(*arrays):
    return [Tensor(a, requires_grad=True) for a in arrays if a is not None]


# ------------------------------------------------------------ finite differences
@settings(max_examples=40)
@given(conv_cases())
def test_conv2d_gradient_matches_finite_differences(case):
    x, w, b, stride, padding, dilation, groups = case
    inputs = _tensors(x, w, b)
    gradcheck(lambda X, W, *B: conv2d(X, W, B[0] if B else None, stride, padding, dilation, groups), inputs)


@settings(max_examples=25)
@given(conv_cases(spatial=1))
def test_conv1d_gradient_matches_finite_differences(case):
    x, w, b, stride, padding, dilation, groups = case
    inputs = _tensors(x, w, b)
    gradcheck(lambda X, W, *B: conv1d(X, W, B[0] if B else None, stride, padding, dilation, groups), inputs)


@st.composite
def transpose_cases(draw, spatial: int = 2):
    groups = draw(st.sampled_from(GROUPS))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    stride, dilation = draw(st.sampled_from(STRIDES)), draw(st.sampled_from(DILATIONS))
    padding = draw(st.integers(0, 1))
    output_padding = draw(st.integers(0, max(stride, dilation) - 1))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(spatial))
    sizes = tuple(draw(st.integers(1, 3)) for _ in range(spatial))
    # the output must not be empty: (H - 1) s - 2p + d (k - 1) + op + 1 >= 1
    for h, k in zip(sizes, kernel):
        if (h - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding < 0:
            padding = 0
    x = draw(mst.arrays((draw(st.integers(1, 2)), cg * groups, *sizes)))
    w = draw(mst.arrays((cg * groups, og, *kernel)))
    b = draw(mst.arrays((og * groups,))) if draw(st.booleans()) else None
    return x, w, b, stride, padding, output_padding, groups, dilation


@settings(max_examples=40)
@given(transpose_cases())
def test_conv_transpose2d_gradient_matches_finite_differences(case):
    x, w, b, *args = case
    inputs = _tensors(x, w, b)
    gradcheck(lambda X, W, *B: conv_transpose2d(X, W, B[0] if B else None, *args), inputs)


@settings(max_examples=15)
@given(transpose_cases(spatial=1))
def test_conv_transpose1d_gradient_matches_finite_differences(case):
    x, w, b, *args = case
    inputs = _tensors(x, w, b)
    gradcheck(lambda X, W, *B: conv_transpose1d(X, W, B[0] if B else None, *args), inputs)


@settings(max_examples=25)
@given(conv_cases())
def test_conv2d_second_derivatives_match_finite_differences(case):
    """The backward is built from conv Functions, so it differentiates again (create_graph)."""
    x, w, b, stride, padding, dilation, groups = case
    inputs = _tensors(x, w, b)
    gradgradcheck(lambda X, W, *B: conv2d(X, W, B[0] if B else None, stride, padding, dilation, groups), inputs)


@settings(max_examples=15)
@given(transpose_cases())
def test_conv_transpose2d_second_derivatives_match_finite_differences(case):
    x, w, b, *args = case
    gradgradcheck(lambda X, W, *B: conv_transpose2d(X, W, B[0] if B else None, *args), _tensors(x, w, b))


@settings(max_examples=12)
@given(
    st.integers(1, 3).flatmap(
        lambda k: st.tuples(
            st.just(k), st.integers(1, 2), st.integers(0, 1), st.integers(1, 2), mst.arrays((1, 1, 4, 5))
        )
    )
)
def test_unfold_and_fold_gradients(case):
    k, stride, padding, dilation, x = case
    if dilation * (k - 1) + 1 > 4 + 2 * padding:
        dilation = 1
    gradcheck(lambda X: unfold(X, k, dilation, padding, stride), [Tensor(x, requires_grad=True)])
    cols = unfold(Tensor(x), k, dilation, padding, stride).data
    gradcheck(lambda C: fold(C, (4, 5), k, dilation, padding, stride), [Tensor(cols, requires_grad=True)])
    gradgradcheck(lambda C: fold(C, (4, 5), k, dilation, padding, stride), [Tensor(cols, requires_grad=True)])


def test_non_contiguous_input_and_weight():
    rng = _rng(1)
    x = rng.standard_normal((5, 3, 2, 2)).transpose(3, 1, 0, 2)  # (2, 3, 5, 2), a transposed view
    w = rng.standard_normal((3, 3, 2, 4))[:, :, :, ::2]  # every other column
    assert not x.flags.c_contiguous and not w.flags.c_contiguous
    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    gradcheck(lambda a, b: conv2d(a, b, padding=1), [X, W])
    expected = conv2d(Tensor(np.ascontiguousarray(x)), Tensor(np.ascontiguousarray(w)), padding=1)
    np.testing.assert_allclose(conv2d(X, W, padding=1).data, expected.data, rtol=1e-12, atol=1e-12)


def test_unbatched_input():
    rng = _rng(2)
    x, w = rng.standard_normal((2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    y = conv2d(Tensor(x), Tensor(w), padding=1)
    assert y.shape == (3, 5, 5)
    np.testing.assert_allclose(y.data, conv2d(Tensor(x[None]), Tensor(w), padding=1).data[0])
    gradcheck(lambda a: conv2d(a, Tensor(w), stride=2), [Tensor(x, requires_grad=True)])


def test_float32_stays_float32_and_grad_is_a_tensor_under_create_graph():
    x = Tensor(np.ones((1, 1, 4, 4), np.float32), requires_grad=True)
    w = Tensor(np.ones((2, 1, 3, 3), np.float32), requires_grad=True)
    y = conv2d(x, w)
    assert y.dtype == np.float32
    (y * y).sum().backward(create_graph=True)
    assert isinstance(x.grad, Tensor) and isinstance(w.grad, Tensor)
    assert x.grad.dtype == np.float32


def test_the_node_names_its_kernel_stride_and_channels():
    x = Tensor(np.zeros((1, 1, 8, 8)), requires_grad=True)
    assert conv2d(x, Tensor(np.zeros((16, 1, 3, 3)))).op == "conv2d 3x3 s1 (1->16)"
    assert conv2d(x, Tensor(np.zeros((4, 1, 3, 3))), stride=2, padding=1).op == "conv2d 3x3 s2 p1 (1->4)"
    x4 = Tensor(np.zeros((1, 4, 6, 6)), requires_grad=True)
    assert conv2d(x4, Tensor(np.zeros((4, 2, 3, 3))), dilation=2, groups=2).op == "conv2d 3x3 s1 d2 g2 (4->4)"
    x1 = Tensor(np.zeros((1, 2, 9)), requires_grad=True)
    assert conv1d(x1, Tensor(np.zeros((3, 2, 5)))).op == "conv1d 5 s1 (2->3)"
    assert conv_transpose2d(x4, Tensor(np.zeros((4, 2, 2, 2))), stride=2).op == "conv_transpose2d 2x2 s2 (4->2)"
    assert unfold(x4, 2).op == "unfold 2x2"


# ------------------------------------------------------------------- PyTorch
@pytest.mark.parametrize(("stride", "padding", "dilation", "groups", "bias"), COMBOS)
def test_conv2d_matches_pytorch_for_every_parameter_combination(stride, padding, dilation, groups, bias):
    torch = pytest.importorskip("torch")
    rng = _rng(3)
    x, w = rng.standard_normal((2, 4, 7, 6)), rng.standard_normal((6, 4 // groups, 3, 2))
    b = rng.standard_normal(6) if bias else None
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True) if bias else None
    yt = torch.nn.functional.conv2d(xt, wt, bt, stride, padding, dilation, groups)
    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    B = Tensor(b, requires_grad=True) if bias else None
    y = conv2d(X, W, B, stride, padding, dilation, groups)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(X.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(W.grad, wt.grad.numpy(), rtol=1e-10, atol=1e-12)
    if bias:
        np.testing.assert_allclose(B.grad, bt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("stride", "padding", "dilation", "groups", "bias"), COMBOS)
def test_conv1d_matches_pytorch_for_every_parameter_combination(stride, padding, dilation, groups, bias):
    torch = pytest.importorskip("torch")
    rng = _rng(4)
    x, w = rng.standard_normal((2, 4, 9)), rng.standard_normal((6, 4 // groups, 4))
    b = rng.standard_normal(6) if bias else None
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yt = torch.nn.functional.conv1d(xt, wt, torch.tensor(b) if bias else None, stride, padding, dilation, groups)
    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = conv1d(X, W, Tensor(b) if bias else None, stride, padding, dilation, groups)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(X.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(W.grad, wt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("stride", "padding", "output_padding", "groups", "dilation", "bias"),
    [
        (s, p, q, g, d, b)
        for s, p, q, g, d, b in itertools.product((1, 2, 3), (0, 1), (0, 1), GROUPS, DILATIONS, BIASES)
        if q < max(s, d)
    ],
)
def test_conv_transpose2d_matches_pytorch(stride, padding, output_padding, groups, dilation, bias):
    torch = pytest.importorskip("torch")
    rng = _rng(5)
    x, w = rng.standard_normal((2, 4, 4, 3)), rng.standard_normal((4, 6 // groups, 3, 2))
    b = rng.standard_normal(6) if bias else None
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True) if bias else None
    yt = torch.nn.functional.conv_transpose2d(xt, wt, bt, stride, padding, output_padding, groups, dilation)
    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    B = Tensor(b, requires_grad=True) if bias else None
    y = conv_transpose2d(X, W, B, stride, padding, output_padding, groups, dilation)
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(X.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(W.grad, wt.grad.numpy(), rtol=1e-10, atol=1e-12)
    if bias:
        np.testing.assert_allclose(B.grad, bt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv2d_second_derivatives_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = _rng(6)
    x, w = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((4, 2, 3, 3))
    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    y = conv2d(X, W, None, 2, 1, 1, 2)
    yt = torch.nn.functional.conv2d(xt, wt, None, 2, 1, 1, 2)
    (y * y).sum().backward(create_graph=True)
    gxt, gwt = torch.autograd.grad((yt * yt).sum(), [xt, wt], create_graph=True)
    gx, gw = X.grad, W.grad
    u, v = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    X.zero_grad()
    W.zero_grad()
    ((gx * u).sum() + (gw * v).sum()).backward()
    ((gxt * torch.tensor(u)).sum() + (gwt * torch.tensor(v)).sum()).backward()
    np.testing.assert_allclose(X.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(W.grad, wt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("kernel", "dilation", "padding", "stride"), [(2, 1, 0, 1), (3, 1, 1, 2), ((2, 3), (2, 1), 1, (1, 2))]
)
def test_unfold_and_fold_match_pytorch(kernel, dilation, padding, stride):
    torch = pytest.importorskip("torch")
    x = _rng(7).standard_normal((2, 3, 5, 6))
    cols = unfold(Tensor(x), kernel, dilation, padding, stride)
    expected = torch.nn.functional.unfold(torch.tensor(x), kernel, dilation, padding, stride)
    np.testing.assert_allclose(cols.data, expected.numpy())
    back = fold(cols, (5, 6), kernel, dilation, padding, stride)
    np.testing.assert_allclose(back.data, torch.nn.functional.fold(expected, (5, 6), kernel, dilation, padding, stride))


# -------------------------------------------------------------------- errors
def _conv_error(kind, x_shape, w_shape, match, dtype=np.float64, **kwargs):
    x, w = Tensor(np.zeros(x_shape, dtype)), Tensor(np.zeros(w_shape))
    with pytest.raises(kind, match=match):
        conv2d(x, w, **kwargs)


def test_channel_mismatch_names_the_op_and_the_shapes():
    _conv_error(ValueError, (1, 3, 8, 8), (4, 2, 3, 3), r"conv2d: input has 3 channels \(shape \(1, 3, 8, 8\)\)")


def test_kernel_larger_than_input_names_the_sizes():
    _conv_error(ValueError, (1, 1, 2, 2), (1, 1, 3, 3), r"conv2d: the kernel \(3, 3\).*larger than the padded input")


def test_negative_padding_and_bad_stride_are_refused():
    _conv_error(ValueError, (1, 1, 5, 5), (1, 1, 3, 3), r"conv2d: padding must be non-negative, got -1", padding=-1)
    _conv_error(ValueError, (1, 1, 5, 5), (1, 1, 3, 3), r"conv2d: stride must be >= 1, got 0", stride=0)
    _conv_error(
        ValueError, (1, 1, 5, 5), (1, 1, 3, 3), r"conv2d: padding='same' needs stride 1", stride=2, padding="same"
    )
    _conv_error(ValueError, (1, 1, 5, 5), (1, 1, 3, 3), r"conv2d: padding must be .*'same', got 'full'", padding="full")
    _conv_error(
        TypeError, (1, 1, 5, 5), (1, 1, 3, 3), r"conv2d: stride must be an int or a tuple of 2 ints", stride=1.5
    )


def test_wrong_dtype_and_wrong_ndim_are_refused():
    _conv_error(TypeError, (1, 1, 5, 5), (1, 1, 3, 3), r"conv2d: input must be a floating-point Tensor", dtype=np.int64)
    _conv_error(
        TypeError, (1, 1, 5, 5), (1, 1, 3, 3), r"conv2d: input, weight and bias must share one dtype", np.float32
    )
    _conv_error(ValueError, (5, 5), (1, 1, 3, 3), r"conv2d: input must have 3 or 4 axes .* got shape \(5, 5\)")
    _conv_error(ValueError, (1, 1, 5, 5), (1, 3, 3), r"conv2d: weight must have 4 axes")
    with pytest.raises(TypeError, match=r"conv2d: input must be a Tensor, got ndarray"):
        conv2d(np.zeros((1, 1, 5, 5)), Tensor(np.zeros((1, 1, 3, 3))))


def test_groups_and_bias_errors():
    _conv_error(ValueError, (1, 4, 5, 5), (3, 2, 3, 3), r"conv2d: groups=2 must divide", groups=2)
    with pytest.raises(ValueError, match=r"conv2d: bias must have shape \(2,\)"):
        conv2d(Tensor(np.zeros((1, 1, 5, 5))), Tensor(np.zeros((2, 1, 3, 3))), Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match=r"conv1d: input has 2 channels"):
        conv1d(Tensor(np.zeros((1, 2, 5))), Tensor(np.zeros((1, 3, 3))))


def test_conv_transpose_errors():
    x = Tensor(np.zeros((1, 2, 4, 4)))
    with pytest.raises(ValueError, match=r"conv_transpose2d: input has 2 channels .* weight \(3, 1, 3, 3\)"):
        conv_transpose2d(x, Tensor(np.zeros((3, 1, 3, 3))))
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding 2 must be smaller than the stride"):
        conv_transpose2d(x, Tensor(np.zeros((2, 1, 3, 3))), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"conv_transpose2d: the output would have size"):
        conv_transpose2d(Tensor(np.zeros((1, 2, 1, 1))), Tensor(np.zeros((2, 1, 1, 1))), padding=1)


def test_unfold_and_fold_errors():
    with pytest.raises(ValueError, match=r"unfold: the kernel \(5, 5\).*larger than the padded input \(4, 4\)"):
        unfold(Tensor(np.zeros((1, 1, 4, 4))), 5)
    with pytest.raises(ValueError, match=r"fold: input.shape\[1\] = 5 must be a multiple of kh\*kw = 4"):
        fold(Tensor(np.zeros((1, 5, 9))), (4, 4), 2)
    with pytest.raises(ValueError, match=r"fold: input has 8 blocks .* gives 3 x 3 = 9"):
        fold(Tensor(np.zeros((1, 4, 8))), (4, 4), 2)


def test_an_empty_batch_gives_an_empty_result_as_in_pytorch():
    torch = pytest.importorskip("torch")
    x, w = Tensor(np.zeros((0, 2, 5, 5)), requires_grad=True), Tensor(np.ones((4, 1, 3, 3)), requires_grad=True)
    y = conv2d(x, w, padding=1, groups=2)
    assert y.shape == tuple(
        torch.nn.functional.conv2d(torch.zeros(0, 2, 5, 5), torch.ones(4, 1, 3, 3), None, 1, 1, 1, 2).shape
    )
    y.sum().backward()
    assert x.grad.shape == (0, 2, 5, 5) and not w.grad.any()
    assert conv_transpose2d(Tensor(np.zeros((0, 3, 2, 2))), Tensor(np.zeros((3, 2, 2, 2)))).shape == (0, 2, 3, 3)
    assert unfold(Tensor(np.zeros((0, 2, 4, 4))), 2).shape == (0, 8, 9)


def test_empty_channels_and_kernels_are_refused_with_the_shapes():
    with pytest.raises(ValueError, match=r"conv2d: empty input \(1, 0, 5, 5\) or kernel \(1, 0, 3, 3\)"):
        conv2d(Tensor(np.zeros((1, 0, 5, 5))), Tensor(np.zeros((1, 0, 3, 3))))
    with pytest.raises(ValueError, match=r"conv2d: empty input \(1, 1, 5, 5\) or kernel \(1, 1, 0, 3\)"):
        conv2d(Tensor(np.zeros((1, 1, 5, 5))), Tensor(np.zeros((1, 1, 0, 3))))


def test_a_cached_geometry_still_refuses_a_bool_for_an_int():
    x, w = Tensor(np.zeros((1, 1, 5, 5))), Tensor(np.zeros((1, 1, 3, 3)))
    conv2d(x, w, stride=1)  # cached for stride=1
    with pytest.raises(TypeError, match=r"conv2d: stride must be an int or a tuple of 2 ints, got True"):
        conv2d(x, w, stride=True)
