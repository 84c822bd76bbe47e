"""Adagrad: each weight's step divided by the root of the sum of its squared gradients so far."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from microgradnn.engine import Node
from microgradnn.optim.optimizer import _Adaptive, _check_flag, _check_number

__all__ = ["Adagrad"]


class Adagrad(_Adaptive):
    """Adagrad, PyTorch's equations (t counts this parameter's steps from 1):

    g = -grad if maximize else grad
    g = g + weight_decay * w
    sum = sum + g^2                                   (starting at initial_accumulator_value)
    w = w - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps)

    A weight whose gradients have been large takes ever smaller steps, and the steps of all of them shrink.
    """

    def __init__(
        self,
        params: Iterable[Node],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        hyper = {
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
        }
        super().__init__(params, lr, **hyper, eps=eps, maximize=maximize)

    _hyperparameters = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")
    _buffers = ("step", "sum")

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "Adagrad"
        return {
            "lr_decay": _check_number("lr_decay", h["lr_decay"], who, low=0.0, hint="; e.g. lr_decay=0.0"),
            "weight_decay": _check_number("weight_decay", h["weight_decay"], who, low=0.0, hint="; e.g. 1e-4"),
            "initial_accumulator_value": _check_number(
                "initial_accumulator_value", h["initial_accumulator_value"], who, low=0.0, hint="; e.g. 0.1"
            ),
            "eps": _check_number("eps", h["eps"], who, low=0.0, hint="; e.g. eps=1e-10"),
            "maximize": _check_flag("maximize", h["maximize"], who),
        }

    def _update(self, w: Any, g: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        g = self._gradient(w, g)
        t = state.get("step", 0) + 1
        total = state.get("sum", self.initial_accumulator_value) + g * g
        lr = self._lr / (1.0 + (t - 1) * self.lr_decay)
        return lr * g / (np.sqrt(total) + self.eps), {"step": t, "sum": total}
