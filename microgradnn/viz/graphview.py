"""The computation graph of one backward pass as a `Scene`, with what each frame changes.

Every value is a box (name, data, grad), every op an oval in front of the value
it made, every operand an arrow into the op. Frames change only colours
(`state`) and texts with ids: the grad row of a box and the label lines of an
edge (`local derivative x upstream = contribution`), so the layout is made
once for the whole pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradnn.engine import Node
from microgradnn.scopes import scope_of
from microgradnn.viz.graph import format_value, is_tensor, module_path
from microgradnn.viz.naming import module_title, natural_key, output_layer
from microgradnn.viz.scene import Box, Edge, Group, Scene, Text, localize

__all__ = ["FrameState", "graph_scene"]

FrameState = dict[str, Any]  # {"cls": {element id: state}, "txt": {text id: text}, "focus": [element ids]}


def _kind(node: Node, root: Node) -> str:
    if node is root:
        return "root"
    if node.is_leaf:
        return "param" if scope_of(node) else "input"
    return "value"


def _add_groups(scene: Scene, scope: str | None, last_layer: int | None, lang: str) -> str | None:
    parent = None
    for depth, key in enumerate(module_path(scope)):
        if key not in scene.groups:
            scene.groups[key] = Group(f"g{len(scene.groups)}", module_title(key, last_layer, lang), parent, depth)
        parent = key
    return scene.groups[parent].id if parent else None


def graph_scene(record: Any, lang: str = "en") -> tuple[Scene, list[FrameState]]:
    """The graph view of a recorded backward pass (`record` from `backward_frames`): its scene and frame states."""
    order: Sequence[Node] = record.order
    root: Node = record.root
    snapshots = record.snapshots
    scene = Scene("graph")
    last_layer = output_layer(scope_of(n) for n in order)
    # Modules first, in natural order (neuron 1 before neuron 2), so dot meets them in that order.
    for scope in sorted({s for n in order if (s := scope_of(n))}, key=natural_key):
        _add_groups(scene, scope, last_layer, lang)
    index = {id(n): i for i, n in enumerate(order)}
    # Boxes in order of their module, then as the root reaches them through its operands in order
    # (w1 before w2, x1 before x2): dot keeps this order within a rank, top to bottom.
    reach = _reach_order(root, index)
    ranked = sorted(
        range(len(order)),
        key=lambda i: (
            natural_key(scope_of(order[i]) or "~"),
            not order[i].is_leaf,
            reach[i] if order[i].is_leaf else i,
        ),
    )
    for i in ranked:
        node = order[i]
        group = _add_groups(scene, scope_of(node), last_layer, lang)
        name = node.label
        rows = [Text(name, "title") if name else Text(f"n{i}", "muted")]
        if is_tensor(node):
            shape = tuple(getattr(node, "shape", np.shape(node.data)))
            dtype = getattr(node, "dtype", getattr(node.data, "dtype", ""))
            rows.append(Text(f"{shape} {dtype}", "muted"))
        rows.append(Text("data " + format_value(node.data).strip()))
        grads = ["grad " + snap.grads[i].strip() for snap in snapshots]
        rows.append(Text(grads[0], id=f"n{i}.g", widest=max(grads, key=len)))
        scene.boxes.append(Box(f"n{i}", rows, _kind(node, root), group=group))
        if not node.is_leaf:
            scene.boxes.append(Box(f"o{i}", [Text(node.op, "op")], "op", "ellipse", group=group))
            scene.edges.append(Edge(f"r{i}", f"o{i}", f"n{i}", kind="op"))
    for i, node in enumerate(order):
        for j, parent in enumerate(node.parents):
            variants = [snap.edges[(i, j)].lines for snap in snapshots]
            n_lines = max(len(v) for v in variants)
            label = []
            for k in range(n_lines):
                texts = [v[k] if k < len(v) else "" for v in variants]
                label.append(Text(texts[0], "label", id=f"e{i}_{j}.{k}", widest=max(texts, key=len)))
            scene.edges.append(Edge(f"e{i}_{j}", f"n{index[id(parent)]}", f"o{i}", label))
    ids = {t.id for e in scene.edges for t in e.label if t.id}
    states = [_state(ids, order, snap) for snap in snapshots]
    localize(scene, states, lang)
    return scene, states


def _reach_order(root: Node, index: dict[int, int]) -> dict[int, int]:
    """Each node's place in a depth-first walk from the root that visits operands in their order."""
    seen: dict[int, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        i = index[id(node)]
        if i in seen:
            continue
        seen[i] = len(seen)
        stack.extend(reversed(node.parents))
    return seen


def _state(label_ids: set[str], order: Sequence[Node], snap: Any) -> FrameState:
    cls: dict[str, str] = {}
    txt: dict[str, str] = {}
    focus: list[str] = []
    for i, node in enumerate(order):
        state = snap.states[i]
        cls[f"n{i}"] = state
        txt[f"n{i}.g"] = "grad " + snap.grads[i].strip()
        if not node.is_leaf:
            current = snap.current == i
            cls[f"o{i}"] = "current" if current else "pending"
            cls[f"r{i}"] = "active" if current else "pending"
        if state == "receiving":
            focus.append(f"n{i}")
    for (i, j), edge in snap.edges.items():
        cls[f"e{i}_{j}"] = edge.status
        for k in range(3):
            if f"e{i}_{j}.{k}" in label_ids:
                txt[f"e{i}_{j}.{k}"] = edge.lines[k] if k < len(edge.lines) else ""
        if edge.status == "active":
            focus.append(f"e{i}_{j}")
    if snap.current is not None:
        focus = [f"n{snap.current}", f"o{snap.current}", *focus]
    return {"cls": cls, "txt": txt, "focus": focus}
