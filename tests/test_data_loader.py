"""TensorDataset and DataLoader: PyTorch's batching, checked by hand and against torch.utils.data."""

import numpy as np
import pytest

from microgradnn import Tensor, data, fit, optim
from microgradnn.data import DataLoader, TensorDataset
from microgradnn.nn import Linear, ReLU, Sequential
from microgradnn.nn import functional as F

X10 = np.arange(20.0).reshape(10, 2)  # row i is [2i, 2i + 1]
Y10 = np.arange(10)


def _rows(loader):
    """Every epoch's label order, as one list per epoch."""
    return [int(v) for _, yb in loader for v in yb.data]


def test_tensor_dataset_rows_len_and_dtypes():
    ds = TensorDataset(X10, Y10)
    assert len(ds) == 10 and isinstance(ds.tensors, tuple) and len(ds.tensors) == 2
    x, y = ds[3]
    assert isinstance(x, Tensor) and isinstance(y, Tensor)
    assert x.data.tolist() == [6.0, 7.0] and int(y.data) == 3 and y.shape == ()
    assert x.dtype == np.float64 and y.dtype == np.int64  # an array keeps its dtype
    assert np.shares_memory(ds.tensors[0].data, X10)  # not copied
    lists = TensorDataset([[1.5, 2.5], [3.5, 4.5]], [0, 1])  # Tensor()'s rules: floats float32, ints int64
    assert [t.dtype for t in lists.tensors] == [np.float32, np.int64]
    t = Tensor(X10)
    assert TensorDataset(t).tensors[0] is t
    assert "10 samples" in repr(ds)


