"""PyTorch's optimizer options: parameter groups, add_param_group, amsgrad and maximize, schedulers over groups.

Each is compared with PyTorch step by step (where torch is installed), and its checkpoints and errors are pinned.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_pytorch_spellings import _assert_same_weights, _model, _step_both, _torch_copy

import microgradnn
from microgradnn import Tensor, Value, optim


def _groups(model, **second):
    """The tutorial's split: the first layer at the default settings, the last with settings of its own."""
    return [{"params": model[0].parameters()}, {"params": model[2].parameters(), **second}]


def _torch_groups(twin, **second):
    return [{"params": twin[0].parameters()}, {"params": twin[2].parameters(), **second}]


def _train_both(kind: str, settings: dict, steps: int):
    """Our optimizer `kind` and torch's, with the same settings, after `steps` steps of the same model."""
    model = _model()
    torch, twin = _torch_copy(model)
    opt = getattr(optim, kind)(model.parameters(), **settings)
    t_opt = getattr(torch.optim, kind)(twin.parameters(), **settings)
    for _ in range(steps):
        _step_both(model, opt, torch, twin, t_opt)
    _assert_same_weights(model, twin)
    return opt, t_opt, twin


# ------------------------------------------------------------------ several groups
@pytest.mark.parametrize(
    ("kind", "defaults", "second"),
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9}, {"lr": 0.01, "momentum": 0.5, "nesterov": True}),
        ("SGD", {"lr": 0.05, "weight_decay": 0.1}, {"maximize": True, "weight_decay": 0.0}),
        ("Adam", {"lr": 0.01}, {"lr": 0.1, "betas": (0.5, 0.9), "amsgrad": True}),
        ("AdamW", {"lr": 0.01, "amsgrad": True}, {"weight_decay": 0.5, "eps": 1e-3}),
    ],
)
def test_parameter_groups_step_each_group_with_its_own_settings_as_torch(kind, defaults, second) -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    opt = getattr(optim, kind)(_groups(model, **second), **defaults)
    t_opt = getattr(torch.optim, kind)(_torch_groups(twin, **second), **defaults)
    assert len(opt.param_groups) == len(t_opt.param_groups) == 2
    for group, t_group in zip(opt.param_groups, t_opt.param_groups):
        for key in group:
            if key != "params":
                assert group[key] == pytest.approx(t_group[key]), key
    for _ in range(4):
        _step_both(model, opt, torch, twin, t_opt)
    _assert_same_weights(model, twin)


def test_a_group_setting_changes_that_group_alone() -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    opt = optim.SGD(_groups(model, lr=0.01), lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(_torch_groups(twin, lr=0.01), lr=0.1, momentum=0.9)
    _step_both(model, opt, torch, twin, t_opt)
    opt.param_groups[1]["lr"] = 0.2
    t_opt.param_groups[1]["lr"] = 0.2
    opt.param_groups[0]["momentum"] = 0.0
    t_opt.param_groups[0]["momentum"] = 0.0
    for _ in range(2):
        _step_both(model, opt, torch, twin, t_opt)
    _assert_same_weights(model, twin)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.2]
    assert opt.param_groups[1]["params"] == model[2].parameters()
    assert opt.params == model.parameters()  # every parameter, in the groups' order
    assert opt.defaults == {
        "lr": 0.1,
        "momentum": 0.9,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
        "maximize": False,
    }


def test_with_several_groups_there_is_no_single_lr_and_the_error_says_where_each_one_is() -> None:
    model = _model()
    opt = optim.SGD(_groups(model, lr=0.01), lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"has 2 parameter groups, each with its own lr; use param_groups\[i\]"):
        opt.lr  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'momentum'"):
        opt.momentum  # noqa: B018 (each group has its own: param_groups[i]["momentum"])
    with pytest.raises(ValueError, match="each with its own lr"):
        opt.lr = 0.5
    with pytest.raises(ValueError, match="each with its own momentum"):
        opt.momentum = 0.5  # not a silent attribute that no step would read
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert repr(opt) == "SGD(4 parameters in 2 groups, lr=0.1, 0.01)"
    one = optim.SGD([{"params": model.parameters(), "lr": 0.3}], lr=0.1)  # one group given as a dict
    assert one.lr == 0.3 and one.momentum == 0.0
    one.lr = 0.2
    assert one.param_groups[0]["lr"] == 0.2
    with pytest.raises(AttributeError, match="no attribute 'betas'"):
        opt.betas  # noqa: B018 (an SGD has no betas, groups or not)


