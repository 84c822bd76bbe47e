"""Small HTML summaries of a Value, a Tensor and a backward Step, for notebooks.

Jupyter shows an object through its ``_repr_html_``; these pure functions build
that snippet from a node's public attributes only (``data``, ``grad``,
``label``, ``op``, ``parents``; ``shape`` and ``dtype`` for tensors). Each is
one short line of inline-styled HTML, so it reads the same in JupyterLab, the
classic notebook, VS Code and Colab's sandboxed output, which load no style
sheet of ours. Every string that reaches the HTML (labels, op names, numbers)
is escaped, and characters a page cannot show as they are (lone surrogates,
bidi controls) are written out as visible escapes, as in the pictures.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from microgradnn.viz.scene import clean

__all__ = ["step_html", "tensor_html", "value_html"]

# How many elements of an array a summary shows before it writes "…".
MAX_VALUES = 6

_BOX = (
    "display:inline-block;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;"
    "line-height:1.5;padding:2px 8px;border:1px solid #c8ccd4;border-radius:4px;background:#f7f8fa;color:#1f2328"
)
_KEY = "color:#6a737d"


def _esc(text: Any) -> str:
    # clean() first: a lone surrogate would break the notebook's JSON, a bidi control would reorder what follows
    return html.escape(clean(text), quote=True)


def _number(x: Any) -> str:
    """One number, short: 6 significant digits for floats, as the text reprs print them."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return str(x)


def _values(a: Any) -> str:
    """The first few elements of an array, flattened, with "…" when there are more."""
    arr = np.asarray(a)
    if arr.ndim == 0:
        return _number(arr.item())
    flat = arr.ravel()
    shown = ", ".join(_number(x) for x in flat[:MAX_VALUES])
    return f"[{shown}{', …' if flat.size > MAX_VALUES else ''}]"


def _field(key: str, value_html: str) -> str:
    return f'<span style="{_KEY}">{_esc(key)}</span> {value_html}'


def _label(node: Any) -> str:
    """The node's label as text ("" when it has none; node.label = 5 is not checked, so it shows as "5")."""
    return str(getattr(node, "label", "") or "")


def _name(node: Any) -> str:
    """How a node is called on a picture: its label, else its op in parentheses, else "leaf"."""
    label = _label(node)
    op = getattr(node, "op", "") or ""
    return label or (f"({op})" if op else "leaf")


def _made_from(node: Any) -> str:
    parents = tuple(getattr(node, "parents", ()) or ())
    op = getattr(node, "op", "") or ""
    if not op:
        return _field("op", "<i>leaf</i>")
    names = ", ".join(_name(p) for p in parents)
    return _field("op", f"<code>{_esc(op)}</code>({_esc(names)})")


def _box(kind: str, node: Any, fields: list[str]) -> str:
    label = _label(node)
    title = f"<b>{_esc(kind)}</b>" + (f" <b>{_esc(label)}</b>" if label else "")
    return f'<div class="microgradnn-repr" style="{_BOX}">' + " &middot; ".join([title, *fields]) + "</div>"


def value_html(v: Any) -> str:
    """A Value as one line: its label, data, grad and the op (with its operands) that made it."""
    fields = [
        _field("data", f"<code>{_esc(_number(v.data))}</code>"),
        _field("grad", f"<code>{_esc(_number(v.grad))}</code>"),
        _made_from(v),
    ]
    return _box("Value", v, fields)


def tensor_html(t: Any) -> str:
    """A Tensor as one line: label, shape, dtype, the first few values and gradients, and its op."""
    grad = t.grad
    fields = [
        _field("shape", f"<code>{_esc(tuple(t.shape))}</code>"),
        _field("dtype", f"<code>{_esc(t.dtype)}</code>"),
        _field("data", f"<code>{_esc(_values(t.data))}</code>"),
        _field("grad", "<i>none yet</i>" if grad is None else f"<code>{_esc(_values(grad))}</code>"),
        _made_from(t),
    ]
    return _box("Tensor", t, fields)


def step_html(step: Any) -> str:
    """One backward step as a small table: the node and its upstream gradient, then one row per
    parent with the local derivative (scalars) and the contribution the engine added to its grad."""
    node = step.node
    locals_ = step.local_derivatives
    head = (
        f"<b>step {_esc(step.index)}</b> &middot; {_field('node', f'<b>{_esc(_name(node))}</b>')}"
        f" = <code>{_esc(_values(node.data))}</code> &middot; "
        f"{_field('upstream grad', f'<code>{_esc(_values(step.upstream))}</code>')}"
    )
    cells = "padding:1px 8px;text-align:left;font-size:inherit;font-family:inherit"
    header = ["parent", "data"] + (["local derivative"] if locals_ is not None else []) + ["contribution"]
    rows = ["<tr>" + "".join(f'<th style="{cells};{_KEY};font-weight:normal">{h}</th>' for h in header) + "</tr>"]
    for i, (parent, contribution) in enumerate(zip(step.parents, step.contributions)):
        row = [_esc(_name(parent)), _esc(_values(parent.data))]
        if locals_ is not None:
            row.append(_esc(_number(locals_[i])))
        row.append("-" if contribution is None else _esc(_values(contribution)))
        rows.append("<tr>" + "".join(f'<td style="{cells}"><code>{c}</code></td>' for c in row) + "</tr>")
    table_style = "border-collapse:collapse;margin-top:2px;font-size:inherit"
    table = f'<table style="{table_style}">{"".join(rows)}</table>' if step.parents else ""
    return f'<div class="microgradnn-repr" style="{_BOX}">{head}{table}</div>'
