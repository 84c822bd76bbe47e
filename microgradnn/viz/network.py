"""The network as the textbook draws it, as a `Scene`: neurons in columns, a weight on every edge.

Inputs, hidden layers and outputs are columns of circles; every weight is an
edge labelled with its name and value (and its gradient, once backward has
reached it); each layer's biases are the weights of a "+1" node at the foot of
the column before it, as the chapter draws them. The chapter's 2-2-1 network
gets the chapter's names (x1, x2, a1, a2, y', w1..w6, b1..b3); any other
network gets names of the same pattern (x3, a1.4, w17, ...).

Models are read through their public attributes only: a scalar `nn.MLP`
(`layers[l].neurons[j].w`, `.b`) or a tensor `nn.Sequential` of `Linear`
layers (`weight` of shape (out, in), `bias`) and activation modules. For a
batch of samples, the neurons show the first sample's values and gradients;
the weights' gradients are those of the whole batch, as backward computes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from microgradnn.engine import Node
from microgradnn.viz.dot import format_number
from microgradnn.viz.frames import captions_with_names
from microgradnn.viz.graph import node_name
from microgradnn.viz.i18n import check_lang, text
from microgradnn.viz.scene import Box, Edge, Scene, Text, localize

__all__ = ["Net", "draw_network", "network_scene", "network_view", "read_model"]

MAX_COLUMN = 64  # neurons in one column; wider layers are for draw_graph's collapsed view
ACTIVATION_MODULES = {
    "ReLU": "relu",
    "Tanh": "tanh",
    "Sigmoid": "sigmoid",
    "Step": "step",
    "LeakyReLU": "leaky_relu",
    "Softmax": "softmax",
    "Identity": "linear",
}
_DEFAULT_PARAM = re.compile(r"^(w\d+|b|weight|bias)?$")


@dataclass
class Net:
    """A model's structure: layer sizes, activations, and where each weight lives.

    `weight(li, j, i)` is layer `li`'s weight from input i to neuron j: a scalar
    `Value`, or `(Parameter, (j, i))` for a tensor layer; `bias(li, j)` likewise (None without bias).
    """

    kind: str  # "scalar" or "tensor"
    sizes: list[int]
    activations: list[str]
    weights: list[Any] = field(default_factory=list)  # scalar: [li][j][i] Value; tensor: [li] Parameter
    biases: list[Any] = field(default_factory=list)  # scalar: [li][j] Value; tensor: [li] Parameter or None

    def weight(self, li: int, j: int, i: int) -> tuple[Node, tuple[int, ...] | None]:
        if self.kind == "scalar":
            return self.weights[li][j][i], None
        return self.weights[li], (j, i)

    def bias(self, li: int, j: int) -> tuple[Node, tuple[int, ...] | None] | None:
        if self.kind == "scalar":
            return self.biases[li][j], None
        b = self.biases[li]
        return None if b is None else (b, (j,))

    def first_use(self, li: int) -> int:
        """The first layer holding layer li's weight: li itself, unless a tensor module is used twice."""
        if self.kind == "scalar":
            return li
        return next(k for k in range(li + 1) if self.weights[k] is self.weights[li])

    def parameters(self) -> list[Node]:
        if self.kind == "scalar":
            return [
                p
                for layer_w, layer_b in zip(self.weights, self.biases)
                for ws, b in zip(layer_w, layer_b)
                for p in (*ws, b)
            ]
        return [p for p in (*self.weights, *self.biases) if p is not None]


