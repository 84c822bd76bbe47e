"""What every step of the tour shares: the output folder, the texts, printing, and saving pictures.

A step says things (`say`), shows tables (`table`) and saves pictures
(`graph`, `figure`, `file`); each of these is printed to the terminal and
recorded in the step's `StepReport`, from which `page.py` writes index.html.
Where Graphviz's `dot` is missing, graphs are saved as DOT text instead and
the tour says once how to install Graphviz.

Texts are templates: `{loss:.4f}` is filled with the number, and in Korean
`{loss:.4f|이/가}` adds the particle that fits how that number is read aloud
(see `korean.josa`). Tables are aligned by display width, so Korean cells
(two columns a character) line up in a terminal.
"""

from __future__ import annotations

import string
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from microgradnn.tour.korean import display_width, josa, ljust, rjust

__all__ = ["Figure", "StepReport", "TourContext", "TourFormatter"]


class TourFormatter(string.Formatter):
    """str.format with one addition: a spec ending in `|이/가` (any pair of `korean.PAIRS`) appends that particle."""

    def format_field(self, value: Any, format_spec: str) -> str:
        spec, bar, pair = format_spec.partition("|")
        text = super().format_field(value, spec)
        return josa(text, pair) if bar else text


FORMATTER = TourFormatter()


@dataclass
class Figure:
    """One file a step wrote. `kind`: "image" (svg/png/gif), "player" (html) or "dot" (DOT text, no picture).

    `texts` are the words and numbers drawn on a matplotlib picture (titles,
    legends, labels, annotations; not the tick labels of its axes), kept so a
    test can hold its caption against what it shows.
    """

    path: str  # relative to the tour folder
    caption: str
    kind: str = "image"
    texts: list[str] = field(default_factory=list)


@dataclass
class StepReport:
    """Everything one step showed: its title, text blocks, files, and the numbers behind them."""

    number: int
    title: str
    key: str = ""  # the step module's KEY: "forward", "loss", ...
    # ("text" | "table", content), or ("figure", i): figures[i] goes here, between the texts around it
    blocks: list[tuple[str, str]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)


