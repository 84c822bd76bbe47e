"""Small datasets to learn on, and batching: `batches` for arrays, `DataLoader` as in PyTorch.

Every generator returns numpy arrays ``(X, y)``: X of shape (n_samples,
n_features) in float64, y of shape (n_samples,). Class labels are int64;
the truth tables' labels are float64 (0.0 / 1.0), ready for a sigmoid
output and a squared-error or binary cross-entropy loss. Random datasets take
a `seed`, so the same call gives the same points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from microgradnn.tensor import Tensor
from microgradnn.tensor.creation import default_generator
from microgradnn.tensor.dtypes import to_array

__all__ = [
    "DataLoader",
    "TensorDataset",
    "and_",
    "batches",
    "blobs",
    "circles",
    "load_digits",
    "moons",
    "or_",
    "spiral",
    "truth_table",
    "xor",
]

_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_TRUTH_TABLES = {
    "xor": np.array([0.0, 1.0, 1.0, 0.0]),
    "and": np.array([0.0, 0.0, 0.0, 1.0]),
    "or": np.array([0.0, 1.0, 1.0, 1.0]),
}


def truth_table(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The four rows (x1, x2) in {0, 1}^2 and the gate's output: "xor", "and" or "or"."""
    if not isinstance(name, str) or name not in _TRUTH_TABLES:
        raise ValueError(f"truth_table: unknown gate {name!r}; choose one of {sorted(_TRUTH_TABLES)}")
    return _INPUTS.copy(), _TRUTH_TABLES[name].copy()


def xor() -> tuple[np.ndarray, np.ndarray]:
    """XOR: (0,0)->0, (0,1)->1, (1,0)->1, (1,1)->0; no single line separates the classes."""
    return truth_table("xor")


def and_() -> tuple[np.ndarray, np.ndarray]:
    """AND: 1 only for (1,1). (Trailing underscore: `and` is a Python keyword.)"""
    return truth_table("and")


def or_() -> tuple[np.ndarray, np.ndarray]:
    """OR: 0 only for (0,0). (Trailing underscore: `or` is a Python keyword.)"""
    return truth_table("or")


MAX_SAMPLES = 10_000_000  # a toy dataset; more would only fill the memory


def _check_count(
    value: object, name: str, who: str, minimum: int = 1, maximum: int | None = None, example: int | None = None
) -> int:
    """A whole number in [minimum, maximum]: an int, not a float, a bool or a string."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        example = max(minimum, 2) if example is None else example
        raise ValueError(f"{who}: {name} must be an int >= {minimum}, got {value!r}; e.g. {name}={example}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{who}: {name} must be at most {maximum}, got {value!r}; these are toy datasets")
    return int(value)


def _check_real(value: object, name: str, who: str, example: str) -> float:
    """A finite real number >= 0 (a noise level, a standard deviation)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__} ({value!r}); e.g. {example}")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{who}: {name} must be >= 0 and finite, got {value!r}; e.g. {example}")
    return float(value)


def _rng(seed: object, who: str) -> np.random.Generator:
    """numpy's Generator for `seed` (an int >= 0 or a Generator), or a clear error naming `who`; for None the
    shared one that `manual_seed` seeds (as PyTorch's DataLoader draws from torch's)."""
    if seed is None:
        return default_generator()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{who}: seed must be None, an int >= 0 or a numpy Generator, got {seed!r}; e.g. seed=0")
    return np.random.default_rng(int(seed))


def _check_size(n_samples: int, noise: float, who: str, minimum: int = 1) -> None:
    _check_count(n_samples, "n_samples", who, minimum, MAX_SAMPLES)
    _check_real(noise, "noise", who, "noise=0.1")


