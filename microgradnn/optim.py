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
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
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
    name: str,
    value: Any,
    who: str,
    *,
    low: float,
    strict: bool = False,
    high: float | None = None,
    hint: str = "",
) -> float:
    """value must be a finite real number >= low (> low when strict) and < high; else an error saying so.

    inf and NaN are refused for every hyperparameter: an infinite rate or decay turns every weight into inf or
    NaN on the first step.
    """
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{who}: {name} must be a number, got {type(value).__name__} ({value!r}){hint}")
    value = float(value)
    too_low = value <= low if strict else value < low
    if not math.isfinite(value) or too_low or (high is not None and value >= high):
        bound = f"> {low:g}" if strict else f">= {low:g}"
        if high is not None:
            bound += f" and < {high:g}"
        raise ValueError(f"{who}: {name} must be {bound} (a finite number), got {value!r}{hint}")
    return value


def _check_count(name: str, value: Any, who: str, low: int = 1) -> int:
    """value must be an int >= low (not a bool, not a float)."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
        raise ValueError(f"{who}: {name} must be an int >= {low}, got {value!r}; e.g. {name}=10")
    return int(value)


_LR_HINT = "; e.g. lr=0.01 (try several: 0.001, 0.01, 0.1)"


class Optimizer:
    """Holds the parameters and the learning rate; subclasses define `_update` for one parameter.

    `state[i]` keeps parameter i's buffers (momentum, running averages);
    `lr` is a plain attribute that schedulers change.
    """

    # The hyperparameters state_dict() records (besides lr) and the buffers a parameter's state may hold.
    _hyperparameters: tuple[str, ...] = ()
    _buffers: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Node], lr: float) -> None:
        who = type(self).__name__
        self._lr = _check_number("lr (learning rate)", lr, who, low=0.0, strict=True, hint=_LR_HINT)
        self.params = _collect_params(params, who)
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    @property
    def lr(self) -> float:
        """The learning rate of the next step (schedulers set it; 0 is allowed there, inf and NaN never)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check_number("lr (learning rate)", value, type(self).__name__, low=0.0, hint=_LR_HINT)

    def _configure(self, **hyperparameters: Any) -> dict[str, Any]:
        """Check the hyperparameters; return them as they are stored. Subclasses with hyperparameters override."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """The optimizer as a checkpoint entry: its type, lr, hyperparameters and every parameter's buffers.

        Buffers are copies (arrays for Tensor parameters, floats for Values), keyed by the parameter's index
        in the list given to the optimizer. `microgradnn.save` writes the result without pickle.
        """
        return {
            "type": type(self).__name__,
            "num_params": len(self.params),
            "lr": self.lr,
            "hyperparameters": {name: _plain(getattr(self, name)) for name in self._hyperparameters},
            "state": {str(i): {k: _copy(v) for k, v in s.items()} for i, s in enumerate(self.state) if s},
        }

    def load_state_dict(self, state_dict: Any) -> None:
        """Restore what `state_dict()` gave (for the same kind of optimizer over the same parameters).

        Everything is checked first (type, parameter count, buffer names and shapes, hyperparameters), so
        after an error the optimizer is unchanged. Resuming from it gives bit-identical training.
        """
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected the dict from optimizer.state_dict(), got {type(state_dict).__name__}")
        missing = [k for k in ("type", "num_params", "lr", "hyperparameters", "state") if k not in state_dict]
        if missing:
            raise KeyError(f"{who}: the state has no {missing} entries; pass the dict from optimizer.state_dict()")
        if state_dict["type"] != type(self).__name__:
            raise ValueError(
                f"{who}: the state was saved from {state_dict['type']!r}, not {type(self).__name__!r}; "
                f"create a {state_dict['type']} optimizer to load it"
            )
        count = state_dict["num_params"]
        if not isinstance(count, (int, np.integer)) or isinstance(count, bool):
            raise TypeError(
                f"{who}: 'num_params' must be an int (the parameter count), got {type(count).__name__} {count!r}; "
                "pass the dict from optimizer.state_dict() unchanged"
            )
        if count != len(self.params):
            raise ValueError(
                f"{who}: the state is for {state_dict['num_params']} parameters, this optimizer has "
                f"{len(self.params)}; build the optimizer over the same model.parameters()"
            )
        lr = _check_number("lr (learning rate)", state_dict["lr"], who, low=0.0, hint=_LR_HINT)
        saved = state_dict["hyperparameters"]
        if not isinstance(saved, Mapping) or set(saved) != set(self._hyperparameters):
            raise ValueError(
                f"{who}: hyperparameters {dict(saved) if isinstance(saved, Mapping) else saved!r} do "
                f"not match {list(self._hyperparameters)}"
            )
        hyper = self._configure(**saved)
        buffers = state_dict["state"]
        if not isinstance(buffers, Mapping):
            raise TypeError(f"{who}: 'state' must be a dict of per-parameter buffers, got {type(buffers).__name__}")
        new_state: list[dict[str, Any]] = [{} for _ in self.params]
        for key, entry in buffers.items():
            index = int(key) if isinstance(key, str) and key.isdigit() else -1
            if not 0 <= index < len(self.params):
                raise ValueError(
                    f"{who}: 'state' has an entry {key!r}; expected parameter indices 0 to {len(self.params) - 1}"
                )
            if not isinstance(entry, Mapping) or (self._buffers and not set(entry) <= set(self._buffers)):
                raise ValueError(
                    f"{who}: parameter {index}'s state {entry!r} holds other buffers than {list(self._buffers)}"
                )
            new_state[index] = {
                name: _checked_buffer(self.params[index], name, v, index, who) for name, v in entry.items()
            }
        # Every entry checked: only now does anything change.
        self._lr = lr
        for name, value in hyper.items():
            object.__setattr__(self, name, value)
        self.state = new_state

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient before the next backward (gradients accumulate otherwise).

        A Tensor's gradient becomes None (PyTorch's default), or with ``set_to_none=False`` its array is filled
        with zeros in place (a None gradient stays None). A Value's gradient is a float with no None state: 0.0
        either way.
        """
        if set_to_none is True:  # every training step takes this path: the plain loop, without _zero_grads' checks
            for p in self.params:
                p.zero_grad()
        else:
            from microgradnn.nn.module import _zero_grads

            _zero_grads(self.params, set_to_none, f"{type(self).__name__}.zero_grad")

    @property
    def param_groups(self) -> list[MutableMapping[str, Any]]:
        """PyTorch's spelling of the settings: one group, so ``for g in opt.param_groups: g["lr"] = 0.01`` works.

        The group holds "params" (a copy of the parameter list), "lr" and the hyperparameters, and reads and
        writes this optimizer's own attributes, checked as at construction: a bad value raises and changes nothing.
        """
        return [_ParamGroup(self)]

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Not supported: an optimizer here has one parameter group (see `param_groups`)."""
        raise NotImplementedError(
            f"{type(self).__name__}.add_param_group: an optimizer here has one parameter group; for per-layer "
            "learning rates make one optimizer per group, e.g. SGD(model[0].parameters(), lr=0.01) and "
            "SGD(model[2].parameters(), lr=0.1), and call zero_grad() and step() on both"
        )

    def step(self) -> None:
        """Move every parameter that has a gradient one step downhill: w = w - delta, in place."""
        who = type(self).__name__
        # Every check first: an error (a gradient of the wrong shape, a read-only array) comes before any weight
        # or buffer changes, and past the checks no update can fail.
        for i, p in enumerate(self.params):
            g = p.grad
            if isinstance(p, Value):
                if type(g) is not float and (isinstance(g, bool) or not isinstance(g, numbers.Real)):
                    raise TypeError(
                        f"{who}.step: parameter {i} is a Value but its grad is {g!r}; it must be a float"
                        + _graph_hint(g)
                    )
            elif g is not None:
                _check_writable(p, g, i, who)
        # The update reads p.data and p.grad, plain floats and arrays, so it records no graph (no no_grad() needed).
        for p, state in zip(self.params, self.state):
            g = p.grad
            if g is None:  # a Tensor no loss reached: nothing to do, as in PyTorch
                continue
            # One parameter at a time, each move freed before the next is made: no second copy of the model.
            delta, new_state = self._update(p.data, g, state)
            if new_state:
                state.update(new_state)
            if isinstance(p, Value):
                p.data = float(p.data - delta)
            else:
                p.data -= delta  # in place, as hand-written numpy does: no new array, same dtype and references
                p._bump()  # a write through the library: a backward of a graph that saved p now raises

    def _update(self, w: Any, g: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """How far one parameter moves (its new value is w - delta), from its value w and gradient g, and its new
        buffers. w and g are floats or arrays of the same shape (step() has checked).

        Pure: reads `state`, never writes it (step() does). It must not fail on checked inputs, since step()
        applies each parameter's move as soon as it is computed.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr:g})"


