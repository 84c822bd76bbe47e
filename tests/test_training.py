"""fit and History: scalar and tensor models, data forms, accuracy, NaN stops, validation."""

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
