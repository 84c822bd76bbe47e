"""nn.GroupNorm and the convolutions' padding_mode: NumPy references, PyTorch, gradcheck (also second order), errors."""

from __future__ import annotations

import numpy as np
import pytest

from microgradnn import Tensor, gradcheck, gradgradcheck, nn
from microgradnn.tensor import conv_transpose1d

MODES = ["reflect", "replicate", "circular"]
NUMPY_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _with_parameters(layer: nn.Module):
    """f(x, weight, bias) = layer(x) with the given tensors as the layer's weight and bias (for gradcheck)."""

    def f(x, weight, bias):
        layer.weight, layer.bias = weight, bias
        return layer(x)

    return f


# --------------------------------------------------------------------------------------------- GroupNorm
def group_norm_reference(x, num_groups, weight, bias, eps):
    """By hand: each sample's group of channels (with every position) normalised by its mean and biased variance."""
    n, c = x.shape[:2]
    size = c // num_groups
    y = np.empty_like(x)
    for i in range(n):
        for g in range(num_groups):
            block = x[i, g * size : (g + 1) * size]
            mean = block.sum() / block.size
            var = ((block - mean) ** 2).sum() / block.size  # divided by the count, not count - 1
            y[i, g * size : (g + 1) * size] = (block - mean) / np.sqrt(var + eps)
    per_channel = (1, c) + (1,) * (x.ndim - 2)
    return y * weight.reshape(per_channel) + bias.reshape(per_channel)


@pytest.mark.parametrize(
    "shape, groups",
    [((3, 6), 2), ((2, 6, 5), 3), ((2, 6, 4, 3), 2), ((2, 6, 4, 3), 1), ((2, 6, 3, 2), 6), ((1, 4, 2, 2, 3), 2)],
)
def test_group_norm_matches_a_numpy_reference(shape, groups):
    rng = _rng(1)
    x = rng.normal(2.0, 3.0, size=shape)
    layer = nn.GroupNorm(groups, shape[1], eps=1e-3, dtype=np.float64)
    weight, bias = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    layer.load_state_dict({"weight": weight, "bias": bias})
    expected = group_norm_reference(x, groups, weight, bias, 1e-3)
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-12, atol=1e-12)
    layer.eval()  # no running statistics: the same in eval mode
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-12, atol=1e-12)


def test_group_norm_starts_as_pytorch_with_per_channel_weights():
    layer = nn.GroupNorm(2, 6)
    assert layer.weight.shape == layer.bias.shape == (6,)
    np.testing.assert_array_equal(layer.weight.data, np.ones(6, np.float32))
    np.testing.assert_array_equal(layer.bias.data, np.zeros(6, np.float32))
    assert layer.weight.dtype == np.float32 and nn.GroupNorm(2, 6, dtype=np.float64).weight.dtype == np.float64
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert nn.GroupNorm(2, 6, affine=False).parameters() == [] and nn.GroupNorm(2, 6, affine=False).weight is None
    assert [name for name, _ in nn.GroupNorm(2, 6, bias=False).named_parameters()] == ["weight"]
    assert "GroupNorm" in nn.__all__ and nn.GroupNorm is nn.norm.GroupNorm
    assert repr(layer) == "GroupNorm(2, 6, eps=1e-05, affine=True, bias=True)"
    empty = layer(Tensor(np.zeros((0, 6, 3), np.float32)))  # an empty batch: an empty result, as in PyTorch
    assert empty.shape == (0, 6, 3)


def test_group_norm_matches_pytorch():
    torch = pytest.importorskip("torch")
    from microgradnn.interop import compare_with_torch

    x = _rng(2).normal(size=(3, 6, 4, 5))
    for ours, theirs in [
        (nn.GroupNorm(3, 6, dtype=np.float64), torch.nn.GroupNorm(3, 6).double()),
        (nn.GroupNorm(2, 6, eps=0.1, affine=False, dtype=np.float64), torch.nn.GroupNorm(2, 6, 0.1, False).double()),
    ]:
        assert repr(ours) == repr(theirs)
        if ours.weight is not None:
            weight, bias = _rng(3).normal(size=(2, 6))
            ours.load_state_dict({"weight": weight, "bias": bias})
            with torch.no_grad():
                theirs.weight.copy_(torch.tensor(weight))
                theirs.bias.copy_(torch.tensor(bias))
        X, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = ours(X), theirs(xt)
        np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-10)
        u = _rng(4).normal(size=x.shape)
        y.backward(u)
        yt.backward(torch.tensor(u))
        np.testing.assert_allclose(X.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-10)
        for p, q in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-9, atol=1e-10)
        c = compare_with_torch(ours, x[:2, :, :2, :3])  # the bridge's own comparison, through to_torch
        assert c.ok, str(c)