class _ParamGroup(MutableMapping[str, Any]):
    """`Optimizer.param_groups`'s one group: a dict-like view whose keys read and write the optimizer's attributes."""

    def __init__(self, optimizer: Optimizer) -> None:
        self._optimizer = optimizer

    def _keys(self) -> tuple[str, ...]:
        return ("params", "lr", *self._optimizer._hyperparameters)

    def _unknown(self, key: Any) -> str:
        return f"{type(self._optimizer).__name__}.param_groups[0] has no key {key!r}; its keys are {list(self._keys())}"

    def __getitem__(self, key: str) -> Any:
        opt = self._optimizer
        if key == "params":
            return list(opt.params)  # a copy: changing the list would leave the per-parameter state behind
        if key == "lr" or key in opt._hyperparameters:
            return getattr(opt, key)
        raise KeyError(self._unknown(key))

    def __setitem__(self, key: str, value: Any) -> None:
        opt = self._optimizer
        if key == "lr":
            opt.lr = value  # the lr setter checks it
        elif key in opt._hyperparameters:
            hyper = {name: getattr(opt, name) for name in opt._hyperparameters}
            hyper[key] = value
            setattr(opt, key, opt._configure(**hyper)[key])  # checked with the others (nesterov needs momentum)
        elif key == "params":
            raise TypeError(
                f"{type(opt).__name__}.param_groups[0]['params'] cannot be replaced; make a new optimizer over "
                "the new parameters"
            )
        else:
            raise KeyError(self._unknown(key))

    def __delitem__(self, key: str) -> None:
        raise TypeError(f"{type(self._optimizer).__name__}.param_groups[0]: keys cannot be deleted")

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __repr__(self) -> str:
        return repr(dict(self))


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _checked_buffer(p: Node, name: str, value: Any, index: int, who: str) -> Any:
    """A loaded buffer, checked against its parameter: a whole count for "step", else the parameter's shape."""
    if name == "step":
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{who}: parameter {index}'s step count must be an int >= 1, got {value!r}")
        return int(value)
    if isinstance(p, Value):
        if isinstance(value, np.ndarray) and value.shape == ():
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{who}: parameter {index} is a Value, so its {name} must be a number, got {value!r}")
        return float(value)
    array = np.asarray(value)
    if array.dtype.kind != "f" or array.shape != np.shape(p.data):
        raise ValueError(
            f"{who}: parameter {index}'s {name} has shape {array.shape} and dtype {array.dtype}; the parameter "
            f"has shape {np.shape(p.data)} (a float buffer of the same shape is needed)"
        )
    return array.copy()


