"""`draw_graph`: a picture of the computation graph behind a result.

Each value is a box (name | data | grad); each op is a small oval in front of
the value it made; arrows run forward, from operands to results, and can carry
the local derivative d(result)/d(operand). Nodes made inside an `nn` module
sit in a box named as a person says it ("hidden layer 1, neuron 2"; in
Korean with `lang="ko"`), neurons in index order. Big graphs are drawn with
each module collapsed to one node (`expand="layers.1"` opens one), and
`focus=node, depth=k` draws only the neighbourhood of one node. An edge label
is underlined and tied to its edge (Graphviz's `decorate`), so a label never
leaves doubt about its edge.

Node ids are `n<i>` where i is the node's place in topological order, so the
same graph always gives the same DOT text.
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from microgradnn.engine import Node, topological_order
from microgradnn.scopes import scope_of
from microgradnn.viz.dot import (
    ClusterSpec,
    EdgeSpec,
    Graph,
    Html,
    NodeSpec,
    Scene,
    escape,
    format_number,
    layout_limits,
    pad,
    shorten,
)
from microgradnn.viz.i18n import check_lang, text
from microgradnn.viz.naming import module_title, natural_key, output_layer

__all__ = ["LargeGraphWarning", "draw_graph"]

# Colors, in one place so the pictures agree with each other.
INPUT_FILL = "#e4effa"  # a leaf made by the user (data)
PARAM_FILL = "#fff2cc"  # a leaf made by an nn module (a weight or bias)
VALUE_FILL = "#ffffff"  # a result of an op
ROOT_FILL = "#e8f5e3"  # the node the picture was drawn for
OP_FILL = "#eeeeee"
BORDER = "#666666"
HIGHLIGHT = "#d9822b"  # focus node; the current node in backward frames
GROUP_FILL = "#f3ecfa"  # a collapsed module
CLUSTER_FILLS = ("#f7f9fc", "#eef3f9", "#e6edf6")  # module boxes, darker when nested
MUTED = "#8a8a8a"
MONO = "monospace"

LABEL_MAX = 32  # longer labels are shortened with an ellipsis
TITLE_MAX = 200  # and longer titles
DEFAULT_MAX_NODES = 150


class LargeGraphWarning(UserWarning):
    """The graph was too big to draw node by node, so a collapsed view was drawn."""


# ------------------------------------------------------------------ naming
def node_name(node: Node, index: int) -> str:
    """What captions and pictures call a node: its label, or `n<index>` when it has none."""
    return node.label if node.label else f"n{index}"


def is_tensor(node: Node) -> bool:
    """True for array-valued nodes (Tensor); Value data is a Python float."""
    return not isinstance(node.data, (float, int))


def summarize(array: Any) -> str:
    """A short text for an array: its values when there are at most 4, else mean and range."""
    if array is None:
        return "None"
    a = np.asarray(array)
    if a.size == 0:
        return "[]"
    if a.size <= 4:
        flat = a.astype(np.float64, copy=False).ravel()
        text = ", ".join(format_number(v, 0) for v in flat)
        return text if a.ndim == 0 else f"[{text}]"
    f = a.astype(np.float64, copy=False)
    if f.min() == f.max():
        return f"all {format_number(f.min(), 0)}"
    return f"mean {format_number(f.mean(), 0)} in [{format_number(f.min(), 0)}, {format_number(f.max(), 0)}]"


def format_value(x: Any, width: int = 10) -> str:
    """A node's data or grad as text: fixed width for a float, a summary for an array."""
    if x is None:
        return "None".rjust(width)
    if isinstance(x, (float, int)):
        return format_number(x, width)
    return summarize(x)


# ------------------------------------------------------------------ labels
def _cell(text: str, mono: bool = False, color: str | None = None, italic: bool = False, bold: bool = False) -> str:
    """One table cell; `text` is already escaped."""
    if mono:
        text = f'<FONT FACE="{MONO}">{text}</FONT>'
    if color:
        text = f'<FONT COLOR="{color}">{text}</FONT>'
    if italic:
        text = f"<I>{text}</I>"
    if bold:
        text = f"<B>{text}</B>"
    return f"<TD>{text}</TD>"