def read_model(model: Any, who: str = "draw_network") -> Net:
    """The structure of a scalar `MLP` or a `Sequential` of `Linear` + activations, or a clear TypeError."""
    layers = getattr(model, "layers", None)
    if layers is not None and all(hasattr(layer, "neurons") for layer in layers):
        weights = [[list(neuron.w) for neuron in layer.neurons] for layer in layers]
        biases = [[neuron.b for neuron in layer.neurons] for layer in layers]
        sizes = [len(weights[0][0]), *(len(layer.neurons) for layer in layers)]
        acts = [getattr(layer, "activation", "?") for layer in layers]
        return _checked(Net("scalar", sizes, acts, weights, biases), who)
    children = list(model) if hasattr(model, "__iter__") and hasattr(model, "__len__") else None
    if children:
        from microgradnn.nn.layers import Linear

        weights, biases, acts, sizes = [], [], [], []
        after_act = None  # the activation module just read, if the child before was one
        for k, child in enumerate(children):
            name = type(child).__name__
            weight = getattr(child, "weight", None)
            if isinstance(child, Linear) and weight is not None and np.ndim(weight.data) == 2:
                out_f, in_f = np.shape(weight.data)
                if sizes and sizes[-1] != in_f:
                    raise TypeError(f"{who}: layer {k} takes {in_f} inputs but the layer before gives {sizes[-1]}")
                sizes = sizes or [in_f]
                sizes.append(out_f)
                weights.append(weight)
                biases.append(getattr(child, "bias", None))
                acts.append("linear")
                after_act = None
            elif name in ACTIVATION_MODULES and weights:
                if ACTIVATION_MODULES[name] == "linear":
                    continue
                if after_act is not None:
                    raise TypeError(
                        f"{who}: a {name} (child {k}) right after a {after_act}: draw_network draws one activation "
                        "per layer; draw_graph draws any model"
                    )
                acts[-1], after_act = ACTIVATION_MODULES[name], name
            elif name in ("Dropout", "Flatten"):
                continue
            else:
                raise TypeError(
                    f"{who}: cannot draw a {name} (child {k}) as neurons in layers; draw_network takes a scalar MLP "
                    "or a Sequential of Linear layers and activations (draw_graph draws any model)"
                )
        if not weights:
            raise TypeError(
                f"{who}: this {type(model).__name__} has no Linear layer to draw as neurons; draw_network takes a "
                "scalar MLP or a Sequential of Linear layers and activations (draw_graph draws any model)"
            )
        return _checked(Net("tensor", sizes, acts, weights, biases), who)
    raise TypeError(
        f"{who}: expected a scalar nn.MLP or an nn.Sequential of Linear layers and activations, "
        f"got {type(model).__name__}"
    )


def _checked(net: Net, who: str) -> Net:
    widest = max(net.sizes)
    if widest > MAX_COLUMN:
        raise ValueError(
            f"{who}: a layer of {widest} neurons is more than {MAX_COLUMN} to a column; "
            "draw_graph(loss) shows big models collapsed to modules"
        )
    return net


# ------------------------------------------------------------------ names
def _names(net: Net, wiring: _Wiring | None = None) -> dict[str, list[Any]]:
    """Names for inputs, neurons, weights and biases: the model's own labels when they name every
    parameter uniquely (the chapter's w1..w6, b1..b3), else w1, w2, ... counted neuron by neuron.
    Given the `wiring` of a scalar model's graph, a labelled input or neuron keeps its label."""
    n_layers = len(net.sizes) - 1
    inputs = [f"x{i + 1}" for i in range(net.sizes[0])]
    units = []
    for li in range(n_layers):
        size = net.sizes[li + 1]
        if li == n_layers - 1:
            units.append(["y'"] if size == 1 else [f"y{j + 1}'" for j in range(size)])
        elif n_layers == 2:
            units.append([f"a{j + 1}" for j in range(size)])
        else:
            units.append([f"a{li + 1}.{j + 1}" for j in range(size)])
    params = net.parameters() if net.kind == "scalar" else []
    own = [p.label for p in params]
    use_own = bool(own) and len(set(own)) == len(own) and not any(_DEFAULT_PARAM.match(s or "") for s in own)
    weights, biases = [], []
    w_count = b_count = 0
    for li in range(n_layers):
        first = net.first_use(li)
        if first != li:  # a module used twice: its weights keep the names of its first use
            weights.append(weights[first])
            biases.append(biases[first])
            continue
        wl, bl = [], []
        for j in range(net.sizes[li + 1]):
            row = []
            for i in range(net.sizes[li]):
                w_count += 1
                node, _ = net.weight(li, j, i)
                row.append(node.label if use_own else f"w{w_count}")
            wl.append(row)
            b_count += 1
            b = net.bias(li, j)
            bl.append((b[0].label if use_own else f"b{b_count}") if b is not None else None)
        weights.append(wl)
        biases.append(bl)
    if wiring is not None and net.kind == "scalar":
        for i, node in enumerate(wiring.inputs):
            if node is not None and node.label:
                inputs[i] = node.label
        for li, row in enumerate(wiring.units):
            for j, (node, _) in enumerate(row):
                if node is not None and node.label and not _DEFAULT_PARAM.match(node.label):
                    units[li][j] = node.label
    return {"inputs": inputs, "units": units, "weights": weights, "biases": biases}


