"""nn edge cases a learner meets next in PyTorch: empty batches, eps=0, slices of containers, train(mode), apply,
buffers, init's fan modes and gains, dropout of ints, softmax's dim=, numpy slopes, inplace flags.

Each case pins its expected numbers (so it runs without torch) and is compared with torch where torch is installed.
"""

import math

import numpy as np
import pytest

from microgradnn import Tensor, Value, nn
from microgradnn.nn import functional as F
from microgradnn.nn import init


def _torch():
    return pytest.importorskip("torch")


# ------------------------------------------------------------------ batch norm
def test_batchnorm_on_an_empty_batch_gives_an_empty_result_and_counts_the_batch():
    bn = nn.BatchNorm1d(3, momentum=None, dtype=np.float64)
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    y = bn(x)
    assert y.shape == (0, 3)
    assert bn.num_batches_tracked == 1  # as PyTorch: the batch is counted, the statistics stay
    np.testing.assert_array_equal(bn.running_mean, [0, 0, 0])
    np.testing.assert_array_equal(bn.running_var, [1, 1, 1])
    y.sum().backward()
    np.testing.assert_array_equal(bn.weight.grad, [0, 0, 0])
    assert x.grad.shape == (0, 3)
    assert nn.BatchNorm2d(3)(Tensor(np.zeros((0, 3, 2, 2), np.float32))).shape == (0, 3, 2, 2)
    assert nn.BatchNorm1d(3)(Tensor(np.zeros((2, 3, 0), np.float32))).shape == (2, 3, 0)
    untracked = nn.BatchNorm1d(3, track_running_stats=False).eval()  # eval mode on the batch's own statistics
    assert untracked(Tensor(np.zeros((0, 3), np.float32))).shape == (0, 3)


def test_batchnorm_on_an_empty_batch_matches_torch():
    torch = _torch()
    ours, theirs = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    assert ours(Tensor(np.zeros((0, 3), np.float32))).shape == tuple(theirs(torch.zeros(0, 3)).shape)
    assert ours.num_batches_tracked == int(theirs.num_batches_tracked)
    np.testing.assert_array_equal(ours.running_var, theirs.running_var.numpy())


def test_batchnorm_refuses_eps_zero_where_it_takes_the_batchs_statistics():
    ones = Tensor(np.ones((4, 3), np.float32))  # a constant channel: 0 / 0 with eps=0
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3, eps=0.0.*\): eps must be positive .* e\.g\. eps=1e-5"):
        nn.BatchNorm1d(3, eps=0)(ones)
    with pytest.raises(ValueError, match=r"eps must be positive"):
        nn.BatchNorm1d(3, eps=0, track_running_stats=False).eval()(ones)
    # With running statistics, eval mode divides by sqrt(running_var + 0) = 1: fine, as in PyTorch.
    np.testing.assert_array_equal(nn.BatchNorm1d(3, eps=0).eval()(ones).data, np.ones((4, 3)))


def test_batchnorm_eps_zero_matches_torch():
    torch = _torch()
    with pytest.raises(ValueError, match="eps must be positive"):
        torch.nn.BatchNorm1d(3, eps=0)(torch.ones(4, 3))
    out = torch.nn.BatchNorm1d(3, eps=0).eval()(torch.ones(4, 3))
    np.testing.assert_array_equal(
        nn.BatchNorm1d(3, eps=0).eval()(Tensor(np.ones((4, 3), np.float32))).data, out.detach()
    )


# ------------------------------------------------------------------ containers
def _model():
    return nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU(), nn.Linear(3, 1, seed=1))


def test_a_slice_of_a_sequential_is_a_sequential_that_runs():
    model = _model()
    tail = model[1:]
    assert type(tail) is nn.Sequential and len(tail) == 2
    assert tail[0] is model[1] and tail[1] is model[2]
    assert [name for name, _ in tail.named_parameters()] == ["1.weight", "1.bias"]
    h = Tensor([[-1.0, 0.5, 2.0]])
    np.testing.assert_allclose(tail(h).data, model[2](model[1](h)).data)
    assert [type(m).__name__ for m in model[::-1]] == ["Linear", "ReLU", "Linear"]
    assert len(model[5:]) == 0
    assert [m.path for m in model] == ["0", "1", "2"]  # slicing leaves the model's own tree alone
    blocks = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()])
    assert type(blocks[:2]) is nn.ModuleList and [type(m) for m in blocks[:2]] == [nn.ReLU, nn.Tanh]
    model.eval()
    assert not model[1:].training


