"""Loss functions: one number that says how wrong the predictions are.

Each loss takes the model's output and the targets and works on both engines:

* Tensors: `input` is a Tensor, `target` a Tensor or an array;
* Values: `input` is a Value or a list of Values (a list of lists for
  `cross_entropy` and `nll_loss`: one row of class scores per sample),
  `target` a number or a list of numbers.

`reduction` says what to do with the per-sample losses: "mean" (the default),
"sum", or "none" (return them all: a Tensor, or a list of Values). PyTorch's
other options (`weight`, `pos_weight`, `ignore_index`, `label_smoothing`) work
on Tensors, through the Tensor methods of microgradnn.tensor.losses; the Value
forms refuse them.
The functions are exported from `microgradnn.nn.functional`; the classes
(`MSELoss`, `CrossEntropyLoss`, ...) are PyTorch-style modules around them.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradnn.engine import Node
from microgradnn.nn.module import Module
from microgradnn.scalar import Value
from microgradnn.scalar.functions import BinaryCrossEntropy as ValueBinaryCrossEntropy
from microgradnn.tensor import Tensor
from microgradnn.tensor import losses as TL
from microgradnn.tensor.fused import BinaryCrossEntropy as TensorBinaryCrossEntropy
from microgradnn.tensor.fused import cross_entropy_logits

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HingeLoss",
    "HuberLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "huber_loss",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
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


def _tensor_only(who: str, **given: bool) -> None:
    """The Value forms take only `reduction`; the other options need Tensors."""
    names = [name for name, used in given.items() if used]
    if names:
        raise TypeError(
            f"{who}: {' and '.join(names)} works only on Tensors; the scalar (Value) form takes only reduction. "
            "Pass the scores as a Tensor, e.g. Tensor([[v.data for v in row] for row in rows])"
        )


def _weight_array(weight: Any, name: str, who: str) -> Any:
    """An option such as weight or pos_weight: a Tensor as given, anything else as a float array."""
    if weight is None or _is_tensor(weight):
        return weight
    try:
        array = None if isinstance(weight, (str, Value)) else np.asarray(weight, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None:
        raise TypeError(
            f"{who}: {name} must be numbers (an array or a Tensor), got {weight!r}; "
            "to choose the reduction, pass it by name: reduction='sum'"
        )
    return array


def _elementwise_weight(weight: Any, input: Tensor, name: str, who: str) -> Tensor:
    """weight or pos_weight as a Tensor of input's dtype that broadcasts to input's shape."""
    w = _weight_array(weight, name, who)
    w = w if _is_tensor(w) else Tensor(w.astype(input.data.dtype))
    shape = input.data.shape
    try:
        fits = np.broadcast_shapes(w.data.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{who}: {name} has shape {w.data.shape}, which does not broadcast to the input's shape {shape}; "
            f"give one number per element, or per class (shape {shape[-1:]})"
        )
    return w


def _flat_values(x: Any, who: str, what: str) -> list[Any]:
    """A Value, a list of Values, or a list of lists of Values, as one flat list."""
    if isinstance(x, (Value, int, float)):
        return [x]
    if not isinstance(x, (list, tuple, np.ndarray, Node)):
        expected = "a Tensor, a Value or a list of Values" if what == "input" else "numbers, an array or a Tensor"
        raise TypeError(
            f"{who}: {what} must be {expected}, got {type(x).__name__} ({x!r}); pass the model's output and the targets"
        )
    if isinstance(x, np.ndarray):
        return list(x.ravel())
    flat: list[Any] = []
    for item in x:
        flat.extend(_flat_values(item, who, what) if isinstance(item, (list, tuple, np.ndarray)) else [item])
    return flat


def _scalar_pairs(input: Any, target: Any, who: str) -> list[tuple[Value, Any]]:
    """(prediction, target) pairs for the Value forms; the counts must match."""
    preds = _flat_values(input, who, "input")
    targets = [t.data if _is_tensor(t) else t for t in _flat_values(target, who, "target")]
    if len(preds) != len(targets):
        raise ValueError(f"{who}: {len(preds)} predictions but {len(targets)} targets; give one target per prediction")
    if not preds:
        raise ValueError(f"{who}: no predictions (an empty list)")
    pairs = []
    for i, (p, t) in enumerate(zip(preds, targets)):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: prediction {i} is a {type(p).__name__}; the scalar form needs Values")
        if not isinstance(t, (Value, numbers.Real, np.ndarray)):
            raise TypeError(f"{who}: target {i} is {t!r} ({type(t).__name__}); give numbers, e.g. [1.0, 0.0]")
        pairs.append((p, t))
    return pairs


def _same_shape_target(input: Any, target: Any, who: str) -> Any:
    """The target as a Tensor of input's dtype and exactly input's shape (no silent broadcasting)."""
    if not _is_tensor(target):
        array = np.asarray(target)
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"{who}: target must hold numbers, got {type(target).__name__} of dtype {array.dtype}; "
                f"pass an array or a Tensor of shape {input.data.shape}, like the input"
            )
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
    hint = "one list of class scores per sample; for plain numbers use a Tensor: Tensor(scores)"
    if not isinstance(input, (list, tuple)):
        raise TypeError(f"{who}: input must be a Tensor or rows of Values, got {type(input).__name__}; {hint}")
    rows = [input] if input and isinstance(input[0], Value) else list(input)
    if not rows or not all(isinstance(r, (list, tuple)) and r for r in rows):
        raise TypeError(f"{who}: the scalar form needs rows of Values ({hint})")
    width = len(rows[0])
    for i, r in enumerate(rows):
        if len(r) != width:
            raise ValueError(f"{who}: row {i} has {len(r)} scores but row 0 has {width}")
        for z in r:
            if not isinstance(z, Value):
                raise TypeError(f"{who}: row {i} holds {z!r} ({type(z).__name__}), not a Value; {hint}")
    return [list(r) for r in rows]


def _plain_class_targets(input: Tensor, target: Any, ignore_index: int, who: str) -> np.ndarray | None:
    """The checked class indices when the input is 2-d and no target is ignored; None for the general case."""
    array = np.asarray(target.data if isinstance(target, Node) else target)
    shape = input.data.shape
    if len(shape) != 2 or (array.dtype.kind == "f" and array.shape == shape):  # (N, C, d...), or probabilities
        return None
    ignoring = array.dtype.kind in "iu"
    if ignoring and 0 <= ignore_index < shape[1] and (array == ignore_index).any():  # an ignored class index
        return None
    try:
        return _class_targets(array, shape[0], shape[1], who)
    except ValueError:  # out of range: an ignored target outside the classes (-100 by default) is one too
        if ignoring and (array == ignore_index).any():
            return None
        raise


def _general_class_input(input: Tensor, target: Any, who: str) -> None:
    """What the Tensor methods do not check: a class axis, and a 0-d target (or probabilities) for a 1-d input."""
    t_shape = np.shape(target.data if isinstance(target, Node) else target)
    if input.data.ndim == 0 or (input.data.ndim == 1 and t_shape not in ((), input.data.shape)):
        raise ValueError(
            f"{who}: expected input of shape (N, C) or (N, C, d1, ...), one row of class scores per sample, or (C,) "
            f"with a 0-d target, got input {input.data.shape} and target {t_shape}; "
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


def _threshold(value: Any, name: str, who: str, zero_ok: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (value >= 0 if zero_ok else value > 0):
        raise ValueError(f"{who}: {name} must be a number {'>=' if zero_ok else '>'} 0, got {value!r}; e.g. {name}=1.0")
    return float(value)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Any:
    """L = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, for d = input - target (beta >= 0).

    Quadratic near 0 (dL/dinput = d / beta), linear beyond beta (dL/dinput = sign(d)): large errors pull no
    harder than beta, so outliers do not dominate. beta = 0 is the L1 loss.
    """
    who = "smooth_l1_loss"
    _check_reduction(reduction, who)
    beta = _threshold(beta, "beta", who, zero_ok=True)
    if _is_tensor(input):
        return TL.smooth_l1_loss(input, _same_shape_target(input, target, who), reduction, beta)
    return _reduce(_smooth_l1_values(input, target, beta, who), reduction)


def _smooth_l1_values(input: Any, target: Any, beta: float, who: str) -> list[Value]:
    """The per-sample smooth L1 losses of the Value form (huber_loss is delta times them, with beta = delta)."""
    losses = []
    for p, t in _scalar_pairs(input, target, who):
        d = p - t
        losses.append(0.5 * d * d / beta if abs(d.data) < beta else d.abs() - 0.5 * beta)
    return losses


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Any:
    """L = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), for d = input - target (delta > 0).

    dL/dinput = d inside, delta sign(d) outside; huber_loss = delta * smooth_l1_loss with beta = delta.
    """
    who = "huber_loss"
    _check_reduction(reduction, who)
    delta = _threshold(delta, "delta", who, zero_ok=False)
    if _is_tensor(input):
        return TL.huber_loss(input, _same_shape_target(input, target, who), reduction, delta)
    return _reduce([delta * loss for loss in _smooth_l1_values(input, target, delta, who)], reduction)


# ------------------------------------------------------------------ binary
def _probability_targets(values: np.ndarray, who: str) -> None:
    if values.size and not (np.all(values >= 0.0) and np.all(values <= 1.0)):
        raise ValueError(f"{who}: targets must lie in [0, 1], got values from {values.min()!r} to {values.max()!r}")


def binary_cross_entropy(input: Any, target: Any, weight: Any = None, *, reduction: str = "mean") -> Any:
    """L = -mean(w (y log p + (1 - y) log(1 - p))) for probabilities p = input and targets y in [0, 1].

    dL/dp = w (p - y) / max(p (1 - p), 1e-12) / n, one node per Tensor (per Value on the scalar engine).

    PyTorch's clamps: each log is clamped at -100, so a sigmoid saturated to exactly 0 or 1 gives a loss of
    at most 100 and not log(0) = -inf; the floor under p (1 - p) keeps its slope finite (0 where the
    prediction is right, -1e12 or 1e12 where it is wrong). Prefer `binary_cross_entropy_with_logits`,
    which never saturates. `weight` (Tensors only; 1 by default) rescales each element's loss and must
    broadcast to the input's shape.
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
        loss = TensorBinaryCrossEntropy.apply(input, y)
        return _reduce(loss if weight is None else loss * _elementwise_weight(weight, input, "weight", who), reduction)
    _tensor_only(who, weight=weight is not None)
    pairs = _scalar_pairs(input, target, who)
    losses = []
    for p, y in pairs:
        y = float(y)
        _probability_targets(np.array([y]), who)
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(f"{who}: input must be a probability in [0, 1], got {p.data!r}; apply sigmoid first")
        losses.append(ValueBinaryCrossEntropy.apply(p, target=y))
    return _reduce(losses, reduction)


