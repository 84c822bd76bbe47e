"""Modules as PyTorch shapes them: state_dict's key order and shared names, list-like containers, no cycles;
and a few optimizer, scheduler and loss settings PyTorch accepts or refuses."""

from __future__ import annotations

import numpy as np
import pytest

from microgradnn import Tensor, Value, nn, optim
from microgradnn.nn import functional as F


class _WithBuffer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = Tensor(np.ones(2), requires_grad=True)
        self.register_buffer("count", np.zeros(1))
        self.inner = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))


class _Shared(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(2, 2)
        self.b = self.a  # one layer under two names


BN_THEN_LINEAR = ["0.weight", "0.bias", "0.running_mean", "0.running_var", "0.num_batches_tracked"]
BN_THEN_LINEAR += ["1.weight", "1.bias"]


def test_state_dict_lists_each_module_s_buffers_next_to_its_parameters() -> None:
    assert list(nn.Sequential(nn.BatchNorm1d(2), nn.Linear(2, 2)).state_dict()) == BN_THEN_LINEAR
    assert list(_WithBuffer().state_dict()) == [
        "scale",
        "count",
        "inner.0.weight",
        "inner.0.bias",
        "inner.1.weight",
        "inner.1.bias",
        "inner.1.running_mean",
        "inner.1.running_var",
        "inner.1.num_batches_tracked",
    ]


def test_state_dict_order_is_pytorch_s() -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.BatchNorm1d(2), torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    ours = nn.Sequential(nn.BatchNorm1d(2), nn.Linear(2, 2), nn.BatchNorm1d(2))
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_a_shared_module_is_saved_under_both_names_and_loads_either_way() -> None:
    model = _Shared()
    state = model.state_dict()
    assert list(state) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert [name for name, _ in model.named_parameters()] == ["a.weight", "a.bias"]  # parameters: each once
    # A checkpoint that names the shared layer once (this library's format before) still loads strictly.
    once = {"a.weight": np.full((2, 2), 3.0, np.float32), "a.bias": np.zeros(2, np.float32)}
    assert model.load_state_dict(once) == ([], [])
    assert np.all(model.b.weight.data == 3.0)
    with pytest.raises(KeyError, match=r"missing: \['a.bias', 'b.bias'\]"):
        model.load_state_dict({"a.weight": once["a.weight"]})


def test_a_shared_module_crosses_to_and_from_pytorch() -> None:
    torch = pytest.importorskip("torch")

    class TorchShared(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = torch.nn.Linear(2, 2)
            self.b = self.a

    theirs, ours = TorchShared(), _Shared()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert np.array_equal(ours.a.weight.data, theirs.a.weight.detach().numpy())
    ours.a.weight.data[...] = 5.0
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    assert float(theirs.b.weight.detach()[0, 0]) == 5.0


def test_a_module_cannot_contain_itself() -> None:
    model = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(ValueError, match=r"contains this module .* would then contain itself"):
        model.append(model)
    assert len(model) == 1 and list(model.state_dict()) == ["0.weight", "0.bias"]  # nothing half-registered
    outer = _Shared()
    with pytest.raises(ValueError, match="would then contain itself"):
        outer.a.loop = outer  # deeper: a child holding its parent
    assert "loop" not in outer.a._modules


def _kinds(container: nn.Module) -> list[str]:
    return [type(m).__name__ for m in container]


def test_containers_change_like_a_list() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    model[1] = nn.Tanh()
    assert _kinds(model) == ["Linear", "Tanh", "Linear"]
    del model[1]
    assert _kinds(model) == ["Linear", "Linear"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]  # numbered again from "0"
    model.insert(1, nn.ReLU())
    assert _kinds(model) == ["Linear", "ReLU", "Linear"] and list(model._modules) == ["0", "1", "2"]
    assert model(Tensor(np.ones((4, 2)))).shape == (4, 1)
    last = model.pop()
    assert type(last).__name__ == "Linear" and _kinds(model) == ["Linear", "ReLU"]
    longer = model + [nn.Linear(3, 5)]  # noqa: RUF005 (the container's own +)
    assert type(longer) is nn.Sequential and len(longer) == 3 and len(model) == 2
    model += [nn.Linear(3, 4)]
    assert len(model) == 3 and model(Tensor(np.ones((1, 2)))).shape == (1, 4)
    layers = nn.ModuleList([nn.ReLU(), nn.Sigmoid(), nn.ReLU()])
    del layers[0:2]
    assert _kinds(layers) == ["ReLU"]


@pytest.mark.parametrize("index", [-1, 0, 2, 10, -10])
def test_insert_follows_python_s_list_rule(index: int) -> None:
    layers = nn.ModuleList([nn.ReLU(), nn.Sigmoid(), nn.ReLU()])
    layers.insert(index, nn.Tanh())
    expected = ["ReLU", "Sigmoid", "ReLU"]
    expected.insert(index, "Tanh")
    assert _kinds(layers) == expected


def test_container_changes_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    for model, tanh in ((theirs, torch.nn.Tanh()), (ours, nn.Tanh())):
        model[1] = tanh
        del model[0]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["1.weight", "1.bias"]


@pytest.mark.parametrize(
    "change, error, message",
    [
        (lambda m: m.__setitem__(5, nn.ReLU()), IndexError, "item assignment: index 5 out of range"),
        (lambda m: m.__setitem__(0, 3), TypeError, "expected a Module, got int"),
        (lambda m: m.__delitem__(-4), IndexError, "del: index -4 out of range"),
        (lambda m: m.pop(9), IndexError, "index 9 out of range"),
        (lambda m: m.insert("a", nn.ReLU()), TypeError, "insert: the index must be an int"),
    ],
)
def test_bad_container_changes_are_refused_and_change_nothing(change, error, message) -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(error, match=message):
        change(model)
    assert _kinds(model) == ["Linear", "ReLU", "Linear"]


def test_a_learning_rate_of_zero_holds_still_as_in_pytorch() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.0)
    (w * w).sum().backward()
    opt.step()
    assert np.array_equal(w.data, [1.0, 2.0])
    assert optim.Adam([Value(1.0)], lr=0).lr == 0.0
    with pytest.raises(ValueError, match=r"lr \(learning rate\) must be >= 0"):
        optim.SGD([w], lr=-0.1)


@pytest.mark.parametrize("factors", [{"start_factor": 2.0}, {"end_factor": 1.5}])
def test_linear_lr_factors_above_one_are_refused_as_in_pytorch(factors) -> None:
    opt = optim.SGD([Value(1.0)], lr=0.1)
    with pytest.raises(ValueError, match="must be at most 1"):
        optim.LinearLR(opt, **factors)


def test_cross_entropy_refuses_ignore_index_with_probability_targets() -> None:
    logits, probs = Tensor(np.zeros((2, 3))), np.full((2, 3), 1 / 3)
    with pytest.raises(ValueError, match="ignore_index=1 needs class-index targets"):
        F.cross_entropy(logits, probs, ignore_index=1)
    assert float(F.cross_entropy(logits, probs).data) == pytest.approx(np.log(3))


@pytest.mark.parametrize("inner", [lambda layers: layers, lambda layers: nn.Sequential(layers)])
def test_an_insert_refused_for_a_cycle_changes_nothing(inner) -> None:
    a, b = nn.Linear(1, 1), nn.Linear(1, 1)
    layers = nn.ModuleList([a, b])
    with pytest.raises(ValueError, match="would then contain itself"):
        layers.insert(1, inner(layers))
    assert list(layers) == [a, b]  # (it used to be left with [a], or empty)


def test_changing_a_slice_leaves_the_paths_of_the_model_it_came_from() -> None:
    from microgradnn.scopes import scope_of

    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
    part = model[1:]
    del part[0]
    part.insert(0, nn.Tanh())
    part.pop()
    assert model[2].path == "2" and scope_of(model[2].weight) == "2"  # its pictures still call it layer 2
    assert _kinds(part) == ["Tanh"]
    own = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    own.insert(0, nn.Tanh())
    assert own[1].path == "1" and scope_of(own[1].weight) == "1"  # a container's own children are renumbered
