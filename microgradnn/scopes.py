"""Which nn module made a node: a side table that `nn` fills and `viz` reads.

The graph core knows nothing of modules or pictures, so a node carries no
module path itself. This table maps a node to the dotted path of the module
that created it (``"layers.0.neurons.1"``). A module call only leaves a
note; the notes fill the table the first time anyone asks for a scope, and a
call's entries go when its output does.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["has_note", "scope_of", "set_scope", "set_scopes", "set_scopes_later", "tag_later"]

# Keyed by id(node), not by the node: a Tensor's == is elementwise, so nodes cannot be dictionary keys that compare
# themselves. An id names the node only while the node lives, so each module call's entries belong to an *anchor*:
# the node itself, or a node that keeps them alive (the call's output, whose parents reach back to every node the
# call made). A weak reference to the anchor drops the call's entries as the anchor is freed, before the nodes it
# kept alive are, so no entry outlives its node and a node that takes a freed id has no scope. (A node kept on its
# own after its anchor is gone, such as a neuron's dot without its activation, loses its scope: pictures draw it
# outside its box.)
_SCOPES: dict[int, str] = {}  # id(node) -> path
_OWNER: dict[int, int] = {}  # id(node) -> the call that tagged it last (the key below)
_CALLS: dict[int, list[Any]] = {}  # id of the anchor's weak reference -> [that reference, ids it tagged]
# The speed trick: a module call does not tag its nodes; it leaves a note (`tag_later`), and the notes are carried
# out, in call order, the first time anyone asks for a scope (a picture). A training step that draws nothing pays
# one weak reference per call: 8% off micrograd's demo step (callgrind, 239 M -> 221 M instructions over 8 steps)
# and 5% off the tensor MLP step (726 k -> 692 k instructions; 2.35x -> 2.15x numpy in time, side by side).
_BUSY = [False]  # carrying the notes out: a note's own scope_of calls read the table as it stands


class _Note(weakref.ref):  # type: ignore[type-arg]
    """A weak reference to a call's anchor that carries what the call left to do: ``tag(anchor, *args)``."""

    __slots__ = ("anchor_id", "args", "tag")


_LATER: dict[int, _Note] = {}  # id(anchor) -> its note, in call order: one note per anchor


def scope_of(node: Any) -> str | None:
    """The dotted path of the module that made `node`, or None (made outside any module)."""
    if _LATER and not _BUSY[0]:
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
    key, ids = _new_call(anchor)
    for node in nodes:
        _tag(key, ids, node, path)


def tag_later(anchor: Any, tag: Callable[..., None], *args: Any) -> None:
    """Call ``tag(anchor, *args)`` (which records scopes) when a scope is first asked for, and not at all if
    `anchor` is gone by then. `args` must not hold `anchor` itself; a second note for the same anchor is dropped
    (the first one tags what there is to tag)."""
    key = id(anchor)
    if key in _LATER:
        return
    note = _Note(anchor, _drop_note)
    note.anchor_id, note.tag, note.args = key, tag, args
    _LATER[key] = note


def has_note(anchor: Any) -> bool:
    """Whether a call anchored at `anchor` has left a note (so another call with the same output need not)."""
    return id(anchor) in _LATER


def set_scopes_later(pairs: list[Any], anchor: Any, anchor_path: str | None) -> None:
    """`set_scopes`, later, for one call's ``[path, node, path, node, ...]``: nodes other than `anchor`, all of
    which it keeps alive (the note holds them until the anchor goes); `anchor_path` is the anchor's own path."""
    tag_later(anchor, _tag_pairs, pairs, anchor_path)


def _tag_pairs(anchor: Any, pairs: list[Any], anchor_path: str | None) -> None:
    key, ids = _new_call(anchor)
    if anchor_path:
        _tag(key, ids, anchor, anchor_path)
    it = iter(pairs)
    for path, node in zip(it, it):
        _tag(key, ids, node, path)


def _new_call(anchor: Any) -> tuple[int, list[int]]:
    ref = weakref.ref(anchor, _forget)
    ids: list[int] = []
    _CALLS[id(ref)] = [ref, ids]
    return id(ref), ids


def _tag(key: int, ids: list[int], node: Any, path: str) -> None:
    i = id(node)
    _SCOPES[i] = path
    _OWNER[i] = key
    ids.append(i)


def _tag_later_calls() -> None:
    """Carry out the notes in call order (an inner module's before the container's, as if done at once)."""
    _BUSY[0] = True
    try:
        while _LATER:
            note = _LATER.pop(next(iter(_LATER)))
            anchor = note()
            if anchor is not None:
                note.tag(anchor, *note.args)
    finally:
        _BUSY[0] = False


def _drop_note(note: _Note, later: dict = _LATER) -> None:
    """The anchor of a note is being freed: nothing of its call is left to tag."""
    later.pop(note.anchor_id, None)


def _forget(ref: weakref.ref[Any], calls: dict = _CALLS, owner: dict = _OWNER, scopes: dict = _SCOPES) -> None:
    """The anchor is being freed, the nodes it kept alive not yet: drop the entries its call still owns (a node
    tagged again since belongs to the newer call)."""
    key = id(ref)
    _, ids = calls.pop(key)
    for i in ids:
        if owner.get(i) == key:
            del scopes[i], owner[i]
