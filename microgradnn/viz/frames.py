"""The record stage: one backward pass, recorded, as what each frame shows, with a caption per frame.

Frame 0 is the graph after the forward pass, every gradient still unknown
("?"). Then one frame per backward step (`root.backward_steps()`): the node
being processed, each edge to one of its operands with `local derivative x
upstream gradient = contribution`, an operand that already had a gradient
with the accumulation (`+=`), and the nodes whose gradient is final. A caption
spells out the chain-rule product in numbers, in the learner's language.

Recording runs a real backward pass; afterwards every `.grad` is put back as
it was, so drawing never changes training. Later stages read the `Record`:
graphview.py and network.py make scenes of it, page.py and gif.py show them;
framefiles.py draws each frame as a Graphviz picture (`Frame.render`, `save_frames`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from microgradnn.engine import Node, Step, recorded_steps, topological_order
from microgradnn.viz.dot import (
    GraphvizNotFoundError,
    format_from_path,
    format_number,
    graphviz_not_found,
    mimebundle,
    pipe_source,
    render_source,
)
from microgradnn.viz.graph import format_value, is_tensor, node_name, summarize
from microgradnn.viz.i18n import check_lang, text

if TYPE_CHECKING:
    from microgradnn.viz.framefiles import _Movie

__all__ = [
    "DEFAULT_MAX_STEPS",
    "Frame",
    "Frames",
    "Record",
    "as_record",
    "backward_frames",
    "language_of",
    "record_pass",
]

UNKNOWN = "?"
DEFAULT_MAX_STEPS = 400

State = Literal["pending", "partial", "current", "receiving", "done"]


@dataclass
class _EdgeState:
    lines: tuple[str, ...] = ()
    status: Literal["pending", "active", "done"] = "pending"


@dataclass
class _Snapshot:
    """What one frame shows: every node's state and grad text, every labelled edge's text."""

    states: dict[int, State]
    grads: dict[int, str]
    edges: dict[tuple[int, int], _EdgeState]
    current: int | None


@dataclass(frozen=True, eq=False)
class Frame:
    """One picture of backpropagation.

    `source` is the frame's DOT text (deterministic, for reading and golden
    tests); `render`/`pipe` draw it at the shared fixed layout, so successive
    frames line up. `caption` is the frame's explanation in words and numbers.
    `step` is the engine's record for this frame (None for frame 0).
    """

    index: int
    caption: str
    source: str = field(repr=False)
    step: Step | None = field(repr=False)
    _movie: _Movie = field(repr=False)

    def __repr__(self) -> str:
        first = self.caption.splitlines()[0] if self.caption else ""
        return f"<microgradnn.viz.Frame {self.index}: {first}>"

    def pinned_source(self, caption: bool = True, dpi: float | None = None) -> str:
        """DOT with every position fixed (for `neato -n2`); needs Graphviz to compute the layout once."""
        return self._movie.pinned(self.index, caption, dpi)

    def size_inches(self, caption: bool = True) -> tuple[float, float]:
        """Width and height of the drawn frame in inches (the same for every frame of a run)."""
        return self._movie.size_inches(caption)

    def focus_point(self) -> tuple[float, float] | None:
        """The current node's place in the picture (fractions of width and height from the top left)."""
        return self._movie.focus_point(self.index)

    def pipe(self, format: str = "svg", *, caption: bool = True, dpi: float | None = None) -> bytes:
        """The frame as bytes in `format`; `caption` draws the caption above the graph."""
        return pipe_source(self.pinned_source(caption, dpi), format, engine="neato", neato_no_op=2)

    def render(
        self, path: str | Path, format: str | None = None, *, caption: bool = True, dpi: float | None = None
    ) -> Path:
        """Write the frame to `path` (format from the extension unless given)."""
        path = Path(path)
        format = format_from_path(path, format)
        if format in ("dot", "gv"):
            return render_source(self.source, path, format)
        try:
            pinned = self.pinned_source(caption, dpi)
        except GraphvizNotFoundError:  # the shared layout needs dot: keep this frame's DOT next to `path`
            raise graphviz_not_found(self.source, format, "dot", path) from None
        return render_source(pinned, path, format, engine="neato", neato_no_op=2)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return mimebundle(self.source, lambda: self.pipe("svg"), f"Frame {self.index}: {self.caption}")


