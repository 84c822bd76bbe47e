"""Losses as Tensor methods (tinygrad's and PyTorch's spellings): ``logits.cross_entropy(targets)``, ``p.mse(y)``.

Each is a composition of tensor ops (log_softmax, a gather, where,
means), except the most common case of cross-entropy (2-d logits and class
indices, nothing else asked for), which is the fused `CrossEntropy` node of
tensor.fused, whose gradient is softmax - onehot. Semantics follow PyTorch's
functional losses (class axis 1, `reduction`, `weight`, `ignore_index`,
`label_smoothing`); `sparse_categorical_crossentropy` follows tinygrad (class
axis last). The nn layer classes (`nn.CrossEntropyLoss`, ...) live in nn.losses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microgradnn.tensor import composed as C
from microgradnn.tensor.tensor import Tensor, leaf, operand

__all__ = [
    "binary_crossentropy",
    "binary_crossentropy_logits",
    "cross_entropy",
    "huber_loss",
    "l1_loss",
    "mse",
    "nll_loss",
    "smooth_l1_loss",
    "sparse_categorical_crossentropy",
]

_REDUCTIONS = ("mean", "sum", "none")


def _reduction(op: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _float_input(op: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: the input must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: the input must be a float tensor (scores or probabilities), got dtype {x.dtype}")
    return x


def _same_shape(op: str, x: Tensor, y: Any) -> Tensor:
    t = y if isinstance(y, Tensor) else operand(y, x, op)
    if t.dtype.kind != "f":
        t = leaf(t.data.astype(x.dtype))
    if t.shape != x.shape:
        raise ValueError(
            f"{op}: the target has shape {t.shape} but the input has shape {x.shape}; they must be the same"
        )
    return t


# ------------------------------------------------------------ regression
def mse(x: Tensor, y: Any, reduction: str = "mean") -> Tensor:
    """The mean squared error (x - y)^2 (PyTorch's mse_loss)."""
    _reduction("mse", reduction)
    d = _float_input("mse", x) - _same_shape("mse", x, y)
    return _reduce(d * d, reduction)


def l1_loss(x: Tensor, y: Any, reduction: str = "mean") -> Tensor:
    """The mean absolute error |x - y|; its gradient at x = y is 0 (abs'(0) = 0)."""
    _reduction("l1_loss", reduction)
    return _reduce((_float_input("l1_loss", x) - _same_shape("l1_loss", x, y)).abs(), reduction)


def smooth_l1_loss(x: Tensor, y: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - y), as torch's smooth_l1_loss."""
    _reduction("smooth_l1_loss", reduction)
    beta = C.number("smooth_l1_loss", "beta", beta)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = _float_input("smooth_l1_loss", x) - _same_shape("smooth_l1_loss", x, y)
    if beta == 0:
        return _reduce(d.abs(), reduction)
    inside = ~(np.abs(d.data) >= beta)  # a nan d is inside, its slope d / beta nan, as in PyTorch
    d_in = C.where(inside, d, 0.0)  # squared masked: at d = +-inf the untaken branch would backpropagate 0 * inf
    return _reduce(C.where(inside, d_in * d_in * (0.5 / beta), d.abs() - 0.5 * beta), reduction)


def huber_loss(x: Tensor, y: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), as torch's huber_loss (= delta * smooth_l1)."""
    _reduction("huber_loss", reduction)
    delta = C.number("huber_loss", "delta", delta)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    d = _float_input("huber_loss", x) - _same_shape("huber_loss", x, y)
    inside = ~(np.abs(d.data) >= delta)  # a nan d is inside, as in smooth_l1_loss
    d_in = C.where(inside, d, 0.0)  # as in smooth_l1_loss: no 0 * inf from the untaken branch
    return _reduce(C.where(inside, d_in * d_in * 0.5, (d.abs() - 0.5 * delta) * delta), reduction)


# ---------------------------------------------------------------- binary
def binary_crossentropy(p: Tensor, y: Any, reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p; each log is clamped at -100, as in PyTorch."""
    _reduction("binary_crossentropy", reduction)
    p = _float_input("binary_crossentropy", p)
    t = _same_shape("binary_crossentropy", p, y)
    if p.size and (np.nanmin(p.data) < 0 or np.nanmax(p.data) > 1):
        raise ValueError(
            "binary_crossentropy: the input must hold probabilities in [0, 1]; for raw scores use "
            "binary_crossentropy_logits"
        )
    from microgradnn.tensor.fused import BinaryCrossEntropy  # fused imports primitives, which import us

    return _reduce(BinaryCrossEntropy.apply(p, t), reduction)  # a fused node: finite slopes at p = 0 and 1


def _softplus(x: Tensor) -> Tensor:
    """log(1 + e^x) as logsumexp(0, x): stable at both ends, smooth at 0."""
    return C.stack([x * 0, x], axis=0).logsumexp(axis=0)


def binary_crossentropy_logits(x: Tensor, y: Any, reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """Binary cross-entropy of sigmoid(x), computed from the logits x without overflow:
    (1 - y) x + (1 + (w - 1) y) softplus(-x), w = pos_weight (1 by default), as torch's with_logits."""
    _reduction("binary_crossentropy_logits", reduction)
    x = _float_input("binary_crossentropy_logits", x)
    t = _same_shape("binary_crossentropy_logits", x, y)
    if pos_weight is None:
        loss = (1 - t) * x + _softplus(-x)
    else:
        w = pos_weight if isinstance(pos_weight, Tensor) else operand(pos_weight, x, "binary_crossentropy_logits")
        loss = (1 - t) * x + (1 + (w - 1) * t) * _softplus(-x)
    return _reduce(loss, reduction)


# ------------------------------------------------------------ categorical
def _class_targets(op: str, target: Any, n_classes: int, expected: tuple[int, ...], ignore_index: int) -> np.ndarray:
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: class targets must be integers, got dtype {t.dtype}")
    if t.shape != expected:
        raise ValueError(f"{op}: class targets must have shape {expected} for this input, got {t.shape}")
    valid = t != ignore_index
    bad = t[valid & ((t < 0) | (t >= n_classes))]
    if bad.size:
        raise IndexError(
            f"{op}: class target {int(bad[0])} is out of range for {n_classes} classes (0..{n_classes - 1})"
        )
    return t.astype(np.int64)


def _weights(op: str, weight: Any, n_classes: int, dtype: np.dtype) -> np.ndarray | None:
    if weight is None:
        return None
    w = weight.data if isinstance(weight, Tensor) else np.asarray(weight, dtype=dtype)
    if w.shape != (n_classes,):
        raise ValueError(f"{op}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    return w.astype(dtype)


def _class_loss(
    op: str,
    log_probs: Tensor,
    target: Any,
    weight: Any,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
) -> Tensor:
    """The shared body of nll_loss and cross_entropy, on log-probabilities with the class axis at 1."""
    n_classes = log_probs.shape[1]
    dtype = log_probs.dtype
    w = _weights(op, weight, n_classes, dtype)
    w_view = None if w is None else w.reshape((1, n_classes) + (1,) * (log_probs.ndim - 2))
    t_arr = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t_arr.dtype.kind == "f":  # class probabilities, of the input's shape
        probs = _same_shape(op, log_probs, target)
        if label_smoothing:
            probs = probs * (1 - label_smoothing) + label_smoothing / n_classes
        per_class = log_probs * probs if w_view is None else log_probs * probs * w_view
        loss = -per_class.sum(axis=1)
        return _reduce(loss, reduction)
    expected = (log_probs.shape[0], *log_probs.shape[2:])
    t = _class_targets(op, target, n_classes, expected, ignore_index)
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    picked_w = (np.ones(t.shape, dtype) if w is None else w[safe]) * valid
    # Picked by gather, not a one-hot product: a -inf log-probability at another class would give -inf * 0 = nan.
    picked = log_probs.gather(1, np.expand_dims(safe, 1)).reshape(t.shape)
    nll = C.where(valid, -picked * picked_w, 0.0)  # where, not * valid: an ignored target counts 0 even at -inf
    if label_smoothing:
        spread = log_probs if w_view is None else log_probs * w_view
        smooth = C.where(valid, -spread.sum(axis=1), 0.0)
        total = nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)
    else:
        total = nll
    if reduction == "none":
        return total
    if reduction == "sum":
        return total.sum()
    return _mean_over(total, float(picked_w.sum()), valid)  # PyTorch: the weighted mean over the targets not ignored


def _mean_over(total: Tensor, count: float, valid: np.ndarray) -> Tensor:
    """total.sum() / count, the mean over the targets not ignored; with none (count 0), PyTorch's 0/0 = nan, whose
    gradient is 0 at the ignored targets (nan at a counted one of weight 0, as PyTorch's)."""
    if count == 0:
        return (total * np.where(valid, np.inf, 0.0).astype(total.dtype)).sum() + np.nan
    return total.sum() / count


def _class_input(op: str, x: Any) -> tuple[Tensor, bool]:
    x = _float_input(op, x)
    if x.ndim == 0:
        raise ValueError(f"{op}: the input needs a class axis, got a 0-d tensor")
    if x.ndim == 1:  # one sample without a batch axis, as in PyTorch
        return x.reshape(1, -1), True
    return x, False


def _check_smoothing(op: str, label_smoothing: float) -> float:
    s = C.number(op, "label_smoothing", label_smoothing)
    if not 0 <= s <= 1:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    return s


def cross_entropy(
    x: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits x (N, C) or (N, C, d1, ...) or (C,) against class indices or class probabilities,
    as torch.nn.functional.cross_entropy (class axis 1; weight, ignore_index, reduction, label_smoothing)."""
    op = "cross_entropy"
    _reduction(op, reduction)
    s = _check_smoothing(op, label_smoothing)
    logits, single = _class_input(op, x)
    t_arr = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t_arr.dtype.kind == "f" and ignore_index != -100:  # as PyTorch: there is no class index to ignore
        raise ValueError(
            f"{op}: ignore_index={ignore_index} needs class-index targets, but the targets are class probabilities "
            f"({t_arr.dtype}); drop ignore_index, or pass class indices as targets"
        )
    if single:
        t_arr = t_arr.reshape((1, *t_arr.shape)) if t_arr.dtype.kind == "f" else t_arr.reshape(1)
    if (
        logits.ndim == 2
        and t_arr.dtype.kind in "iu"
        and weight is None
        and s == 0
        and not (t_arr == ignore_index).any()
    ):
        from microgradnn.tensor.fused import cross_entropy_logits  # fused imports primitives, which import us

        t = _class_targets(op, t_arr, logits.shape[1], (logits.shape[0],), ignore_index)
        out = cross_entropy_logits(logits, t, reduction)  # the fused node: gradient softmax - onehot
    else:
        out = _class_loss(op, logits.log_softmax(axis=1), t_arr, weight, ignore_index, reduction, s)
    return out.reshape(()) if single and reduction == "none" else out


def nll_loss(x: Tensor, target: Any, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of log-probabilities x (N, C, ...) at class indices, as torch's nll_loss."""
    op = "nll_loss"
    _reduction(op, reduction)
    logp, single = _class_input(op, x)
    t_arr = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t_arr.dtype.kind not in "iu":
        raise TypeError(f"{op}: class targets must be integers, got dtype {t_arr.dtype}")
    out = _class_loss(op, logp, t_arr.reshape(1) if single else t_arr, weight, ignore_index, reduction, 0.0)
    return out.reshape(()) if single and reduction == "none" else out


def sparse_categorical_crossentropy(
    x: Tensor, target: Any, ignore_index: int = -1, label_smoothing: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """tinygrad's cross-entropy: logits with the classes on the LAST axis, integer targets of the other axes;
    targets equal to ignore_index count for nothing (the mean is over the others)."""
    op = "sparse_categorical_crossentropy"
    _reduction(op, reduction)
    s = _check_smoothing(op, label_smoothing)
    x = _float_input(op, x)
    if x.ndim == 0:
        raise ValueError(f"{op}: the input needs a class axis (the last), got a 0-d tensor")
    n_classes = x.shape[-1]
    t = _class_targets(op, target, n_classes, x.shape[:-1], ignore_index)
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    log_probs = x.log_softmax(axis=-1)
    # Picked by gather, as in _class_loss: a one-hot product would give -inf * 0 = nan at a -inf class.
    picked = C.where(valid, log_probs.gather(-1, safe[..., None]).reshape(t.shape), 0.0)
    total = picked * (1 - s) + C.where(valid, log_probs.mean(axis=-1), 0.0) * s if s else picked
    if reduction == "none":
        return -total
    if reduction == "sum":
        return -total.sum()
    return -_mean_over(total, float(valid.sum()), valid)