def binary_cross_entropy_with_logits(
    input: Any, target: Any, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None
) -> Any:
    """binary_cross_entropy(sigmoid(x), y), computed stably from the raw score x = input.

    L = max(x, 0) - x y + log(1 + e^-|x|);  dL/dx = sigmoid(x) - y.
    e^-|x| <= 1, so nothing overflows, however large |x| is.
    Tensors only: `weight` rescales each element's loss; `pos_weight` (one per class, say) multiplies the
    positive term, L = -(pos_weight y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), to trade recall for
    precision. Both must broadcast to the input's shape.
    """
    who = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, who)
    if _is_tensor(input):
        y = _same_shape_target(input, target, who)
        _probability_targets(y.data, who)
        if pos_weight is not None:
            pos_weight = _elementwise_weight(pos_weight, input, "pos_weight", who)
            loss = TL.binary_crossentropy_logits(input, y, "none", pos_weight)
        else:
            dtype = input.data.dtype
            # max(x, 0) and |x| with one kink convention (x = 0 counts as positive), so their
            # slopes at 0 add up to sigmoid(0) - y = 0.5 - y, the true derivative.
            positive = input.data >= 0
            relu_x = input * Tensor(positive.astype(dtype))
            abs_x = input * Tensor(np.where(positive, 1.0, -1.0).astype(dtype))
            loss = relu_x - input * y + (1.0 + (-abs_x).exp()).log()
        return _reduce(loss if weight is None else loss * _elementwise_weight(weight, input, "weight", who), reduction)
    _tensor_only(who, weight=weight is not None, pos_weight=pos_weight is not None)
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
def nll_loss(input: Any, target: Any, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean") -> Any:
    """Negative log-likelihood: L = -mean(input[i, target[i]]) for log-probabilities `input` of shape (N, C).

    dL/dinput[i, c] = -1/N where c = target[i], else 0.
    Tensors also take (N, C, d1, ...) or (C,) input, `weight` (one per class: the mean becomes
    sum(w[y_i] L_i) / sum(w[y_i])) and `ignore_index` (targets equal to it count for nothing), as PyTorch.
    """
    who = "nll_loss"
    _check_reduction(reduction, who)
    if _is_tensor(input):
        t = None if weight is not None else _plain_class_targets(input, target, ignore_index, who)
        if t is not None:
            return _reduce(-input[np.arange(len(t)), t], reduction)
        _general_class_input(input, target, who)
        return TL.nll_loss(input, target, _weight_array(weight, "weight", who), ignore_index, reduction)
    _tensor_only(who, weight=weight is not None, ignore_index=ignore_index != -100)
    rows = _score_rows(input, who)
    t = _class_targets(_scalar_class_targets(target), len(rows), len(rows[0]), who)
    return _reduce([-row[k] for row, k in zip(rows, t)], reduction)


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Any:
    """Softmax cross-entropy from raw scores (logits) of shape (N, C) and integer classes.

    L_i = -log softmax(x_i)[y_i] = logsumexp(x_i) - x_i[y_i];  dL_i/dx_i = softmax(x_i) - onehot(y_i).
    logsumexp subtracts the row's max first, so large logits never overflow.

    Tensors take PyTorch's options: input (N, C), (N, C, d1, ...) (class axis 1) or (C,) with a 0-d target;
    target class indices, or class probabilities of the input's shape; `weight` (one per class: the mean
    becomes sum(w[y_i] L_i) / sum(w[y_i])); `ignore_index` (targets equal to it count for nothing);
    `label_smoothing` in [0, 1] (mix the targets with the uniform distribution). The plain case (2-d logits,
    class indices, no options) is one fused node. The Value form takes rows of Values and only `reduction`.

    Raises ValueError for an empty batch with reduction="mean": it has no mean (PyTorch returns nan); skip
    the batch or use reduction="sum".
    """
    who = "cross_entropy"
    _check_reduction(reduction, who)
    if _is_tensor(input):
        if reduction == "mean" and not input.data.size:
            raise ValueError(
                f"{who}: an empty batch (input of shape {input.data.shape}) has no mean loss; "
                "skip it or use reduction='sum'"
            )
        plain = weight is None and not label_smoothing
        t = _plain_class_targets(input, target, ignore_index, who) if plain else None
        if t is not None:
            return cross_entropy_logits(input, t, reduction)  # one fused node (tensor.fused.CrossEntropy)
        _general_class_input(input, target, who)
        weight = _weight_array(weight, "weight", who)
        return TL.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    _tensor_only(
        who, weight=weight is not None, ignore_index=ignore_index != -100, label_smoothing=bool(label_smoothing)
    )
    rows = _score_rows(input, who)
    t = _class_targets(_scalar_class_targets(target), len(rows), len(rows[0]), who)
    losses = []
    for row, k in zip(rows, t):
        m = max(z.data for z in row)  # a constant shift: it changes no gradient, and keeps exp from overflowing
        logsumexp = Value.sum([(z - m).exp() for z in row]).log() + m
        losses.append(logsumexp - row[k])
    return _reduce(losses, reduction)


def _scalar_class_targets(target: Any) -> Any:
    """One int target for one sample becomes a list of one."""
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        return [target]
    if isinstance(target, Sequence) and not isinstance(target, str):
        return np.asarray(target)
    return target


# ------------------------------------------------------------ module forms
class _Loss(Module):
    """A loss as a module (PyTorch style): ``criterion = nn.MSELoss(); loss = criterion(output, target)``.

    `options` are the function's keywords besides `reduction`; weight and pos_weight are kept as buffers
    (float arrays, saved by state_dict()), as PyTorch keeps them.
    """

    _function: Any = None

    def __init__(self, reduction: str = "mean", **options: Any) -> None:
        super().__init__()
        who = type(self).__name__
        _check_reduction(reduction, who)
        self.reduction = reduction
        for name, value in options.items():
            if name in ("weight", "pos_weight"):
                value = _weight_array(value, name, who)
                self.register_buffer(name, None if value is None else np.array(getattr(value, "data", value), float))
            else:
                setattr(self, name, value)
        self._options = tuple(options)

    def forward(self, input: Any, target: Any) -> Any:
        options = {name: getattr(self, name) for name in self._options}
        return type(self)._function(input, target, reduction=self.reduction, **options)

    def extra_repr(self) -> str:
        shown = [f"{name}={getattr(self, name)!r}" for name in self._options if name not in ("weight", "pos_weight")]
        return ", ".join([*shown, f"reduction={self.reduction!r}"])


class MSELoss(_Loss):
    """Module form of `mse_loss`."""

    _function = staticmethod(mse_loss)


class L1Loss(_Loss):
    """Module form of `l1_loss`."""

    _function = staticmethod(l1_loss)


class SmoothL1Loss(_Loss):
    """Module form of `smooth_l1_loss`: quadratic below `beta`, linear above."""

    _function = staticmethod(smooth_l1_loss)

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction, beta=_threshold(beta, "beta", "SmoothL1Loss", zero_ok=True))


