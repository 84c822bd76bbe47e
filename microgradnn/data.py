"""Small datasets to learn on, and batching.

Every generator returns numpy arrays ``(X, y)``: X of shape (n_samples,
n_features) in float64, y of shape (n_samples,). Class labels are int64;
the truth tables' labels are float64 (0.0 / 1.0), ready for a sigmoid
output and a squared-error or binary cross-entropy loss. Random datasets take
a `seed`, so the same call gives the same points.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = [
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


def _check_count(value: object, name: str, who: str, minimum: int = 1, maximum: int | None = None) -> int:
    """A whole number in [minimum, maximum]: an int, not a float, a bool or a string."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{who}: {name} must be an int >= {minimum}, got {value!r}; e.g. {name}={max(minimum, 2)}")
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
    """numpy's Generator for `seed` (None, an int >= 0 or a Generator), or a clear error naming `who`."""
    if isinstance(seed, np.random.Generator) or seed is None:
        return np.random.default_rng(seed)
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
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batches: batch_size must be an int >= 1, got {batch_size!r}; e.g. batch_size=32")
    rng = _rng(seed, "batches")  # checked with or without shuffle, so a bad seed is never silently ignored
    order = rng.permutation(len(y)) if shuffle else np.arange(len(y))
    stop = len(y) - len(y) % batch_size if drop_last else len(y)
    return _batch_iterator(X, y, order, int(batch_size), stop)


def _batch_iterator(
    X: np.ndarray, y: np.ndarray, order: np.ndarray, batch_size: int, stop: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, stop, batch_size):
        index = order[start : min(start + batch_size, stop)]
        yield X[index], y[index]


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
