"""The graph core shared by `Value` and `Tensor`: nodes, Functions, and the one backward loop.

A node holds `data`, `grad`, its parents (an ordered tuple: ``a + a`` lists
``a`` twice), the `Function` that made it and that Function's saved `Context`.
An op is a `Function`: its `forward` and its `backward` stand side by side,
and `backward(ctx, grad)` is a pure function returning one gradient per
input. This module alone adds those gradients into ``parent.grad``. Because
every edge passes through `chain_rule_step`, `backward()` and
`backward_steps()` are the same code: the second just yields a `Step` record
after each node.

Gradient conventions (PyTorch's where a learner will meet them next):

* leaves (nodes with no parents) accumulate across backward calls until
  `zero_grad()`;
* interior nodes are reset at the start of each pass, so their `.grad` shows
  the gradient of the latest pass and backward can run again on the same graph;
* inside `no_grad()` ops record no parents, so nothing is differentiated;
  grad mode is per thread;
* a pass that fails or is abandoned part way leaves every gradient as it was;
  a `backward_steps()` pass paused between steps is undone by a later pass
  over any of its nodes, which then runs from where the paused one began
  (resuming the paused one raises);
* a scalar `backward()` skips a node whose gradient is exactly 0 when its op's
  derivatives are finite there (`Function.finite_derivatives`): it would only
  send zeros. `backward_steps()` visits every node.

Nothing a node saves refers back to the node, so a graph is freed by
reference counting alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from math import isfinite
from typing import Any, ClassVar

from microgradnn.anomaly import check_backward
from microgradnn.modes import ANOMALY, GRAD_MODE, SWITCHES, entered, in_mode, left

__all__ = [
    "Context",
    "Function",
    "Node",
    "Step",
    "backward",
    "backward_steps",
    "chain_rule_step",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "recorded_steps",
    "set_grad_enabled",
    "topological_order",
]


# ------------------------------------------------------------------ grad mode


def is_grad_enabled() -> bool:
    """True when ops record their parents (the default), in this thread."""
    return GRAD_MODE.enabled


class _GradModeSwitch:
    """A `with` block that sets this thread's grad mode and restores the previous one on the way out.

    Also a decorator, with or without parentheses (``@no_grad`` or ``@no_grad()``, as in PyTorch). On a
    generator function the mode holds while the generator's body runs, and the caller's mode while it is paused.
    A small class rather than a @contextmanager generator: optimizers enter one per step.
    """

    __slots__ = ("previous",)
    enabled: ClassVar[bool]

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        if fn is not None and not callable(fn):  # no_grad(False) would otherwise hand back a decorated 3
            name = cls.__name__
            raise TypeError(
                f"{name}: got {fn!r}; write `with {name}():`, or put @{name} above a function "
                "(to choose the mode by a flag: `with set_grad_enabled(flag):`)"
            )
        self = super().__new__(cls)
        self.previous = True
        return self if fn is None else self(fn)

    def __enter__(self) -> None:
        entered()
        self.previous = GRAD_MODE.enabled
        GRAD_MODE.enabled = self.enabled

    def __exit__(self, *exc_info: object) -> None:
        GRAD_MODE.enabled = self.previous
        left()

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return in_mode(fn, type(self))


class no_grad(_GradModeSwitch):
    """Ops inside record no graph (evaluation, optimizer updates): ``with no_grad():`` or ``@no_grad``."""

    __slots__ = ()
    enabled = False


class enable_grad(_GradModeSwitch):
    """Turn graph recording back on inside a `no_grad()` block: ``with enable_grad():`` or ``@enable_grad``."""

    __slots__ = ()
    enabled = True


def set_grad_enabled(mode: bool) -> _GradModeSwitch:
    """``with set_grad_enabled(flag):`` records the graph or not, as `flag` says (PyTorch's spelling)."""
    return enable_grad() if mode else no_grad()


# ------------------------------------------------------------ Function protocol
class Context:
    """What a Function's forward keeps for its backward.

    `save_for_backward(*values)` keeps inputs or the output (read back as
    `saved_values`); other attributes (``ctx.axis = 1``) keep constants such as
    shapes, axes or masks. `needs_input_grad[i]` tells a backward whether input
    i needs a gradient at all (so it can skip the work).
    """

    __slots__ = ("__dict__", "needs_input_grad", "saved_values", "versions")

    def __init__(self) -> None:
        self.saved_values: tuple[Any, ...] = ()
        # needs_input_grad and versions are set by TensorFunction.apply, and the write clock's tick, in __dict__
        # rather than a slot every scalar node's Context would carry (scalar ops need none of them).

    def save_for_backward(self, *values: Any) -> None:
        """Keep inputs or the output for backward. Only those: anything else must be a constant of the op."""
        self.saved_values = values

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """PyTorch's name for `saved_values`."""
        return self.saved_values

    def _with_saved(self, values: tuple[Any, ...]) -> Context:
        """A copy whose saved values are `values` (the graph nodes, for a create_graph pass)."""
        copy = Context()
        copy.__dict__.update(self.__dict__)
        if hasattr(self, "needs_input_grad"):
            copy.needs_input_grad = self.needs_input_grad
        copy.saved_values = values
        return copy


class Function:
    """An op: `forward` computes the result from plain data, `backward` its gradients, side by side.

    Subclasses write both as static methods and give the math once in the
    docstring, e.g. f(x) = tanh(x), f'(x) = 1 - tanh(x)^2::

        class Tanh(ScalarFunction):
            @staticmethod
            def forward(ctx, x):
                out = math.tanh(x)
                ctx.save_for_backward(out)
                return out

            @staticmethod
            def backward(ctx, grad):
                (out,) = ctx.saved_values
                return (grad * (1 - out * out),)

    `backward(ctx, grad)` returns exactly one gradient per input (None where an
    input needs none). It is written with operations that exist on plain
    numbers or arrays *and* on graph nodes, so the same formula runs in a
    first-order pass (numbers) and in ``backward(create_graph=True)`` (nodes).
    `apply` (defined by `ScalarFunction` and `TensorFunction`) runs forward and
    builds the node.
    """

    name: ClassVar[str] = ""  # the op's short name in pictures and reprs ("+", "tanh", "matmul")
    # True when every d out/d input is finite wherever the output is: then an upstream gradient of exactly 0
    # sends exactly 0 to every input (0 * a finite number), and a scalar backward() need not run the op at all.
    # Not so where a derivative blows up at a finite output (sqrt at 0, log or 1/x near 0): 0 * inf is nan there.
    finite_derivatives: ClassVar[bool] = False

    @staticmethod
    def forward(ctx: Context, *inputs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    @classmethod
    def describe(cls, ctx: Context) -> str:
        """The op's name as pictures show it (an op may add a constant, e.g. "**2")."""
        return cls.name or cls.__name__.lower()


# ------------------------------------------------------------------------ Node
class Node:
    """One vertex of a computation graph.

    Subclasses (`Value`, `Tensor`) store `data`; `grad` starts at `_zero_grad`
    (0.0 for Value, None for Tensor); `_parents` is an ordered tuple, `_fn` the
    Function that made the node (None for a leaf) and `_ctx` what it saved.
    """

    __slots__ = ("__weakref__", "_ctx", "_fn", "_parents", "data", "grad", "label")

    # What `grad` holds before any contribution arrives.
    _zero_grad: ClassVar[Any] = None

    data: Any
    grad: Any
    label: str
    _parents: tuple[Node, ...]
    _fn: type[Function] | None
    _ctx: Context | None

    @property
    def parents(self) -> tuple[Node, ...]:
        """The operands this node was computed from, in order."""
        return self._parents

    @property
    def op(self) -> str:
        """Name of the operation that produced this node ('' for a leaf)."""
        fn = self._fn
        return "" if fn is None else fn.describe(self._ctx)

    @property
    def grad_fn(self) -> type[Function] | None:
        """The Function that made this node (None for a leaf), as PyTorch names it."""
        return self._fn

    @property
    def is_leaf(self) -> bool:
        """True for nodes created by the user rather than by an op."""
        return not self._parents

    # Hooks for the node kinds.
    def _seed(self, gradient: Any, create_graph: bool) -> Any:
        """Validate or create the gradient that starts backward at this node."""
        raise NotImplementedError

    def _local_derivatives(self) -> tuple[Any, ...] | None:
        """d(self)/d(parent) for each parent when they are scalars, else None."""
        return None

    # Scalar kinds: backward() skips a node whose gradient is exactly 0 when its op has `finite_derivatives`.
    _skips_zero_gradients: ClassVar[bool] = False

    # The per-kind step of chain_rule_step, None where a kind needs none (scalars): fit each gradient to its parent
    # (Tensor undoes broadcasting there), and first raise if a value the backward read was changed in place.
    _conform: ClassVar[Callable[[Node, Sequence[Any]], Sequence[Any]] | None] = None

    def zero_grad(self) -> None:
        """Forget the accumulated gradient of this node."""
        self.grad = self._zero_grad

    def backward(self, gradient: Any = None, *, create_graph: bool = False) -> None:
        """Apply the chain rule from this node back to every leaf it depends on.

        With ``create_graph=True`` the gradients are themselves graph nodes, so
        they can be differentiated again (second derivatives).
        """
        for _ in _backprop((self,), (self._seed(gradient, create_graph),), record=False, create_graph=create_graph):
            pass

    def backward_steps(self, gradient: Any = None, *, create_graph: bool = False) -> Iterator[Step]:
        """The same backward as `backward()`, yielded one node at a time."""
        seed = self._seed(gradient, create_graph)
        return _backprop((self,), (seed,), record=True, create_graph=create_graph)


# ------------------------------------------------------------------------ Step
_STEP_WORDS = {
    "en": {"step": "step", "upstream": "upstream grad", "local": "local d", "contribution": "contribution"},
    "ko": {"step": "단계", "upstream": "위에서 온 기울기", "local": "국소 미분", "contribution": "기여"},
}


@dataclass(frozen=True)
class Step:
    """What one node did during backward.

    `upstream` is d(root)/d(node), complete by the time the node is reached
    (reverse topological order guarantees every consumer went first).
    `local_derivatives[i]` is d(node)/d(parents[i]) for scalar nodes (None for
    tensors): the op's own backward at upstream 1. `contributions[i]` is what the
    engine added to `parents[i].grad` (None where the parent needs no gradient).
    """

    index: int
    node: Node
    upstream: Any
    parents: tuple[Node, ...]
    local_derivatives: tuple[Any, ...] | None
    contributions: tuple[Any, ...]

    def __str__(self) -> str:
        return self.describe("en")

    def _repr_html_(self) -> str:
        from microgradnn._repr import step_html  # notebooks only: formatting lives outside the core

        return step_html(self)

    def describe(self, lang: str = "en") -> str:
        """The step as text, in English (``"en"``) or Korean (``"ko"``)."""
        if lang not in _STEP_WORDS:
            raise ValueError(f"Step.describe: unknown language {lang!r}; use one of {sorted(_STEP_WORDS)}")
        w = _STEP_WORDS[lang]
        lines = [f"{w['step']} {self.index}: {_describe(self.node)}  {w['upstream']} = {_fmt(self.upstream)}"]
        locals_ = self.local_derivatives
        for i, (parent, contribution) in enumerate(zip(self.parents, self.contributions)):
            if locals_ is not None:
                lines.append(
                    f"  -> {_describe(parent)}: {w['local']} = {_fmt(locals_[i])}, "
                    f"{w['contribution']} = {_fmt(locals_[i])} * {_fmt(self.upstream)} = {_fmt(contribution)}"
                )
            else:
                lines.append(f"  -> {_describe(parent)}: {w['contribution']} = {_fmt(contribution)}")
        return "\n".join(lines)


def _describe(node: Node) -> str:
    name = node.label or (node._fn is not None and f"({node.op})") or "leaf"
    return f"{name}[{_fmt(node.data)}]"


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, Node):
        return _fmt(x.data)
    shape = getattr(x, "shape", None)
    return f"array{tuple(shape)}" if shape is not None else str(x)


# ------------------------------------------------------------ topological order
def topological_order(root: Node | Iterable[Node]) -> list[Node]:
    """Every node `root` (or each of several roots) depends on, each after all of its parents.

    Iterative depth-first search with an explicit stack, so a chain of a million nodes needs no recursion. The
    visited set holds the nodes themselves: they hash by identity, and a set compares identity first, so a
    Tensor's elementwise ``==`` is never called.
    """
    roots = [root] if isinstance(root, Node) else list(root)
    order: list[Node] = []
    visited: set[Node] = set()
    # A node whose parents are all visited is complete at once (they are in the order: a parent still on the stack
    # would make a cycle). One C-level test for all of them instead of a Python loop over each: a neuron of a
    # second layer has 33 parents, all visited but for its first: -29% for the order, 6-8% off micrograd's demo step.
    complete = visited.issuperset
    for start in roots:
        if start in visited:
            continue
        visited.add(start)
        if not start._parents or complete(start._parents):
            order.append(start)
            continue
        # The nodes waiting for their parents, and for each how many of its parents are left to look at (counting
        # down: the last parent first). Plain ints, not an iterator per level, so the garbage collector has nothing
        # to trace in a stack a million nodes deep: 3x faster on a 1M-node chain, whose order now costs 7-10x a
        # 100k one (15-25x with the iterators), for about 3% more on micrograd's demo step.
        waiting, left = [start], [len(start._parents)]
        while waiting:
            parents = waiting[-1]._parents
            i = left[-1]
            while i:
                i -= 1
                parent = parents[i]
                if parent in visited:
                    continue
                visited.add(parent)
                if not parent._parents or complete(parent._parents):  # a leaf, or its parents are all in the order
                    order.append(parent)
                    continue
                left[-1] = i
                waiting.append(parent)  # descend: this node waits for its parents
                left.append(len(parent._parents))
                break
            else:  # every parent is in the order
                left.pop()
                order.append(waiting.pop())
    return order


# ----------------------------------------------------------- the backward loop
def chain_rule_step(node: Node, create_graph: bool = False) -> Sequence[Any]:
    """One node's step of backpropagation: its op's backward, then each parent's ``.grad += contribution``.

    ``node.grad`` (d root / d node) must be complete. Returns the contributions,
    one per parent (None where a parent needs none).
    """
    fn, parents = node._fn, node._parents
    # With create_graph the saved values become the graph nodes they came from, so the formula builds a graph.
    ctx = _graph_context(node) if create_graph else node._ctx
    upstream = node.grad  # d root / d node, complete: every consumer of the node went first
    contributions = fn.backward(ctx, upstream)  # the op's own derivative: step in here to see it
    if len(contributions) != len(parents):
        raise RuntimeError(
            f"{fn.__name__}.backward returned {len(contributions)} gradient(s) for {len(parents)} input(s); "
            "a backward must return exactly one gradient per input of forward (None where none is needed)"
        )
    if node._conform is not None:  # tensors: was a saved input changed in place? undo broadcasting, match dtypes
        contributions = node._conform(node, contributions)
    # The engine adds whatever comes back, so a NaN is caught here, at its source.
    if SWITCHES.active and ANOMALY.enabled:
        check_backward(node, contributions)
    if create_graph:
        _accumulate_graph(parents, contributions)
        return contributions
    # The engine alone accumulates: a parent used twice gets both contributions.
    for parent, contribution in zip(parents, contributions):
        if contribution is not None:
            old = parent.grad
            parent.grad = contribution if old is None else old + contribution
    return contributions


def _accumulate_graph(parents: Sequence[Node], contributions: Sequence[Any]) -> None:
    """The accumulation of a create_graph pass: the same sums, each recorded as a graph node."""
    for parent, contribution in zip(parents, contributions):
        if contribution is None:
            continue
        old = parent.grad
        if old is None or (type(old) is float and old == 0.0):
            parent.grad = contribution  # a gradient graph starts at the contribution, not at a node for 0 + it
        else:
            parent.grad = old + contribution


def _graph_context(node: Node) -> Context:
    """The node's context with each saved value replaced by the graph node it is the data of.

    Saved values are matched by identity to the inputs, in order, then to the output; an input saved twice
    (``a * a``) matches each of its places in turn.
    """
    ctx = node._ctx
    sources = [*node._parents, node]
    used = [False] * len(sources)
    saved = []
    for value in ctx.saved_values:
        identical = [i for i, source in enumerate(sources) if source.data is value]
        if not identical:
            raise RuntimeError(
                f"{node._fn.__name__}: create_graph needs every saved value to be an input or the output of the "
                "op (save the input and recompute derived values in backward)"
            )
        match = ([i for i in identical if not used[i]] or identical)[0]
        used[match] = True
        saved.append(sources[match])
    return ctx._with_saved(tuple(saved))


class _PausedPass:
    """A `backward_steps()` pass between two of its steps: its nodes and their gradients from before it began."""

    __slots__ = ("before", "order", "undone")

    def __init__(self, order: list[Node], before: list[Any]) -> None:
        self.order, self.before, self.undone = order, before, False


# The backward_steps() passes begun and not yet finished, oldest first. A pass that starts while one is paused over
# some of the same nodes would begin from its half-added gradients, and the paused one, closed later, would put back
# gradients from before both: so the newer pass first undoes every paused pass that shares a node with it. Passes
# still paused therefore never share a node, and a paused pass over nodes of its own goes on undisturbed.
_PAUSED: list[_PausedPass] = []


def _undo_paused_passes(order: list[Node]) -> None:
    mine = {id(node) for node in order}
    for paused in _PAUSED:
        if not paused.undone and any(id(n) in mine for n in paused.order):
            for node, grad in zip(paused.order, paused.before):
                node.grad = grad
            paused.undone = True


def recorded_steps(root: Node, gradient: Any = None) -> list[Step]:
    """Every `Step` of a whole backward pass from `root`, for pictures: afterwards every `.grad` is as it was, and
    a `backward_steps()` pass paused in between goes on undisturbed (this pass neither undoes it nor waits)."""
    seed = root._seed(gradient, False)
    order = topological_order(root)
    saved = [node.grad for node in order]
    try:
        return list(_backprop((root,), (seed,), record=True, create_graph=False, private=True))
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad


def _backprop(
    roots: Sequence[Node], seeds: Sequence[Any], record: bool, create_graph: bool, private: bool = False
) -> Iterator[Step]:
    """The one backward loop. Yields a `Step` per interior node when `record`. A `private` pass (run to its end by
    `recorded_steps`, which puts every gradient back) leaves paused passes alone."""
    order = topological_order(roots)
    if _PAUSED and not private:  # a backward_steps() pass is paused somewhere: undo it first if it shares nodes
        _undo_paused_passes(order)
    before = [node.grad for node in order]  # to put back if the pass fails or is abandoned
    paused = _PausedPass(order, before) if record and not private else None
    if paused is not None:
        _PAUSED.append(paused)
    # The zero shortcut: a scalar node whose gradient is exactly 0 would add 0 * (a finite local derivative) to
    # each parent, which changes no sum, so backward() skips it (a dead relu's whole subgraph, a sample outside
    # the margin): about half of the backward of micrograd's demo step, 22% of the step (306 M -> 239 M instr).
    # backward_steps() still visits every node, so a picture shows the zeros flowing.
    skip_zeros = not record and not create_graph and roots[0]._skips_zero_gradients
    finished = False
    try:
        for node in order:
            if node._parents:
                node.grad = node._zero_grad  # interior nodes start each pass from zero
        for root, seed in zip(roots, seeds):
            root.grad = seed if root.grad is None else root.grad + seed
        index = 0
        for node in reversed(order):
            if node._fn is None or node.grad is None:  # a leaf, or no path from a root reached it
                continue
            if skip_zeros and node.grad == 0.0 and node._fn.finite_derivatives and isfinite(node.data):
                continue  # it would send only zeros (a finite output means finite derivatives for such an op)
            if create_graph:
                with enable_grad():  # the backward formulas record a graph of their own
                    contributions = chain_rule_step(node, create_graph=True)
            else:  # plain numbers and arrays: nothing is recorded, whatever the grad mode
                contributions = chain_rule_step(node)
            if record:
                yield Step(index, node, node.grad, node._parents, node._local_derivatives(), tuple(contributions))
                if paused is not None and paused.undone:
                    raise RuntimeError(
                        "backward_steps: this pass was undone while it was paused, because a later backward() or "
                        "backward_steps() ran over some of its nodes; start a new one with backward_steps()"
                    )
            index += 1
        finished = True
    finally:
        if paused is not None:
            _PAUSED.remove(paused)
        if not finished and not (paused is not None and paused.undone):  # an error, Ctrl-C, or a closed generator:
            for node, grad in zip(order, before):  # nothing half-updated (an undone pass was put back already)
                node.grad = grad


def backward(root: Node, gradient: Any = None, *, create_graph: bool = False) -> None:
    """Function form of `root.backward(gradient)`."""
    root.backward(gradient, create_graph=create_graph)


def backward_steps(root: Node, gradient: Any = None, *, create_graph: bool = False) -> Iterator[Step]:
    """Function form of `root.backward_steps(gradient)`."""
    return root.backward_steps(gradient, create_graph=create_graph)