def value_label(
    node: Node,
    index: int,
    *,
    grad_text: str | None,
    fill: str,
    border: str = BORDER,
    border_width: int = 1,
    show_data: bool = True,
    lang: str = "en",
) -> Html:
    """The box of one value: name | data | grad (grad_text None hides the grad cell).

    Tensor nodes add a shape-and-dtype cell and show summaries of data and grad.
    """
    if node.label:
        cells = [_cell(escape(node.label, LABEL_MAX), bold=True)]
    else:
        cells = [_cell(escape(f"n{index}"), color=MUTED, italic=True)]
    if is_tensor(node):
        shape = tuple(getattr(node, "shape", np.shape(node.data)))
        dtype = getattr(node, "dtype", getattr(node.data, "dtype", ""))
        cells.append(_cell(escape(f"{shape} {dtype}"), color=MUTED))
    if show_data:
        cells.append(
            _cell(escape(text(lang, "word.data")) + "&#160;" + pad(escape(format_value(node.data))), mono=True)
        )
    if grad_text is not None:
        cells.append(_cell(escape(text(lang, "word.grad")) + "&#160;" + pad(escape(grad_text)), mono=True))
    return Html(
        f'<TABLE BORDER="{border_width}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" COLUMNS="*" STYLE="rounded" '
        f'BGCOLOR="{fill}" COLOR="{border}"><TR>{"".join(cells)}</TR></TABLE>'
    )


def op_attrs(node: Node, fill: str = OP_FILL, color: str = BORDER) -> dict[str, Any]:
    """The oval that shows which op made a value."""
    return {
        "label": Html(escape(node.op, 32)),
        "shape": "ellipse",
        "style": "filled",
        "fillcolor": fill,
        "color": color,
        "fontsize": 11,
        "margin": "0.04,0.02",
        "width": 0.3,
        "height": 0.3,
    }


def base_scene(rankdir: str, title: str | None = None, notes: Sequence[str] = ()) -> Scene:
    """An empty scene with the look shared by all pictures."""
    graph_attrs: dict[str, Any] = {
        "rankdir": rankdir,
        "fontname": "Helvetica",
        "fontsize": 12,
        "bgcolor": "white",
        "nodesep": 0.25,
        "ranksep": 0.4,
        "pad": 0.2,
        "newrank": True,
    }
    # A title is shortened as a label is (Graphviz refuses an HTML label of more than 16,384 characters).
    lines = ([shorten(title, TITLE_MAX)] if title else []) + list(notes)
    if lines:
        graph_attrs.update(
            label=Html(escape("\n".join(lines)) + '<BR ALIGN="LEFT"/>'),
            labelloc="t",
            labeljust="l",
        )
    return Scene(
        graph_attrs=graph_attrs,
        node_attrs={"fontname": "Helvetica", "fontsize": 11, "shape": "none", "margin": 0},
        edge_attrs={
            "color": "#555555",
            "arrowsize": 0.6,
            "fontname": "Helvetica",
            "fontsize": 9,
            "fontcolor": "#555555",
        },
    )


# Which sides of a box arrows leave from and arrive at, so they meet values at their ends.
PORTS = {"LR": ("e", "w"), "RL": ("w", "e"), "TB": ("s", "n"), "BT": ("n", "s")}


def leaf_fill(node: Node, root: Node) -> str:
    if node is root:
        return ROOT_FILL
    if node.is_leaf:
        return PARAM_FILL if scope_of(node) else INPUT_FILL
    return VALUE_FILL


# ----------------------------------------------------------------- modules
def module_path(scope: str | None) -> list[str]:
    """The modules a scope lies in, outermost first: "layers.0.neurons.1" -> ["layers.0", "layers.0.neurons.1"].

    A prefix counts as a module when it ends in an index (an item of a module
    list) or is the whole scope; "layers" alone is only the list, not a box.
    """
    if not scope:
        return []
    parts = scope.split(".")
    prefixes = [".".join(parts[: i + 1]) for i, part in enumerate(parts[:-1]) if part.isdigit()]
    return [*prefixes, scope]


