"""Datasets: truth tables, seeded generators, batching, the digits extra."""

import sys

import numpy as np
import pytest

from microgradnn import data


@pytest.mark.parametrize(
    ("make", "labels"),
    [(data.xor, [0, 1, 1, 0]), (data.and_, [0, 0, 0, 1]), (data.or_, [0, 1, 1, 1])],
)
def test_truth_tables(make, labels):
    X, y = make()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == labels
    assert X.dtype == np.float64 and y.dtype == np.float64
    X[0, 0] = 5  # a fresh copy each call
    assert make()[0][0, 0] == 0


def test_truth_table_by_name():
    assert data.truth_table("and")[1].tolist() == [0, 0, 0, 1]
    with pytest.raises(ValueError, match="unknown gate 'nand'"):
        data.truth_table("nand")


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: data.moons(n_samples=101, noise=0.1, **kw),
        lambda **kw: data.circles(n_samples=101, noise=0.05, **kw),
        lambda **kw: data.spiral(n_samples=101, n_classes=3, **kw),
        lambda **kw: data.blobs(n_samples=101, centers=4, **kw),
    ],
)
def test_generators_shapes_dtypes_and_seeds(make):
    X, y = make(seed=3)
    assert X.shape == (101, 2) and y.shape == (101,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    X2, y2 = make(seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(make(seed=4)[0], X)
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1  # balanced classes


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = data.moons(50, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(upper[:, 1] >= -1e-12) and np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_circles_without_noise_have_two_radii():
    X, y = data.circles(40, noise=0.0, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


def test_spiral_radius_grows_to_one_and_blobs_sit_at_given_centres():
    X, y = data.spiral(90, n_classes=3, noise=0.0, seed=0)
    assert np.hypot(X[:, 0], X[:, 1]).max() == pytest.approx(1.0)
    assert set(y.tolist()) == {0, 1, 2}
    centres = np.array([[0.0, 0.0], [10.0, 10.0]])
    X, y = data.blobs(400, centers=centres, cluster_std=0.5, seed=0)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [10.0, 10.0], atol=0.15)


def test_generator_errors():
    with pytest.raises(ValueError, match="n_samples must be an int >= 2"):
        data.moons(1)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        data.moons(10, noise=-1)
    with pytest.raises(ValueError, match="factor"):
        data.circles(10, factor=1.5)
    with pytest.raises(ValueError, match="n_classes"):
        data.spiral(10, n_classes=1)


def test_batches_cover_every_row_once():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    parts = list(data.batches(X, y, 4))
    assert [len(b[1]) for b in parts] == [4, 4, 2]
    assert np.concatenate([b[1] for b in parts]).tolist() == list(range(10))
    shuffled = list(data.batches(X, y, 4, shuffle=True, seed=0))
    order = np.concatenate([b[1] for b in shuffled])
    assert sorted(order.tolist()) == list(range(10)) and order.tolist() != list(range(10))
    for xb, yb in shuffled:  # rows stay paired with their labels
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)
    again = np.concatenate([b[1] for b in data.batches(X, y, 4, shuffle=True, seed=0)])
    np.testing.assert_array_equal(order, again)
    assert [len(b[1]) for b in data.batches(X, y, 4, drop_last=True)] == [4, 4]


def test_batches_errors_come_at_the_call():
    with pytest.raises(ValueError, match="X has 3 rows but y has 2"):
        data.batches(np.zeros((3, 2)), np.zeros(2), 2)
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        data.batches(np.zeros((3, 2)), np.zeros(3), 0)


def test_load_digits():
    pytest.importorskip("sklearn")
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0 and y.dtype == np.int64
    assert data.load_digits(scale=False)[0].max() == 16.0


def test_load_digits_without_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r'pip install "microgradnn\[digits\]"'):
        data.load_digits()
