"""Gradient checking: backprop's answer against central finite differences.

    numeric d f / d x  ~  (f(x + eps) - f(x - eps)) / (2 eps)

`gradcheck(f, inputs)` builds the full Jacobian both ways (one row per output
element, so several outputs are never hidden behind a sum) and returns a
`GradcheckResult` whose `str()` is a readable table. It never touches the
caller's nodes: it works on fresh float64 copies of the inputs.

For large tensors the full Jacobian costs two evaluations of f per input
element and one backward per output element, so `mode="projected"` (chosen
automatically above `FULL_JACOBIAN_LIMIT` entries) checks random projections
instead: with a seeded random cotangent u and direction v,

    backprop:  u . (J v) = sum_i (J^T u)_i v_i     (one backward pass)
    numeric:   (u . f(x + eps v) - u . f(x - eps v)) / (2 eps)

once per input (v nonzero on that input only), so a failure names the input.

`gradgradcheck(f, inputs)` checks second derivatives the same way: the
function it hands to `gradcheck` is f's own backward, x -> J(x)^T u for a
random u, computed by `microgradnn.grad` with ``create_graph=True`` (so its
gradient comes from differentiating the backward formulas) and compared with
central differences of that first derivative. Its derivative in u must be J^T,
which is compared with central differences of f's forward pass instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from microgradnn.engine import Node, enable_grad, is_grad_enabled, no_grad, topological_order
from microgradnn.scalar import Value

__all__ = [
    "FULL_JACOBIAN_LIMIT",
    "GradcheckError",
    "GradcheckResult",
    "GradcheckRow",
    "GradgradcheckError",
    "gradcheck",
    "gradgradcheck",
    "numeric_grad",
]

# mode="auto" builds the full Jacobian up to this many entries (inputs x outputs), else projects.
FULL_JACOBIAN_LIMIT = 10_000


class GradcheckError(AssertionError):
    """Raised by `gradcheck` when backprop and finite differences disagree."""

    def __init__(self, result: GradcheckResult) -> None:
        super().__init__(f"gradcheck failed:\n{result}")
        self.result = result


# ----------------------------------------------------------------- adapters
class _Input:
    """One input of f, seen as a flat float64 vector that can be rebuilt as a fresh leaf."""

    def __init__(self, node: Node, position: int, who: str = "gradcheck") -> None:
        self.name = node.label or f"input {position}"
        self.leaf_label = self.name  # the label the fresh leaf gets; `name` may be disambiguated for the report
        self.position = position
        self.kind = type(node)
        if isinstance(node, Value):
            self.shape: tuple[int, ...] = ()
            self.flat = np.array([node.data], dtype=np.float64)
        else:
            data = np.asarray(node.data)
            if not np.issubdtype(data.dtype, np.floating):
                raise TypeError(f"{who}: {self.name} has dtype {data.dtype}; only float tensors have gradients")
            self.shape = data.shape
            self.flat = data.astype(np.float64).ravel()

    def leaf(self, flat: np.ndarray) -> Node:
        if self.kind is Value:
            return Value(float(flat[0]), label=self.leaf_label)
        return self.kind(flat.reshape(self.shape).copy(), requires_grad=True, label=self.leaf_label)

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


def _disambiguate(specs: list[_Input]) -> list[_Input]:
    """Two inputs with the same label are told apart in the report: the later ones become 'w (input 2)'."""
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            spec.name = f"{spec.name} (input {spec.position})"
        seen.add(spec.name)
    return specs


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
    specs = [_Input(x, i, "numeric_grad") for i, x in enumerate(_checked_inputs(inputs, "numeric_grad"))]
    _check_settings("numeric_grad", eps=eps)
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


def _call_no_grad(f: Callable[..., Any], specs: list[_Input], flats: list[np.ndarray]) -> Any:
    """f on fresh leaves holding `flats`, recording no graph."""
    with no_grad():
        return f(*[s.leaf(x) for s, x in zip(specs, flats)])


def _evaluate(f: Callable[..., Any], specs: list[_Input], flats: list[np.ndarray]) -> np.ndarray:
    return _output_values(_flatten_outputs(_call_no_grad(f, specs, flats)))


def _numeric_jacobian(
    f: Callable[..., Any], specs: list[_Input], eps: float, tol: tuple[float, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference Jacobian, and per entry how far the two one-sided slopes disagree.

    With `tol` (atol, rtol), entries whose one-sided slopes differ by more than 10x the tolerance are probed
    again at half and twice the step, so that curvature (a gap that shrinks with the step) is not taken for
    a kink (a gap that does not): see `_slope_jump`.
    """
    base = [s.flat.copy() for s in specs]
    f0 = _evaluate(f, specs, base)
    columns, kinks = [], []
    for i, spec in enumerate(specs):
        for j in range(spec.flat.size):

            def at(step: float, i: int = i, j: int = j) -> np.ndarray:
                moved = [x.copy() for x in base]
                moved[i][j] += step
                return _evaluate(f, specs, moved)

            f_plus, f_minus = at(eps), at(-eps)
            column = (f_plus - f_minus) / (2 * eps)
            columns.append(column)
            kinks.append(_slope_jump(at, f0, f_plus, f_minus, eps, column, tol))
    if not columns:  # every input is empty: a Jacobian with no columns
        return np.zeros((f0.size, 0)), np.zeros((f0.size, 0))
    return np.stack(columns, axis=1), np.stack(kinks, axis=1)


