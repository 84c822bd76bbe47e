"""The PyTorch bridge: to_torch / from_torch carry the same weights; compare_with_torch finds agreement and differences.

Runs where PyTorch is installed (``make test`` installs its CPU build) and is skipped cleanly where it is not.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_micrograd_lecture import run_py_blocks  # noqa: E402

from microgradnn import Tensor, Value, nn  # noqa: E402
from microgradnn.gradcheck import numeric_grad  # noqa: E402
from microgradnn.interop import Comparison, compare_with_torch, from_torch, to_torch  # noqa: E402
from microgradnn.interop.torch import TorchStep  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ACTIVATIONS = ["relu", "tanh", "sigmoid", "leaky_relu", "step", "linear"]


def _rows(n: int, nin: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, nin))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_scalar_mlp_becomes_a_torch_sequential_with_the_same_outputs(activation):
    model = nn.MLP(3, [4, 2], activation=activation, seed=1)
    theirs = to_torch(model)
    assert isinstance(theirs, torch.nn.Sequential)
    linears = [m for m in theirs if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(3, 4), (4, 2)]
    for layer, lin in zip(model.layers, linears):
        assert lin.weight.dtype == torch.float64
        np.testing.assert_array_equal(lin.weight.detach().numpy(), [[w.data for w in n.w] for n in layer.neurons])
        np.testing.assert_array_equal(lin.bias.detach().numpy(), [n.b.data for n in layer.neurons])
    x = _rows(5, 3)
    ours = np.array([[v.data for v in out] for out in model(x.tolist())])
    np.testing.assert_allclose(theirs(torch.from_numpy(x)).detach().numpy(), ours, rtol=1e-12, atol=1e-12)


def test_a_neuron_and_a_layer_convert_too():
    neuron = nn.Neuron(2, "tanh", weights=[0.5, -1.5], bias=0.25)
    out = to_torch(neuron)(torch.tensor([[2.0, 1.0]], dtype=torch.float64))
    assert out.item() == pytest.approx(np.tanh(0.5 * 2 - 1.5 * 1 + 0.25), abs=1e-15)
    layer = nn.Layer(2, 3, "sigmoid", seed=0)
    x = [0.3, -0.7]
    np.testing.assert_allclose(
        to_torch(layer)(torch.tensor(x, dtype=torch.float64)).detach().numpy(), [v.data for v in layer(x)], rtol=1e-12
    )


def _tensor_model(dtype=np.float32) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(3, 5, seed=0, dtype=dtype),
        nn.LeakyReLU(0.2),
        nn.Linear(5, 4, seed=1, dtype=dtype),
        nn.Tanh(),
        nn.Linear(4, 3, bias=False, seed=2, dtype=dtype),
        nn.Softmax(axis=-1),
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tensor_modules_map_one_to_one_with_the_same_state_dict(dtype):
    model = _tensor_model(dtype)
    theirs = to_torch(model)
    assert [type(m).__name__ for m in theirs] == ["Linear", "LeakyReLU", "Linear", "Tanh", "Linear", "Softmax"]
    assert theirs[1].negative_slope == 0.2 and theirs[5].dim == -1
    ours_state, their_state = model.state_dict(), theirs.state_dict()
    assert list(their_state) == list(ours_state)
    for name, value in ours_state.items():
        assert their_state[name].numpy().dtype == value.dtype
        np.testing.assert_array_equal(their_state[name].numpy(), value)
    x = _rows(6, 3).astype(dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(theirs(torch.from_numpy(x)).detach().numpy(), model(Tensor(x)).data, rtol=tol, atol=tol)


def test_the_copy_is_a_copy():
    model = nn.Linear(2, 2, seed=0)
    before = model.weight.data.copy()
    theirs = to_torch(model)
    with torch.no_grad():
        theirs.weight.add_(1.0)
    np.testing.assert_array_equal(model.weight.data, before)
    back = from_torch(theirs)
    theirs.weight.data.zero_()
    np.testing.assert_array_equal(back.weight.data, before + 1.0)


def test_from_torch_builds_our_modules_with_the_same_weights_and_outputs():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(4, 6),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.25),
        torch.nn.Linear(6, 1),
        torch.nn.Sigmoid(),
        TorchStep(),
    ).double()
    ours = from_torch(theirs)
    assert [type(m).__name__ for m in ours] == ["Flatten", "Linear", "ReLU", "Dropout", "Linear", "Sigmoid", "Step"]
    assert ours[3].p == 0.25 and ours[1].weight.data.dtype == np.float64
    for name, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[name], value.numpy())
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(2).normal(size=(8, 2, 2))
    expected = theirs[:-1](torch.from_numpy(x)).detach().numpy()
    got = Tensor(x)
    for m in list(ours)[:-1]:
        got = m(got)
    np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours[-1](got).data, theirs[-1](torch.from_numpy(expected)).numpy())


def test_round_trip_keeps_every_weight():
    model = _tensor_model()
    back = from_torch(to_torch(model))
    assert back.state_dict().keys() == model.state_dict().keys()
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[name], value)


def test_unsupported_modules_are_named_in_the_error():
    class Mine(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match=r"to_torch: no PyTorch equivalent for Mine; supported: MLP"):
        to_torch(Mine())
    with pytest.raises(TypeError, match=r"from_torch: no microgradnn equivalent for torch.nn.GRU"):
        from_torch(torch.nn.GRU(2, 2))
    with pytest.raises(TypeError, match=r"float16.*\.float\(\) or \.double\(\)"):
        from_torch(torch.nn.Linear(2, 2).half())
    with pytest.raises(ValueError, match=r"Softmax\(\) without dim"):
        from_torch(torch.nn.Softmax())


def test_the_errors_list_every_module_that_converts():
    from microgradnn.interop.torch import _FROM_TORCH, _TO_TORCH

    ours = [
        nn.MLP(2, [3, 1], seed=0), nn.Layer(2, 3, seed=0), nn.Neuron(2, seed=0), nn.Linear(2, 3),
        nn.Sequential(nn.Linear(2, 3)), nn.LeNet(), nn.Conv1d(1, 2, 3), nn.Conv2d(1, 2, 3),
        nn.ConvTranspose2d(1, 2, 3), nn.MaxPool2d(2), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.BatchNorm1d(2),
        nn.BatchNorm2d(2), nn.LayerNorm(2), nn.GroupNorm(1, 2), nn.Embedding(4, 2), nn.Flatten(),
        nn.Unflatten(1, (2, 1)), nn.Dropout(0.5), nn.ReLU(), nn.LeakyReLU(), nn.Tanh(), nn.Sigmoid(), nn.Softmax(),
        nn.Step(),
    ]  # fmt: skip
    assert sorted(type(m).__name__ for m in ours) == sorted(_TO_TORCH.split(", "))
    theirs = [to_torch(m) for m in ours[3:] if not isinstance(m, nn.LeNet)]  # (LeNet comes back as a Sequential)
    assert sorted({type(m).__name__ for m in theirs}) == sorted(_FROM_TORCH.split(", "))
    for module in theirs:
        from_torch(module)


def test_every_converted_module_keeps_its_own_train_or_eval_mode():
    evaluating = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(0.5)).eval()
    assert [m.training for m in from_torch(evaluating).modules()] == [False, False, False]
    mixed = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5))
    mixed[1].eval()  # only the dropout evaluates
    there = to_torch(mixed)
    assert [m.training for m in there.modules()] == [True, True, False]
    assert [m.training for m in from_torch(there).modules()] == [True, True, False]
    assert not any(m.training for m in to_torch(nn.MLP(2, [3, 1], seed=0).eval()).modules())
    assert not to_torch(nn.Linear(2, 2).eval()).training


def _fd_grads(fn, *arrays):
    """Finite-difference gradients of fn's scalar output, through our own numeric_grad."""
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    return numeric_grad(fn, tensors)