def _loss_name(root: Node) -> str:
    return root.label or "L"


def _sum_name(unit: str) -> str:
    """The weighted sum before a neuron's activation: z1 for a1, z1.4 for a1.4, z' for y'."""
    return "z" + unit[1:] if re.fullmatch(r"[ay]\d*(\.\d+)?'?", unit) else f"z({unit})"


def _caption_names(
    net: Net, names: dict[str, list[Any]], wiring: _Wiring, order: Sequence[Node], root: Node
) -> list[str]:
    """What the network view's captions call each node of the graph.

    The picture's own names (x1, a1, w3, b2, y', L) where the picture shows the node, z1 for a neuron's weighted
    sum (or its own label), the graph's names elsewhere. A tensor layer is one node for all its neurons: x, z[1],
    a[1], y', and W[1], b[1] for its weights and biases.
    """
    result = [node_name(node, i) for i, node in enumerate(order)]
    at = {id(node): i for i, node in enumerate(order)}

    def put(node: Node | None, name: str) -> None:
        if node is not None and id(node) in at:
            result[at[id(node)]] = name

    n_layers = len(net.sizes) - 1
    for i, node in enumerate(wiring.inputs):
        put(node, names["inputs"][i] if net.kind == "scalar" else "x")
    for li in range(n_layers):
        last = li == n_layers - 1
        for j in range(net.sizes[li + 1]):
            node, _ = wiring.units[li][j]
            if node is None:
                continue
            unit = names["units"][li][j] if net.kind == "scalar" else ("y'" if last else f"a[{li + 1}]")
            weighted = next((order[at[k]] for k in wiring.members[li][j] if k != id(node) and k in at), None)
            if net.kind == "tensor":
                put(weighted, "z'" if last else f"z[{li + 1}]")
            elif weighted is not None:
                put(weighted, weighted.label or _sum_name(unit))  # the chapter labels its sums z1, z2, z3
            put(node, unit)
            if net.kind == "scalar":
                for i in range(net.sizes[li]):
                    put(net.weight(li, j, i)[0], names["weights"][li][j][i])
                bias = net.bias(li, j)
                if bias is not None:
                    put(bias[0], names["biases"][li][j])
        if net.kind == "tensor" and net.first_use(li) == li:  # a module used twice keeps the W of its first use
            put(net.weights[li], f"W[{li + 1}]")
            put(net.biases[li], f"b[{li + 1}]")
    put(root, _loss_name(root))
    return result


# ------------------------------------------------------------------ scene
def _num(x: Any) -> str:
    return format_number(float(x), 0).strip()


def _element(node: Node, where: tuple[int, ...] | None, values: dict[int, Any] | None = None) -> Any:
    """A parameter's value (or, from `values`, its gradient) at one position; None when unknown."""
    source = node.data if values is None else values.get(id(node))
    if source is None:
        return None
    return source if where is None else np.asarray(source)[where]


