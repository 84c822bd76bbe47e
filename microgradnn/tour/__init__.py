"""`microgradnn tour`: the chapter in six steps, with the actual numbers and pictures.

Each step is a module with a `run(ctx)` function, in the chapter's order:

1. `step1_forward`: the hand-wired 2-2-1 step network classifies XOR;
2. `step2_no_gradient`: every gradient through the step function is zero; sigmoid instead;
3. `step3_loss`: two decision boundaries compared by a loss; MSE and cross-entropy;
4. `step4_learning_rate`: gradient descent on one weight with several learning rates;
5. `step5_backprop`: backpropagation through the 2-2-1 sigmoid network, dL/dw1 by the chain rule;
6. `step6_training`: training that network on XOR.

`run_tour(out, lang)` runs them all, prints the explanations and writes the
pictures and an `index.html` into `out`.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from microgradnn.tour import (
    step1_forward,
    step2_no_gradient,
    step3_loss,
    step4_learning_rate,
    step5_backprop,
    step6_training,
)
from microgradnn.tour.context import Figure, StepReport, TourContext
from microgradnn.tour.page import write_index
from microgradnn.tour.texts_en import TEXTS as TEXTS_EN
from microgradnn.tour.texts_ko import TEXTS as TEXTS_KO

__all__ = ["LANGUAGES", "STEPS", "Figure", "StepReport", "TourResult", "run_tour"]

STEPS = (step1_forward, step2_no_gradient, step3_loss, step4_learning_rate, step5_backprop, step6_training)
LANGUAGES = {"en": TEXTS_EN, "ko": TEXTS_KO}


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
) -> TourResult:
    """Run every step in order, writing pictures and index.html into `out`; print the texts unless not `verbose`."""
    if lang not in LANGUAGES:
        raise ValueError(f"tour: unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    import matplotlib

    # Pictures go to files; never open a window (a no-op when a notebook already chose its backend).
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    started = time.perf_counter()
    ctx = TourContext(Path(out), LANGUAGES[lang], verbose=verbose, stream=stream)
    ctx.echo(ctx.text("start", out=ctx.out))
    for step in STEPS:
        step.run(ctx)
    index = write_index(ctx.out, ctx.reports, ctx.texts, lang)
    seconds = time.perf_counter() - started
    ctx.echo()
    ctx.echo(ctx.text("done", seconds=seconds, index=index))
    return TourResult(ctx.reports, index, ctx.dot_missing, seconds)
