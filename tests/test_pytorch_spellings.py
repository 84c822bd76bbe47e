"""PyTorch's spellings: zero_grad(set_to_none), Module.requires_grad_, nn.Unflatten, optimizer.param_groups.

Each behaviour is pinned with numbers, and compared with PyTorch where PyTorch has the same thing.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from microgradnn import Tensor, Value, nn, optim
from microgradnn.nn import MLP, Flatten, Linear, Module, ReLU, Sequential

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=np.float32)


def _model() -> Sequential:
    return Sequential(Linear(3, 4, seed=0), ReLU(), Linear(4, 2, seed=1))


def _torch_copy(model: Sequential) -> tuple[Any, Any]:
    """torch and a torch twin of `model` holding the same weights (skips where torch is not installed)."""
    torch = pytest.importorskip("torch")
    twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for p, q in zip(model.parameters(), twin.parameters()):
            q.copy_(torch.from_numpy(p.data.copy()))
    return torch, twin


def _backward(model: Sequential) -> None:
    (model(Tensor(X)) ** 2).sum().backward()


def _torch_backward(torch: Any, twin: Any) -> None:
    (twin(torch.from_numpy(X)) ** 2).sum().backward()


def _step_both(model: Sequential, opt: Any, torch: Any, twin: Any, t_opt: Any, between: Any = None) -> None:
    """One training step of our model and of its torch twin, side by side; `between` is a pair of functions, each
    called with its side's model between backward and step (gradient clipping)."""
    opt.zero_grad()
    t_opt.zero_grad()
    _backward(model)
    _torch_backward(torch, twin)
    if between is not None:
        between[0](model)
        between[1](twin)
    opt.step()
    t_opt.step()


def _assert_same_weights(model: Sequential, twin: Any) -> None:
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ zero_grad(set_to_none)
def test_optimizer_zero_grad_set_to_none_false_zeroes_the_same_array_in_place() -> None:
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    _backward(model)
    grads = [p.grad for p in model.parameters()]
    assert all(np.any(g != 0) for g in grads)
    opt.zero_grad(set_to_none=False)
    for p, g in zip(model.parameters(), grads):
        assert p.grad is g  # the same array, as PyTorch's grad.zero_()
        assert p.grad.dtype == np.float32 and p.grad.shape == p.data.shape
        assert np.array_equal(p.grad, np.zeros_like(p.data))
    opt.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in model.parameters())


def test_zero_grad_set_to_none_false_then_backward_gives_the_fresh_gradient() -> None:
    model = _model()
    _backward(model)
    first = [p.grad.copy() for p in model.parameters()]
    model.zero_grad(set_to_none=False)
    _backward(model)
    for p, g in zip(model.parameters(), first):
        np.testing.assert_array_equal(p.grad, g)  # 0 + g, not g + g


def test_zero_grad_set_to_none_false_keeps_a_none_gradient_none_as_torch() -> None:
    model = _model()
    extra = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)  # no loss reaches it
    opt = optim.SGD([*model.parameters(), extra], lr=0.1)
    _backward(model)
    opt.zero_grad(set_to_none=False)
    model.zero_grad(set_to_none=False)
    assert extra.grad is None
    torch, twin = _torch_copy(model)
    t_extra = torch.ones(2, requires_grad=True)
    t_opt = torch.optim.SGD([*twin.parameters(), t_extra], lr=0.1)
    _torch_backward(torch, twin)
    t_grads = [q.grad for q in twin.parameters()]
    t_opt.zero_grad(set_to_none=False)
    assert t_extra.grad is None
    for q, g in zip(twin.parameters(), t_grads):
        assert q.grad is g and not q.grad.any()


def test_module_zero_grad_matches_torch_for_both_settings() -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    for set_to_none in (False, True):
        _backward(model)
        _torch_backward(torch, twin)
        model.zero_grad(set_to_none=set_to_none)
        twin.zero_grad(set_to_none=set_to_none)
        for p, q in zip(model.parameters(), twin.parameters()):
            if set_to_none:
                assert p.grad is None and q.grad is None
            else:
                np.testing.assert_array_equal(p.grad, q.grad.numpy())


def test_zero_grad_set_to_none_gives_a_value_0_either_way() -> None:
    mlp = MLP(2, [3, 1], seed=0)
    opt = optim.SGD(mlp.parameters(), lr=0.1)
    for set_to_none in (False, True):
        mlp([Value(1.0), Value(-2.0)]).backward()
        assert any(p.grad != 0.0 for p in mlp.parameters())
        opt.zero_grad(set_to_none=set_to_none)
        assert all(type(p.grad) is float and p.grad == 0.0 for p in mlp.parameters())
        mlp([Value(1.0), Value(-2.0)]).backward()
        mlp.zero_grad(set_to_none=set_to_none)
        assert all(p.grad == 0.0 for p in mlp.parameters())


