"""Fused nodes: common compositions as one Function each, because their gradient is simpler than their parts.

* `Linear`: x W^T + b (every `nn.Linear` layer), one node instead of three;
* `CrossEntropy`: log_softmax, the pick of each row's target and the reduction,
  whose gradient is just softmax(x) - onehot(target);
* `BinaryCrossEntropy`: -(y log p + (1 - y) log(1 - p)) with PyTorch's clamps,
  whose gradient (p - y) / (p (1 - p)) stays finite at p = 0 and 1, where the
  composed clamped logs would give 0 * inf = nan.

Both backward formulas are written with graph-compatible operations, so they
are differentiable again under ``create_graph=True``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microgradnn.engine import Context
from microgradnn.tensor.primitives import row_max, stable_max
from microgradnn.tensor.tensor import Tensor, TensorFunction

__all__ = ["BinaryCrossEntropy", "CrossEntropy", "Linear", "cross_entropy_logits", "linear"]


class Linear(TensorFunction):
    """f(x, W, b) = x W^T + b;  dL/dx = G W,  dL/dW = G^T x,  dL/db = G summed over the batch.

    x has shape (..., in), W (out, in), b (out,); every leading axis of x is a batch axis.
    """

    name = "linear"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
        ctx.save_for_backward(x, weight)
        out = x @ weight.T
        if bias is None:
            return out
        if bias.dtype == out.dtype:
            out += bias  # the product is a fresh array of the output's shape: add in place, no second array
            return out
        return out + bias  # numpy's type promotion decides the output dtype, as for x @ W.T + b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, ...]:
        x, w = ctx.saved_values
        needs = ctx.needs_input_grad
        gx = grad @ w if needs[0] else None  # (..., out) times (out, in): one row of G W per sample
        if x.ndim != 2:  # fold every batch axis into one, so one product sums over all of them
            grad, x = grad.reshape((-1, grad.shape[-1])), x.reshape((-1, x.shape[-1]))
        gw = grad.T @ x if needs[1] else None
        if len(needs) == 2:
            return gx, gw
        return gx, gw, np.add.reduce(grad, axis=0) if needs[2] else None


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W^T + b as one `Linear` node (shapes are the caller's to check: `nn.Linear.forward` does)."""
    return Linear.apply(x, weight) if bias is None else Linear.apply(x, weight, bias)


class CrossEntropy(TensorFunction):
    """L = reduce_i( logsumexp(x_i) - x_i[t_i] ) for logits x (N, C);  dL/dx_i = softmax(x_i) - onehot(t_i)."""

    name = "cross_entropy"

    @staticmethod
    def forward(ctx: Context, logits: np.ndarray, *, targets: np.ndarray, reduction: str) -> np.ndarray:
        rows = np.arange(len(targets))
        # The row's max cancels, and keeps exp() finite; a row with an inf gives nan, as PyTorch's cross_entropy.
        shifted = logits - row_max(logits, (1,))
        log_probs = shifted - np.log(np.add.reduce(np.exp(shifted), axis=1, keepdims=True))
        picked = log_probs[rows, targets]  # log p(target) per row; the loss is its negative
        ctx.log_probs, ctx.rows, ctx.targets = log_probs, rows, targets
        n = len(targets)
        ctx.scale = (1.0 / n if n else np.nan) if reduction == "mean" else 1.0  # an empty mean is nan, as PyTorch's
        ctx.save_for_backward(logits)
        if reduction == "none":
            return -picked
        total = -np.add.reduce(picked)
        return total * ctx.scale if reduction == "mean" else total

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any]:
        (logits,) = ctx.saved_values
        if isinstance(logits, np.ndarray):
            # First order: softmax - onehot from the forward's log-probabilities, in place in a fresh array (the
            # same formula as below, a third fewer array passes on the MLP benchmark step).
            g = np.exp(ctx.log_probs)
            g[ctx.rows, ctx.targets] -= 1.0
            # A mean or a sum has one upstream number for all rows: a plain float, no 0-d array arithmetic.
            g *= float(grad) * ctx.scale if grad.ndim == 0 else (grad * ctx.scale).reshape((-1, 1))
            return (g,)
        upstream = (grad * ctx.scale).reshape((-1, 1))  # one number per row for reduction="none", else one for all
        m = stable_max(logits.data, (1,))  # a constant shift
        e = np.exp(logits - m)
        onehot = np.zeros(logits.shape, dtype=logits.dtype)
        onehot[ctx.rows, ctx.targets] = 1.0
        return ((e / np.add.reduce(e, axis=1, keepdims=True) - onehot) * upstream,)


def cross_entropy_logits(logits: Tensor, targets: np.ndarray, reduction: str) -> Tensor:
    """The fused cross-entropy node (targets and reduction are the caller's to check: nn.functional does)."""
    return CrossEntropy.apply(logits, targets=np.asarray(targets, dtype=np.intp), reduction=reduction)


class BinaryCrossEntropy(TensorFunction):
    """L = -(y log p + (1 - y) log(1 - p)), elementwise, each log clamped at -100 (PyTorch's);
    dL/dp = (p - y) / max(p (1 - p), 1e-12),  dL/dy = log(1 - p) - log(p).

    The floor under p (1 - p) is PyTorch's too: a sigmoid saturated to exactly 0 or 1 (from |z| of about 17 in
    float32) still gets a finite slope, 0 where it is right and -1e12 or 1e12 where it is wrong.
    """

    name = "binary_cross_entropy"

    @staticmethod
    def forward(ctx: Context, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(p, y)
        with np.errstate(divide="ignore"):  # log(0) = -inf, then clamped
            return -(y * np.maximum(np.log(p), -100.0) + (1 - y) * np.maximum(np.log(1 - p), -100.0))

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, Any]:
        p, y = ctx.saved_values
        needs = ctx.needs_input_grad
        gp = grad * (p - y) / np.maximum(p * (1 - p), 1e-12) if needs[0] else None
        with np.errstate(divide="ignore"):
            gy = grad * (np.log(1 - p) - np.log(p)) if needs[1] else None
        return gp, gy