def moons(n_samples: int = 100, noise: float = 0.1, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (micrograd's demo data); y in {0, 1}.

    Class 0 lies on (cos t, sin t), class 1 on (1 - cos t, 0.5 - sin t), t in
    [0, pi]; then Gaussian noise of std `noise` is added to every coordinate.
    """
    _check_size(n_samples, noise, "moons", minimum=2)
    rng = _rng(seed, "moons")
    n0 = n_samples // 2
    n1 = n_samples - n0
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1), np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _shuffled(X + rng.normal(0.0, noise, X.shape), y, rng)


def circles(
    n_samples: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius `factor` (class 1) inside the unit circle (class 0), plus Gaussian noise."""
    _check_size(n_samples, noise, "circles", minimum=2)
    if isinstance(factor, bool) or not isinstance(factor, (int, float, np.floating)) or not 0.0 < factor < 1.0:
        raise ValueError(
            f"circles: factor (inner radius / outer radius) must be in (0, 1), got {factor!r}; e.g. factor=0.5"
        )
    rng = _rng(seed, "circles")
    n0 = n_samples // 2
    n1 = n_samples - n0
    # endpoint=False: 0 and 2 pi are the same point, so leave the second one out.
    t0, t1 = np.linspace(0, 2 * np.pi, n0, endpoint=False), np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1), factor * np.stack([np.cos(t1), np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _shuffled(X + rng.normal(0.0, noise, X.shape), y, rng)


def spiral(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`n_classes` arms of a spiral around the origin (CS231n's classic); y in {0, ..., n_classes - 1}.

    Arm k: radius r from 0 to 1, angle 4 r + 2 pi k / n_classes, plus Gaussian
    noise of std `noise` on the angle.
    """
    n_classes = _check_count(n_classes, "n_classes", "spiral", minimum=2, maximum=1000)
    _check_size(n_samples, noise, "spiral", minimum=n_classes)
    rng = _rng(seed, "spiral")
    sizes = [n_samples // n_classes + (1 if k < n_samples % n_classes else 0) for k in range(n_classes)]
    points, labels = [], []
    for k, n in enumerate(sizes):
        r = np.linspace(0.0, 1.0, n)
        angle = 4.0 * r + 2.0 * np.pi * k / n_classes + rng.normal(0.0, noise, n)
        points.append(np.stack([r * np.cos(angle), r * np.sin(angle)], 1))
        labels.append(np.full(n, k, np.int64))
    return _shuffled(np.concatenate(points), np.concatenate(labels), rng)


def blobs(
    n_samples: int = 100,
    centers: int | np.ndarray = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters: `centers` random centres in `center_box` (or the given array of centres)."""
    _check_count(n_samples, "n_samples", "blobs", 1, MAX_SAMPLES)
    _check_real(cluster_std, "cluster_std", "blobs", "cluster_std=1.0")
    rng = _rng(seed, "blobs")
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        centers = _check_count(centers, "centers", "blobs", 1, n_samples)
        n_features = _check_count(n_features, "n_features", "blobs", 1, 10_000)
        low, high = _box(center_box)
        centre_points = rng.uniform(low, high, size=(centers, n_features))
    else:
        try:
            centre_points = np.asarray(centers, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"blobs: centers must be an int or an array (k, n_features), got {centers!r}") from None
        if centre_points.ndim != 2 or 0 in centre_points.shape or not np.isfinite(centre_points).all():
            raise ValueError(
                f"blobs: centers must be an int or a finite array (k, n_features), got shape {centre_points.shape}"
            )
    k = len(centre_points)
    if k > n_samples:  # as for an int: a centre with no point would be a class with no sample
        raise ValueError(
            f"blobs: {k} centres for {n_samples} samples leave some centres without a point; "
            f"give at least {k} samples (n_samples={k}) or fewer centres"
        )
    sizes = [n_samples // k + (1 if i < n_samples % k else 0) for i in range(k)]
    X = np.concatenate(
        [c + rng.normal(0.0, cluster_std, (n, centre_points.shape[1])) for c, n in zip(centre_points, sizes)]
    )
    y = np.concatenate([np.full(n, i, np.int64) for i, n in enumerate(sizes)])
    return _shuffled(X, y, rng)


def _box(center_box: object) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in center_box)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(f"blobs: center_box must be a pair (low, high), got {center_box!r}; e.g. (-10, 10)") from None
    if not (np.isfinite(low) and np.isfinite(high) and low <= high and np.isfinite(high - low)):
        raise ValueError(
            f"blobs: center_box must be finite with low <= high (and high - low finite), got {center_box!r}; "
            "e.g. (-10, 10)"
        )
    return low, high


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(y))
    return X[order], y[order]


def batches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    shuffle: bool = False,
    seed: int | np.random.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_batch, y_batch) of `batch_size` rows (the last one may be smaller unless `drop_last`).

    With `shuffle`, rows are visited in a random order drawn from `seed`
    (pass a Generator to get a new order on each call).
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"batches: X and y need one row per sample, got shapes {X.shape} and {y.shape}; pass arrays, not numbers"
        )
    if len(X) != len(y):
        raise ValueError(f"batches: X has {len(X)} rows but y has {len(y)}; they must match")
    batch_size = _check_count(batch_size, "batch_size", "batches", example=32)
    rng = _rng(seed, "batches")  # checked with or without shuffle, so a bad seed is never silently ignored
    order, stop = _epoch_order(len(y), batch_size, shuffle, drop_last, rng)
    return _batch_iterator((X, y), order, batch_size, stop)  # type: ignore[return-value]


def _epoch_order(
    n: int, batch_size: int, shuffle: bool, drop_last: bool, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """The order to visit n rows in (a new permutation from `rng` when shuffling), and where to stop."""
    order = rng.permutation(n) if shuffle else np.arange(n)
    return order, (n - n % batch_size if drop_last else n)


def _batch_iterator(
    arrays: tuple[np.ndarray, ...], order: np.ndarray, batch_size: int, stop: int
) -> Iterator[tuple[np.ndarray, ...]]:
    """The rows of every array at each run of `batch_size` indices of `order` (one fancy index, one copy, each)."""
    for start in range(0, stop, batch_size):
        index = order[start : min(start + batch_size, stop)]
        yield tuple(a[index] for a in arrays)


# ------------------------------------------------------------ PyTorch's Dataset and DataLoader
class TensorDataset:
    """PyTorch's `TensorDataset`: tensors with one row per sample, read a row at a time.

    Each argument is a Tensor, a NumPy array or a nested list, converted by
    `Tensor`'s rules without a copy (an array keeps its dtype, so a float64 X
    stays float64; Python floats become float32 and ints int64). All need the
    same first dimension. `dataset[i]` is the tuple of every tensor's i-th row,
    as constant Tensors (``requires_grad=False``)::

        >>> ds = TensorDataset(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0, 1]))
        >>> len(ds), ds[1]
        (2, (Tensor([3., 4.], shape=(2,), dtype=float64), Tensor(1, shape=(), dtype=int64)))
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise TypeError("TensorDataset: give at least one tensor, e.g. TensorDataset(X, y)")
        self.tensors = tuple(
            t if isinstance(t, Tensor) else Tensor(to_array("TensorDataset", t, None, copy=False), copy=False)
            for t in tensors
        )
        shapes = [t.shape for t in self.tensors]
        if any(len(shape) == 0 for shape in shapes):
            raise ValueError(f"TensorDataset: every tensor needs one row per sample, got shapes {shapes}")
        sizes = [shape[0] for shape in shapes]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"TensorDataset: every tensor needs the same first dimension (one row per sample), got sizes {sizes}"
            )

    def __len__(self) -> int:
        return len(self.tensors[0].data)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor(t.data[index], copy=False) for t in self.tensors)

    def __repr__(self) -> str:
        parts = ", ".join(f"{t.shape} {t.dtype}" for t in self.tensors)
        return f"TensorDataset({len(self)} samples: {parts})"


_LOADER_ARGUMENTS = "dataset, batch_size, shuffle, drop_last, seed (or generator), collate_fn and num_workers=0"


class DataLoader:
    """PyTorch's `DataLoader` for a map-style dataset: the batches of one epoch each time it is iterated.

    Each batch is a tuple of Tensors (``requires_grad=False``) with
    `batch_size` rows (the last one smaller unless `drop_last`);
    ``len(loader)`` is the number of batches. With `shuffle`, every iteration
    (every epoch) visits the samples in a new order drawn from `seed` (or from
    `generator`, a numpy Generator, in place of PyTorch's torch.Generator), so
    the same seed gives the same epochs. ``batch_size=None`` yields the samples
    one by one, unbatched.

    A `TensorDataset` is batched by indexing its arrays with the batch's
    indices (one copy per batch). Any other dataset (``__len__``, and
    ``__getitem__`` returning a tuple of arrays, Tensors or numbers, or one of
    them) is read a sample at a time and each field stacked along a new first
    axis, with the dtype ``Tensor(field)`` would have: arrays keep theirs,
    Python floats become float32 (PyTorch's collate makes them float64) and
    ints int64. `collate_fn(samples)` replaces that stacking. Batches are made
    in this process: `num_workers` must be 0, and PyTorch's other options
    (`sampler`, `pin_memory`, ...) raise a TypeError.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = False,
        *,
        drop_last: bool = False,
        seed: int | np.random.Generator | None = None,
        generator: np.random.Generator | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        **unsupported: Any,
    ) -> None:
        if unsupported:
            raise TypeError(
                f"DataLoader: not supported here: {', '.join(sorted(unsupported))}; it takes {_LOADER_ARGUMENTS} "
                "(batches are made in this process, from a dataset with __len__ and __getitem__)"
            )
        if not (hasattr(type(dataset), "__len__") and hasattr(type(dataset), "__getitem__")):
            raise TypeError(
                f"DataLoader: dataset must have __len__ and __getitem__ (a map-style dataset such as "
                f"TensorDataset(X, y)), got {type(dataset).__name__}"
            )
        if batch_size is not None:
            batch_size = _check_count(batch_size, "batch_size", "DataLoader", example=32)
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not (flag is None or isinstance(flag, (bool, np.bool_))):
                raise TypeError(f"DataLoader: {name} must be True or False, got {flag!r}")
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None yields single samples, so drop_last=True has no meaning")
        if generator is not None:
            if seed is not None:
                raise TypeError("DataLoader: pass seed or generator, not both")
            if not isinstance(generator, np.random.Generator):
                raise TypeError(
                    f"DataLoader: generator must be a numpy Generator, e.g. np.random.default_rng(0), "
                    f"got {type(generator).__name__}"
                )
        if isinstance(num_workers, bool) or num_workers != 0:
            raise ValueError(
                f"DataLoader: num_workers must be 0, got {num_workers!r}; batches are made in this process"
            )
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be a function of a list of samples, got {collate_fn!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self._rng = _rng(generator if generator is not None else seed, "DataLoader")

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        order, stop = _epoch_order(len(self.dataset), self.batch_size or 1, self.shuffle, self.drop_last, self._rng)
        dataset, collate = self.dataset, self.collate_fn
        if self.batch_size is None:
            convert = collate or _converted
            return (convert(dataset[int(i)]) for i in order)
        if collate is None and type(dataset).__getitem__ is TensorDataset.__getitem__:
            arrays = tuple(t.data for t in dataset.tensors)
            return (
                tuple(Tensor(a, copy=False) for a in batch)
                for batch in _batch_iterator(arrays, order, self.batch_size, stop)
            )
        starts = range(0, stop, self.batch_size)
        collate = collate or _collate
        return (collate([dataset[int(i)] for i in order[s : min(s + self.batch_size, stop)]]) for s in starts)

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}: {len(self)} batches)"
        )


def _converted(sample: Any) -> Any:
    """One sample, unbatched (PyTorch's default_convert): arrays become Tensors, numbers stay numbers."""
    if isinstance(sample, (tuple, list)):
        return tuple(_converted(x) for x in sample)
    return Tensor(sample, copy=False) if isinstance(sample, (np.ndarray, np.generic)) else sample


def _collate(samples: list[Any]) -> Any:
    """A batch from a list of samples: each field stacked along a new first axis, as one Tensor."""
    first = samples[0]
    if not isinstance(first, (tuple, list)):
        return _stacked(samples, "the samples")
    if any(not isinstance(s, (tuple, list)) or len(s) != len(first) for s in samples):
        raise ValueError(
            f"DataLoader: every sample must have the same number of fields; got {[_fields(s) for s in samples]}"
        )
    return tuple(_stacked([s[k] for s in samples], f"field {k} of the samples") for k in range(len(first)))


def _fields(sample: Any) -> int | str:
    return len(sample) if isinstance(sample, (tuple, list)) else type(sample).__name__


def _stacked(items: list[Any], what: str) -> Tensor:
    if isinstance(items[0], (dict, str, bytes)):
        raise TypeError(
            f"DataLoader: dataset[i] must be a tuple of arrays, Tensors or numbers (or one of them), got a "
            f"{type(items[0]).__name__}; pass collate_fn to batch it yourself"
        )
    arrays = [x.data if isinstance(x, Tensor) else to_array("DataLoader", x, None, copy=False) for x in items]
    try:
        return Tensor(np.stack(arrays), copy=False)
    except ValueError:
        shapes = sorted({a.shape for a in arrays})
        raise ValueError(
            f"DataLoader: {what} cannot be stacked into a batch: they have shapes {shapes}; "
            "every sample's field needs the same shape (to batch arrays X and y, use TensorDataset(X, y))"
        ) from None


def load_digits(scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 handwritten digits: X (1797, 64) float64, y (1797,) int64 in 0..9.

    Pixels are 0..16; `scale=True` divides them by 16 so they lie in [0, 1].
    Needs scikit-learn (``pip install "microgradnn[digits]"``).
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as e:
        raise ImportError(
            'load_digits needs scikit-learn, which is an optional extra: pip install "microgradnn[digits]"'
        ) from e
    bunch = sklearn_load_digits()
    X = np.asarray(bunch.data, dtype=np.float64)
    return (X / 16.0 if scale else X), np.asarray(bunch.target, dtype=np.int64)