def test_a_function_agrees_and_its_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))

    def f(x, w):
        return ((x @ w).tanh() * (x @ w).sigmoid()).sum()

    c = compare_with_torch(f, x, w)
    assert isinstance(c, Comparison) and c.ok
    assert [(r.kind, r.name) for r in c.rows] == [("forward", "output"), ("gradient", "d/dx"), ("gradient", "d/dw")]
    assert c.max_abs_diff < 1e-12
    for row, fd in zip(c.rows[1:], _fd_grads(f, x, w)):
        np.testing.assert_allclose(row.ours, fd, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(row.theirs, fd, rtol=1e-6, atol=1e-8)
    text = str(c)
    assert re.search(r"^gradient\s+d/dw\s+\(3, 2\)", text, re.M)
    assert "microgradnn and PyTorch agree" in text and "DIFFERS" not in text


def test_integer_inputs_are_named_in_a_note_since_they_get_no_gradient():
    c = compare_with_torch(lambda x: (x * x).sum(), [1, 2, 3])
    assert [r.kind for r in c.rows] == ["forward"]  # nothing to differentiate: ints go in as they are
    assert "No gradient for x" in str(c) and "1.0 rather than 1" in c._repr_html_()
    floats = compare_with_torch(lambda x: (x * x).sum(), [1.0, 2.0, 3.0])
    assert [r.kind for r in floats.rows] == ["forward", "gradient"] and "No gradient" not in str(floats)


def test_a_non_scalar_output_is_differentiated_through_its_sum():
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    c = compare_with_torch(lambda x: x.relu() * 3.0, x)
    assert c.ok and c.rows[0].ours.shape == (2, 2)
    np.testing.assert_array_equal(c.rows[1].ours, np.where(x > 0, 3.0, 0.0))
    assert "sum of the output's elements" in str(c)


def test_a_difference_is_found_and_shown():
    def f(x):  # a deliberate slip: PyTorch's side uses a different activation
        return x.tanh().sum() if isinstance(x, Tensor) else x.sigmoid().sum()

    c = compare_with_torch(f, np.array([0.1, 0.2, 0.3]))
    assert not c.ok
    x = np.array([0.1, 0.2, 0.3])
    t, s = np.tanh(x), 1 / (1 + np.exp(-x))
    assert c.rows[0].max_abs_diff == pytest.approx(abs(t.sum() - s.sum()), rel=1e-12)
    assert c.rows[1].max_abs_diff == pytest.approx(np.max(np.abs((1 - t**2) - s * (1 - s))), rel=1e-12)
    assert c.max_abs_diff == max(r.max_abs_diff for r in c.rows)
    assert [r.name for r in c.rows if not c.row_ok(r)] == ["output", "d/dx"]
    assert "DIFFERS" in str(c) and "microgradnn and PyTorch DIFFER" in str(c)
    # A tiny difference below the tolerance is agreement; the tolerance is the caller's to tighten.
    near = compare_with_torch(lambda x: (x * (1.0 + 1e-12)).sum() if isinstance(x, Tensor) else x.sum(), [1.0])
    assert (
        near.ok
        and not compare_with_torch(
            lambda x: (x * (1.0 + 1e-12)).sum() if isinstance(x, Tensor) else x.sum(), [1.0], atol=0, rtol=0
        ).ok
    )


def test_models_compare_with_their_weights_gradients():
    mlp = nn.MLP(2, [3, 1], activation="tanh", seed=4)
    c = compare_with_torch(mlp, _rows(5, 2))
    assert c.ok
    names = [r.name for r in c.rows]
    assert names == ["output", "layers.0.w (nout x nin)", "layers.0.b", "layers.1.w (nout x nin)", "layers.1.b"]
    # the scalar MLP's own grads are the ones compared: run the same backward by hand
    mlp.zero_grad()
    total = Value(0.0)
    for out in mlp(_rows(5, 2).tolist()):
        total = total + out
    total.backward()
    np.testing.assert_allclose(c.rows[2].ours, [n.b.grad for n in mlp.layers[0].neurons], rtol=1e-12)

    seq = _tensor_model(np.float64)
    c = compare_with_torch(seq, _rows(4, 3))
    assert c.ok and c.atol == 1e-10
    assert [r.name for r in c.rows] == ["output", "d/dx", "0.weight", "0.bias", "2.weight", "2.bias", "4.weight"]
    assert compare_with_torch(_tensor_model(), _rows(4, 3)).atol == 1e-5  # a float32 model, float32 tolerances


def test_the_html_table_has_one_row_per_quantity_and_escapes_text():
    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows = 0
            self.text = []

        def handle_starttag(self, tag, attrs):
            self.rows += tag == "tr"

        def handle_data(self, data):
            self.text.append(data)

    c = compare_with_torch(lambda a, b: (a * b).sum(), [1.0, 2.0], [3.0, 4.0])
    reader = Reader()
    reader.feed(c._repr_html_())
    assert reader.rows == 1 + len(c.rows) == 4
    assert "agree" in "".join(reader.text)
    fake = Comparison(c.rows, atol=c.atol, rtol=c.rtol, note="<b>x</b>")
    assert "<b>x</b>" not in fake._repr_html_() and "&lt;b&gt;x&lt;/b&gt;" in fake._repr_html_()


def test_compare_needs_inputs():
    with pytest.raises(TypeError, match="give the inputs too"):
        compare_with_torch(lambda x: x)


def test_without_torch_the_bridge_says_how_to_install_it():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import microgradnn, microgradnn.interop\n"
        "try:\n    microgradnn.interop.to_torch\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "pip install 'microgradnn[torch]'" in out.stdout


@pytest.mark.parametrize("page", ["guides/pytorch.md", "ko/guides/pytorch.md"])
def test_the_guide_runs_as_written(page, monkeypatch, tmp_path):
    assert run_py_blocks(ROOT / "docs" / page, monkeypatch, tmp_path) >= 4


def _layers_with_inputs():
    rng = np.random.default_rng(5)
    image = rng.normal(size=(2, 3, 8, 8))
    return [
        (nn.Conv2d(3, 4, 3, stride=2, padding=1, seed=0, dtype=np.float64), image),
        (nn.Conv2d(3, 6, (3, 1), padding="same", dilation=1, groups=3, bias=False, seed=1, dtype=np.float64), image),
        (nn.Conv1d(3, 2, 5, padding=2, seed=2, dtype=np.float64), image[:, :, 0, :]),
        (nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1, seed=3, dtype=np.float64), image),
        (nn.MaxPool2d(3, stride=2, padding=1), image),
        (nn.AvgPool2d(2, ceil_mode=True, count_include_pad=False), image[:, :, :7, :7]),
        (nn.AdaptiveAvgPool2d((3, 2)), image),
        (nn.BatchNorm2d(3, momentum=0.2, dtype=np.float64), image),
        (nn.BatchNorm1d(3, dtype=np.float64), image[:, :, 0, 0]),
        (nn.LayerNorm((8, 8), dtype=np.float64), image),
        (nn.GroupNorm(3, 3, dtype=np.float64), image),
        (nn.Conv2d(3, 2, 3, padding=(2, 1), padding_mode="reflect", seed=4, dtype=np.float64), image),
    ]


