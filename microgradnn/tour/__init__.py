"""`microgradnn tour`: the chapter step by step, with the actual numbers and pictures.

Each step is a module with a `run(ctx)` function; `STEPS` lists them in the
chapter's order:

1. `forward`: the hand-wired 2-2-1 step network classifies XOR, drawn as the
   book's network and as a computation graph;
2. `loss`: two decision boundaries compared by a loss (with the margin caveat); MSE and cross-entropy;
3. `gradient_descent`: gradient descent on one weight with several learning rates;
4. `curvature`: the second derivative (a gradient of the gradient) sets the largest learning rate;
   Newton's step; the Hessian of the XOR loss;
5. `no_gradient`: gradient descent needs dL/dw, and through the step function it is zero; sigmoid instead;
6. `backprop`: backpropagation through the 2-2-1 sigmoid network, dL/dw1 by the chain rule;
7. `topological_order`: why backward visits the nodes in reverse topological order;
8. `training`: training that network on XOR;
9. `curvature_network`: the curvature of the trained network: the 2 / L'' threshold on one of its
   weights and 2 / lambda_max on all nine, predicted and then watched coming true.

`run_tour(out, lang)` runs them all (or the ones in `steps`), prints the
explanations and writes the pictures and an `index.html` into `out`.
Step numbers come from the place in `STEPS`, file names from the number
(`step5_graph.svg`) and texts from each module's `KEY`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from microgradnn.tour import (
    backprop,
    curvature,
    curvature_network,
    forward,
    gradient_descent,
    loss,
    no_gradient,
    topological_order,
    training,
)
from microgradnn.tour.context import Figure, StepReport, TourContext
from microgradnn.tour.page import write_index
from microgradnn.tour.texts_en import TEXTS as TEXTS_EN
from microgradnn.tour.texts_ko import TEXTS as TEXTS_KO

__all__ = ["LANGUAGES", "STEPS", "Figure", "StepReport", "TourResult", "open_in_browser", "run_tour"]

STEPS = (
    forward,
    loss,
    gradient_descent,
    curvature,
    no_gradient,
    backprop,
    topological_order,
    training,
    curvature_network,
)
# A step module may carry its own texts, as TEXTS = {lang: {key: text}}; they join the tour's here.
LANGUAGES = {
    lang: {**{k: v for step in STEPS for k, v in getattr(step, "TEXTS", {}).get(lang, {}).items()}, **texts}
    for lang, texts in (("en", TEXTS_EN), ("ko", TEXTS_KO))
}


@dataclass
class TourResult:
    """What the tour did: one report per step, the index page, and whether Graphviz was missing."""

    reports: list[StepReport]
    index: Path
    graphviz_missing: bool
    seconds: float

    def files(self) -> list[Path]:
        """Every file the tour wrote, index.html included."""
        folder = self.index.parent
        return [folder / f.path for r in self.reports for f in r.figures] + [self.index]


def run_tour(
    out: str | os.PathLike[str] = "microgradnn-tour",
    lang: str = "en",
    verbose: bool = True,
    stream: TextIO | None = None,
    *,
    quiet: bool = False,
    steps: Sequence[int] | None = None,
) -> TourResult:
    """Run the steps in order, writing pictures and index.html into `out`.

    Prints the texts when `verbose`; `quiet` prints only where the files went
    (one line per file, then the index); `verbose=False` prints nothing.
    `steps` picks steps by number (1 = the first), e.g. `steps=[5]`.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"tour: unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    chosen = list(range(1, len(STEPS) + 1)) if steps is None else sorted(set(steps))
    wrong = [n for n in chosen if not (isinstance(n, int) and 1 <= n <= len(STEPS))]
    if wrong or not chosen:
        raise ValueError(f"tour: no step {wrong[0] if wrong else 'given'}; the steps are 1 to {len(STEPS)}")
    import matplotlib

    # Pictures go to files; never open a window (a no-op when a notebook already chose its backend).
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    started = time.perf_counter()
    ctx = TourContext(Path(out), LANGUAGES[lang], verbose=verbose, stream=stream, quiet=quiet, lang=lang)
    ctx.echo(ctx.text("start", out=ctx.out, n=len(STEPS)))
    for number in chosen:
        ctx.number = number
        STEPS[number - 1].run(ctx)
    index = write_index(ctx.out, ctx.reports, ctx.texts, lang)
    seconds = time.perf_counter() - started
    ctx.echo()
    ctx.echo(ctx.text("done", seconds=seconds, index=index))
    if not ctx.verbose:
        ctx.echo_file(f"  -> {index}")
    return TourResult(ctx.reports, index, ctx.dot_missing, seconds)


def open_in_browser(index: str | os.PathLike[str], stream: TextIO | None = None) -> bool:
    """Open the tour's index.html in the default browser; say so, or say how to open it when there is none."""
    import webbrowser

    stream = stream if stream is not None else sys.stdout
    uri = Path(index).resolve().as_uri()
    try:
        opened = webbrowser.get().open(uri)
    except webbrowser.Error:
        opened = False
    print(f"opened {uri}" if opened else f"no browser found to open it; open {uri} yourself", file=stream)
    return opened
