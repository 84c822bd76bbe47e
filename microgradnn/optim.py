"""Optimizers and learning-rate schedules: how gradients become better weights.

Gradient descent is the chapter's update w' = w - lr * dL/dw. `SGD` adds
momentum, Nesterov momentum and weight decay; `Adagrad`, `RMSprop`, `Adam` and
`AdamW` scale each weight's step by what its gradients have been so far. The update equations are
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

import bisect
import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, ClassVar

import numpy as np

from microgradnn.engine import Node
from microgradnn.scalar import Value

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "Optimizer",
    "RMSprop",
    "ReduceLROnPlateau",
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


def _check_flag(name: str, value: Any, who: str) -> bool:
    """value must be True or False (a NumPy bool too), not a number or a string."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{who}: {name} must be True or False, got {value!r}")
    return bool(value)


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

    `params` is a list of parameters (one group), or PyTorch's list of parameter groups, dicts such as
    ``{"params": model[0].parameters(), "lr": 0.01}``: each group is an optimizer of the same kind over its own
    parameters, and what a group leaves out it takes from the constructor's arguments (`defaults`).
    """

    # The hyperparameters state_dict() records (besides lr) and the buffers a parameter's state may hold.
    _hyperparameters: tuple[str, ...] = ()
    _buffers: tuple[str, ...] = ()
    # Hyperparameters added after checkpoints were first written, with the value a checkpoint without them meant.
    _added_hyperparameters: ClassVar[dict[str, Any]] = {}

    def __init__(self, params: Iterable[Node] | Iterable[Mapping[str, Any]], lr: float, **hyperparameters: Any) -> None:
        who = type(self).__name__
        lr = _check_number("lr (learning rate)", lr, who, low=0.0, strict=True, hint=_LR_HINT)
        hyper = self._configure(**hyperparameters)
        self.defaults: dict[str, Any] = {"lr": lr, **hyper}
        groups = _group_specs(params, who, ("params", "lr", *self._hyperparameters))
        if len(groups) == 1:  # model.parameters() (or one group as a dict): this optimizer is its one group
            if groups[0][1]:
                one = self._new_group(*groups[0], 0)  # (checks the group's own settings)
                lr, hyper = one._lr, {name: getattr(one, name) for name in self._hyperparameters}
            self._lr = lr
            for name, value in hyper.items():
                setattr(self, name, value)
            self.params = flat = _collect_params(groups[0][0], who)
            self.state: list[dict[str, Any]] = [{} for _ in flat]
            self._groups: list[Optimizer] = [self]
            return
        flat = _collect_params([p for group_params, _ in groups for p in group_params], who)  # (across the groups)
        self._groups = [
            self._new_group(group_params, overrides, i) for i, (group_params, overrides) in enumerate(groups)
        ]
        self.params = flat
        self.state = [s for group in self._groups for s in group.state]  # the groups' own dicts: one state, two views

    def _new_group(self, params: list[Node], overrides: Mapping[str, Any], index: int) -> Optimizer:
        """Group `index`: an optimizer of this kind over `params`, with the defaults and the group's own settings."""
        settings = {**self.defaults, **overrides}
        try:
            return type(self)(params, **settings)
        except (TypeError, ValueError) as error:  # name the group: the check itself names the setting and the fix
            raise type(error)(f"parameter group {index}: {error}") from None

    def _only_group(self, what: str) -> Optimizer:
        """The one group, whose attributes are the optimizer's own; several groups have no single `what`."""
        groups = self._groups
        if len(groups) != 1:
            raise ValueError(
                f"{type(self).__name__}.{what}: this optimizer has {len(groups)} parameter groups, each with its own "
                f"{what}; use param_groups[i][{what!r}] (for group in opt.param_groups: group[{what!r}] = ...)"
            )
        return groups[0]

    @property
    def lr(self) -> float:
        """The learning rate of the next step (schedulers set it; 0 is allowed there, inf and NaN never)."""
        return self._only_group("lr")._lr

    @lr.setter
    def lr(self, value: float) -> None:
        group = self._only_group("lr")
        group._lr = _check_number("lr (learning rate)", value, type(self).__name__, low=0.0, hint=_LR_HINT)

    def __setattr__(self, name: str, value: Any) -> None:
        # With several groups the optimizer has no hyperparameter attributes of its own (reading one is an
        # AttributeError), and setting one would make an attribute no step reads: refused, naming param_groups.
        # (No __getattr__ to explain the read as well: a class with one makes every attribute read slower, +2% on
        # the 64-32-10 MLP step, callgrind.)
        groups = self.__dict__.get("_groups")
        if groups is not None and groups[0] is not self and name in type(self)._hyperparameters:
            self._only_group(name)  # raises
        object.__setattr__(self, name, value)

    def _configure(self, **hyperparameters: Any) -> dict[str, Any]:
        """Check the hyperparameters; return them as they are stored. Subclasses with hyperparameters override."""
        return {}

    def _settings(self) -> dict[str, Any]:
        """This group's lr and hyperparameters, as state_dict() writes them."""
        return {
            "num_params": len(self.params),
            "lr": self._lr,
            "hyperparameters": {name: _plain(getattr(self, name)) for name in self._hyperparameters},
        }

    def state_dict(self) -> dict[str, Any]:
        """The optimizer as a checkpoint entry: its type, lr, hyperparameters and every parameter's buffers.

        Buffers are copies (arrays for Tensor parameters, floats for Values), keyed by the parameter's index
        in the list given to the optimizer (counted across the groups). With parameter groups, "groups" holds each
        group's count, lr and hyperparameters. `microgradnn.save` writes the result without pickle.
        """
        state = {str(i): {k: _copy(v) for k, v in s.items()} for i, s in enumerate(self.state) if s}
        if self._groups[0] is self:
            return {"type": type(self).__name__, **self._settings(), "state": state}
        return {
            "type": type(self).__name__,
            "num_params": len(self.params),
            "groups": [group._settings() for group in self._groups],
            "state": state,
        }

    def load_state_dict(self, state_dict: Any) -> None:
        """Restore what `state_dict()` gave (for the same kind of optimizer over the same parameters and groups).

        Everything is checked first (type, parameter count, buffer names and shapes, hyperparameters), so
        after an error the optimizer is unchanged. Resuming from it gives bit-identical training.
        """
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected the dict from optimizer.state_dict(), got {type(state_dict).__name__}")
        grouped = "groups" in state_dict
        needed = (
            ("type", "num_params", "groups", "state")
            if grouped
            else ("type", "num_params", "lr", "hyperparameters", "state")
        )
        missing = [k for k in needed if k not in state_dict]
        if missing:
            raise KeyError(f"{who}: the state has no {missing} entries; pass the dict from optimizer.state_dict()")
        if state_dict["type"] != type(self).__name__:
            raise ValueError(
                f"{who}: the state was saved from {state_dict['type']!r}, not {type(self).__name__!r}; "
                f"create a {state_dict['type']} optimizer to load it"
            )
        self._check_count(state_dict["num_params"], len(self.params), who, "")
        entries = state_dict["groups"] if grouped else [state_dict]
        if not isinstance(entries, Sequence) or isinstance(entries, str) or len(entries) != len(self._groups):
            count = len(entries) if isinstance(entries, Sequence) and not isinstance(entries, str) else entries
            raise ValueError(
                f"{who}: the state has {count!r} parameter group(s), this optimizer has {len(self._groups)}; build "
                "the optimizer with the same groups"
            )
        settings = [
            group._checked_settings(entry, who, f"parameter group {i}: " if grouped else "")
            for i, (group, entry) in enumerate(zip(self._groups, entries))
        ]
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
        self.state = new_state
        start = 0
        for group, (lr, hyper) in zip(self._groups, settings):
            group._lr = lr
            for name, value in hyper.items():
                object.__setattr__(group, name, value)
            if group is not self:
                group.state = new_state[start : start + len(group.params)]
            start += len(group.params)

    @staticmethod
    def _check_count(count: Any, expected: int, who: str, where: str) -> None:
        if not isinstance(count, (int, np.integer)) or isinstance(count, bool):
            raise TypeError(
                f"{who}: {where}'num_params' must be an int (the parameter count), got {type(count).__name__} "
                f"{count!r}; pass the dict from optimizer.state_dict() unchanged"
            )
        if count != expected:
            raise ValueError(
                f"{who}: the state is for {count} parameters{where and ' in ' + where.rstrip(': ')}, this optimizer "
                f"has {expected}; build the optimizer over the same model.parameters()"
            )

    def _checked_settings(self, entry: Any, who: str, where: str) -> tuple[float, dict[str, Any]]:
        """A saved group's lr and hyperparameters, checked for this group (nothing is changed)."""
        if not isinstance(entry, Mapping) or not {"num_params", "lr", "hyperparameters"} <= set(entry):
            raise ValueError(f"{who}: {where}expected num_params, lr and hyperparameters, got {entry!r}")
        self._check_count(entry["num_params"], len(self.params), who, where)
        lr = _check_number("lr (learning rate)", entry["lr"], who, low=0.0, hint=_LR_HINT)
        saved = entry["hyperparameters"]
        if isinstance(saved, Mapping):  # a checkpoint from before a hyperparameter existed meant its old behaviour
            saved = {**{k: v for k, v in self._added_hyperparameters.items() if k not in saved}, **saved}
        if not isinstance(saved, Mapping) or set(saved) != set(self._hyperparameters):
            raise ValueError(
                f"{who}: {where}hyperparameters {dict(saved) if isinstance(saved, Mapping) else saved!r} do "
                f"not match {list(self._hyperparameters)}"
            )
        return lr, self._configure(**saved)

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
        """PyTorch's spelling of the settings: one dict-like view per group, so
        ``for g in opt.param_groups: g["lr"] = 0.01`` works.

        A group holds "params" (a copy of its parameter list), "lr" and the hyperparameters, and reads and writes
        that group's own settings, checked as at construction: a bad value raises and changes nothing.
        """
        return [_ParamGroup(group, i, self) for i, group in enumerate(self._groups)]

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters, as PyTorch does: settings it leaves out come from `defaults`.

        Checked first: a parameter already in the optimizer, or a bad setting, raises and changes nothing.
        """
        who = f"{type(self).__name__}.add_param_group"
        if not isinstance(param_group, Mapping):
            raise TypeError(
                f"{who}: expected a dict such as {{'params': model[2].parameters(), 'lr': 0.01}}, got {param_group!r}"
            )
        ((params, overrides),) = _group_specs([param_group], who, ("params", "lr", *self._hyperparameters))
        _collect_params([*self.params, *params], who)  # (a parameter listed twice names its place in the whole list)
        group = self._new_group(params, overrides, len(self._groups))
        if self._groups[0] is self:  # from one group to several: the first becomes a group of its own, state and all
            first = type(self)(
                self.params, lr=self._lr, **{name: getattr(self, name) for name in self._hyperparameters}
            )
            first.state = self.state
            for name in ("_lr", *self._hyperparameters):
                object.__delattr__(self, name)
            self._groups = [first]
        self._groups.append(group)
        self.params = [*self.params, *group.params]
        self.state = [*self.state, *group.state]

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
        for group in self._groups:  # (just this optimizer, without parameter groups)
            group._move()

    def _move(self) -> None:
        """The update of this group's parameters, after step()'s checks."""
        # The update reads p.data and p.grad, plain floats and arrays, so it records no graph (no no_grad() needed).
        for p, state in zip(self.params, self.state):
            g = p.grad
            if g is None:  # a Tensor no loss reached, or a frozen one: nothing to do, as in PyTorch
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

    def _gradient(self, w: Any, g: Any, l2: bool = True) -> Any:
        """The gradient an update follows: -grad with maximize (to climb), plus weight_decay * w (the L2 penalty's)."""
        if self.maximize:
            g = -g
        if l2 and self.weight_decay:
            g = g + self.weight_decay * w
        return g

    def _update(self, w: Any, g: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """How far one parameter moves (its new value is w - delta), from its value w and gradient g, and its new
        buffers. w and g are floats or arrays of the same shape (step() has checked).

        Pure: reads `state`, never writes it (step() does). It must not fail on checked inputs, since step()
        applies each parameter's move as soon as it is computed.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        groups = self._groups
        if groups[0] is self:
            return f"{type(self).__name__}({len(self.params)} parameters, lr={self._lr:g})"
        lrs = ", ".join(f"{group._lr:g}" for group in groups)
        return f"{type(self).__name__}({len(self.params)} parameters in {len(groups)} groups, lr={lrs})"


class _ParamGroup(MutableMapping[str, Any]):
    """One of `Optimizer.param_groups`: a dict-like view whose keys read and write that group's settings."""

    def __init__(self, group: Optimizer, index: int, owner: Optimizer) -> None:
        self._group, self._index, self._who = group, index, f"{type(owner).__name__}.param_groups[{index}]"

    def _keys(self) -> tuple[str, ...]:
        return ("params", "lr", *self._group._hyperparameters)

    def _unknown(self, key: Any) -> str:
        return f"{self._who} has no key {key!r}; its keys are {list(self._keys())}"

    def __getitem__(self, key: str) -> Any:
        group = self._group
        if key == "params":
            return list(group.params)  # a copy: changing the list would leave the per-parameter state behind
        if key == "lr":
            return group._lr
        if key in group._hyperparameters:
            return getattr(group, key)
        raise KeyError(self._unknown(key))

    def __setitem__(self, key: str, value: Any) -> None:
        group = self._group
        if key == "lr":
            group._lr = _check_number("lr (learning rate)", value, self._who, low=0.0, hint=_LR_HINT)
        elif key in group._hyperparameters:
            hyper = {name: getattr(group, name) for name in group._hyperparameters}
            hyper[key] = value
            object.__setattr__(group, key, group._configure(**hyper)[key])  # checked with the others (nesterov)
        elif key == "params":
            raise TypeError(f"{self._who}['params'] cannot be replaced; make a new optimizer over the new parameters")
        else:
            raise KeyError(self._unknown(key))

    def __delitem__(self, key: str) -> None:
        raise TypeError(f"{self._who}: keys cannot be deleted")

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
    if _is_module(params):
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
                f"{who}: parameter {i} is a dict; parameter groups go in a list of their own, each a dict with "
                "'params': [{'params': model[0].parameters()}, {'params': model[2].parameters(), 'lr': 0.01}]"
            )
        if not isinstance(p, Node):
            raise TypeError(
                f"{who}: parameter {i} is a {type(p).__name__}, not a Value or a Tensor; pass model.parameters()"
            )
        # A frozen Tensor (requires_grad=False) is accepted, as in PyTorch: its grad stays None, so step() skips it.
        if p._parents:
            raise ValueError(
                f"{who}: parameter {i} was computed by an op ({p.op}), so it is not a leaf and a step could not move "
                "what it was computed from; pass the leaves, as model.parameters() gives them (PyTorch: can't "
                "optimize a non-leaf Tensor)"
            )
        if id(p) in seen:
            raise ValueError(f"{who}: parameter {i} is the same object as parameter {seen[id(p)]}; list it once")
        seen[id(p)] = i
    return result


def _is_module(x: Any) -> bool:
    from microgradnn.nn.module import Module

    return isinstance(x, Module)


def _group_specs(params: Any, who: str, keys: tuple[str, ...]) -> list[tuple[list[Node], dict[str, Any]]]:
    """(parameters, settings) for each group: a plain list is one group with no settings of its own."""
    if isinstance(params, Mapping):
        raise TypeError(f"{who}: a parameter group goes in a list: [{{'params': ..., 'lr': ...}}], not a bare dict")
    if not isinstance(params, Iterable) or isinstance(params, (str, bytes, Node)) or _is_module(params):
        return [(params, {})]  # not a list at all: _collect_params says what to pass
    items = list(params)
    if not any(isinstance(item, Mapping) for item in items):
        return [(items, {})]  # one group (its parameters are checked by _collect_params)
    specs = []
    for i, group in enumerate(items):
        if not isinstance(group, Mapping):
            raise TypeError(
                f"{who}: item {i} of the parameter groups is a {type(group).__name__}, not a dict; write every "
                "group as a dict, e.g. {'params': model[0].parameters()}"
            )
        unknown = [key for key in group if key not in keys]
        if unknown or "params" not in group:
            what = f"has unknown keys {unknown}" if unknown else "has no 'params'"
            raise ValueError(f"{who}: parameter group {i} {what}; a group's keys are {list(keys)}")
        group_params = group["params"]
        if isinstance(group_params, Node):
            group_params = [group_params]  # PyTorch takes a single parameter here too
        elif not isinstance(group_params, Iterable) or isinstance(group_params, (str, bytes, Mapping)):
            raise TypeError(f"{who}: parameter group {i}'s 'params' must be a list of parameters, got {group_params!r}")
        group_params = list(group_params)
        if not group_params:
            raise ValueError(f"{who}: parameter group {i} has no parameters")
        specs.append((group_params, {key: value for key, value in group.items() if key != "params"}))
    return specs


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's equations:

    g = -grad if maximize else grad                   (maximize: climb the objective instead)
    g = g + weight_decay * w
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
        *,
        maximize: bool = False,
    ) -> None:
        hyper = {"momentum": momentum, "dampening": dampening, "weight_decay": weight_decay, "nesterov": nesterov}
        super().__init__(params, lr, **hyper, maximize=maximize)

    _hyperparameters = ("momentum", "dampening", "weight_decay", "nesterov", "maximize")
    _buffers = ("momentum_buffer",)
    _added_hyperparameters: ClassVar[dict[str, Any]] = {"maximize": False}

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "SGD"
        momentum = _check_number("momentum", h["momentum"], who, low=0.0, hint="; e.g. momentum=0.9")
        dampening = _check_number("dampening", h["dampening"], who, low=0.0, hint="; e.g. dampening=0.0")
        weight_decay = _check_number("weight_decay", h["weight_decay"], who, low=0.0, hint="; e.g. 1e-4")
        nesterov = _check_flag("nesterov", h["nesterov"], who)
        if nesterov and (momentum == 0.0 or dampening != 0.0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")
        return {
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": bool(nesterov),
            "maximize": _check_flag("maximize", h["maximize"], who),
        }

    def _update(self, w: Any, g: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        # _gradient written out: a call per parameter is 1% of the benchmarked 64-32-10 step (callgrind)
        if self.maximize:
            g = -g
        if self.weight_decay:
            g = g + self.weight_decay * w
        if not self.momentum:
            return self._lr * g, {}
        buf = state.get("momentum_buffer")
        # The first step starts the buffer at g itself (no dampening), as PyTorch does.
        buf = _copy(g) if buf is None else self.momentum * buf + (1.0 - self.dampening) * g
        g = g + self.momentum * buf if self.nesterov else buf
        return self._lr * g, {"momentum_buffer": buf}


class _Adaptive(Optimizer):
    """An optimizer that divides by a running size of the gradient (Adagrad, RMSprop, Adam)."""

    def step(self) -> None:
        """One step for every parameter that has a gradient (see `Optimizer.step`)."""
        # An inf gradient makes g / sqrt(v) = inf / inf = NaN, which PyTorch writes into the weight without a word.
        # NumPy would warn, and under warnings-as-errors (or np.seterr) stop half-way through the parameters.
        with np.errstate(all="ignore"):
            super().step()


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


def _copy(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x


# ----------------------------------------------------------------- schedules
class LRScheduler:
    """Sets the optimizer's learning rate from a closed-form function of the epoch; call `step()` once per epoch.

    Creating the scheduler sets the epoch-0 rate (as PyTorch does); `base_lrs` holds each parameter group's rate
    at that moment (`base_lr` is the one rate of an optimizer without groups), and each group follows the
    schedule from its own.
    """

    _hyperparameters: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an optimizer, got {type(optimizer).__name__}; "
                "pass the optimizer, e.g. StepLR(opt, step_size=10)"
            )
        self.optimizer = optimizer
        self.base_lrs = [group._lr for group in optimizer._groups]
        self.last_epoch = 0
        self._set_lrs(self._checked_lrs(0))

    @property
    def base_lr(self) -> float:
        """The optimizer's rate when the scheduler was made (an optimizer with several groups has `base_lrs`)."""
        if len(self.base_lrs) != 1:
            raise ValueError(
                f"{type(self).__name__}.base_lr: the optimizer has {len(self.base_lrs)} parameter groups; read "
                "base_lrs, one rate per group"
            )
        return self.base_lrs[0]

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        raise NotImplementedError

    def _checked_lrs(self, epoch: int) -> list[float]:
        groups = self.optimizer._groups
        if len(groups) != len(self.base_lrs):
            raise ValueError(
                f"{type(self).__name__}: the optimizer has {len(groups)} parameter groups but the scheduler was made "
                f"for {len(self.base_lrs)}; make the scheduler after add_param_group"
            )
        return [self._checked_lr(epoch, base_lr) for base_lr in self.base_lrs]

    def _checked_lr(self, epoch: int, base_lr: float) -> float:
        try:
            lr = self._lr_at(epoch, base_lr)
        except OverflowError:  # gamma ** epoch beyond the largest float (gamma > 1): Python raises, PyTorch gives inf
            lr = math.inf
        if not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr < 0:
            raise ValueError(
                f"{type(self).__name__}: the schedule gives lr={lr!r} at epoch {epoch}; a learning rate must be a "
                "finite number >= 0 (check the schedule's formula)"
            )
        return float(lr)

    def _set_lrs(self, lrs: list[float]) -> None:
        for group, lr in zip(self.optimizer._groups, lrs):
            group._lr = lr

    def step(self) -> None:
        """Advance one epoch and set each parameter group's learning rate for it."""
        lrs = self._checked_lrs(self.last_epoch + 1)  # checked before anything changes
        self.last_epoch += 1
        self._set_lrs(lrs)

    def get_last_lr(self) -> list[float]:
        """The learning rate now in use, one per parameter group (as PyTorch's)."""
        return [group._lr for group in self.optimizer._groups]

    def state_dict(self) -> dict[str, Any]:
        """The schedule's position (last_epoch, base_lr) and settings, for a checkpoint (a LambdaLR's function is
        not saved: make the same one again before loading). With parameter groups, "base_lrs" lists each group's."""
        base = {"base_lr": self.base_lrs[0]} if len(self.base_lrs) == 1 else {"base_lrs": list(self.base_lrs)}
        return {
            "type": type(self).__name__,
            **base,
            "last_epoch": self.last_epoch,
            "hyperparameters": {name: getattr(self, name) for name in self._hyperparameters},
        }

    def load_state_dict(self, state_dict: Any) -> None:
        """Restore what `state_dict()` gave and set the optimizer's lr for that epoch; checked first, so after an
        error nothing has changed."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected the dict from scheduler.state_dict(), got {type(state_dict).__name__}")
        base_key = "base_lrs" if "base_lrs" in state_dict else "base_lr"
        missing = [k for k in ("type", base_key, "last_epoch", "hyperparameters") if k not in state_dict]
        if missing:
            raise KeyError(f"{who}: the state has no {missing} entries; pass the dict from scheduler.state_dict()")
        if state_dict["type"] != type(self).__name__:
            raise ValueError(
                f"{who}: the state was saved from {state_dict['type']!r}, not {type(self).__name__!r}; "
                f"create a {state_dict['type']} to load it"
            )
        saved_bases = state_dict[base_key]
        if base_key == "base_lr":
            saved_bases = [saved_bases]
        elif not isinstance(saved_bases, Sequence) or isinstance(saved_bases, str):
            raise TypeError(f"{who}: 'base_lrs' must be a list of rates, one per parameter group, got {saved_bases!r}")
        if len(saved_bases) != len(self.base_lrs):
            raise ValueError(
                f"{who}: the state is for {len(saved_bases)} parameter group(s), the optimizer has "
                f"{len(self.base_lrs)}; build the optimizer with the same groups"
            )
        # >= 0, not > 0: a scheduler made after another one ran down to 0 (CosineAnnealingLR's eta_min) starts there
        base_lrs = [_check_number("base_lr", base_lr, who, low=0.0) for base_lr in saved_bases]
        last_epoch = _check_count("last_epoch", state_dict["last_epoch"], who, low=0)
        saved = state_dict["hyperparameters"]
        if not isinstance(saved, Mapping) or set(saved) != set(self._hyperparameters):
            raise ValueError(f"{who}: hyperparameters {saved!r} do not match {list(self._hyperparameters)}")
        hyper = self._configure(**saved)
        old = (self.base_lrs, self.last_epoch, {name: getattr(self, name) for name in self._hyperparameters})
        self.base_lrs, self.last_epoch = base_lrs, last_epoch
        self.__dict__.update(hyper)
        try:
            lrs = self._checked_lrs(last_epoch)
        except BaseException:
            self.base_lrs, self.last_epoch = old[0], old[1]
            self.__dict__.update(old[2])
            raise
        self._set_lrs(lrs)

    def _configure(self, **hyperparameters: Any) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        lrs = ", ".join(f"{lr:g}" for lr in self.get_last_lr())
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={lrs})"


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

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    _hyperparameters = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.__dict__.update(self._configure(gamma=gamma))
        super().__init__(optimizer)

    def _configure(self, **h: Any) -> dict[str, Any]:
        hint = "; e.g. gamma=0.95"
        return {"gamma": _check_number("gamma", h["gamma"], "ExponentialLR", low=0.0, strict=True, hint=hint)}

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma**epoch


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

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0


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

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        fraction = min(epoch, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * fraction)


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

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        factor = self.lr_lambda(epoch)
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
            raise TypeError(f"LambdaLR: lr_lambda({epoch}) returned {factor!r}; it must return a number")
        return base_lr * float(factor)


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (how many milestones the epoch has reached): multiply by gamma at each milestone.

    A milestone listed twice multiplies twice, as in PyTorch.
    """

    _hyperparameters = ("milestones", "gamma")

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1) -> None:
        self.__dict__.update(self._configure(milestones=milestones, gamma=gamma))
        super().__init__(optimizer)

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "MultiStepLR"
        milestones = h["milestones"]
        if not isinstance(milestones, Iterable) or isinstance(milestones, (str, bytes, Mapping)):
            raise TypeError(f"{who}: milestones must be a list of epochs, got {milestones!r}; e.g. milestones=[30, 80]")
        return {
            "milestones": sorted(_check_count("a milestone", m, who, low=0) for m in milestones),
            "gamma": _check_number("gamma", h["gamma"], who, low=0.0, strict=True, hint="; e.g. gamma=0.1"),
        }

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)


