"""fit and History: scalar and tensor models, data forms, accuracy, NaN stops, validation."""

import io
import math

import numpy as np
import pytest

from microgradnn import History, Tensor, data, fit, optim
from microgradnn.nn import MLP, Linear, ReLU, Sequential, Sigmoid
from microgradnn.nn import functional as F
from microgradnn.training import accuracy


def test_fit_trains_a_scalar_mlp_on_xor():
    X, y = data.xor()
    net = MLP(2, [2, 1], activation="sigmoid", seed=1)
    history = fit(net, F.mse_loss, optim.SGD(net.parameters(), lr=2.0, momentum=0.9), (X, y), epochs=300)
    assert isinstance(history, History) and history.epochs == 300
    assert history.loss[-1] < history.loss[0] / 10
    assert history.accuracy[-1] == 1.0
    assert len(history.step_loss) == 300 and history.lr == [2.0] * 300


def test_fit_trains_a_tensor_model_with_batches_and_validation():
    X, y = data.blobs(300, centers=3, cluster_std=1.0, seed=0)
    model = Sequential(Linear(2, 16, seed=0), ReLU(), Linear(16, 3, seed=1))
    opt = optim.Adam(model.parameters(), lr=0.05)
    history = fit(
        model, F.cross_entropy, opt, (X[:200], y[:200]), epochs=5, batch_size=32, seed=0, val_data=(X[200:], y[200:])
    )
    assert len(history.step_loss) == 5 * 7  # ceil(200 / 32) = 7 steps per epoch
    assert history.accuracy[-1] > 0.9 and history.val_accuracy[-1] > 0.9
    assert len(history.val_loss) == 5
    assert "accuracy=" in repr(history)


def test_epoch_loss_is_the_sample_weighted_mean_of_step_losses():
    X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0) + 0.5
    model = Linear(2, 1, seed=0, dtype=np.float64)
    history = fit(
        lambda x: model(x).reshape(-1),
        F.mse_loss,
        optim.SGD(model.parameters(), lr=1e-9),
        (X, y),
        batch_size=2,
        shuffle=False,
    )
    steps = history.step_loss
    assert history.loss[0] == pytest.approx((2 * steps[0] + 2 * steps[1] + 1 * steps[2]) / 5)
    assert history.accuracy == []  # regression targets: no accuracy


def test_fit_accepts_a_list_of_batches_or_a_function():
    X, y = data.moons(64, seed=0)
    model = Sequential(Linear(2, 8, seed=0), ReLU(), Linear(8, 1, seed=1))

    def loss(out, target):
        return F.binary_cross_entropy_with_logits(out.reshape(-1), target)

    opt = optim.Adam(model.parameters(), lr=0.01)
    batches = list(data.batches(X, y, 16))
    assert len(fit(model, loss, opt, batches, epochs=2).step_loss) == 8
    assert len(fit(model, loss, opt, lambda: data.batches(X, y, 32), epochs=3).step_loss) == 6
    with pytest.raises(TypeError, match="one-shot iterator"):
        fit(model, loss, opt, data.batches(X, y, 16), epochs=2)
    with pytest.raises(ValueError, match="batch_size only applies"):
        fit(model, loss, opt, batches, batch_size=4)


def test_nan_loss_stops_with_epoch_and_step_before_updating():
    X, y = np.ones((4, 1)), np.ones(4)
    model = Linear(1, 1, seed=0, dtype=np.float64)
    opt = optim.SGD(model.parameters(), lr=0.1)
    calls = []

    def loss(out, target):
        calls.append(1)
        value = F.mse_loss(out.reshape(-1), target)
        return value * math.nan if len(calls) == 5 else value  # the 5th step: epoch 3, step 1

    before = None

    def remember(epoch, history):
        nonlocal before
        before = model.weight.data.copy()

    with pytest.raises(FloatingPointError, match="loss became nan at epoch 3, step 1"):
        fit(model, loss, opt, (X, y), epochs=5, batch_size=2, shuffle=False, callback=remember)
    # epoch 2 finished (4 steps), then epoch 3's first step failed: the weights are those after epoch 2
    np.testing.assert_array_equal(model.weight.data, before)


def test_inf_loss_also_stops():
    model = MLP(1, [1], seed=0)
    with pytest.raises(FloatingPointError, match="inf at epoch 1, step 1"):
        fit(
            model,
            lambda out, t: out[0] * math.inf,
            optim.SGD(model.parameters(), lr=0.1),
            (np.ones((1, 1)), np.ones(1)),
        )


