"""Which nn module made a node: a side table that `nn` fills and `viz` reads.

The graph core knows nothing of modules or pictures, so a node carries no
module path itself. This table maps a node to the dotted path of the module
that created it (``"layers.0.neurons.1"``); entries of nodes that are gone are
swept out as the table grows.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["scope_of", "set_scope"]

# id(node) -> (weak reference to the node, path). Keyed by id, not by the node: a Tensor's == is elementwise,
# so nodes cannot be dictionary keys that compare themselves. A weak reference without a callback is cheap (one per
# node, shared): the table is swept of dead entries whenever it has doubled since the last sweep, rather than
# paying a callback per node (a third of the scope tagging's cost on a small tensor MLP, benchmarks/run.py).
_SCOPES: dict[int, tuple[weakref.ref[Any], str]] = {}
_SWEEP_AT = [1024]


def scope_of(node: Any) -> str | None:
    """The dotted path of the module that made `node`, or None (made outside any module)."""
    entry = _SCOPES.get(id(node))
    if entry is None or entry[0]() is not node:
        return None
    return entry[1]


def set_scope(node: Any, path: str | None) -> None:
    """Record that the module at `path` made `node` (None or "" forgets it)."""
    key = id(node)
    if not path:
        _SCOPES.pop(key, None)
        return
    _SCOPES[key] = (weakref.ref(node), path)
    if len(_SCOPES) >= _SWEEP_AT[0]:
        _sweep()


def _sweep() -> None:
    """Drop the entries of nodes that no longer exist; sweep again when the table has doubled."""
    dead = [key for key, (ref, _) in _SCOPES.items() if ref() is None]
    for key in dead:
        del _SCOPES[key]
    _SWEEP_AT[0] = max(1024, 2 * len(_SCOPES))
