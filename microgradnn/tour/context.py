"""What every step of the tour shares: the output folder, the texts, printing, and saving pictures.

A step says things (`say`), shows tables (`table`) and saves pictures
(`graph`, `figure`, `file`); each of these is printed to the terminal and
recorded in the step's `StepReport`, from which `page.py` writes index.html.
Where Graphviz's `dot` is missing, graphs are saved as DOT text instead and
the tour says once how to install Graphviz.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

__all__ = ["Figure", "StepReport", "TourContext"]


@dataclass
class Figure:
    """One file a step wrote. `kind`: "image" (svg/png/gif), "player" (html) or "dot" (DOT text, no picture)."""

    path: str  # relative to the tour folder
    caption: str
    kind: str = "image"


@dataclass
class StepReport:
    """Everything one step showed: its title, text blocks, files, and the numbers behind them."""

    number: int
    title: str
    blocks: list[tuple[str, str]] = field(default_factory=list)  # ("text" | "table", content)
    figures: list[Figure] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)


class TourContext:
    """The tour's output folder, language and terminal, shared by the steps."""

    def __init__(self, out: Path, texts: dict[str, str], verbose: bool = True, stream: TextIO | None = None) -> None:
        self.out = Path(out)
        self.texts = texts
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stdout
        self.dot_missing = False  # set the first time Graphviz is found missing; the hint is printed once
        self.reports: list[StepReport] = []
        self.out.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ text
    def text(self, key: str, **values: Any) -> str:
        """The text `key` in the tour's language, with `values` filled in."""
        return self.texts[key].format(**values)

    def echo(self, text: str = "") -> None:
        """Print a line unless the tour is quiet."""
        if self.verbose:
            print(text, file=self.stream, flush=True)

    def start(self, number: int) -> StepReport:
        """Begin step `number`: print its title."""
        report = StepReport(number, self.text(f"step{number}.title"))
        self.reports.append(report)
        self.echo()
        self.echo(f"== {report.title} ==")
        return report

    def say(self, report: StepReport, key: str, **values: Any) -> None:
        """Print and record one paragraph."""
        paragraph = self.text(key, **values)
        report.blocks.append(("text", paragraph))
        self.echo(paragraph)

    def table(self, report: StepReport, rows: list[list[str]]) -> str:
        """Print and record a table of already formatted cells (first row is the header)."""
        widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
        lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows]
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
        self.echo(f"  -> {self.out / figure.path}")

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

    def graphviz_missing(self, error: Exception) -> None:
        """Say once, for the whole tour, that Graphviz is missing and how to install it."""
        if self.dot_missing:
            return
        self.dot_missing = True
        self.echo(self.text("graphviz.missing", reason=str(error).splitlines()[0]))

    def figure(self, report: StepReport, figure: Any, name: str, caption: str) -> None:
        """Save a matplotlib figure to `name`, then let pyplot forget it (if pyplot made it)."""
        figure.savefig(self.out / name, dpi=100, bbox_inches="tight")
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close(figure)
        self.saved(report, Figure(name, caption))

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
