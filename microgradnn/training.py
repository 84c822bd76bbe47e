"""`fit`: the training loop written once, and the `History` it returns.

Every epoch, for every batch: forward, loss, ``zero_grad()``, ``backward()``,
``step()``. That is the whole of training; `fit` adds batching, a progress
bar, a record of loss and accuracy per epoch (what the plots draw), and a
clear stop when the loss stops being a number.

It works for scalar models (parameters are Values: each sample is fed as a
list of Values, outputs are Values) and tensor models (the batch is one
Tensor) alike::

    history = fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=1e-3),
                  data=(X, y), epochs=20, batch_size=64)
    history.loss[-1], history.accuracy[-1]
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from microgradnn import data as datasets
from microgradnn.engine import Node, no_grad
from microgradnn.optim import LRScheduler, Optimizer
from microgradnn.scalar import Value

__all__ = ["History", "accuracy", "fit"]


@dataclass
class History:
    """What happened during `fit`, one entry per epoch (`step_loss`: one per optimizer step).

    `accuracy` stays empty when the targets are not class labels;
    `val_loss`/`val_accuracy` fill only when `val_data` was given.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.loss)

    def as_dict(self) -> dict[str, list[float]]:
        """Every record by name (e.g. for a table or a JSON file)."""
        return {
            "loss": self.loss,
            "accuracy": self.accuracy,
            "val_loss": self.val_loss,
            "val_accuracy": self.val_accuracy,
            "lr": self.lr,
            "step_loss": self.step_loss,
        }

    def __repr__(self) -> str:
        if not self.loss:
            return "History(no epochs)"
        parts = [f"epochs={self.epochs}", f"loss={self.loss[-1]:.4g}"]
        if self.accuracy:
            parts.append(f"accuracy={self.accuracy[-1]:.2%}")
        if self.val_loss:
            parts.append(f"val_loss={self.val_loss[-1]:.4g}")
        if self.val_accuracy:
            parts.append(f"val_accuracy={self.val_accuracy[-1]:.2%}")
        return f"History({', '.join(parts)})"


def accuracy(outputs: Any, targets: Any, threshold: float = 0.5) -> float:
    """The fraction of samples classified correctly.

    * outputs of shape (N, C), C > 1: the predicted class is the argmax of the row;
    * one output per sample and targets in {-1, +1}: the sign of the output (a margin score);
    * one output per sample otherwise: class 1 where output >= `threshold`
      (0.5 for probabilities, 0.0 for raw scores).
    """
    out = _as_array(outputs)
    y = np.asarray(_as_array(targets))
    if out.ndim == 2 and out.shape[1] > 1:
        if len(out) != len(y):
            raise ValueError(f"accuracy: {len(out)} outputs but {len(y)} targets")
        return float(np.mean(np.argmax(out, axis=1) == y.reshape(-1)))
    out, y = out.reshape(-1), y.reshape(-1)
    if out.shape != y.shape:
        raise ValueError(f"accuracy: {out.size} outputs but {y.size} targets")
    if y.size and np.all(np.isin(y, (-1, 1))) and np.any(y == -1):
        return float(np.mean((out > 0) == (y > 0)))
    return float(np.mean((out >= threshold).astype(y.dtype) == y))


def _as_array(x: Any) -> np.ndarray:
    """Values (nested lists of them), Tensors or arrays as a float array."""
    if isinstance(x, Node):
        return np.asarray(x.data, dtype=np.float64)
    if isinstance(x, (list, tuple)):
        return np.array([_as_array(v) for v in x], dtype=np.float64)
    return np.asarray(x)


def _auto_threshold(loss_fn: Callable[..., Any]) -> float:
    """0 for losses that take raw scores (logits, margins), 0.5 for those that take probabilities."""
    name = getattr(loss_fn, "__name__", type(loss_fn).__name__).lower()
    return 0.0 if ("logits" in name or "hinge" in name) else 0.5