def test_a_slice_of_a_sequential_matches_torch():
    torch = _torch()
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    ours = _model()
    assert type(theirs[1:]).__name__ == type(ours[1:]).__name__ == "Sequential"
    assert len(theirs[1:]) == len(ours[1:]) == 2 and type(theirs[1:][0]).__name__ == type(ours[1:][0]).__name__
    # (PyTorch's Sequential slice keeps the names "1", "2"; ours renumbers from "0", as a ModuleList slice does in both)


def test_a_container_index_that_is_not_an_int_names_the_container():
    with pytest.raises(TypeError, match=r"Sequential indices must be ints or slices, got str '0'; e\.g\. model\[0\]"):
        _model()["0"]


def test_train_refuses_a_mode_that_is_not_true_or_false():
    model = _model().eval()
    with pytest.raises(ValueError, match=r"Sequential.train: mode must be True or False, got 'eval'"):
        model.train("eval")
    assert not any(m.training for m in model.modules())  # unchanged
    assert model.train(np.bool_(True)).training


def test_train_with_a_mode_that_is_not_a_bool_matches_torch():
    torch = _torch()
    with pytest.raises(ValueError):
        torch.nn.Linear(2, 2).train("eval")


def test_apply_visits_children_first_then_the_module_and_buffers_lists_the_values():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.BatchNorm1d(3), nn.ReLU()))
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "BatchNorm1d", "ReLU", "Sequential", "Sequential"]
    assert [name for name, _ in model.named_buffers()] == [
        "1.0.running_mean",
        "1.0.running_var",
        "1.0.num_batches_tracked",
    ]
    buffers = model.buffers()
    assert buffers[0] is model[1][0].running_mean and buffers[2] == 0
    assert len(model.extend([nn.Tanh(), nn.Sigmoid()])) == 4 and type(model[3]) is nn.Sigmoid


def test_apply_order_matches_torch():
    torch = _torch()
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.BatchNorm1d(3), torch.nn.ReLU()))
    seen = []
    theirs.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "BatchNorm1d", "ReLU", "Sequential", "Sequential"]
    assert len(list(theirs.buffers())) == 3


# ------------------------------------------------------------------ init
def _weight(*shape, dtype=np.float64):
    return Tensor(np.zeros(shape, dtype), requires_grad=True)


@pytest.mark.parametrize("rule", [init.kaiming_uniform_, init.kaiming_normal_])
@pytest.mark.parametrize(("mode", "fan"), [("fan_in", 300), ("fan_out", 200)])
def test_kaiming_takes_pytorchs_mode(rule, mode, fan):
    w = _weight(200, 300)
    rule(w, 0.0, mode, seed=0)  # PyTorch's positional order: (tensor, a, mode, nonlinearity)
    assert w.data.std() == pytest.approx(math.sqrt(2 / fan), rel=0.02)
    with pytest.raises(ValueError, match=r"mode must be 'fan_in' or 'fan_out', got 'relu'"):
        rule(w, 0.0, "relu")


def test_kaiming_mode_matches_torch():
    torch = _torch()
    theirs = torch.empty(200, 300)
    torch.nn.init.kaiming_normal_(theirs, 0.0, "fan_out")
    ours = init.kaiming_normal_(_weight(200, 300), 0.0, "fan_out", seed=0)
    assert ours.data.std() == pytest.approx(float(theirs.std()), rel=0.03)


def test_kaiming_leaves_a_tensor_with_no_elements_alone():
    for rule in (init.kaiming_uniform_, init.kaiming_normal_):
        w = _weight(3, 0)
        assert rule(w) is w and w.shape == (3, 0)


def test_kaiming_of_an_empty_tensor_matches_torch():
    torch = _torch()
    with pytest.warns(UserWarning):  # PyTorch: "Initializing zero-element tensors is a no-op"
        assert torch.nn.init.kaiming_uniform_(torch.zeros(3, 0)).shape == (3, 0)