def add_clusters(scene: Scene, path: list[str], last_layer: int | None = None, lang: str = "en") -> str | None:
    """Make sure every module of `path` has a cluster (outer ones first); return the innermost key.

    The cluster's title is the module as a person says it ("hidden layer 1,
    neuron 2"), `last_layer` being the index of the output layer."""
    parent: str | None = None
    for depth, key in enumerate(path):
        if key not in scene.clusters:
            scene.clusters[key] = ClusterSpec(
                key=key,
                id=f"cluster_{len(scene.clusters)}",
                label=module_title(key, last_layer, lang),
                parent=parent,
                attrs={
                    "style": "rounded,filled",
                    "fillcolor": CLUSTER_FILLS[min(depth, len(CLUSTER_FILLS) - 1)],
                    "color": "#b8c4d6",
                    "fontcolor": "#4a5a70",
                    "fontsize": 10,
                    "labeljust": "l",
                },
            )
        parent = key
    return parent


def _group_key(node: Node, level: int | None, expand: str | None = None) -> str | None:
    """The module `node` is collapsed into at `level` (1 = outermost), or None to draw it.

    A node inside the `expand` module is always drawn."""
    if level is None:
        return None
    scope = scope_of(node)
    if expand is not None and scope is not None and (scope == expand or scope.startswith(expand + ".")):
        return None
    path = module_path(scope)
    return path[min(level, len(path)) - 1] if path else None


def _count_items(nodes: Sequence[Node], level: int | None, expand: str | None = None) -> int:
    """How many boxes a picture would have: one per collapsed module plus one per other node."""
    groups = {_group_key(n, level, expand) for n in nodes}
    return len(groups - {None}) + sum(1 for n in nodes if _group_key(n, level, expand) is None)


def _choose_level(
    nodes: Sequence[Node], collapse: bool | int | str, max_nodes: int, expand: str | None = None
) -> int | None:
    depth = max((len(module_path(scope_of(n))) for n in nodes), default=0)
    if collapse is False or depth == 0:
        return None
    if collapse is True:
        return depth
    if isinstance(collapse, int):
        return collapse
    if len(nodes) <= max_nodes:
        return None
    for level in range(depth, 0, -1):  # the most detail that still fits
        if _count_items(nodes, level, expand) <= max_nodes:
            return level
    return 1


# ---------------------------------------------------------- neighbourhoods
def _children_map(order: Sequence[Node]) -> dict[int, list[Node]]:
    children: dict[int, list[Node]] = {id(n): [] for n in order}
    for node in order:
        for parent in node.parents:
            children[id(parent)].append(node)
    return children


def neighbourhood(order: Sequence[Node], focus: Node, depth: int) -> list[Node]:
    """Nodes at most `depth` edges from `focus` (either direction), in topological order."""
    children = _children_map(order)
    dist = {id(focus): 0}
    queue = deque([focus])
    while queue:
        node = queue.popleft()
        if dist[id(node)] == depth:
            continue
        for other in (*node.parents, *children[id(node)]):
            if id(other) not in dist:
                dist[id(other)] = dist[id(node)] + 1
                queue.append(other)
    return [n for n in order if id(n) in dist]


def _nearest_to_root(
    root: Node, nodes: Sequence[Node], level: int | None, max_items: int, expand: str | None = None
) -> set[int]:
    """Ids of the nodes to keep when even the collapsed view is too big: the boxes closest to root."""
    allowed = {id(n) for n in nodes}
    kept_items: set[Any] = set()
    kept: set[int] = set()
    queue, seen = deque([root]), {id(root)}
    while queue:
        node = queue.popleft()
        item = _group_key(node, level, expand) or id(node)
        if item not in kept_items:
            if len(kept_items) >= max_items:
                continue
            kept_items.add(item)
        kept.add(id(node))
        for parent in node.parents:
            if id(parent) in allowed and id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    return kept