# -------------------------------------------------------------------- data
def _epoch_batches(
    data: Any, epochs: int, batch_size: int | None, shuffle: bool, rng: np.random.Generator
) -> Callable[[], Iterable[Any]]:
    """A function giving one epoch's batches, from (X, y), a function of no arguments, or a re-iterable."""
    if isinstance(data, tuple) and len(data) == 2 and not isinstance(data[0], tuple):
        X, y = np.asarray(_as_array(data[0])), np.asarray(_as_array(data[1]))
        if len(X) != len(y):
            raise ValueError(f"fit: X has {len(X)} rows but y has {len(y)}; they must match")
        if batch_size is None:
            return lambda: [(X, y)]
        return lambda: datasets.batches(X, y, batch_size, shuffle=shuffle, seed=rng)
    if batch_size is not None:
        raise ValueError("fit: batch_size only applies to data=(X, y); your batches are already made")
    if callable(data):
        return data
    if not isinstance(data, Iterable):
        raise TypeError(
            "fit: data must be (X, y), a list of (X, y) batches, or a function returning them; "
            f"got {type(data).__name__}"
        )
    if iter(data) is data and epochs > 1:
        raise TypeError(
            "fit: data is a one-shot iterator (e.g. a generator) but several epochs need it again; "
            "pass a list of batches, or a function that returns the batches"
        )
    return lambda: data


# ----------------------------------------------------------------- forward
def _is_scalar_model(optimizer: Optimizer) -> bool:
    return isinstance(optimizer.params[0], Value)


def _forward(model: Callable[..., Any], X: np.ndarray, scalar: bool, dtype: Any) -> Any:
    if scalar:
        # One shared leaf per input number, so every first-layer neuron reads the same nodes.
        return [model([Value(float(v)) for v in row]) for row in np.asarray(X, dtype=np.float64).reshape(len(X), -1)]
    from microgradnn.tensor import Tensor

    array = np.asarray(X)
    return model(Tensor(array, dtype=dtype if array.dtype.kind == "f" else None))


def _targets(y: np.ndarray, scalar: bool, dtype: Any) -> Any:
    if scalar:
        return np.asarray(y).tolist()
    from microgradnn.tensor import Tensor

    array = np.asarray(y)
    return Tensor(array, dtype=dtype if array.dtype.kind == "f" else array.dtype)


def _loss_number(loss: Any, epoch: int, step: int) -> float:
    if not isinstance(loss, Node):
        raise TypeError(f"fit: loss_fn must return a Value or a Tensor, got {type(loss).__name__}")
    array = np.asarray(loss.data)
    if array.size != 1:
        raise ValueError(f"fit: loss_fn returned shape {array.shape}; it must return one number (reduction='mean')")
    value = float(array.reshape(()))
    if not math.isfinite(value):
        raise FloatingPointError(
            f"fit: the loss became {value} at epoch {epoch}, step {step}; training stopped before that step "
            "changed any weight. Try a smaller learning rate, or a stable loss (cross_entropy, "
            "binary_cross_entropy_with_logits)."
        )
    return value


