"""`Module`: the base class of every network piece, scalar or tensor.

As in PyTorch, a module finds its parameters and submodules by attribute
assignment: ``self.w = Value(0.5)`` registers a parameter, ``self.fc = Linear(2, 3)``
a submodule, ``self.layers = [Layer(...), ...]`` a `ModuleList`. From that one
registry come `parameters()`, `named_parameters()` (dotted names such as
``"layers.0.neurons.1.w0"``), `zero_grad()`, `train()`/`eval()`,
`state_dict()`/`load_state_dict()` and the printed tree.

Every module also knows its dotted path inside the model it belongs to. The
nodes it creates are recorded under that path (`microgradnn.scopes`), so a picture of the graph can draw
one box per neuron or layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from microgradnn.engine import GRAD_MODE, Node
from microgradnn.modes import SWITCHES
from microgradnn.scalar import Value
from microgradnn.scopes import has_note, scope_of, set_scope, set_scopes, tag_later

__all__ = ["IncompatibleKeys", "Module", "ModuleList", "Parameter", "is_parameter"]


def is_parameter(x: object) -> bool:
    """True for what a module registers as a parameter: any Value, or a Tensor with requires_grad=True."""
    if isinstance(x, Value):
        return True
    return isinstance(x, Node) and bool(getattr(x, "requires_grad", False))


def Parameter(data: Any, label: str = "") -> Node:
    """A trainable Tensor: ``Tensor(data, requires_grad=True)``, keeping data's float dtype.

    PyTorch's `nn.Parameter` is a Tensor subclass; here any Tensor with
    ``requires_grad=True`` assigned to a module attribute is a parameter, so this
    is only a short way to make one.
    """
    from microgradnn.tensor import Tensor

    array = np.asarray(data.data if isinstance(data, Node) else data)
    dtype = array.dtype if np.issubdtype(array.dtype, np.floating) else None
    return Tensor(array.copy(), requires_grad=True, dtype=dtype, label=label)


def _check_name(name: str, who: str, what: str) -> None:
    """A registered name must be one piece of a dotted path: state_dict joins names with ".", so "a.b" could
    collide with submodule "a"'s parameter "b"."""
    if not isinstance(name, str) or not name or "." in name:
        fixed = name.replace(".", "_") if isinstance(name, str) and name else "w"
        raise ValueError(
            f"{who}: cannot register {what} under the name {name!r}: names must be non-empty and contain no '.' "
            f"(state_dict joins names with '.', so they would collide); use e.g. {fixed!r}"
        )


