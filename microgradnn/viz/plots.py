"""Plots for the chapter (matplotlib, an extra): loss curves, learning rates, decision boundaries.

Every function returns a `matplotlib.figure.Figure` that shows itself inline
in Jupyter (it has its own `_repr_png_`, so no `%matplotlib` magic is needed)
and, given `path`, also saves it there (PNG, SVG, PDF: from the extension).
Figures are made without pyplot, so no backend is chosen, nothing global
changes and a script never opens a window. `lang="ko"` writes every title,
label and legend in Korean, in a CJK font when one is installed.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from microgradnn.engine import no_grad
from microgradnn.viz.fonts import plot_fonts
from microgradnn.viz.i18n import check_lang, text
from microgradnn.viz.scene import clean

__all__ = ["plot_boundary_distances", "plot_decision_boundary", "plot_learning_rates", "plot_loss"]

PLOT_EXTRA = 'pip install "microgradnn[plot]"'
CLASS_COLORS = ("#3b73b9", "#d9822b", "#4f9a4f", "#b94a6a", "#7d62b3", "#8c6d46")
SCALAR_MAX_RESOLUTION = 60  # a model called point by point is slow: at most 60 x 60 grid points


def _figure_class() -> type:
    """matplotlib's Figure plus `_repr_png_`, so Jupyter shows it inline with no backend set up."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(f"microgradnn.viz plots need matplotlib: {PLOT_EXTRA}") from None
    return _subclass(Figure)


