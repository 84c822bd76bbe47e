"""Plots: loss curves, learning rates, decision boundaries, the chapter's boundary distances."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from microgradnn import Value  # noqa: E402
from microgradnn.viz import (  # noqa: E402
    plot_boundary_distances,
    plot_decision_boundary,
    plot_learning_rates,
    plot_loss,
)
from microgradnn.viz.plots import decision_grid  # noqa: E402


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


# -------------------------------------------------------------------- curves
def test_loss_curve_from_a_history_like_object(tmp_path):
    history = SimpleNamespace(loss=[1.0, 0.5, 0.25, 0.2], accuracy=[0.25, 0.5, 0.75, 1.0])
    fig = plot_loss(history, path=tmp_path / "loss.png")
    assert isinstance(fig, Figure)
    loss_ax, acc_ax = fig.axes
    assert list(loss_ax.lines[0].get_ydata()) == history.loss
    assert list(loss_ax.lines[0].get_xdata()) == [1, 2, 3, 4]
    assert list(acc_ax.lines[0].get_ydata()) == history.accuracy
    assert (tmp_path / "loss.png").read_bytes().startswith(b"\x89PNG")
    fig.savefig(tmp_path / "loss.svg")
    assert b"<svg" in (tmp_path / "loss.svg").read_bytes()[:500]


def test_loss_curve_from_the_real_history_and_from_a_list():
    from microgradnn.training import History

    history = History()
    history.loss.extend([0.9, 0.4])
    fig = plot_loss(history)
    assert len(fig.axes) == 1  # no accuracy recorded: one panel
    assert list(fig.axes[0].lines[0].get_ydata()) == [0.9, 0.4]
    assert list(plot_loss([3.0, 2.0, 1.0], log_y=True).axes[0].lines[0].get_ydata()) == [3.0, 2.0, 1.0]
    with pytest.raises(ValueError, match="no losses"):
        plot_loss(SimpleNamespace(loss=[]))
    for wrong in (None, ["a", "b"]):
        with pytest.raises(TypeError, match="plot_loss: expected a History from fit\\(\\) or a list of numbers"):
            plot_loss(wrong)


def test_validation_curves_are_drawn_when_present():
    history = SimpleNamespace(loss=[1.0, 0.5], accuracy=[0.5, 0.9], val_loss=[1.1, 0.7], val_accuracy=[0.4, 0.8])
    fig = plot_loss(history)
    assert [list(line.get_ydata()) for line in fig.axes[0].lines] == [[1.0, 0.5], [1.1, 0.7]]
    assert "validation accuracy" in legend_texts(fig.axes[1])


def test_learning_rate_comparison_marks_divergence(tmp_path):
    curves = {0.01: [1.0, 0.99, 0.98], 0.5: [1.0, 0.3, 0.05], 3.0: [1.0, 5.0, 40.0]}
    fig = plot_learning_rates(curves, path=tmp_path / "lr.svg")
    ax = fig.axes[0]
    assert legend_texts(ax) == ["lr = 0.01", "lr = 0.5", "lr = 3  (diverged)"]
    assert [list(line.get_ydata()) for line in ax.lines] == [curves[0.01], curves[0.5], curves[3.0]]
    assert ax.get_yscale() == "log"
    assert (tmp_path / "lr.svg").exists()
    nan_fig = plot_learning_rates({1.0: [1.0, float("inf")]})
    assert legend_texts(nan_fig.axes[0]) == ["lr = 1  (diverged)"]
    with pytest.raises(ValueError, match="at least one learning rate"):
        plot_learning_rates({})
    with pytest.raises(TypeError, match=r"expected a dict of learning rate -> losses, got list \[1, 2\]"):
        plot_learning_rates([1, 2])


# -------------------------------------------------------- decision boundary
XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def test_vectorized_model_boundary_follows_the_model():
    def model(points):  # class 1 above the line x2 = x1
        return points[:, 1] - points[:, 0]

    y = np.array([0, 1, 0, 0])
    fig = plot_decision_boundary(model, XOR, y, resolution=41)
    ax = fig.axes[0]
    # the drawn boundary (threshold 0 for outputs that are not probabilities) is the line x2 = x1
    contour_lines = [c for c in ax.collections if hasattr(c, "get_paths") and c.get_linewidth().size]
    vertices = np.concatenate([p.vertices for c in contour_lines for p in c.get_paths() if len(p.vertices)])
    boundary = vertices[np.abs(vertices[:, 1] - vertices[:, 0]) < 1e-9]
    assert len(boundary) > 10
    assert legend_texts(ax) == ["class 0", "class 1"]


def test_scalar_model_is_called_point_by_point():
    calls = []

    def scalar_model(x):  # a Value network takes [x1, x2] and returns a Value
        calls.append(x)
        return (Value(x[0]) * 2.0 - Value(x[1])).sigmoid()

    xx, yy, scores = decision_grid(scalar_model, XOR, resolution=100)
    assert scores.shape == (60, 60, 1)  # capped: scalar models are slow
    expected = 1.0 / (1.0 + np.exp(-(2.0 * xx - yy)))
    np.testing.assert_allclose(scores[:, :, 0], expected, rtol=1e-12)
    assert isinstance(calls[0], np.ndarray)  # first it is offered the whole array, which it cannot take
    assert all(isinstance(c, list) and len(c) == 2 for c in calls[1:])
    fig = plot_decision_boundary(scalar_model, XOR, [0, 1, 1, 0], resolution=20)
    assert isinstance(fig, Figure)


def test_multi_output_model_colors_the_argmax_class():
    def model(points):  # three classes by the larger coordinate, or the third when both are small
        return np.column_stack([points[:, 0], points[:, 1], 0.5 - points.sum(axis=1)])

    X = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    xx, yy, scores = decision_grid(model, X, resolution=30)
    assert scores.shape == (30, 30, 3)
    # grid cell (row r, column c) is the point (xx[r, c], yy[r, c]): check the wiring at a few cells
    for r, c in [(0, 0), (3, 25), (29, 2), (15, 15)]:
        x1, x2 = xx[r, c], yy[r, c]
        np.testing.assert_allclose(scores[r, c], [x1, x2, 0.5 - x1 - x2])
    fig = plot_decision_boundary(model, X, [0, 1, 2], resolution=30)
    assert legend_texts(fig.axes[0]) == ["class 0", "class 1", "class 2"]


def test_decision_boundary_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        plot_decision_boundary(lambda p: p[:, 0], np.zeros((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="4 points but y has 3 labels"):
        plot_decision_boundary(lambda p: p[:, 0], XOR, [0, 1, 0])
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\) with N >= 1, got \(0, 2\)"):
        plot_decision_boundary(lambda p: p[:, 0], np.zeros((0, 2)), [])
    with pytest.raises(TypeError, match=r"X must be an \(N, 2\) array of numbers"):
        plot_decision_boundary(lambda p: p[:, 0], None, [0, 1])
    for resolution in (0, 1, 2.5, True):
        with pytest.raises(ValueError, match=f"resolution must be an int >= 2.*got {resolution!r}"):
            plot_decision_boundary(lambda p: p[:, 0], XOR, [0, 1, 1, 0], resolution=resolution)

    def broken(x):
        raise RuntimeError("nope")

    with pytest.raises(TypeError, match="cannot call the model"):
        plot_decision_boundary(broken, XOR, [0, 1, 1, 0])


# ----------------------------------------------------------- the chapter
def test_two_boundaries_with_distances_and_mean_squared_distance(tmp_path):
    X = np.array([[0.0, 1.0], [0.0, -1.0], [2.0, 0.0]])
    # horizontal line x2 = 0: distances 1, 1, 0 -> mean square 2/3
    # vertical line x1 = 0: distances 0, 0, 2 -> mean square 4/3
    fig = plot_boundary_distances(
        X, {"flat": (0.0, 1.0, 0.0), "upright": (1.0, 0.0, 0.0)}, [0, 1, 1], path=tmp_path / "b.png"
    )
    flat, upright = fig.axes
    assert "flat: mean squared distance = 0.667" in legend_texts(flat)
    assert "upright: mean squared distance = 1.333" in legend_texts(upright)
    # one dotted segment per point, from the point to its foot on the line
    segments = [line for line in flat.lines if line.get_linestyle() == ":"]
    ends = sorted((tuple(s.get_xdata()), tuple(s.get_ydata())) for s in segments)
    assert ends == [((0.0, 0.0), (-1.0, 0.0)), ((0.0, 0.0), (1.0, 0.0)), ((2.0, 2.0), (0.0, 0.0))]
    assert (tmp_path / "b.png").read_bytes().startswith(b"\x89PNG")


def test_slanted_boundary_segments_are_perpendicular():
    X = np.array([[1.0, 1.0], [3.0, 0.0]])
    fig = plot_boundary_distances(X, [(1.0, 1.0, 0.0)])  # the line x1 + x2 = 0
    ax = fig.axes[0]
    segments = [line for line in ax.lines if line.get_linestyle() == ":"]
    # (1, 1) -> (0, 0) and (3, 0) -> (1.5, -1.5), both along the normal (1, 1)
    got = [(list(s.get_xdata()), list(s.get_ydata())) for s in segments]
    assert got == [([1.0, 0.0], [1.0, 0.0]), ([3.0, 1.5], [0.0, -1.5])]
    # distances sqrt(2) and 3/sqrt(2): mean square (2 + 4.5) / 2 = 3.25
    assert legend_texts(ax) == ["boundary A: mean squared distance = 3.250"]
    with pytest.raises(ValueError, match="w1 = w2 = 0"):
        plot_boundary_distances(X, [(0.0, 0.0, 1.0)])


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "microgradnn\[plot\]"'):
        plot_loss([1.0, 0.5])


# ------------------------------------------------- languages, classes, scales
def all_texts(fig) -> list[str]:
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return [t for t in texts if t]


def test_korean_titles_labels_and_legends_in_a_cjk_font(tmp_path):
    from microgradnn.viz.fonts import cjk_font_file

    history = SimpleNamespace(loss=[1.0, 0.5], accuracy=[0.5, 1.0])
    fig = plot_loss(history, lang="ko", path=tmp_path / "ko.png")
    texts = all_texts(fig)
    assert "에포크" in texts and "손실" in texts and "정확도" in texts
    assert not any(t in texts for t in ("epoch", "loss", "accuracy"))
    fig = plot_decision_boundary(lambda p: p[:, 0] - 0.5, XOR, [0, 1, 1, 0], lang="ko")
    assert legend_texts(fig.axes[0]) == ["클래스 0", "클래스 1"]
    assert fig.axes[0].get_title() == "결정 경계"
    fig = plot_learning_rates({0.1: [1.0, 0.5], 10.0: [1.0, 50.0]}, lang="ko")
    assert "lr = 10  (발산)" in legend_texts(fig.axes[0])
    if cjk_font_file() is not None:  # the Korean text is drawn in a font that has Hangul
        family = fig.axes[0].title.get_fontfamily()[0]
        assert "CJK" in family or "Gothic" in family, family
    with pytest.raises(ValueError, match=r"lang='fr'.*en, ko"):
        plot_loss([1.0], lang="fr")


def test_three_classes_get_three_colours_a_legend_and_boundary_lines():
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    X = np.concatenate([centres + d for d in ([0.2, 0.1], [-0.1, 0.2], [0.1, -0.2])])
    y = np.tile([0, 1, 2], 3)

    def scores(points):  # nearest centre wins
        return -((points[:, None, :] - centres[None]) ** 2).sum(axis=2)

    fig = plot_decision_boundary(scores, X, y, resolution=60)
    ax = fig.axes[0]
    assert legend_texts(ax) == ["class 0", "class 1", "class 2"]
    colours = {tuple(np.round(c.get_facecolor()[0], 3)) for c in ax.collections if c.get_offsets().shape[0] == 3}
    assert len(colours) == 3  # one colour per class, classes 1 and 2 not both red
    from matplotlib.contour import ContourSet

    lines = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
    vertices = np.concatenate([p.vertices for c in lines for p in c.get_paths() if len(p.vertices)])
    # the boundary between classes 0 and 1 is the line x1 = 1.5 (for x2 well below the third centre)
    low = vertices[vertices[:, 1] < 0.5]
    assert len(low) > 3 and np.allclose(low[:, 0], 1.5, atol=0.05)


def test_loss_spanning_decades_is_on_a_log_scale_with_integer_epochs():
    fig = plot_loss([10.0**-k for k in range(6)])
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    ticks = [t for t in ax.get_xticks() if 1 <= t <= 6]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert plot_loss([1.0, 0.8, 0.7]).axes[0].get_yscale() == "linear"


def test_figures_show_inline_without_a_backend():
    fig = plot_loss([1.0, 0.5])
    assert fig._repr_png_().startswith(b"\x89PNG")  # what Jupyter shows, with no %matplotlib magic
    # No backend is chosen for the user: checked in a fresh interpreter (other tests here may import pyplot).
    code = (
        "import sys\nfrom microgradnn.viz import plot_loss\nplot_loss([1.0, 0.5])._repr_png_()\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_a_model_that_returns_class_numbers_is_not_read_as_binary():
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    X = np.concatenate([centres + d for d in ([0.2, 0.1], [-0.1, 0.2])])
    y = np.tile([0, 1, 2], 2)

    def argmax_model(points):  # what a command line's predict() gives: the class, not its scores
        return (-((points[:, None, :] - centres[None]) ** 2).sum(axis=2)).argmax(axis=1)

    fig = plot_decision_boundary(argmax_model, X, y, resolution=40)
    ax = fig.axes[0]
    from matplotlib.contour import ContourSet

    filled = next(c for c in ax.collections if isinstance(c, ContourSet) and c.filled)
    assert len(filled.levels) == 4  # three class regions (-0.5, 0.5, 1.5, 2.5), not two
    assert legend_texts(ax) == ["class 0", "class 1", "class 2"]


def test_titles_are_literal_text_not_matplotlib_math():
    fig = plot_loss([1.0, 0.5], title="costs $5 or $10")
    assert fig.axes[0].get_title() == r"costs \$5 or \$10: loss"  # drawn as written, no math italics
    plot_loss([1.0, 0.5], title="$$").canvas.draw()  # a lone pair of dollars was a raw mathtext ParseException


def test_titles_with_lone_surrogates_or_bidi_controls_draw_with_visible_escapes():
    odd = "a\ud800b\u202ec"  # matplotlib cannot draw a lone surrogate (a raw TypeError); U+202E would reorder
    shown = "a\\ud800b\\u202ec"
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    figures = {
        "plot_loss": plot_loss([1.0, 0.5], title=odd),
        "plot_learning_rates": plot_learning_rates({0.1: [1.0, 0.5]}, title=odd),
        "plot_decision_boundary": plot_decision_boundary(lambda p: p[:, 0] - p[:, 1], X, [0, 1], title=odd),
        "plot_boundary_distances": plot_boundary_distances(X, {odd: (1.0, 1.0, -0.5)}, title=odd),
    }
    for name, fig in figures.items():
        fig.canvas.draw()  # every text is drawn
        titles = [ax.get_title() for ax in fig.axes] + [fig._suptitle.get_text() if fig._suptitle else ""]
        assert any(shown in t for t in titles), (name, titles)
        assert not any("\ud800" in t or "\u202e" in t for t in titles), name