@pytest.mark.parametrize("shape, groups", [((2, 4, 3), 2), ((2, 6), 3), ((1, 4, 2, 2), 1)])
def test_group_norm_gradients_pass_gradcheck_and_gradgradcheck(shape, groups):
    rng = _rng(5)
    layer = nn.GroupNorm(groups, shape[1], eps=0.1, dtype=np.float64)
    x = Tensor(rng.normal(size=shape), requires_grad=True)
    weight = Tensor(rng.normal(size=shape[1]), requires_grad=True)
    bias = Tensor(rng.normal(size=shape[1]), requires_grad=True)
    f = _with_parameters(layer)
    assert gradcheck(f, [x, weight, bias], mode="full").ok
    assert gradgradcheck(f, [x, weight, bias], mode="full").ok


def test_group_norm_errors_name_the_module_the_numbers_and_the_fix():
    with pytest.raises(
        ValueError,
        match=r"GroupNorm: num_channels \(6\) must be divisible by num_groups \(4\); choose num_groups from the "
        r"divisors of 6: 1, 2, 3, 6",
    ):
        nn.GroupNorm(4, 6)
    for bad in (0, -2, 2.0, True, "2"):
        with pytest.raises(ValueError, match=r"GroupNorm: num_groups must be a positive int, got"):
            nn.GroupNorm(bad, 6)
        with pytest.raises(ValueError, match=r"GroupNorm: num_channels must be a positive int, got"):
            nn.GroupNorm(1, bad)
    with pytest.raises(ValueError, match=r"GroupNorm: eps must be a non-negative number, got -1"):
        nn.GroupNorm(2, 6, eps=-1)
    with pytest.raises(TypeError, match=r"GroupNorm: dtype must be a float dtype"):
        nn.GroupNorm(2, 6, dtype=np.int64)
    layer = nn.GroupNorm(2, 6)
    with pytest.raises(
        ValueError, match=r"GroupNorm\(2, 6, .*\): expected input \(N, 6, \*\), .* got shape \(2, 4, 3\); fix the"
    ):
        layer(Tensor(np.zeros((2, 4, 3), np.float32)))
    with pytest.raises(ValueError, match=r"got shape \(6, 5\); add the batch axis first, x.unsqueeze\(0\)"):
        layer(Tensor(np.zeros((6, 5), np.float32)))
    with pytest.raises(ValueError, match=r"got shape \(6,\); add the batch axis first"):
        layer(Tensor(np.zeros(6, np.float32)))
    with pytest.raises(TypeError, match=r"GroupNorm\(2, 6, .*\): expected a Tensor, got ndarray"):
        layer(np.zeros((2, 6)))


def test_group_norm_carries_over_to_pytorch_and_back():
    torch = pytest.importorskip("torch")
    from microgradnn.interop import from_torch, to_torch

    x = _rng(6).normal(size=(2, 4, 3))
    for ours in [
        nn.GroupNorm(2, 4, eps=1e-3, dtype=np.float64),
        nn.GroupNorm(4, 4, affine=False),
        nn.GroupNorm(1, 4, bias=False, dtype=np.float64),
    ]:
        if ours.weight is not None:
            ours.load_state_dict({"weight": _rng(7).normal(size=4)}, strict=False)
        theirs = to_torch(ours)
        assert isinstance(theirs, torch.nn.GroupNorm) and repr(theirs) == repr(ours)
        xd = x.astype(np.float32 if ours.weight is None else ours.weight.dtype)
        expected = ours(Tensor(xd)).data
        got = theirs(torch.tensor(xd)).detach().numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        back = from_torch(theirs)
        assert type(back) is nn.GroupNorm and repr(back) == repr(ours)
        assert back.state_dict().keys() == ours.state_dict().keys()
        for name, value in ours.state_dict().items():
            np.testing.assert_array_equal(back.state_dict()[name], value)


