"""nn layers for CNNs: Conv1d/Conv2d/ConvTranspose2d, pools, BatchNorm1d/2d, LayerNorm, Embedding, LeNet."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradnn import Tensor, nn, viz
from microgradnn.engine import topological_order
from microgradnn.gradcheck import gradcheck
from microgradnn.testing import strategies as mst


def test_conv_layers_initialise_as_pytorch_and_print_as_pytorch():
    torch = pytest.importorskip("torch")
    pairs = [
        (nn.Conv2d(1, 16, 3, padding=1), torch.nn.Conv2d(1, 16, 3, padding=1)),
        (nn.Conv2d(4, 8, (3, 2), stride=2, dilation=2, groups=2, bias=False), None),
        (nn.Conv1d(2, 4, 5, stride=2), torch.nn.Conv1d(2, 4, 5, stride=2)),
        (
            nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1),
            torch.nn.ConvTranspose2d(4, 2, 3, 2, output_padding=1),
        ),
        (nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
    ]
    for ours, theirs in pairs:
        if theirs is not None:
            assert repr(ours) == repr(theirs)
        if hasattr(ours, "weight"):
            fan_in = ours.weight.shape[1] * math.prod(ours.weight.shape[2:])
            bound = 1 / math.sqrt(fan_in)
            assert np.abs(ours.weight.data).max() <= bound
            assert np.abs(ours.weight.data).max() > 0.5 * bound  # drawn over the whole range, not near zero
    assert repr(nn.Conv2d(4, 8, 3, groups=2, bias=False)) == repr(torch.nn.Conv2d(4, 8, 3, groups=2, bias=False))
    for ours, theirs in [
        (nn.BatchNorm2d(16), torch.nn.BatchNorm2d(16)),
        (nn.BatchNorm1d(4, affine=False, momentum=None), torch.nn.BatchNorm1d(4, affine=False, momentum=None)),
        (nn.LayerNorm((4, 5), bias=False), torch.nn.LayerNorm((4, 5), bias=False)),
        (nn.Embedding(5, 3, padding_idx=0), torch.nn.Embedding(5, 3, padding_idx=0)),
        (nn.AvgPool2d(3, 1, 1), torch.nn.AvgPool2d(3, 1, 1)),
    ]:
        assert repr(ours) == repr(theirs)


def test_conv_layer_output_matches_pytorch_with_the_same_weights():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 4, 7, 7))
    for ours in [
        nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, dtype=np.float64),
        nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, dtype=np.float64),
    ]:
        kind = torch.nn.Conv2d if isinstance(ours, nn.Conv2d) else torch.nn.ConvTranspose2d
        kwargs = {"groups": 2} if kind is torch.nn.Conv2d else {"output_padding": 1}
        theirs = kind(4, 6, 3, stride=2, padding=1, **kwargs).double()
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(ours.weight.data))
            theirs.bias.copy_(torch.tensor(ours.bias.data))
        np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-12)


def test_conv_layer_gradients_and_same_padding():
    layer = nn.Conv2d(2, 3, 4, padding="same", seed=0, dtype=np.float64)  # an even kernel pads unevenly
    x = Tensor(np.random.default_rng(1).standard_normal((1, 2, 5, 5)), requires_grad=True)
    assert layer(x).shape == (1, 3, 5, 5)
    gradcheck(lambda t, w, b: layer(t), [x, layer.weight, layer.bias])


def test_layer_errors_name_the_layer_and_the_shapes():
    with pytest.raises(
        ValueError, match=r"Conv2d\(1, 16, .*\): expected input with 1 channels .* got shape \(2, 3, 8, 8\)"
    ):
        nn.Conv2d(1, 16, 3)(Tensor(np.zeros((2, 3, 8, 8), np.float32)))
    with pytest.raises(ValueError, match=r"Conv2d: in_channels must be a positive int, got 0"):
        nn.Conv2d(0, 16, 3)
    with pytest.raises(ValueError, match=r"Conv2d: groups=2 must divide in_channels \(3\)"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"Conv2d: padding='same' needs stride 1"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(TypeError, match=r"Conv2d: dtype must be a float dtype"):
        nn.Conv2d(3, 4, 3, dtype=np.int64)
    with pytest.raises(ValueError, match=r"Conv1d\(.*\): expected input \(N, C, L\), got shape \(1, 2, 3, 4\)"):
        nn.Conv1d(2, 4, 3)(Tensor(np.zeros((1, 2, 3, 4), np.float32)))
    with pytest.raises(ValueError, match=r"MaxPool2d: kernel_size must be >= 1, got 0"):
        nn.MaxPool2d(0)


# ------------------------------------------------------------------ batch norm
@pytest.mark.parametrize(
    ("cls", "shape"), [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (5, 3, 4, 4))]
)
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batch_norm_matches_pytorch_in_training_and_eval(cls, shape, momentum):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    ours = getattr(nn, cls)(3, momentum=momentum, dtype=np.float64)
    theirs = getattr(torch.nn, cls)(3, momentum=momentum).double()
    for _ in range(3):
        x = rng.standard_normal(shape) * 3 + 2
        X, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = ours(X), theirs(xt)
        np.testing.assert_allclose(y.data, yt.detach().numpy(), atol=1e-10)
        g = rng.standard_normal(shape)
        y.backward(g)
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(X.grad, xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), atol=1e-10)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-10)
    before = ours.running_mean.copy()
    ours(Tensor(x))
    np.testing.assert_array_equal(ours.running_mean, before)  # eval mode leaves the statistics alone


@settings(max_examples=20)
@given(st.sampled_from([(4, 2), (3, 2, 3), (2, 2, 2, 3)]).flatmap(mst.arrays), st.booleans())
def test_norm_gradients_match_finite_differences(x, train):
    cls = nn.BatchNorm2d if x.ndim == 4 else nn.BatchNorm1d
    bn = cls(2, dtype=np.float64)
    bn.running_mean[...] = [0.5, -1.0]
    bn.train(train)
    X = Tensor(x, requires_grad=True)
    gradcheck(lambda t, w, b: bn(t), [X, bn.weight, bn.bias])
    ln = nn.LayerNorm(x.shape[-1], dtype=np.float64)
    gradcheck(lambda t, w, b: ln(t), [X, ln.weight, ln.bias])


def test_layer_norm_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 5))
    ours, theirs = nn.LayerNorm((4, 5), dtype=np.float64), torch.nn.LayerNorm((4, 5)).double()
    X, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(X), theirs(xt)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), atol=1e-10)
    y.sum().backward()
    (yt * 1).sum().backward()
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), atol=1e-10)


def test_norm_errors():
    with pytest.raises(
        ValueError, match=r"BatchNorm2d\(3, .*\): expected 3 channels \(axis 1\), got shape \(2, 4, 5, 5\)"
    ):
        nn.BatchNorm2d(3)(Tensor(np.zeros((2, 4, 5, 5), np.float32)))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3, .*\): expected input \(N, C, H, W\), got shape \(2, 3\)"):
        nn.BatchNorm2d(3)(Tensor(np.zeros((2, 3), np.float32)))
    with pytest.raises(ValueError, match=r"training needs more than one value per channel"):
        nn.BatchNorm1d(3)(Tensor(np.zeros((1, 3), np.float32)))
    with pytest.raises(ValueError, match=r"BatchNorm1d: momentum must be a number in \[0, 1\]"):
        nn.BatchNorm1d(3, momentum=2)
    with pytest.raises(
        ValueError, match=r"LayerNorm\(\(4,\), .*\): expected the last 1 axes of the input to be \(4,\)"
    ):
        nn.LayerNorm(4)(Tensor(np.zeros((2, 5), np.float32)))


# ------------------------------------------------------------------ embedding
def test_embedding_looks_up_rows_and_adds_gradients_of_repeated_ids():
    emb = nn.Embedding(5, 3, seed=0)
    ids = Tensor([[1, 2, 1], [4, 1, 0]])
    out = emb(ids)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data[0, 0], emb.weight.data[1])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [1, 3, 1, 0, 1])


def test_embedding_padding_row_gets_no_gradient_and_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours = nn.Embedding(5, 3, padding_idx=0, seed=0)
    theirs = torch.nn.Embedding(5, 3, padding_idx=0)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
    ids = np.array([[0, 2], [2, 0]])
    ours(Tensor(ids)).sum().backward()
    theirs(torch.tensor(ids)).sum().backward()
    np.testing.assert_array_equal(ours.weight.grad, theirs.weight.grad.numpy())
    assert not ours.weight.grad[0].any() and np.abs(ours.weight.data[0]).max() == 0


def test_embedding_errors():
    emb = nn.Embedding(5, 3)
    with pytest.raises(TypeError, match=r"Embedding\(5, 3\): ids must be an integer tensor, got dtype float32"):
        emb(Tensor([1.0, 2.0]))
    with pytest.raises(IndexError, match=r"Embedding\(5, 3\): id 7 is out of range; ids must be in \[0, 5\)"):
        emb(Tensor([1, 7]))


# --------------------------------------------------------------------- LeNet
def test_lenet_shapes_parameters_and_a_picture_worthy_graph():
    model = nn.LeNet(seed=0)
    x = Tensor(np.zeros((3, 1, 8, 8), np.float32))
    assert model(x).shape == (3, 10)
    assert model.num_parameters() == (16 * 9 + 16) + (32 * 16 * 9 + 32) + (128 * 64 + 64) + (64 * 10 + 10)
    ops = [n.op for n in topological_order(model(Tensor(np.zeros((1, 1, 8, 8), np.float32), requires_grad=True)))]
    assert "conv2d 3x3 s1 p1 (1->16)" in ops and "conv2d 3x3 s1 p1 (16->32)" in ops
    with pytest.raises(ValueError, match=r"LeNet: image_size must be divisible by 4"):
        nn.LeNet(image_size=10)


def test_the_graph_picture_shows_the_conv_node_with_its_kernel_and_the_shapes():
    layer = nn.Conv2d(1, 4, 3, padding=1, seed=0)
    source = viz.draw_graph(layer(Tensor(np.zeros((2, 1, 4, 4), np.float32))).sum()).source
    assert "conv2d 3x3 s1 p1 (1-&gt;4)" in source  # the whole name, escaped for the HTML label
    assert "(2, 1, 4, 4) float32" in source and "(2, 4, 4, 4) float32" in source and "(4, 1, 3, 3) float32" in source


def test_the_functions_are_in_nn_functional_as_in_pytorch():
    from microgradnn import tensor
    from microgradnn.nn import functional as F

    for name in ("conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "interpolate", "unfold", "fold"):
        assert getattr(F, name) is getattr(tensor, name)


def test_batchnorm_running_statistics_are_saved_and_restored(tmp_path):
    import microgradnn
    from microgradnn import Tensor, nn

    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(3, 4, seed=0), nn.BatchNorm1d(4))
    for _ in range(3):
        model(Tensor(rng.normal(size=(8, 3)).astype(np.float32)))
    state = model.state_dict()
    assert {"1.running_mean", "1.running_var", "1.num_batches_tracked"} <= set(state)
    assert int(state["1.num_batches_tracked"]) == 3
    microgradnn.save(state, tmp_path / "bn.npz")
    fresh = nn.Sequential(nn.Linear(3, 4, seed=1), nn.BatchNorm1d(4))
    fresh.load_state_dict(microgradnn.load(tmp_path / "bn.npz"))
    np.testing.assert_array_equal(fresh[1].running_mean, model[1].running_mean)
    np.testing.assert_array_equal(fresh[1].running_var, model[1].running_var)
    assert fresh[1].num_batches_tracked == 3
    x = Tensor(rng.normal(size=(5, 3)).astype(np.float32))
    np.testing.assert_array_equal(fresh.eval()(x).data, model.eval()(x).data)  # eval uses the restored statistics
    assert all(name != "running_mean" for name, _ in fresh.named_parameters())
    with pytest.raises(ValueError, match=r"buffer '1.running_mean' must be numbers of shape \(4,\)"):
        fresh.load_state_dict({**state, "1.running_mean": np.zeros(3)})
