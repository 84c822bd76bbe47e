"""`fit`: the training loop written once, and the `History` it returns.

Every epoch, for every batch: forward, loss, ``zero_grad()``, ``backward()``,
``step()``. That is the whole of training; `fit` adds batching, a progress
bar, a record of loss and accuracy per epoch (what the plots draw), and a
clear stop when the loss, a gradient or a weight stops being a number: the
weights are put back as they were before that step, and the `History` of what
completed travels on the exception (`TrainingError.history`). Ctrl-C stops
after the step in progress and returns the History (`history.interrupted`).

It works for scalar models (parameters are Values: each sample is fed as a
list of Values, outputs are Values) and tensor models (the batch is one
Tensor) alike::

    history = fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=1e-3),
                  data=(X, y), epochs=20, batch_size=64)
    history.loss[-1], history.accuracy[-1]
"""

from __future__ import annotations

import contextlib
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from microgradnn import data as datasets
from microgradnn.engine import Node, no_grad
from microgradnn.nn.module import _BufferSnapshot, _mark_written
from microgradnn.optim import LRScheduler, Optimizer, ReduceLROnPlateau
from microgradnn.scalar import Value

__all__ = ["History", "TrainingError", "accuracy", "fit"]


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
    interrupted: bool = False  # True when Ctrl-C stopped training (after a complete step)

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
        if self.interrupted:
            parts.append("interrupted")
        return f"History({', '.join(parts)})"


class TrainingError(FloatingPointError):
    """`fit` stopped because the loss, a gradient or a weight became NaN or infinite.

    The weights are as they were before the failing step. `history` holds what
    completed (whole epochs in `loss`, every finished step in `step_loss`);
    `epoch` and `step` count from 1; `parameter` names the parameter at fault
    (None when it was the loss).
    """

    def __init__(self, message: str, history: History, epoch: int, step: int, parameter: str | None) -> None:
        super().__init__(message)
        self.history = history
        self.epoch = epoch
        self.step = step
        self.parameter = parameter


def accuracy(outputs: Any, targets: Any, threshold: float = 0.5) -> float:
    """The fraction of samples classified correctly.

    * outputs of shape (N, C), C > 1: the predicted class is the argmax of the row; targets of that shape too
      (one-hot rows, or class probabilities) name their class by their own argmax;
    * one output per sample and targets in {-1, +1}: the sign of the output (a margin score);
    * one output per sample otherwise: class 1 where output >= `threshold`
      (0.5 for probabilities, 0.0 for raw scores).
    """
    out = _as_array(outputs)
    y = np.asarray(_as_array(targets))
    for what, array in (("outputs", out), ("targets", y)):
        if array.dtype.kind not in "biuf":
            raise TypeError(f"accuracy: {what} must be numbers, got dtype {array.dtype}; pass the model's outputs")
    if out.ndim == 2 and out.shape[1] > 1:
        if y.shape == out.shape:  # one-hot targets (mse_loss against np.eye(C)[labels], as in the chapter)
            y = np.argmax(y, axis=1)
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
    """Values (nested lists of them) as a float array; Tensors and arrays as their arrays, dtype kept (a Tensor of
    class labels stays integers)."""
    if isinstance(x, Value):
        return np.asarray(x.data, dtype=np.float64)
    if isinstance(x, Node):
        return np.asarray(x.data)
    if isinstance(x, (list, tuple)):
        parts = [_as_array(v) for v in x]
        # Values become float64; plain numbers keep NumPy's dtype, so a list of class labels stays integers.
        return np.array(parts) if parts else np.array([], dtype=np.float64)
    return np.asarray(x)


def _auto_threshold(loss_fn: Callable[..., Any]) -> float:
    """0 for losses that take raw scores (logits, margins), 0.5 for those that take probabilities."""
    name = getattr(loss_fn, "__name__", type(loss_fn).__name__).lower()
    return 0.0 if ("logits" in name or "hinge" in name) else 0.5


