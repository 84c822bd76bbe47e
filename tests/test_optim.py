"""Optimizers against their update equations, worked out by hand here; schedulers against their formulas."""

import math

import numpy as np
import pytest

from microgradnn import Tensor, Value, optim
from microgradnn.nn import MLP, Linear


def run_value(opt_factory, grads, w0=1.0):
    """Apply one optimizer step per gradient to a single Value parameter; return the weights after each."""
    w = Value(w0)
    opt = opt_factory([w])
    seen = []
    for g in grads:
        w.grad = g
        opt.step()
        seen.append(w.data)
    return seen


def run_tensor(opt_factory, grads, w0, dtype=np.float64):
    w = Tensor(np.array(w0, dtype=dtype), requires_grad=True)
    data_id = id(w.data)
    opt = opt_factory([w])
    seen = []
    for g in grads:
        w.grad = np.array(g, dtype=dtype)
        opt.step()
        seen.append(w.data.copy())
    assert id(w.data) == data_id  # updated in place
    assert w.data.dtype == dtype
    return seen


# ------------------------------------------------------------------------- SGD
def test_sgd_plain_is_w_minus_lr_g():
    # w = 1.0, g = 0.5, lr = 0.1: 1.0 - 0.05 = 0.95; then g = -1.0: 0.95 + 0.1 = 1.05
    assert run_value(lambda p: optim.SGD(p, lr=0.1), [0.5, -1.0]) == pytest.approx([0.95, 1.05])


def test_sgd_momentum_by_hand():
    # step 1: buf = g = 0.5;                       w = 1.0 - 0.1 * 0.5 = 0.95
    # step 2: buf = 0.9 * 0.5 + (-1.0) = -0.55;    w = 0.95 + 0.055 = 1.005
    # step 3: buf = 0.9 * -0.55 + 0.2 = -0.295;    w = 1.005 + 0.0295 = 1.0345
    got = run_value(lambda p: optim.SGD(p, lr=0.1, momentum=0.9), [0.5, -1.0, 0.2])
    assert got == pytest.approx([0.95, 1.005, 1.0345])


def test_sgd_dampening_by_hand():
    # step 1: buf = g = 1.0 (no dampening on the first step); w = 0 - 0.1 = -0.1
    # step 2: buf = 0.5 * 1.0 + (1 - 0.5) * 1.0 = 1.0;       w = -0.2
    # step 3: buf = 0.5 * 1.0 + 0.5 * 3.0 = 2.0;            w = -0.4
    got = run_value(lambda p: optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.5), [1.0, 1.0, 3.0], w0=0.0)
    assert got == pytest.approx([-0.1, -0.2, -0.4])


def test_sgd_nesterov_by_hand():
    # step 1: buf = 0.5; g' = 0.5 + 0.9 * 0.5 = 0.95;             w = 1 - 0.095 = 0.905
    # step 2: buf = 0.45 - 1.0 = -0.55; g' = -1.0 + 0.9 * -0.55 = -1.495; w = 0.905 + 0.1495 = 1.0545
    got = run_value(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True), [0.5, -1.0])
    assert got == pytest.approx([0.905, 1.0545])


def test_sgd_weight_decay_by_hand():
    # g' = g + 0.1 * w: step 1: 0.5 + 0.2 = 0.7, w = 2 - 0.07 = 1.93; step 2: 0 + 0.193, w = 1.93 - 0.0193 = 1.9107
    got = run_value(lambda p: optim.SGD(p, lr=0.1, weight_decay=0.1), [0.5, 0.0], w0=2.0)
    assert got == pytest.approx([1.93, 1.9107])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_momentum_on_tensor_matches_hand_steps_and_keeps_dtype(dtype):
    got = run_tensor(lambda p: optim.SGD(p, lr=0.1, momentum=0.9), [[0.5, 1.0], [-1.0, 1.0]], [1.0, 0.0], dtype)
    # second entry: buf 1.0 then 0.9 + 1.0 = 1.9: w = -0.1, then -0.1 - 0.19 = -0.29
    np.testing.assert_allclose(got[-1], [1.005, -0.29], rtol=1e-6)