@dataclass
class _Wiring:
    """Where the network's pieces are in one recorded graph: per neuron its output node, per input its node."""

    inputs: list[Node | None]
    units: list[list[tuple[Node | None, int | None]]]  # [li][j] -> (node, element index or None for scalars)
    members: list[list[set[int]]]  # [li][j] -> ids of graph nodes that belong to the neuron


def _wire(net: Net, order: Sequence[Node], who: str) -> _Wiring:
    children: dict[int, list[Node]] = {id(n): [] for n in order}
    for node in order:
        for p in node.parents:
            children[id(p)].append(node)
    ids = {id(n) for n in order}
    n_layers = len(net.sizes) - 1
    inputs: list[Node | None] = [None] * net.sizes[0]
    units: list[list[tuple[Node | None, int | None]]] = []
    members: list[list[set[int]]] = []
    if not any(id(p) in ids for p in net.parameters()):
        raise ValueError(
            f"{who}: none of the model's parameters is in the graph of the root; pass the model that computed it"
        )
    claimed: set[int] = set()  # weighted sums already wired: a module used twice has one per use, in order
    for li in range(n_layers):
        row, mem, sums = [], [], set()
        for j in range(net.sizes[li + 1]):
            w, _ = net.weight(li, j, 0)
            users = [c for c in children.get(id(w), []) if id(c) in ids and id(c) not in claimed]
            if not users:
                row.append((None, None))
                mem.append(set())
                continue
            z = users[0]  # the weighted sum (a scalar dot, or a tensor layer's fused linear node)
            sums.add(id(z))
            path = _activation_path(z, net.activations[li], children)
            out = path[-1]
            row.append((out, None if net.kind == "scalar" else j))
            mem.append({id(n) for n in path})
            if li == 0:
                k = net.sizes[0]
                if net.kind == "scalar":
                    for i, p in enumerate(z.parents[k : 2 * k]):
                        inputs[i] = p
                else:
                    x = next((p for p in z.parents if p is not net.weights[0] and p is not net.biases[0]), None)
                    inputs = [x] * k
        if net.kind == "tensor":
            claimed.update(sums)  # one node for all the layer's neurons: claimed once they are all wired
        units.append(row)
        members.append(mem)
    return _Wiring(inputs, units, members)


def _activation_path(z: Node, activation: str, children: dict[int, list[Node]]) -> list[Node]:
    """From a weighted sum to the node of its activation: [z, act], or [z, dropout, act] when a Dropout or
    Flatten sits between them; [z] for a linear layer (or when the activation is not found)."""
    if activation in ("linear", "?"):
        return [z]
    path = [z]
    for _ in range(4):  # a Dropout (mask, scale) or Flatten between a Linear and its activation
        after = children.get(id(path[-1]), [])
        found = next((c for c in after if c.op == activation and c.parents[0] is path[-1]), None)
        if found is not None:
            return [*path, found]
        if len(after) != 1:
            break
        path.append(after[0])
    return [z]


def _text_of(value: Any) -> str:
    return "?" if value is None else _num(value)


def _pick(node: Node | None, values: dict[int, Any], index: int | None) -> Any:
    if node is None:
        return None
    got = values.get(id(node))
    if got is None:
        return None
    if index is None:
        return got
    arr = np.asarray(got)
    return arr.reshape(-1, arr.shape[-1])[0, index] if arr.ndim else arr


def network_scene(
    model: Any, record: Any = None, lang: str = "en", who: str = "draw_network"
) -> tuple[Scene, list[dict[str, Any]]]:
    """The network view of `model`: its scene and, given a recorded backward pass, one state per frame."""
    check_lang(lang, who)
    net = read_model(model, who)
    wiring = _wire(net, record.order, who) if record is not None else None
    return _scene(net, wiring, _names(net, wiring), record, lang)


def network_view(
    model: Any, record: Any, lang: str = "en", who: str = "save_html"
) -> tuple[Scene, list[dict[str, Any]], list[str]]:
    """`network_scene` of a recorded pass, and its captions in the names the picture shows (x1, a1, w3, L)."""
    check_lang(lang, who)
    net = read_model(model, who)
    wiring = _wire(net, record.order, who)
    names = _names(net, wiring)
    scene, states = _scene(net, wiring, names, record, lang)
    captions = captions_with_names(record, _caption_names(net, names, wiring, record.order, record.root))
    return scene, states, captions