def _slope_jump(
    at: Callable[[float], Any],
    f0: Any,
    f_plus: Any,
    f_minus: Any,
    eps: float,
    numeric: Any,
    tol: tuple[float, float] | None,
) -> Any:
    """How far the right and left slopes disagree beyond what curvature explains.

    The one-sided slopes at step h differ by d(h) = (f(x+h) - 2 f(x) + f(x-h)) / h: about f'' h where f is
    smooth, but about the jump in slope at a kink, whatever h. So where |d(eps)| is large enough to matter
    (over 10x the tolerance), d is measured again at eps/2 and 2 eps and the part that does not shrink with
    the step is kept: 2 d(h/2) - d(h) is ~0 at a smooth point (curvature cancels) and ~ the jump at a kink.
    """
    d = (f_plus - 2 * f0 + f_minus) / eps
    gap = np.abs(d)
    if tol is None:
        return gap
    atol, rtol = tol
    suspects = gap > 10 * (atol + rtol * np.abs(numeric))
    if not np.any(suspects):
        return gap
    half = (at(eps / 2) - 2 * f0 + at(-eps / 2)) / (eps / 2)
    double = (at(2 * eps) - 2 * f0 + at(-2 * eps)) / (2 * eps)
    jump = np.maximum(np.abs(2 * half - d), np.abs(2 * d - double))
    return np.where(suspects, jump, gap)


# ------------------------------------------------------------------ analytic
def _backprop_rows(f: Callable[..., Any], specs: list[_Input], seeds: Callable[[list[Node]], Any]) -> np.ndarray:
    """Build f once on fresh leaves; for each list of per-output seeds, one backward pass -> one row of J^T u.

    `seeds(outputs)` yields, per row, one seed per output (None: that output gets no gradient).
    The graph is reused: the engine resets interior nodes each pass, and we zero our own leaves.
    """
    leaves = [s.leaf(s.flat) for s in specs]
    outputs = _flatten_outputs(f(*leaves))
    mine = {id(leaf) for leaf in leaves}
    others = {id(n): n for out in outputs for n in topological_order(out) if not n._parents and id(n) not in mine}
    saved = [(leaf, leaf.grad) for leaf in others.values()]
    rows = []
    try:
        for row_seeds in seeds(outputs):
            for leaf in leaves:
                leaf.grad = leaf._zero_grad
            for out, seed in zip(outputs, row_seeds):
                if seed is not None and getattr(out, "requires_grad", True):  # a constant output has zero gradient
                    out.backward(seed)
            rows.append(np.concatenate([s.grad_of(leaf) for s, leaf in zip(specs, leaves)]))
    finally:
        for leaf, grad in saved:  # leave the caller's own parameters as they were
            leaf.grad = grad
    if not rows:  # f returned no elements at all (an empty tensor): nothing to compare
        return np.zeros((0, sum(s.flat.size for s in specs)))
    return np.stack(rows, axis=0)


def _one_hot_seeds(outputs: list[Node]) -> Any:
    """Per output element: a one-hot seed on its output, None on the others."""
    for which, out in enumerate(outputs):
        data = np.asarray(out.data)
        for offset in range(data.size):
            seeds: list[Any] = [None] * len(outputs)
            if isinstance(out, Value):
                seeds[which] = 1.0
            else:
                seed = np.zeros(data.shape, dtype=data.dtype)
                seed.flat[offset] = 1.0
                seeds[which] = seed
            yield seeds


