"""Edges of the functional API, the optimizers and schedulers, and the mode switches, against PyTorch.

Each test pins the expected numbers or errors, so it runs without torch; where torch is installed it also checks
that PyTorch does the same.
"""

import math
import threading
import warnings

import numpy as np
import pytest

from microgradnn import Tensor, Value, detect_anomaly, no_grad, optim
from microgradnn import functional as F
from microgradnn.anomaly import is_anomaly_enabled
from microgradnn.engine import is_grad_enabled

A = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])


def _f(x):
    return Tensor(A) @ (x * x)


def _cubes(x):
    return (x * x * x).sum()


# ------------------------------------------------------------------ functional
@pytest.mark.parametrize(
    ("who", "call"),
    [
        ("jvp", lambda x, v: F.jvp(_f, x, v)),
        ("hvp", lambda x, v: F.hvp(_cubes, x, v)),
    ],
)
@pytest.mark.parametrize("v", [np.array([1.0]), 1.0, np.array([1.0, 2.0])], ids=["(1,)", "scalar", "(2,)"])
def test_a_tangent_of_the_wrong_shape_is_refused_not_broadcast(who, call, v):
    # The old code broadcast v = [1.0] to [1, 1, 1] and returned J @ [1, 1, 1] (jvp: [28, 9]); PyTorch refuses.
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    with pytest.raises(ValueError, match=rf"{who}: v\[0\] has shape \S+ but input 0 has shape \(3,\)"):
        call(x, v)


def test_a_tangent_of_the_wrong_shape_is_refused_by_torch_too():
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    with pytest.raises(RuntimeError, match="invalid size"):
        TF.jvp(lambda t: torch.tensor(A) @ (t * t), torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0]))
    with pytest.raises(RuntimeError, match="invalid size"):
        TF.hvp(_cubes, torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0]))


def test_tangents_of_the_right_shape_still_give_j_v():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    _, jv = F.jvp(_f, x, np.array([1.0, 0.0, -1.0]))
    np.testing.assert_allclose(jv, [2.0 - 18.0, 1.0 - 12.0])  # J = A diag(2x)
    _, hv = F.hvp(_cubes, x, [1.0, 1.0, 1.0])  # H = diag(6x); a list of the input's shape is fine
    np.testing.assert_allclose(hv, [6.0, 12.0, 18.0])


def test_vjp_names_itself_and_v_in_a_shape_error():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    with pytest.raises(ValueError, match=r"^vjp: v\[0\] has shape \(3,\) but output 0 has shape \(2,\)"):
        F.vjp(_f, x, np.ones(3))
    with pytest.raises(TypeError, match=r"jvp: v\[1\] must be a number for a Value input"):
        F.jvp(lambda a, b: a * b, (Value(1.0), Value(2.0)), (1.0, np.ones(2)))