def _scene(
    net: Net, wiring: _Wiring | None, names: dict[str, list[Any]], record: Any, lang: str
) -> tuple[Scene, list[dict[str, Any]]]:
    """The scene and its states, from a model already read and wired into the recorded graph (if any)."""
    n_layers = len(net.sizes) - 1
    scene = Scene("network")
    any_grad = record is not None or any(_has_grad(p) for p in net.parameters())
    scene.column_titles = [text(lang, "net.inputs")]
    scene.column_titles += [text(lang, "net.hidden", layer=li + 1) for li in range(n_layers - 1)]
    scene.column_titles += [text(lang, "net.output")]
    data_of = lambda node, index: None if node is None else _pick(node, {id(node): node.data}, index)  # noqa: E731
    columns: list[list[str]] = []
    # inputs
    col = []
    for i, name in enumerate(names["inputs"]):
        node = wiring.inputs[i] if wiring else None
        value = data_of(node, i if net.kind == "tensor" else None) if node is not None else None
        rows = [Text(name, "title")] + ([Text(_text_of(value))] if value is not None else [])
        if record is not None:
            rows.append(Text("grad ?", id=f"x{i}.g", widest="grad ?"))
        scene.boxes.append(Box(f"x{i}", rows, "input", "circle", min_size=64))
        col.append(f"x{i}")
    columns.append(col)
    for li in range(n_layers):
        # the "+1" node whose edges carry layer `li`'s biases, at the foot of the column before it
        if any(net.bias(li, j) is not None for j in range(net.sizes[li + 1])):
            scene.boxes.append(Box(f"one{li}", [Text("+1", "title")], "bias", "circle", min_size=40))
            columns[-1].append(f"one{li}")
        col = []
        # A tensor layer is one node for all its neurons: one backward step gives every weight of it its gradient,
        # so all its labels show together (a scalar neuron's, those into it).
        step = None if net.kind == "scalar" else f"layer{li}"
        for j in range(net.sizes[li + 1]):
            node, index = wiring.units[li][j] if wiring else (None, None)
            name = names["units"][li][j]
            value = data_of(node, index)
            rows = [Text(name, "title"), Text(net.activations[li], "muted")]
            rows += [Text(_text_of(value))] if value is not None else []
            if record is not None:
                rows.append(Text("grad ?", id=f"u{li}_{j}.g", widest="grad ?"))
            scene.boxes.append(Box(f"u{li}_{j}", rows, "neuron", "circle", min_size=72))
            col.append(f"u{li}_{j}")
            tails = columns[-1]
            for i in range(net.sizes[li]):
                w, where = net.weight(li, j, i)
                label = [Text(f"{names['weights'][li][j][i]} = {_num(_element(w, where))}", "label")]
                if any_grad:
                    label.append(Text("grad ?", "label", id=f"w{li}_{j}_{i}.g", widest="grad ?"))
                scene.edges.append(Edge(f"w{li}_{j}_{i}", tails[i], f"u{li}_{j}", label, "weight", shown_with=step))
            b = net.bias(li, j)
            if b is not None:
                label = [Text(f"{names['biases'][li][j]} = {_num(_element(*b))}", "label")]
                if any_grad:
                    label.append(Text("grad ?", "label", id=f"b{li}_{j}.g", widest="grad ?"))
                scene.edges.append(Edge(f"b{li}_{j}", f"one{li}", f"u{li}_{j}", label, "weight", shown_with=step))
        columns.append(col)
    if record is not None:
        root = record.root
        rows = [
            Text(_loss_name(root), "title"),
            Text(_text_of(_pick(root, {id(root): root.data}, None) if np.ndim(root.data) == 0 else None)),
            Text("grad ?", id="loss.g", widest="grad ?"),
        ]
        scene.boxes.append(Box("loss", rows, "loss", "rect", min_size=70))
        columns.append(["loss"])
        scene.column_titles.append("")
        for j in range(net.sizes[-1]):
            scene.edges.append(Edge(f"out{j}", f"u{n_layers - 1}_{j}", "loss"))
    scene.columns = columns
    states = _states(net, wiring, record, scene) if record is not None else [_static_state(net, scene)]
    localize(scene, states, lang)
    # Room for the widest text each line will hold in any frame, no more.
    for row in [r for b in scene.boxes for r in b.rows] + [t for e in scene.edges for t in e.label]:
        if row.id:
            row.widest = max((s["txt"].get(row.id, row.text) for s in states), key=len)
            row.text = states[0]["txt"].get(row.id, row.text)
    return scene, states


