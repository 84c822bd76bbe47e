"""Higher-order autograd on the same engine: `grad`, `jacobian`, `hessian`, `vjp`, `jvp`, `hvp`.

Every op's backward is written with graph operations, so with
``create_graph=True`` a gradient is itself a graph of Values or Tensors and can
be differentiated again. These functions package that, with PyTorch's
signatures (`torch.autograd.grad`, `torch.autograd.functional`):

* `grad(outputs, inputs)` returns d outputs / d inputs without touching any
  ``.grad`` (the graph's gradients are put back exactly as they were);
* `vjp` is u^T J (one backward pass), `jvp` is J v (two backward passes: the
  "double-vjp" trick, since J^T u is linear in u), `hvp` is H v;
* `jacobian` and `hessian` build the whole matrices, one backward per output element.

They work for functions of Values (results are floats, or Values with
``create_graph=True``) and of Tensors (NumPy arrays, or Tensors). The two
graphs do not mix: inputs and outputs are all Values or all Tensors.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from microgradnn.engine import Node, _backprop, enable_grad, topological_order
from microgradnn.scalar import Value

__all__ = ["grad", "hessian", "hvp", "jacobian", "jvp", "vjp"]


# ---------------------------------------------------------------- grad
def _nodes(who: str, what: str, items: Any) -> tuple[Node, ...]:
    """One node or a sequence of nodes, as a tuple; anything else is refused with the fix."""
    seq = (items,) if isinstance(items, Node) else items
    if not isinstance(seq, (list, tuple)) or not seq:
        raise TypeError(
            f"{who}: {what} must be a Value, a Tensor or a non-empty list of them, got {type(items).__name__}"
        )
    for i, node in enumerate(seq):
        if not isinstance(node, Node):
            raise TypeError(
                f"{who}: {what}[{i}] is a {type(node).__name__} ({node!r}); "
                "wrap numbers as Value(...) or Tensor(..., requires_grad=True)"
            )
    return tuple(seq)


def _same_kind(who: str, nodes: Sequence[Node]) -> None:
    kinds = {type(n).__name__ for n in nodes}
    if len(kinds) > 1:
        raise TypeError(
            f"{who}: got both {' and '.join(sorted(kinds))} nodes; the scalar engine (Value) and the Tensor "
            "engine build separate graphs, so differentiate a Value by Values and a Tensor by Tensors"
        )


def _is_tensor(node: Node) -> bool:
    return not isinstance(node, Value)


def _zeros_like(node: Node, as_node: bool) -> Any:
    """A zero gradient for `node`: 0.0 / an array, or a leaf node with no graph when `as_node`."""
    if isinstance(node, Value):
        return Value(0.0) if as_node else 0.0
    from microgradnn.tensor.tensor import leaf

    zeros = np.zeros(node.data.shape, dtype=node.data.dtype)
    return leaf(zeros) if as_node else zeros


def _seed(who: str, k: int, out: Node, g: Any, create_graph: bool) -> Any:
    """The gradient that starts backward at output k: g, or 1 for a one-element output."""
    shape = () if isinstance(out, Value) else out.data.shape
    if g is None:
        if int(np.prod(shape)) != 1:
            raise RuntimeError(
                f"{who}: output {k} has shape {shape}, so its gradient cannot be taken as 1; pass "
                f"grad_outputs (one per output, of the output's shape), e.g. np.ones({shape}), or reduce the "
                "output with .sum() first"
            )
        return out._seed(None, create_graph)
    if isinstance(g, Node):
        if type(g) is not type(out):
            kinds = f"grad_outputs[{k}] is a {type(g).__name__} but output {k} is a {type(out).__name__}"
            raise TypeError(f"{who}: {kinds}")
        if create_graph:  # the seed stays a graph node, so the result is differentiable with respect to it too
            if _is_tensor(g):
                if g.data.shape != shape:
                    raise ValueError(
                        f"{who}: grad_outputs[{k}] has shape {g.data.shape} but output {k} has shape {shape}; "
                        "they must be the same"
                    )
                if g.data.dtype != out.data.dtype:
                    g = g.astype(out.data.dtype)
            return g
    elif isinstance(out, Value) and (isinstance(g, bool) or not isinstance(g, numbers.Real)):
        raise TypeError(f"{who}: grad_outputs[{k}] must be a number for a Value output, got {type(g).__name__}")
    try:
        return out._seed(g, create_graph)
    except ValueError as error:
        raise ValueError(f"{who}: grad_outputs[{k}]: {error}") from None


def grad(
    outputs: Node | Sequence[Node],
    inputs: Node | Sequence[Node],
    grad_outputs: Any = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
    retain_graph: bool | None = None,
) -> tuple[Any, ...]:
    """The gradients of `outputs` with respect to `inputs`, as `torch.autograd.grad`; no ``.grad`` changes.

    Returns one gradient per input: sum_k d(grad_outputs[k] . outputs[k]) / d input. `grad_outputs` holds one
    seed per output (None for a one-element output, which is seeded with 1). Without `create_graph` the
    gradients are floats (Values) or NumPy arrays (Tensors); with it they are graph nodes, differentiable
    again (and, where a seed is a node, with respect to the seed too). An input the outputs do not depend on
    raises, unless `allow_unused` (its gradient is then None). `retain_graph` is accepted for PyTorch code and
    changes nothing: a graph here is never freed by backward, so it can always be differentiated again.

    >>> from microgradnn import Value
    >>> x = Value(3.0)
    >>> (dy,) = grad(x**3, x, create_graph=True)   # 3 x^2 = 27, as a Value
    >>> grad(dy, x)                                # d2/dx2 = 6 x
    (18.0,)
    """
    outs = _nodes("grad", "outputs", outputs)
    ins = _nodes("grad", "inputs", inputs)
    _same_kind("grad", outs + ins)
    if grad_outputs is None:
        seeds_in: Sequence[Any] = [None] * len(outs)
    elif isinstance(grad_outputs, (list, tuple)):
        seeds_in = grad_outputs
    elif len(outs) == 1:
        seeds_in = [grad_outputs]
    else:
        raise TypeError(f"grad: {len(outs)} outputs need a list of {len(outs)} grad_outputs (None for a scalar)")
    if len(seeds_in) != len(outs):
        raise ValueError(f"grad: {len(outs)} output(s) but {len(seeds_in)} grad_outputs; give one per output")
    for i, x in enumerate(ins):
        if _is_tensor(x) and not x.requires_grad:
            raise RuntimeError(
                f"grad: inputs[{i}] (shape {x.data.shape}) does not require grad, so nothing can be "
                "differentiated with respect to it; create it with requires_grad=True"
            )
    roots, seeds = [], []
    for k, (out, g) in enumerate(zip(outs, seeds_in)):
        if _is_tensor(out) and not out.requires_grad:  # a constant: no input reaches it
            if not allow_unused:
                raise RuntimeError(
                    f"grad: output {k} (shape {out.data.shape}) does not require grad: it depends on no input that "
                    "requires grad (was it computed under no_grad(), or from detached tensors?)"
                )
            continue
        roots.append(out)
        seeds.append(_seed("grad", k, out, g, create_graph))
    order = topological_order(roots) if roots else []
    in_graph = {id(n) for n in order}
    unused = [i for i, x in enumerate(ins) if id(x) not in in_graph]
    if unused and not allow_unused:
        i = unused[0]
        name = f" {ins[i].label!r}" if ins[i].label else ""
        raise RuntimeError(
            f"grad: inputs[{i}]{name} is not used to compute the outputs, so it has no gradient; "
            "pass allow_unused=True to get None for it"
        )
    saved = [(node, node.grad) for node in order]
    try:
        for node in order:
            if not node._parents:  # leaves accumulate: start them from zero, so only this pass counts
                node.grad = node._zero_grad
        if roots:
            if create_graph:
                with enable_grad():
                    for _ in _backprop(tuple(roots), tuple(seeds), record=False, create_graph=True):
                        pass
            else:
                for _ in _backprop(tuple(roots), tuple(seeds), record=False, create_graph=False):
                    pass
        result = []
        for i, x in enumerate(ins):
            if i in unused:
                result.append(None)
            elif x.grad is None:  # in the graph, but no gradient reached it: zero
                result.append(_zeros_like(x, create_graph))
            else:
                result.append(x.grad)
    finally:  # every .grad exactly as it was, also after an error
        for node, g in saved:
            node.grad = g
    return tuple(result)


# ------------------------------------------------------- functional forms
def _prepare(who: str, inputs: Any, create_graph: bool) -> tuple[tuple[Node, ...], bool]:
    """The inputs as a tuple (and whether one node was passed), each a fresh leaf unless `create_graph`.

    With `create_graph` the caller's own nodes are used, so the results stay differentiable with respect to
    them; otherwise fresh leaves cut from any graph the inputs belong to.
    """
    single = isinstance(inputs, Node)
    nodes = _nodes(who, "inputs", inputs)
    _same_kind(who, nodes)
    if create_graph:
        prepared = []
        for x in nodes:
            if _is_tensor(x) and not x.requires_grad:
                x = _fresh(who, x)
            prepared.append(x)
        return tuple(prepared), single
    return tuple(_fresh(who, x) for x in nodes), single


def _fresh(who: str, x: Node) -> Node:
    if isinstance(x, Value):
        return Value(x.data, label=x.label)
    if x.data.dtype.kind != "f":
        raise TypeError(
            f"{who}: only float tensors have gradients; this input has dtype {x.data.dtype}; "
            "make it a float, e.g. Tensor(data, dtype=np.float64)"
        )
    from microgradnn.tensor.tensor import leaf

    fresh = leaf(x.data, requires_grad=True)
    fresh.label = x.label
    return fresh


def _outputs(who: str, out: Any) -> tuple[tuple[Node, ...], bool]:
    if isinstance(out, Node):
        return (out,), True
    if isinstance(out, (list, tuple)) and out and all(isinstance(o, Node) for o in out):
        return tuple(out), False
    raise TypeError(f"{who}: func must return a Value, a Tensor or a tuple of them, got {type(out).__name__}")


def _detach(node: Node, create_graph: bool) -> Node:
    if create_graph:
        return node
    if isinstance(node, Value):
        return Value(node.data, label=node.label)
    return node.detach()


def _fill(grads: Sequence[Any], inputs: Sequence[Node], who: str, strict: bool, as_node: bool) -> tuple[Any, ...]:
    """Unused inputs get zeros (or, with `strict`, an error naming the input)."""
    out = []
    for i, (g, x) in enumerate(zip(grads, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{who}: the output does not depend on inputs[{i}] (strict=True)")
            g = _zeros_like(x, as_node)
        out.append(g)
    return tuple(out)


def _vector(who: str, name: str, v: Any, like: Sequence[Node], single: bool, role: str) -> list[Any]:
    """`v` (one per node of `like`, each of its shape) as a list; None only where a node has one element.

    `role` names what `like` holds ("output" or "input") in the errors.
    """
    if v is None:
        items: list[Any] = [None] * len(like)
    else:
        items = [v] if single or isinstance(v, (Node, np.ndarray, numbers.Number)) else list(v)
    if len(items) != len(like):
        raise ValueError(f"{who}: {name} must have one entry per {role}")
    for i, (x, node) in enumerate(zip(items, like)):  # each of its node's shape: never broadcast (as PyTorch)
        if x is None:
            if _is_tensor(node) and node.data.size != 1:
                raise RuntimeError(
                    f"{who}: {name} is needed when the function's {role} is not a single number ({role} {i} has "
                    f"shape {node.data.shape}); pass one of that shape, e.g. np.ones({node.data.shape})"
                )
            continue
        if isinstance(node, Value):
            number = x.data if isinstance(x, Value) else x
            if isinstance(number, bool) or not isinstance(number, numbers.Real):
                raise TypeError(f"{who}: {name}[{i}] must be a number for a Value {role}, got {type(x).__name__}")
            continue
        shape = np.shape(x.data if isinstance(x, Node) else x)
        if shape != node.data.shape:
            raise ValueError(
                f"{who}: {name}[{i}] has shape {shape} but {role} {i} has shape {node.data.shape}; "
                f"they must be the same (e.g. np.ones({node.data.shape}))"
            )
    return [x.data if isinstance(x, Node) and not _is_tensor(x) else x for x in items]


def vjp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(inputs), v^T J): the vector-Jacobian product, one backward pass (as torch.autograd.functional.vjp).

    `v` has one entry per output, of its shape (None for a one-element output).
    """
    xs, single_in = _prepare("vjp", inputs, create_graph)
    with enable_grad():
        outs, single_out = _outputs("vjp", func(*xs))
    seeds = _vector("vjp", "v", v, outs, single_out, "output")
    grads = grad(outs, xs, seeds, create_graph=create_graph, allow_unused=True)
    grads = _fill(grads, xs, "vjp", strict, create_graph)
    outputs = tuple(_detach(o, create_graph) for o in outs)
    return (outputs[0] if single_out else outputs), (grads[0] if single_in else grads)


