"""Gradient clipping between ``backward()`` and ``step()``, as ``torch.nn.utils``: clip_grad_norm_, clip_grad_value_.

Both change the gradients in place (the trailing underscore says so, as in PyTorch) and work for Value
parameters (a float gradient) and Tensor parameters (an array). A parameter whose gradient is None (a Tensor no
loss reached, or a frozen one) is left out, as PyTorch leaves it out::

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)  # one big gradient cannot throw the weights far
    opt.step()
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from microgradnn.engine import Node
from microgradnn.scalar import Value

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters: Node | Iterable[Node], who: str) -> list[Node]:
    """The parameters that have a gradient, checked: a gradient must be a number or an array, not a graph node."""
    params = [parameters] if isinstance(parameters, Node) else list(parameters)
    out = []
    for i, p in enumerate(params):
        if not isinstance(p, Node):
            raise TypeError(
                f"{who}: parameter {i} is a {type(p).__name__}, not a Value or a Tensor; pass model.parameters()"
            )
        g = p.grad
        if g is None:
            continue
        if isinstance(g, Node):
            raise TypeError(
                f"{who}: parameter {i}'s gradient is a graph node (backward(create_graph=True) leaves them); call "
                "backward() without create_graph before clipping"
            )
        out.append(p)
    return out


def _number(name: str, value: Any, who: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0 or math.isnan(value):
        raise ValueError(f"{who}: {name} must be a number >= 0, got {value!r}; e.g. {example}")
    return float(value)


def clip_grad_norm_(
    parameters: Node | Iterable[Node],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> np.float64:
    """Scale every gradient by min(1, max_norm / (total + 1e-6)), where total is the norm of all of them together.

    total = (sum over the parameters of ||grad||^p)^(1/p) for norm_type p (the largest |grad| for inf), as if the
    gradients were one long vector: so the update keeps its direction and only gets shorter. Returns total, the
    norm before clipping (a NumPy float: ``.item()`` works, as on PyTorch's 0-d tensor). A NaN or infinite total
    turns the gradients NaN, as in PyTorch; with ``error_if_nonfinite=True`` it raises instead, changing nothing.
    `foreach` (a PyTorch speed option) is accepted and changes nothing here.
    """
    who = "clip_grad_norm_"
    max_norm = _number("max_norm", max_norm, who, "max_norm=1.0")
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real) or not norm_type > 0:
        raise ValueError(f"{who}: norm_type must be a number > 0 or math.inf, got {norm_type!r}; e.g. norm_type=2.0")
    p = float(norm_type)
    params = _with_grads(parameters, who)
    if not params:
        return np.float64(0.0)
    # Each gradient's own norm first, then the norm of those norms: the same number as one long vector's norm.
    norms = np.array([np.linalg.norm(np.ravel(param.grad).astype(np.float64), ord=p) for param in params])
    total = np.float64(np.max(norms) if p == math.inf else np.linalg.norm(norms, ord=p))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"{who}: the total norm of the gradients is {total} (order {norm_type}), so they cannot be clipped; "
            "find where the NaN or inf comes from (microgradnn.detect_anomaly()), or pass error_if_nonfinite=False"
        )
    # The small 1e-6 keeps the scale finite at a zero norm; a scale above 1 is not applied (nothing grows).
    scale = min(max_norm / (total + 1e-6), 1.0) if not np.isnan(total) else math.nan
    with np.errstate(invalid="ignore"):  # an inf entry times the scale 0 is NaN, without a warning (as PyTorch)
        for param in params:
            if isinstance(param, Value):
                param.grad = float(param.grad * scale)
            else:
                param.grad *= param.grad.dtype.type(scale)  # in place, keeping the dtype
    return total


def clip_grad_value_(parameters: Node | Iterable[Node], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value], in place (NaN stays NaN, as in PyTorch)."""
    who = "clip_grad_value_"
    c = _number("clip_value", clip_value, who, "clip_value=1.0")
    for param in _with_grads(parameters, who):
        g = param.grad
        if isinstance(param, Value):
            param.grad = min(max(float(g), -c), c)  # NaN stays NaN: max and min keep their first argument
        elif isinstance(g, np.ndarray):
            np.clip(g, -c, c, out=g)
        else:  # a 0-d parameter's NumPy scalar
            param.grad = np.clip(g, -c, c)
