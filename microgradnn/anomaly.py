"""`detect_anomaly()`: raise at the first NaN or inf, in forward or in backward, for Values and Tensors alike.

Without it NaN and inf flow through as IEEE floats and PyTorch let them (1/0 =
inf, log(0) = -inf). Inside it every op checks its result, and remembers
where in your code it was made, so the error names the op and the line.
"""

from __future__ import annotations

import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["detect_anomaly", "is_anomaly_enabled"]


from microgradnn.modes import ANOMALY, entered, in_mode, left

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()` (in this thread)."""
    return ANOMALY.enabled


class detect_anomaly:
    """Raise FloatingPointError as soon as a NaN or inf appears, in forward or in backward, in this thread.

    ``with detect_anomaly():``, or as a decorator, ``@detect_anomaly`` or ``@detect_anomaly()`` (on a generator
    function the checks hold while its body runs, as for `no_grad`). It costs a check per op: use it to debug.
    """

    __slots__ = ("previous",)

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        if fn is not None and not callable(fn):
            raise TypeError(
                f"detect_anomaly: got {fn!r}; write `with detect_anomaly():`, or put @detect_anomaly above a function"
            )
        self = super().__new__(cls)
        self.previous = False
        return self if fn is None else self(fn)

    def __enter__(self) -> None:
        self.previous = ANOMALY.enabled
        entered()
        ANOMALY.enabled = True

    def __exit__(self, *exc_info: object) -> None:
        ANOMALY.enabled = self.previous
        left()

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return in_mode(fn, detect_anomaly)


def _creation_site() -> str:
    """'file:line in function: code' of the innermost caller outside the package (and of the op's own line)."""
    frames = traceback.extract_stack(limit=40)[:-1]
    frames = [f for f in frames if os.path.abspath(f.filename) != os.path.abspath(__file__)]
    user = [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE + os.sep)]
    if not user:
        return "<unknown>"
    f = user[-1]
    return f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}: `{f.line}`"


def _bad(x: Any) -> str | None:
    """'nan' or 'inf' (with the first index for arrays) when x holds one, else None."""
    if isinstance(x, float):
        return None if math.isfinite(x) else ("nan" if x != x else "inf")
    import numpy as np

    data = np.asarray(x)
    if data.dtype.kind not in "fc" or np.isfinite(data).all():
        return None
    bad = ~np.isfinite(data)
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), data.shape))
    kind = "nan" if np.isnan(data).any() else "inf"
    return f"{kind} (first at index {index})"


def check_forward(node: Any, fn: type, inputs: Sequence[Any]) -> None:
    """Anomaly mode: remember where `node` was created; raise if its data holds a NaN or inf."""
    if node._ctx is not None:
        node._ctx.origin = _creation_site()
    fn_name = fn.describe(node._ctx) if node._ctx is not None else fn.name
    problem = _bad(node.data)
    if problem is None:
        return
    already = [i for i, p in enumerate(inputs) if _bad(p.data) is not None]
    hint = f"; input {already[0]} already held a nan or inf" if already else ""
    running = _backward_running()
    if running is not None:  # an op of a backward formula, in backward(create_graph=True): name that backward
        raise FloatingPointError(
            f"detect_anomaly: the backward of {running.op}{_where(running)} produced {problem} in its {fn_name} "
            f"step, during backward(create_graph=True) at {_creation_site()}{hint}"
        )
    raise FloatingPointError(f"detect_anomaly: {fn_name} produced {problem} in forward at {_creation_site()}{hint}")


def _backward_running() -> Any:
    """The node whose backward formula is running in this thread (it builds graph nodes with create_graph), or None.

    Read off the call stack, so the engine keeps no extra state for it: only an error gets here.
    """
    from microgradnn.engine import chain_rule_step  # (the engine imports this module)

    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is chain_rule_step.__code__:
            return frame.f_locals.get("node")
        frame = frame.f_back
    return None


def _where(node: Any) -> str:
    """Where `node` was created, as check_forward noted it, or how to find out."""
    origin = getattr(node._ctx, "origin", None)
    if origin:
        return f", created at {origin}"
    return " (build the graph inside detect_anomaly() too, to see where it was created)"


def check_backward(node: Any, grads: Sequence[Any]) -> None:
    """Anomaly mode: raise if `node`'s backward produced a NaN or inf, naming the op and where it was made."""
    for index, g in enumerate(grads):
        if g is None:
            continue
        problem = _bad(getattr(g, "data", g) if not isinstance(g, float) else g)
        if problem is None:
            continue
        shape = getattr(node._parents[index], "shape", ())
        raise FloatingPointError(
            f"detect_anomaly: the backward of {node.op}{_where(node)} produced {problem} "
            f"in the gradient for its input {index} of shape {shape}"
        )