class ReduceLROnPlateau(LRScheduler):
    """Multiply each group's lr by `factor` when a metric has stopped improving, as ``torch.optim.lr_scheduler``'s.

    Call ``step(metric)`` once per epoch with the number to watch (a validation loss, or with mode="max" an
    accuracy). A metric better than the best so far (by more than `threshold`: a fraction of the best with
    threshold_mode "rel", an amount with "abs") resets the count of bad epochs; after more than `patience` bad
    epochs in a row every group's lr becomes max(lr * factor, min_lr), unless that changes it by eps or less, and
    the next `cooldown` epochs count as good. Not a closed form of the epoch: it follows the metrics it was given.
    """

    _hyperparameters = ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lrs", "eps")
    _counters = ("best", "num_bad_epochs", "cooldown_counter", "last_epoch")

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"ReduceLROnPlateau: expected an optimizer, got {type(optimizer).__name__}; "
                "pass the optimizer, e.g. ReduceLROnPlateau(opt, patience=5)"
            )
        groups = len(optimizer._groups)
        if isinstance(min_lr, Sequence) and not isinstance(min_lr, str):
            if len(min_lr) != groups:
                raise ValueError(
                    f"ReduceLROnPlateau: min_lr lists {len(min_lr)} rates for {groups} parameter group(s); give one "
                    "per group, or one number for all"
                )
            min_lrs = list(min_lr)
        else:
            min_lrs = [min_lr] * groups
        self.__dict__.update(
            self._configure(
                mode=mode,
                factor=factor,
                patience=patience,
                threshold=threshold,
                threshold_mode=threshold_mode,
                cooldown=cooldown,
                min_lrs=min_lrs,
                eps=eps,
            )
        )
        self.optimizer = optimizer
        self.base_lrs = [group._lr for group in optimizer._groups]
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "ReduceLROnPlateau"
        for name, allowed in (("mode", ("min", "max")), ("threshold_mode", ("rel", "abs"))):
            if h[name] not in allowed:
                raise ValueError(f"{who}: {name} must be {allowed[0]!r} or {allowed[1]!r}, got {h[name]!r}")
        return {
            "mode": h["mode"],
            "factor": _check_number("factor", h["factor"], who, low=0.0, high=1.0, hint="; e.g. factor=0.1"),
            "patience": _check_count("patience", h["patience"], who, low=0),
            "threshold": _check_number("threshold", h["threshold"], who, low=0.0, hint="; e.g. threshold=1e-4"),
            "threshold_mode": h["threshold_mode"],
            "cooldown": _check_count("cooldown", h["cooldown"], who, low=0),
            "min_lrs": [_check_number("min_lr", m, who, low=0.0, hint="; e.g. min_lr=1e-6") for m in h["min_lrs"]],
            "eps": _check_number("eps", h["eps"], who, low=0.0, hint="; e.g. eps=1e-8"),
        }

    def _is_better(self, metric: float) -> bool:
        best, threshold = self.best, self.threshold
        if self.mode == "min":
            return metric < (best * (1.0 - threshold) if self.threshold_mode == "rel" else best - threshold)
        return metric > (best * (1.0 + threshold) if self.threshold_mode == "rel" else best + threshold)

    def step(self, metrics: Any = None) -> None:  # type: ignore[override]
        """Count one epoch with its `metrics` (a number: the loss or accuracy to watch), and lower the rates after
        more than `patience` epochs without improvement."""
        if metrics is None:
            raise TypeError(
                "ReduceLROnPlateau.step: give the metric to watch, e.g. scheduler.step(val_loss); it lowers the rate "
                "when that number stops improving"
            )
        if isinstance(metrics, Node):
            metrics = metrics.data
        if isinstance(metrics, np.ndarray) and metrics.size == 1:
            metrics = metrics.item()
        if isinstance(metrics, bool) or not isinstance(metrics, numbers.Real):
            raise TypeError(f"ReduceLROnPlateau.step: the metric must be a number, got {metrics!r}")
        groups = self.optimizer._groups
        if len(groups) != len(self.min_lrs):
            raise ValueError(
                f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups but the scheduler was made for "
                f"{len(self.min_lrs)}; make the scheduler after add_param_group"
            )
        current = float(metrics)  # (a NaN is never better: it counts as a bad epoch, as in PyTorch)
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:  # just after a reduction: the epoch counts as good
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(groups, self.min_lrs):
                new = max(group._lr * self.factor, min_lr)
                if group._lr - new > self.eps:  # a change smaller than eps is not made
                    group._lr = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0

    def state_dict(self) -> dict[str, Any]:
        """The settings and the counters (best so far, bad epochs, cooldown left, epochs seen), for a checkpoint."""
        return {
            "type": "ReduceLROnPlateau",
            "hyperparameters": {name: _plain(getattr(self, name)) for name in self._hyperparameters},
            **{name: getattr(self, name) for name in self._counters},
        }

    def load_state_dict(self, state_dict: Any) -> None:
        """Restore what `state_dict()` gave (the rates themselves are in the optimizer's checkpoint); checked first,
        so after an error nothing has changed."""
        who = "ReduceLROnPlateau.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected the dict from scheduler.state_dict(), got {type(state_dict).__name__}")
        missing = [k for k in ("type", "hyperparameters", *self._counters) if k not in state_dict]
        if missing:
            raise KeyError(f"{who}: the state has no {missing} entries; pass the dict from scheduler.state_dict()")
        if state_dict["type"] != "ReduceLROnPlateau":
            raise ValueError(f"{who}: the state was saved from {state_dict['type']!r}, not 'ReduceLROnPlateau'")
        saved = state_dict["hyperparameters"]
        if not isinstance(saved, Mapping) or set(saved) != set(self._hyperparameters):
            raise ValueError(f"{who}: hyperparameters {saved!r} do not match {list(self._hyperparameters)}")
        hyper = self._configure(**saved)
        if len(hyper["min_lrs"]) != len(self.optimizer._groups):
            raise ValueError(
                f"{who}: the state is for {len(hyper['min_lrs'])} parameter group(s), the optimizer has "
                f"{len(self.optimizer._groups)}"
            )
        best = state_dict["best"]
        if isinstance(best, bool) or not isinstance(best, numbers.Real):
            raise TypeError(f"{who}: 'best' must be a number, got {best!r}")
        counters = {name: _check_count(name, state_dict[name], who, low=0) for name in self._counters[1:]}
        self.__dict__.update(hyper)
        self.best = float(best)
        self.__dict__.update(counters)

    def __repr__(self) -> str:
        lrs = ", ".join(f"{lr:g}" for lr in self.get_last_lr())
        return f"ReduceLROnPlateau(mode={self.mode!r}, best={self.best:g}, bad epochs={self.num_bad_epochs}, lr={lrs})"