def _analytic_jacobian(f: Callable[..., Any], specs: list[_Input]) -> np.ndarray:
    """One backward pass per output element, seeded with a one-hot gradient."""
    return _backprop_rows(f, specs, _one_hot_seeds)


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

    def worst(self) -> dict[str, GradcheckRow]:
        """Per input, the entry with the largest error beyond tolerance (only inputs that failed); NaN is the worst."""
        out: dict[str, GradcheckRow] = {}
        for r in self.failures:
            if r.input not in out or _badness(r) > _badness(out[r.input]):
                out[r.input] = r
        return out

    def __str__(self) -> str:
        if self.problem:
            return f"gradcheck: {self.problem}"
        header = ("out", "input", "index", "analytic", "numeric", "abs err", "rel err", "")
        shown = self.rows
        if len(shown) > self.max_rows:  # too many to read: the worst ones first
            shown = sorted(shown, key=lambda r: (r.ok, -_badness(r)))[: self.max_rows]
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
        worst = [
            f"worst in {name}: element {r.index or '()'} of output {r.output}: "
            f"analytic {r.analytic:.6g} vs numeric {r.numeric:.6g}"
            for name, r in self.worst().items()
            if r.index and not r.index.startswith("u.J.v")
        ]
        return "\n".join([*lines, summary, *worst, *self.notes])


def _badness(row: GradcheckRow) -> float:
    """How wrong an entry is, for ordering: its absolute error, with NaN (a NaN gradient or difference) the worst."""
    return math.inf if math.isnan(row.abs_error) else row.abs_error


def _checked_inputs(inputs: Any, who: str) -> list[Node]:
    if not isinstance(inputs, Sequence) or isinstance(inputs, Node):
        raise TypeError(f"{who}: inputs must be a list of Values or Tensors, e.g. {who}(f, [x, y])")
    for i, x in enumerate(inputs):
        if not isinstance(x, Node):
            raise TypeError(f"{who}: input {i} is a {type(x).__name__}; wrap numbers as Value(...) or Tensor(...)")
    if not inputs:
        raise ValueError(f"{who}: inputs is empty; give the Values or Tensors to differentiate by, e.g. {who}(f, [x])")
    return list(inputs)


def _check_settings(who: str, **settings: Any) -> None:
    """mode one of the three, eps > 0, atol and rtol >= 0 (numbers, not NaN), projections an int >= 1, seed an
    int >= 0."""
    for name, value in settings.items():
        if name == "mode":
            if value not in ("auto", "full", "projected"):
                raise ValueError(f"{who}: mode must be 'auto', 'full' or 'projected', got {value!r}")
            continue
        if name in ("projections", "seed"):
            low = 1 if name == "projections" else 0
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{who}: {name} must be an int >= {low}, got {value!r}; e.g. {name}={3 * low}")
            continue
        number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        if name == "eps" and not (number and math.isfinite(value) and value > 0):
            raise ValueError(
                f"{who}: eps (the finite-difference step) must be a number > 0, got {value!r}; e.g. eps=1e-6"
            )
        if name != "eps" and not (number and value >= 0):  # NaN fails value >= 0 too
            example = "1e-5" if name == "atol" else "1e-3"
            raise ValueError(f"{who}: {name} (a tolerance) must be a number >= 0, got {value!r}; e.g. {name}={example}")


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Node],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_on_failure: bool = True,
    mode: str = "auto",
    projections: int = 3,
    seed: int = 0,
) -> GradcheckResult:
    """Compare backprop's gradients of f with central differences at `inputs`.

    f takes the inputs (Values or Tensors) and returns a Value, a Tensor, or a
    list of them. An entry passes when |analytic - numeric| <= atol + rtol * |numeric|.
    Raises `GradcheckError` with the table unless `raise_on_failure=False`.

    mode="full" checks every (output element, input element) pair of the
    Jacobian; mode="projected" checks `projections` random projections u.J.v
    per input (u, v drawn from `seed`), which costs a few evaluations whatever
    the size; mode="auto" (the default) is full up to `FULL_JACOBIAN_LIMIT` entries.
    """
    inputs = _checked_inputs(inputs, "gradcheck")
    _check_settings("gradcheck", mode=mode, eps=eps, atol=atol, rtol=rtol, projections=projections, seed=seed)
    specs = _disambiguate([_Input(x, i) for i, x in enumerate(inputs)])
    result = _check(f, specs, eps, atol, rtol, mode, projections, seed)
    if raise_on_failure and not result.ok:
        raise GradcheckError(result)
    return result