# ------------------------------------------------------------------------------------------- padding_mode
def conv_reference(x, weight, bias, stride, pads, dilation, mode):
    """By hand: np.pad in the mode ((top, bottom), (left, right)), then a direct sum over the window."""
    xp = np.pad(x, ((0, 0), (0, 0), *pads), mode=NUMPY_MODE[mode])
    n, _, h, w = xp.shape
    o, _, kh, kw = weight.shape
    oh = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (w - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = i * stride[0] + dilation[0] * np.arange(kh)
            cols = j * stride[1] + dilation[1] * np.arange(kw)
            window = xp[:, :, rows][:, :, :, cols]  # (n, c, kh, kw)
            out[:, :, i, j] = np.einsum("nckl,ockl->no", window, weight)
    return out + bias.reshape(1, -1, 1, 1)


# (kernel, stride, padding, dilation, the pads ((top, bottom), (left, right)) that padding means)
CONV2D_CASES = [
    (3, 1, 1, 1, ((1, 1), (1, 1))),
    ((3, 2), 2, (2, 1), 1, ((2, 2), (1, 1))),
    (4, 1, "same", 1, ((1, 2), (1, 2))),  # an even kernel pads one more at the end, as PyTorch
    (3, 1, "same", 2, ((2, 2), (2, 2))),
    (2, 1, "valid", 1, ((0, 0), (0, 0))),
]


@pytest.mark.parametrize("mode", ["zeros", *MODES])
@pytest.mark.parametrize("kernel, stride, padding, dilation, pads", CONV2D_CASES)
def test_conv2d_padding_mode_matches_a_numpy_reference(mode, kernel, stride, padding, dilation, pads):
    layer = nn.Conv2d(2, 3, kernel, stride, padding, dilation, padding_mode=mode, seed=0, dtype=np.float64)
    x = _rng(8).normal(size=(2, 2, 5, 6))
    expected = conv_reference(
        x, layer.weight.data, layer.bias.data, layer.stride, pads, layer.dilation, mode
    )  # fmt: skip
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer(Tensor(x[0])).data, expected[0], rtol=1e-12, atol=1e-12)  # unbatched too


@pytest.mark.parametrize("mode", ["zeros", *MODES])
@pytest.mark.parametrize("kernel, padding, pads", [(3, 2, (2, 2)), (4, "same", (1, 2)), (3, (1,), (1, 1))])
def test_conv1d_padding_mode_matches_a_numpy_reference(mode, kernel, padding, pads):
    layer = nn.Conv1d(2, 3, kernel, padding=padding, padding_mode=mode, seed=1, dtype=np.float64)
    x = _rng(9).normal(size=(2, 2, 7))
    weight = layer.weight.data[:, :, None, :]  # a 1-d convolution is a 2-d one of height 1
    expected = conv_reference(x[:, :, None, :], weight, layer.bias.data, (1, 1), ((0, 0), pads), (1, 1), mode)
    np.testing.assert_allclose(layer(Tensor(x)).data, expected[:, :, 0, :], rtol=1e-12, atol=1e-12)


def test_zeros_mode_is_the_plain_convolution_node():
    x = Tensor(_rng(10).normal(size=(1, 2, 5, 5)).astype(np.float32))
    plain = nn.Conv2d(2, 3, 3, padding=1, seed=0)(x)
    assert plain.grad_fn.name == "conv2d" and plain.parents[0] is x  # no pad node in front: the benchmarked path
    padded = nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect", seed=0)(x)
    assert padded.parents[0] is not x and padded.parents[0].shape == (1, 2, 7, 7)  # padded first, then no padding
    assert padded.op == "conv2d 3x3 s1 (2->3)"  # no padding in the convolution itself
    assert nn.Conv2d(2, 3, 3, padding="valid", padding_mode="circular")(x).parents[0] is x  # nothing to pad


@pytest.mark.parametrize("mode", ["zeros", *MODES])
@pytest.mark.parametrize("n", [1, 2])
def test_padding_modes_pass_gradcheck_and_gradgradcheck(mode, n):
    rng = _rng(11)
    kind = nn.Conv2d if n == 2 else nn.Conv1d
    layer = kind(2, 2, 3, padding=(1, 2) if n == 2 else 2, padding_mode=mode, seed=2, dtype=np.float64)
    x = Tensor(rng.normal(size=(1, 2, 4, 3) if n == 2 else (1, 2, 4)), requires_grad=True)
    weight = Tensor(layer.weight.data.copy(), requires_grad=True)
    bias = Tensor(layer.bias.data.copy(), requires_grad=True)
    f = _with_parameters(layer)
    assert gradcheck(f, [x, weight, bias], mode="full").ok
    assert gradgradcheck(f, [x, weight, bias], mode="full").ok