# -------------------------------------------------------------------- data
def _epoch_batches(
    data: Any, epochs: int, batch_size: int | None, shuffle: bool, rng: np.random.Generator
) -> Callable[[], Iterable[Any]]:
    """One epoch's batches, as a function: from (X, y), a function of no arguments, or a re-iterable (a DataLoader)."""
    if isinstance(data, list) and len(data) == 2 and all(isinstance(d, (np.ndarray, Node)) for d in data):
        data = tuple(data)  # [X, y]: two arrays, as (X, y)
    if isinstance(data, (np.ndarray, Node)):
        raise TypeError(
            f"fit: data is one array of shape {np.shape(data)}; pass the inputs and the targets together, "
            "as data=(X, y)"
        )
    if isinstance(data, tuple) and len(data) == 2 and not isinstance(data[0], tuple):
        X, y = np.asarray(_as_array(data[0])), np.asarray(_as_array(data[1]))
        if X.ndim == 0 or y.ndim == 0:
            raise TypeError(
                f"fit: data=(X, y) needs arrays with one row per sample, got X of shape {X.shape} and y of shape "
                f"{y.shape} (from {type(data[0]).__name__} and {type(data[1]).__name__})"
            )
        if len(X) != len(y):
            raise ValueError(f"fit: X has {len(X)} rows but y has {len(y)}; they must match")
        if len(X) == 0:
            raise ValueError(f"fit: data=(X, y) has no rows (X of shape {X.shape}); there is nothing to train on")
        if batch_size is None:
            return lambda: [(X, y)]
        return lambda: datasets.batches(X, y, batch_size, shuffle=shuffle, seed=rng)
    if batch_size is not None:
        raise ValueError("fit: batch_size only applies to data=(X, y); your batches are already made")
    if callable(data):
        return data
    if not isinstance(data, Iterable):
        raise TypeError(
            "fit: data must be (X, y), a list of (X, y) batches, a DataLoader, or a function returning the batches; "
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


def _loss_number(loss: Any) -> float:
    if not isinstance(loss, Node):
        raise TypeError(
            f"fit: loss_fn must return a Value or a Tensor, got {type(loss).__name__}; "
            "use a microgradnn loss such as F.mse_loss or F.cross_entropy"
        )
    array = np.asarray(loss.data)
    if array.size != 1:
        raise ValueError(f"fit: loss_fn returned shape {array.shape}; it must return one number (reduction='mean')")
    return float(array.reshape(()))


_FIX = "Try a smaller learning rate (e.g. lr / 10), or a stable loss (cross_entropy, binary_cross_entropy_with_logits)."


def _finite(x: Any) -> bool:
    if isinstance(x, float):
        return math.isfinite(x)
    return bool(np.isfinite(x).all())


def _first_non_finite(names: list[str], values: list[Any]) -> str | None:
    for name, value in zip(names, values):
        if value is not None and not _finite(value):
            return name
    return None


class _Snapshot:
    """The weights and optimizer buffers before a step, to put back if the step goes wrong.

    Tensor weights are copied into buffers made once (no allocation per step); optimizer buffers are replaced,
    never changed in place, by every step, so keeping references to the old ones is enough.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.arrays = [None if isinstance(p, Value) else np.empty_like(p.data) for p in optimizer.params]
        self.floats: list[float] = []
        self.state: list[dict[str, Any]] = []

    def take(self) -> None:
        params = self.optimizer.params
        self.floats = [p.data if isinstance(p, Value) else 0.0 for p in params]
        for i, (p, buffer) in enumerate(zip(params, self.arrays)):
            if buffer is not None:
                if buffer.shape != p.data.shape or buffer.dtype != p.data.dtype:  # a parameter replaced by hand
                    buffer = self.arrays[i] = np.empty_like(p.data)
                np.copyto(buffer, p.data)
        self.state = [dict(s) for s in self.optimizer.state]
        self.lrs = [group._lr for group in self.optimizer._groups]

    def restore(self) -> None:
        for p, buffer, value in zip(self.optimizer.params, self.arrays, self.floats):
            if buffer is None:
                p.data = value
            else:
                p.data[...] = buffer
                _mark_written(p)
        for live, kept in zip(self.optimizer.state, self.state):
            live.clear()
            live.update(kept)
        for group, lr in zip(self.optimizer._groups, self.lrs):
            group._lr = lr


class _DeferredInterrupt:
    """While active (main thread only), Ctrl-C sets a flag instead of raising, so the step in progress finishes;
    a second Ctrl-C raises at once."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    @contextlib.contextmanager
    def active(self) -> Iterator[_DeferredInterrupt]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except (ValueError, OSError):  # signals unavailable here (embedded interpreters)
            yield self
            return
        try:
            yield self
        finally:
            # None: the previous handler was not set from Python; the default is the closest we can put back.
            signal.signal(signal.SIGINT, signal.SIG_DFL if self._previous is None else self._previous)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:  # the second Ctrl-C: stop now
            raise KeyboardInterrupt
        self.requested = True


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython already imported and running a kernel app)."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    try:
        shell = get() if callable(get) else None
        return shell is not None and "IPKernelApp" in getattr(shell, "config", {})
    except Exception:
        return False