def test_zero_grad_set_to_none_false_replaces_a_gradient_it_cannot_write() -> None:
    w = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    b = Tensor(np.array([3.0], dtype=np.float64), requires_grad=True)
    opt = optim.SGD([w, b], lr=0.1)
    (w * w * w).sum().backward(create_graph=True)  # .grad is a graph node
    assert isinstance(w.grad, Tensor)
    b.grad = np.broadcast_to(np.array(5.0), (1,))  # read-only
    opt.zero_grad(set_to_none=False)
    assert type(w.grad) is np.ndarray and w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad, [0.0, 0.0])
    assert w.grad.flags.writeable and b.grad.flags.writeable
    np.testing.assert_array_equal(b.grad, [0.0])


@pytest.mark.parametrize("bad", ["no", None, 0])
def test_zero_grad_refuses_a_set_to_none_that_is_not_a_bool(bad: object) -> None:
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"SGD\.zero_grad: set_to_none must be True or False"):
        opt.zero_grad(set_to_none=bad)
    with pytest.raises(TypeError, match=r"Sequential\.zero_grad: set_to_none must be True or False"):
        model.zero_grad(set_to_none=bad)


# ------------------------------------------------------------------ Module.requires_grad_
def test_requires_grad_freezes_every_tensor_parameter_and_returns_self() -> None:
    model = _model()
    assert model.requires_grad_(False) is model
    assert [p.requires_grad for p in model.parameters()] == [False] * 4
    assert len(model.parameters()) == 4 and len(model.state_dict()) == 4  # frozen parameters stay parameters
    assert model[2].requires_grad_() is model[2]
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]
    _backward(model)
    assert model[0].weight.grad is None and model[0].bias.grad is None
    assert model[2].weight.grad.shape == (2, 4)


def test_a_frozen_layer_is_skipped_by_an_optimizer_made_before_as_torch() -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    for step in range(3):
        if step == 1:  # after one step every parameter has a momentum buffer; the first layer then freezes
            model[0].requires_grad_(False)
            twin[0].requires_grad_(False)
        _step_both(model, opt, torch, twin, t_opt)
        if step == 0:
            frozen = model[0].weight.data.copy()
    np.testing.assert_array_equal(model[0].weight.data, frozen)  # momentum did not move it: its grad is None
    _assert_same_weights(model, twin)


def test_an_optimizer_over_a_frozen_model_takes_every_parameter_and_skips_the_frozen_ones_as_torch() -> None:
    model = _model()
    model[0].requires_grad_(False)
    torch, twin = _torch_copy(model)
    twin[0].requires_grad_(False)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    assert len(opt.params) == 4
    frozen = model[0].weight.data.copy()
    for _ in range(2):
        _step_both(model, opt, torch, twin, t_opt)
    np.testing.assert_array_equal(model[0].weight.data, frozen)
    _assert_same_weights(model, twin)


def test_requires_grad_on_a_scalar_module() -> None:
    mlp = MLP(2, [3, 1], seed=0)
    assert mlp.requires_grad_() is mlp  # Values always get a gradient: nothing to switch on
    with pytest.raises(TypeError, match="a Value always gets a gradient; to freeze a scalar module, leave"):
        mlp.requires_grad_(False)


