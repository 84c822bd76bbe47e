"""The graph core shared by `Value` and `Tensor`.

A node remembers its parents (an ordered tuple) and enough to compute, given
the gradient arriving from above, one gradient contribution per parent. That
computation is a pure function (`Node._vjp`); this module alone adds the
contributions into `parent.grad`. Because every edge passes through one loop,
`backward()` and `backward_steps()` are the same code: the second just yields
a `Step` record after each node.

Gradient conventions (PyTorch's where a learner will meet them next):

* leaves (nodes with no parents) accumulate across backward calls until
  `zero_grad()`;
* interior nodes are reset at the start of each pass, so their `.grad` shows
  the gradient of the latest pass and backward can run again on the same graph;
* inside `no_grad()` ops record no parents, so nothing is differentiated.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Node",
    "Step",
    "backward",
    "backward_steps",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
]


class _GradMode:
    """Process-wide switch read by every op: record the graph or not."""

    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


GRAD_MODE = _GradMode()


def is_grad_enabled() -> bool:
    """True when ops record their parents (the default)."""
    return GRAD_MODE.enabled


class _GradModeSwitch:
    """A `with` block that sets the grad mode and puts the previous one back on the way out, even after an error.

    A small class rather than a @contextmanager generator: optimizers and evaluation loops enter one per step,
    and the generator machinery costs several times more.
    """

    __slots__ = ("enabled", "previous")

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.previous = True

    def __enter__(self) -> None:
        self.previous = GRAD_MODE.enabled
        GRAD_MODE.enabled = self.enabled

    def __exit__(self, *exc_info: object) -> None:
        GRAD_MODE.enabled = self.previous

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Used as a decorator (``@no_grad()``, as in PyTorch): every call of `fn` runs in this mode."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradModeSwitch(self.enabled):  # a fresh switch per call, so recursion restores each level
                return fn(*args, **kwargs)

        return wrapper


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager: ops inside record no graph (evaluation, optimizer updates)."""
    return _GradModeSwitch(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager: turn graph recording back on inside a `no_grad()` block."""
    return _GradModeSwitch(True)


class Node:
    """One vertex of a computation graph.

    Subclasses (`Value`, `Tensor`) store `data`; `grad` starts at `_zero_grad`
    (0.0 for Value, None for Tensor) and `_parents` is an ordered tuple, so
    `a + a` lists `a` twice and receives two contributions.
    """

    __slots__ = ("__weakref__", "_op", "_parents", "data", "grad", "label")

    # What `grad` holds before any contribution arrives.
    _zero_grad: Any = None

    data: Any
    grad: Any
    _parents: tuple[Node, ...]
    _op: str
    label: str

    @property
    def parents(self) -> tuple[Node, ...]:
        """The operands this node was computed from, in order."""
        return self._parents

    @property
    def op(self) -> str:
        """Name of the operation that produced this node ('' for a leaf)."""
        return self._op

    @property
    def is_leaf(self) -> bool:
        """True for nodes created by the user rather than by an op."""
        return not self._parents

    def _vjp(self, upstream: Any) -> Sequence[Any]:
        """Pure function: one gradient contribution per parent (None to skip one)."""
        raise NotImplementedError

    def _local_derivatives(self) -> tuple[float, ...] | None:
        """d(self)/d(parent) for each parent when they are scalars, else None."""
        return None

    def _check_backward_seed(self, gradient: Any) -> Any:
        """Validate or create the gradient that starts backward at this node."""
        raise NotImplementedError

    def zero_grad(self) -> None:
        """Forget the accumulated gradient of this node."""
        self.grad = self._zero_grad

    def backward(self, gradient: Any = None) -> None:
        """Apply the chain rule from this node back to every leaf it depends on."""
        for _ in _backprop(self, self._check_backward_seed(gradient), record=False):
            pass

    def backward_steps(self, gradient: Any = None) -> Iterator[Step]:
        """The same backward as `backward()`, yielded one node at a time."""
        return _backprop(self, self._check_backward_seed(gradient), record=True)


@dataclass(frozen=True)
class Step:
    """What one node did during backward.

    `upstream` is d(root)/d(node), complete by the time the node is reached
    (reverse topological order guarantees every consumer went first).
    `local_derivatives[i]` is d(node)/d(parents[i]) for scalar nodes (None for
    tensors); `contributions[i]` is what the engine added to `parents[i].grad`
    (None where the parent needs no gradient).
    """

    index: int
    node: Node
    upstream: Any
    parents: tuple[Node, ...]
    local_derivatives: tuple[float, ...] | None
    contributions: tuple[Any, ...]

    def __str__(self) -> str:
        lines = [f"step {self.index}: {_describe(self.node)}  upstream grad = {_fmt(self.upstream)}"]
        locals_ = self.local_derivatives
        for i, (parent, contribution) in enumerate(zip(self.parents, self.contributions)):
            if locals_ is not None:
                lines.append(
                    f"  -> {_describe(parent)}: local d = {_fmt(locals_[i])}, "
                    f"contribution = {_fmt(locals_[i])} * {_fmt(self.upstream)} = {_fmt(contribution)}"
                )
            else:
                lines.append(f"  -> {_describe(parent)}: contribution = {_fmt(contribution)}")
        return "\n".join(lines)


def _describe(node: Node) -> str:
    name = node.label or (node._op and f"({node._op})") or "leaf"
    return f"{name}[{_fmt(node.data)}]"


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.6g}"
    shape = getattr(x, "shape", None)
    return f"array{tuple(shape)}" if shape is not None else str(x)


def topological_order(root: Node) -> list[Node]:
    """Every node `root` depends on, each after all of its parents.

    Iterative depth-first search with an explicit stack, so a chain of a
    million nodes needs no recursion. Nodes are tracked by `id()` because
    `Value.__eq__` compares data, not identity.
    """
    order: list[Node] = []
    visited: set[int] = set()
    # Two parallel stacks rather than a stack of (node, flag) tuples: no tuple
    # per node means less garbage-collector work on big scalar graphs.
    nodes: list[Node] = [root]
    parents_done: list[bool] = [False]
    while nodes:
        node = nodes.pop()
        if parents_done.pop():
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        if not node._parents:  # a leaf is complete at once: no second trip through the stacks
            order.append(node)
            continue
        nodes.append(node)
        parents_done.append(True)
        for parent in node._parents:
            if id(parent) not in visited:
                nodes.append(parent)
                parents_done.append(False)
    return order


def _backprop(root: Node, seed: Any, record: bool) -> Iterator[Step]:
    """The one backward loop. Yields a `Step` per interior node when `record`."""
    order = topological_order(root)
    leaves: list[tuple[Node, Any]] = []
    for node in order:
        if node._parents:
            node.grad = node._zero_grad  # interior nodes start each pass from zero
        else:
            leaves.append((node, node.grad))  # leaves accumulate; kept to undo a failed pass
    try:
        root.grad = seed if root.grad is None else root.grad + seed
        index = 0
        for node in reversed(order):
            parents = node._parents
            upstream = node.grad
            if not parents or upstream is None:  # a leaf, or no path from root reached it
                continue
            contributions = node._vjp(upstream)
            for parent, contribution in zip(parents, contributions):
                if contribution is None:
                    continue
                # The engine alone accumulates: a parent used twice gets both contributions.
                old = parent.grad
                parent.grad = contribution if old is None else old + contribution
            if record:
                yield Step(index, node, upstream, parents, node._local_derivatives(), tuple(contributions))
            index += 1
    except Exception:
        for leaf, grad in leaves:  # nothing half-updated: leaves get back their old gradients
            leaf.grad = grad
        raise


def backward(root: Node, gradient: Any = None) -> None:
    """Function form of `root.backward(gradient)`."""
    root.backward(gradient)


def backward_steps(root: Node, gradient: Any = None) -> Iterator[Step]:
    """Function form of `root.backward_steps(gradient)`."""
    return root.backward_steps(gradient)