_GAINS = {
    "linear": 1.0,
    "conv1d": 1.0,
    "conv2d": 1.0,
    "conv3d": 1.0,
    "conv_transpose1d": 1.0,
    "conv_transpose2d": 1.0,
    "conv_transpose3d": 1.0,
    "sigmoid": 1.0,
    "tanh": 5 / 3,
    "relu": math.sqrt(2),
    "selu": 0.75,
}


def test_calculate_gain_has_pytorchs_table_and_checks_the_slope():
    for name, gain in _GAINS.items():
        assert init.calculate_gain(name) == pytest.approx(gain), name
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(TypeError, match=r"calculate_gain: param \(the negative slope\) must be a number, got str"):
        init.calculate_gain("leaky_relu", "x")
    with pytest.raises(TypeError, match=r"calculate_gain: param .* got bool"):
        init.calculate_gain("leaky_relu", True)


def test_calculate_gain_matches_torch():
    torch = _torch()
    for name, gain in _GAINS.items():
        assert torch.nn.init.calculate_gain(name) == pytest.approx(gain), name
    with pytest.raises(ValueError):
        torch.nn.init.calculate_gain("leaky_relu", True)


def test_xavier_checks_its_gain():
    with pytest.raises(TypeError, match=r"xavier_uniform_: gain must be a number, got str \('relu'\)"):
        init.xavier_uniform_(_weight(2, 3), gain="relu")
    with pytest.raises(ValueError, match=r"xavier_normal_: gain must be a finite number >= 0, got -1"):
        init.xavier_normal_(_weight(2, 3), gain=-1)
    w = init.xavier_uniform_(_weight(2, 3), gain=init.calculate_gain("relu"), seed=0)
    assert np.abs(w.data).max() <= math.sqrt(2) * math.sqrt(6 / 5)


def test_random_init_of_an_int_tensor_is_refused():
    ints = Tensor(np.zeros(3, np.int64))
    for rule in (init.uniform_, init.normal_):
        with pytest.raises(TypeError, match=r"_: random draws need a float tensor, got dtype int64"):
            rule(ints, seed=0)
    np.testing.assert_array_equal(ints.data, [0, 0, 0])
    np.testing.assert_array_equal(init.constant_(ints, 2).data, [2, 2, 2])  # a constant fill is fine, as in PyTorch


def test_random_init_of_an_int_tensor_matches_torch():
    torch = _torch()
    with pytest.raises(NotImplementedError):
        torch.nn.init.normal_(torch.zeros(3, dtype=torch.long))


# ------------------------------------------------------------------ dropout and activations
def test_dropout_of_an_int_tensor_is_refused_instead_of_losing_its_scale():
    ints = Tensor(np.arange(6))
    with pytest.raises(TypeError, match=r"dropout: expected a float tensor, got dtype int64 \(shape \(6,\)\)"):
        nn.Dropout(0.3, seed=0)(ints)
    assert nn.Dropout(0.3).eval()(ints) is ints  # evaluation is the identity, whatever the dtype


def test_dropout_of_an_int_tensor_matches_torch():
    torch = _torch()
    with pytest.raises(RuntimeError):
        torch.nn.Dropout(0.3)(torch.arange(6))


_X = np.array([[0.0, 1.0], [2.0, 3.0]])
_SOFTMAX_DIM0 = np.array([[0.11920292, 0.11920292], [0.88079708, 0.88079708]])


def test_softmax_takes_pytorchs_dim():
    x = Tensor(_X)
    np.testing.assert_allclose(F.softmax(x, dim=0).data, _SOFTMAX_DIM0, rtol=1e-7)
    np.testing.assert_allclose(F.log_softmax(x, dim=0).data, np.log(_SOFTMAX_DIM0), rtol=1e-7)
    np.testing.assert_allclose(nn.Softmax(dim=0)(x).data, _SOFTMAX_DIM0, rtol=1e-7)
    assert repr(nn.Softmax(dim=0)) == "Softmax(axis=0)"