# --------------------------------------------------------------- recording
def _expression(node: Node, names: Sequence[str]) -> str:
    """How a node was computed, in words a learner reads: "a * b", "tanh(x)", "dot(x, w, ...)"."""
    op = node.op
    if op in ("+", "-", "*", "/", "**", "@") and len(names) == 2:
        return f"{names[0]} {op} {names[1]}"
    if op.startswith("**") and len(names) == 1:
        return f"{names[0]}{op}"
    if op.endswith("**") and len(names) == 1:
        return f"{op}{names[0]}"
    shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
    return f"{op}({shown})"


def _add(a: Any, b: Any) -> Any:
    return b if a is None else a + b


def _text(x: Any) -> str:
    """A number or array in a caption or edge label."""
    return format_value(x, 0).strip() if isinstance(x, (float, int)) else summarize(x)


class _Builder:
    """Turns the recorded steps into one `_Snapshot` per frame and the frames' captions."""

    def __init__(
        self, root: Node, order: list[Node], steps: list[Step], lang: str = "en", names: Sequence[str] | None = None
    ) -> None:
        self.lang = lang
        self.root = root
        self.order = order
        self.steps = steps
        self.index = {id(n): i for i, n in enumerate(order)}
        # What the captions call each node: the graph's names, unless a view names them its own way.
        self.names = list(names) if names is not None else [node_name(n, i) for i, n in enumerate(order)]
        self.scalar = not is_tensor(root)

    def d(self, i: int) -> str:
        """d(root)/d(node i), written the way the chapter writes it."""
        return f"d{self.names[self.index[id(self.root)]]}/d{self.names[i]}"

    def run(self) -> tuple[list[_Snapshot], list[str]]:
        order, index = self.order, self.index
        known: dict[int, Any] = {}
        states: dict[int, State] = {i: "pending" for i in range(len(order))}
        edges: dict[tuple[int, int], _EdgeState] = {}
        # Local derivatives come from the engine's own record of each step (scalar nodes only).
        local_of = {id(step.node): step.local_derivatives for step in self.steps}
        word = text(self.lang, "edge.local")
        for i, node in enumerate(order):
            locals_ = local_of.get(id(node))
            for j in range(len(node.parents)):
                label = (f"{word} " + format_number(locals_[j], 0),) if locals_ is not None else ()
                edges[(i, j)] = _EdgeState(label)
        consumers = {i: 0 for i in range(len(order))}
        for node in order:
            for pid in {index[id(p)] for p in node.parents}:
                consumers[pid] += 1

        root_i = index[id(self.root)]
        root_data = _text(self.root.data)
        t = self.lang
        first = [text(t, "cap.forward", root=self.names[root_i], value=root_data, unknown=UNKNOWN)]
        if self.steps:
            first.append(
                text(t, "cap.start", root=self.names[root_i], d=self.d(root_i), seed=_text(self.steps[0].upstream))
            )
        snapshots = [self._snapshot(states, known, edges, None, consumers)]
        captions = ["\n".join(first)]
        for step in self.steps:
            i = index[id(step.node)]
            for key, edge in edges.items():
                if edge.status == "active":
                    edges[key] = _EdgeState(edge.lines, "done")
            for k, state in states.items():
                if state in ("current", "receiving"):
                    states[k] = "done" if self._final(k, consumers) else "partial"
            known[i] = step.upstream
            states[i] = "current"
            expr = _expression(step.node, [self.names[index[id(p)]] for p in step.parents])
            lines = [
                text(t, "cap.step", k=step.index + 1, n=len(self.steps), name=self.names[i], expr=expr),
                text(t, "cap.upstream", d=self.d(i), value=_text(step.upstream), name=self.names[i]),
            ]
            seen_children: set[int] = set()
            for j, (parent, contribution) in enumerate(zip(step.parents, step.contributions)):
                p = index[id(parent)]
                if p not in seen_children:
                    seen_children.add(p)
                    consumers[p] -= 1
                if contribution is None:
                    edges[(i, j)] = _EdgeState((text(t, "edge.none"),), "active")
                    continue
                previous = known.get(p)
                known[p] = _add(previous, contribution)
                edges[(i, j)] = _EdgeState(self._edge_lines(step, j, previous, known[p]), "active")
                lines.append(self._caption_line(step, i, j, p, previous, known[p]))
                states[p] = "receiving"
            consumers[i] = 0
            if step is self.steps[-1]:
                lines.append(text(t, "cap.done"))
            snapshots.append(self._snapshot(states, known, edges, i, consumers))
            captions.append("\n".join(lines))
        return snapshots, captions

    def run_padded(self) -> tuple[list[_Snapshot], list[str]]:
        """`run()`, with each node's grad text padded to one width across frames."""
        snapshots, captions = self.run()
        for i in range(len(self.order)):
            width = max(len(snap.grads[i]) for snap in snapshots)
            for snap in snapshots:
                snap.grads[i] = snap.grads[i].rjust(width)
        return snapshots, captions

    def _final(self, k: int, consumers: dict[int, int]) -> bool:
        """A node's gradient is final once every node that uses it has run its step."""
        return consumers[k] == 0

    def _edge_lines(self, step: Step, j: int, previous: Any, total: Any) -> tuple[str, ...]:
        contribution = step.contributions[j]
        if step.local_derivatives is not None:
            # local derivative x upstream gradient = contribution
            first = f"{_text(step.local_derivatives[j])} × {_text(step.upstream)} = {_text(contribution)}"
        else:
            first = f"+ {_text(contribution)}"
        if previous is None:
            return (first,)
        return (first, f"+= {_text(previous)} + {_text(contribution)} = {_text(total)}")

    def _caption_line(self, step: Step, i: int, j: int, p: int, previous: Any, total: Any) -> str:
        contribution = step.contributions[j]
        target = self.d(p)
        sign = "=" if previous is None else "+="
        if step.local_derivatives is not None:
            local = f"∂{self.names[i]}/∂{self.names[p]}"
            line = (
                f"{target} {sign} {local} × {self.d(i)} = {_text(step.local_derivatives[j])} × "
                f"{_text(step.upstream)} = {_text(contribution)}"
            )
        else:
            line = f"{target} {sign} {text(self.lang, 'cap.vjp', name=self.names[i])} = {_text(contribution)}"
        if previous is not None:
            line += f"   ({text(self.lang, 'cap.so_far')} {_text(previous)} + {_text(contribution)} = {_text(total)})"
        return line

    def _snapshot(
        self,
        states: dict[int, State],
        known: dict[int, Any],
        edges: dict[tuple[int, int], _EdgeState],
        current: int | None,
        consumers: dict[int, int],
    ) -> _Snapshot:
        root_i = self.index[id(self.root)]
        grads = {}
        for i in range(len(self.order)):
            if i in known:
                grads[i] = format_value(known[i])
            elif consumers[i] == 0 and i != root_i:
                grads[i] = "None".rjust(10)  # every user has run and sent nothing: needs no gradient
            else:
                grads[i] = UNKNOWN.rjust(10)
        return _Snapshot(dict(states), grads, dict(edges), current)