def test_a_1d_transposed_convolution_has_second_derivatives_too():
    # Its backward convolves (N, C, 1, L) operands: their gradients must keep that layout under create_graph.
    rng = _rng(15)
    x, w, b = (Tensor(rng.normal(size=shape), requires_grad=True) for shape in [(2, 2, 4), (2, 3, 3), (3,)])
    assert gradgradcheck(lambda x, w, b: conv_transpose1d(x, w, b, stride=2, padding=1), [x, w, b]).ok
    assert gradgradcheck(lambda x, w: conv_transpose1d(x[0], w), [x, w]).ok  # unbatched


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")  # PyTorch's own remark
def test_padding_mode_matches_pytorch_and_prints_as_pytorch():
    torch = pytest.importorskip("torch")
    from microgradnn.interop import compare_with_torch

    x2, x1 = _rng(12).normal(size=(2, 2, 5, 6)), _rng(13).normal(size=(2, 2, 7))
    for mode in ["zeros", *MODES]:
        same = {"padding": "same", "dilation": (1, 2), "padding_mode": mode}
        cases = [
            (
                nn.Conv2d(2, 4, 3, 2, (1, 2), padding_mode=mode, seed=3),
                torch.nn.Conv2d(2, 4, 3, 2, (1, 2), padding_mode=mode),
                x2,
            ),
            (nn.Conv2d(2, 4, 4, **same, seed=4), torch.nn.Conv2d(2, 4, 4, **same), x2),
            (
                nn.Conv1d(2, 4, 4, 1, 3, 1, 2, padding_mode=mode, seed=5),
                torch.nn.Conv1d(2, 4, 4, 1, 3, 1, 2, padding_mode=mode),
                x1,
            ),
        ]
        for ours, theirs, x in cases:
            if ours.padding != "same":  # (PyTorch prints padding=same unquoted, ours padding='same')
                assert repr(ours) == repr(theirs)
            assert ("padding_mode" in repr(ours)) == (mode != "zeros")
            ours64 = type(ours)(**_settings(ours), dtype=np.float64)
            ours64.load_state_dict(ours.state_dict())
            with torch.no_grad():
                theirs.weight.copy_(torch.tensor(ours.weight.data))
                theirs.bias.copy_(torch.tensor(ours.bias.data))
            expected = theirs.double()(torch.tensor(x)).detach().numpy()
            np.testing.assert_allclose(ours64(Tensor(x)).data, expected, rtol=1e-6, atol=1e-6)
            c = compare_with_torch(ours64, x)  # forward and every gradient, through to_torch
            assert c.ok, str(c)


def _settings(layer):
    names = ["in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "padding_mode"]
    return {name: getattr(layer, name) for name in names}


@pytest.mark.parametrize("mode", MODES)
def test_padding_mode_carries_over_to_pytorch_and_back(mode):
    torch = pytest.importorskip("torch")
    from microgradnn.interop import from_torch, to_torch

    for ours in [
        nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode, dtype=np.float64),
        nn.Conv1d(2, 3, 3, padding="same", padding_mode=mode, dtype=np.float64),
    ]:
        theirs = to_torch(ours)
        assert theirs.padding_mode == mode
        back = from_torch(theirs)
        assert type(back) is type(ours) and back.padding_mode == mode and back.padding == ours.padding
        x = _rng(14).normal(size=(1, 2, 5, 5) if isinstance(ours, nn.Conv2d) else (1, 2, 5))
        np.testing.assert_allclose(back(Tensor(x)).data, ours(Tensor(x)).data, rtol=1e-12, atol=1e-12)
    back = from_torch(torch.nn.ConvTranspose2d(2, 3, 3, padding_mode="zeros"))
    assert type(back) is nn.ConvTranspose2d and back.padding_mode == "zeros"


def test_padding_mode_errors_name_the_layer_the_value_and_the_allowed_ones():
    allowed = r"padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular'"
    with pytest.raises(ValueError, match=rf"Conv2d: {allowed}, got 'reflection'"):
        nn.Conv2d(1, 2, 3, padding_mode="reflection")
    with pytest.raises(ValueError, match=rf"Conv1d: {allowed}, got None"):
        nn.Conv1d(1, 2, 3, padding_mode=None)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: only padding_mode='zeros' is supported \(as in PyTorch\)"):
        nn.ConvTranspose2d(1, 2, 3, padding_mode="reflect")
    assert nn.ConvTranspose2d(1, 2, 3, padding_mode="zeros").padding_mode == "zeros"
    with pytest.raises(ValueError, match=r"padding='same' needs stride 1"):  # 'same' stays stride 1 in every mode
        nn.Conv2d(1, 2, 3, stride=2, padding="same", padding_mode="reflect")
    too_far = nn.Conv2d(1, 2, 3, padding=2, padding_mode="reflect")
    with pytest.raises(
        ValueError,
        match=r"Conv2d\(1, 2, .*padding_mode=reflect\): pad: reflect padding \(2, 2\) on axis 3 must be smaller "
        r"than its size 2 .*; use less padding or another padding_mode",
    ):
        too_far(Tensor(np.zeros((1, 1, 4, 2), np.float32)))
    with pytest.raises(ValueError, match=r"Conv1d\(.*\): pad: circular padding \(3, 3\) on axis 2 is larger"):
        nn.Conv1d(1, 2, 3, padding=3, padding_mode="circular")(Tensor(np.zeros((1, 1, 2), np.float32)))