def test_softmax_dim_matches_torch():
    torch = _torch()
    np.testing.assert_allclose(torch.nn.functional.softmax(torch.tensor(_X), dim=0).numpy(), _SOFTMAX_DIM0, rtol=1e-7)
    np.testing.assert_allclose(torch.nn.Softmax(dim=0)(torch.tensor(_X)).numpy(), _SOFTMAX_DIM0, rtol=1e-7)


def test_leaky_relu_takes_a_numpy_slope():
    module = nn.LeakyReLU(np.float32(0.25))
    assert module.negative_slope == 0.25
    np.testing.assert_array_equal(module(Tensor([-2.0, 2.0])).data, [-0.5, 2.0])
    with pytest.raises(TypeError, match="finite"):
        nn.LeakyReLU(np.float32("inf"))


def test_leaky_relu_with_a_numpy_slope_matches_torch():
    torch = _torch()
    out = torch.nn.LeakyReLU(np.float32(0.25))(torch.tensor([-2.0, 2.0]))
    np.testing.assert_array_equal(out.numpy(), [-0.5, 2.0])


@pytest.mark.parametrize(
    ("make", "who"),
    [
        (lambda flag: nn.ReLU(inplace=flag), "ReLU"),
        (lambda flag: nn.LeakyReLU(0.1, flag), "LeakyReLU"),
        (lambda flag: nn.Dropout(0.5, flag), "Dropout"),
    ],
)
def test_pytorchs_inplace_flag_is_accepted_when_false_and_refused_with_the_fix_when_true(make, who):
    assert isinstance(make(False), nn.Module)
    with pytest.raises(ValueError, match=rf"{who}: inplace=True is not supported: .*drop the argument"):
        make(True)


# ------------------------------------------------------------------ buffers
class _WithWeight(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = Tensor([1.0], requires_grad=True)


def test_a_buffer_cannot_take_a_parameters_name():
    m = _WithWeight()
    with pytest.raises(KeyError, match=r"_WithWeight.register_buffer\('w'\): 'w' is already a parameter"):
        m.register_buffer("w", np.zeros(1))
    assert m.w.requires_grad and m.state_dict()["w"].tolist() == [1.0]  # unchanged
    assert [p is m.w for p in m.parameters()] == [True]


def test_a_buffer_cannot_take_a_parameters_name_in_torch_either():
    torch = _torch()
    m = torch.nn.Linear(2, 2)
    with pytest.raises(KeyError):
        m.register_buffer("weight", torch.zeros(1))


def test_a_buffer_deleted_or_replaced_by_a_module_is_no_longer_a_buffer():
    bn = nn.BatchNorm1d(3)
    bn.running_mean = nn.ReLU()
    assert list(bn.state_dict()) == ["weight", "bias", "running_var", "num_batches_tracked"]
    bn.load_state_dict(bn.state_dict())  # (before: an object array under "running_mean", which could not load)
    del bn.running_var
    assert [name for name, _ in bn.named_buffers()] == ["num_batches_tracked"]
    bn.running_var = np.ones(3)  # now a plain attribute, as in PyTorch
    assert [name for name, _ in bn.named_buffers()] == ["num_batches_tracked"]
    assert len(nn.ModuleList(None)) == 0


def test_a_deleted_buffer_matches_torch():
    torch = _torch()
    bn = torch.nn.BatchNorm1d(3)
    del bn.running_var
    bn.running_var = torch.ones(3)
    assert [name for name, _ in bn.named_buffers()] == ["running_mean", "num_batches_tracked"]
    assert len(torch.nn.ModuleList(None)) == 0


@pytest.mark.parametrize("big", [1e17, 1e300])
def test_log_softmax_of_values_keeps_the_log_of_the_sum_next_to_huge_scores(big):
    # x - (log sum e^(x - m) + m) lost log(2) to rounding next to m = 1e17; Tensor and PyTorch give -log(2).
    xs = [Value(big), Value(big)]
    out = F.log_softmax(xs)
    assert [v.data for v in out] == pytest.approx([-math.log(2.0)] * 2, rel=1e-15)
    Value.sum(out).backward()
    assert [v.grad for v in xs] == pytest.approx([0.0, 0.0], abs=1e-15)  # 1 - 2 * softmax = 0
    tensor = Tensor(np.array([big, big])).log_softmax()
    np.testing.assert_allclose([v.data for v in out], tensor.data, rtol=1e-15)