# ------------------------------------------------------------------------ Adam
def adam_by_hand(grads, w, lr, b1=0.9, b2=0.999, eps=1e-8, l2=0.0, decoupled=0.0):
    """Adam's equations, written out independently of the library."""
    m = v = 0.0
    out = []
    for t, g in enumerate(grads, start=1):
        w = w * (1 - lr * decoupled)
        g = g + l2 * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        out.append(w)
    return out


def test_adam_first_step_moves_by_lr():
    # m_hat = g and v_hat = g^2 on the first step, so the step is lr * g / (|g| + eps) ~ lr.
    assert run_value(lambda p: optim.Adam(p, lr=0.1), [0.5]) == pytest.approx([0.9], abs=1e-7)


def test_adam_second_step_by_hand():
    # step 2 with g = -1: m = 0.9 * 0.05 - 0.1 = -0.055, v = 0.999 * 0.00025 + 0.001 = 0.00124975,
    # m_hat = -0.055 / 0.19, v_hat = 0.00124975 / 0.001999: w = 0.9 + 0.1 * 0.289474 / 0.790688 = 0.936610
    got = run_value(lambda p: optim.Adam(p, lr=0.1), [0.5, -1.0])
    assert got[1] == pytest.approx(0.9 + 0.1 * (0.055 / 0.19) / math.sqrt(0.00124975 / 0.001999), rel=1e-7)
    assert got[1] == pytest.approx(0.936610, abs=1e-6)


def test_adam_sequence_and_l2_weight_decay():
    grads = [0.3, -0.2, 0.7, 0.1]
    assert run_value(lambda p: optim.Adam(p, lr=0.05), grads, 0.4) == pytest.approx(adam_by_hand(grads, 0.4, 0.05))
    got = run_value(lambda p: optim.Adam(p, lr=0.05, weight_decay=0.1), grads, 0.4)
    assert got == pytest.approx(adam_by_hand(grads, 0.4, 0.05, l2=0.1))