def test_callback_can_stop_and_scheduler_steps_each_epoch():
    X, y = data.xor()
    model = Sequential(Linear(2, 4, seed=0), Sigmoid(), Linear(4, 1, seed=1))
    opt = optim.SGD(model.parameters(), lr=1.0)
    schedule = optim.StepLR(opt, step_size=1, gamma=0.5)
    history = fit(
        model,
        lambda out, t: F.mse_loss(out.reshape(-1), t),
        opt,
        (X, y),
        epochs=10,
        scheduler=schedule,
        callback=lambda epoch, h: epoch == 3,
    )
    assert history.epochs == 3
    assert history.lr == [1.0, 0.5, 0.25]


def test_fit_argument_errors():
    model = MLP(2, [1])
    opt = optim.SGD(model.parameters(), lr=0.1)
    X, y = data.xor()
    with pytest.raises(ValueError, match="epochs must be an int >= 1"):
        fit(model, F.mse_loss, opt, (X, y), epochs=0)
    with pytest.raises(TypeError, match="optimizer must be"):
        fit(model, F.mse_loss, "sgd", (X, y))
    with pytest.raises(ValueError, match="X has 4 rows but y has 3"):
        fit(model, F.mse_loss, opt, (X, y[:3]))
    with pytest.raises(ValueError, match="one number"):
        fit(model, lambda out, t: _vector(), opt, (X, y))


def _vector():
    return Tensor(np.ones(3), requires_grad=True)


@pytest.mark.parametrize(
    ("outputs", "targets", "threshold", "expected"),
    [
        (np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), np.array([1, 0, 0]), 0.5, 2 / 3),
        (np.array([0.2, 0.7, 0.5, 0.4]), np.array([0.0, 1.0, 1.0, 1.0]), 0.5, 3 / 4),
        (np.array([-0.5, 2.0, 0.1]), np.array([0, 1, 1]), 0.0, 1.0),
        (np.array([-0.5, 2.0, -0.1]), np.array([-1, 1, 1]), 0.5, 2 / 3),  # +-1 targets: the sign decides
    ],
)
def test_accuracy_rules(outputs, targets, threshold, expected):
    assert accuracy(outputs, targets, threshold) == pytest.approx(expected)


def test_auto_accuracy_uses_threshold_zero_after_logit_losses():
    X, y = data.xor()
    model = MLP(2, [4, 1], activation="tanh", output_activation="linear", seed=0)
    history = fit(model, F.binary_cross_entropy_with_logits, optim.Adam(model.parameters(), lr=0.1), (X, y), epochs=150)
    assert history.accuracy[-1] == 1.0


def test_fit_scalar_multiclass_with_cross_entropy():
    X, y = data.blobs(30, centers=3, cluster_std=0.5, seed=0)
    X = X / 10.0
    net = MLP(2, [8, 3], seed=0)
    history = fit(net, F.cross_entropy, optim.Adam(net.parameters(), lr=0.05), (X, y), epochs=40)
    assert history.loss[-1] < history.loss[0]
    assert history.accuracy[-1] == 1.0


def test_progress_bar_writes_to_stderr_when_asked(capsys):
    X, y = data.xor()
    net = MLP(2, [2, 1], activation="sigmoid", seed=1)
    fit(net, F.mse_loss, optim.SGD(net.parameters(), lr=1.0), (X, y), epochs=3, progress=True)
    assert "fit" in capsys.readouterr().err
    fit(net, F.mse_loss, optim.SGD(net.parameters(), lr=1.0), (X, y), epochs=3, progress=False)
    assert capsys.readouterr().err == ""


# ------------------------------------------- stops: gradients, overflow, errors, Ctrl-C
def _tensor_setup(seed=0):
    X = np.random.default_rng(seed).normal(size=(16, 2))
    y = X @ np.array([1.5, -2.0]) + 0.5
    model = Sequential(Linear(2, 1, seed=seed, dtype=np.float64))
    return model, X, y.reshape(-1, 1)


def _snapshots(model):
    """A callback recording a copy of the weights after every epoch."""
    seen = []

    def callback(epoch, history):
        seen.append(model.state_dict())

    return seen, callback