def test_batches_in_order_match_a_hand_computation():
    loader = DataLoader(TensorDataset(X10, Y10), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [yb.data.tolist() for _, yb in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    xb, yb = batches[1]
    assert xb.data.tolist() == [[8.0, 9.0], [10.0, 11.0], [12.0, 13.0], [14.0, 15.0]]
    assert isinstance(batches[0], tuple) and not xb.requires_grad and not yb.requires_grad
    assert xb.dtype == np.float64 and yb.dtype == np.int64
    assert list(loader)[2][1].data.tolist() == [8, 9]  # iterating again starts over


def test_shuffle_visits_every_row_once_per_epoch_in_a_new_order_reproducibly():
    loader = DataLoader(TensorDataset(X10, Y10), batch_size=3, shuffle=True, seed=0)
    epochs = [_rows(loader) for _ in range(4)]
    for order in epochs:
        assert sorted(order) == list(range(10))
    assert len({tuple(order) for order in epochs}) == 4  # a new order every epoch
    again = DataLoader(TensorDataset(X10, Y10), batch_size=3, shuffle=True, seed=0)
    assert [_rows(again) for _ in range(4)] == epochs  # the same seed, the same epochs
    assert _rows(DataLoader(TensorDataset(X10, Y10), batch_size=3, shuffle=True, seed=1)) != epochs[0]
    for xb, yb in loader:  # the rows stay together
        assert (xb.data == 2 * yb.data[:, None] + np.array([0, 1])).all()


def test_the_shuffled_order_is_the_seed_generators_permutations():
    loader = DataLoader(TensorDataset(X10, Y10), batch_size=4, shuffle=True, seed=3)
    rng = np.random.default_rng(3)
    assert [_rows(loader), _rows(loader)] == [rng.permutation(10).tolist(), rng.permutation(10).tolist()]


class Rows:
    """A dataset of our own over TensorDataset's rows: read a sample at a time, then stacked."""

    def __init__(self, *arrays):
        self.inner = TensorDataset(*arrays)

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        return self.inner[i]


@pytest.mark.parametrize("shuffle", [False, True])
def test_sample_by_sample_batches_equal_the_tensor_dataset_fast_path(shuffle):
    fast = DataLoader(TensorDataset(X10, Y10), batch_size=3, shuffle=shuffle, seed=5)
    slow = DataLoader(Rows(X10, Y10), batch_size=3, shuffle=shuffle, seed=5)
    for _ in range(2):
        for (xf, yf), (xs, ys) in zip(fast, slow, strict=True):
            assert xf.dtype == xs.dtype and yf.dtype == ys.dtype
            np.testing.assert_array_equal(xf.data, xs.data)
            np.testing.assert_array_equal(yf.data, ys.data)


def test_generator_is_an_alternative_to_seed():
    orders = [
        _rows(DataLoader(TensorDataset(X10, Y10), batch_size=4, shuffle=True, generator=np.random.default_rng(7)))
        for _ in range(2)
    ]
    assert orders[0] == orders[1]
    assert orders[0] == _rows(DataLoader(TensorDataset(X10, Y10), batch_size=4, shuffle=True, seed=7))


@pytest.mark.parametrize(("n", "batch_size", "drop_last", "sizes"), [
    (10, 4, False, [4, 4, 2]),
    (10, 4, True, [4, 4]),
    (8, 4, True, [4, 4]),
    (3, 4, True, []),
    (3, 4, False, [3]),
    (10, 1, False, [1] * 10),
])  # fmt: skip
def test_drop_last_and_len(n, batch_size, drop_last, sizes):
    for shuffle in (False, True):
        loader = DataLoader(TensorDataset(X10[:n], Y10[:n]), batch_size, shuffle, drop_last=drop_last, seed=0)
        assert [len(yb) for _, yb in loader] == sizes
        assert len(loader) == len(sizes)


def test_batch_size_none_yields_single_samples_unbatched():
    loader = DataLoader(TensorDataset(X10, Y10), batch_size=None)
    samples = list(loader)
    assert len(loader) == len(samples) == 10
    x, y = samples[4]
    assert x.shape == (2,) and y.shape == () and int(y.data) == 4
    shuffled = DataLoader(TensorDataset(X10, Y10), batch_size=None, shuffle=True, seed=0)
    assert sorted(int(y.data) for _, y in shuffled) == list(range(10))


class Squares:
    """A map-style dataset of our own: (array, Python float, Python int) per sample."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return np.full(3, float(i)), float(i * i), i


def test_a_custom_dataset_is_stacked_along_a_new_first_axis():
    loader = DataLoader(Squares(), batch_size=2)
    assert len(loader) == 3
    first = next(iter(loader))
    assert isinstance(first, tuple) and len(first) == 3
    features, squares, labels = first
    assert features.data.tolist() == [[0.0] * 3, [1.0] * 3] and features.dtype == np.float64
    assert squares.data.tolist() == [0.0, 1.0] and squares.dtype == np.float32  # Python floats: float32
    assert labels.data.tolist() == [0, 1] and labels.dtype == np.int64
    assert [b[2].data.tolist() for b in loader] == [[0, 1], [2, 3], [4]]
    assert next(iter(DataLoader(Squares(), batch_size=None)))[1] == 0.0  # unbatched: numbers stay numbers
    one_field = DataLoader(X10, batch_size=4)  # an array is a dataset of its rows
    assert isinstance(next(iter(one_field)), Tensor) and next(iter(one_field)).shape == (4, 2)


def test_collate_fn_and_num_workers_zero():
    loader = DataLoader(Squares(), batch_size=2, collate_fn=lambda samples: [s[2] for s in samples], num_workers=0)
    assert list(loader) == [[0, 1], [2, 3], [4]]
    sizes = DataLoader(TensorDataset(X10, Y10), batch_size=5, collate_fn=len)  # replaces the fast path too
    assert list(sizes) == [5, 5]


def test_a_pytorch_style_training_loop_on_blobs():
    X, y = data.blobs(300, centers=3, cluster_std=1.0, seed=0)
    loader = DataLoader(TensorDataset(X.astype(np.float32), y), batch_size=32, shuffle=True, seed=0)
    model = Sequential(Linear(2, 16, seed=0), ReLU(), Linear(16, 3, seed=1))
    opt = optim.Adam(model.parameters(), lr=0.05)
    for _ in range(5):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert xb.dtype == np.float32 and yb.dtype == np.int64 and loss.dtype == np.float32
    accuracy = np.mean(np.argmax(model(Tensor(X.astype(np.float32))).data, axis=1) == y)
    assert accuracy > 0.95


def test_fit_accepts_a_data_loader():
    X, y = data.blobs(200, centers=3, seed=0)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=0)
    model = Sequential(Linear(2, 16, seed=0), ReLU(), Linear(16, 3, seed=1))
    history = fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.05), loader, epochs=3)
    assert len(history.step_loss) == 3 * len(loader) == 21
    assert history.accuracy[-1] > 0.9
    with pytest.raises(ValueError, match="batch_size only applies"):
        fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), loader, batch_size=8)


@pytest.mark.parametrize(("n", "batch_size", "drop_last"), [(10, 4, False), (10, 4, True), (7, 7, False), (5, 8, True)])
def test_batch_shapes_dtypes_and_len_match_torch(n, batch_size, drop_last):
    torch = pytest.importorskip("torch")
    from torch.utils import data as torch_data

    X = np.random.default_rng(0).normal(size=(n, 3, 2))
    y = np.arange(n)
    y_float = np.linspace(0, 1, n, dtype=np.float32)
    ours = DataLoader(TensorDataset(X, y, y_float), batch_size=batch_size, drop_last=drop_last)
    theirs = torch_data.DataLoader(
        torch_data.TensorDataset(*(torch.from_numpy(a) for a in (X, y, y_float))),
        batch_size=batch_size,
        drop_last=drop_last,
    )
    assert len(ours) == len(theirs)
    pairs = list(zip(ours, theirs, strict=True))
    assert len(pairs) == len(theirs)
    for our_batch, their_batch in pairs:
        assert len(our_batch) == len(their_batch) == 3
        for a, b in zip(our_batch, their_batch):
            assert a.shape == tuple(b.shape) and a.dtype == b.numpy().dtype
            np.testing.assert_array_equal(a.data, b.numpy())
    single = list(DataLoader(TensorDataset(X, y), batch_size=None))
    their_single = list(torch_data.DataLoader(torch_data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), None))
    assert [tuple(t.shape for t in s) for s in single] == [tuple(tuple(t.shape) for t in s) for s in their_single]


def test_tensor_dataset_errors():
    with pytest.raises(TypeError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match=r"same first dimension .* got sizes \[3, 4\]"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="one row per sample"):
        TensorDataset(np.float64(1.0))
    with pytest.raises(TypeError, match="TensorDataset: data must be numbers"):
        TensorDataset(["a", "b"])


def test_data_loader_errors():
    ds = TensorDataset(X10, Y10)
    with pytest.raises(ValueError, match="batch_size must be an int >= 1, got 0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match=r"batch_size must be an int >= 1, got 2\.5"):
        DataLoader(ds, batch_size=2.5)
    with pytest.raises(ValueError, match="drop_last=True has no meaning"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers must be 0, got 4"):
        DataLoader(ds, num_workers=4)
    with pytest.raises(TypeError, match=r"not supported here: pin_memory, sampler; it takes dataset, batch_size"):
        DataLoader(ds, pin_memory=True, sampler=None)
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        DataLoader(ds, shuffle="yes")
    with pytest.raises(TypeError, match="seed or generator, not both"):
        DataLoader(ds, seed=0, generator=np.random.default_rng(0))
    with pytest.raises(TypeError, match="generator must be a numpy Generator"):
        DataLoader(ds, generator=0)
    with pytest.raises(ValueError, match="seed must be None, an int >= 0 or a numpy Generator"):
        DataLoader(ds, seed=-1)
    with pytest.raises(TypeError, match="must have __len__ and __getitem__"):
        DataLoader(iter([(1, 2)]))
    with pytest.raises(TypeError, match="collate_fn must be a function"):
        DataLoader(ds, collate_fn=3)


def test_samples_that_cannot_be_stacked_say_why():
    with pytest.raises(ValueError, match=r"cannot be stacked .* use TensorDataset\(X, y\)"):
        list(DataLoader((X10, Y10), batch_size=2))  # a pair of arrays is a dataset of two samples
    with pytest.raises(ValueError, match="same number of fields"):
        list(DataLoader([(1, 2), (3,)], batch_size=2))
    with pytest.raises(TypeError, match="got a dict; pass collate_fn"):
        list(DataLoader([{"x": 1}, {"x": 2}], batch_size=2))
