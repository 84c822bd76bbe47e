"""Tensor layers: Linear, Sequential, activation modules, Dropout, Flatten, init; digits end to end."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradnn import Tensor, Value, data, gradcheck, optim
from microgradnn.nn import (
    Dropout,
    Flatten,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
    init,
)
from microgradnn.nn import functional as F
from microgradnn.testing import strategies as mst


def t64(a, grad=False):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_linear_computes_x_wt_plus_b():
    lin = Linear(3, 2, dtype=np.float64, seed=0)
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(lin(t64(x)).data, x @ lin.weight.data.T + lin.bias.data)
    assert lin.weight.data.shape == (2, 3) and lin.bias.data.shape == (2,)


@st.composite
def linear_inputs(draw):
    """(x, W, b or None) for a Linear layer: x is 1-d, a batch, or has extra batch axes (..., in)."""
    n_in, n_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(st.sampled_from([(), (2,), (3,), (2, 2)]))
    x = draw(mst.arrays((*batch, n_in)))
    w = draw(mst.arrays((n_out, n_in)))
    b = draw(st.none() | mst.arrays((n_out,)))
    return x, w, b


@settings(max_examples=25, deadline=None)
@given(linear_inputs(), st.booleans())
def test_linear_is_one_node_and_passes_gradcheck(inputs, x_needs_grad):
    x, w, b = inputs
    lin = Linear(w.shape[1], w.shape[0], bias=b is not None, dtype=np.float64, seed=0)

    def f(x, w, *b):
        lin.weight, lin.bias = w, (b[0] if b else None)
        return lin(x)

    tensors = [t64(x, x_needs_grad), t64(w, True)] + ([t64(b, True)] if b is not None else [])
    gradcheck(f, tensors)
    out = f(*tensors)
    assert out.op == "linear" and out.parents == tuple(tensors)
    np.testing.assert_allclose(out.data, x @ w.T + (b if b is not None else 0.0), rtol=1e-12)
    out.sum().backward()
    assert (tensors[0].grad is not None) == x_needs_grad  # an input batch that needs no gradient costs no matmul


def test_linear_hands_every_parameter_its_own_gradient_array():
    lin = Linear(3, 2, seed=0)
    out = lin(Tensor(np.ones((4, 3), dtype=np.float32), requires_grad=True))
    out.sum().backward()
    grads = [lin.weight.grad, lin.bias.grad, out.parents[0].grad]
    assert [g.shape for g in grads] == [(2, 3), (2,), (4, 3)] and all(g.dtype == np.float32 for g in grads)
    assert lin.weight.grad.flags.c_contiguous  # laid out like the weight, so an update runs at full speed
    assert not any(np.shares_memory(a, b) for i, a in enumerate(grads) for b in grads[i + 1 :])


def test_linear_output_dtype_follows_numpy_promotion():
    lin = Linear(3, 2, seed=0)  # float32 weights
    x = Tensor(np.ones((4, 3), dtype=np.float32))
    assert lin(x).dtype == np.float32
    lin.bias = Tensor(np.array([0.5, -0.5]), requires_grad=True)  # a float64 bias promotes the output
    out = lin(x)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, x.data @ lin.weight.data.T + [0.5, -0.5], rtol=1e-6)
    out.sum().backward()
    assert lin.weight.grad.dtype == np.float32 and lin.bias.grad.dtype == np.float64  # each its parameter's dtype


def test_linear_int_or_bool_input_takes_the_weights_dtype():
    lin = Linear(2, 1, seed=0)  # float32 weights
    for x in (Tensor([[1, 2]]), Tensor(np.array([[True, False]]))):
        out = lin(x)
        assert out.dtype == (x @ lin.weight.T).dtype == np.float32  # an int operand meets a float one in its dtype
        np.testing.assert_allclose(out.data, x.data @ lin.weight.data.T + lin.bias.data, rtol=1e-6)


def test_batchnorm_refuses_one_value_per_channel_whenever_it_uses_batch_statistics():
    torch = pytest.importorskip("torch")
    from microgradnn.nn import BatchNorm1d, norm

    layer, ref = BatchNorm1d(3, track_running_stats=False).eval(), torch.nn.BatchNorm1d(3, track_running_stats=False)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        ref.eval()(torch.zeros(1, 3))
    with pytest.raises(ValueError, match=r"more than one value per channel.*\(1, 3\).*track_running_stats=True"):
        layer(Tensor(np.zeros((1, 3))))
    assert BatchNorm1d(3).eval()(Tensor(np.zeros((1, 3)))).shape == (1, 3)  # running stats: fine, as in torch
    assert "running_mean" in BatchNorm1d(3).state_dict()  # a buffer, and the module docstring says so
    assert "``state_dict()`` saves them" in " ".join(norm.__doc__.split())


def test_linear_without_bias():
    lin = Linear(2, 3, bias=False, seed=0)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    assert lin(Tensor(np.ones((1, 2)))).data.shape == (1, 3)


def test_linear_default_init_bounds_dtype_and_seed():
    lin = Linear(16, 8, seed=0)
    bound = 1 / math.sqrt(16)
    assert lin.weight.data.dtype == np.float32
    assert np.all(np.abs(lin.weight.data) <= bound) and np.all(np.abs(lin.bias.data) <= bound)
    np.testing.assert_array_equal(Linear(16, 8, seed=0).weight.data, lin.weight.data)
    assert not np.array_equal(Linear(16, 8, seed=1).weight.data, lin.weight.data)


@pytest.mark.parametrize(
    ("rule", "std"),
    [
        ("kaiming_uniform", math.sqrt(2 / 400)),
        ("kaiming_normal", math.sqrt(2 / 400)),
        ("xavier_uniform", math.sqrt(2 / (400 + 300))),
        ("xavier_normal", math.sqrt(2 / (400 + 300))),
    ],
)
def test_init_rules_have_their_standard_deviation(rule, std):
    lin = Linear(400, 300, init=rule, seed=0, dtype=np.float64)
    assert lin.weight.data.std() == pytest.approx(std, rel=0.03)
    assert np.all(lin.bias.data == 0)


def test_manual_seed_makes_unseeded_layers_reproducible():
    init.manual_seed(123)
    a = Linear(4, 4)
    init.manual_seed(123)
    b = Linear(4, 4)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)


def test_init_errors():
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="at least 2 axes"):
        init.kaiming_uniform_(Tensor(np.zeros(3), requires_grad=True))
    with pytest.raises(TypeError, match="seed must be"):
        init.get_rng("seed")
    with pytest.raises(ValueError, match="unknown init"):
        Linear(2, 2, init="he")
    assert init.calculate_gain("leaky_relu", 0.0) == pytest.approx(math.sqrt(2))


def test_wrong_input_width_names_expected_and_received():
    with pytest.raises(ValueError, match=r"Linear\(64 -> 128\): expected input with 64 features.*got shape \(5, 32\)"):
        Linear(64, 128)(Tensor(np.zeros((5, 32))))
    with pytest.raises(TypeError, match=r"expected a Tensor, got ndarray; wrap arrays as Tensor\(X\)"):
        Linear(2, 2)(np.zeros((1, 2)))
    with pytest.raises(TypeError, match="got Value"):
        Linear(1, 1)(Value(1.0))
    with pytest.raises(ValueError, match="positive int"):
        Linear(0, 2)


@pytest.mark.parametrize(
    ("module", "ref"),
    [
        (ReLU(), lambda a: np.maximum(a, 0)),
        (LeakyReLU(0.2), lambda a: np.where(a > 0, a, 0.2 * a)),
        (Tanh(), np.tanh),
        (Sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
        (Step(), lambda a: (a >= 0).astype(float)),
        (Softmax(), lambda a: np.exp(a) / np.exp(a).sum(axis=-1, keepdims=True)),
    ],
)
def test_activation_modules_on_tensors_and_values(module, ref):
    x = np.array([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]])
    np.testing.assert_allclose(module(t64(x)).data, ref(x), rtol=1e-12)
    row = [Value(v) for v in x[1]]
    np.testing.assert_allclose([v.data for v in module(row)], ref(x[1:])[0], rtol=1e-12)


def test_softmax_axis_and_repr():
    x = np.array([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_allclose(Softmax(axis=0)(t64(x)).data.sum(axis=0), [1.0, 1.0])
    assert repr(Softmax(axis=0)) == "Softmax(axis=0)" and repr(LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"


def test_dropout_drops_and_scales_in_training_and_is_identity_in_eval():
    drop = Dropout(0.25, seed=0)
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    out = drop(x)
    kept = out.data != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(out.data[kept], 1 / 0.75)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.75)  # the gradient flows only through kept entries, scaled
    drop.eval()
    assert drop(x) is x
    assert np.all(Dropout(1.0, seed=0)(x).data == 0)
    with pytest.raises(ValueError, match=r"p \(the probability to drop\) must be in \[0, 1\]"):
        Dropout(1.5)


def test_flatten_keeps_the_batch_axis():
    x = Tensor(np.zeros((4, 8, 8)))
    assert Flatten()(x).data.shape == (4, 64)
    assert Flatten(0)(x).data.shape == (256,)


def test_sequential_container():
    model = Sequential(Linear(2, 3, seed=0), ReLU())
    model.append(Linear(3, 1, seed=1))
    assert len(model) == 3 and isinstance(model[-1], Linear)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert model(Tensor(np.ones((5, 2)))).data.shape == (5, 1)
    assert model[2].path == "2"
    with pytest.raises(TypeError, match="argument 0 is a int"):
        Sequential(3)
    with pytest.raises(IndexError, match="out of range"):
        model[5]


def test_a_2_2_1_sigmoid_tensor_network_learns_xor():
    X, y = data.xor()
    model = Sequential(Linear(2, 2, init="xavier_normal", seed=1), Sigmoid(), Linear(2, 1, seed=2), Sigmoid())
    opt = optim.SGD(model.parameters(), lr=2.0, momentum=0.9)
    for _ in range(500):
        loss = F.binary_cross_entropy(model(Tensor(X)), y.reshape(4, 1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    predictions = (model(Tensor(X)).data.ravel() >= 0.5).astype(float)
    assert np.array_equal(predictions, y)


def test_tensor_mlp_reaches_96_percent_held_out_accuracy_on_digits():
    pytest.importorskip("sklearn")
    X, y = data.load_digits()
    order = np.random.default_rng(0).permutation(len(y))
    train, test = order[:1400], order[1400:]
    model = Sequential(Linear(64, 128, seed=0), ReLU(), Linear(128, 10, seed=1))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    for _ in range(10):
        for xb, yb in data.batches(X[train], y[train], 64, shuffle=True, seed=rng):
            loss = F.cross_entropy(model(Tensor(xb)), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    predicted = model(Tensor(X[test])).data.argmax(axis=1)
    assert np.mean(predicted == y[test]) >= 0.96