def test_adamw_decouples_weight_decay():
    # With g = 0 every step, AdamW only shrinks: w = w * (1 - lr * wd); Adam with L2 would move by ~lr.
    got = run_value(lambda p: optim.AdamW(p, lr=0.1, weight_decay=0.5), [0.0, 0.0], w0=2.0)
    assert got == pytest.approx([2.0 * 0.95, 2.0 * 0.95 * 0.95])
    grads = [0.3, -0.2, 0.7]
    got = run_value(lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.1), grads, 0.4)
    assert got == pytest.approx(adam_by_hand(grads, 0.4, 0.05, decoupled=0.1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_on_tensor_matches_elementwise_hand_steps(dtype):
    g1, g2 = [0.5, -2.0], [-1.0, 0.25]
    got = run_tensor(lambda p: optim.Adam(p, lr=0.1), [g1, g2], [1.0, -1.0], dtype)
    expected = [adam_by_hand([g1[i], g2[i]], [1.0, -1.0][i], 0.1)[-1] for i in range(2)]
    np.testing.assert_allclose(got[-1], expected, rtol=1e-5 if dtype == np.float32 else 1e-12)


# ------------------------------------------------------------------ behaviour
def test_zero_grad_and_tensor_without_grad_is_skipped():
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([a, b], lr=1.0)
    a.grad = np.array([1.0, 2.0])
    opt.step()  # b.grad is None: b is left alone
    assert a.data.tolist() == [0.0, -1.0] and b.data.tolist() == [1.0, 1.0]
    opt.zero_grad()
    assert a.grad is None


def test_step_trains_a_real_model_down():
    model = MLP(1, [4, 1], seed=0)
    opt = optim.SGD(model.parameters(), lr=0.05)
    xs, ys = [[-1.0], [0.0], [1.0]], [1.0, 0.0, 1.0]

    def loss():
        return sum(((model(x) - y) ** 2 for x, y in zip(xs, ys)), Value(0.0))

    first = loss().data
    for _ in range(30):
        opt.zero_grad()
        current = loss()
        current.backward()
        opt.step()
    assert loss().data < first


def test_failed_step_leaves_every_weight_unchanged():
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([a, b], lr=1.0)
    a.grad = np.array([1.0, 1.0])
    b.grad = np.ones(3)  # wrong shape: computing b's update fails
    with pytest.raises(ValueError, match=r"parameter 1 has shape \(2,\) but its gradient has shape \(3,\)"):
        opt.step()
    assert a.data.tolist() == [1.0, 1.0]


def test_read_only_parameter_fails_before_any_weight_moves():
    a = Tensor(np.ones(2), requires_grad=True)
    frozen = np.ones(2)
    frozen.flags.writeable = False
    b = Tensor(frozen, requires_grad=True, copy=False)
    opt = optim.SGD([a, b], lr=1.0)
    a.grad, b.grad = np.ones(2), np.ones(2)
    with pytest.raises(ValueError, match="parameter 1's data is a read-only array"):
        opt.step()
    assert a.data.tolist() == [1.0, 1.0] and b.data.tolist() == [1.0, 1.0]


def test_step_updates_the_arrays_in_place():
    layer = Linear(3, 2, seed=0)
    arrays = [p.data for p in layer.parameters()]
    before = [a.copy() for a in arrays]
    for p in layer.parameters():
        p.grad = np.ones_like(p.data)
    optim.SGD(layer.parameters(), lr=0.5).step()
    for p, array, old in zip(layer.parameters(), arrays, before):
        assert p.data is array  # the same array: views and references held elsewhere see the update
        np.testing.assert_allclose(array, old - 0.5)


def test_failed_adam_step_does_not_advance_its_buffers():
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = np.array([0.5, 0.5]), np.ones(3)
    with pytest.raises(ValueError):
        opt.step()
    b.grad = np.array([0.5, 0.5])
    opt.step()  # now a true first step: each weight moves by lr
    np.testing.assert_allclose(a.data, [0.9, 0.9], atol=1e-7)


@pytest.mark.parametrize(
    "make",
    [optim.SGD, lambda params, lr: optim.SGD(params, lr, momentum=0.9), optim.Adam],
    ids=["sgd", "sgd-momentum", "adam"],
)
@pytest.mark.parametrize("bad_grad", [np.array([1j, 1j]), np.array(["a", "b"])], ids=["complex", "text"])
def test_gradient_of_an_uncastable_dtype_fails_before_anything_moves(make, bad_grad):
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = make([a, b], 0.1)
    a.grad, b.grad = np.array([0.5, 0.5]), np.array([0.5, 0.5])
    opt.step()  # buffers exist now: the failed step must not touch them either
    weights, state = [a.data.copy(), b.data.copy()], opt.state_dict()["state"]
    b.grad = bad_grad
    with pytest.raises(TypeError, match=rf"parameter 1 has dtype float64 but its gradient has dtype {bad_grad.dtype}"):
        opt.step()
    assert a.data.tolist() == weights[0].tolist() and b.data.tolist() == weights[1].tolist()
    after = opt.state_dict()["state"]
    assert after.keys() == state.keys()
    for key in state:
        for name, value in state[key].items():
            assert np.array_equal(after[key][name], value), (key, name)


@pytest.mark.parametrize("count", ["2", 2.0, True, None])
def test_load_state_dict_with_a_count_that_is_not_an_int(count):
    a, b = Value(1.0), Value(2.0)
    opt = optim.SGD([a, b], lr=0.1)
    with pytest.raises(TypeError, match=r"SGD.load_state_dict: 'num_params' must be an int .*got \w+ "):
        opt.load_state_dict({**opt.state_dict(), "num_params": count})


@pytest.mark.parametrize("lr", [-0.1, float("nan")])  # (0 is allowed, as in PyTorch: the weights hold still)
def test_bad_learning_rate_is_a_value_error(lr):
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([Value(1.0)], lr=lr)
    with pytest.raises(ValueError, match="lr"):
        optim.Adam([Value(1.0)], lr=lr)


def test_other_bad_hyperparameters():
    with pytest.raises(ValueError, match="momentum must be >= 0"):
        optim.SGD([Value(1.0)], lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([Value(1.0)], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta2"):
        optim.Adam([Value(1.0)], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="weight_decay"):
        optim.AdamW([Value(1.0)], weight_decay=-1.0)
    with pytest.raises(TypeError, match="lr"):
        optim.SGD([Value(1.0)], lr="0.1")


def test_bad_parameter_lists():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        optim.SGD(Linear(2, 2), lr=0.1)
    with pytest.raises(ValueError, match=r"parameter 0 was computed by an op \(\*\), so it is not a leaf"):
        optim.SGD([Tensor([1.0], requires_grad=True) * 2], lr=0.1)
    with pytest.raises(ValueError, match=r"parameter 1 was computed by an op \(\+\)"):
        optim.SGD([Value(1.0), Value(1.0) + 1], lr=0.1)
    v = Value(1.0)
    with pytest.raises(ValueError, match="parameter 1 is the same object as parameter 0"):
        optim.SGD([v, v], lr=0.1)
    with pytest.raises(TypeError, match="parameter 0 is a float"):
        optim.SGD([1.0], lr=0.1)


# ------------------------------------------------------------------ schedulers
def lrs(scheduler, opt, n):
    out = [opt.lr]
    for _ in range(n):
        scheduler.step()
        out.append(scheduler.get_last_lr()[0])
    return out


def test_step_lr():
    opt = optim.SGD([Value(0.0)], lr=1.0)
    assert lrs(optim.StepLR(opt, step_size=2, gamma=0.5), opt, 5) == pytest.approx([1, 1, 0.5, 0.5, 0.25, 0.25])


def test_exponential_lr():
    opt = optim.SGD([Value(0.0)], lr=2.0)
    assert lrs(optim.ExponentialLR(opt, gamma=0.5), opt, 3) == pytest.approx([2.0, 1.0, 0.5, 0.25])


def test_cosine_annealing_lr():
    opt = optim.SGD([Value(0.0)], lr=1.0)
    # eta_min + (1 - eta_min) (1 + cos(pi t / 4)) / 2 with eta_min = 0.2: t = 0..4
    expected = [1.0, 0.2 + 0.8 * (1 + math.sqrt(0.5)) / 2, 0.6, 0.2 + 0.8 * (1 - math.sqrt(0.5)) / 2, 0.2]
    assert lrs(optim.CosineAnnealingLR(opt, T_max=4, eta_min=0.2), opt, 4) == pytest.approx(expected)


def test_linear_lr_is_micrographs_demo_schedule():
    opt = optim.SGD([Value(0.0)], lr=1.0)
    got = lrs(optim.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100), opt, 100)
    assert got == pytest.approx([1.0 - 0.9 * k / 100 for k in range(101)])


def test_lambda_lr_and_scheduler_errors():
    opt = optim.SGD([Value(0.0)], lr=0.5)
    assert lrs(optim.LambdaLR(opt, lambda e: 1 / (e + 1)), opt, 2) == pytest.approx([0.5, 0.25, 0.5 / 3])
    with pytest.raises(ValueError, match="step_size"):
        optim.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        optim.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(TypeError, match="expected an optimizer"):
        optim.StepLR("sgd", step_size=1)


def test_scheduler_changes_the_step_size():
    w = Value(0.0)
    opt = optim.SGD([w], lr=1.0)
    sched = optim.StepLR(opt, step_size=1, gamma=0.1)
    w.grad = 1.0
    opt.step()  # lr 1.0
    sched.step()
    opt.step()  # lr 0.1
    assert w.data == pytest.approx(-1.1)


def test_params_that_are_not_a_list_are_named():
    for wrong in (None, 3, "weights"):
        with pytest.raises(TypeError, match=r"SGD: params must be a list of parameters, got .*model\.parameters\(\)"):
            optim.SGD(wrong, lr=0.1)