def _has_grad(node: Node) -> bool:
    g = node.grad
    return g is not None and bool(np.any(np.asarray(g) != 0))


def _static_state(net: Net, scene: Scene) -> dict[str, Any]:
    """A model drawn on its own: each weight's current gradient, when backward has run."""
    txt = {}
    for edge in scene.edges:
        for row in edge.label:
            if row.id:
                li, rest = row.id[1:].split("_", 1)
                if row.id.startswith("w"):
                    j, i = (int(v) for v in rest[:-2].split("_"))
                    node, where = net.weight(int(li), j, i)
                else:
                    node, where = net.bias(int(li), int(rest[:-2]))  # type: ignore[misc]
                grad = node.grad
                txt[row.id] = "grad " + _text_of(
                    None if grad is None else (grad if where is None else np.asarray(grad)[where])
                )
    return {"cls": {}, "txt": txt, "focus": []}


_PRIORITY = {"current": 4, "receiving": 3, "partial": 2, "done": 1, "pending": 0}


def _states(net: Net, wiring: _Wiring, record: Any, scene: Scene) -> list[dict[str, Any]]:
    order = record.order
    index = {id(n): i for i, n in enumerate(order)}
    n_layers = len(net.sizes) - 1
    known: dict[int, Any] = {}
    states = []
    model_nodes = set().union(*(m for layer in wiring.members for m in layer)) if wiring.members else set()
    for k, snap in enumerate(record.snapshots):
        if k:
            step = record.steps[k - 1]
            known[id(step.node)] = known.get(id(step.node), step.upstream)
            for parent, contribution in zip(step.parents, step.contributions):
                if contribution is not None:
                    known[id(parent)] = contribution if id(parent) not in known else known[id(parent)] + contribution
        cls: dict[str, str] = {}
        txt: dict[str, str] = {}
        focus: list[str] = []

        def node_state(node: Node | None, snap: Any = snap) -> str:
            return "pending" if node is None or id(node) not in index else snap.states[index[id(node)]]

        for i, node in enumerate(wiring.inputs):
            cls[f"x{i}"] = node_state(node)
            txt[f"x{i}.g"] = "grad " + _text_of(_pick(node, known, i if net.kind == "tensor" else None))
        current_unit = None
        for li in range(n_layers):
            for j in range(net.sizes[li + 1]):
                node, where = wiring.units[li][j]
                member_states = [snap.states[index[id(n)]] for n in order if id(n) in wiring.members[li][j]]
                best = max(member_states, key=lambda s: _PRIORITY[s], default="pending")
                if best != "current" and member_states and all(s == "done" for s in member_states):
                    best = "done"
                cls[f"u{li}_{j}"] = best
                txt[f"u{li}_{j}.g"] = "grad " + _text_of(_pick(node, known, where))
                if best == "current":
                    current_unit = (li, j)
                    focus.append(f"u{li}_{j}")
                for i in range(net.sizes[li]):
                    w, at = net.weight(li, j, i)
                    edge_state = {"receiving": "active", "current": "active", "done": "done"}.get(
                        node_state(w), "pending"
                    )
                    cls[f"w{li}_{j}_{i}"] = edge_state
                    grad = known.get(id(w))
                    txt[f"w{li}_{j}_{i}.g"] = "grad " + _text_of(
                        None if grad is None else (grad if at is None else np.asarray(grad)[at])
                    )
                    if edge_state == "active":
                        focus.append(f"w{li}_{j}_{i}")
                b = net.bias(li, j)
                if b is not None:
                    bnode, at = b
                    edge_state = {"receiving": "active", "current": "active", "done": "done"}.get(
                        node_state(bnode), "pending"
                    )
                    cls[f"b{li}_{j}"] = edge_state
                    grad = known.get(id(bnode))
                    txt[f"b{li}_{j}.g"] = "grad " + _text_of(
                        None if grad is None else (grad if at is None else np.asarray(grad)[at])
                    )
        root = record.root
        cur = snap.current
        outside = cur is not None and id(order[cur]) not in model_nodes
        cls["loss"] = "current" if outside else node_state(root)
        txt["loss.g"] = "grad " + _text_of(known.get(id(root)) if np.ndim(root.data) == 0 else None)
        if outside:
            focus.insert(0, "loss")
        elif current_unit is not None:
            focus.insert(0, focus.pop(focus.index(f"u{current_unit[0]}_{current_unit[1]}")))
        # a unit that just received its gradient from the step after it
        for li in range(n_layers):
            for j in range(net.sizes[li + 1]):
                node, _ = wiring.units[li][j]
                if node is not None and id(node) in index and snap.states[index[id(node)]] == "receiving":
                    if cls[f"u{li}_{j}"] != "current":
                        cls[f"u{li}_{j}"] = "receiving"
                    focus.append(f"u{li}_{j}")
        for j in range(net.sizes[-1]):
            cls[f"out{j}"] = "active" if outside else ("done" if cls["loss"] == "done" else "pending")
        states.append({"cls": cls, "txt": txt, "focus": focus})
    return states


