"""Loss functions: one number that says how wrong the predictions are.

Each loss takes the model's output and the targets and works on both engines:

* Tensors: `input` is a Tensor, `target` a Tensor or an array;
* Values: `input` is a Value or a list of Values (a list of lists for
  `cross_entropy` and `nll_loss`: one row of class scores per sample),
  `target` a number or a list of numbers.

`reduction` says what to do with the per-sample losses: "mean" (the default),
"sum", or "none" (return them all: a Tensor, or a list of Values).
The functions are exported from `microgradnn.nn.functional`; the classes
(`MSELoss`, `CrossEntropyLoss`, ...) are PyTorch-style modules around them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradnn.engine import Node
from microgradnn.nn.module import Module
from microgradnn.scalar import Value
from microgradnn.tensor import Tensor
from microgradnn.tensor.fused import cross_entropy_logits

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HingeLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "l1_loss",
    "mse_loss",
    "nll_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


# ----------------------------------------------------------------- helpers
def _check_reduction(reduction: str, who: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{who}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _is_tensor(x: object) -> bool:
    return isinstance(x, Node) and not isinstance(x, Value)


def _reduce(per_sample: Any, reduction: str) -> Any:
    """Mean, sum or nothing, for a Tensor of losses or a list of Value losses."""
    if isinstance(per_sample, list):
        if reduction == "none":
            return per_sample
        total = Value.sum(per_sample)
        return total / len(per_sample) if reduction == "mean" else total
    if reduction == "none":
        return per_sample
    return per_sample.mean() if reduction == "mean" else per_sample.sum()


def _flat_values(x: Any) -> list[Any]:
    """A Value, a list of Values, or a list of lists of Values, as one flat list."""
    if isinstance(x, (Value, int, float)):
        return [x]
    if isinstance(x, np.ndarray):
        return list(x.ravel())
    flat: list[Any] = []
    for item in x:
        flat.extend(_flat_values(item) if isinstance(item, (list, tuple, np.ndarray)) else [item])
    return flat


def _scalar_pairs(input: Any, target: Any, who: str) -> list[tuple[Value, Any]]:
    """(prediction, target) pairs for the Value forms; the counts must match."""
    preds = _flat_values(input)
    targets = [t.data if isinstance(t, Node) and not isinstance(t, Value) else t for t in _flat_values(target)]
    if len(preds) != len(targets):
        raise ValueError(f"{who}: {len(preds)} predictions but {len(targets)} targets; give one target per prediction")
    if not preds:
        raise ValueError(f"{who}: no predictions (an empty list)")
    pairs = []
    for i, (p, t) in enumerate(zip(preds, targets)):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: prediction {i} is a {type(p).__name__}; the scalar form needs Values")
        pairs.append((p, t))
    return pairs


def _same_shape_target(input: Any, target: Any, who: str) -> Any:
    """The target as a Tensor of input's dtype and exactly input's shape (no silent broadcasting)."""
    if not _is_tensor(target):
        array = np.asarray(target)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{who}: target must hold numbers, got dtype {array.dtype}")
        target = Tensor(array.astype(input.data.dtype))
    if target.data.shape != input.data.shape:
        raise ValueError(
            f"{who}: input has shape {input.data.shape} but target has shape {target.data.shape}; they must match "
            f"(e.g. target.reshape({input.data.shape}))"
        )
    return target


def _class_targets(target: Any, n: int, n_classes: int, who: str) -> np.ndarray:
    """Integer class indices, shape (n,), each in [0, n_classes)."""
    array = np.asarray(target.data if isinstance(target, Node) else target)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"{who}: targets must be integer class indices, got dtype {array.dtype}; convert with y.astype(int)"
        )
    if array.shape != (n,):
        raise ValueError(f"{who}: expected targets of shape ({n},), one class index per row, got shape {array.shape}")
    t = array.astype(np.intp)  # a copy: backward must not see later changes to the caller's array
    # Read as unsigned, a negative index is huge: one max finds targets below 0 and above n_classes - 1 alike.
    if n and np.maximum.reduce(t.view(np.uintp)) >= n_classes:
        i = int(np.flatnonzero((t < 0) | (t >= n_classes))[0])
        raise ValueError(
            f"{who}: target {int(array[i])} (row {i}) is out of range for {n_classes} classes; use 0..{n_classes - 1}"
        )
    return t


def _score_rows(input: Any, who: str) -> list[list[Value]]:
    """Scalar class scores as rows: a list of Values is one sample, a list of lists is a batch."""
    rows = [input] if isinstance(input, (list, tuple)) and input and isinstance(input[0], Value) else list(input)
    if not rows or not all(isinstance(r, (list, tuple)) and r for r in rows):
        raise TypeError(f"{who}: the scalar form needs rows of Values (one list of class scores per sample)")
    width = len(rows[0])
    for i, r in enumerate(rows):
        if len(r) != width:
            raise ValueError(f"{who}: row {i} has {len(r)} scores but row 0 has {width}")
    return [list(r) for r in rows]


def _matrix_input(input: Any, who: str) -> None:
    if input.data.ndim != 2:
        raise ValueError(
            f"{who}: expected input of shape (N, C), one row of class scores per sample, got {input.data.shape}; "
            "for one sample use input.reshape(1, -1)"
        )


# -------------------------------------------------------------- regression
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean squared error: L = mean((input - target)^2);  dL/dinput = 2 (input - target) / n."""
    _check_reduction(reduction, "mse_loss")
    if _is_tensor(input):
        return _reduce((input - _same_shape_target(input, target, "mse_loss")) ** 2, reduction)
    return _reduce([(p - t) ** 2 for p, t in _scalar_pairs(input, target, "mse_loss")], reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean absolute error: L = mean(|input - target|);  dL/dinput = sign(input - target) / n (0 where equal)."""
    _check_reduction(reduction, "l1_loss")
    if _is_tensor(input):
        return _reduce((input - _same_shape_target(input, target, "l1_loss")).abs(), reduction)
    return _reduce([(p - t).abs() for p, t in _scalar_pairs(input, target, "l1_loss")], reduction)


# ------------------------------------------------------------------ binary
def _probability_targets(values: np.ndarray, who: str) -> None:
    if values.size and not (np.all(values >= 0.0) and np.all(values <= 1.0)):
        raise ValueError(f"{who}: targets must lie in [0, 1], got values from {values.min()!r} to {values.max()!r}")


def _eps(dtype: Any) -> float:
    # The smallest step below 1.0 that the dtype can tell apart, so 1 - eps is still < 1.
    return float(np.finfo(dtype).eps)


def binary_cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Any:
    """L = -mean(y log p + (1 - y) log(1 - p)) for probabilities p = input and targets y in [0, 1].

    dL/dp = (p - y) / (p (1 - p)) / n. p is first clamped to [eps, 1 - eps]
    (eps the dtype's machine epsilon): a sigmoid that saturates to exactly 0
    or 1 would otherwise give log(0) = -inf. Where the clamp bites, no
    gradient passes; prefer `binary_cross_entropy_with_logits`, which never needs a clamp.
    """
    who = "binary_cross_entropy"
    _check_reduction(reduction, who)
    if _is_tensor(input):
        p_data = input.data
        if p_data.size and not (np.all(p_data >= 0.0) and np.all(p_data <= 1.0)):
            raise ValueError(
                f"{who}: input must be probabilities in [0, 1], got values from {p_data.min()!r} to {p_data.max()!r}; "
                "apply sigmoid first, or use binary_cross_entropy_with_logits on raw scores"
            )
        y = _same_shape_target(input, target, who)
        _probability_targets(y.data, who)
        eps = _eps(p_data.dtype)
        p = input.clip(eps, 1.0 - eps)
        return _reduce(-(y * p.log() + (1.0 - y) * (1.0 - p).log()), reduction)
    pairs = _scalar_pairs(input, target, who)
    eps = _eps(np.float64)
    losses = []
    for p, y in pairs:
        y = float(y)
        _probability_targets(np.array([y]), who)
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(f"{who}: input must be a probability in [0, 1], got {p.data!r}; apply sigmoid first")
        if not eps <= p.data <= 1.0 - eps:
            p = Value(min(max(p.data, eps), 1.0 - eps))  # clamped: a constant, so no gradient, like clip's
        losses.append(-(y * p.log() + (1.0 - y) * (1.0 - p).log()))
    return _reduce(losses, reduction)


def binary_cross_entropy_with_logits(input: Any, target: Any, reduction: str = "mean") -> Any:
    """binary_cross_entropy(sigmoid(x), y), computed stably from the raw score x = input.

    L = max(x, 0) - x y + log(1 + e^-|x|);  dL/dx = sigmoid(x) - y.
    e^-|x| <= 1, so nothing overflows, however large |x| is.
    """
    who = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, who)
    if _is_tensor(input):
        y = _same_shape_target(input, target, who)
        _probability_targets(y.data, who)
        dtype = input.data.dtype
        # max(x, 0) and |x| with one kink convention (x = 0 counts as positive), so their
        # slopes at 0 add up to sigmoid(0) - y = 0.5 - y, the true derivative.
        positive = input.data >= 0
        relu_x = input * Tensor(positive.astype(dtype))
        abs_x = input * Tensor(np.where(positive, 1.0, -1.0).astype(dtype))
        return _reduce(relu_x - input * y + (1.0 + (-abs_x).exp()).log(), reduction)
    losses = []
    for x, y in _scalar_pairs(input, target, who):
        y = float(y)
        _probability_targets(np.array([y]), who)
        # A scalar can pick the stable branch: log(1 + e^x) = x + log(1 + e^-x) for x >= 0.
        softplus = x + (1.0 + (-x).exp()).log() if x.data >= 0.0 else (1.0 + x.exp()).log()
        losses.append(softplus - x * y)
    return _reduce(losses, reduction)


def hinge_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Max-margin loss of micrograd's demo: L = mean(max(0, 1 - y * score)), y in {-1, +1}.

    dL/dscore = -y / n where y * score < 1, else 0: only points inside the
    margin push the boundary.
    """
    who = "hinge_loss"
    _check_reduction(reduction, who)

    def check(values: np.ndarray) -> None:
        if values.size and not np.all((values == 1) | (values == -1)):
            raise ValueError(f"{who}: targets must be -1 or +1, got {np.unique(values)[:5]}; map 0/1 labels by 2*y - 1")

    if _is_tensor(input):
        y = _same_shape_target(input, target, who)
        check(y.data)
        return _reduce((1.0 - y * input).relu(), reduction)
    pairs = _scalar_pairs(input, target, who)
    check(np.array([float(t) for _, t in pairs]))
    return _reduce([(1.0 - float(t) * s).relu() for s, t in pairs], reduction)


# -------------------------------------------------------------- multi-class
def nll_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Negative log-likelihood: L = -mean(input[i, target[i]]) for log-probabilities `input` of shape (N, C).

    dL/dinput[i, c] = -1/N where c = target[i], else 0.
    """
    who = "nll_loss"
    _check_reduction(reduction, who)
    if _is_tensor(input):
        _matrix_input(input, who)
        n, c = input.data.shape
        t = _class_targets(target, n, c, who)
        return _reduce(-input[np.arange(n), t], reduction)
    rows = _score_rows(input, who)
    t = _class_targets(_scalar_class_targets(target), len(rows), len(rows[0]), who)
    return _reduce([-row[k] for row, k in zip(rows, t)], reduction)


def cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Softmax cross-entropy from raw scores (logits) of shape (N, C) and integer classes.

    L_i = -log softmax(x_i)[y_i] = logsumexp(x_i) - x_i[y_i];  dL_i/dx_i = softmax(x_i) - onehot(y_i).
    logsumexp subtracts the row's max first, so large logits never overflow.
    """
    who = "cross_entropy"
    _check_reduction(reduction, who)
    if _is_tensor(input):
        _matrix_input(input, who)
        n, c = input.data.shape
        return _cross_entropy(input, _class_targets(target, n, c, who), reduction)
    rows = _score_rows(input, who)
    t = _class_targets(_scalar_class_targets(target), len(rows), len(rows[0]), who)
    losses = []
    for row, k in zip(rows, t):
        m = max(z.data for z in row)  # a constant shift: it changes no gradient, and keeps exp from overflowing
        logsumexp = Value.sum([(z - m).exp() for z in row]).log() + m
        losses.append(logsumexp - row[k])
    return _reduce(losses, reduction)


def _cross_entropy(logits: Tensor, t: np.ndarray, reduction: str) -> Tensor:
    """log_softmax, the pick of each row's target and the reduction as one fused node (tensor.fused.CrossEntropy)."""
    if reduction == "mean" and not len(t):
        raise ValueError("cross_entropy: an empty batch (0 rows) has no mean loss; skip it or use reduction='sum'")
    return cross_entropy_logits(logits, t, reduction)


def _scalar_class_targets(target: Any) -> Any:
    """One int target for one sample becomes a list of one."""
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        return [target]
    if isinstance(target, Sequence) and not isinstance(target, str):
        return np.asarray(target)
    return target


# ------------------------------------------------------------ module forms
class _Loss(Module):
    """A loss as a module (PyTorch style): ``criterion = nn.MSELoss(); loss = criterion(output, target)``."""

    _function: Any = None

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def forward(self, input: Any, target: Any) -> Any:
        return type(self)._function(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Module form of `mse_loss`."""

    _function = staticmethod(mse_loss)


class L1Loss(_Loss):
    """Module form of `l1_loss`."""

    _function = staticmethod(l1_loss)


class BCELoss(_Loss):
    """Module form of `binary_cross_entropy`."""

    _function = staticmethod(binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Module form of `binary_cross_entropy_with_logits`."""

    _function = staticmethod(binary_cross_entropy_with_logits)


class CrossEntropyLoss(_Loss):
    """Module form of `cross_entropy`."""

    _function = staticmethod(cross_entropy)


class NLLLoss(_Loss):
    """Module form of `nll_loss`."""

    _function = staticmethod(nll_loss)


class HingeLoss(_Loss):
    """Module form of `hinge_loss`."""

    _function = staticmethod(hinge_loss)