class TourContext:
    """The tour's output folder, language and terminal, shared by the steps."""

    def __init__(
        self,
        out: Path,
        texts: dict[str, str],
        verbose: bool = True,
        stream: TextIO | None = None,
        quiet: bool = False,
        lang: str = "en",
    ) -> None:
        self.out = Path(out)
        self.lang = lang
        self.texts = texts
        self.verbose = verbose and not quiet
        self.quiet = quiet and verbose  # quiet: only where the files went
        self.stream = stream if stream is not None else sys.stdout
        self.dot_missing = False  # set the first time Graphviz is found missing; the hint is printed once
        self.reports: list[StepReport] = []
        self.number = 0  # the step being run, set by run_tour
        self.out.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ text
    def text(self, key: str, **values: Any) -> str:
        """The text `key` in the tour's language, with `values` filled in (and Korean particles chosen)."""
        return FORMATTER.format(self.texts[key], **values)

    def echo(self, text: str = "") -> None:
        """Print a line unless the tour is quiet."""
        if self.verbose:
            print(text, file=self.stream, flush=True)

    def echo_file(self, text: str) -> None:
        """Print where a file went: also when the tour is quiet."""
        if self.verbose or self.quiet:
            print(text, file=self.stream, flush=True)

    def start(self, key: str) -> StepReport:
        """Begin the step whose texts start with `key.`: print its numbered title."""
        title = self.text("step.heading", n=self.number, title=self.text(f"{key}.title"))
        report = StepReport(self.number, title, key)
        self.reports.append(report)
        self.echo()
        self.echo(f"== {report.title} ==")
        return report

    def name(self, suffix: str) -> str:
        """The file name for this step's picture `suffix`: step<n>_<suffix>."""
        return f"step{self.number}_{suffix}"

    def say(self, report: StepReport, key: str, **values: Any) -> None:
        """Print and record one paragraph."""
        paragraph = self.text(key, **values)
        report.blocks.append(("text", paragraph))
        self.echo(paragraph)

    def table(self, report: StepReport, rows: Sequence[Sequence[str]]) -> str:
        """Print and record a table of already formatted cells (first row is the header), aligned by display width."""
        widths = [max(display_width(row[c]) for row in rows) for c in range(len(rows[0]))]
        # Numbers line up on the right, words on the left.
        pads = [rjust if all(_is_number(row[c]) for row in rows[1:]) else ljust for c in range(len(widths))]
        lines = ["  ".join(pad(cell, w) for cell, w, pad in zip(row, widths, pads)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        text = "\n".join(lines)
        report.blocks.append(("table", text))
        self.echo(text)
        return text

    def preformatted(self, report: StepReport, text: str) -> None:
        """Print and record text shown as it is (a formula, a trace)."""
        report.blocks.append(("table", text))
        self.echo(text)

    # -------------------------------------------------------------- pictures
    def saved(self, report: StepReport, figure: Figure) -> None:
        """Record a file the step wrote and say where it went."""
        report.figures.append(figure)
        report.blocks.append(("figure", str(len(report.figures) - 1)))
        self.echo_file(f"  -> {self.out / figure.path}")

    def graph(self, report: StepReport, graph: Any, name: str, caption: str) -> None:
        """Render a `viz.Graph` to `name` (an .svg); without `dot`, write its DOT text instead."""
        from microgradnn.viz import GraphvizNotFoundError

        try:
            graph.render(self.out / name)
            self.saved(report, Figure(name, caption))
        except GraphvizNotFoundError as e:
            dot_name = str(Path(name).with_suffix(".dot"))
            (self.out / dot_name).write_text(graph.source, encoding="utf-8")
            self.saved(report, Figure(dot_name, caption, kind="dot"))
            self.graphviz_missing(e)

    def draw(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a viz function in the tour's language (`lang=`) where it takes one, else as it is."""
        import inspect

        if "lang" in inspect.signature(function).parameters:
            kwargs.setdefault("lang", self.lang)
        return function(*args, **kwargs)

    @contextmanager
    def fonts(self) -> Iterator[None]:
        """Make the tour's own matplotlib figures in a font for its language (a CJK font for Korean)."""
        from microgradnn.viz.fonts import plot_fonts

        settings = plot_fonts(self.lang, "tour")
        if not settings:
            yield
            return
        import matplotlib

        with matplotlib.rc_context(settings):
            yield

    def network(self, report: StepReport, model: Any, name: str, caption: str) -> None:
        """Draw `model` as the book's network figure (`viz.draw_network`: neurons in columns, weights on edges)."""
        from microgradnn import viz

        picture = viz.draw_network(model, lang=self.lang)
        picture.render(self.out / name)  # SVG drawn without Graphviz
        self.saved(report, Figure(name, caption))

    def graphviz_missing(self, error: Exception) -> None:
        """Say once, for the whole tour, that Graphviz is missing and how to install it."""
        if self.dot_missing:
            return
        self.dot_missing = True
        self.echo(self.text("graphviz.missing", reason=str(error).splitlines()[0]))

    def figure(self, report: StepReport, figure: Any, name: str, caption: str) -> None:
        """Save a matplotlib figure to `name`, then let pyplot forget it (if pyplot made it)."""
        from matplotlib.text import Text

        figure.savefig(self.out / name, dpi=100, bbox_inches="tight")
        ticks = {
            id(t) for ax in figure.axes for axis in (ax.xaxis, ax.yaxis) for t in axis.get_ticklabels(which="both")
        }
        drawn = [
            t.get_text()
            for t in figure.findobj(Text)
            if t.get_visible() and t.get_text().strip() and id(t) not in ticks  # tick labels are only a scale
        ]
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close(figure)
        self.saved(report, Figure(name, caption, texts=drawn))

    def file(self, report: StepReport, write: Callable[[Path], Any], name: str, caption: str, kind: str) -> bool:
        """Let `write(path)` produce `name`; False (and a .dot fallback is up to the caller) when `dot` is missing."""
        from microgradnn.viz import GraphvizNotFoundError

        try:
            write(self.out / name)
        except GraphvizNotFoundError as e:
            self.graphviz_missing(e)
            return False
        self.saved(report, Figure(name, caption, kind=kind))
        return True


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return cell == ""
    return True