@dataclass
class _Reference:
    """The numeric side for the inputs from `start` on, computed some other way than differencing f in them.

    `full(eps, tol)` gives their columns of the Jacobian and of the one-sided gaps; `directional(i, u, v, eps,
    tol)` gives (u . J_i v, gap) for input i. gradgradcheck uses it for its grad_outputs (see there).
    """

    start: int
    full: Callable[[float, tuple[float, float]], tuple[np.ndarray, np.ndarray]]
    directional: Callable[[int, np.ndarray, np.ndarray, float, tuple[float, float]], tuple[float, float]]


def _check(
    f: Callable[..., Any],
    specs: list[_Input],
    eps: float,
    atol: float,
    rtol: float,
    mode: str,
    projections: int,
    seed: int,
    reference: _Reference | None = None,
) -> GradcheckResult:
    if mode == "auto":
        n_out = _evaluate(f, specs, [s.flat for s in specs]).size
        mode = "full" if n_out * sum(s.flat.size for s in specs) <= FULL_JACOBIAN_LIMIT else "projected"
    if mode == "full":
        return _full_check(f, specs, eps, atol, rtol, reference)
    return _projected_check(f, specs, eps, atol, rtol, projections, seed, reference)


def _row(
    output: int, spec_name: str, index: str, a: float, n: float, gap: float, atol: float, rtol: float
) -> GradcheckRow:
    err = abs(a - n)
    tolerance = atol + rtol * abs(n)
    return GradcheckRow(
        output=output,
        input=spec_name,
        index=index,
        analytic=a,
        numeric=n,
        abs_error=err,
        rel_error=err / abs(n) if n != 0 else (0.0 if err == 0 else math.inf),
        kink=bool(gap > 10 * tolerance),
        ok=bool(err <= tolerance),
    )


def _full_check(
    f: Callable[..., Any],
    specs: list[_Input],
    eps: float,
    atol: float,
    rtol: float,
    reference: _Reference | None = None,
) -> GradcheckResult:
    analytic = _analytic_jacobian(f, specs)
    if reference is None:
        numeric, one_sided_gap = _numeric_jacobian(f, specs, eps, (atol, rtol))
    else:  # difference f in the first inputs only (the others held at their values); the rest comes from reference
        head, tail = specs[: reference.start], specs[reference.start :]

        def f_head(*xs: Node) -> Any:
            return f(*xs, *[s.leaf(s.flat) for s in tail])

        numeric, one_sided_gap = _numeric_jacobian(f_head, head, eps, (atol, rtol))
        ref_numeric, ref_gap = reference.full(eps, (atol, rtol))
        numeric = np.concatenate([numeric, ref_numeric], axis=1)
        one_sided_gap = np.concatenate([one_sided_gap, ref_gap], axis=1)
    rows = []
    for k in range(numeric.shape[0]):
        col = 0
        for spec in specs:
            for j in range(spec.flat.size):
                a, n = float(analytic[k, col]), float(numeric[k, col])
                rows.append(_row(k, spec.name, spec.index_label(j), a, n, one_sided_gap[k, col], atol, rtol))
                col += 1
    return GradcheckResult(rows)


def _projected_check(
    f: Callable[..., Any],
    specs: list[_Input],
    eps: float,
    atol: float,
    rtol: float,
    projections: int,
    seed: int,
    reference: _Reference | None = None,
) -> GradcheckResult:
    """Per projection and per input i: u . (J_i v_i) by one backward pass and by a central difference along v_i."""
    rng = np.random.default_rng(seed)
    base = [s.flat for s in specs]
    f0 = _evaluate(f, specs, base)
    draws = []
    for _ in range(projections):
        u = rng.standard_normal(f0.size)
        vs = [rng.standard_normal(s.flat.size) for s in specs]
        draws.append((u, [v / max(np.linalg.norm(v), 1e-300) for v in vs]))  # unit steps: eps means the same

    def seeds(outputs: list[Node]) -> Any:
        for u, _ in draws:
            row, start = [], 0
            for out in outputs:
                data = np.asarray(out.data)
                part = u[start : start + data.size]
                start += data.size
                row.append(float(part[0]) if isinstance(out, Value) else part.reshape(data.shape).astype(data.dtype))
            yield row

    backprop = _backprop_rows(f, specs, seeds)  # row k holds J^T u_k for every input, flattened
    rows = []
    for k, (u, vs) in enumerate(draws):
        col = 0
        for i, spec in enumerate(specs):
            size = spec.flat.size
            a = float(backprop[k, col : col + size] @ vs[i])
            col += size
            if reference is not None and i >= reference.start:
                n, gap = reference.directional(i, u, vs[i], eps, (atol, rtol))
            else:
                n, gap = _directional(f, specs, base, f0, i, u, vs[i], eps, (atol, rtol))
            rows.append(_row(k, spec.name, f"u.J.v #{k}", a, n, gap, atol, rtol))
    notes = [
        f"projected check: {projections} random directions per input (seed {seed}); "
        "to see which elements are wrong, run mode='full' on smaller inputs"
    ]
    return GradcheckResult(rows, notes=notes)