def test_bad_parameter_groups_are_refused_with_the_fix() -> None:
    model = _model()
    a, b = model[0].parameters(), model[2].parameters()
    cases = [
        ({"params": a}, TypeError, r"goes in a list: \[\{'params': \.\.\., 'lr': \.\.\.\}\], not a bare dict"),
        ([{"params": a}, b[0]], TypeError, "item 1 of the parameter groups is a Tensor, not a dict"),
        ([{"params": a}, {"lr": 0.1}], ValueError, "parameter group 1 has no 'params'"),
        ([{"params": a, "learning_rate": 0.1}], ValueError, r"unknown keys \['learning_rate'\]; a group's keys are"),
        ([{"params": a}, {"params": []}], ValueError, "parameter group 1 has no parameters"),
        ([{"params": a}, {"params": 3.0}], TypeError, "parameter group 1's 'params' must be a list"),
        ([{"params": a}, {"params": [a[0]]}], ValueError, "parameter 2 is the same object as parameter 0"),
        ([{"params": a}, {"params": b, "momentum": -1.0}], ValueError, "parameter group 1: SGD: momentum must be"),
        ([{"params": a}, {"params": b, "lr": math.inf}], ValueError, r"parameter group 1: SGD: lr \(learning rate\)"),
        ([{"params": a, "nesterov": True}], ValueError, "parameter group 0: SGD: nesterov=True needs momentum"),
        ([{"params": a}, {"params": b, "maximize": 1}], TypeError, "maximize must be True or False"),
    ]
    for params, error, message in cases:
        with pytest.raises(error, match=message):
            optim.SGD(params, lr=0.1)
    with pytest.raises(TypeError, match="item 0 of the parameter groups is a Tensor, not a dict"):
        optim.SGD([*a, {"params": b}], lr=0.1)
    with pytest.raises(TypeError, match=r"parameter 0 is a dict; parameter groups go in a list of their own"):
        optim.SGD([{"params": [{"params": a}]}], lr=0.1)


# ------------------------------------------------------------------ add_param_group
def test_add_param_group_keeps_the_first_groups_buffers_and_steps_as_torch() -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    opt = optim.Adam(model[0].parameters(), lr=0.01, amsgrad=True)
    t_opt = torch.optim.Adam(twin[0].parameters(), lr=0.01, amsgrad=True)
    _step_both(model, opt, torch, twin, t_opt)
    opt.lr = 0.02  # the first group's rate, changed before it becomes one group of two
    t_opt.param_groups[0]["lr"] = 0.02
    opt.add_param_group({"params": model[2].parameters(), "betas": (0.5, 0.8)})
    t_opt.add_param_group({"params": twin[2].parameters(), "betas": (0.5, 0.8)})
    assert [g["lr"] for g in opt.param_groups] == [0.02, 0.01]  # a new group takes the constructor's lr
    for _ in range(3):
        _step_both(model, opt, torch, twin, t_opt)
    _assert_same_weights(model, twin)
    assert opt.state[0]["step"] == 4 and opt.state[2]["step"] == 3


def test_add_param_group_checks_first_and_changes_nothing_after_an_error() -> None:
    model = _model()
    opt = optim.SGD(model[0].parameters(), lr=0.1)
    before = (opt.params, opt.param_groups[0]["lr"], opt.state_dict())
    for group, error, message in [
        ({"params": model[0].parameters()}, ValueError, "parameter 2 is the same object as parameter 0"),
        ({"params": model[2].parameters(), "momentum": -1.0}, ValueError, "momentum must be >= 0"),
        ({"params": model[2].parameters(), "moment": 0.9}, ValueError, r"unknown keys \['moment'\]"),
        (model[2].parameters(), TypeError, "expected a dict such as"),
    ]:
        with pytest.raises(error, match=message):
            opt.add_param_group(group)
        assert (opt.params, opt.param_groups[0]["lr"], opt.state_dict()) == before
        assert opt.lr == 0.1  # still one group


# ------------------------------------------------------------------ checkpoints with groups
def _train(model, opt, steps: int):
    """`steps` steps of `opt` on the same batch every time (so two runs can be compared bit for bit)."""
    for _ in range(steps):
        opt.zero_grad()
        (model(Tensor(np.ones((2, 3), dtype=np.float32))) ** 2).sum().backward()
        opt.step()
    return model


