"""Scalar Neuron/Layer/MLP: the chapter's step network, micrograd's defaults, learning XOR and two moons."""

import math

import numpy as np
import pytest

from microgradnn import Value, data, gradcheck, optim
from microgradnn.nn import MLP, Layer, Neuron
from microgradnn.nn import functional as F

CHAPTER = {"weights": [[[1, 1], [1, 1]], [[-1, 1]]], "biases": [[-1.5, -0.5], [-0.5]]}


def test_the_chapters_hand_wired_step_network_classifies_xor_exactly():
    net = MLP(2, [2, 1], activation="step", weights=[[[1, 1], [1, 1]], [[-1, 1]]], biases=[[-1.5, -0.5], [-0.5]])
    X, y = data.xor()
    for (x1, x2), target in zip(X, y):
        a1 = 1.0 if x1 + x2 - 1.5 >= 0 else 0.0  # AND
        a2 = 1.0 if x1 + x2 - 0.5 >= 0 else 0.0  # OR
        hidden = net.layers[0]([x1, x2])
        assert [h.data for h in hidden] == [a1, a2]
        out = net([x1, x2])
        assert isinstance(out, Value)
        assert out.data == target
    assert [v.data for v in net(X)] == [0.0, 1.0, 1.0, 0.0]  # a batch of rows gives one output per row


def test_step_network_passes_no_gradient():
    net = MLP(2, [2, 1], activation="step", **CHAPTER)
    out = net([1.0, 0.0])
    out.backward()
    assert all(p.grad == 0.0 for p in net.parameters())


def test_micrograd_defaults_hidden_relu_last_linear():
    net = MLP(3, [4, 4, 1], seed=0)
    assert [layer.activation for layer in net.layers] == ["relu", "relu", "linear"]
    assert all(-1 <= p.data <= 1 for p in net.parameters())
    assert all(n.b.data == 0.0 for layer in net.layers for n in layer.neurons)
    out = net([1.0, 2.0, 3.0])
    assert isinstance(out, Value)
    assert isinstance(MLP(3, [4, 2], seed=0)([1.0, 2.0, 3.0]), list)


@pytest.mark.parametrize(
    ("activation", "output"),
    [
        ("relu", "linear"),
        ("leaky_relu", "linear"),
        ("linear", "linear"),
        ("step", "step"),
        ("sigmoid", "sigmoid"),
        ("tanh", "tanh"),
    ],
)
def test_output_activation_default_rule(activation, output):
    assert MLP(2, [2, 1], activation=activation).layers[-1].activation == output
    assert MLP(2, [2, 1], activation=activation, output_activation="linear").layers[-1].activation == "linear"


def test_matches_micrograd_forward_and_gradients():
    micrograd_nn = pytest.importorskip("micrograd.nn")
    theirs = micrograd_nn.MLP(3, [4, 4, 1])
    ours = MLP(3, [4, 4, 1])
    for p_ours, p_theirs in zip(ours.parameters(), theirs.parameters(), strict=True):
        p_ours.data = p_theirs.data
    x = [0.5, -1.5, 2.0]
    a, b = ours(x), theirs(x)
    a.backward()
    b.backward()
    assert a.data == pytest.approx(b.data)
    assert [p.grad for p in ours.parameters()] == pytest.approx([p.grad for p in theirs.parameters()])


def test_neuron_computes_activation_of_dot_plus_bias_and_gradchecks():
    n = Neuron(3, "tanh", weights=[0.5, -1.0, 2.0], bias=0.1)
    out = n([1.0, 2.0, 3.0])
    assert out.data == pytest.approx(math.tanh(0.5 - 2.0 + 6.0 + 0.1))
    assert out.op == "tanh" and out.parents[0].op == "dot"
    gradcheck(lambda *v: n(list(v)), [Value(1.0), Value(2.0), Value(-0.5)])
    names = [name for name, _ in n.named_parameters()]
    assert names == ["w0", "w1", "w2", "b"]
    assert [p.label for p in n.parameters()] == names


def test_parameter_gradients_of_an_mlp_pass_gradcheck():
    net = MLP(2, [3, 1], activation="tanh", seed=3)
    x = [0.3, -0.7]

    def run_with(*params):
        # put the given leaves in the network's place, in parameters() order (w0.., b per neuron)
        it = iter(params)
        for layer in net.layers:
            for neuron in layer.neurons:
                neuron.w = [next(it) for _ in range(neuron.nin)]
                neuron.b = next(it)
        return net(x)

    gradcheck(run_with, [Value(p.data) for p in net.parameters()])


def test_micrograd_nonlin_keyword():
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Layer(2, 3, nonlin=True).activation == "relu"