# --------------------------------------------------------------------- fit
def fit(
    model: Callable[..., Any],
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Optimizer,
    data: Any,
    epochs: int = 1,
    *,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    val_data: tuple[Any, Any] | None = None,
    scheduler: LRScheduler | None = None,
    accuracy: Callable[[np.ndarray, np.ndarray], float | None] | str | None = "auto",
    progress: bool | None = None,
    callback: Callable[[int, History], bool | None] | None = None,
) -> History:
    """Train `model` to lower `loss_fn(model(X), y)` with `optimizer`; return the `History`.

    data: ``(X, y)`` arrays (full batch, or `batch_size` rows at a time,
    reshuffled every epoch when `shuffle`, from `seed`), a list of (X, y)
    batches, or a function returning the batches of one epoch.
    accuracy: "auto" (argmax for several outputs; for one output, a threshold
    of 0 after logits or hinge losses, else 0.5; skipped when the targets are
    not class labels), a function ``(outputs, targets) -> float``, or None.
    progress: a tqdm bar over epochs; None shows it only on a terminal.
    scheduler: stepped once after every epoch. callback(epoch, history): called
    after every epoch; returning True stops training.
    A NaN or infinite loss raises FloatingPointError naming the epoch and step
    (both counted from 1), before that step updates anything.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be a microgradnn.optim optimizer, got {type(optimizer).__name__}")
    if not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"fit: epochs must be an int >= 1, got {epochs!r}")
    rng = np.random.default_rng(seed)
    epoch_batches = _epoch_batches(data, int(epochs), batch_size, shuffle, rng)
    scalar = _is_scalar_model(optimizer)
    dtype = None if scalar else np.asarray(optimizer.params[0].data).dtype
    measure = _accuracy_function(accuracy, loss_fn)
    history = History()
    if progress is None:
        progress = sys.stderr.isatty()
    from tqdm.auto import tqdm

    set_mode = getattr(model, "train", None)
    bar = tqdm(range(1, int(epochs) + 1), desc="fit", unit="epoch", disable=not progress, leave=False)
    try:
        for epoch in bar:
            if callable(set_mode):
                set_mode(True)
            total, count, outputs, targets = 0.0, 0, [], []
            for step, (X, y) in enumerate(epoch_batches(), start=1):
                out = _forward(model, X, scalar, dtype)
                loss = loss_fn(out, _targets(y, scalar, dtype))
                value = _loss_number(loss, epoch, step)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                n = len(y)
                total, count = total + value * n, count + n
                history.step_loss.append(value)
                if measure is not None:
                    outputs.append(_as_array(out))
                    targets.append(np.asarray(y))
            if count == 0:
                raise ValueError(f"fit: epoch {epoch} had no batches; is the data empty?")
            history.loss.append(total / count)
            history.lr.append(optimizer.lr)
            if measure is not None:
                _append(history.accuracy, measure(np.concatenate(outputs), np.concatenate(targets)))
            if val_data is not None:
                _validate(model, loss_fn, val_data, scalar, dtype, measure, history)
            if scheduler is not None:
                scheduler.step()
            bar.set_postfix(_postfix(history))
            if callback is not None and callback(epoch, history):
                break
    finally:
        bar.close()
    return history


def _accuracy_function(
    accuracy_arg: Callable[[np.ndarray, np.ndarray], float | None] | str | None, loss_fn: Callable[..., Any]
) -> Callable[[np.ndarray, np.ndarray], float | None] | None:
    if accuracy_arg is None or callable(accuracy_arg):
        return accuracy_arg
    if accuracy_arg != "auto":
        raise ValueError(f"fit: accuracy must be 'auto', a function or None, got {accuracy_arg!r}")
    threshold = _auto_threshold(loss_fn)

    def auto(outputs: np.ndarray, targets: np.ndarray) -> float | None:
        if not np.all(np.equal(np.mod(targets, 1), 0)):  # not class labels: a regression, no accuracy
            return None
        return accuracy(outputs, targets, threshold)

    return auto


def _validate(
    model: Callable[..., Any],
    loss_fn: Callable[..., Any],
    val_data: tuple[Any, Any],
    scalar: bool,
    dtype: Any,
    measure: Callable[[np.ndarray, np.ndarray], float | None] | None,
    history: History,
) -> None:
    """Loss and accuracy on held-out data, in eval mode and without building a graph."""
    X, y = np.asarray(_as_array(val_data[0])), np.asarray(_as_array(val_data[1]))
    set_mode = getattr(model, "train", None)
    if callable(set_mode):
        set_mode(False)
    with no_grad():
        out = _forward(model, X, scalar, dtype)
        history.val_loss.append(float(np.asarray(loss_fn(out, _targets(y, scalar, dtype)).data)))
    if measure is not None:
        _append(history.val_accuracy, measure(_as_array(out), y))


def _append(record: list[float], value: float | None) -> None:
    if value is not None:
        record.append(float(value))


def _postfix(history: History) -> dict[str, str]:
    shown = {"loss": f"{history.loss[-1]:.4g}"}
    if history.accuracy:
        shown["acc"] = f"{history.accuracy[-1]:.1%}"
    if history.val_accuracy:
        shown["val_acc"] = f"{history.val_accuracy[-1]:.1%}"
    return shown