def _directional(
    f: Callable[..., Any],
    specs: list[_Input],
    base: list[np.ndarray],
    f0: np.ndarray,
    i: int,
    u: np.ndarray,
    v: np.ndarray,
    eps: float,
    tol: tuple[float, float],
) -> tuple[float, float]:
    """u . (J_i v) by a central difference of f along v on input i, and the one-sided slopes' disagreement."""

    def at(step: float) -> float:
        moved = [x + step * v if j == i else x for j, x in enumerate(base)]
        return float(u @ _evaluate(f, specs, moved))

    fp, fm = at(eps), at(-eps)
    n = (fp - fm) / (2 * eps)
    return n, float(_slope_jump(at, float(u @ f0), fp, fm, eps, n, tol))


# ------------------------------------------------------------ second order
class GradgradcheckError(GradcheckError):
    """Raised by `gradgradcheck` when second derivatives disagree with finite differences of the first."""

    def __init__(self, result: GradcheckResult) -> None:
        AssertionError.__init__(self, f"gradgradcheck failed:\n{result}")
        self.result = result


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Node],
    grad_outputs: Sequence[Any] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_on_failure: bool = True,
    mode: str = "auto",
    projections: int = 3,
    seed: int = 0,
    check_grad_outputs: bool = True,
) -> GradcheckResult:
    """Compare the second derivatives of f (its backward, differentiated) with finite differences of the first.

    The function checked is g(x, u) = d(u . f(x))/dx, one output per input of f, computed by
    ``microgradnn.grad(..., create_graph=True)``; u (`grad_outputs`, one per output of f, each a finite number
    or array of that output's shape) is drawn from `seed` unless given. Its derivative with respect to x is the
    Hessian-like term, which only exists if every backward formula is built from graph operations. With
    `check_grad_outputs`, u is an input of g too: g = J^T u is linear in u, so d g / d u must be J^T, and it is
    compared with central differences of f's *forward* pass (not of g, whose every value comes from the same
    backward): a backward that ignores its upstream gradient is caught as well.
    The report is gradcheck's table; "output k" is the gradient with respect to input k.
    """
    from microgradnn.functional import grad

    inputs = _checked_inputs(inputs, "gradgradcheck")
    _check_settings("gradgradcheck", mode=mode, eps=eps, atol=atol, rtol=rtol, projections=projections, seed=seed)
    specs = [_Input(x, i, "gradgradcheck") for i, x in enumerate(inputs)]
    with no_grad():
        probe = _flatten_outputs(f(*[s.leaf(s.flat) for s in specs]))
    us = _grad_output_nodes(probe, grad_outputs, seed)
    n = len(inputs)

    def first_derivative(*args: Node) -> list[Node]:
        xs = args[:n]
        seeds = list(args[n:]) if check_grad_outputs else [u.data if isinstance(u, Value) else u for u in us]
        create_graph = is_grad_enabled()  # gradcheck evaluates under no_grad() for the numeric side
        with enable_grad():
            outs = _flatten_outputs(f(*xs))
            grads = grad(outs, list(xs), seeds, create_graph=create_graph, allow_unused=True)
        return [_as_node(g, x) for g, x in zip(grads, xs)]

    checked = [*inputs, *us] if check_grad_outputs else list(inputs)
    checked_specs = _disambiguate([_Input(x, i, "gradgradcheck") for i, x in enumerate(checked)])
    reference = _forward_reference(f, checked_specs[:n], n) if check_grad_outputs else None
    result = _check(first_derivative, checked_specs, eps, atol, rtol, mode, projections, seed, reference)
    names = ", ".join(f"output {k} = d(u.f)/d({s.name})" for k, s in enumerate(checked_specs[:n]))
    result.notes.insert(0, f"second derivatives: {names}; u = grad_outputs")
    if check_grad_outputs:
        result.notes.insert(1, "d(u.f)/dx by grad_output: compared with central differences of f itself (J^T)")
    if raise_on_failure and not result.ok:
        raise GradgradcheckError(result)
    return result