# ---------------------------------------------------------------- drawing
@dataclass
class Record:
    """One recorded backward pass: what every later stage (graph view, network view, player, GIF) reads."""

    root: Node
    order: list[Node]
    steps: list[Step]
    snapshots: list[_Snapshot]
    captions: list[str]
    lang: str


class Frames(list):  # type: ignore[type-arg]
    """The frames of one backward pass (a list of `Frame`), with the record they were made from.

    Its repr is one line; in a notebook it shows the step-by-step player.
    """

    record: Record

    def __repr__(self) -> str:
        root = self.record.root
        name = root.label or "the root"
        return f"<microgradnn.viz.Frames: {len(self)} frames of the backward pass of {name} ({len(self) - 1} steps)>"

    def _repr_html_(self) -> str:
        from microgradnn.viz.page import player

        return player(self, lang=self.record.lang)._repr_html_()


def record_pass(
    root: Node,
    gradient: Any = None,
    *,
    max_steps: int = DEFAULT_MAX_STEPS,
    lang: str = "en",
    who: str = "backward_frames",
) -> Record:
    """Run backward once (gradients restored afterwards) and turn its steps into per-frame snapshots and captions."""
    if not isinstance(root, Node):
        raise TypeError(f"{who}: expected a Value or Tensor, got {type(root).__name__}")
    check_lang(lang, who)
    order = topological_order(root)
    interior = sum(1 for n in order if n.parents)
    if interior > max_steps:
        raise ValueError(
            f"{who}: the graph has {interior} backward steps, more than max_steps={max_steps}; "
            "draw a smaller graph (one sample, a smaller network) or pass a larger max_steps"
        )
    steps = recorded_steps(root, gradient)  # every .grad as it was afterwards, a paused pass included
    snapshots, captions = _Builder(root, order, steps, lang).run()
    for i in range(len(order)):  # one width per node in every frame, so its box never changes size
        width = max(len(snap.grads[i]) for snap in snapshots)
        for snap in snapshots:
            snap.grads[i] = snap.grads[i].rjust(width)
    return Record(root, order, steps, snapshots, captions, lang)


