"""Two PyTorch size rules: pooling with ceil_mode=True whose (dilated) kernel is larger than the padded input, and
ConvTranspose2d.forward(x, output_size=...), which picks the output_padding that gives the requested size."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest

from microgradnn import Tensor, nn
from microgradnn.gradcheck import gradcheck, gradgradcheck
from microgradnn.tensor import avg_pool2d, max_pool2d


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


def _pool_out(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling output size along one axis (pooling_output_shape in ATen)."""
    o = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= size + p:  # the last window must start inside the input or the left padding
        o -= 1
    return o


def _has_empty_window(size, k, s, p, d):
    """A (dilated) window none of whose taps falls inside the input: PyTorch's max pool backward then writes its
    gradient outside the input plane (out of bounds; it can crash the process), so such cases are left out."""
    return any(
        not any(p <= j * s + i * d < p + size for i in range(k)) for j in range(_pool_out(size, k, s, p, d, True))
    )


def _overhang_cases(dilations):
    """(shape, kernel, stride, padding, dilation) with ceil_mode=True where on some axis the dilated kernel is larger
    than the padded input (what was refused before), PyTorch's output is not empty, and every window touches the
    input."""
    cases = []
    for h, w in ((1, 3), (2, 5), (4, 9), (3, 3), (4, 1)):
        for kernel, stride, padding, dilation in itertools.product(
            (2, 3, 4, 5, (5, 3), (2, 4)), (1, 2, 3, (2, 1)), (0, 1, (1, 0), 2), dilations
        ):
            per_axis = list(zip((h, w), *map(_pair, (kernel, stride, padding, dilation))))
            if any(p > k // 2 for _, k, _, p, _ in per_axis):
                continue  # padding larger than half the kernel: refused by both
            if all(size + 2 * p >= d * (k - 1) + 1 for size, k, _, p, d in per_axis):
                continue  # the kernel fits: not the case this file is about
            if any(_pool_out(*axis, True) < 1 or _has_empty_window(*axis) for axis in per_axis):
                continue
            cases.append(((2, 2, h, w), kernel, stride, padding, dilation))
    return cases


MAX_CASES = _overhang_cases((1, 2, (2, 1), 3))
AVG_CASES = [c for c in _overhang_cases((1,)) if c[4] == 1]


def _compare(torch, ours, theirs, x):
    """Values and the input gradient of a random weighted sum of the outputs, against PyTorch's, in float64."""
    X = Tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    y, yt = ours(X), theirs(xt)
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    u = np.random.default_rng(2).standard_normal(y.shape)
    (y * Tensor(u)).sum().backward()
    (yt * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(X.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------------- pooling, ceil_mode
@pytest.mark.parametrize(("shape", "kernel", "stride", "padding", "dilation"), MAX_CASES)
def test_max_pool2d_ceil_mode_with_a_kernel_larger_than_the_input_matches_pytorch(
    shape, kernel, stride, padding, dilation
):
    torch = pytest.importorskip("torch")
    x = np.round(np.random.default_rng(3).standard_normal(shape) * 2) / 2  # ties on purpose
    args = (kernel, stride, padding, dilation, True)
    _compare(torch, lambda t: max_pool2d(t, *args), lambda t: torch.nn.functional.max_pool2d(t, *args), x)
    values, indices = max_pool2d(Tensor(x), *args, return_indices=True)
    ref_values, ref_indices = torch.nn.functional.max_pool2d(torch.tensor(x), *args, return_indices=True)
    np.testing.assert_array_equal(values.data, ref_values.numpy())
    np.testing.assert_array_equal(indices.data, ref_indices.numpy())


@pytest.mark.parametrize(("include_pad", "divisor"), [(True, None), (False, None), (True, 5), (False, 3)])
@pytest.mark.parametrize(("shape", "kernel", "stride", "padding", "dilation"), AVG_CASES)
def test_avg_pool2d_ceil_mode_with_a_kernel_larger_than_the_input_matches_pytorch(
    shape, kernel, stride, padding, dilation, include_pad, divisor
):
    """The divisor of a window running past the edge: the positions inside input + padding (count_include_pad)
    or inside the input only; divisor_override replaces it."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).standard_normal(shape)
    args = (kernel, stride, padding, True, include_pad, divisor)
    _compare(torch, lambda t: avg_pool2d(t, *args), lambda t: torch.nn.functional.avg_pool2d(t, *args), x)


def test_the_layers_pool_a_4x9_image_with_a_5x5_kernel_in_ceil_mode_as_pytorch():
    x = Tensor(np.arange(36.0).reshape(1, 1, 4, 9))
    np.testing.assert_array_equal(nn.MaxPool2d(5, 2, ceil_mode=True)(x).data, [[[[31.0, 33.0, 35.0]]]])
    np.testing.assert_array_equal(nn.AvgPool2d(5, 2, ceil_mode=True)(x).data, [[[[15.5, 17.5, 19.5]]]])
    # 3 taps 2 apart on a height of 4: rows 0 and 2 (row 4 is past the edge), the maximum on row 2
    np.testing.assert_array_equal(nn.MaxPool2d(3, 2, dilation=2, ceil_mode=True)(x).data, [[[[22.0, 24.0, 26.0]]]])
    _, indices = nn.MaxPool2d(3, 2, dilation=2, ceil_mode=True, return_indices=True)(x)
    np.testing.assert_array_equal(indices.data, [[[[22, 24, 26]]]])
    one = Tensor(np.arange(9.0).reshape(3, 3))[None]  # unbatched (C, H, W)
    assert max_pool2d(one, 4, 3, ceil_mode=True).shape == (1, 1, 1)


@pytest.mark.parametrize(
    ("shape", "kernel", "stride", "padding", "dilation"),
    [((1, 2, 4, 9), 5, 2, 0, 1), ((2, 1, 4, 5), 3, 2, 0, 2), ((1, 1, 2, 3), (5, 2), (3, 1), (1, 0), 1)],
)
def test_ceil_mode_overhang_gradients_match_finite_differences(shape, kernel, stride, padding, dilation):
    reach = [d * (k - 1) + 1 for k, d in zip(_pair(kernel), _pair(dilation))]
    assert any(r > size + 2 * p for r, size, p in zip(reach, shape[2:], _pair(padding)))  # the kernel overhangs
    x = np.random.default_rng(5).permutation(np.prod(shape)).reshape(shape) * 0.1  # no ties
    X = Tensor(x, requires_grad=True)
    gradcheck(lambda t: max_pool2d(t, kernel, stride, padding, dilation, True), [X])
    gradgradcheck(lambda t: max_pool2d(t, kernel, stride, padding, dilation, True) ** 2, [X])
    if dilation == 1:
        for include_pad, divisor in ((True, None), (False, None), (True, 7)):
            f = functools.partial(
                avg_pool2d,
                kernel_size=kernel,
                stride=stride,
                padding=padding,
                ceil_mode=True,
                count_include_pad=include_pad,
                divisor_override=divisor,
            )
            gradcheck(f, [X])
            gradgradcheck(f, [X])


def test_pooling_refuses_the_same_sizes_as_pytorch():
    """Accepted exactly where PyTorch's output size is at least 1, with and without ceil_mode."""
    torch = pytest.importorskip("torch")
    for h, k, s, p, d, ceil_mode in itertools.product(
        (1, 2, 4), (1, 2, 3, 5, 6, 7), (1, 2, 3), (0, 1, 2), (1, 2), (False, True)
    ):
        if p > k // 2:
            continue
        x = np.zeros((1, 1, h, 9))
        try:
            torch.nn.functional.max_pool2d(torch.tensor(x), (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode)
            accepted = True
        except RuntimeError:
            accepted = False
        assert accepted == (_pool_out(h, k, s, p, d, ceil_mode) >= 1)
        pools = [functools.partial(max_pool2d, Tensor(x), (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode)]
        if d == 1:
            pools.append(functools.partial(avg_pool2d, Tensor(x), (k, 1), (s, 1), (p, 0), ceil_mode))
        for pool in pools:
            if accepted:
                pool()
            else:
                with pytest.raises(ValueError, match=r"the kernel \(\d, 1\) \(dilated to \d+\)"):
                    pool()


def test_the_refusals_say_why():
    x = Tensor(np.zeros((1, 1, 4, 9)))
    with pytest.raises(ValueError, match=r"larger than the padded input \(4, 9\).*use a smaller kernel or ceil_mode"):
        max_pool2d(x, 5, 2)
    with pytest.raises(ValueError, match=r"larger than the padded input \(4, 9\).*; use a smaller kernel$"):
        avg_pool2d(x, 5, 1)  # stride 1: ceil_mode would not help
    with pytest.raises(
        ValueError, match=r"max_pool2d: the kernel \(6, 6\).*even with ceil_mode=True.*padded size \+ stride - 1 = 5"
    ):
        max_pool2d(x, 6, 2, ceil_mode=True)


# ---------------------------------------------------------------------------- ConvTranspose2d, output_size
def _transpose_cases():
    """(input shape, channels in/out, kernel, stride, padding, dilation, groups) for the layer."""
    return [
        ((2, 2, 4, 5), 2, 3, 3, 2, 1, 1, 1),
        ((1, 2, 3, 3), 2, 2, (3, 2), (3, 2), (1, 0), 1, 1),
        ((2, 4, 2, 4), 4, 6, 2, (2, 3), 0, (2, 1), 2),
        ((1, 1, 5, 2), 1, 2, 4, 3, (1, 2), 2, 1),
        ((2, 3, 3, 4), 3, 1, (1, 3), (4, 1), 0, 1, 1),
        ((3, 6, 5), 3, 2, 3, 2, 1, 1, 1),  # unbatched (C, H, W)
    ]


def _layers(torch, cin, cout, kernel, stride, padding, dilation, groups):
    ours = nn.ConvTranspose2d(
        cin, cout, kernel, stride, padding, groups=groups, dilation=dilation, seed=0, dtype=np.float64
    )
    theirs = torch.nn.ConvTranspose2d(cin, cout, kernel, stride, padding, groups=groups, dilation=dilation).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
        theirs.bias.copy_(torch.tensor(ours.bias.data))
    return ours, theirs


def _reachable(shape, kernel, stride, padding, dilation):
    spatial = shape[-2:]
    smallest = [
        (n - 1) * s - 2 * p + d * (k - 1) + 1
        for n, k, s, p, d in zip(spatial, *map(_pair, (kernel, stride, padding, dilation)))
    ]
    return [range(lo, lo + s) for lo, s in zip(smallest, _pair(stride))]


@pytest.mark.parametrize(
    ("shape", "cin", "cout", "kernel", "stride", "padding", "dilation", "groups"), _transpose_cases()
)
def test_conv_transpose2d_output_size_matches_pytorch(shape, cin, cout, kernel, stride, padding, dilation, groups):
    """Every reachable size, given as (H, W) and as the whole shape: values and the gradients of the input, the
    weight and the bias of a random weighted sum, against torch.nn.ConvTranspose2d with the same weights."""
    torch = pytest.importorskip("torch")
    ours, theirs = _layers(torch, cin, cout, kernel, stride, padding, dilation, groups)
    x = np.random.default_rng(6).standard_normal(shape)
    heights, widths = _reachable(shape, kernel, stride, padding, dilation)
    assert len(heights) * len(widths) > 1 or stride == 1
    for size in itertools.product(heights, widths):
        leading = (*shape[:-3], cout)
        for requested in (size, list(size), leading + size, torch.Size(size)):
            ours.zero_grad()
            theirs.zero_grad()
            X, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            y, yt = ours(X, output_size=requested), theirs(xt, output_size=requested)
            assert y.shape == tuple(yt.shape) == leading + size
            np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
            u = np.random.default_rng(7).standard_normal(y.shape)
            (y * Tensor(u)).sum().backward()
            (yt * torch.tensor(u)).sum().backward()
            np.testing.assert_allclose(X.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_conv_transpose2d_output_size_overrides_the_layers_output_padding_as_pytorch():
    torch = pytest.importorskip("torch")
    ours = nn.ConvTranspose2d(2, 1, 3, stride=3, output_padding=2, seed=1, dtype=np.float64)
    theirs = torch.nn.ConvTranspose2d(2, 1, 3, stride=3, output_padding=2).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
        theirs.bias.copy_(torch.tensor(ours.bias.data))
    x = np.random.default_rng(8).standard_normal((1, 2, 2, 3))
    assert ours(Tensor(x)).shape == (1, 1, 8, 11)
    y, yt = ours(Tensor(x), output_size=(6, 10)), theirs(torch.tensor(x), output_size=(6, 10))
    assert y.shape == (1, 1, 6, 10)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size", [(7, 9), (8, 10)])
def test_conv_transpose2d_output_size_gradients_match_finite_differences(size):
    layer = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, seed=2, dtype=np.float64)
    x = Tensor(np.random.default_rng(9).standard_normal((1, 2, 4, 5)), requires_grad=True)
    gradcheck(lambda t, w, b: layer(t, output_size=size), [x, layer.weight, layer.bias])
    gradgradcheck(lambda t, w, b: layer(t, output_size=size), [x, layer.weight, layer.bias])


def test_conv_transpose2d_output_size_errors_as_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _layers(torch, 2, 3, 3, 2, 1, 1, 1)
    x = np.zeros((1, 2, 4, 5))
    for bad in [(6, 9), (9, 9), (7, 11), (1, 3, 9, 9)]:
        with pytest.raises(
            ValueError, match=r"valid sizes range from \(7, 9\) to \(8, 10\) \(for an input of \(4, 5\)\)"
        ):
            ours(Tensor(x), output_size=bad)
        with pytest.raises(ValueError, match="valid sizes range"):
            theirs(torch.tensor(x), output_size=bad)
    for bad in [(7,), (1, 2, 3, 7, 9), (3, 7, 9)]:  # (C, H, W) is the whole shape of an unbatched input only
        with pytest.raises(ValueError, match=rf"for 4D input, output_size must have 2 or 4 elements \(got {len(bad)}"):
            ours(Tensor(x), output_size=bad)
        with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
            theirs(torch.tensor(x), output_size=bad)
    with pytest.raises(ValueError, match=r"for 3D input, output_size must have 2 or 3 elements \(got 4"):
        ours(Tensor(x[0]), output_size=(1, 3, 7, 9))
    with pytest.raises(TypeError, match="output_size must be a sequence of 2 ints"):
        ours(Tensor(x), output_size=8)
    with pytest.raises(TypeError, match="output_size must hold ints"):
        ours(Tensor(x), output_size=(7.0, 9))