class HuberLoss(_Loss):
    """Module form of `huber_loss`: quadratic below `delta`, linear above."""

    _function = staticmethod(huber_loss)

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction, delta=_threshold(delta, "delta", "HuberLoss", zero_ok=False))


class BCELoss(_Loss):
    """Module form of `binary_cross_entropy`; `weight` rescales each element's loss (Tensors only)."""

    _function = staticmethod(binary_cross_entropy)

    def __init__(self, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(reduction, weight=weight)


class BCEWithLogitsLoss(_Loss):
    """Module form of `binary_cross_entropy_with_logits`; `weight` and `pos_weight` as there (Tensors only)."""

    _function = staticmethod(binary_cross_entropy_with_logits)

    def __init__(self, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction, weight=weight, pos_weight=pos_weight)


class CrossEntropyLoss(_Loss):
    """Module form of `cross_entropy`; `weight`, `ignore_index` and `label_smoothing` as there (Tensors only)."""

    _function = staticmethod(cross_entropy)

    def __init__(
        self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0
    ) -> None:
        super().__init__(reduction, weight=weight, ignore_index=ignore_index, label_smoothing=label_smoothing)


class NLLLoss(_Loss):
    """Module form of `nll_loss`; `weight` and `ignore_index` as there (Tensors only)."""

    _function = staticmethod(nll_loss)

    def __init__(self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction, weight=weight, ignore_index=ignore_index)


class HingeLoss(_Loss):
    """Module form of `hinge_loss`."""

    _function = staticmethod(hinge_loss)
