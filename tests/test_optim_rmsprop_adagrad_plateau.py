"""RMSprop, Adagrad, MultiStepLR and ReduceLROnPlateau: PyTorch's equations, compared with torch step by step.

Also their checkpoints (resuming is bit-identical), their argument checks, and ReduceLROnPlateau inside `fit`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_optim_groups import _groups, _torch_groups, _train, _train_both
from test_pytorch_spellings import _assert_same_weights, _model, _step_both, _torch_copy

from microgradnn import Tensor, Value, data, fit, optim
from microgradnn.nn import Linear, ReLU, Sequential
from microgradnn.nn import functional as F


# ------------------------------------------------------------------ RMSprop and Adagrad
@pytest.mark.parametrize(
    ("kind", "settings"),
    [
        ("RMSprop", {}),
        ("RMSprop", {"lr": 0.05, "momentum": 0.9}),
        ("RMSprop", {"alpha": 0.5, "centered": True}),
        ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1, "eps": 1e-3}),
        ("RMSprop", {"maximize": True, "momentum": 0.9}),
        ("Adagrad", {}),
        ("Adagrad", {"lr": 0.1, "lr_decay": 0.2, "weight_decay": 0.1, "initial_accumulator_value": 0.5}),
        ("Adagrad", {"maximize": True, "eps": 1e-3}),
    ],
)
def test_rmsprop_and_adagrad_step_as_torch(kind, settings) -> None:
    opt, t_opt, _ = _train_both(kind, settings, 6)
    ours = opt.param_groups[0]
    for key in ours:
        if key != "params":
            assert ours[key] == pytest.approx(t_opt.param_groups[0][key]), key


def test_rmsprop_and_adagrad_in_parameter_groups_as_torch() -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    opt = optim.RMSprop(_groups(model, lr=0.001, centered=True), lr=0.01, momentum=0.5)
    t_opt = torch.optim.RMSprop(_torch_groups(twin, lr=0.001, centered=True), lr=0.01, momentum=0.5)
    for _ in range(4):
        _step_both(model, opt, torch, twin, t_opt)
    _assert_same_weights(model, twin)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.RMSprop(ps, lr=0.05, momentum=0.9, centered=True, weight_decay=0.01),
        lambda ps: optim.Adagrad(ps, lr=0.3, lr_decay=0.1, initial_accumulator_value=0.2),
    ],
)
def test_a_value_moves_as_the_same_number_in_a_tensor(make) -> None:
    # The same equations on a float and on a 1-element array: the scalar and the tensor engine agree.
    v, t = Value(0.7), Tensor(np.array([0.7]), requires_grad=True)
    opt_v, opt_t = make([v]), make([t])
    for g in (0.5, -2.0, 0.25, 3.0):
        v.grad, t.grad = g, np.array([g])
        opt_v.step()
        opt_t.step()
        assert v.data == pytest.approx(t.data[0], rel=1e-12)
    assert all(isinstance(x, float) for x in opt_v.state[0].values() if not isinstance(x, int))


def test_adagrad_steps_shrink_as_the_squares_add_up() -> None:
    w = Value(0.0)
    opt = optim.Adagrad([w], lr=1.0, eps=0.0)
    moves = []
    for _ in range(4):
        before = w.data
        w.grad = 2.0
        opt.step()
        moves.append(before - w.data)
    # sum after t steps is 4t, so the t-th move is 2 / sqrt(4t) = 1 / sqrt(t)
    assert moves == pytest.approx([1 / math.sqrt(t) for t in range(1, 5)])
    assert opt.state[0] == {"step": 4, "sum": 16.0}


def test_centered_rmsprop_divides_by_the_spread_about_the_running_mean() -> None:
    w = Value(0.0)
    opt = optim.RMSprop([w], lr=1.0, alpha=0.5, eps=0.0, centered=True)
    w.grad = 2.0
    opt.step()
    # v = 0.5 * 4 = 2, mean = 0.5 * 2 = 1, so the move is 2 / sqrt(2 - 1) = 2
    assert w.data == -2.0
    assert opt.state[0] == {"step": 1, "square_avg": 2.0, "grad_avg": 1.0}


def test_bad_rmsprop_and_adagrad_settings_are_refused() -> None:
    p = [Value(1.0)]
    for make, error, message in [
        (lambda: optim.RMSprop(p, alpha=1.0), ValueError, r"RMSprop: alpha must be >= 0 and < 1"),
        (lambda: optim.RMSprop(p, momentum=-0.1), ValueError, "RMSprop: momentum must be >= 0"),
        (lambda: optim.RMSprop(p, centered=1), TypeError, "RMSprop: centered must be True or False"),
        (lambda: optim.RMSprop(p, lr=-0.1), ValueError, r"RMSprop: lr \(learning rate\) must be >= 0"),
        (lambda: optim.Adagrad(p, lr_decay=-1.0), ValueError, "Adagrad: lr_decay must be >= 0"),
        (lambda: optim.Adagrad(p, initial_accumulator_value=math.nan), ValueError, "initial_accumulator_value"),
        (lambda: optim.Adagrad(p, eps=math.inf), ValueError, "Adagrad: eps must be >= 0"),
    ]:
        with pytest.raises(error, match=message):
            make()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True),
        lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01),
    ],
)
def test_rmsprop_and_adagrad_resume_bit_identically(make) -> None:
    straight = _model()
    _train(straight, make(straight.parameters()), 4)
    model = _model()
    opt = make(model.parameters())
    _train(model, opt, 2)
    fresh = make(model.parameters())
    fresh.load_state_dict(opt.state_dict())
    resumed = _train(model, fresh, 2)
    for p, q in zip(resumed.parameters(), straight.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


# ------------------------------------------------------------------ MultiStepLR
def test_multisteplr_multiplies_at_each_milestone_as_torch() -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    opt = optim.SGD(_groups(model, lr=0.01), lr=0.1)
    t_opt = torch.optim.SGD(_torch_groups(twin, lr=0.01), lr=0.1)
    sched = optim.MultiStepLR(opt, milestones=[5, 2, 5], gamma=0.5)  # unsorted, 5 twice: two halvings there
    t_sched = torch.optim.lr_scheduler.MultiStepLR(t_opt, milestones=[5, 2, 5], gamma=0.5)
    for _ in range(7):
        assert sched.get_last_lr() == pytest.approx(t_sched.get_last_lr())
        _step_both(model, opt, torch, twin, t_opt)
        sched.step()
        t_sched.step()
    assert sched.get_last_lr() == pytest.approx([0.1 / 8, 0.01 / 8])
    assert sched.milestones == [2, 5, 5]
    fresh = optim.MultiStepLR(optim.SGD(_groups(_model(), lr=0.01), lr=0.1), milestones=[1])
    fresh.load_state_dict(sched.state_dict())
    assert fresh.get_last_lr() == pytest.approx(sched.get_last_lr()) and fresh.milestones == [2, 5, 5]
    for bad, error in (("30", TypeError), ([1.5], ValueError), ([-1], ValueError)):
        with pytest.raises(error, match=r"MultiStepLR: (milestones must be a list|a milestone must be an int)"):
            optim.MultiStepLR(opt, milestones=bad)


# ------------------------------------------------------------------ ReduceLROnPlateau
METRICS = [1.0, 0.9, 0.9, 0.9, 0.9, 0.95, 0.5, 0.5, 0.5, 0.49993, 0.5, 0.5, 0.5, 0.5, math.nan, 0.1, 0.1]


@pytest.mark.parametrize(
    "settings",
    [
        {"patience": 2},
        {"patience": 1, "cooldown": 2, "factor": 0.5},
        {"patience": 0, "threshold": 0.2, "threshold_mode": "abs", "min_lr": [0.02, 0.0]},
        {"mode": "max", "patience": 1, "factor": 0.5, "min_lr": 0.004},
        {"patience": 0, "factor": 0.9, "eps": 0.005},
    ],
)
def test_reduce_on_plateau_lowers_each_groups_rate_as_torch(settings) -> None:
    model = _model()
    torch, twin = _torch_copy(model)
    opt = optim.SGD(_groups(model, lr=0.01), lr=0.1)
    t_opt = torch.optim.SGD(_torch_groups(twin, lr=0.01), lr=0.1)
    sched = optim.ReduceLROnPlateau(opt, **settings)
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **settings)
    lrs = []
    for metric in METRICS:
        _step_both(model, opt, torch, twin, t_opt)
        sched.step(metric)
        t_sched.step(metric)
        assert sched.get_last_lr() == pytest.approx([g["lr"] for g in t_opt.param_groups])
        assert (sched.num_bad_epochs, sched.cooldown_counter) == (t_sched.num_bad_epochs, t_sched.cooldown_counter)
        lrs.append(sched.get_last_lr()[0])
    assert lrs[-1] < 0.1  # the metrics have plateaus: the rate came down
    _assert_same_weights(model, twin)


def test_reduce_on_plateau_resumes_from_its_checkpoint() -> None:
    def run(metrics, opt=None, sched=None):
        opt = opt or optim.SGD([Value(1.0)], lr=1.0)
        sched = sched or optim.ReduceLROnPlateau(opt, patience=1, cooldown=1, factor=0.5)
        for m in metrics:
            sched.step(m)
        return opt, sched

    straight_opt, straight = run(METRICS)
    opt, sched = run(METRICS[:7])
    fresh_opt = optim.SGD([Value(1.0)], lr=1.0)
    fresh_opt.load_state_dict(opt.state_dict())
    fresh = optim.ReduceLROnPlateau(fresh_opt)  # other settings: the checkpoint brings them back
    fresh.load_state_dict(sched.state_dict())
    run(METRICS[7:], fresh_opt, fresh)
    assert fresh_opt.lr == straight_opt.lr and fresh.state_dict() == straight.state_dict()


def test_reduce_on_plateau_checks_its_arguments_and_its_metric() -> None:
    opt = optim.SGD(_groups(_model()), lr=0.1)
    for settings, error, message in [
        ({"mode": "minimum"}, ValueError, "mode must be 'min' or 'max'"),
        ({"factor": 1.0}, ValueError, "factor must be >= 0 and < 1"),
        ({"threshold_mode": "relative"}, ValueError, "threshold_mode must be 'rel' or 'abs'"),
        ({"patience": -1}, ValueError, "patience must be an int >= 0"),
        ({"min_lr": [0.1]}, ValueError, "min_lr lists 1 rates for 2 parameter group"),
        ({"min_lr": -1.0}, ValueError, "min_lr must be >= 0"),
    ]:
        with pytest.raises(error, match=message):
            optim.ReduceLROnPlateau(opt, **settings)
    sched = optim.ReduceLROnPlateau(opt)
    with pytest.raises(TypeError, match=r"give the metric to watch, e.g. scheduler.step\(val_loss\)"):
        sched.step()
    with pytest.raises(TypeError, match="the metric must be a number"):
        sched.step("0.5")
    sched.step(Tensor(np.array(0.5)))  # a 0-d loss tensor is its number
    assert sched.best == 0.5 and sched.last_epoch == 1
    with pytest.raises(TypeError, match="expected an optimizer"):
        optim.ReduceLROnPlateau([Value(1.0)])


@pytest.mark.parametrize("with_validation", [True, False])
def test_fit_steps_reduce_on_plateau_with_the_validation_loss_else_the_training_loss(with_validation) -> None:
    seen = []

    class Watching(optim.ReduceLROnPlateau):
        def step(self, metrics=None):
            seen.append(metrics)
            super().step(metrics)

    X, y = data.blobs(120, centers=3, cluster_std=1.0, seed=0)
    model = Sequential(Linear(2, 8, seed=0), ReLU(), Linear(8, 3, seed=1))
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = Watching(opt, mode="max", patience=0, factor=0.5)  # a falling loss is "worse" here: halve every epoch
    val = (X[80:], y[80:]) if with_validation else None
    history = fit(model, F.cross_entropy, opt, (X[:80], y[:80]), epochs=4, seed=0, val_data=val, scheduler=sched)
    assert seen == (history.val_loss if with_validation else history.loss)
    assert history.lr[0] == 0.1 and history.lr[-1] < 0.1
