"""Plots for the chapter (matplotlib, an extra): loss curves, learning rates, decision boundaries.

Every function returns a `matplotlib.figure.Figure` (shown inline in Jupyter)
and, given `path`, also saves it there (PNG, SVG, PDF: from the extension).
Figures are made without pyplot, so nothing global changes and a script
never opens a window.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from microgradnn.engine import no_grad

__all__ = ["plot_boundary_distances", "plot_decision_boundary", "plot_learning_rates", "plot_loss"]

PLOT_EXTRA = 'pip install "microgradnn[plot]"'
CLASS_COLORS = ("#3b73b9", "#d9822b", "#4f9a4f", "#b94a6a", "#7d62b3", "#8c6d46")
SCALAR_MAX_RESOLUTION = 60  # a model called point by point is slow: at most 60 x 60 grid points


def _figure(figsize: tuple[float, float]) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(f"microgradnn.viz plots need matplotlib: {PLOT_EXTRA}") from None
    return Figure(figsize=figsize, layout="constrained")


def _finish(fig: Any, path: str | Path | None) -> Any:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return fig


def _series(obj: Any, name: str) -> list[float]:
    values = getattr(obj, name, None)
    return [float(v) for v in values] if values is not None else []


# ------------------------------------------------------------------ curves
def plot_loss(history: Any, *, title: str = "Training", log_y: bool = False, path: str | Path | None = None) -> Any:
    """Loss per epoch from a `History` (anything with a `.loss` list, optionally `.accuracy`,
    `.val_loss`, `.val_accuracy`), or from a plain list of losses. Accuracy gets its own panel."""
    if hasattr(history, "loss"):
        loss = _series(history, "loss")
        accuracy = _series(history, "accuracy")
        val_loss, val_accuracy = _series(history, "val_loss"), _series(history, "val_accuracy")
    else:
        loss, accuracy, val_loss, val_accuracy = [float(v) for v in history], [], [], []
    if not loss:
        raise ValueError("plot_loss: the history has no losses yet; train for at least one epoch")
    panels = 2 if accuracy else 1
    fig = _figure((5.2 * panels, 3.6))
    axes = fig.subplots(1, panels, squeeze=False)[0]
    ax = axes[0]
    ax.plot(range(1, len(loss) + 1), loss, color=CLASS_COLORS[0], lw=2, label="loss")
    if val_loss:
        ax.plot(range(1, len(val_loss) + 1), val_loss, color=CLASS_COLORS[1], lw=2, ls="--", label="validation loss")
    ax.set(xlabel="epoch", ylabel="loss", title=f"{title}: loss")
    if log_y and min(loss) > 0:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    if accuracy:
        ax = axes[1]
        ax.plot(range(1, len(accuracy) + 1), accuracy, color=CLASS_COLORS[2], lw=2, label="accuracy")
        if val_accuracy:
            ax.plot(
                range(1, len(val_accuracy) + 1),
                val_accuracy,
                color=CLASS_COLORS[1],
                lw=2,
                ls="--",
                label="validation accuracy",
            )
        ax.set(xlabel="epoch", ylabel="accuracy", title=f"{title}: accuracy", ylim=(-0.02, 1.02))
        ax.grid(alpha=0.3)
        ax.legend()
    return _finish(fig, path)


def _diverged(losses: Sequence[float]) -> bool:
    finite = [v for v in losses if math.isfinite(v)]
    return len(finite) < len(losses) or (len(finite) > 1 and finite[-1] > 10 * max(abs(finite[0]), 1e-12))


def plot_learning_rates(
    losses: Mapping[float, Sequence[float]],
    *,
    title: str = "Gradient descent with different learning rates",
    log_y: bool = True,
    path: str | Path | None = None,
) -> Any:
    """One loss curve per learning rate ({lr: [loss per step]}), to compare convergence speed.

    A curve that blows up (infinite, NaN, or ten times its start) is marked
    "diverged" in the legend: the learning rate was too large.
    """
    if not losses:
        raise ValueError("plot_learning_rates: give at least one learning rate: {lr: [losses]}")
    fig = _figure((6.4, 4.0))
    ax = fig.subplots()
    positive = True
    for k, (lr, curve) in enumerate(sorted(losses.items(), key=lambda item: float(item[0]))):
        values = [float(v) for v in curve]
        positive = positive and all(v > 0 for v in values if math.isfinite(v))
        label = f"lr = {float(lr):g}" + ("  (diverged)" if _diverged(values) else "")
        shown = [v if math.isfinite(v) else np.nan for v in values]
        ax.plot(range(len(values)), shown, lw=2, color=CLASS_COLORS[k % len(CLASS_COLORS)], label=label)
    if log_y and positive:
        ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="loss", title=title)
    ax.grid(alpha=0.3)
    ax.legend()
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


def decision_grid(
    model: Callable[..., Any], X: np.ndarray, resolution: int = 150, padding: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's outputs on a grid covering the data: (xx, yy, scores[ny, nx, outputs])."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: X must have shape (N, 2), got {X.shape}")
    predict, batched = _predictor(model, X[:2])
    n = resolution if batched else min(resolution, SCALAR_MAX_RESOLUTION)
    (x0, y0), (x1, y1) = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    with no_grad():
        scores = predict(np.column_stack([xx.ravel(), yy.ravel()]))
    return xx, yy, scores.reshape(n, n, -1)


def plot_decision_boundary(
    model: Callable[..., Any],
    X: Any,
    y: Any,
    *,
    threshold: float | None = None,
    resolution: int = 150,
    title: str = "Decision boundary",
    path: str | Path | None = None,
) -> Any:
    """The regions a 2-input model assigns to each class, with the data on top.

    `model` is called on an (N, 2) array (vectorized models, Tensor networks)
    or, failing that, on one point [x1, x2] at a time (scalar `Value`
    networks; then at most 60 x 60 grid points). One output: class 1 where
    output >= `threshold` (default 0.5 for outputs in [0, 1], else 0); several
    outputs: the largest wins.
    """
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(y).ravel()
    if len(labels) != len(X):
        raise ValueError(f"plot_decision_boundary: X has {len(X)} points but y has {len(labels)} labels")
    xx, yy, scores = decision_grid(model, X, resolution)
    fig = _figure((5.4, 4.6))
    ax = fig.subplots()
    from matplotlib.colors import ListedColormap

    if scores.shape[2] == 1:
        s = scores[:, :, 0]
        if threshold is None:
            threshold = 0.5 if (s.min() >= 0.0 and s.max() <= 1.0 and labels.min() >= 0) else 0.0
        lo, hi = float(np.nanmin(s)), float(np.nanmax(s))
        span = max(threshold - lo, hi - threshold, 1e-9)
        levels = np.linspace(threshold - span, threshold + span, 21)
        ax.contourf(xx, yy, s, levels=levels, cmap="RdBu_r", alpha=0.45, extend="both")
        if lo < threshold < hi:
            ax.contour(xx, yy, s, levels=[threshold], colors="#222222", linewidths=1.5)
    else:
        classes = scores.argmax(axis=2)
        k = scores.shape[2]
        cmap = ListedColormap([CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(k)])
        ax.contourf(xx, yy, classes, levels=np.arange(-0.5, k), cmap=cmap, alpha=0.3)
    for k, cls in enumerate(np.unique(labels)):
        mask = labels == cls
        color = CLASS_COLORS[k % len(CLASS_COLORS)] if scores.shape[2] > 1 else ("#2c5d9e", "#c0392b")[min(k, 1)]
        ax.scatter(
            X[mask, 0], X[mask, 1], s=36, color=color, edgecolors="white", linewidths=0.8, label=f"class {cls:g}"
        )
    ax.set(xlabel="x1", ylabel="x2", title=title, xlim=(xx.min(), xx.max()), ylim=(yy.min(), yy.max()))
    ax.legend(loc="best", framealpha=0.9)
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
    title: str = "Which boundary is better? Smaller mean squared distance",
    path: str | Path | None = None,
) -> Any:
    """The chapter's comparison: straight boundaries w1*x1 + w2*x2 + b = 0 side by side, each
    point's distance to the line drawn as a perpendicular segment, and the mean squared
    distance (the loss) in each legend. `boundaries` is a list of (w1, w2, b) or {name: (w1, w2, b)}.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_boundary_distances: X must have shape (N, 2), got {X.shape}")
    named = (
        dict(boundaries)
        if isinstance(boundaries, Mapping)
        else {f"boundary {chr(ord('A') + k)}": line for k, line in enumerate(boundaries)}
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
        ax.plot(xs, ys, color="#222222", lw=2, label=f"{name}: mean squared distance = {msd:.3f}", zorder=2)
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
                label=None if y is None else f"class {cls:g}",
            )
        ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x1", ylabel="x2", title=name)
        ax.set_aspect("equal")  # so the distance segments look perpendicular
        ax.grid(alpha=0.25)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=9, frameon=False)
    fig.suptitle(title)
    return _finish(fig, path)