def test_requires_grad_checks_everything_before_changing_anything() -> None:
    class Mixed(Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
            self.v = Value(1.0)

    mixed = Mixed()
    with pytest.raises(TypeError, match="parameter 'v' is a Value"):
        mixed.requires_grad_(False)
    assert mixed.w.requires_grad
    with pytest.raises(TypeError, match="requires_grad must be True or False, got 'no'"):
        mixed.requires_grad_("no")


# ------------------------------------------------------------------ nn.Unflatten
def test_unflatten_splits_an_axis_as_torch() -> None:
    torch = pytest.importorskip("torch")
    data = np.arange(24, dtype=np.float32).reshape(2, 12)
    for dim, sizes in ((1, (3, 4)), (1, (2, -1)), (-1, [2, 3, 2]), (0, (1, 2))):
        ours = nn.Unflatten(dim, sizes)(Tensor(data))
        theirs = torch.nn.Unflatten(dim, sizes)(torch.from_numpy(data))
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert (
        repr(nn.Unflatten(1, (2, -1)))
        == repr(torch.nn.Unflatten(1, (2, -1)))
        == "Unflatten(dim=1, unflattened_size=(2, -1))"
    )


def test_unflatten_undoes_flatten_and_passes_the_gradient_back() -> None:
    x = Tensor(np.arange(12.0).reshape(2, 2, 3), requires_grad=True)
    y = nn.Unflatten(1, (2, 3))(Flatten()(x))
    assert y.shape == (2, 2, 3)
    np.testing.assert_array_equal(y.data, x.data)
    (y * Tensor(np.arange(12.0).reshape(2, 2, 3))).sum().backward()
    np.testing.assert_array_equal(x.grad, np.arange(12.0).reshape(2, 2, 3))
    out = Sequential(Linear(3, 6, seed=0), nn.Unflatten(1, (2, 3)))(Tensor(X))
    assert out.shape == (2, 2, 3)


def test_unflatten_errors() -> None:
    with pytest.raises(ValueError, match=r"sizes \(2, 4\) do not multiply to 6, the size of axis 1"):
        nn.Unflatten(1, (2, 4))(Tensor(np.zeros((3, 6))))
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints, got 6"):
        nn.Unflatten(1, 6)
    with pytest.raises(TypeError, match=r"unflattened_size must be a tuple of ints, got \(2\.0, 3\)"):
        nn.Unflatten(1, (2.0, 3))
    with pytest.raises(TypeError, match=r"dim must be an int, got 1\.0"):
        nn.Unflatten(1.0, (2, 3))
    with pytest.raises(ValueError, match="at most one -1"):
        nn.Unflatten(1, (-1, -1))
    with pytest.raises(ValueError, match="sizes >= 0"):
        nn.Unflatten(1, (-2, 3))
    with pytest.raises(TypeError, match="expected a Tensor, got ndarray"):
        nn.Unflatten(1, (2, 3))(np.zeros((1, 6)))


# ------------------------------------------------------------------ optimizer.param_groups
def test_param_groups_is_one_group_with_torchs_keys_and_values() -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    for ours, theirs in (
        (
            optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4),
            torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4),
        ),
        (
            optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99)),
            torch.optim.Adam(twin.parameters(), lr=0.01, betas=(0.8, 0.99)),
        ),
        (optim.AdamW(model.parameters()), torch.optim.AdamW(twin.parameters())),
    ):
        assert len(ours.param_groups) == len(theirs.param_groups) == 1
        group, t_group = ours.param_groups[0], theirs.param_groups[0]
        assert set(group) <= set(t_group)
        assert group["params"] == model.parameters()
        for key in group:
            if key != "params":
                assert group[key] == t_group[key], key
    assert list(optim.SGD(model.parameters(), lr=0.1).param_groups[0]) == [
        "params",
        "lr",
        "momentum",
        "dampening",
        "weight_decay",
        "nesterov",
        "maximize",
    ]


def test_the_tutorials_lr_loop_sets_the_rate_of_the_next_step_as_torch() -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    for step in range(3):
        if step == 1:
            for g in opt.param_groups:
                g["lr"] = 0.01
                g["momentum"] = 0.5
            for g in t_opt.param_groups:
                g["lr"] = 0.01
                g["momentum"] = 0.5
        _step_both(model, opt, torch, twin, t_opt)
    assert opt.lr == 0.01 and opt.momentum == 0.5
    _assert_same_weights(model, twin)


def test_param_groups_lr_moves_a_weight_by_that_rate() -> None:
    w = Value(1.0)
    opt = optim.SGD([w], lr=0.1)
    opt.param_groups[0]["lr"] = 0.25
    assert opt.lr == 0.25 and opt.param_groups[0]["lr"] == 0.25
    w.grad = 2.0
    opt.step()
    assert w.data == 0.5  # 1 - 0.25 * 2
    adam = optim.Adam([w])
    adam.param_groups[0]["betas"] = [0.5, 0.9]
    assert adam.betas == (0.5, 0.9) and adam.param_groups[0]["betas"] == (0.5, 0.9)


def test_param_groups_sees_what_a_scheduler_sets() -> None:
    opt = optim.SGD([Value(1.0)], lr=1.0)
    sched = optim.StepLR(opt, step_size=1, gamma=0.5)
    sched.step()
    assert opt.param_groups[0]["lr"] == 0.5