def _check_writable(p: Node, g: Any, i: int, who: str) -> None:
    """The ways `p.data -= delta` can fail, checked before any parameter moves, so no step stops half-way."""
    w = p.data
    # A NumPy scalar is the gradient of a 0-d parameter (0-d arithmetic gives one): the shape check below holds it.
    if not isinstance(g, np.ndarray) and not isinstance(g, np.generic):
        fix = _graph_hint(g) or "; set .grad to an array of the parameter's shape (or let backward() set it)"
        raise TypeError(f"{who}.step: parameter {i}'s gradient is a {type(g).__name__}, not a numpy array{fix}")
    if g.shape != w.shape:
        raise ValueError(
            f"{who}.step: parameter {i} has shape {w.shape} but its gradient has shape {g.shape}; "
            "they must match (was .grad set by hand?)"
        )
    # complex, strings, objects: the in-place -= would raise (can_cast only when the dtypes differ: it is slow)
    if g.dtype is not w.dtype and not np.can_cast(g.dtype, w.dtype, casting="same_kind"):
        raise TypeError(
            f"{who}.step: parameter {i} has dtype {w.dtype} but its gradient has dtype {g.dtype}, which cannot be "
            f"cast into it; set .grad to a real float array (e.g. grad.astype({str(w.dtype)!r})) or let backward() "
            "set it"
        )
    if not w.flags.writeable:
        raise ValueError(f"{who}.step: parameter {i}'s data is a read-only array; give it a writable copy")


def _graph_hint(g: Any) -> str:
    """The fix when a gradient is a graph node, as backward(create_graph=True) leaves it."""
    if not isinstance(g, Node):
        return ""
    return (
        "; backward(create_graph=True) leaves graph nodes in .grad: call backward() without create_graph before "
        "the step, or step on their numbers (p.grad = p.grad.data for each parameter)"
    )