# ---------------------------------------------------------------- drawing
def draw_graph(
    root: Node,
    *,
    rankdir: Literal["LR", "TB", "RL", "BT"] = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    show_local: bool = True,
    cluster: bool = True,
    collapse: bool | int | Literal["auto"] = "auto",
    max_nodes: int = DEFAULT_MAX_NODES,
    focus: Node | None = None,
    depth: int = 2,
    expand: str | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Graph:
    """A picture of the graph that computed `root` (a Value or Tensor).

    Values are boxes (name | data | grad), ops are ovals, arrows go from
    operands to results and carry the local derivative when `show_local`.
    `cluster` boxes nodes by the nn module that made them, titled as a person
    says it ("hidden layer 1, neuron 2"). `collapse`: "auto" draws each
    module as one node when the graph has more than `max_nodes` nodes (and
    says so, in the picture and as a `LargeGraphWarning`); True always
    collapses the innermost modules, an int k collapses at module depth k
    (1 = outermost), False never collapses; `expand="layers.1.neurons.3"`
    draws that module in full while the others stay collapsed.
    `focus=node, depth=k` draws only the nodes within k edges of `node`.
    `lang="ko"` writes the picture's words in Korean.
    """
    check_lang(lang, "draw_graph")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir={rankdir!r}; use 'LR', 'TB', 'RL' or 'BT'")
    if not isinstance(root, Node):
        raise TypeError(f"draw_graph: expected a Value or Tensor, got {type(root).__name__}")
    if max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes={max_nodes} must be at least 1")
    if not (collapse in (True, False, "auto") or (isinstance(collapse, int) and collapse >= 1)):
        raise ValueError(f"draw_graph: collapse={collapse!r}; use 'auto', True, False or a module depth k >= 1")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"draw_graph: title must be a str, got {type(title).__name__} ({title!r})")
    if expand is not None and not isinstance(expand, str):
        raise TypeError(f"draw_graph: expand={expand!r} must be a module path such as 'layers.1.neurons.0'")
    order = topological_order(root)
    index = {id(n): i for i, n in enumerate(order)}
    if expand is not None and not any(
        (s := scope_of(n)) is not None and (s == expand or s.startswith(expand + ".")) for n in order
    ):
        scopes = sorted({s for n in order if (s := scope_of(n))}, key=natural_key)[:6]
        raise ValueError(
            f"draw_graph: expand={expand!r} is no module of this graph; "
            f"modules look like {', '.join(scopes) or '(none)'}"
        )
    nodes: list[Node] = order
    notes: list[str] = []
    if focus is not None:
        if id(focus) not in index:
            raise ValueError("draw_graph: the focus node is not part of the graph of root; pass a node root depends on")
        if depth < 0:
            raise ValueError(f"draw_graph: depth={depth} must be >= 0")
        nodes = neighbourhood(order, focus, depth)
        notes.append(
            text(
                lang,
                "graph.neighbourhood",
                name=node_name(focus, index[id(focus)]),
                depth=depth,
                shown=len(nodes),
                total=len(order),
            )
        )
    level = _choose_level(nodes, collapse, max_nodes, expand)
    if collapse == "auto" and level is not None:
        message = text(lang, "graph.collapsed", n=len(nodes), max_nodes=max_nodes)
        notes.append(message)
        english = text("en", "graph.collapsed", n=len(nodes), max_nodes=max_nodes)
        warnings.warn(f"draw_graph: {english}", LargeGraphWarning, stacklevel=2)
    if collapse == "auto" and _count_items(nodes, level, expand) > max_nodes:
        keep = _nearest_to_root(root, nodes, level, max_nodes, expand)
        hidden = len(nodes) - len(keep)
        nodes = [n for n in nodes if id(n) in keep]
        notes.append(text(lang, "graph.hidden", n=hidden))
    scene = base_scene(rankdir, title, notes)
    locals_ = local_derivatives(root, order) if show_local else {}
    drawn = _fill_scene(scene, root, nodes, index, level, cluster, show_data, show_grad, locals_, focus, expand, lang)
    scene.graph_attrs.update(layout_limits((edge.tail, edge.head) for edge in scene.edges))
    return Graph(scene.to_dot(), note="; ".join(notes) or None, nodes=drawn)


def local_derivatives(root: Node, order: Sequence[Node]) -> dict[int, tuple[float, ...]]:
    """Each scalar node's local derivatives d(node)/d(parent_i): its op's own backward at upstream 1, the numbers
    the engine's backward steps record. No pass runs and no gradient is read or written, so drawing never changes
    training, nor a `backward_steps()` pass paused in between. Tensors give none (their local derivative is a
    Jacobian, not a number per edge)."""
    if is_tensor(root):
        return {}
    found = {}
    for node in order:
        if node._fn is None:
            continue
        try:
            derivatives = node.local_derivatives
        except Exception:  # an op with no backward yet (a Function being written) is drawn without its numbers
            continue
        if derivatives:
            found[id(node)] = derivatives
    return found