@functools.lru_cache(maxsize=1)
def _subclass(Figure: type) -> type:
    class PlotFigure(Figure):  # type: ignore[misc, valid-type]
        """A matplotlib Figure that displays itself in notebooks (PNG) without pyplot."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=110)
            return buffer.getvalue()

    return PlotFigure


@contextmanager
def _language(lang: str, who: str) -> Iterator[None]:
    """Make the figure's text in `lang`'s font (matplotlib fixes a text's font when it is created)."""
    check_lang(lang, who)
    settings = plot_fonts(lang, who)
    if not settings:
        yield
        return
    import matplotlib

    with matplotlib.rc_context(settings):
        yield


def _figure(figsize: tuple[float, float]) -> Any:
    return _figure_class()(figsize=figsize, layout="constrained")


def _finish(fig: Any, path: str | Path | None) -> Any:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return fig


def _epoch_axis(ax: Any) -> None:
    """Epochs and steps are whole numbers: ticks only at integers."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _spans_decades(values: Sequence[float]) -> bool:
    """True when positive finite values cover at least two orders of magnitude (a log scale reads better)."""
    finite = [v for v in values if math.isfinite(v)]
    return bool(finite) and min(finite) > 0 and max(finite) / min(finite) >= 100.0


def _literal(text: Any) -> str:
    """User text on a plot as it is written: matplotlib reads $...$ as math, so each $ is escaped; a lone
    surrogate (which matplotlib cannot draw) or a bidi control is shown as a visible escape, as in every picture."""
    return clean(text).replace("$", r"\$")


def _kind(obj: Any) -> str:
    """What a wrong argument is, for an error message: its type, and the value when it is short."""
    shown = repr(obj)
    return f"{type(obj).__name__} {shown}" if len(shown) <= 40 else type(obj).__name__


def _series(obj: Any, name: str) -> list[float]:
    values = getattr(obj, name, None)
    return [float(v) for v in values] if values is not None else []


# ------------------------------------------------------------------ curves
def plot_loss(
    history: Any,
    *,
    title: str | None = None,
    log_y: bool | None = None,
    lang: str = "en",
    path: str | Path | None = None,
) -> Any:
    """Loss per epoch from a `History` (anything with a `.loss` list, optionally `.accuracy`,
    `.val_loss`, `.val_accuracy`), or from a plain list of losses. Accuracy gets its own panel.

    `log_y=None` uses a log scale when the losses span two decades or more;
    epochs get integer ticks; legends go where they cover the fewest points.
    """
    with _language(lang, "plot_loss"):
        return _plot_loss(history, title, log_y, lang, path)


def _plot_loss(history: Any, title: str | None, log_y: bool | None, lang: str, path: str | Path | None) -> Any:
    title = text(lang, "plot.training") if title is None else _literal(title)
    if hasattr(history, "loss"):
        loss = _series(history, "loss")
        accuracy = _series(history, "accuracy")
        val_loss, val_accuracy = _series(history, "val_loss"), _series(history, "val_accuracy")
    else:
        try:
            loss, accuracy, val_loss, val_accuracy = [float(v) for v in history], [], [], []
        except (TypeError, ValueError):
            raise TypeError(
                f"plot_loss: expected a History from fit() or a list of numbers, got {_kind(history)}; "
                "e.g. plot_loss(fit(...)) or plot_loss([0.9, 0.5, 0.3])"
            ) from None
    if not loss:
        raise ValueError("plot_loss: the history has no losses yet; train for at least one epoch")
    panels = 2 if accuracy else 1
    fig = _figure((5.2 * panels, 3.6))
    axes = fig.subplots(1, panels, squeeze=False)[0]
    ax = axes[0]
    t = functools.partial(text, lang)
    ax.plot(range(1, len(loss) + 1), loss, color=CLASS_COLORS[0], lw=2, label=t("plot.loss"))
    if val_loss:
        ax.plot(range(1, len(val_loss) + 1), val_loss, color=CLASS_COLORS[1], lw=2, ls="--", label=t("plot.val_loss"))
    ax.set(xlabel=t("plot.epoch"), ylabel=t("plot.loss"), title=f"{title}: {t('plot.loss')}")
    if log_y is None:
        log_y = _spans_decades(loss + val_loss)
    if log_y and min(v for v in loss + val_loss if math.isfinite(v)) > 0:
        ax.set_yscale("log")
    _epoch_axis(ax)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", framealpha=0.85)
    if accuracy:
        ax = axes[1]
        ax.plot(range(1, len(accuracy) + 1), accuracy, color=CLASS_COLORS[2], lw=2, label=t("plot.accuracy"))
        if val_accuracy:
            ax.plot(
                range(1, len(val_accuracy) + 1),
                val_accuracy,
                color=CLASS_COLORS[1],
                lw=2,
                ls="--",
                label=t("plot.val_accuracy"),
            )
        ax.set(
            xlabel=t("plot.epoch"),
            ylabel=t("plot.accuracy"),
            title=f"{title}: {t('plot.accuracy')}",
            ylim=(-0.02, 1.02),
        )
        _epoch_axis(ax)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", framealpha=0.85)
    return _finish(fig, path)


def _diverged(losses: Sequence[float]) -> bool:
    finite = [v for v in losses if math.isfinite(v)]
    return len(finite) < len(losses) or (len(finite) > 1 and finite[-1] > 10 * max(abs(finite[0]), 1e-12))


def plot_learning_rates(
    losses: Mapping[float, Sequence[float]],
    *,
    title: str | None = None,
    log_y: bool = True,
    lang: str = "en",
    path: str | Path | None = None,
) -> Any:
    """One loss curve per learning rate ({lr: [loss per step]}), to compare convergence speed.

    A curve that blows up (infinite, NaN, or ten times its start) is marked
    "diverged" in the legend: the learning rate was too large.
    """
    with _language(lang, "plot_learning_rates"):
        return _plot_learning_rates(losses, title, log_y, lang, path)


def _plot_learning_rates(
    losses: Mapping[float, Sequence[float]], title: str | None, log_y: bool, lang: str, path: str | Path | None
) -> Any:
    title = text(lang, "plot.lr_title") if title is None else title
    if not isinstance(losses, Mapping):
        raise TypeError(
            f"plot_learning_rates: expected a dict of learning rate -> losses, got {_kind(losses)}; "
            "e.g. plot_learning_rates({0.1: [1.0, 0.5], 1.0: [1.0, 2.0]})"
        )
    if not losses:
        raise ValueError("plot_learning_rates: give at least one learning rate: {lr: [losses]}")
    fig = _figure((7.6, 4.0))
    ax = fig.subplots()
    positive = True
    for k, (lr, curve) in enumerate(sorted(losses.items(), key=lambda item: float(item[0]))):
        values = [float(v) for v in curve]
        positive = positive and all(v > 0 for v in values if math.isfinite(v))
        label = f"lr = {float(lr):g}" + (f"  ({text(lang, 'plot.diverged')})" if _diverged(values) else "")
        shown = [v if math.isfinite(v) else np.nan for v in values]
        ax.plot(range(len(values)), shown, lw=2, color=CLASS_COLORS[k % len(CLASS_COLORS)], label=label)
    if log_y and positive:
        ax.set_yscale("log")
    ax.set(xlabel=text(lang, "plot.step"), ylabel=text(lang, "plot.loss"), title=_literal(title))
    _epoch_axis(ax)
    ax.grid(alpha=0.3)
    # Outside the axes, so no curve is ever hidden behind it.
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)
    return _finish(fig, path)


# -------------------------------------------------------- decision regions
def _as_array(out: Any) -> np.ndarray:
    """A model's output as floats: Tensor (.data), Value (.data), a list of them, or numbers."""
    data = getattr(out, "data", None)
    if isinstance(data, np.ndarray):
        return data.astype(np.float64)
    if data is not None and isinstance(data, (int, float)):
        return np.array([float(data)])
    if isinstance(out, (list, tuple)):
        return np.array([float(getattr(v, "data", v)) for v in out])
    return np.asarray(out, dtype=np.float64)


def _predictor(model: Callable[..., Any], probe: np.ndarray) -> tuple[Callable[[np.ndarray], np.ndarray], bool]:
    """How to call `model` on many points: all at once (an (N, 2) array in), or one point at a time."""
    with no_grad():
        try:
            out = _as_array(model(probe))
            if out.ndim >= 1 and out.shape[0] == len(probe):
                return (lambda pts: _as_array(model(pts)).reshape(len(pts), -1)), True
        except Exception as exc:  # not array-friendly: try one point at a time below
            batch_error: Exception | None = exc
        else:
            batch_error = None
        try:
            _as_array(model([float(v) for v in probe[0]]))
        except Exception as exc:
            raise TypeError(
                "plot_decision_boundary: cannot call the model on points; it must accept an (N, 2) array "
                f"(error: {batch_error}) or a list of 2 numbers (error: {exc})"
            ) from exc

    def one_by_one(points: np.ndarray) -> np.ndarray:
        return np.stack([_as_array(model([float(a), float(b)])).ravel() for a, b in points])

    return one_by_one, False


def _grid_points(X: Any, resolution: Any) -> np.ndarray:
    """X as an (N, 2) float array with N >= 1, and a resolution of at least 2 a side, or a clear error."""
    try:
        points = np.asarray(X, dtype=np.float64) if X is not None else None
    except (TypeError, ValueError):
        points = None
    if points is None:
        raise TypeError("plot_decision_boundary: X must be an (N, 2) array of numbers, the points of the data")
    if points.ndim != 2 or points.shape[1] != 2 or not len(points):
        raise ValueError(f"plot_decision_boundary: X must have shape (N, 2) with N >= 1, got {points.shape}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(
            f"plot_decision_boundary: resolution must be an int >= 2 (grid points a side), got {resolution!r}"
        )
    return points


def decision_grid(
    model: Callable[..., Any], X: np.ndarray, resolution: int = 150, padding: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's outputs on a grid covering the data: (xx, yy, scores[ny, nx, outputs])."""
    X = _grid_points(X, resolution)
    predict, batched = _predictor(model, X[:2])
    n = resolution if batched else min(resolution, SCALAR_MAX_RESOLUTION)
    (x0, y0), (x1, y1) = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    with no_grad():
        scores = predict(np.column_stack([xx.ravel(), yy.ravel()]))
    return xx, yy, scores.reshape(n, n, -1)


def _looks_like_class_ids(values: np.ndarray, classes: Sequence[float]) -> bool:
    """One output holding whole class numbers 0..k-1 with k > 2 (an argmax), not a score to threshold."""
    finite = values[np.isfinite(values)]
    if finite.size == 0 or not np.all(finite == np.round(finite)) or finite.min() < 0:
        return False
    return finite.max() >= 2 and set(np.unique(finite).tolist()) <= set(classes)


def plot_decision_boundary(
    model: Callable[..., Any],
    X: Any,
    y: Any,
    *,
    threshold: float | None = None,
    resolution: int = 150,
    title: str | None = None,
    lang: str = "en",
    path: str | Path | None = None,
) -> Any:
    """The regions a 2-input model assigns to each class, the boundary lines between them, and the data on top.

    `model` is called on an (N, 2) array (vectorized models, Tensor networks)
    or, failing that, on one point [x1, x2] at a time (scalar `Value`
    networks; then at most 60 x 60 grid points). Give it class *scores*:
    one output means class 1 where output >= `threshold` (default 0.5 for
    outputs in [0, 1], else 0); k outputs mean k classes, the largest score
    wins (smooth boundary lines). A model that returns the class number
    itself (0, 1, 2, ... from an argmax) is drawn by those classes too.
    Each class has its own colour, in the regions, the points and the legend.
    """
    with _language(lang, "plot_decision_boundary"):
        return _plot_decision_boundary(model, X, y, threshold, resolution, title, lang, path)


def _plot_decision_boundary(
    model: Callable[..., Any],
    X: Any,
    y: Any,
    threshold: float | None,
    resolution: int,
    title: str | None,
    lang: str,
    path: str | Path | None,
) -> Any:
    title = text(lang, "plot.boundary") if title is None else title
    X = _grid_points(X, resolution)
    labels = np.asarray(y).ravel()
    if len(labels) != len(X):  # (checked before the model runs on the grid)
        raise ValueError(f"plot_decision_boundary: X has {len(X)} points but y has {len(labels)} labels")
    xx, yy, scores = decision_grid(model, X, resolution)
    fig = _figure((5.8, 4.6))
    ax = fig.subplots()
    from matplotlib.colors import ListedColormap

    classes_in_data = [float(c) for c in np.unique(labels)]
    class_ids = scores.shape[2] == 1 and _looks_like_class_ids(scores[:, :, 0], classes_in_data)
    if class_ids:
        # The model gave the class itself (an argmax), not scores: regions from it, boundaries between them.
        grid_class = scores[:, :, 0].astype(int)
        n_classes = int(grid_class.max()) + 1
        has_boundary = False
        for k in range(n_classes - 1):
            ax.contour(xx, yy, grid_class, levels=[k + 0.5], colors="#222222", linewidths=1.4)
    elif scores.shape[2] == 1:
        s = scores[:, :, 0]
        if threshold is None:
            threshold = 0.5 if (s.min() >= 0.0 and s.max() <= 1.0 and labels.min() >= 0) else 0.0
        grid_class = (s >= threshold).astype(int)
        n_classes = 2
        lo, hi = float(np.nanmin(s)), float(np.nanmax(s))
        has_boundary = lo < threshold < hi
    else:
        grid_class = scores.argmax(axis=2)
        n_classes = scores.shape[2]
        has_boundary = len(np.unique(grid_class)) > 1
    n_classes = max(n_classes, int(max(classes_in_data, default=0)) + 1)
    colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(n_classes)]
    cmap = ListedColormap(colors)
    ax.contourf(xx, yy, grid_class, levels=np.arange(-0.5, n_classes), cmap=cmap, alpha=0.25)
    if has_boundary and not class_ids:
        # The boundary lines, smooth: where the score crosses the threshold, or, with k scores, where
        # each class's score minus the best other score crosses 0 (the edge of that class's region).
        if scores.shape[2] == 1:
            margins = [scores[:, :, 0] - threshold]
        else:
            margins = [scores[:, :, c] - np.delete(scores, c, axis=2).max(axis=2) for c in range(scores.shape[2])]
        for margin in margins:
            if margin.min() < 0.0 < margin.max():
                ax.contour(xx, yy, margin, levels=[0.0], colors="#222222", linewidths=1.4)
    for cls in classes_in_data:
        mask = labels == cls
        color = colors[int(cls)] if float(cls).is_integer() and 0 <= cls < n_classes else "#555555"
        ax.scatter(
            X[mask, 0],
            X[mask, 1],
            s=36,
            color=color,
            edgecolors="white",
            linewidths=0.8,
            label=text(lang, "plot.class", c=f"{cls:g}"),
        )
    ax.set(xlabel="x1", ylabel="x2", title=_literal(title), xlim=(xx.min(), xx.max()), ylim=(yy.min(), yy.max()))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)
    return _finish(fig, path)