def _collect_params(params: Iterable[Node], who: str) -> list[Node]:
    from microgradnn.nn.module import Module

    if isinstance(params, Module):
        raise TypeError(f"{who}: pass model.parameters(), not the model itself")
    if isinstance(params, Node):
        raise TypeError(f"{who}: params must be a list of parameters; wrap a single one as [p]")
    if not isinstance(params, Iterable) or isinstance(params, (str, bytes)):
        raise TypeError(
            f"{who}: params must be a list of parameters, got {type(params).__name__}; pass model.parameters()"
        )
    result = list(params)
    if not result:
        raise ValueError(f"{who}: got an empty parameter list; pass model.parameters() of a model that has weights")
    seen: dict[int, int] = {}
    for i, p in enumerate(result):
        if isinstance(p, Mapping):
            raise TypeError(
                f"{who}: parameter {i} is a dict (a PyTorch parameter group); an optimizer here has one group: pass "
                "model.parameters(), and for per-layer learning rates make one optimizer per group"
            )
        if not isinstance(p, Node):
            raise TypeError(
                f"{who}: parameter {i} is a {type(p).__name__}, not a Value or a Tensor; pass model.parameters()"
            )
        if not isinstance(p, Value) and not getattr(p, "requires_grad", False):
            raise ValueError(
                f"{who}: parameter {i} is a Tensor with requires_grad=False; it never gets a gradient (a frozen "
                "layer?): pass the trainable ones, [p for p in model.parameters() if p.requires_grad]"
            )
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
        hyper = self._configure(momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        for name, value in hyper.items():
            setattr(self, name, value)

    _hyperparameters = ("momentum", "dampening", "weight_decay", "nesterov")
    _buffers = ("momentum_buffer",)

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "SGD"
        momentum = _check_number("momentum", h["momentum"], who, low=0.0, hint="; e.g. momentum=0.9")
        dampening = _check_number("dampening", h["dampening"], who, low=0.0, hint="; e.g. dampening=0.0")
        weight_decay = _check_number("weight_decay", h["weight_decay"], who, low=0.0, hint="; e.g. 1e-4")
        nesterov = h["nesterov"]
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"SGD: nesterov must be True or False, got {nesterov!r}")
        if nesterov and (momentum == 0.0 or dampening != 0.0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")
        return {"momentum": momentum, "dampening": dampening, "weight_decay": weight_decay, "nesterov": bool(nesterov)}

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
        for name, value in self._configure(betas=betas, eps=eps, weight_decay=weight_decay).items():
            setattr(self, name, value)

    _hyperparameters = ("betas", "eps", "weight_decay")
    _buffers = ("step", "exp_avg", "exp_avg_sq")

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
        }

    def step(self) -> None:
        """One Adam step for every parameter that has a gradient (see `Optimizer.step`)."""
        # An inf gradient makes m / sqrt(v) = inf / inf = NaN, which PyTorch writes into the weight without a word.
        # NumPy would warn, and under warnings-as-errors (or np.seterr) stop half-way through the parameters.
        with np.errstate(all="ignore"):
            super().step()

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

    _hyperparameters: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an optimizer, got {type(optimizer).__name__}; "
                "pass the optimizer, e.g. StepLR(opt, step_size=10)"
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        optimizer.lr = self._checked_lr(0)

    def _lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def _checked_lr(self, epoch: int) -> float:
        try:
            lr = self._lr_at(epoch)
        except OverflowError:  # gamma ** epoch beyond the largest float (gamma > 1): Python raises, PyTorch gives inf
            lr = math.inf
        if not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr < 0:
            raise ValueError(
                f"{type(self).__name__}: the schedule gives lr={lr!r} at epoch {epoch}; a learning rate must be a "
                "finite number >= 0 (check the schedule's formula)"
            )
        return float(lr)

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate for it."""
        lr = self._checked_lr(self.last_epoch + 1)  # checked before anything changes
        self.last_epoch += 1
        self.optimizer.lr = lr

    def get_last_lr(self) -> list[float]:
        """The learning rate now in use, as a one-element list (PyTorch lists one per parameter group)."""
        return [self.optimizer.lr]

    def state_dict(self) -> dict[str, Any]:
        """The schedule's position (last_epoch, base_lr) and settings, for a checkpoint (a LambdaLR's function is
        not saved: make the same one again before loading)."""
        return {
            "type": type(self).__name__,
            "base_lr": self.base_lr,
            "last_epoch": self.last_epoch,
            "hyperparameters": {name: getattr(self, name) for name in self._hyperparameters},
        }

    def load_state_dict(self, state_dict: Any) -> None:
        """Restore what `state_dict()` gave and set the optimizer's lr for that epoch; checked first, so after an
        error nothing has changed."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected the dict from scheduler.state_dict(), got {type(state_dict).__name__}")
        missing = [k for k in ("type", "base_lr", "last_epoch", "hyperparameters") if k not in state_dict]
        if missing:
            raise KeyError(f"{who}: the state has no {missing} entries; pass the dict from scheduler.state_dict()")
        if state_dict["type"] != type(self).__name__:
            raise ValueError(
                f"{who}: the state was saved from {state_dict['type']!r}, not {type(self).__name__!r}; "
                f"create a {state_dict['type']} to load it"
            )
        # >= 0, not > 0: a scheduler made after another one ran down to 0 (CosineAnnealingLR's eta_min) starts there
        base_lr = _check_number("base_lr", state_dict["base_lr"], who, low=0.0)
        last_epoch = _check_count("last_epoch", state_dict["last_epoch"], who, low=0)
        saved = state_dict["hyperparameters"]
        if not isinstance(saved, Mapping) or set(saved) != set(self._hyperparameters):
            raise ValueError(f"{who}: hyperparameters {saved!r} do not match {list(self._hyperparameters)}")
        hyper = self._configure(**saved)
        old = (self.base_lr, self.last_epoch, {name: getattr(self, name) for name in self._hyperparameters})
        self.base_lr, self.last_epoch = base_lr, last_epoch
        self.__dict__.update(hyper)
        try:
            lr = self._checked_lr(last_epoch)
        except BaseException:
            self.base_lr, self.last_epoch = old[0], old[1]
            self.__dict__.update(old[2])
            raise
        self.optimizer.lr = lr

    def _configure(self, **hyperparameters: Any) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.optimizer.lr:g})"


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): multiply by gamma every `step_size` epochs."""

    _hyperparameters = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.__dict__.update(self._configure(step_size=step_size, gamma=gamma))
        super().__init__(optimizer)

    def _configure(self, **h: Any) -> dict[str, Any]:
        return {
            "step_size": _check_count("step_size", h["step_size"], "StepLR"),
            "gamma": _check_number("gamma", h["gamma"], "StepLR", low=0.0, strict=True, hint="; e.g. gamma=0.1"),
        }

    def _lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    _hyperparameters = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.__dict__.update(self._configure(gamma=gamma))
        super().__init__(optimizer)

    def _configure(self, **h: Any) -> dict[str, Any]:
        hint = "; e.g. gamma=0.95"
        return {"gamma": _check_number("gamma", h["gamma"], "ExponentialLR", low=0.0, strict=True, hint=hint)}

    def _lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2: half a cosine from base_lr to eta_min."""

    _hyperparameters = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.__dict__.update(self._configure(T_max=T_max, eta_min=eta_min))
        super().__init__(optimizer)

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "CosineAnnealingLR"
        return {
            "T_max": _check_count("T_max", h["T_max"], who),
            "eta_min": _check_number("eta_min", h["eta_min"], who, low=0.0, hint="; e.g. eta_min=0.0"),
        }

    def _lr_at(self, epoch: int) -> float:
        return self.eta_min + (self.base_lr - self.eta_min) * (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0


class LinearLR(LRScheduler):
    """lr = base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) / total_iters).

    micrograd's demo schedule lr = 1.0 - 0.9 * k / 100 is
    ``LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)`` with lr=1.0.
    """

    _hyperparameters = ("start_factor", "end_factor", "total_iters")

    def __init__(
        self, optimizer: Optimizer, start_factor: float = 1.0 / 3.0, end_factor: float = 1.0, total_iters: int = 5
    ) -> None:
        self.__dict__.update(self._configure(start_factor=start_factor, end_factor=end_factor, total_iters=total_iters))
        super().__init__(optimizer)

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "LinearLR"
        return {
            "start_factor": _check_number(
                "start_factor", h["start_factor"], who, low=0.0, strict=True, hint="; e.g. start_factor=1.0"
            ),
            "end_factor": _check_number("end_factor", h["end_factor"], who, low=0.0, hint="; e.g. end_factor=0.1"),
            "total_iters": _check_count("total_iters", h["total_iters"], who),
        }

    def _lr_at(self, epoch: int) -> float:
        fraction = min(epoch, self.total_iters) / self.total_iters
        return self.base_lr * (self.start_factor + (self.end_factor - self.start_factor) * fraction)


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch), for any schedule you can write as a function."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(
                f"LambdaLR: lr_lambda must be a function of the epoch, got {lr_lambda!r}; "
                "e.g. lr_lambda=lambda epoch: 0.95 ** epoch"
            )
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def _lr_at(self, epoch: int) -> float:
        factor = self.lr_lambda(epoch)
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
            raise TypeError(f"LambdaLR: lr_lambda({epoch}) returned {factor!r}; it must return a number")
        return self.base_lr * float(factor)