def _fill_scene(
    scene: Scene,
    root: Node,
    nodes: Sequence[Node],
    index: dict[int, int],
    level: int | None,
    cluster: bool,
    show_data: bool,
    show_grad: bool,
    locals_: dict[int, tuple[float, ...]],
    focus: Node | None,
    expand: str | None = None,
    lang: str = "en",
) -> int:
    """Add nodes, op ovals, collapsed modules and edges to `scene`; return the number of boxes."""
    kept = {id(n) for n in nodes}
    item_of: dict[int, str] = {}  # node id -> DOT id of the box that shows it
    group_ids: dict[str, str] = {}
    group_sizes: dict[str, int] = {}
    last = output_layer(scope_of(n) for n in nodes)
    for node in nodes:
        key = _group_key(node, level, expand)
        if key is not None:
            group_sizes[key] = group_sizes.get(key, 0) + 1
    # Modules in natural order (neuron 1 above neuron 2, neurons.2 before neurons.10): dot keeps the order
    # in which it meets clusters and nodes.
    if cluster:
        for scope in sorted({s for n in nodes if (s := scope_of(n))}, key=natural_key):
            path = module_path(scope)
            key = _group_key(next(n for n in nodes if scope_of(n) == scope), level, expand)
            add_clusters(scene, path[: path.index(key)] if key in path else path, last, lang)
    for key in sorted(group_sizes, key=natural_key):
        group_ids[key] = f"m{len(group_ids)}"
        where = add_clusters(scene, module_path(key)[:-1], last, lang) if cluster else None
        scene.nodes.append(NodeSpec(group_ids[key], _group_attrs(key, group_sizes[key], last, lang), where))
    boxes = len(group_ids)
    for node in nodes:
        i = index[id(node)]
        key = _group_key(node, level, expand)
        if key is not None:
            item_of[id(node)] = group_ids[key]
            continue
        where = add_clusters(scene, module_path(scope_of(node)), last, lang) if cluster else None
        highlight = node is focus
        label = value_label(
            node,
            i,
            grad_text=format_value(node.grad) if show_grad else None,
            fill=leaf_fill(node, root),
            border=HIGHLIGHT if highlight else BORDER,
            border_width=2 if highlight or node is root else 1,
            show_data=show_data,
            lang=lang,
        )
        scene.nodes.append(NodeSpec(f"n{i}", {"label": label}, where))
        boxes += 1
        item_of[id(node)] = f"n{i}"
        if not node.is_leaf:
            scene.nodes.append(NodeSpec(f"n{i}op", op_attrs(node), where))
            scene.edges.append(EdgeSpec(f"n{i}op", f"n{i}", {"headport": PORTS[scene.graph_attrs["rankdir"]][1]}))
    seen_group_edges: set[tuple[str, str]] = set()
    ports = PORTS[scene.graph_attrs["rankdir"]]
    for node in nodes:
        head_item = item_of[id(node)]
        individual = head_item.startswith("n")
        head = f"{head_item}op" if individual else head_item
        local = locals_.get(id(node)) if individual else None
        for j, parent in enumerate(node.parents):
            if id(parent) not in kept:
                continue
            tail = item_of[id(parent)]
            if tail == head_item:
                continue  # inside one collapsed module
            if not (individual and tail.startswith("n")):
                if (tail, head) in seen_group_edges:
                    continue
                seen_group_edges.add((tail, head))
            attrs: dict[str, Any] = {}
            if tail.startswith("n"):
                attrs["tailport"] = ports[0]
            if local is not None and tail.startswith("n"):
                attrs["label"] = Html(escape(text(lang, "edge.local") + " " + format_number(local[j], 0)))
                attrs["decorate"] = True  # underline the label and tie it to its edge
            scene.edges.append(EdgeSpec(tail, head, attrs))
    return boxes


def _group_attrs(key: str, size: int, last_layer: int | None = None, lang: str = "en") -> dict[str, Any]:
    title = escape(module_title(key, last_layer, lang), 40)
    markup = (
        f'<B>{title}</B><BR/><FONT POINT-SIZE="9" COLOR="{MUTED}">{escape(text(lang, "graph.nodes", n=size))}</FONT>'
    )
    return {
        "label": Html(markup),
        "shape": "box3d",
        "style": "filled",
        "fillcolor": GROUP_FILL,
        "color": "#8e7cc3",
        "margin": "0.12,0.06",
    }
