"""RMSprop: each weight's step divided by the root of a running mean of its squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from microgradnn.engine import Node
from microgradnn.optim.optimizer import _Adaptive, _check_flag, _check_number

__all__ = ["RMSprop"]


class RMSprop(_Adaptive):
    """RMSprop, PyTorch's equations:

    g = -grad if maximize else grad
    g = g + weight_decay * w
    v = alpha * v + (1 - alpha) * g^2                 (v starts at 0)
    size = sqrt(v - mean^2) + eps, with mean = alpha * mean + (1 - alpha) * g, if centered; else sqrt(v) + eps
    buf = momentum * buf + g / size;  w = w - lr * buf    (with momentum > 0; else w = w - lr * g / size)

    Each weight's step is its gradient divided by the root of its recent mean square: a running average, so unlike
    Adagrad's sum the steps do not shrink for ever.
    """

    def __init__(
        self,
        params: Iterable[Node],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        hyper = {"alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum, "centered": centered}
        super().__init__(params, lr, **hyper, maximize=maximize)

    _hyperparameters = ("alpha", "eps", "weight_decay", "momentum", "centered", "maximize")
    _buffers = ("step", "square_avg", "momentum_buffer", "grad_avg")

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "RMSprop"
        return {
            "alpha": _check_number("alpha", h["alpha"], who, low=0.0, high=1.0, hint="; e.g. alpha=0.99"),
            "eps": _check_number("eps", h["eps"], who, low=0.0, hint="; e.g. eps=1e-8"),
            "weight_decay": _check_number("weight_decay", h["weight_decay"], who, low=0.0, hint="; e.g. 1e-4"),
            "momentum": _check_number("momentum", h["momentum"], who, low=0.0, hint="; e.g. momentum=0.9"),
            "centered": _check_flag("centered", h["centered"], who),
            "maximize": _check_flag("maximize", h["maximize"], who),
        }

    def _update(self, w: Any, g: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        alpha = self.alpha
        g = self._gradient(w, g)
        v = alpha * state.get("square_avg", 0.0) + (1.0 - alpha) * g * g
        buffers = {"step": state.get("step", 0) + 1, "square_avg": v}
        if self.centered:  # the variance about the running mean, not the mean square
            mean = buffers["grad_avg"] = alpha * state.get("grad_avg", 0.0) + (1.0 - alpha) * g
            v = v - mean * mean
        scaled = g / (np.sqrt(v) + self.eps)
        if self.momentum:
            scaled = buffers["momentum_buffer"] = self.momentum * state.get("momentum_buffer", 0.0) + scaled
        return self._lr * scaled, buffers