def _progress_bar(epochs: int, progress: bool | None) -> Any:
    """tqdm over the epochs: a notebook widget in Jupyter (tqdm.auto), text on a terminal, nothing otherwise."""
    notebook = _in_notebook()
    if progress is None:
        progress = notebook or (_isatty(sys.stdout) and _isatty(sys.stderr))
    kwargs = {"desc": "fit", "unit": "epoch", "disable": not progress, "leave": notebook}
    if progress and notebook:
        import importlib.util

        if importlib.util.find_spec("ipywidgets") is not None:  # the widget needs it; tqdm.auto warns without
            from tqdm.auto import tqdm as auto_tqdm

            return auto_tqdm(range(1, epochs + 1), **kwargs)
        kwargs["mininterval"] = 1.0  # text in a notebook: a line a second, not one output per epoch
    from tqdm.std import tqdm

    return tqdm(range(1, epochs + 1), file=sys.stderr, **kwargs)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _parameter_names(model: Any, optimizer: Optimizer) -> list[str]:
    """A readable name for each optimizer parameter: its dotted name in the model, else "parameter i"."""
    named = getattr(model, "named_parameters", None)
    by_id: dict[int, str] = {}
    if callable(named):
        with contextlib.suppress(Exception):
            by_id = {id(p): name for name, p in named()}
    return [repr(by_id[id(p)]) if id(p) in by_id else f"parameter {i}" for i, p in enumerate(optimizer.params)]


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
    batches, a `microgradnn.data.DataLoader` (it batches and shuffles itself;
    `shuffle` and `seed` are then unused), or a function returning the batches of one epoch.
    accuracy: "auto" (argmax for several outputs; for one output, a threshold
    of 0 after logits or hinge losses, else 0.5; skipped when the targets are
    not class labels), a function ``(outputs, targets) -> float``, or None.
    progress: a tqdm bar over epochs; None shows it in a Jupyter notebook (a widget,
    via tqdm.auto) or when stdout and stderr are terminals, and stays quiet otherwise.
    scheduler: stepped once after every epoch (a ReduceLROnPlateau with the epoch's
    validation loss, or its training loss without val_data). callback(epoch, history): called
    after every epoch; returning True stops training. The model is left in the mode (train or eval) it had.
    A NaN or infinite loss or gradient, or a step that makes a weight NaN or
    infinite, raises `TrainingError` (a FloatingPointError) naming the
    parameter, the epoch and the step (both counted from 1); the weights and
    the optimizer are left as they were before that step, and the error's
    `history` holds what completed. Any other error carries the History as
    `.history` too, and a note saying whether the weights include the last
    step's update (an error in `accuracy`, `val_data`, `scheduler` or
    `callback` comes after it). Ctrl-C finishes the step in progress, then
    returns the History with `interrupted=True` (a second Ctrl-C raises at once).
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit: optimizer must be a microgradnn.optim optimizer, got {type(optimizer).__name__}; "
            "e.g. optim.SGD(model.parameters(), lr=0.1)"
        )
    if not callable(model):
        raise TypeError(f"fit: model must be callable (a Module or a function), got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"fit: loss_fn must be a function such as F.mse_loss, got {type(loss_fn).__name__}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or not 1 <= epochs < sys.maxsize:
        raise ValueError(f"fit: epochs must be an int >= 1 (and below 2**63), got {epochs!r}; e.g. epochs=100")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1
    ):
        raise ValueError(
            f"fit: batch_size must be an int >= 1 or None (the whole data), got {batch_size!r}; e.g. batch_size=32"
        )
    if scheduler is not None and not isinstance(scheduler, LRScheduler):
        raise TypeError(
            f"fit: scheduler must be a microgradnn.optim scheduler, got {type(scheduler).__name__}; "
            "e.g. optim.StepLR(optimizer, step_size=10)"
        )
    if scheduler is not None and scheduler.optimizer is not optimizer:
        raise ValueError(
            "fit: the scheduler was made for another optimizer, so it would change that one's learning rate; "
            "make it from the optimizer fit trains with, e.g. optim.StepLR(optimizer, step_size=10)"
        )
    if callback is not None and not callable(callback):
        raise TypeError(f"fit: callback must be a function (epoch, history) -> bool, got {type(callback).__name__}")
    if val_data is not None and not (isinstance(val_data, (tuple, list)) and len(val_data) == 2):
        raise TypeError(f"fit: val_data must be a pair (X_val, y_val), got {type(val_data).__name__}")
    if val_data is not None:  # checked now, not after the first epoch's training
        X_val, y_val = (np.asarray(_as_array(v)) for v in val_data)
        if X_val.ndim == 0 or y_val.ndim == 0 or len(X_val) != len(y_val) or len(X_val) == 0:
            raise ValueError(
                f"fit: val_data=(X_val, y_val) needs the same number of rows, at least 1, in both; got shapes "
                f"{X_val.shape} and {y_val.shape}"
            )
        val_data = (X_val, y_val)  # as arrays once, not again every epoch
    rng = datasets._rng(seed, "fit")
    epoch_batches = _epoch_batches(data, int(epochs), batch_size, shuffle, rng)
    scalar = _is_scalar_model(optimizer)
    dtype = None if scalar else np.asarray(optimizer.params[0].data).dtype
    measure = _accuracy_function(accuracy, loss_fn)
    history = History()
    names = _parameter_names(model, optimizer)
    snapshot = _Snapshot(optimizer)
    interrupt = _DeferredInterrupt()

    # The model's buffers (BatchNorm's running statistics), changed by each forward pass: kept before it, and put
    # back with the weights when a step fails (a NaN batch would leave NaN statistics behind).
    buffers = _BufferSnapshot(model)

    def stop(message: str, epoch: int, step: int, parameter: str | None) -> TrainingError:
        buffers.restore()
        return TrainingError(
            f"fit: {message} at epoch {epoch}, step {step}; {_STOPPED} {_FIX}", history, epoch, step, parameter
        )

    set_mode = getattr(model, "train", None)
    was_training = getattr(model, "training", None)
    bar = _progress_bar(int(epochs), progress)
    epoch = step = 0
    updated = False  # has the current step's update been applied? (what the note on an error says)
    try:
        with interrupt.active():
            for epoch in bar:
                if callable(set_mode):
                    set_mode(True)
                total, count, outputs, targets = 0.0, 0, [], []
                cut = False  # Ctrl-C stopped this epoch before its last batch
                for step, batch in enumerate(epoch_batches(), start=1):
                    if interrupt.requested:  # checked before a step, so a Ctrl-C in the last step keeps the epoch
                        cut = True
                        break
                    updated = False
                    X, y = _batch_pair(batch, step)
                    buffers.take()
                    out = _forward(model, X, scalar, dtype)
                    loss = loss_fn(out, _targets(y, scalar, dtype))
                    value = _loss_number(loss)
                    if not math.isfinite(value):
                        raise stop(f"the loss became {value}", epoch, step, None)
                    optimizer.zero_grad()
                    loss.backward()
                    bad = _first_non_finite(names, [p.grad for p in optimizer.params])
                    if bad is not None:
                        raise stop(f"the gradient of {bad} became NaN or infinite", epoch, step, bad)
                    snapshot.take()
                    try:
                        optimizer.step()
                        updated = True
                    except BaseException:
                        snapshot.restore()
                        raise
                    bad = _first_non_finite(names, [p.data for p in optimizer.params])
                    if bad is not None:
                        snapshot.restore()
                        raise stop(f"the step made {bad} NaN or infinite (the update overflowed)", epoch, step, bad)
                    n = len(y)
                    total, count = total + value * n, count + n
                    history.step_loss.append(value)
                    if measure is not None:
                        outputs.append(_as_array(out))
                        targets.append(np.asarray(y))
                if cut:
                    history.interrupted = True
                    break
                if count == 0:
                    raise ValueError(f"fit: epoch {epoch} had no batches; is the data empty?")
                history.loss.append(total / count)
                history.lr.append(optimizer._groups[0]._lr)  # (with parameter groups: the first group's)
                if measure is not None:
                    _append(history.accuracy, measure(np.concatenate(outputs), np.concatenate(targets)))
                if val_data is not None:
                    _validate(model, loss_fn, val_data, scalar, dtype, measure, history)
                if isinstance(scheduler, ReduceLROnPlateau):  # it watches the validation loss, else the training loss
                    scheduler.step(history.val_loss[-1] if val_data is not None else history.loss[-1])
                elif scheduler is not None:
                    scheduler.step()
                bar.set_postfix(_postfix(history))
                if callback is not None and callback(epoch, history):
                    break
                if interrupt.requested:  # Ctrl-C after the epoch's last step: the epoch is whole, stop here
                    history.interrupted = True
                    break
    except TrainingError:
        raise
    except BaseException as e:  # anything else (a shape error at epoch 5, a second Ctrl-C): keep what completed
        # A failure after the step (accuracy, val_data, scheduler, callback) keeps the update: say so.
        weights = "include that step's update" if updated else "are as they were before that step"
        with contextlib.suppress(Exception):
            e.history = history  # type: ignore[attr-defined]
            e.add_note(
                f"fit: stopped at epoch {epoch}, {'after ' if updated else ''}step {step}; the History of what "
                f"completed is on this exception's .history, and the weights {weights}"
            )
        raise
    finally:
        bar.close()
        if callable(set_mode) and isinstance(was_training, bool):  # validation switched to eval: leave it as found
            set_mode(was_training)
    return history


