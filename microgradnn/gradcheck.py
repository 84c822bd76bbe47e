"""Gradient checking: backprop's answer against central finite differences.

    numeric d f / d x  ~  (f(x + eps) - f(x - eps)) / (2 eps)

`gradcheck(f, inputs)` builds the full Jacobian both ways (one row per output
element, so several outputs are never hidden behind a sum) and returns a
`GradcheckResult` whose `str()` is a readable table. It never touches the
caller's nodes: it works on fresh float64 copies of the inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from microgradnn.engine import Node, no_grad, topological_order
from microgradnn.value import Value

__all__ = ["GradcheckError", "GradcheckResult", "GradcheckRow", "gradcheck", "numeric_grad"]


class GradcheckError(AssertionError):
    """Raised by `gradcheck` when backprop and finite differences disagree."""

    def __init__(self, result: GradcheckResult) -> None:
        super().__init__(f"gradcheck failed:\n{result}")
        self.result = result


# ----------------------------------------------------------------- adapters
class _Input:
    """One input of f, seen as a flat float64 vector that can be rebuilt as a fresh leaf."""

    def __init__(self, node: Node, position: int) -> None:
        self.name = node.label or f"input {position}"
        self.kind = type(node)
        if isinstance(node, Value):
            self.shape: tuple[int, ...] = ()
            self.flat = np.array([node.data], dtype=np.float64)
        else:
            data = np.asarray(node.data)
            if not np.issubdtype(data.dtype, np.floating):
                raise TypeError(f"gradcheck: {self.name} has dtype {data.dtype}; only float tensors have gradients")
            self.shape = data.shape
            self.flat = data.astype(np.float64).ravel()

    def leaf(self, flat: np.ndarray) -> Node:
        if self.kind is Value:
            return Value(float(flat[0]), label=self.name)
        return self.kind(flat.reshape(self.shape).copy(), requires_grad=True, label=self.name)

    def grad_of(self, leaf: Node) -> np.ndarray:
        grad = leaf.grad
        if grad is None:  # a tensor that received no gradient: zero by definition
            return np.zeros(self.flat.size)
        grad = np.asarray(grad, dtype=np.float64)
        if grad.shape != self.shape:
            raise GradcheckError(
                GradcheckResult(
                    [],
                    problem=(
                        f"the gradient of {self.name} has shape {grad.shape} but the input has shape {self.shape}; "
                        "a broadcast in the forward pass must be summed back to the input's shape in backward"
                    ),
                )
            )
        return grad.ravel()

    def index_label(self, j: int) -> str:
        if not self.shape:
            return ""
        return str(tuple(int(i) for i in np.unravel_index(j, self.shape)))


def _flatten_outputs(out: Any) -> list[Node]:
    if isinstance(out, Node):
        return [out]
    if isinstance(out, Sequence) and out and all(isinstance(o, Node) for o in out):
        return list(out)
    raise TypeError(f"gradcheck: f must return a Value, a Tensor or a list of them, got {type(out).__name__}")


def _output_values(outputs: list[Node]) -> np.ndarray:
    return np.concatenate([np.asarray(o.data, dtype=np.float64).ravel() for o in outputs])


# ------------------------------------------------------------------- numeric
def numeric_grad(f: Callable[..., Any], inputs: Sequence[Node], eps: float = 1e-6) -> list[float | np.ndarray]:
    """Central-difference gradient of a scalar-valued f at `inputs`, one entry per input.

    Returns a float for a Value input and an array of the input's shape for a
    Tensor input. f must return a single scalar (use `gradcheck` for several outputs).
    """
    specs = [_Input(x, i) for i, x in enumerate(inputs)]
    jac, _ = _numeric_jacobian(f, specs, eps)
    if jac.shape[0] != 1:
        raise ValueError(f"numeric_grad: f returned {jac.shape[0]} numbers; it needs a scalar output")
    grads: list[float | np.ndarray] = []
    start = 0
    for spec in specs:
        column = jac[0, start : start + spec.flat.size]
        grads.append(float(column[0]) if spec.kind is Value else column.reshape(spec.shape))
        start += spec.flat.size
    return grads


def _evaluate(f: Callable[..., Any], specs: list[_Input], flats: list[np.ndarray]) -> np.ndarray:
    with no_grad():
        return _output_values(_flatten_outputs(f(*[s.leaf(x) for s, x in zip(specs, flats)])))


def _numeric_jacobian(f: Callable[..., Any], specs: list[_Input], eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference Jacobian, and per entry how far the two one-sided slopes disagree."""
    base = [s.flat.copy() for s in specs]
    f0 = _evaluate(f, specs, base)
    columns, kinks = [], []
    for i, spec in enumerate(specs):
        for j in range(spec.flat.size):
            plus = [x.copy() for x in base]
            minus = [x.copy() for x in base]
            plus[i][j] += eps
            minus[i][j] -= eps
            f_plus, f_minus = _evaluate(f, specs, plus), _evaluate(f, specs, minus)
            columns.append((f_plus - f_minus) / (2 * eps))
            kinks.append(np.abs((f_plus - f0) / eps - (f0 - f_minus) / eps))
    return np.stack(columns, axis=1), np.stack(kinks, axis=1)