def test_hessian_strict_refuses_a_function_linear_in_its_input():
    # The gradient of 3 * sum(x) is constant, so the Hessian is 0 and strict=True must say so (the old code
    # returned zeros: strict only reached the first derivative).
    x = Tensor(np.array([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"hessian: the gradient with respect to inputs\[0\] does not depend on"):
        F.hessian(lambda t: (t * 3.0).sum(), x, strict=True)
    with pytest.raises(RuntimeError, match=r"hessian: the gradient with respect to inputs\[1\] does not depend on"):
        F.hessian(lambda a, b: a * a * b, (Value(2.0), Value(3.0)), strict=True)  # d/db = a^2, free of b
    np.testing.assert_array_equal(F.hessian(lambda t: (t * 3.0).sum(), x), np.zeros((2, 2)))  # not strict: zeros
    np.testing.assert_allclose(F.hessian(lambda t: (t * t).sum(), x, strict=True), 2 * np.eye(2))
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    with pytest.raises(RuntimeError, match="independent of the input"):
        TF.hessian(lambda t: (t * 3.0).sum(), torch.tensor([1.0, 2.0]), strict=True)


def test_jvp_strict_refuses_an_input_the_output_ignores():
    xs = (Tensor(np.array([1.0, 2.0])), Tensor(np.array([1.0, 2.0])))
    vs = (np.ones(2), np.ones(2))
    with pytest.raises(RuntimeError, match=r"jvp: the output does not depend on inputs\[1\] \(strict=True\)"):
        F.jvp(lambda a, b: (a * a).sum(), xs, vs, strict=True)
    _, jv = F.jvp(lambda a, b: (a * a).sum(), xs, vs)  # not strict: b contributes 0
    assert float(jv) == 6.0
    torch = pytest.importorskip("torch")
    from torch.autograd import functional as TF

    with pytest.raises(RuntimeError, match="independent of input 1"):
        TF.jvp(lambda a, b: (a * a).sum(), (torch.ones(2), torch.ones(2)), (torch.ones(2), torch.ones(2)), strict=True)


def test_an_integer_input_is_refused_naming_the_function():
    with pytest.raises(TypeError, match=r"^jacobian: only float tensors have gradients; .*int64"):
        F.jacobian(_f, Tensor(np.array([1, 2, 3])))


# ------------------------------------------------------------------ optimizers
def _steps(make, grads, w0):
    """One optimizer step per row of `grads` (None: the parameter got no gradient); the weights after each."""
    ps = [Tensor(np.array(w, dtype=np.float64), requires_grad=True) for w in w0]
    opt = make(ps)
    seen = []
    for row in grads:
        for p, g in zip(ps, row):
            p.grad = None if g is None else np.array(g, dtype=np.float64)
        opt.step()
        seen.append([p.data.copy() for p in ps])
    return seen, opt


def _torch_steps(make, grads, w0):
    torch = pytest.importorskip("torch")
    ps = [torch.tensor(np.array(w, dtype=np.float64), requires_grad=True) for w in w0]
    opt = make(ps)
    seen = []
    for row in grads:
        for p, g in zip(ps, row):
            p.grad = None if g is None else torch.tensor(np.array(g, dtype=np.float64))
        opt.step()
        seen.append([p.detach().numpy().copy() for p in ps])
    return seen, opt


GRADS = [[[0.5, -1.0], [2.0]], [[0.25, 0.5], None], [[-1.0, 0.0], [1.0]], [[np.nan, 1.0], [np.inf]]]
W0 = [[1.0, -2.0], [0.5]]


@pytest.mark.parametrize(
    ("name", "hyper"),
    [
        ("SGD", {"lr": 0.1}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
        ("Adam", {"lr": 0.1, "weight_decay": 0.1}),
        ("AdamW", {"lr": 0.1, "weight_decay": 0.1}),
    ],
    ids=["sgd", "sgd-momentum-decay", "sgd-dampening", "sgd-nesterov", "adam-l2", "adamw"],
)
def test_steps_match_torch_with_skipped_grads_nan_and_inf(name, hyper):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a nan or inf gradient goes into the weight quietly, as in PyTorch
        got, opt = _steps(lambda p: getattr(optim, name)(p, **hyper), GRADS, W0)
    # the last step's gradients: nan in parameter 0's first entry, inf in parameter 1
    assert np.isnan(got[-1][0][0]) and np.isfinite(got[-1][0][1])
    assert np.isnan(got[-1][1][0]) if name != "SGD" else got[-1][1][0] == -np.inf
    if name != "SGD":  # a step without a gradient is not counted
        assert [s["step"] for s in opt.state] == [4, 3]
    torch = pytest.importorskip("torch")
    want, _ = _torch_steps(lambda p: getattr(torch.optim, name)(p, **hyper), GRADS, W0)
    for step, (a, b) in enumerate(zip(got, want)):
        for x, y in zip(a, b):  # the same to the last bit or two (PyTorch fuses multiply-adds)
            np.testing.assert_allclose(x, y, rtol=1e-14, atol=1e-16, equal_nan=True, err_msg=f"step {step}")


def test_sgd_momentum_skips_a_parameter_without_a_gradient_by_hand():
    # parameter 1: buf = 2.0, w = 0.5 - 0.2 = 0.3; step 2 no gradient (unchanged); step 3: buf = 1.8 + 1 = 2.8,
    # w = 0.3 - 0.28 = 0.02
    got, opt = _steps(lambda p: optim.SGD(p, lr=0.1, momentum=0.9), GRADS[:3], W0)
    assert [float(step[1][0]) for step in got] == pytest.approx([0.3, 0.3, 0.02], abs=1e-15)
    assert float(opt.state[1]["momentum_buffer"][0]) == pytest.approx(2.8, abs=1e-15)


def test_an_inf_gradient_in_adam_gives_nan_and_no_half_step_under_warnings_as_errors():
    # inf / inf = NaN in m / sqrt(v): PyTorch writes it into the weight; NumPy warned, and a warning turned into an
    # error stopped the old step after parameter 0 had moved but before parameter 1 did.
    a = Tensor(np.array([1.0]), requires_grad=True)
    b = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = np.array([1.0]), np.array([np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
    assert a.data[0] == pytest.approx(0.9, abs=1e-7) and math.isnan(b.data[0])
    assert [s["step"] for s in opt.state] == [1, 1]
    torch = pytest.importorskip("torch")
    ta, tb = (
        torch.ones(1, dtype=torch.float64, requires_grad=True),
        torch.ones(1, dtype=torch.float64, requires_grad=True),
    )
    topt = torch.optim.Adam([ta, tb], lr=0.1)
    ta.grad, tb.grad = torch.ones(1, dtype=torch.float64), torch.full((1,), math.inf, dtype=torch.float64)
    topt.step()
    assert ta.item() == pytest.approx(0.9, abs=1e-7) and math.isnan(tb.item())


@pytest.mark.parametrize("make", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9), optim.Adam], ids=["sgd", "adam"])
def test_a_0d_parameter_steps_with_the_gradient_backward_gives_it(make):
    # w * t summed, times t: d/dt = 2 t sum(w) = 8 at t = 2, w = [1, 1]. The engine hands a 0-d parameter a NumPy
    # scalar (np.float64) as .grad; the old step refused it as "not a numpy array".
    t = Tensor(np.array(2.0), requires_grad=True)
    w = Tensor(np.ones(2), requires_grad=True)
    opt = make([w, t], lr=0.1) if make is optim.Adam else make([w, t])
    for _ in range(2):
        opt.zero_grad()
        ((w * t).sum() * t).backward()
        opt.step()
    expected = {"sgd": (0.192, 0.096), "adam": (1.8007104079588774, 0.8003978899537767)}
    key = "adam" if make is optim.Adam else "sgd"
    assert float(t.data) == pytest.approx(expected[key][0], rel=1e-9)
    np.testing.assert_allclose(w.data, [expected[key][1]] * 2, rtol=1e-9)
    assert isinstance(t.data, np.ndarray) and t.data.shape == ()
    torch = pytest.importorskip("torch")
    tt = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tw = torch.ones(2, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([tw, tt], lr=0.1) if key == "adam" else torch.optim.SGD([tw, tt], lr=0.1, momentum=0.9)
    for _ in range(2):
        topt.zero_grad()
        ((tw * tt).sum() * tt).backward()
        topt.step()
    assert float(t.data) == pytest.approx(tt.item(), rel=1e-12)
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-12)


def test_a_0d_parameter_still_refuses_a_gradient_of_another_shape():
    w = Tensor(np.ones(2), requires_grad=True)
    w.grad = np.float64(1.0)
    with pytest.raises(ValueError, match=r"parameter 0 has shape \(2,\) but its gradient has shape \(\)"):
        optim.SGD([w], lr=0.1).step()


def test_a_step_after_backward_with_create_graph_says_what_to_do():
    v = Value(2.0)
    (v**3).backward(create_graph=True)
    with pytest.raises(TypeError, match=r"parameter 0 is a Value .*backward\(create_graph=True\) leaves graph nodes"):
        optim.SGD([v], lr=0.1).step()
    t = Tensor(np.array([2.0]), requires_grad=True)
    (t**3).sum().backward(create_graph=True)
    opt = optim.SGD([t], lr=0.1)
    with pytest.raises(TypeError, match=r"gradient is a Tensor, not a numpy array; backward\(create_graph=True\)"):
        opt.step()
    assert t.data.tolist() == [2.0]
    t.grad = t.grad.data  # the fix the message gives
    opt.step()
    assert t.data.tolist() == pytest.approx([2.0 - 0.1 * 12.0])


def test_a_schedule_that_overflows_is_a_clear_error_and_changes_nothing():
    opt = optim.SGD([Value(0.0)], lr=0.1)
    sched = optim.ExponentialLR(opt, gamma=2.0)
    sched.last_epoch = 1100  # 2.0 ** 1101 is beyond the largest float: Python raised a bare OverflowError
    with pytest.raises(ValueError, match=r"ExponentialLR: the schedule gives lr=inf at epoch 1101"):
        sched.step()
    assert sched.last_epoch == 1100 and opt.lr == 0.1


def test_schedulers_match_torch_epoch_by_epoch():
    torch = pytest.importorskip("torch")
    cases = [
        ("StepLR", {"step_size": 3, "gamma": 0.3}),
        ("ExponentialLR", {"gamma": 0.9}),
        ("CosineAnnealingLR", {"T_max": 5, "eta_min": 0.01}),
        ("LinearLR", {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 4}),
        ("LambdaLR", {"lr_lambda": lambda e: 0.9**e}),
    ]
    for name, kw in cases:
        opt = optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.5)
        topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
        sched, tsched = getattr(optim, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(topt, **kw)
        for _ in range(12):
            assert sched.get_last_lr()[0] == pytest.approx(tsched.get_last_lr()[0], rel=1e-12, abs=1e-15), name
            assert sched.last_epoch == tsched.last_epoch
            topt.step()  # PyTorch's order: optimizer.step() before scheduler.step()
            sched.step()
            tsched.step()


# ---------------------------------------------------------------- mode switches
def test_detect_anomaly_as_a_decorator_with_and_without_parentheses():
    @detect_anomaly
    def bare() -> bool:
        return is_anomaly_enabled()

    @detect_anomaly()
    def called() -> bool:
        return is_anomaly_enabled()

    assert bare() is True and called() is True and not is_anomaly_enabled()
    with pytest.raises(TypeError, match=r"detect_anomaly: got True; write `with detect_anomaly\(\):`"):
        detect_anomaly(True)


def test_detect_anomaly_on_a_generator_holds_while_its_body_runs():
    @detect_anomaly
    def gen():
        yield is_anomaly_enabled()
        yield Value(0.0).log()  # raises here, inside the body
        return "unreached"

    g = gen()
    assert next(g) is True
    assert not is_anomaly_enabled()  # the caller's mode between the steps
    with pytest.raises(FloatingPointError, match="log produced inf in forward"):
        next(g)

    @detect_anomaly()
    def finite():
        yield is_anomaly_enabled()
        return 3

    assert list(finite()) == [True]  # running to the end is a plain StopIteration, no RuntimeError
    assert not is_anomaly_enabled()


def test_detect_anomaly_nests_and_is_per_thread():
    seen = []
    with detect_anomaly():
        with detect_anomaly():
            pass
        assert is_anomaly_enabled()  # the inner block put back the outer one's mode
        worker = threading.Thread(target=lambda: seen.append(is_anomaly_enabled()))
        worker.start()
        worker.join()
    assert seen == [False] and not is_anomaly_enabled()


@pytest.mark.parametrize("kind", ["value", "tensor"])
def test_detect_anomaly_in_a_create_graph_backward_names_the_backward(kind):
    # sqrt'(0) = 1 / (2 sqrt(0)) = inf, computed by a graph op (/) when create_graph is on: the old message said
    # "/ produced inf in forward", naming neither sqrt nor the backward pass.
    with detect_anomaly():
        x = Value(0.0) if kind == "value" else Tensor(np.array([0.0, 1.0]), requires_grad=True)
        y = x.sqrt() if kind == "value" else x.sqrt().sum()
        with pytest.raises(
            FloatingPointError,
            match=r"backward of sqrt, created at test_api_edges.py:\d+ .* in its / step, during backward\(create_graph",
        ):
            y.backward(create_graph=True)


def test_no_grad_on_a_generator_can_run_to_the_end():
    # An escaping StopIteration became "RuntimeError: generator raised StopIteration" (PEP 479).
    @no_grad
    def gen():
        yield is_grad_enabled()
        yield is_grad_enabled()
        return "done"

    assert list(gen()) == [False, False]

    def outer():
        result = yield from gen()
        yield result

    assert list(outer()) == [False, False, "done"]


def test_a_scheduler_made_at_a_rate_of_0_saves_and_loads():
    # A cosine schedule runs down to eta_min = 0; a scheduler made then has base_lr 0, and its own checkpoint loads.
    p = Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    cosine = optim.CosineAnnealingLR(opt, T_max=2)
    cosine.step()
    cosine.step()
    assert opt.lr == 0.0
    after = optim.StepLR(opt, step_size=1)
    state = after.state_dict()
    after.load_state_dict(state)
    assert after.base_lr == 0.0 and after.state_dict() == state