def test_a_grouped_optimizer_resumes_bit_identically_from_a_file(tmp_path) -> None:
    def run(steps, opt=None, model=None):
        model = model or _model()
        opt = opt or optim.SGD(_groups(model, lr=0.01, nesterov=True, momentum=0.5), lr=0.1, momentum=0.9)
        return _train(model, opt, steps), opt

    straight, _ = run(4)
    model, opt = run(2)
    state = opt.state_dict()
    assert [g["lr"] for g in state["groups"]] == [0.1, 0.01] and state["num_params"] == 4
    microgradnn.save({"model": model.state_dict(), "opt": state}, tmp_path / "ckpt.npz")
    loaded = microgradnn.load(tmp_path / "ckpt.npz")
    fresh_model = _model()
    fresh_model.load_state_dict(loaded["model"])
    fresh = optim.SGD(_groups(fresh_model), lr=0.5)  # other settings: the checkpoint brings them back
    fresh.load_state_dict(loaded["opt"])
    assert [dict(g, params=None) for g in fresh.param_groups] == [dict(g, params=None) for g in opt.param_groups]
    resumed, _ = run(2, fresh, fresh_model)
    for p, q in zip(resumed.parameters(), straight.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_a_checkpoint_of_other_groups_is_refused_and_changes_nothing() -> None:
    model = _model()
    grouped = optim.SGD(_groups(model), lr=0.1)
    plain = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="the state has 1 parameter group"):
        grouped.load_state_dict(plain.state_dict())
    with pytest.raises(ValueError, match="the state has 2 parameter group"):
        plain.load_state_dict(grouped.state_dict())
    other = optim.SGD(
        [{"params": model[0].parameters()[:1]}, {"params": model[0].parameters()[1:] + model[2].parameters()}], lr=0.1
    )
    with pytest.raises(ValueError, match=r"for 1 parameters in parameter group 0, this optimizer has 2"):
        grouped.load_state_dict(other.state_dict())
    bad = grouped.state_dict()
    bad["groups"][1]["hyperparameters"]["momentum"] = -1.0
    before = grouped.state_dict()
    with pytest.raises(ValueError, match="momentum must be >= 0"):
        grouped.load_state_dict(bad)
    assert grouped.state_dict() == before


def test_a_checkpoint_from_before_amsgrad_and_maximize_still_loads() -> None:
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    adam = optim.Adam([w], lr=0.1)
    old = adam.state_dict()
    del old["hyperparameters"]["amsgrad"], old["hyperparameters"]["maximize"]
    fresh = optim.Adam([w], lr=0.5)
    fresh.load_state_dict(old)
    assert (fresh.lr, fresh.amsgrad, fresh.maximize) == (0.1, False, False)
    sgd = optim.SGD([w], lr=0.1).state_dict()
    del sgd["hyperparameters"]["maximize"]
    optim.SGD([w], lr=0.5).load_state_dict(sgd)


# ------------------------------------------------------------------ amsgrad and maximize
@pytest.mark.parametrize(
    ("kind", "settings"),
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9, "maximize": True}),
        ("Adam", {"lr": 0.05, "amsgrad": True}),
        ("Adam", {"lr": 0.05, "amsgrad": True, "maximize": True, "weight_decay": 0.1}),
        ("AdamW", {"lr": 0.05, "amsgrad": True, "maximize": True}),
    ],
)
def test_amsgrad_and_maximize_step_as_torch(kind, settings) -> None:
    opt, t_opt, twin = _train_both(kind, settings, 5)
    if settings.get("amsgrad"):
        for i, q in enumerate(twin.parameters()):
            t_state = t_opt.state[q]
            np.testing.assert_allclose(opt.state[i]["max_exp_avg_sq"], t_state["max_exp_avg_sq"].numpy(), rtol=1e-5)


def test_amsgrad_keeps_the_largest_second_moment_so_a_quiet_gradient_takes_a_small_step() -> None:
    # One big gradient, then small ones; beta1 = 0, so m_hat is the gradient itself.
    moves = {}
    for amsgrad in (False, True):
        w = Value(0.0)
        opt = optim.Adam([w], lr=0.1, betas=(0.0, 0.5), eps=0.0, amsgrad=amsgrad)
        for g in (10.0, 0.1, 0.1, 0.1):
            before = w.data
            w.grad = g
            opt.step()
        moves[amsgrad] = before - w.data
        assert isinstance(opt.state[0]["max_exp_avg_sq" if amsgrad else "exp_avg_sq"], float)  # a Value's: floats
    v = 0.0
    for g in (10.0, 0.1, 0.1, 0.1):
        v = 0.5 * v + 0.5 * g * g
    bias = 1 - 0.5**4
    assert moves[False] == pytest.approx(0.1 * 0.1 / math.sqrt(v / bias))  # v has decayed: the step grew back
    assert moves[True] == pytest.approx(0.1 * 0.1 / math.sqrt(50.0 / bias))  # the first v (0.5 * 100) scales it


def test_maximize_climbs() -> None:
    w = Value(1.0)
    opt = optim.SGD([w], lr=0.5, maximize=True)
    w.grad = 2.0  # d objective / dw
    opt.step()
    assert w.data == 2.0  # 1 + 0.5 * 2: uphill
    assert optim.Adam([Value(1.0)], maximize=True).param_groups[0]["maximize"] is True


