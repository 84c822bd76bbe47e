"""DOT text and Graphviz rendering shared by every picture in `microgradnn.viz`.

Three jobs, kept apart from what a picture shows:

* escaping: every string that comes from the user (labels, module paths) goes
  through `escape` before it reaches DOT, so no label can break the file or
  inject markup;
* writing: a `Scene` (nodes, edges, module clusters) becomes deterministic DOT,
  byte for byte the same for the same graph, so it can be compared with golden files;
  `layout_limits` adds the attributes that keep dot fast on a graph that reuses a value
  at many depths (and nothing on every other graph);
* rendering: the system `dot` binary turns DOT into SVG/PNG/PDF. Without the
  `graphviz` Python package or the binary the error says how to install them.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microgradnn.viz.scene import unshowable, visible_escape

__all__ = [
    "FORMATS",
    "Graph",
    "GraphvizError",
    "GraphvizNotFoundError",
    "GraphvizPackageNotFoundError",
    "Scene",
    "escape",
    "format_number",
    "layout_limits",
    "pipe_source",
    "render_source",
    "shorten",
]

# Output formats chosen from a file extension.
FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "gif", "dot", "gv", "json")

VIZ_EXTRA = 'pip install "microgradnn[viz]"'

INSTALL_GRAPHVIZ = (
    "Install Graphviz (the program that draws the picture), then try again:\n"
    "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
    "  macOS:          brew install graphviz\n"
    "  conda:          conda install -c conda-forge graphviz\n"
    "  Windows:        winget install graphviz"
)


class GraphvizNotFoundError(RuntimeError):
    """The Graphviz `dot` program is not installed (or not on PATH)."""


class GraphvizError(RuntimeError):
    """Graphviz ran but could not draw the picture; the message carries what it said."""


class GraphvizPackageNotFoundError(ImportError):
    """The `graphviz` Python package (the viz extra) is not installed: graph pictures cannot be drawn."""


# ----------------------------------------------------------------- escaping
# "]" too: Graphviz 2.43's label lexer rejects a "]" that starts a run of text (``<B>]</B>``); as &#93; it is drawn.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "]": "&#93;"}


def shorten(text: str, max_len: int) -> str:
    """`text`, or its first max_len - 1 characters and an ellipsis when it is longer."""
    return text if len(text) <= max_len else text[: max(max_len - 1, 0)] + "…"


def escape(text: object, max_len: int | None = None) -> str:
    """Text for a Graphviz HTML-like label: shown literally, whatever it contains.

    `& < > " ' ]` become entities; a backslash is doubled because Graphviz
    expands escapes such as `\\N` (the node's name) even inside HTML labels;
    a line break becomes `<BR/>`; other control characters, lone surrogates and bidi controls are shown as
    `\\xNN` or `\\uNNNN`.
    `max_len` shortens long text with an ellipsis (counted before escaping).
    """
    text = str(text) if max_len is None else shorten(str(text), max_len)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch == "\\":
            out.append("\\\\")  # Graphviz reads "\\" as one literal backslash, "\N" as the node name
        elif ch == "\n":
            out.append('<BR ALIGN="LEFT"/>')
        elif code < 32 or code == 127 or unshowable(ch):
            # Characters XML forbids (Graphviz's label parser rejects them), and bidi controls: shown as an escape,
            # its backslash doubled like any other, so Graphviz does not read a second escape in it.
            out.append(visible_escape(ch).replace("\\", "\\\\"))
        else:
            out.append(ch)
    return "".join(out)


# --------------------------------------------------------------- numbers
def format_number(x: float, width: int = 10) -> str:
    """A float as fixed-width text: 4 decimals, or 4 significant digits in e-notation
    when very large or very small; right-aligned to `width` characters (10 fits
    every float below 1e100 in size).

    Fixed width keeps a node the same size however its numbers change, so
    pictures of successive backward steps line up.
    """
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        text = str(x)
    elif x == 0.0 or 1e-3 <= abs(x) < 1e4:
        text = f"{x:.4f}"
    else:
        text = f"{x:.3e}"
    if text == "-0.0000":
        text = "0.0000"
    return text.rjust(width)


def pad(text: str) -> str:
    """Spaces kept as spaces in an HTML-like label (Graphviz would trim leading ones)."""
    return text.replace(" ", "&#160;")


# ------------------------------------------------------------------ scene
@dataclass
class Html:
    """A value that is already HTML-like label markup (written as <...> in DOT)."""

    markup: str


@dataclass
class NodeSpec:
    """One DOT node: its id, attributes, and the module cluster it belongs to (or None)."""

    id: str
    attrs: dict[str, Any]
    cluster: str | None = None


@dataclass
class EdgeSpec:
    """One DOT edge from `tail` to `head` (node ids)."""

    tail: str
    head: str
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ClusterSpec:
    """A module box: `key` is the module path, `parent` the enclosing module's key."""

    key: str
    id: str
    label: str
    parent: str | None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scene:
    """Everything a picture contains, in drawing order; `to_dot()` writes it."""

    graph_attrs: dict[str, Any]
    node_attrs: dict[str, Any]
    edge_attrs: dict[str, Any]
    nodes: list[NodeSpec] = field(default_factory=list)
    edges: list[EdgeSpec] = field(default_factory=list)
    clusters: dict[str, ClusterSpec] = field(default_factory=dict)

    def to_dot(self, name: str = "microgradnn") -> str:
        """Deterministic DOT: clusters in order of first use, nodes and edges in the order given."""
        lines = [f"digraph {name} {{"]
        lines.append(f"  graph [{_attr_list(self.graph_attrs)}];")
        lines.append(f"  node [{_attr_list(self.node_attrs)}];")
        lines.append(f"  edge [{_attr_list(self.edge_attrs)}];")
        members: dict[str | None, list[NodeSpec]] = {}
        for node in self.nodes:
            members.setdefault(node.cluster, []).append(node)
        children: dict[str | None, list[ClusterSpec]] = {}
        for cluster in self.clusters.values():
            children.setdefault(cluster.parent, []).append(cluster)

        def write(key: str | None, indent: str) -> None:
            for cluster in children.get(key, []):
                lines.append(f"{indent}subgraph {cluster.id} {{")
                attrs = {"label": Html(escape(cluster.label, 60)), **cluster.attrs}
                lines.append(f"{indent}  graph [{_attr_list(attrs)}];")
                write(cluster.key, indent + "  ")
                lines.append(f"{indent}}}")
            for node in members.get(key, []):
                lines.append(f"{indent}{node.id} [{_attr_list(node.attrs)}];")

        write(None, "  ")
        for edge in self.edges:
            attrs = f" [{_attr_list(edge.attrs)}]" if edge.attrs else ""
            lines.append(f"  {edge.tail} -> {edge.head}{attrs};")
        lines.append("}")
        return "\n".join(lines) + "\n"


def _attr_value(value: Any) -> str:
    if isinstance(value, Html):
        return f"<{value.markup}>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    # Quoted DOT string: only our own values (colors, fonts, positions) arrive here.
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attr_list(attrs: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={_attr_value(value)}" for key, value in attrs.items() if value is not None)


# A value used at many depths (x in `y = y * x`, again and again) gives dot one edge per use, and the
# later uses reach across many ranks: dot draws each rank crossed as a hidden node, so the hidden nodes
# grow with the square of the uses, and dot's placement (network simplex) and spline routing on them
# grow faster still. Above this many crossed ranks (estimated below) the layout is limited.
LONG_EDGE_RANKS = 800


def layout_limits(edges: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Graph attributes that keep dot fast on a graph whose edges cross many ranks; {} for any other graph.

    `edges` are the picture's (tail, head) node ids. The estimate of the ranks crossed: each node's
    height is its longest path to a sink (dot places a node that far before the end), and an edge is
    that many ranks longer than needed by how much lower its head sits than the tail's highest head.
    A picture at or below `LONG_EDGE_RANKS` gets {}, so its DOT and its layout are what they always were.
    """
    heads: dict[str, list[str]] = {}
    tails: dict[str, list[str]] = {}
    for tail, head in edges:
        heads.setdefault(tail, []).append(head)
        heads.setdefault(head, [])
        tails.setdefault(head, []).append(tail)
        tails.setdefault(tail, [])
    height = dict.fromkeys(heads, 0)
    waiting = {node: len(out) for node, out in heads.items()}
    ready = [node for node, count in waiting.items() if count == 0]
    while ready:  # sinks first, then every node once all its heads are done (a cycle is left at 0)
        node = ready.pop()
        for tail in tails[node]:
            height[tail] = max(height[tail], height[node] + 1)
            waiting[tail] -= 1
            if waiting[tail] == 0:
                ready.append(tail)
    crossed = 0
    for out in heads.values():
        if len(out) > 1:
            top = max(height[head] for head in out)
            crossed += sum(top - height[head] for head in out)
    if crossed <= LONG_EDGE_RANKS:
        return {}
    # y = y * x 45 times: dot 15.7 s -> 0.16 s; 80 times: > 15 min -> 0.4 s (nslimit=1 alone: 1.4 s, 12 s)
    return {"nslimit": 1, "splines": "line"}


# -------------------------------------------------------------- rendering
def _graphviz_module() -> Any:
    try:
        import graphviz
    except ImportError:
        raise GraphvizPackageNotFoundError(
            f"microgradnn.viz needs the 'graphviz' Python package to render pictures: {VIZ_EXTRA} "
            "(the DOT text is still available as .source)"
        ) from None
    return graphviz


def output_path(path: Any, who: str, example: str) -> Path:
    """Where a picture or a page is written, as a Path; a clear error for anything that is not a file name."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{who}: path must be a file name (a str or a Path), got {type(path).__name__}; e.g. {example}")
    return Path(path)


def _fallback_dot_path(path: Path | None) -> Path:
    if path is not None:
        return path.with_suffix(".dot") if path.suffix != ".dot" else path.with_name(path.name + ".txt")
    return Path(tempfile.gettempdir()) / "microgradnn-graph.dot"


def pipe_source(
    source: str, format: str = "svg", *, engine: str = "dot", neato_no_op: int | None = None, path: Path | None = None
) -> bytes:
    """Run Graphviz on DOT text and return the output bytes.

    `path` is only used in the error message: when `dot` is missing, the DOT
    text is saved next to it (or in the temp folder) so the work is not lost.
    """
    import subprocess

    graphviz = _graphviz_module()
    format = format.lower().lstrip(".")
    try:
        return graphviz.pipe(engine, format, source.encode("utf-8"), neato_no_op=neato_no_op, quiet=True)
    except graphviz.ExecutableNotFound:
        raise graphviz_not_found(source, format, engine, path) from None
    except subprocess.CalledProcessError as exc:
        stderr = exc.stderr.decode("utf-8", "replace").strip() if isinstance(exc.stderr, bytes) else str(exc.stderr)
        raise GraphvizError(
            f"Graphviz's '{engine}' could not draw the {format} picture (exit status {exc.returncode}): "
            f"{stderr or 'no message'}; the DOT text is available as .source"
        ) from None


def graphviz_not_found(source: str, format: str, engine: str, path: Path | None) -> GraphvizNotFoundError:
    """The error for a missing Graphviz program; saves `source` next to `path` first, so no work is lost."""
    dot_path = _fallback_dot_path(path)
    try:
        dot_path.parent.mkdir(parents=True, exist_ok=True)
        dot_path.write_text(source, encoding="utf-8")
        where = f"The DOT source was written to {dot_path}; render it later with: dot -T{format} {dot_path}"
    except OSError as exc:
        where = f"The DOT source could not be saved ({exc}); it is available as .source"
    return GraphvizNotFoundError(
        f"Graphviz's '{engine}' program was not found on PATH, so the {format} picture cannot be drawn.\n"
        f"{INSTALL_GRAPHVIZ}\n{where}"
    )


def format_from_path(path: Path, format: str | None) -> str:
    """The output format: given explicitly, or read from the file extension."""
    if format is None:
        format = path.suffix.lower().lstrip(".")
        if not format:
            raise ValueError(f"render: cannot tell the format of {str(path)!r}; add an extension such as .svg or .png")
    format = format.lower().lstrip(".")
    if format not in FORMATS:
        raise ValueError(f"render: unknown format {format!r}; use one of {', '.join(FORMATS)}")
    return format


def render_source(
    source: str, path: str | Path, format: str | None = None, *, engine: str = "dot", neato_no_op: int | None = None
) -> Path:
    """Draw DOT text into `path`; the format comes from the extension unless given."""
    path = Path(path)
    format = format_from_path(path, format)
    if format in ("dot", "gv"):
        data = source.encode("utf-8")
    else:
        data = pipe_source(source, format, engine=engine, neato_no_op=neato_no_op, path=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def fitted_html(svg: bytes, summary: str) -> str:
    """HTML for a notebook cell: the picture fitted to the cell's width, and the same picture full size
    (scrollable) behind a "full size" toggle. Images by data: URI, so no two pictures share SVG ids,
    and no script, so it survives every notebook's output sanitizer."""
    import base64
    import html as html_module

    uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    alt = html_module.escape(summary, quote=True)
    return (
        f'<div class="microgradnn-picture" style="max-width:100%">'
        f'<img src="{uri}" alt="{alt}" style="max-width:100%;height:auto;display:block">'
        f'<details><summary style="cursor:pointer;color:#666;font-size:12px">full size (scroll to pan)</summary>'
        f'<div style="overflow:auto;max-height:80vh;border:1px solid #ddd"><img src="{uri}" alt="{alt}" '
        f'style="max-width:none"></div></details></div>'
    )


def mimebundle(source: str, svg: Any, summary: str) -> dict[str, str]:
    """Jupyter display data that never raises: the picture when Graphviz works, else the DOT text."""
    try:
        data = svg()
        return {"text/html": fitted_html(data, summary), "image/svg+xml": data.decode("utf-8"), "text/plain": summary}
    except Exception as exc:  # display must never raise: show the DOT text and the reason
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {"text/plain": f"{summary}\n(could not draw it: {reason})\n\n{source}"}


class Graph:
    """A picture of a computation graph: DOT text that Graphviz can draw.

    `source` is the DOT text; `render(path)` writes a file whose format comes
    from the extension (svg, png, pdf); `pipe(format)` returns the bytes.
    In Jupyter the graph shows itself (as SVG, or as DOT text when Graphviz is missing).
    """

    def __init__(self, source: str, *, engine: str = "dot", note: str | None = None, nodes: int = 0) -> None:
        self.source = source
        self.engine = engine
        self.note = note  # what the picture leaves out (collapsed modules, a neighbourhood), or None
        self.nodes = nodes  # graph nodes drawn (a collapsed module counts once)

    def pipe(self, format: str = "svg") -> bytes:
        """The picture as bytes in `format` (svg, png, pdf, ...)."""
        return pipe_source(self.source, format, engine=self.engine)

    def render(self, path: str | Path, format: str | None = None) -> Path:
        """Write the picture to `path` (format from the extension unless given) and return the path."""
        return render_source(self.source, path, format, engine=self.engine)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return mimebundle(self.source, lambda: self.pipe("svg"), repr(self))

    def __repr__(self) -> str:
        note = f"; {self.note}" if self.note else ""
        return f"<microgradnn.viz.Graph: {self.nodes} nodes{note}>"

    def __str__(self) -> str:
        return self.source