def captions_with_names(record: Record, names: Sequence[str]) -> list[str]:
    """The record's captions, calling node i `names[i]` (for a view that names the nodes its own way)."""
    if len(names) != len(record.order):
        raise ValueError(f"captions_with_names: {len(names)} names for {len(record.order)} nodes")
    return _Builder(record.root, record.order, record.steps, record.lang, names).run()[1]


def backward_frames(
    root: Node,
    gradient: Any = None,
    *,
    rankdir: Literal["LR", "TB", "RL", "BT"] = "LR",
    cluster: bool = True,
    max_steps: int = DEFAULT_MAX_STEPS,
    lang: str = "en",
) -> Frames:
    """One frame for the finished forward pass, then one per backward step.

    Runs `root.backward_steps(gradient)` to record the pass and then restores
    every `.grad`, so calling this never changes a model's gradients.
    `max_steps` guards against drawing thousands of frames by accident;
    `lang="ko"` writes the captions in Korean.
    """
    from microgradnn.viz.framefiles import movie_of

    record = record_pass(root, gradient, max_steps=max_steps, lang=lang)
    movie, sources = movie_of(record, rankdir, cluster)
    steps, captions = record.steps, record.captions
    frames = Frames(Frame(k, captions[k], sources[k], steps[k - 1] if k else None, movie) for k in range(len(sources)))
    frames.record = record
    return frames


def language_of(root: Any, lang: str | None, who: str) -> str:
    """The language to draw in: `lang` when given, else the one the frames were recorded in, else English."""
    if lang is None:
        record = getattr(root, "record", None)
        lang = record.lang if isinstance(record, Record) else "en"
    return check_lang(lang, who)


def as_record(root: Node | Sequence[Frame], who: str, lang: str | None = None, **options: Any) -> Record:
    """The record of `root`'s backward pass, or of frames made earlier by `backward_frames`."""
    if isinstance(root, Node):
        keep = {k: v for k, v in options.items() if k in ("gradient", "max_steps")}
        return record_pass(
            root, keep.get("gradient"), max_steps=keep.get("max_steps", DEFAULT_MAX_STEPS), lang=lang or "en", who=who
        )
    record = getattr(root, "record", None)
    if record is None:
        frames = list(root)
        if not frames:
            raise ValueError(f"{who}: there are no frames to show")
        raise TypeError(
            f"{who}: expected a Value, a Tensor or the frames from backward_frames(), got {type(root).__name__}"
        )
    if lang is not None and lang != record.lang:  # the same pass, captions in another language
        return Record(
            record.root,
            record.order,
            record.steps,
            *_Builder(record.root, record.order, record.steps, lang).run_padded(),
            lang,
        )
    return record