def _entry_array(value: Any, key: str) -> np.ndarray:
    """A state-dict entry as an array, or a clear error for rows of different lengths (numpy's own is cryptic)."""
    try:
        return np.asarray(value)
    except ValueError:
        raise ValueError(
            f"load_state_dict: {key!r} is ragged (rows of different lengths), not an array; give equal-length "
            "rows, as model.state_dict() has them"
        ) from None


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` could not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class: subclass it, assign parameters and submodules in `__init__`, define `forward`.

    >>> class Affine(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w, self.b = Value(2.0), Value(1.0)
    ...     def forward(self, x):
    ...         return self.w * x + self.b
    >>> [name for name, _ in Affine().named_parameters()]
    ['w', 'b']
    """

    training: bool

    def __init__(self) -> None:
        # Set through object.__setattr__: our own __setattr__ needs these to exist.
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", [])  # names of attributes that are state but not parameters
        object.__setattr__(self, "_path", "")
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: cannot assign {name!r} before Module.__init__() ran; "
                "call super().__init__() first in your __init__"
            )
        params, modules = self._parameters, self._modules
        if isinstance(value, (list, tuple)) and value and all(isinstance(m, Module) for m in value):
            value = ModuleList(value)  # a plain list of modules, micrograd style, becomes a ModuleList
        if isinstance(value, Module) or is_parameter(value):
            _check_name(name, type(self).__name__, "a submodule" if isinstance(value, Module) else "a parameter")
        if isinstance(value, Module):
            self._refuse_cycle(name, value)
        if name in self._buffers and (isinstance(value, Module) or is_parameter(value)):
            self._buffers.remove(name)  # a buffer replaced by a submodule or a parameter is no longer a buffer
        # Replacing a registered name keeps its place in the order (dict assignment does).
        if isinstance(value, Module):
            params.pop(name, None)
            modules[name] = value
            value._set_path(_join(self._path, name))
        elif is_parameter(value):
            modules.pop(name, None)
            params[name] = value
            set_scope(value, self._path)
        else:
            params.pop(name, None)
            modules.pop(name, None)
        object.__setattr__(self, name, value)

    def _refuse_cycle(self, name: str, value: Module) -> None:
        if any(m is self for m in value.modules()):
            raise ValueError(
                f"{type(self).__name__}: cannot make {type(value).__name__} {name!r} a submodule, because it contains "
                "this module (or is it): a model would then contain itself; use a new module there"
            )

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if name in self._buffers:
            self._buffers.remove(name)

    def register_buffer(self, name: str, value: Any) -> None:
        """Keep `value` (an array or a number, e.g. BatchNorm's running mean) as state: saved in `state_dict`,
        restored by `load_state_dict`, but not a parameter (no gradient, not seen by optimizers)."""
        if (value is not None and not isinstance(value, (np.ndarray, int, float))) or isinstance(value, bool):
            raise TypeError(
                f"{type(self).__name__}.register_buffer({name!r}): a buffer is a numpy array or a number, "
                f"got {type(value).__name__}"
            )
        _check_name(name, type(self).__name__, "a buffer")
        if name in self._parameters or name in self._modules:  # (PyTorch refuses too) both would claim the name
            what = "a parameter" if name in self._parameters else "a submodule"
            raise KeyError(
                f"{type(self).__name__}.register_buffer({name!r}): {name!r} is already {what}; pick another name, "
                f"or `del module.{name}` first"
            )
        if name not in self._buffers:
            self._buffers.append(name)
        object.__setattr__(self, name, value)

    def named_buffers(self, prefix: str = "") -> list[tuple[str, Any]]:
        """(dotted name, value) for every buffer that holds a value."""
        return [(name, value) for name, (_, _, value) in self._buffer_slots(prefix).items()]

    def buffers(self) -> list[Any]:
        """Every buffer that holds a value (e.g. BatchNorm's running_mean), in the order of `named_buffers`."""
        return [value for _, value in self.named_buffers()]

    def _buffer_slots(self, prefix: str = "") -> dict[str, tuple[Module, str, Any]]:
        slots = {}
        for module_name, module in self.named_modules(prefix):
            for name in getattr(module, "_buffers", ()):
                value = getattr(module, name, None)
                if value is not None:
                    slots[_join(module_name, name)] = (module, name, value)
        return slots

    def register_parameter(self, name: str, param: Node) -> None:
        """Register `param` under `name` (same as ``setattr(self, name, param)``, checked)."""
        if not is_parameter(param):
            raise TypeError(
                f"{type(self).__name__}.register_parameter({name!r}): expected a Value or a Tensor with "
                f"requires_grad=True, got {type(param).__name__}; e.g. Tensor(x, requires_grad=True)"
            )
        setattr(self, name, param)

    def register_module(self, name: str, module: Module) -> None:
        """Register `module` under `name` (same as ``setattr(self, name, module)``, checked)."""
        if not isinstance(module, Module):
            raise TypeError(
                f"{type(self).__name__}.register_module({name!r}): expected a Module, got {module!r}; "
                "e.g. register_module('fc', Linear(2, 3))"
            )
        setattr(self, name, module)

    def _set_path(self, path: str) -> None:
        """Record where this module sits in its model; children and parameters follow."""
        object.__setattr__(self, "_path", path)
        for p in self._parameters.values():
            set_scope(p, path)
        for name, child in self._modules.items():
            child._set_path(_join(path, name))

    @property
    def path(self) -> str:
        """Dotted name of this module inside the model that holds it ('' for the model itself)."""
        return self._path

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self.forward(*args, **kwargs)
        if self._path and (not SWITCHES.active or GRAD_MODE.enabled):  # (the fast mode check of modes.py)
            _tag_new_nodes(out, args, self._path)
        return out

    # ------------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "") -> list[tuple[str, Module]]:
        """(dotted name, module) for this module ('' or `prefix`) and every submodule, each once."""
        result: list[tuple[str, Module]] = []
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            result.append((name, module))
            stack.extend(reversed([(_join(name, n), m) for n, m in module._modules.items()]))
        return result

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn(m)`` on every submodule (children first), then on this module, as PyTorch does; returns self."""
        for child in self._modules.values():
            child.apply(fn)
        fn(self)
        return self

    def modules(self) -> list[Module]:
        """This module and every submodule."""
        return [m for _, m in self.named_modules()]

    def named_children(self) -> list[tuple[str, Module]]:
        """(name, module) for the direct submodules."""
        return list(self._modules.items())

    def children(self) -> list[Module]:
        """The direct submodules."""
        return list(self._modules.values())

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Node]]:
        """(dotted name, parameter) for every parameter, each once even if shared."""
        result: list[tuple[str, Node]] = []
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for name, p in module._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    result.append((_join(module_name, name), p))
        return result

    def parameters(self) -> list[Node]:
        """Every parameter (Values or Tensors), in registration order: what an optimizer needs."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many numbers the parameters hold together."""
        return sum(int(np.size(p.data)) for p in self.parameters())

    # ---------------------------------------------------------------- state
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient: None for a Tensor (PyTorch's default), or with ``set_to_none=False``
        zeros written into its gradient array in place (a None gradient stays None). A Value's gradient is a float
        with no None state: 0.0 either way."""
        _zero_grads(self.parameters(), set_to_none, f"{type(self).__name__}.zero_grad")

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Turn gradient tracking on or off for every Tensor parameter, as PyTorch does; returns self.

        ``requires_grad_(False)`` freezes the module (fine-tuning the layers after it): its parameters stay in
        `parameters()` and `state_dict()`, backward leaves their grad None, and an optimizer skips them at step().
        A Value always gets a gradient, so freezing a module with Value parameters raises (leave them out of the
        optimizer instead); ``requires_grad_(True)`` leaves Values as they are.
        """
        who = f"{type(self).__name__}.requires_grad_"
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"{who}: requires_grad must be True or False, got {requires_grad!r}")
        named = self.named_parameters()
        for name, p in named:  # every check first: after an error nothing has changed
            if isinstance(p, Value) and not requires_grad:
                raise TypeError(
                    f"{who}: parameter {name!r} is a Value, and a Value always gets a gradient; to freeze a scalar "
                    "module, leave its parameters out of the optimizer, e.g. SGD(model.layers[-1].parameters(), lr=0.1)"
                )
            if not isinstance(p, Value) and p._parents:
                raise ValueError(f"{who}: parameter {name!r} is an op's result, not a leaf; only a leaf can change it")
        for _, p in named:
            if not isinstance(p, Value):
                p.requires_grad_(bool(requires_grad))
        return self

    def train(self, mode: bool = True) -> Module:
        """Training mode for this module and its submodules (Dropout drops); returns self."""
        if not isinstance(mode, (bool, np.bool_)):  # as PyTorch: train("eval") must not mean train(True)
            raise ValueError(
                f"{type(self).__name__}.train: mode must be True or False, got {mode!r}; "
                "use model.train() to train and model.eval() to evaluate"
            )
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode (Dropout passes everything through); returns self."""
        return self.train(False)

    def _state_entries(self) -> list[tuple[str, Module, str]]:
        """(dotted key, module, attribute name) of every parameter and buffer, in PyTorch's state_dict order: each
        module's own parameters, then its own buffers, then its children's entries, child by child. A module or a
        parameter held in two places is listed under both names, as PyTorch lists it."""
        entries: list[tuple[str, Module, str]] = []
        stack: list[tuple[str, Module]] = [("", self)]  # (a module cannot contain itself: __setattr__ refuses it)
        while stack:
            prefix, module = stack.pop()
            entries.extend((_join(prefix, name), module, name) for name in module._parameters)
            entries.extend(
                (_join(prefix, name), module, name)
                for name in getattr(module, "_buffers", ())
                if getattr(module, name, None) is not None
            )
            stack.extend(reversed([(_join(prefix, n), m) for n, m in module._modules.items()]))
        return entries

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter (a Value gives a 0-d float64 array) and buffer as a numpy array, by dotted name,
        in PyTorch's order (see `_state_entries`)."""
        state = {}
        for key, module, name in self._state_entries():
            value = getattr(module, name)
            if name in module._parameters:
                state[key] = np.array(value.data, dtype=_dtype_of(value), copy=True)
            else:
                state[key] = np.array(value, copy=True)
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values from `state_dict` into the parameters, in place.

        Everything is checked before anything is written, so after an error the
        model is unchanged. With `strict` (the default) the keys must match
        exactly; shapes must always match.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict: expected a dict of arrays, got {type(state_dict).__name__}; "
                "pass model.state_dict() or microgradnn.load(path)"
            )
        own: dict[str, Node] = {}
        buffers: dict[str, tuple[Module, str, Any]] = {}
        identity: dict[str, tuple[int, str]] = {}  # which parameter or buffer each key names (shared: several keys)
        for key, module, name in self._state_entries():
            if name in module._parameters:
                own[key] = module._parameters[name]
                identity[key] = (id(own[key]), "")
            else:
                buffers[key] = (module, name, getattr(module, name))
                identity[key] = (id(module), name)
        # Something shared is missing only when none of its names is given: a checkpoint that names it once (as this
        # library saved shared modules before it listed every name, PyTorch's way) still loads.
        given = {identity[k] for k in state_dict if k in identity}
        missing = [k for k, named in identity.items() if named not in given]
        unexpected = [k for k in state_dict if k not in identity]
        if strict and (missing or unexpected):
            raise KeyError(
                f"load_state_dict({type(self).__name__}): keys do not match; missing: {missing or 'none'}, "
                f"unexpected: {unexpected or 'none'} (pass strict=False to load only the keys both have)"
            )
        updates: list[tuple[str, Node, np.ndarray]] = []
        for key, p in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = _entry_array(value.data if isinstance(value, Node) else value, key)
            if array.dtype.kind not in "fiu":
                raise TypeError(
                    f"load_state_dict: {key!r} holds dtype {array.dtype}; parameters need numbers (int or float arrays)"
                )
            expected = np.shape(p.data)
            if array.shape != expected:
                raise ValueError(
                    f"load_state_dict: shape mismatch for {key!r}: the model has {expected}, "
                    f"the state dict has {array.shape}; build the model with the sizes it was saved with"
                )
            if not isinstance(p, Value) and not p.data.flags.writeable:
                raise ValueError(
                    f"load_state_dict: parameter {key!r} holds a read-only array; give it a writable copy "
                    "(p.data = np.array(p.data)) before loading"
                )
            updates.append((key, p, array))
        buffer_updates = []
        for key, (module, name, value) in buffers.items():
            if key not in state_dict:
                continue
            array = _entry_array(state_dict[key], key)
            if array.shape != np.shape(value) or array.dtype.kind not in "fiub":
                raise ValueError(
                    f"load_state_dict: buffer {key!r} must be numbers of shape {np.shape(value)}, got "
                    f"{array.dtype} of shape {array.shape}; build the model with the sizes it was saved with"
                )
            buffer_updates.append((module, name, value, array))
        # Only now, with every entry checked, write; if a write still fails, the ones done are undone.
        done: list[tuple[Node, Any]] = []
        for module, name, value, array in buffer_updates:  # buffers first: plain copies that cannot fail half-way
            if isinstance(value, np.ndarray):
                value[...] = array
            else:
                object.__setattr__(module, name, type(value)(array))
        try:
            for _, p, array in updates:
                old = p.data if isinstance(p, Value) else p.data.copy()
                if isinstance(p, Value):
                    p.data = float(array)
                else:
                    p.data[...] = array
                    _mark_written(p)
                done.append((p, old))
        except BaseException:
            for p, old in reversed(done):
                if isinstance(p, Value):
                    p.data = old
                else:
                    p.data[...] = old
                    _mark_written(p)
            raise
        return IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The text inside this module's parentheses (e.g. 'in_features=2, out_features=3')."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): {_indent(repr(child))}" for name, child in self._child_reprs()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([extra] if extra else []) + lines)
        return f"{type(self).__name__}(\n  {body}\n)"

    def _child_reprs(self) -> list[tuple[str, Any]]:
        return list(self._modules.items())


def _zero_grads(params: Iterable[Node], set_to_none: Any, who: str) -> None:
    """zero_grad(set_to_none) of a Module or an Optimizer. With False a Tensor's gradient array is filled with 0 in
    place, as PyTorch's ``grad.zero_()`` (the engine never lets two gradients share memory); one that cannot be
    (read-only, a graph node from create_graph) becomes a new zero array of its dtype."""
    if not isinstance(set_to_none, (bool, np.bool_)):
        raise TypeError(f"{who}: set_to_none must be True or False, got {set_to_none!r}")
    for p in params:
        g = p.grad
        if set_to_none or g is None or isinstance(p, Value):
            p.zero_grad()  # None for a Tensor, 0.0 for a Value (a float has no None state)
        elif type(g) is np.ndarray and g.flags.writeable:
            g.fill(0)
        else:
            p.grad = np.zeros_like(g.data if isinstance(g, Node) else g)


def _mark_written(p: Node) -> None:
    """Tell the tensor its data was written in place (its version counter), as optimizer steps do, so a backward
    through a graph that saved the old values raises instead of using the new ones."""
    bump = getattr(p, "_bump", None)
    if callable(bump):
        bump()


def _dtype_of(p: Node) -> Any:
    return np.float64 if isinstance(p, Value) else np.asarray(p.data).dtype


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _tag_new_nodes(out: Any, inputs: tuple[Any, ...], scope: str) -> None:
    """Give `scope` to the nodes this call created: those between `out` and the inputs not yet scoped.

    For one output node the walk waits until a picture first asks for a scope (`scopes.tag_later`); innermost
    modules leave their notes first, so a container (Sequential) finds its children's nodes already scoped and
    leaves them alone.
    """
    if isinstance(out, Node):
        if not out._parents or has_note(out):  # a leaf, or an inner module's output
            return
    elif not isinstance(out, (list, tuple)):  # no node to tag (a number, a dict, None)
        return
    claimed: set[int] = set()  # the inputs (a module may hand one back unchanged), then every node tagged here
    for a in inputs:
        if isinstance(a, Node):
            claimed.add(id(a))
        elif isinstance(a, (list, tuple)):
            claimed.update(id(v) for v in a if isinstance(v, Node))
    if isinstance(out, Node):
        if id(out) not in claimed:  # (an input handed back: nothing new)
            tag_later(out, _tag_walk, claimed, scope)
        return
    for o in out:
        if isinstance(o, Node) and o._parents:
            _tag_walk(o, claimed, scope)  # (it skips an output already scoped)


def _tag_walk(o: Node, claimed: set[int], scope: str) -> None:
    """Tag `o` and the nodes behind it down to the claimed and the already scoped ones."""
    if id(o) in claimed or scope_of(o) is not None:
        return
    claimed.add(id(o))
    made, stack = [], [o]
    while stack:
        node = stack.pop()
        made.append(node)
        for parent in node._parents:
            # Parameters and earlier modules' nodes are scoped, and leaves have no parents: the walk ends there.
            if parent._parents and id(parent) not in claimed and scope_of(parent) is None:
                claimed.add(id(parent))
                stack.append(parent)
    set_scopes(made, scope, o)  # o depends on every node of its walk, so it keeps them alive


class _BufferSnapshot:
    """A module's buffers (BatchNorm's running statistics) as they were, to put back after a forward pass that
    must leave no trace: a failed training step, a comparison (nothing to do for a model without buffers, or for
    something that is not a Module)."""

    def __init__(self, model: Any) -> None:
        slots = model._buffer_slots() if isinstance(model, Module) else {}
        self.slots = [(module, name) for module, name, _ in slots.values()]
        self.kept: list[Any] = []

    def take(self) -> None:
        if self.slots:
            self.kept = [np.copy(getattr(module, name)) for module, name in self.slots]

    def restore(self) -> None:
        for (module, name), value in zip(self.slots, self.kept):
            live = getattr(module, name)
            if not isinstance(live, np.ndarray):  # a number (num_batches_tracked): put back as the same kind
                object.__setattr__(module, name, type(live)(value))
            elif live.shape == value.shape:
                live[...] = value
            else:  # a buffer replaced rather than updated in place
                object.__setattr__(module, name, value)


class ModuleList(Module):
    """A list of modules, registered as children "0", "1", ...; indexable and iterable like a list."""

    _borrowed = False  # True for a slice, whose modules belong to (and keep their paths in) another model

    def __init__(self, modules: Iterable[Module] | None = ()) -> None:
        super().__init__()
        for module in modules or ():
            self.append(module)

    def append(self, module: Module) -> ModuleList:
        """Add `module` at the end; returns self."""
        if not isinstance(module, Module):
            raise TypeError(
                f"{type(self).__name__}.append: expected a Module, got {type(module).__name__} ({module!r}); "
                "e.g. append(Linear(2, 3))"
            )
        setattr(self, str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add each of `modules` at the end; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put `module` before position `index` (as list.insert); the children are numbered again from "0"."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"{type(self).__name__}.insert: the index must be an int, got {type(index).__name__}")
        items = list(self._modules.values())
        items.insert(int(index), self._checked(module, "insert"))  # list.insert's rule: past either end is the end
        self._renumber(items)

    def pop(self, index: int = -1) -> Module:
        """Remove the module at `index` (the last by default) and return it; the rest are numbered again."""
        module = self[index]
        del self[index]
        return module

    def __setitem__(self, index: int, module: Module) -> None:
        """``model[i] = layer`` replaces the child at position i (PyTorch's spelling)."""
        i = self._index(index, "item assignment", len(self._modules))
        setattr(self, list(self._modules)[i], self._checked(module, "item assignment"))

    def __delitem__(self, index: int | slice) -> None:
        """``del model[i]`` or ``del model[1:3]``; the children left are numbered again from "0", as in PyTorch."""
        items = list(self._modules.values())
        if isinstance(index, slice):
            del items[index]
        else:
            del items[self._index(index, "del", len(items))]
        self._renumber(items)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        """A new container of the same kind with this one's modules, then `other`'s."""
        combined = self._part(list(self._modules.values()))
        combined.extend(other)
        return combined

    def __iadd__(self, other: Iterable[Module]) -> ModuleList:
        return self.extend(other)

    def _checked(self, module: Any, what: str) -> Module:
        if not isinstance(module, Module):
            raise TypeError(
                f"{type(self).__name__} {what}: expected a Module, got {type(module).__name__} ({module!r}); "
                "e.g. model[0] = Linear(2, 3)"
            )
        return module

    def _index(self, index: Any, what: str, size: int) -> int:
        """`index` as a position from 0 (a negative one counts from the end), checked against `size` positions."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"{type(self).__name__} {what}: the index must be an int, got {type(index).__name__}")
        i = int(index) + size if index < 0 else int(index)
        if not 0 <= i < size:
            raise IndexError(
                f"{type(self).__name__} {what}: index {index} out of range (length {size}); "
                f"use an index from {-size} to {size - 1}"
            )
        return i

    def _renumber(self, modules: list[Module]) -> None:
        """Register `modules` as the children "0", "1", ..., in order, checked first (an error changes nothing).

        Their paths follow, so the pictures stay right, except in a slice: its modules keep their paths in the
        model they came from (see `_part`).
        """
        for i, module in enumerate(modules):
            self._refuse_cycle(str(i), module)
        for key in list(self._modules):
            object.__delattr__(self, key)
        self._modules.clear()
        for i, module in enumerate(modules):
            if self._borrowed:
                self._modules[str(i)] = module
                object.__setattr__(self, str(i), module)
            else:
                setattr(self, str(i), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.values())
        if isinstance(index, slice):
            return self._part(items[index])
        try:
            return items[index]
        except IndexError:
            raise IndexError(
                f"{type(self).__name__} index {index} out of range (length {len(items)}); "
                f"use an index from {-len(items)} to {len(items) - 1}"
            ) from None
        except TypeError:
            raise TypeError(
                f"{type(self).__name__} indices must be ints or slices, got {type(index).__name__} {index!r}; "
                f"e.g. model[0], model[-1] or model[1:]"
            ) from None

    def _part(self, modules: list[Module]) -> ModuleList:
        """A slice, as in PyTorch: a container of the same kind (a Sequential stays callable), children renumbered
        from "0". The modules keep their paths in the model they came from, so its pictures stay right."""
        part = type(self).__new__(type(self))
        ModuleList.__init__(part)
        object.__setattr__(part, "training", self.training)
        object.__setattr__(part, "_borrowed", True)
        for i, module in enumerate(modules):
            part._modules[str(i)] = module
            object.__setattr__(part, str(i), module)
        return part

    def _child_reprs(self) -> list[tuple[str, Any]]:
        # Runs of identical children print once, as "(0-15): 16 x Neuron(...)".
        out: list[tuple[str, Any]] = []
        items = list(self._modules.items())
        i = 0
        while i < len(items):
            j = i
            text = repr(items[i][1])
            while j + 1 < len(items) and repr(items[j + 1][1]) == text:
                j += 1
            if j > i:
                out.append((f"{items[i][0]}-{items[j][0]}", _Text(f"{j - i + 1} x {text}")))
            else:
                out.append(items[i])
            i = j + 1
        return out


class _Text:
    """A string that prints without quotes (for ModuleList's collapsed runs)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text