# ---------------------------------------------------------------- picture
class NetworkPicture:
    """A picture of a network (SVG text, drawn without Graphviz); `render(path)` writes .svg or .png."""

    def __init__(self, scene: Scene, state: dict[str, Any]) -> None:
        from microgradnn.viz.layout import layout

        self.scene = scene
        self.state = state
        self.layout = layout(scene)

    @property
    def source(self) -> str:
        """The SVG text."""
        from microgradnn.viz.svg import svg

        return svg(self.scene, self.layout, self.state)

    def render(self, path: str | Path) -> Path:
        """Write the picture to `path`: .svg as is, .png drawn with Pillow."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        suffix = path.suffix.lower()
        if suffix == ".svg":
            path.write_text(self.source, encoding="utf-8")
        elif suffix == ".png":
            from microgradnn.viz.raster import draw

            draw(self.scene, self.layout, self.state).save(path)
        else:
            raise ValueError(f"draw_network: cannot write {suffix or 'a file without extension'}; use .svg or .png")
        return path

    def _repr_html_(self) -> str:
        from microgradnn.viz.svg import svg

        fitted = svg(self.scene, self.layout, self.state, fit=True)
        return f'<div style="max-width:100%;overflow:auto">{fitted}</div>'

    def __repr__(self) -> str:
        sizes = "-".join(str(len(c)) for c in self.scene.columns)
        return f"<microgradnn.viz.NetworkPicture: columns of {sizes} boxes>"


def draw_network(model: Any, *, lang: str = "en") -> NetworkPicture:
    """The textbook's picture of `model` (a scalar `MLP` or a `Sequential` of `Linear` + activations).

    Neurons are circles in columns (inputs, hidden layers, outputs); every
    weight is an edge labelled with its name and value, and with its gradient
    when backward has run; biases are the weights of a "+1" node. Needs no
    Graphviz. `lang="ko"` writes the column titles in Korean.
    """
    scene, states = network_scene(model, None, lang, "draw_network")
    return NetworkPicture(scene, states[0])