def test_infinite_gradient_with_a_finite_loss_stops_naming_the_parameter_and_keeps_the_weights():
    from microgradnn.training import TrainingError

    model, X, y = _tensor_setup()
    calls = {"n": 0}

    def loss_fn(out, target):
        calls["n"] += 1
        loss = F.mse_loss(out, target)
        if calls["n"] == 3:  # epoch 3: add sqrt(w - w), worth 0 but with an infinite slope
            w = model[0].weight
            loss = loss + (w - Tensor(w.data.copy())).sqrt().sum()
        return loss

    seen, callback = _snapshots(model)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError) as info:
        fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.05), (X, y), epochs=5, callback=callback)
    error = info.value
    assert isinstance(error, TrainingError)
    assert "the gradient of '0.weight' became NaN or infinite at epoch 3, step 1" in str(error)
    assert "smaller learning rate" in str(error)
    assert (error.epoch, error.step, error.parameter) == (3, 1, "'0.weight'")
    assert error.history.epochs == 2 and len(error.history.step_loss) == 2
    for key, value in seen[-1].items():  # exactly the weights after epoch 2
        assert np.array_equal(model.state_dict()[key], value), key


def test_a_step_that_overflows_the_weights_is_undone():
    from microgradnn.training import TrainingError

    model, X, y = _tensor_setup()
    X, y = X * 1e3, y * 1e3  # gradients in the thousands: lr * grad overflows float64
    opt = optim.SGD(model.parameters(), lr=1e308)
    before = model.state_dict()
    with np.errstate(all="ignore"), pytest.raises(TrainingError, match=r"the step made '0\.\w+' NaN or infinite"):
        fit(model, F.mse_loss, opt, (X, y), epochs=3)
    assert all(np.array_equal(model.state_dict()[k], v) for k, v in before.items())


def test_momentum_buffers_are_restored_with_the_weights():
    from microgradnn.training import TrainingError

    model, X, y = _tensor_setup()
    X, y = X * 1e3, y * 1e3
    opt = optim.SGD(model.parameters(), lr=1e-9, momentum=0.9)
    fit(model, F.mse_loss, opt, (X, y), epochs=2)
    kept, weights = opt.state_dict(), model.state_dict()
    opt.lr = 1e308  # the next step overflows
    with np.errstate(all="ignore"), pytest.raises(TrainingError, match="overflowed"):
        fit(model, F.mse_loss, opt, (X, y), epochs=1)
    for i, buffers in kept["state"].items():
        assert np.array_equal(opt.state[int(i)]["momentum_buffer"], buffers["momentum_buffer"])
    assert all(np.array_equal(model.state_dict()[k], v) for k, v in weights.items())
    assert opt.lr == 1e308


def _loss_failing_at(call: int):
    """F.mse_loss that raises on its `call`-th use (a bug in a learner's loss)."""
    calls = {"n": 0}

    def loss_fn(out, target):
        calls["n"] += 1
        if calls["n"] == call:
            raise ValueError("a bug in my loss")
        return F.mse_loss(out, target)

    return loss_fn


def test_any_error_carries_the_history_of_what_completed():
    model, X, y = _tensor_setup()
    loss_fn = _loss_failing_at(4)
    with pytest.raises(ValueError, match="a bug in my loss") as info:
        fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.05), (X, y), epochs=6)
    assert info.value.history.epochs == 3
    assert any("History of what completed" in note for note in info.value.__notes__)


def _bad_accuracy(outputs, targets):
    raise RuntimeError("a bug in my accuracy")


@pytest.mark.parametrize(
    "failure, match",
    [
        ({"val_data": (np.ones((4, 3)), np.ones((4, 1)))}, r"expected input with 2 features.*\(4, 3\)"),
        ({"accuracy": _bad_accuracy}, "a bug in my accuracy"),
    ],
    ids=["val_data", "accuracy"],
)
def test_an_error_after_the_step_says_the_weights_include_it(failure, match):
    model, X, y = _tensor_setup()
    before = model.state_dict()
    with pytest.raises(Exception, match=match) as info:
        fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.05), (X, y), epochs=3, **failure)
    after = model.state_dict()
    assert any(not np.array_equal(after[k], v) for k, v in before.items())  # the step of epoch 1 was applied
    (note,) = [n for n in info.value.__notes__ if n.startswith("fit: stopped")]
    assert "epoch 1, after step 1" in note and "the weights include that step's update" in note, note
    assert "as they were before" not in note
    assert len(info.value.history.step_loss) == 1


def test_an_error_before_the_step_says_the_weights_are_as_before():
    model, X, y = _tensor_setup()
    loss_fn = _loss_failing_at(2)
    seen, callback = _snapshots(model)
    with pytest.raises(ValueError, match="a bug in my loss") as info:
        fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.05), (X, y), epochs=3, callback=callback)
    assert any("epoch 2, step 1" in n and "as they were before that step" in n for n in info.value.__notes__)
    assert all(np.array_equal(model.state_dict()[k], v) for k, v in seen[-1].items())