@pytest.mark.parametrize(
    "layer, x", _layers_with_inputs(), ids=lambda v: type(v).__name__ if not hasattr(v, "shape") else ""
)
def test_convolution_pooling_and_norm_layers_carry_over_both_ways(layer, x):
    if isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)) and layer.weight is not None:
        rng = np.random.default_rng(6)
        layer.load_state_dict(
            {"weight": rng.normal(size=layer.weight.shape), "bias": rng.normal(size=layer.bias.shape)},
            strict=False,  # the weights only; the running statistics (buffers) stay as they are
        )
    theirs = to_torch(layer)
    assert type(theirs).__name__ == type(layer).__name__
    c = compare_with_torch(layer, x)  # forward, d/dx and every weight's gradient, in training mode
    assert c.ok, str(c)
    back = from_torch(theirs)
    assert type(back) is type(layer)
    for name, value in layer.named_parameters():  # (the running statistics are checked in the next test)
        np.testing.assert_array_equal(back.state_dict()[name], value.data)
    np.testing.assert_allclose(back(Tensor(x)).data, layer(Tensor(x)).data, rtol=1e-12, atol=1e-12)


def test_batchnorm_keeps_its_running_statistics_and_mode():
    rng = np.random.default_rng(7)
    ours = nn.BatchNorm2d(3, momentum=0.3, dtype=np.float64)
    for _ in range(3):  # some batches seen: the running estimates moved away from 0 and 1
        ours(Tensor(rng.normal(2.0, 3.0, size=(4, 3, 5, 5))))
    ours.eval()
    theirs = to_torch(ours)
    assert not theirs.training and int(theirs.num_batches_tracked) == ours.num_batches_tracked == 3
    np.testing.assert_array_equal(theirs.running_mean.numpy(), ours.running_mean)
    np.testing.assert_array_equal(theirs.running_var.numpy(), ours.running_var)
    x = rng.normal(size=(2, 3, 5, 5))
    np.testing.assert_allclose(
        theirs(torch.from_numpy(x)).detach().numpy(), ours(Tensor(x)).data, rtol=1e-12, atol=1e-12
    )  # eval mode: both normalise with the running statistics
    back = from_torch(theirs)
    assert not back.training and back.num_batches_tracked == 3
    np.testing.assert_array_equal(back.running_var, ours.running_var)