_STOPPED = "training stopped and the weights are as they were before that step."


def _batch_pair(batch: Any, step: int) -> tuple[Any, Any]:
    """One batch as (X, y), or a clear error for anything else."""
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        y = batch[1]
        if np.ndim(y.data if isinstance(y, Node) else y) == 0:  # one sample, not a batch: len(y) fails after the step
            raise TypeError(
                f"fit: batch {step} has a single target ({y!r}), not one per row: it is one sample, not a batch "
                "(a DataLoader with batch_size=None yields samples one by one); give the DataLoader a batch_size"
            )
        return batch[0], y
    kind = type(batch).__name__
    shape = f" of shape {np.shape(batch)}" if isinstance(batch, (np.ndarray, Node)) else ""
    raise TypeError(
        f"fit: batch {step} of data is a {kind}{shape}, not an (X, y) pair; pass data=(X, y) for two arrays, "
        "or a list of (X, y) batches"
    )


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
    val_data: tuple[np.ndarray, np.ndarray],
    scalar: bool,
    dtype: Any,
    measure: Callable[[np.ndarray, np.ndarray], float | None] | None,
    history: History,
) -> None:
    """Loss and accuracy on held-out data (arrays, as fit checked them), in eval mode and without building a graph."""
    X, y = val_data
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