# ------------------------------------------------------------------ analytic
def _analytic_jacobian(f: Callable[..., Any], specs: list[_Input]) -> np.ndarray:
    """One backward pass per output element, seeded with a one-hot gradient."""
    rows = []
    k = 0
    while True:
        leaves = [s.leaf(s.flat) for s in specs]
        outputs = _flatten_outputs(f(*leaves))
        sizes = [int(np.asarray(o.data).size) for o in outputs]
        if k >= sum(sizes):
            break
        which, offset = 0, k
        while offset >= sizes[which]:
            offset -= sizes[which]
            which += 1
        out = outputs[which]
        others = _other_leaves(out, leaves)
        saved = [(leaf, leaf.grad) for leaf in others]
        if isinstance(out, Value):
            out.backward()
        else:
            seed = np.zeros(np.shape(out.data), dtype=np.asarray(out.data).dtype)
            seed.flat[offset] = 1.0
            out.backward(seed)
        for leaf, grad in saved:  # leave the caller's own parameters as they were
            leaf.grad = grad
        rows.append(np.concatenate([s.grad_of(leaf) for s, leaf in zip(specs, leaves)]))
        k += 1
    return np.stack(rows, axis=0)


def _other_leaves(out: Node, ours: list[Node]) -> list[Node]:
    mine = {id(leaf) for leaf in ours}
    return [n for n in topological_order(out) if not n._parents and id(n) not in mine]


# -------------------------------------------------------------------- report
@dataclass(frozen=True)
class GradcheckRow:
    """One (output element, input element) pair of the Jacobian."""

    output: int
    input: str
    index: str
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    kink: bool
    ok: bool


@dataclass
class GradcheckResult:
    """Every compared entry; `ok` is True when all of them agree within tolerance."""

    rows: list[GradcheckRow]
    problem: str = ""
    max_rows: int = 20
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem and all(r.ok for r in self.rows)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failures(self) -> list[GradcheckRow]:
        return [r for r in self.rows if not r.ok]

    def __str__(self) -> str:
        if self.problem:
            return f"gradcheck: {self.problem}"
        header = ("out", "input", "index", "analytic", "numeric", "abs err", "rel err", "")
        shown = self.rows
        if len(shown) > self.max_rows:  # too many to read: the worst ones first
            shown = sorted(shown, key=lambda r: (r.ok, -r.abs_error))[: self.max_rows]
        table = [header] + [
            (
                str(r.output),
                r.input,
                r.index,
                f"{r.analytic:.6g}",
                f"{r.numeric:.6g}",
                f"{r.abs_error:.2e}",
                f"{r.rel_error:.2e}",
                ("FAIL" if not r.ok else "ok") + (" (kink?)" if r.kink else ""),
            )
            for r in shown
        ]
        widths = [max(len(row[c]) for row in table) for c in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]
        lines.insert(1, "  ".join("-" * w for w in widths))
        failed = len(self.failures)
        summary = f"{len(self.rows)} entries checked, {failed} failed"
        if len(self.rows) > len(shown):
            summary += f" (showing the {len(shown)} worst)"
        if any(r.kink for r in self.rows):
            summary += "; 'kink?' marks entries where the one-sided slopes disagree (a non-differentiable point?)"
        return "\n".join([*lines, summary, *self.notes])


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Node],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_on_failure: bool = True,
) -> GradcheckResult:
    """Compare backprop's gradients of f with central differences at `inputs`.

    f takes the inputs (Values or Tensors) and returns a Value, a Tensor, or a
    list of them; each output element is checked on its own. An entry passes
    when |analytic - numeric| <= atol + rtol * |numeric|. Raises
    `GradcheckError` with the table unless `raise_on_failure=False`.
    """
    if not isinstance(inputs, Sequence) or isinstance(inputs, Node):
        raise TypeError("gradcheck: inputs must be a list of Values or Tensors, e.g. gradcheck(f, [x, y])")
    for i, x in enumerate(inputs):
        if not isinstance(x, Node):
            raise TypeError(f"gradcheck: input {i} is a {type(x).__name__}; wrap numbers as Value(...) or Tensor(...)")
    specs = [_Input(x, i) for i, x in enumerate(inputs)]
    analytic = _analytic_jacobian(f, specs)
    numeric, one_sided_gap = _numeric_jacobian(f, specs, eps)
    rows = []
    for k in range(numeric.shape[0]):
        col = 0
        for spec in specs:
            for j in range(spec.flat.size):
                a, n = float(analytic[k, col]), float(numeric[k, col])
                err = abs(a - n)
                tolerance = atol + rtol * abs(n)
                rows.append(
                    GradcheckRow(
                        output=k,
                        input=spec.name,
                        index=spec.index_label(j),
                        analytic=a,
                        numeric=n,
                        abs_error=err,
                        rel_error=err / abs(n) if n != 0 else (0.0 if err == 0 else math.inf),
                        kink=bool(one_sided_gap[k, col] > 10 * tolerance),
                        ok=bool(err <= tolerance),
                    )
                )
                col += 1
    result = GradcheckResult(rows)
    if raise_on_failure and not result.ok:
        raise GradcheckError(result)
    return result