def test_wrong_input_width_names_expected_and_received():
    with pytest.raises(ValueError, match=r"MLP\(nin=2\): expected 2 inputs, got 3"):
        MLP(2, [2, 1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"Neuron\(nin=3\): expected 3 inputs, got 2"):
        Neuron(3)([1.0, 2.0])
    with pytest.raises(ValueError, match=r"Layer\(nin=2, nout=4\): expected 2 inputs, got 1"):
        Layer(2, 4)([1.0])


def test_hand_set_weight_shape_errors():
    with pytest.raises(
        ValueError, match=r"MLP layer 1: Layer weights \(nout x nin\): expected shape \(1, 2\), got \(1, 3\)"
    ):
        MLP(2, [2, 1], weights=[[[1, 1], [1, 1]], [[1, 1, 1]]])
    with pytest.raises(ValueError, match="weights has 1 entries but the MLP has 2 layers"):
        MLP(2, [2, 1], weights=[[[1, 1], [1, 1]]])
    with pytest.raises(ValueError, match=r"biases \(nout\): expected shape \(2,\)"):
        Layer(2, 2, biases=[1.0])
    with pytest.raises(ValueError, match="ragged or not numeric"):
        Layer(2, 2, weights=[[1, 1], [1]])
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        MLP(2, [1], activation="softplus")


def test_seed_makes_weights_reproducible():
    a, b, c = MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=8)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]


def test_a_2_2_1_sigmoid_network_learns_xor_by_gradient_descent():
    X, y = data.xor()
    net = MLP(2, [2, 1], activation="sigmoid", seed=1)
    opt = optim.SGD(net.parameters(), lr=2.0, momentum=0.9)
    rows = [[Value(a), Value(b)] for a, b in X]
    first = None
    for _ in range(300):
        loss = F.mse_loss([net(r) for r in rows], y)
        first = loss.data if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    outputs = np.array([net(r).data for r in rows])
    assert loss.data < first / 10
    assert np.array_equal((outputs >= 0.5).astype(float), y), outputs


def test_micrograd_demo_scalar_mlp_separates_two_moons_within_100_steps():
    # micrograd's demo: MLP(2, [16, 16, 1]), hinge loss + 1e-4 * sum(p^2), lr = 1.0 - 0.9 k / 100, full batch.
    X, y01 = data.moons(100, noise=0.1, seed=1)
    y = y01 * 2 - 1
    model = MLP(2, [16, 16, 1], seed=1)
    params = model.parameters()
    opt = optim.SGD(params, lr=1.0)
    schedule = optim.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)
    rows = [[Value(a), Value(b)] for a, b in X]
    for _ in range(100):
        scores = [model(r) for r in rows]
        accuracy = np.mean([(s.data > 0) == (t > 0) for s, t in zip(scores, y)])
        if accuracy == 1.0:
            break
        loss = F.hinge_loss(scores, y) + 1e-4 * Value.dot(params, params)  # L2 penalty as one node
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
    assert accuracy == 1.0


def test_assigning_new_weights_to_a_neuron_registers_them_in_order():
    n = Neuron(2, weights=[1.0, 2.0], bias=3.0)
    n.w = [Value(5.0), Value(6.0)]
    assert [(name, p.data) for name, p in n.named_parameters()] == [("w0", 5.0), ("w1", 6.0), ("b", 3.0)]
    assert n([1.0, 1.0]).data == 14.0
    with pytest.raises(ValueError, match="w must be a list of 2 Values"):
        n.w = [Value(1.0)]


def test_a_layer_wraps_each_input_once_and_its_gradient_sums_every_neuron():
    from microgradnn.engine import topological_order

    net = MLP(2, [3, 1], seed=0)
    out = net([1.0, -2.0])
    inputs = [n for n in topological_order(out) if n.label in ("x1", "x2")]
    # One leaf per input, shared by the three neurons (not one copy per neuron), named as the chapter names it.
    assert sorted(n.label for n in inputs) == ["x1", "x2"]
    out.backward()
    x1 = next(n for n in inputs if n.label == "x1")
    # d out / d x1 = sum over hidden neurons j of  v_j * relu'(z_j) * w_j0 (x1 is input 0)
    expected = sum(
        net.layers[1].neurons[0].w[j].data * (h.data > 0) * neuron.w[0].data
        for j, (neuron, h) in enumerate(zip(net.layers[0].neurons, out.parents[3:6]))
    )
    assert x1.grad == pytest.approx(expected)


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        ("a", TypeError, r"MLP\(nin=2\) input x2: data must be an int or a float, got str"),
        (True, TypeError, r"MLP\(nin=2\) input x2: data must be an int or a float, got bool"),
        (10**400, OverflowError, r"MLP\(nin=2\) input x2: .* is too large for a float"),
    ],
)
def test_an_input_that_is_not_a_real_number_is_refused_naming_the_model_and_the_input(bad, error, message):
    with pytest.raises(error, match=message):
        MLP(2, [3, 1], seed=0)([0.5, bad])
