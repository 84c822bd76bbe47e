"""Which nn module made a node: a side table that `nn` fills and `viz` reads.

The graph core knows nothing of modules or pictures, so a node carries no
module path itself. This table maps a node to the dotted path of the module
that created it (``"layers.0.neurons.1"``); the entries of a module call go
when the call's output does.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

__all__ = ["scope_of", "set_scope", "set_scopes", "set_scopes_later"]

# Keyed by id(node), not by the node: a Tensor's == is elementwise, so nodes cannot be dictionary keys that compare
# themselves. An id names the node only while the node lives, so each module call's entries belong to an *anchor*:
# the node itself, or a node that keeps them alive (the call's output, whose parents reach back to every node the
# call made). A weak reference to the anchor drops the call's entries as the anchor is freed, before the nodes it
# kept alive are, so no entry outlives its node and a node that takes a freed id has no scope. (A node kept on its
# own after its anchor is gone, such as a neuron's dot without its activation, loses its scope: pictures draw it
# outside its box.)
_SCOPES: dict[int, str] = {}  # id(node) -> path
_OWNER: dict[int, int] = {}  # id(node) -> the call that tagged it last (the key below)
_CALLS: dict[int, list[Any]] = {}  # id of the anchor's weak reference -> [that reference, ids tagged, pairs to tag]
# The speed trick: a scalar MLP tags a sample's nodes only when a picture first asks (`set_scopes_later`). The call
# keeps a flat list [path, node, path, node, ...] and nothing per node: 8% off micrograd's demo step (callgrind,
# 239 M -> 221 M instructions over 8 steps; fewer objects for the garbage collector, no dictionary writes).
_LATER: dict[int, None] = {}  # the calls whose pairs are not in the table yet, in call order


def scope_of(node: Any) -> str | None:
    """The dotted path of the module that made `node`, or None (made outside any module)."""
    if _LATER:
        _tag_later_calls()
    return _SCOPES.get(id(node))


def set_scope(node: Any, path: str | None) -> None:
    """Record that the module at `path` made `node` (None or "" forgets it)."""
    if not path:
        _SCOPES.pop(id(node), None)
        _OWNER.pop(id(node), None)
        return
    set_scopes((node,), path, node)


def set_scopes(nodes: Iterable[Any], path: str, anchor: Any) -> None:
    """Record that the module at `path` made `nodes`, all of which `anchor` keeps alive (it is one of them or
    depends on every one of them: a module call's output)."""
    key, call = _new_call(anchor)
    for node in nodes:
        _tag(key, call, node, path)


def set_scopes_later(pairs: list[Any], anchor: Any, anchor_path: str | None) -> None:
    """Record, lazily, one call's ``[path, node, path, node, ...]``: nodes other than `anchor`, all of which it keeps
    alive (the table holds them until the anchor goes); `anchor_path` is the anchor's own path (None: it has none)."""
    key, call = _new_call(anchor)
    if anchor_path:
        _tag(key, call, anchor, anchor_path)
    if pairs:
        call[2] = pairs
        _LATER[key] = None


def _new_call(anchor: Any) -> tuple[int, list[Any]]:
    ref = weakref.ref(anchor, _forget)
    call = [ref, [], None]
    _CALLS[id(ref)] = call
    return id(ref), call


def _tag(key: int, call: list[Any], node: Any, path: str) -> None:
    i = id(node)
    _SCOPES[i] = path
    _OWNER[i] = key
    call[1].append(i)


def _tag_later_calls() -> None:
    for key in list(_LATER):
        call = _CALLS[key]
        pairs, call[2] = call[2], None
        it = iter(pairs)
        for path, node in zip(it, it):
            _tag(key, call, node, path)
    _LATER.clear()


def _forget(
    ref: weakref.ref[Any], calls: dict = _CALLS, later: dict = _LATER, owner: dict = _OWNER, scopes: dict = _SCOPES
) -> None:
    """The anchor is being freed, the nodes it kept alive not yet: drop the entries its call still owns (a node
    tagged again since belongs to the newer call)."""
    key = id(ref)
    _, ids, _ = calls.pop(key)
    later.pop(key, None)
    for i in ids:
        if owner.get(i) == key:
            del scopes[i], owner[i]
