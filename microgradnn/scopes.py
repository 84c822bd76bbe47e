"""Which nn module made a node: a side table that `nn` fills and `viz` reads.

The graph core knows nothing of modules or pictures, so a node carries no
module path itself. This table maps a node to the dotted path of the module
that created it (``"layers.0.neurons.1"``); the entry goes when the node does.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["scope_of", "set_scope"]

# id(node) -> (weak reference to the node, path). Keyed by id, not by the node: a Tensor's == is elementwise,
# so nodes cannot be dictionary keys that compare themselves. The weak reference's callback drops the entry.
_SCOPES: dict[int, tuple[weakref.ref[Any], str]] = {}


def _forget(key: int) -> Any:
    def callback(_ref: weakref.ref[Any]) -> None:
        entry = _SCOPES.get(key)
        if entry is not None and entry[0] is _ref:
            del _SCOPES[key]

    return callback


def scope_of(node: Any) -> str | None:
    """The dotted path of the module that made `node`, or None (made outside any module)."""
    entry = _SCOPES.get(id(node))
    if entry is None or entry[0]() is not node:
        return None
    return entry[1]


def set_scope(node: Any, path: str | None) -> None:
    """Record that the module at `path` made `node` (None or "" forgets it)."""
    key = id(node)
    if path:
        _SCOPES[key] = (weakref.ref(node, _forget(key)), path)
    else:
        _SCOPES.pop(key, None)