def test_a_bad_param_groups_write_raises_and_changes_nothing() -> None:
    opt = optim.SGD([Value(1.0)], lr=0.1, momentum=0.9, nesterov=True)
    group = opt.param_groups[0]
    with pytest.raises(ValueError, match=r"lr \(learning rate\) must be >= 0"):
        group["lr"] = -1.0
    with pytest.raises(ValueError, match="momentum must be >= 0"):
        group["momentum"] = math.nan
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        group["momentum"] = 0.0
    with pytest.raises(TypeError, match="lr \\(learning rate\\) must be a number"):
        group["lr"] = "0.1"
    assert (opt.lr, opt.momentum, opt.nesterov) == (0.1, 0.9, True)
    with pytest.raises(KeyError, match="has no key 'learning_rate'; its keys are"):
        group["learning_rate"] = 0.01
    with pytest.raises(KeyError, match="has no key 'eps'"):
        group["eps"]
    with pytest.raises(TypeError, match=r"\['params'\] cannot be replaced"):
        group["params"] = []
    with pytest.raises(TypeError, match="keys cannot be deleted"):
        del group["lr"]
    group["params"].clear()  # a copy: the optimizer keeps its parameters
    assert len(opt.params) == 1


def test_state_dict_is_unaffected_by_param_groups() -> None:
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    before = opt.state_dict()
    assert len(opt.param_groups) == 1
    assert opt.state_dict() == before
    assert set(before) == {"type", "num_params", "lr", "hyperparameters", "state"}
    opt.param_groups[0]["weight_decay"] = 0.01
    saved = opt.state_dict()
    assert saved["hyperparameters"]["weight_decay"] == 0.01
    fresh = optim.SGD([w], lr=0.5, momentum=0.9)
    fresh.load_state_dict(saved)
    assert dict(fresh.param_groups[0]) == dict(opt.param_groups[0])
    assert fresh.param_groups[0]["weight_decay"] == 0.01 and fresh.param_groups[0]["lr"] == 0.1


# ------------------------------------------------------------------ optim.lr_scheduler
def test_schedulers_are_where_pytorch_keeps_them() -> None:
    from microgradnn.optim.lr_scheduler import ReduceLROnPlateau, StepLR

    assert StepLR is optim.StepLR and ReduceLROnPlateau is optim.lr_scheduler.ReduceLROnPlateau
    torch = pytest.importorskip("torch")
    for name in optim.lr_scheduler.__all__:  # every schedule of ours has torch's name and place
        assert hasattr(torch.optim.lr_scheduler, name), name
    for name in ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Optimizer"):
        assert hasattr(torch.optim, name) and hasattr(optim, name), name


# ------------------------------------------------------------------ manual_seed
def test_manual_seed_makes_every_unseeded_draw_reproducible_as_torch_manual_seed() -> None:
    import microgradnn
    from microgradnn import tensor
    from microgradnn.data import DataLoader, TensorDataset, batches, moons
    from microgradnn.nn import functional as F

    def draws():
        x = Tensor(np.ones((4, 6)))
        q = Tensor(np.ones((1, 3, 4)))
        return [
            tensor.randn(5).data,
            tensor.rand(2, 2).data,
            tensor.randint(0, 10, (3,)).data,
            Linear(3, 2).weight.data,
            F.dropout(x, 0.5, training=True).data,
            tensor.scaled_dot_product_attention(q, q, q, dropout_p=0.5).data,
            np.array([p.data for p in MLP(2, [3, 1]).parameters()]),
            np.concatenate([xb.data for (xb,) in DataLoader(TensorDataset(np.arange(6)), 4, shuffle=True)]),
            np.concatenate([b for b, _ in batches(np.arange(5), np.arange(5), 2, shuffle=True)]),
            moons(4)[0],
        ]

    microgradnn.manual_seed(7)
    first = draws()
    microgradnn.manual_seed(7)
    again = draws()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    different = draws()  # the generator moved on: the next draws differ
    assert not all(np.array_equal(a, b) for a, b in zip(first, different))
    assert microgradnn.manual_seed is nn.init.manual_seed
    np.testing.assert_array_equal(tensor.randn(3, seed=1).data, tensor.randn(3, seed=1).data)  # a seed= still wins
    for bad in (-1, 1.5, True, "0"):
        with pytest.raises(ValueError, match="manual_seed: seed must be an int >= 0"):
            microgradnn.manual_seed(bad)


def test_a_data_loader_made_before_manual_seed_follows_it() -> None:
    import microgradnn
    from microgradnn.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(np.arange(8.0)), batch_size=8, shuffle=True)
    microgradnn.manual_seed(3)
    first = next(iter(loader))[0].data.copy()
    microgradnn.manual_seed(3)
    np.testing.assert_array_equal(next(iter(loader))[0].data, first)  # the same order again, as torch's