# ------------------------------------------------------------------ schedulers over groups
@pytest.mark.parametrize(
    ("kind", "settings"),
    [
        ("StepLR", {"step_size": 2, "gamma": 0.5}),
        ("ExponentialLR", {"gamma": 0.9}),
        ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.001}),
        ("LinearLR", {"start_factor": 0.5, "end_factor": 1.0, "total_iters": 3}),
        ("LambdaLR", {"lr_lambda": lambda epoch: 1.0 / (1 + epoch)}),
    ],
)
def test_a_scheduler_moves_each_groups_rate_from_its_own_base_as_torch(kind, settings) -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    opt = optim.SGD(_groups(model, lr=0.01), lr=0.1)
    t_opt = torch.optim.SGD(_torch_groups(twin, lr=0.01), lr=0.1)
    sched = getattr(optim, kind)(opt, **settings)
    t_sched = getattr(torch.optim.lr_scheduler, kind)(t_opt, **settings)
    assert sched.base_lrs == pytest.approx(t_sched.base_lrs)
    for _ in range(6):
        assert sched.get_last_lr() == pytest.approx(t_sched.get_last_lr())
        _step_both(model, opt, torch, twin, t_opt)
        sched.step()
        t_sched.step()
    _assert_same_weights(model, twin)


def test_a_grouped_schedulers_checkpoint_and_its_errors() -> None:
    model = _model()
    opt = optim.SGD(_groups(model, lr=0.01), lr=0.1)
    sched = optim.StepLR(opt, step_size=1, gamma=0.5)
    sched.step()
    state = sched.state_dict()
    assert state["base_lrs"] == [0.1, 0.01] and "base_lr" not in state
    with pytest.raises(ValueError, match="has 2 parameter groups; read base_lrs"):
        sched.base_lr  # noqa: B018
    fresh_opt = optim.SGD(_groups(_model(), lr=0.3), lr=0.3)
    fresh = optim.StepLR(fresh_opt, step_size=1, gamma=0.5)
    fresh.load_state_dict(state)
    assert fresh.get_last_lr() == [0.05, 0.005] == [g["lr"] for g in fresh_opt.param_groups]
    plain = optim.StepLR(optim.SGD(model.parameters(), lr=0.1), step_size=1)
    with pytest.raises(ValueError, match="the state is for 2 parameter group"):
        plain.load_state_dict(state)
    assert set(plain.state_dict()) == {"type", "base_lr", "last_epoch", "hyperparameters"}  # as before groups
    opt.add_param_group({"params": [Tensor([1.0], requires_grad=True)]})
    with pytest.raises(ValueError, match="has 3 parameter groups but the scheduler was made for 2"):
        sched.step()
    assert sched.last_epoch == 1


def test_fit_restores_every_groups_rate_after_a_failed_step() -> None:
    from microgradnn.training import _Snapshot

    model = _model()
    opt = optim.SGD(_groups(model, lr=0.01), lr=0.1)
    snapshot = _Snapshot(opt)
    snapshot.take()
    opt.param_groups[0]["lr"], opt.param_groups[1]["lr"] = 0.5, 0.6
    snapshot.restore()
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]


def test_a_group_may_have_lr_0_and_add_param_group_works_after_a_schedule_ran_down_to_0() -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    opt = optim.SGD([{"params": model[0].parameters(), "lr": 0.0}, {"params": model[2].parameters()}], lr=0.1)
    t_opt = torch.optim.SGD([{"params": twin[0].parameters(), "lr": 0.0}, {"params": twin[2].parameters()}], lr=0.1)
    frozen = model[0].weight.data.copy()
    _step_both(model, opt, torch, twin, t_opt)
    np.testing.assert_array_equal(model[0].weight.data, frozen)  # a group held still, as PyTorch's
    _assert_same_weights(model, twin)
    ran_down = optim.SGD(model[0].parameters(), lr=0.1)
    sched = optim.CosineAnnealingLR(ran_down, T_max=2)
    sched.step()
    sched.step()
    assert ran_down.lr == 0.0
    ran_down.add_param_group({"params": model[2].parameters()})
    assert [g["lr"] for g in ran_down.param_groups] == [0.0, 0.1]


def test_hasattr_and_getattr_answer_for_lr_with_several_groups() -> None:
    opt = optim.SGD(_groups(_model()), lr=0.1)
    assert not hasattr(opt, "lr") and getattr(opt, "lr", None) is None
    assert hasattr(optim.SGD(_model().parameters(), lr=0.1), "lr")