def jvp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(inputs), J v): the Jacobian-vector product (as torch.autograd.functional.jvp).

    Reverse mode only, by the double-vjp trick: g(u) = J^T u is linear in u, so d(g(u) . v)/du = J v.
    `v` has one entry per input, of its shape (None for one-element inputs).
    """
    xs, single_in = _prepare("jvp", inputs, create_graph)
    with enable_grad():
        outs, single_out = _outputs("jvp", func(*xs))
    tangents = _vector("jvp", "v", v, xs, single_in, "input")
    tangents = [1.0 if t is None else t for t in tangents]
    dummies = [_dummy(o) for o in outs]  # u: the seeds, as leaves the result is differentiated by
    constant = [_is_tensor(o) and not o.requires_grad for o in outs]
    live = [i for i, c in enumerate(constant) if not c]
    results: list[Any] = [None] * len(outs)
    if live:
        gs = grad([outs[i] for i in live], xs, [dummies[i] for i in live], create_graph=True, allow_unused=True)
        unused = [i for i, g in enumerate(gs) if g is None]
        if strict and unused:  # as PyTorch: under strict, every input must reach the outputs
            raise RuntimeError(f"jvp: the output does not depend on inputs[{unused[0]}] (strict=True)")
        used = [(g, t) for g, t in zip(gs, tangents) if g is not None]
        if used:
            jv = grad(
                [g for g, _ in used],
                [dummies[i] for i in live],
                [_as_seed(g, t) for g, t in used],
                create_graph=create_graph,
                allow_unused=True,
            )
            for i, r in zip(live, jv):
                results[i] = r
    if strict and any(r is None for r in results):
        raise RuntimeError("jvp: an output does not depend on the inputs (strict=True)")
    results = [_zeros_like(o, create_graph) if r is None else r for r, o in zip(results, outs)]
    outputs = tuple(_detach(o, create_graph) for o in outs)
    return (outputs[0] if single_out else outputs), (results[0] if single_out else tuple(results))


def _dummy(out: Node) -> Node:
    if isinstance(out, Value):
        return Value(0.0)
    from microgradnn.tensor.tensor import leaf

    dtype = out.data.dtype if out.data.dtype.kind == "f" else np.float64
    return leaf(np.zeros(out.data.shape, dtype=dtype), requires_grad=True)


def _as_seed(g: Node, t: Any) -> Any:
    """The tangent as a seed for the gradient g (an array of g's shape, or a float)."""
    if isinstance(g, Value):
        return float(t)
    if isinstance(t, Node):
        t = t.data
    return np.broadcast_to(np.asarray(t, dtype=g.data.dtype), g.data.shape)


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of func at `inputs` (as torch.autograd.functional.jacobian), one backward per output element.

    For one output and one input: an array of shape output.shape + input.shape (a float for Values). Several
    inputs give a tuple, one per input; several outputs a tuple per output. `vectorize` is accepted and
    ignored; only ``strategy="reverse-mode"`` exists here.
    """
    return _jacobian("jacobian", func, inputs, create_graph, strict, strategy)


def _jacobian(who: str, func: Callable[..., Any], inputs: Any, create_graph: bool, strict: bool, strategy: str) -> Any:
    """`jacobian`, with its errors naming `who` (hessian is the Jacobian of a gradient)."""
    if strategy != "reverse-mode":
        raise ValueError(f"{who}: only strategy='reverse-mode' is implemented, got {strategy!r}")
    xs, single_in = _prepare(who, inputs, create_graph)
    with enable_grad():
        outs, single_out = _outputs(who, func(*xs))
    rows = tuple(_jacobian_of(who, k, out, xs, create_graph, strict) for k, out in enumerate(outs))
    rows = tuple(r[0] if single_in else r for r in rows)
    return rows[0] if single_out else rows


def _jacobian_of(who: str, k: int, out: Node, xs: Sequence[Node], create_graph: bool, strict: bool) -> tuple[Any, ...]:
    """Per input, d out / d input with shape out.shape + input.shape (out is output k)."""
    if isinstance(out, Value):
        gs = grad(out, xs, create_graph=create_graph, allow_unused=True)
        unused = [i for i, g in enumerate(gs) if g is None]  # (`None in gs` would compare nodes with ==)
        if strict and unused:
            raise _independent(who, k, unused[0])
        return _fill(gs, xs, who, strict, create_graph)
    if not out.requires_grad:  # a constant output
        if strict:
            raise _independent(who, k, 0)
        return tuple(_jacobian_zeros(out, x, create_graph) for x in xs)
    per_input: list[list[Any]] = [[] for _ in xs]
    used = [False] * len(xs)
    for k in range(out.data.size):
        seed = np.zeros(out.data.shape, dtype=out.data.dtype)
        seed.flat[k] = 1.0
        gs = grad(out, xs, seed, create_graph=create_graph, allow_unused=True)
        for i, (g, x) in enumerate(zip(gs, xs)):
            used[i] = used[i] or g is not None
            per_input[i].append(_zeros_like(x, create_graph) if g is None else g)
    if strict and not all(used):
        raise _independent(who, k, used.index(False))
    result = []
    for rows, x in zip(per_input, xs):
        shape = (*out.data.shape, *x.data.shape)
        if not rows:  # an empty output
            result.append(_jacobian_zeros(out, x, create_graph))
        elif create_graph:
            from microgradnn.tensor import stack

            result.append(stack(rows).reshape(shape))
        else:
            result.append(np.stack(rows).reshape(shape))
    return tuple(result)


def _independent(who: str, k: int, i: int) -> RuntimeError:
    """The strict error: output k of the function (for hessian: the gradient for inputs[k]) ignores inputs[i]."""
    if who == "hessian":
        return RuntimeError(
            f"hessian: the gradient with respect to inputs[{k}] does not depend on inputs[{i}], so that part of the "
            "Hessian is 0 (strict=True refuses it: the function is linear in it, or does not mix the two)"
        )
    return RuntimeError(f"{who}: output {k} does not depend on inputs[{i}] (strict=True)")


def _jacobian_zeros(out: Node, x: Node, as_node: bool) -> Any:
    zeros = np.zeros((*out.data.shape, *x.data.shape), dtype=x.data.dtype)
    if as_node:
        from microgradnn.tensor.tensor import leaf

        return leaf(zeros)
    return zeros


def hessian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar func at `inputs` (as torch.autograd.functional.hessian): the Jacobian of its gradient.

    One input: an array of shape input.shape * 2 (a float for a Value). Several inputs: a tuple of tuples,
    ``H[i][j] = d2 f / d inputs[i] d inputs[j]``; for Values, ``np.array(H)`` is the matrix.
    """
    single = isinstance(inputs, Node)

    def gradient(*xs: Node) -> tuple[Node, ...]:
        out, _ = _outputs("hessian", func(*xs))
        if len(out) != 1 or (_is_tensor(out[0]) and out[0].data.size != 1):
            raise RuntimeError("hessian: func must return a single number (a Value, or a one-element Tensor)")
        gs = grad(out[0], xs, create_graph=True, allow_unused=True)
        if strict and any(g is None for g in gs):
            raise RuntimeError("hessian: the output does not depend on every input (strict=True)")
        return tuple(_zeros_like(x, True) if g is None else g for g, x in zip(gs, xs))

    # strict holds for the gradient too: a function linear in an input has a gradient that does not depend on it
    h = _jacobian("hessian", gradient, inputs, create_graph, strict, outer_jacobian_strategy)
    return h[0] if single else h


def hvp(
    func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """(func(inputs), H v): the Hessian-vector product of a scalar func (as torch.autograd.functional.hvp).

    Two backward passes and no Hessian: H v = d(grad f . v)/d inputs. `v` has one entry per input.
    """
    xs, single_in = _prepare("hvp", inputs, create_graph)
    with enable_grad():
        outs, _ = _outputs("hvp", func(*xs))
    if len(outs) != 1 or (_is_tensor(outs[0]) and outs[0].data.size != 1):
        raise RuntimeError("hvp: func must return a single number (a Value, or a one-element Tensor)")
    vs = _vector("hvp", "v", v, xs, single_in, "input")
    gs = grad(outs[0], xs, create_graph=True, allow_unused=True)
    used = [(g, t) for g, t in zip(gs, vs) if g is not None]
    if strict and len(used) != len(xs):
        raise RuntimeError("hvp: the output does not depend on every input (strict=True)")
    result: tuple[Any, ...] = (None,) * len(xs)
    if used:
        result = grad(
            [g for g, _ in used],
            xs,
            [_as_seed(g, 1.0 if t is None else t) for g, t in used],
            create_graph=create_graph,
            allow_unused=True,
        )
    result = _fill(result, xs, "hvp", strict, create_graph)
    out = _detach(outs[0], create_graph)
    return out, (result[0] if single_in else result)
