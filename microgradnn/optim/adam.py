"""Adam and AdamW: steps scaled by running averages of the gradient and of its square."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

from microgradnn.engine import Node
from microgradnn.optim.optimizer import _Adaptive, _check_flag, _check_number

__all__ = ["Adam", "AdamW"]


class Adam(_Adaptive):
    """Adam, PyTorch's equations (t counts this parameter's steps from 1):

    g = -grad if maximize else grad
    g = g + weight_decay * w                          (L2 penalty folded into the gradient)
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
    v_max = max(v_max, v), and v is v_max below      (only with amsgrad: the step size never grows back)
    m_hat = m / (1 - beta1^t);  v_hat = v / (1 - beta2^t)
    w = w - lr * m_hat / (sqrt(v_hat) + eps)
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Node],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize
        )

    _hyperparameters = ("betas", "eps", "weight_decay", "amsgrad", "maximize")
    _buffers = ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _added_hyperparameters: ClassVar[dict[str, Any]] = {"amsgrad": False, "maximize": False}

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = type(self).__name__
        betas = h["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{who}: betas must be a pair (beta1, beta2), got {betas!r}; e.g. betas=(0.9, 0.999)")
        hint = "; e.g. betas=(0.9, 0.999)"
        return {
            "betas": (
                _check_number("beta1", betas[0], who, low=0.0, high=1.0, hint=hint),
                _check_number("beta2", betas[1], who, low=0.0, high=1.0, hint=hint),
            ),
            "eps": _check_number("eps", h["eps"], who, low=0.0, hint="; e.g. eps=1e-8"),
            "weight_decay": _check_number("weight_decay", h["weight_decay"], who, low=0.0, hint="; e.g. 1e-2"),
            "amsgrad": _check_flag("amsgrad", h["amsgrad"], who),
            "maximize": _check_flag("maximize", h["maximize"], who),
        }

    def _update(self, w: Any, g: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        beta1, beta2 = self.betas
        g = self._gradient(w, g, l2=not self._decoupled)  # (AdamW decays the weight itself, below)
        t = state.get("step", 0) + 1
        m = beta1 * state.get("exp_avg", 0.0) + (1.0 - beta1) * g
        v = beta2 * state.get("exp_avg_sq", 0.0) + (1.0 - beta2) * g * g
        buffers = {"step": t, "exp_avg": m, "exp_avg_sq": v}
        if self.amsgrad:  # the largest v so far scales the step (its first value is v itself)
            v_max = np.maximum(state.get("max_exp_avg_sq", v), v)
            v = buffers["max_exp_avg_sq"] = float(v_max) if isinstance(w, float) else v_max  # (a Value's: a float)
        m_hat = m / (1.0 - beta1**t)
        v_hat = v / (1.0 - beta2**t)
        delta = self._lr * m_hat / (np.sqrt(v_hat) + self.eps)
        if self.weight_decay and self._decoupled:  # AdamW: shrink the weight directly, outside the adaptive scaling
            delta = delta + self._lr * self.weight_decay * w
        return delta, buffers


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), PyTorch's equations:

    w = w * (1 - lr * weight_decay), then the Adam step above with g = grad.
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Node],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
