"""Which nn module made a node: a side table that `nn` fills and `viz` reads.

The graph core knows nothing of modules or pictures, so a node carries no
module path itself. This table maps a node to the dotted path of the module
that created it (``"layers.0.neurons.1"``); entries of nodes that are gone are
swept out as the table grows.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

__all__ = ["scope_of", "set_scope", "set_scopes"]

# Keyed by id(node), not by the node: a Tensor's == is elementwise, so nodes cannot be dictionary keys that compare
# themselves. An id names the node only while the node lives, so each entry also holds a weak reference to an
# *anchor*: the node itself, or a node of the same module call that keeps it alive (its output, whose parents
# reach back to every node the call made). While the anchor lives the id is the node's; once it is gone the entry
# is stale, and it is swept whenever the table has doubled since the last sweep. (A node kept on its own after its
# anchor is gone, such as a neuron's dot without its activation, loses its scope: pictures draw it outside its box.)
#
# The speed trick: one (anchor, path) entry per module call, shared by every node the call made, instead of a
# weak reference and an entry tuple per node: fewer objects for the garbage collector to track, and about 5% off
# micrograd's demo step (4-14% in three side-by-side runs; 3.8k instead of 5.8k instructions per neuron).
_SCOPES: dict[int, tuple[weakref.ref[Any], str]] = {}
_SWEEP_AT = [1024]


def scope_of(node: Any) -> str | None:
    """The dotted path of the module that made `node`, or None (made outside any module)."""
    entry = _SCOPES.get(id(node))
    if entry is None or entry[0]() is None:
        return None
    return entry[1]


def set_scope(node: Any, path: str | None) -> None:
    """Record that the module at `path` made `node` (None or "" forgets it)."""
    if not path:
        _SCOPES.pop(id(node), None)
        return
    set_scopes((node,), path, node)


def set_scopes(nodes: Iterable[Any], path: str, anchor: Any) -> None:
    """Record that the module at `path` made `nodes`, all of which `anchor` keeps alive (it is one of them or
    depends on every one of them: a module call's output)."""
    entry = (weakref.ref(anchor), path)
    for node in nodes:
        _SCOPES[id(node)] = entry
    if len(_SCOPES) >= _SWEEP_AT[0]:
        _sweep()


def _sweep() -> None:
    """Drop the entries whose anchor is gone; sweep again when the table has doubled."""
    dead = [key for key, (anchor, _) in _SCOPES.items() if anchor() is None]
    for key in dead:
        del _SCOPES[key]
    _SWEEP_AT[0] = max(1024, 2 * len(_SCOPES))
