"""fit with Tensor class labels and one-hot targets; a failed step puts the model's buffers back with its
weights; array-like data (a torch tensor) keeps its dtype in Tensor()."""

from __future__ import annotations

import re

import numpy as np
import pytest

from microgradnn import Tensor, data, nn, optim
from microgradnn.nn import functional as F
from microgradnn.training import TrainingError, accuracy, fit

X, Y = data.blobs(30, centers=3, seed=0)


def test_tensor_class_labels_stay_integers_in_fit() -> None:
    model = nn.Linear(2, 3, seed=0)
    history = fit(
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1),
        (Tensor(X), Tensor(Y)),
        val_data=(Tensor(X), Tensor(Y)),
        epochs=2,
    )
    same = nn.Linear(2, 3, seed=0)
    expected = fit(same, F.cross_entropy, optim.SGD(same.parameters(), lr=0.1), (X, Y), val_data=(X, Y), epochs=2)
    assert history.loss == expected.loss and history.accuracy == expected.accuracy


def test_one_hot_targets_are_read_by_their_argmax() -> None:
    onehot = np.eye(3)[Y]
    model = nn.Linear(2, 3, seed=0)
    history = fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.01), (X, onehot), epochs=30)
    out = model(Tensor(X)).data
    assert accuracy(out, onehot) == accuracy(out, Y) == np.mean(out.argmax(axis=1) == Y)
    assert history.accuracy[-1] == 1.0


def test_a_failed_step_puts_the_batchnorm_statistics_back() -> None:
    model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3, seed=1))
    bad = X.astype(np.float32)
    bad[20] = np.nan  # in the second batch: the first step succeeds and moves the statistics
    norm = model[1]
    with pytest.raises(TrainingError, match="the loss became nan at epoch 1, step 2"):
        fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), (bad, Y), batch_size=16, shuffle=False)
    reference = nn.Sequential(nn.Linear(2, 8, seed=0), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3, seed=1))
    fit(reference, F.cross_entropy, optim.SGD(reference.parameters(), lr=0.1), (bad[:16], Y[:16]), shuffle=False)
    assert np.all(np.isfinite(norm.running_mean)) and np.all(np.isfinite(norm.running_var))
    np.testing.assert_array_equal(norm.running_mean, reference[1].running_mean)  # as after the one good step
    np.testing.assert_array_equal(norm.running_var, reference[1].running_var)
    assert norm.num_batches_tracked == reference[1].num_batches_tracked == 1


def test_an_array_like_keeps_its_dtype() -> None:
    torch = pytest.importorskip("torch")
    assert Tensor(torch.zeros(2, dtype=torch.float64)).dtype == np.float64
    assert Tensor(torch.zeros(2, dtype=torch.int32)).dtype == np.int32
    assert data.TensorDataset(torch.zeros((2, 2), dtype=torch.float64)).tensors[0].dtype == np.float64
    source = torch.ones(2)
    copy = Tensor(source)
    source[0] = 5.0
    assert copy.data.tolist() == [1.0, 1.0]  # copied, as from a NumPy array


def test_a_loader_per_epoch_resumes_bit_for_bit_as_the_checkpoints_guide_says() -> None:
    dataset = data.TensorDataset(X.astype(np.float32), Y)

    def build():
        model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.ReLU(), nn.Linear(8, 3, seed=1))
        return model, optim.Adam(model.parameters(), lr=0.01)

    def train(model, opt, first, last):
        for epoch in range(first, last):
            for xb, yb in data.DataLoader(dataset, 8, shuffle=True, seed=epoch):
                loss = F.cross_entropy(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()

    model, opt = build()
    train(model, opt, 0, 3)
    resumed, resumed_opt = build()
    resumed.load_state_dict(model.state_dict())
    resumed_opt.load_state_dict(opt.state_dict())
    train(resumed, resumed_opt, 3, 6)
    straight, straight_opt = build()
    train(straight, straight_opt, 0, 6)
    assert all(np.array_equal(a.data, b.data) for a, b in zip(resumed.parameters(), straight.parameters()))


@pytest.mark.parametrize("make", [lambda o: optim.StepLR(o, step_size=1), lambda o: optim.ReduceLROnPlateau(o)])
def test_a_scheduler_of_another_optimizer_is_refused(make) -> None:
    model = nn.Linear(2, 3, seed=0)
    other = optim.SGD(nn.Linear(2, 3).parameters(), lr=0.1)
    with pytest.raises(ValueError, match="the scheduler was made for another optimizer"):
        fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), (X, Y), scheduler=make(other))
    assert other.lr == 0.1


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("validate", [True, False])
def test_fit_leaves_the_model_in_the_mode_it_found(training, validate) -> None:
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.Dropout(0.1))
    model.train(training)
    val = (X, Y) if validate else None
    fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), (X, Y), val_data=val, epochs=2)
    assert model.training is training and model[1].training is training


def test_single_samples_instead_of_batches_are_refused_before_any_step() -> None:
    model = nn.Linear(2, 3, seed=0)
    before = model.weight.data.copy()
    one_by_one = data.DataLoader(data.TensorDataset(X, Y), batch_size=None)
    with pytest.raises(TypeError, match=r"it is one sample, not a batch .* give the DataLoader a batch_size"):
        fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), one_by_one)
    assert np.array_equal(model.weight.data, before)  # (it used to fail after the first step, with len() of 0-d)


@pytest.mark.parametrize(
    "ragged, where",
    [
        ([[1.0], [2.0, 3.0]], "a row of length 1 beside one of length 2"),
        ([[[1, 2], [3]], [[1, 2], [3, 4]]], "a row of length 2 beside one of length 1"),
        ([1.0, [2.0]], "a number beside a list"),
    ],
)
def test_ragged_nested_lists_get_a_clear_error(ragged, where) -> None:
    for make, who in ((Tensor, "Tensor()"), (data.TensorDataset, "TensorDataset")):
        with pytest.raises(ValueError, match=rf"{re.escape(who)}: the nested lists have different lengths \({where}\)"):
            make(ragged)


def test_blobs_refuses_more_given_centres_than_samples_as_it_does_a_count() -> None:
    with pytest.raises(ValueError, match="blobs: 5 centres for 3 samples leave some centres without a point"):
        data.blobs(3, centers=np.zeros((5, 2)))
    _, y3 = data.blobs(5, centers=np.zeros((5, 2)), seed=0)
    assert sorted(y3.tolist()) == [0, 1, 2, 3, 4]