def test_lenet_becomes_a_torch_model_with_the_same_keys_and_outputs():
    model = nn.LeNet(seed=0)
    theirs = to_torch(model)
    assert list(theirs.state_dict()) == list(model.state_dict())
    x = np.random.default_rng(8).normal(size=(3, 1, 8, 8)).astype(np.float32)
    c = compare_with_torch(model, x)
    assert c.ok and c.atol == 1e-5, str(c)
    assert [r.name for r in c.rows][:3] == ["output", "d/dx", "features.0.weight"]


def test_an_embedding_takes_integer_ids_on_both_sides():
    emb = nn.Embedding(6, 3, padding_idx=0, seed=0, dtype=np.float64)
    ids = np.array([[1, 0, 5], [2, 2, 4]])
    c = compare_with_torch(emb, ids)
    assert c.ok and [r.name for r in c.rows] == ["output", "weight"]
    np.testing.assert_array_equal(c.rows[1].ours[2], [2.0, 2.0, 2.0])  # id 2 appears twice: its row sums both
    assert from_torch(to_torch(emb)).padding_idx == 0


def test_max_pool_return_indices_carries_over_both_ways():
    # Dropped in either direction, the converted layer would silently return plain values instead of the pair.
    ours = nn.MaxPool2d(2, return_indices=True)
    theirs = to_torch(ours)
    assert theirs.return_indices is True
    back = from_torch(torch.nn.MaxPool2d(2, return_indices=True))
    assert back.return_indices is True
    x = np.random.default_rng(7).normal(size=(1, 2, 4, 4))
    values, indices = back(Tensor(x))
    t_values, t_indices = theirs(torch.from_numpy(x))
    np.testing.assert_array_equal(values.data, t_values.numpy())
    np.testing.assert_array_equal(indices.data, t_indices.numpy())


def test_unflatten_carries_over_both_ways():
    ours = nn.Unflatten(1, (2, 3))
    theirs = to_torch(ours)
    assert isinstance(theirs, torch.nn.Unflatten) and tuple(theirs.unflattened_size) == (2, 3)
    back = from_torch(torch.nn.Unflatten(-1, (3, 2)))
    assert isinstance(back, nn.Unflatten) and back.dim == -1 and back.unflattened_size == (3, 2)
    x = np.arange(12.0).reshape(2, 6)
    np.testing.assert_array_equal(ours(Tensor(x)).data, theirs(torch.from_numpy(x)).numpy())