# ------------------------------------------------------------ the chapter
def _boundary(line: Sequence[float], name: str) -> tuple[float, float, float]:
    if len(line) != 3:
        raise ValueError(f"plot_boundary_distances: {name} must be (w1, w2, b) for w1*x1 + w2*x2 + b = 0, got {line!r}")
    w1, w2, b = (float(v) for v in line)
    if w1 == 0.0 and w2 == 0.0:
        raise ValueError(f"plot_boundary_distances: {name} has w1 = w2 = 0, which is not a line")
    return w1, w2, b


def plot_boundary_distances(
    X: Any,
    boundaries: Sequence[Sequence[float]] | Mapping[str, Sequence[float]],
    y: Any = None,
    *,
    title: str | None = None,
    lang: str = "en",
    path: str | Path | None = None,
) -> Any:
    """The chapter's comparison: straight boundaries w1*x1 + w2*x2 + b = 0 side by side, each
    point's distance to the line drawn as a perpendicular segment, and the mean squared
    distance (the loss) in each legend. `boundaries` is a list of (w1, w2, b) or {name: (w1, w2, b)}.
    """
    with _language(lang, "plot_boundary_distances"):
        return _plot_boundary_distances(X, boundaries, y, title, lang, path)


def _plot_boundary_distances(
    X: Any,
    boundaries: Sequence[Sequence[float]] | Mapping[str, Sequence[float]],
    y: Any,
    title: str | None,
    lang: str,
    path: str | Path | None,
) -> Any:
    title = text(lang, "plot.distances_title") if title is None else title
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_boundary_distances: X must have shape (N, 2), got {X.shape}")
    named = (
        dict(boundaries)
        if isinstance(boundaries, Mapping)
        else {text(lang, "plot.boundary_n", letter=chr(ord("A") + k)): line for k, line in enumerate(boundaries)}
    )
    if not named:
        raise ValueError("plot_boundary_distances: give at least one boundary (w1, w2, b)")
    labels = np.zeros(len(X)) if y is None else np.asarray(y).ravel()
    fig = _figure((4.8 * len(named), 4.6))
    axes = fig.subplots(1, len(named), squeeze=False)[0]
    pad = 0.6
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    for ax, (name, line) in zip(axes, named.items()):
        w1, w2, b = _boundary(line, name)
        norm2 = w1 * w1 + w2 * w2
        signed = (X @ np.array([w1, w2]) + b) / math.sqrt(norm2)  # signed distance of each point
        feet = X - np.outer((X @ np.array([w1, w2]) + b) / norm2, [w1, w2])
        msd = float(np.mean(signed**2))
        for point, foot in zip(X, feet):
            ax.plot([point[0], foot[0]], [point[1], foot[1]], color="#888888", lw=1, ls=":", zorder=1)
        if abs(w2) >= abs(w1):
            xs = np.array([x0, x1])
            ys = -(w1 * xs + b) / w2
        else:
            ys = np.array([y0, y1])
            xs = -(w2 * ys + b) / w1
        ax.plot(
            xs, ys, color="#222222", lw=2, label=text(lang, "plot.msd", name=_literal(name), msd=f"{msd:.3f}"), zorder=2
        )
        for k, cls in enumerate(np.unique(labels)):
            mask = labels == cls
            ax.scatter(
                X[mask, 0],
                X[mask, 1],
                s=44,
                zorder=3,
                color=("#2c5d9e", "#c0392b", "#4f9a4f")[k % 3],
                edgecolors="white",
                linewidths=0.8,
                label=None if y is None else text(lang, "plot.class", c=f"{cls:g}"),
            )
        ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x1", ylabel="x2", title=_literal(name))
        ax.set_aspect("equal")  # so the distance segments look perpendicular
        ax.grid(alpha=0.25)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=9, frameon=False)
    fig.suptitle(_literal(title))
    return _finish(fig, path)