def _forward_reference(f: Callable[..., Any], x_specs: list[_Input], n: int) -> _Reference:
    """The numeric d g / d u for g(x, u) = J(x)^T u: J^T itself, by central differences of f's forward pass.

    Differencing g in u would compare the backward with itself (a backward that ignores u is linear in u
    too); f's forward pass is independent of every backward formula.
    """
    base = [s.flat for s in x_specs]
    at_base = [np.asarray(o.data, dtype=np.float64).ravel() for o in _flatten_outputs(_call_no_grad(f, x_specs, base))]

    def full(eps: float, tol: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
        jac, gaps = _numeric_jacobian(f, x_specs, eps, tol)  # (f's output elements) x (x elements)
        return jac.T, gaps.T  # g's outputs are the x elements, its u columns f's output elements

    def directional(i: int, w: np.ndarray, v: np.ndarray, eps: float, tol: tuple[float, float]) -> tuple[float, float]:
        # w . (dg/du_m v) = v . (J_m w): difference f_m (output m, the one u_m seeds) along w in x-space
        m = i - n
        sizes = np.cumsum([0, *(s.flat.size for s in x_specs)])
        steps = [w[sizes[k] : sizes[k + 1]] for k in range(len(x_specs))]

        def at(step: float) -> float:
            outs = _flatten_outputs(_call_no_grad(f, x_specs, [x + step * d for x, d in zip(base, steps)]))
            return float(v @ np.asarray(outs[m].data, dtype=np.float64).ravel())

        fp, fm = at(eps), at(-eps)
        value = (fp - fm) / (2 * eps)
        return value, float(_slope_jump(at, float(v @ at_base[m]), fp, fm, eps, value, tol))

    return _Reference(start=n, full=full, directional=directional)


def _grad_output_nodes(outputs: list[Node], given: Sequence[Any] | None, seed: int) -> list[Node]:
    """One seed u per output of f, as a float64 leaf labelled 'grad_output k' (random unless given)."""
    rng = np.random.default_rng(seed)
    if given is not None:
        given = list(given) if isinstance(given, (list, tuple)) else [given]
        if len(given) != len(outputs):
            raise ValueError(f"gradgradcheck: f has {len(outputs)} output(s) but {len(given)} grad_outputs were given")
    nodes: list[Node] = []
    for k, out in enumerate(outputs):
        label = f"grad_output {k}"
        shape = np.shape(out.data)
        u = rng.standard_normal(shape) if given is None else _given_grad_output(given[k], k, shape)
        if np.shape(u) != shape:
            raise ValueError(f"gradgradcheck: grad_outputs[{k}] has shape {np.shape(u)} but output {k} has {shape}")
        if isinstance(out, Value):
            nodes.append(Value(float(u), label=label))
        else:
            nodes.append(type(out)(np.asarray(u, dtype=np.float64), requires_grad=True, label=label))
    return nodes


def _given_grad_output(value: Any, k: int, shape: tuple[int, ...]) -> np.ndarray:
    """grad_outputs[k] as a float64 array: a finite number, array, Value or Tensor; anything else is refused."""
    example = "1.0" if not shape else f"np.ones({shape})"
    data = getattr(value, "data", value) if isinstance(value, Node) else value
    if data is None:
        raise TypeError(
            f"gradgradcheck: grad_outputs[{k}] is None; give a number or array of output {k}'s shape "
            f"{shape}, e.g. {example}, or pass grad_outputs=None to draw them all at random"
        )
    if isinstance(data, (bool, np.bool_, str, bytes)):
        raise TypeError(f"gradgradcheck: grad_outputs[{k}] must be numbers, got {data!r}; e.g. {example}")
    try:
        u = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"gradgradcheck: grad_outputs[{k}] must be a number or an array of numbers, got {data!r} ({error}); "
            f"e.g. {example}"
        ) from None
    if not np.all(np.isfinite(u)):
        raise ValueError(
            f"gradgradcheck: grad_outputs[{k}] must be finite (no NaN or inf), got {data!r}; e.g. {example}"
        )
    return u


def _as_node(g: Any, like: Node) -> Node:
    """A gradient as a node: graph nodes stay, numbers and arrays become leaves, None becomes zero."""
    if isinstance(g, Node):
        return g
    if isinstance(like, Value):
        return Value(0.0 if g is None else float(g))
    data = np.zeros(like.data.shape, like.data.dtype) if g is None else np.asarray(g)
    return type(like)(data)
