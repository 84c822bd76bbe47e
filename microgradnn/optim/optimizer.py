"""The optimizer base class: parameters and their groups, the checks, the step loop and checkpoints.

Each algorithm (`SGD`, `Adagrad`, `RMSprop`, `Adam`, `AdamW`, in the files named after them) only writes
`_update`: how far one parameter moves, from its value and gradient, and its new buffers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, ClassVar

import numpy as np

from microgradnn.engine import Node
from microgradnn.scalar import Value

__all__ = ["Optimizer"]


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


def _check_saved(state_dict: Any, keys: Sequence[str], kind: str, what: str, who: str) -> None:
    """The start of every load_state_dict: a dict from `what`.state_dict() ("optimizer" or "scheduler") with all of
    `keys`, saved from this very `kind` of optimizer or scheduler."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"{who}: expected the dict from {what}.state_dict(), got {type(state_dict).__name__}")
    missing = [k for k in ("type", *keys) if k not in state_dict]
    if missing:
        raise KeyError(f"{who}: the state has no {missing} entries; pass the dict from {what}.state_dict()")
    if state_dict["type"] != kind:
        raise ValueError(
            f"{who}: the state was saved from {state_dict['type']!r}, not {kind!r}; create a {state_dict['type']} "
            f"{what} to load it"
        )


class _SeveralGroupsError(ValueError, AttributeError):
    """No single lr (or hyperparameter) with several parameter groups: a ValueError saying so, and an
    AttributeError too, so ``hasattr(opt, "lr")`` and ``getattr(opt, "lr", None)`` answer instead of raising."""


class Optimizer:
    """Holds the parameters and the learning rate; subclasses define `_update` for one parameter.

    `state[i]` keeps parameter i's buffers (momentum, running averages); `lr` is the rate of the next step,
    checked when set (schedulers set each group's).

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
        lr = _check_number("lr (learning rate)", lr, who, low=0.0, hint=_LR_HINT)  # 0 holds still, as in PyTorch
        hyper = self._configure(**hyperparameters)
        self.defaults: dict[str, Any] = {"lr": lr, **hyper}
        groups = _group_specs(params, who, ("params", "lr", *self._hyperparameters))
        if len(groups) == 1:  # model.parameters() (or one group as a dict): this optimizer is its one group
            if groups[0][1]:
                lr, hyper = self._group_settings({**self.defaults, **groups[0][1]}, 0)
            self._lr = lr
            for name, value in hyper.items():
                setattr(self, name, value)
            self.params = flat = _collect_params(groups[0][0], who)
            self.state: list[dict[str, Any]] = [{} for _ in flat]
            self._groups: list[Optimizer] = [self]
            return
        flat = _collect_params([p for group_params, _ in groups for p in group_params], who)  # (across the groups)
        self._groups = [
            self._new_group(group_params, {**self.defaults, **overrides}, i)
            for i, (group_params, overrides) in enumerate(groups)
        ]
        self.params = flat
        self.state = [s for group in self._groups for s in group.state]  # the groups' own dicts: one state, two views

    def _group_settings(self, settings: Mapping[str, Any], index: int) -> tuple[float, dict[str, Any]]:
        """Group `index`'s lr and hyperparameters from `settings`, checked. A group's lr may be 0, as in PyTorch
        (a group held still, or a schedule run down to 0)."""
        settings = dict(settings)
        try:
            lr = _check_number("lr (learning rate)", settings.pop("lr"), type(self).__name__, low=0.0, hint=_LR_HINT)
            return lr, self._configure(**settings)
        except (TypeError, ValueError) as error:  # name the group: the check itself names the setting and the fix
            raise type(error)(f"parameter group {index}: {error}") from None

    def _new_group(self, params: list[Node], settings: Mapping[str, Any], index: int) -> Optimizer:
        """Group `index`: an optimizer of this kind over `params` with `settings` (its lr and hyperparameters),
        built at the constructor's rate (which is > 0) and then given its own."""
        lr, hyper = self._group_settings(settings, index)
        group = type(self)(params, lr=self.defaults["lr"], **hyper)
        group._lr = lr
        return group

    def _only_group(self, what: str) -> Optimizer:
        """The one group, whose attributes are the optimizer's own; several groups have no single `what`."""
        groups = self._groups
        if len(groups) != 1:
            raise _SeveralGroupsError(
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
        grouped = isinstance(state_dict, Mapping) and "groups" in state_dict
        needed = ("num_params", "groups", "state") if grouped else ("num_params", "lr", "hyperparameters", "state")
        _check_saved(state_dict, needed, type(self).__name__, "optimizer", who)
        self._check_num_params(state_dict["num_params"], len(self.params), who, "")
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
    def _check_num_params(count: Any, expected: int, who: str, where: str) -> None:
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
        self._check_num_params(entry["num_params"], len(self.params), who, where)
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
        group = self._new_group(params, {**self.defaults, **overrides}, len(self._groups))
        if self._groups[0] is self:  # from one group to several: the first becomes a group of its own, state and all
            now = {name: getattr(self, name) for name in ("lr", *self._hyperparameters)}
            first = self._new_group(self.params, now, 0)
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


class _Adaptive(Optimizer):
    """An optimizer that divides by a running size of the gradient (Adagrad, RMSprop, Adam)."""

    def step(self) -> None:
        """One step for every parameter that has a gradient (see `Optimizer.step`)."""
        # An inf gradient makes g / sqrt(v) = inf / inf = NaN, which PyTorch writes into the weight without a word.
        # NumPy would warn, and under warnings-as-errors (or np.seterr) stop half-way through the parameters.
        with np.errstate(all="ignore"):
            super().step()


def _copy(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x