def test_ctrl_c_stops_after_the_current_step_and_returns_the_history():
    import os
    import signal

    model, X, y = _tensor_setup()
    batches = [(X[:8], y[:8]), (X[8:], y[8:])]
    calls = {"n": 0}

    def loss_fn(out, target):
        calls["n"] += 1
        if calls["n"] == 3:  # epoch 2, step 1: Ctrl-C arrives in the middle of the step
            os.kill(os.getpid(), signal.SIGINT)
        return F.mse_loss(out, target)

    history = fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.05), batches, epochs=10)
    assert history.interrupted and "interrupted" in repr(history)
    assert history.epochs == 1 and len(history.step_loss) == 3  # the interrupted step completed
    # the same three steps without interruption give the same weights: the step was finished, not cut
    other, _, _ = _tensor_setup()
    opt = optim.SGD(other.parameters(), lr=0.05)
    fit(other, F.mse_loss, opt, batches, epochs=1, shuffle=False)
    fit(other, F.mse_loss, opt, batches[:1], epochs=1)
    for key, value in other.state_dict().items():
        assert np.array_equal(model.state_dict()[key], value), key
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back


def test_a_second_ctrl_c_raises_at_once_with_the_history():
    import os
    import signal

    model, X, y = _tensor_setup()
    calls = {"n": 0}

    def loss_fn(out, target):
        calls["n"] += 1
        if calls["n"] == 2:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
        return F.mse_loss(out, target)

    with pytest.raises(KeyboardInterrupt) as info:
        fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.05), (X, y), epochs=5)
    assert info.value.history.epochs == 1


def test_data_as_a_list_of_two_arrays_and_bad_batches():
    model, X, y = _tensor_setup()
    history = fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.05), [X, y], epochs=2)
    assert history.epochs == 2
    with pytest.raises(TypeError, match=r"batch 1 of data is a ndarray of shape \(2,\), not an \(X, y\) pair"):
        fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.05), [X[0], X[1], X[2]], epochs=1)
    with pytest.raises(TypeError, match=r"one array of shape \(16, 2\).*data=\(X, y\)"):
        fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.05), X, epochs=1)


# ------------------------------------------------------------------ progress bar
class _FakeShell:
    def __init__(self):
        self.config = {"IPKernelApp": {}}


def test_progress_is_quiet_when_stdout_is_not_a_terminal(capsys, monkeypatch):
    model, X, y = _tensor_setup()
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.05), (X, y), epochs=2)
    assert capsys.readouterr().err == ""  # stdout is captured (not a terminal): no bar


def test_progress_uses_tqdm_auto_in_a_notebook(monkeypatch):
    import sys
    import types

    import tqdm.auto

    made = []

    class Recorder:
        def __init__(self, iterable, **kwargs):
            made.append(kwargs)
            self.iterable = iterable

        def __iter__(self):
            return iter(self.iterable)

        def set_postfix(self, *args, **kwargs):
            pass

        def close(self):
            pass

    fake_ipython = types.SimpleNamespace(get_ipython=lambda: _FakeShell())
    monkeypatch.setitem(sys.modules, "IPython", fake_ipython)
    monkeypatch.setattr(tqdm.auto, "tqdm", Recorder)
    import importlib.util

    real_find_spec = importlib.util.find_spec
    widgets = {"installed": True}

    def find_spec(name, *args):
        if name == "ipywidgets":
            return object() if widgets["installed"] else None
        return real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    model, X, y = _tensor_setup()
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.05), (X, y), epochs=2)
    assert made and made[0]["disable"] is False and made[0]["leave"] is True
    made.clear()
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.05), (X, y), epochs=2, progress=False)
    assert made == []  # progress=False never builds the notebook widget
    widgets["installed"] = False  # no ipywidgets: no widget (tqdm.auto would warn), a quiet text bar instead
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.05), (X, y), epochs=2)
    assert made == [] and "fit" in sys.stderr.getvalue()


def test_ctrl_c_during_an_epochs_last_step_keeps_that_epoch():
    import os
    import signal

    model, X, y = _tensor_setup()
    batches = [(X[:8], y[:8]), (X[8:], y[8:])]
    calls = {"n": 0}

    def loss_fn(out, target):
        calls["n"] += 1
        if calls["n"] == 4:  # epoch 2, its last step
            os.kill(os.getpid(), signal.SIGINT)
        return F.mse_loss(out, target)

    history = fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.05), batches, epochs=10)
    assert history.interrupted and history.epochs == 2 and len(history.step_loss) == 4


def test_data_that_is_not_arrays_is_named():
    model = Linear(2, 1, seed=0)
    with pytest.raises(TypeError, match=r"fit: data=\(X, y\) needs arrays with one row per sample, got X of shape"):
        fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1), data=(None, None), progress=False)
