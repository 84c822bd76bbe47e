"""Optimizers and learning-rate schedules: how gradients become better weights.

Gradient descent is the chapter's update w' = w - lr * dL/dw. `SGD` adds
momentum, Nesterov momentum and weight decay; `Adam` and `AdamW` scale each
step by running averages of the gradient. The update equations are
PyTorch's, written out in each `step`, and they work the same for `Value`
parameters (a float) and `Tensor` parameters (a numpy array, updated in place
so it keeps its dtype).

Typical loop::

    opt = optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(100):
        loss = loss_fn(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from microgradnn.engine import Node
from microgradnn.scalar import Value

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "Optimizer",
    "StepLR",
]


def _check_number(
    name: str, value: Any, who: str, *, low: float, strict: bool = False, high: float | None = None
) -> float:
    """value must be a real number >= low (> low when strict) and < high; else a ValueError saying so."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__} ({value!r})")
    value = float(value)
    too_low = value <= low if strict else value < low
    if math.isnan(value) or too_low or (high is not None and value >= high):
        bound = f"> {low}" if strict else f">= {low}"
        if high is not None:
            bound += f" and < {high}"
        raise ValueError(f"{who}: {name} must be {bound}, got {value!r}")
    return value


class Optimizer:
    """Holds the parameters and the learning rate; subclasses define `_update` for one parameter.

    `state[i]` keeps parameter i's buffers (momentum, running averages);
    `lr` is a plain attribute that schedulers change.
    """

    def __init__(self, params: Iterable[Node], lr: float) -> None:
        who = type(self).__name__
        self.lr = _check_number("lr (learning rate)", lr, who, low=0.0, strict=True)
        self.params = _collect_params(params, who)
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Forget every parameter's gradient before the next backward (gradients accumulate otherwise)."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Move every parameter that has a gradient one step downhill: w = w - delta, in place."""
        who = type(self).__name__
        # Every check first: an error (a gradient of the wrong shape, a read-only array) comes before any weight
        # or buffer changes, and past the checks no update can fail.
        for i, p in enumerate(self.params):
            if p.grad is not None and not isinstance(p, Value):
                _check_writable(p, p.grad, i, who)
        # The update reads p.data and p.grad, plain floats and arrays, so it records no graph (no no_grad() needed).
        for p, state in zip(self.params, self.state):
            g = p.grad
            if g is None:  # a Tensor no loss reached: nothing to do, as in PyTorch
                continue
            # One parameter at a time, each move freed before the next is made: no second copy of the model.
            delta, new_state = self._update(p.data, g, state)
            state.update(new_state)
            if isinstance(p, Value):
                p.data = float(p.data - delta)
            else:
                p.data -= delta  # in place, as hand-written numpy does: no new array, same dtype and references

    def _update(self, w: Any, g: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """How far one parameter moves (its new value is w - delta), from its value w and gradient g, and its new
        buffers. w and g are floats or arrays of the same shape (step() has checked).

        Pure: reads `state`, never writes it (step() does). It must not fail on checked inputs, since step()
        applies each parameter's move as soon as it is computed.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr:g})"


def _check_writable(p: Node, g: Any, i: int, who: str) -> None:
    """The two ways `p.data -= delta` can fail, checked before any parameter moves, so no step stops half-way."""
    w = p.data
    if g.shape != w.shape:
        raise ValueError(
            f"{who}.step: parameter {i} has shape {w.shape} but its gradient has shape {g.shape}; "
            "they must match (was .grad set by hand?)"
        )
    if not w.flags.writeable:
        raise ValueError(f"{who}.step: parameter {i}'s data is a read-only array; give it a writable copy")


def _collect_params(params: Iterable[Node], who: str) -> list[Node]:
    from microgradnn.nn.module import Module

    if isinstance(params, Module):
        raise TypeError(f"{who}: pass model.parameters(), not the model itself")
    if isinstance(params, Node):
        raise TypeError(f"{who}: params must be a list of parameters; wrap a single one as [p]")
    result = list(params)
    if not result:
        raise ValueError(f"{who}: got an empty parameter list; pass model.parameters() of a model that has weights")
    seen: dict[int, int] = {}
    for i, p in enumerate(result):
        if not isinstance(p, Node):
            raise TypeError(f"{who}: parameter {i} is a {type(p).__name__}, not a Value or a Tensor")
        if not isinstance(p, Value) and not getattr(p, "requires_grad", False):
            raise ValueError(f"{who}: parameter {i} is a Tensor with requires_grad=False; it never gets a gradient")
        if id(p) in seen:
            raise ValueError(f"{who}: parameter {i} is the same object as parameter {seen[id(p)]}; list it once")
        seen[id(p)] = i
    return result


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's equations:

    g = grad + weight_decay * w
    buf = g on the first step, else momentum * buf + (1 - dampening) * g
    g = g + momentum * buf if nesterov else buf       (only when momentum > 0)
    w = w - lr * g
    """

    def __init__(
        self,
        params: Iterable[Node],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_number("momentum", momentum, "SGD", low=0.0)
        self.dampening = _check_number("dampening", dampening, "SGD", low=0.0)
        self.weight_decay = _check_number("weight_decay", weight_decay, "SGD", low=0.0)
        if nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")
        self.nesterov = bool(nesterov)

    def _update(self, w: Any, g: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        if self.weight_decay:
            g = g + self.weight_decay * w
        if not self.momentum:
            return self.lr * g, {}
        buf = state.get("momentum_buffer")
        # The first step starts the buffer at g itself (no dampening), as PyTorch does.
        buf = _copy(g) if buf is None else self.momentum * buf + (1.0 - self.dampening) * g
        g = g + self.momentum * buf if self.nesterov else buf
        return self.lr * g, {"momentum_buffer": buf}


class Adam(Optimizer):
    """Adam, PyTorch's equations (t counts this parameter's steps from 1):

    g = grad + weight_decay * w                       (L2 penalty folded into the gradient)
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
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
    ) -> None:
        super().__init__(params, lr)
        who = type(self).__name__
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{who}: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _check_number("beta1", betas[0], who, low=0.0, high=1.0),
            _check_number("beta2", betas[1], who, low=0.0, high=1.0),
        )
        self.eps = _check_number("eps", eps, who, low=0.0)
        self.weight_decay = _check_number("weight_decay", weight_decay, who, low=0.0)

    def _update(self, w: Any, g: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        beta1, beta2 = self.betas
        if self.weight_decay and not self._decoupled:
            g = g + self.weight_decay * w
        t = state.get("step", 0) + 1
        m = beta1 * state.get("exp_avg", 0.0) + (1.0 - beta1) * g
        v = beta2 * state.get("exp_avg_sq", 0.0) + (1.0 - beta2) * g * g
        m_hat = m / (1.0 - beta1**t)
        v_hat = v / (1.0 - beta2**t)
        delta = self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        if self.weight_decay and self._decoupled:  # AdamW: shrink the weight directly, outside the adaptive scaling
            delta = delta + self.lr * self.weight_decay * w
        return delta, {"step": t, "exp_avg": m, "exp_avg_sq": v}


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
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


def _copy(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x


# ----------------------------------------------------------------- schedules
class LRScheduler:
    """Sets `optimizer.lr` from a closed-form function of the epoch; call `step()` once per epoch.

    Creating the scheduler sets the epoch-0 rate (as PyTorch does); `base_lr`
    is the optimizer's rate at that moment.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        optimizer.lr = self._lr_at(0)

    def _lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate for it."""
        self.last_epoch += 1
        self.optimizer.lr = self._lr_at(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The learning rate now in use, as a one-element list (PyTorch lists one per parameter group)."""
        return [self.optimizer.lr]


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): multiply by gamma every `step_size` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if not isinstance(step_size, (int, np.integer)) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be an int >= 1, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = _check_number("gamma", gamma, "StepLR", low=0.0, strict=True)
        super().__init__(optimizer)

    def _lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _check_number("gamma", gamma, "ExponentialLR", low=0.0, strict=True)
        super().__init__(optimizer)

    def _lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2: half a cosine from base_lr to eta_min."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        if not isinstance(T_max, (int, np.integer)) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be an int >= 1, got {T_max!r}")
        self.T_max = int(T_max)
        self.eta_min = _check_number("eta_min", eta_min, "CosineAnnealingLR", low=0.0)
        super().__init__(optimizer)

    def _lr_at(self, epoch: int) -> float:
        return self.eta_min + (self.base_lr - self.eta_min) * (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0


class LinearLR(LRScheduler):
    """lr = base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) / total_iters).

    micrograd's demo schedule lr = 1.0 - 0.9 * k / 100 is
    ``LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)`` with lr=1.0.
    """

    def __init__(
        self, optimizer: Optimizer, start_factor: float = 1.0 / 3.0, end_factor: float = 1.0, total_iters: int = 5
    ) -> None:
        self.start_factor = _check_number("start_factor", start_factor, "LinearLR", low=0.0, strict=True)
        self.end_factor = _check_number("end_factor", end_factor, "LinearLR", low=0.0)
        if not isinstance(total_iters, (int, np.integer)) or total_iters < 1:
            raise ValueError(f"LinearLR: total_iters must be an int >= 1, got {total_iters!r}")
        self.total_iters = int(total_iters)
        super().__init__(optimizer)

    def _lr_at(self, epoch: int) -> float:
        fraction = min(epoch, self.total_iters) / self.total_iters
        return self.base_lr * (self.start_factor + (self.end_factor - self.start_factor) * fraction)


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch), for any schedule you can write as a function."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(f"LambdaLR: lr_lambda must be a function of the epoch, got {lr_lambda!r}")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def _lr_at(self, epoch: int) -> float:
        return self.base_lr * float(self.lr_lambda(epoch))
