"""The curvature step on the chapter's trained network: its numbers are true, and it runs in both languages.

`compute()` is run once (it trains the network: about two seconds) and shared by the tests.
"""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from microgradnn import Value, grad
from microgradnn.functional import hessian
from microgradnn.tour import curvature_network as C
from microgradnn.tour.context import TourContext
from microgradnn.tour.network import PARAMETER_NAMES, parameters
from microgradnn.tour.training import train

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def trained():
    net, _ = train()
    return net


@pytest.fixture(scope="module")
def numbers(trained):
    before = [p.data for p in parameters(trained)]
    n = C.compute(trained)
    assert [p.data for p in parameters(trained)] == before  # compute leaves the network as it found it
    return n


def _loss_at(net, values):
    params = parameters(net)
    old = [p.data for p in params]
    try:
        for p, v in zip(params, values):
            p.data = float(v)
        return C.xor_loss(net).data
    finally:
        for p, v in zip(params, old):
            p.data = v


def test_the_slice_minimum_and_its_curvature_match_finite_differences(trained, numbers) -> None:
    base = [p.data for p in parameters(trained)]
    k = PARAMETER_NAMES.index(C.WEIGHT)

    def at(w):
        values = list(base)
        values[k] = w
        return _loss_at(trained, values)

    h, w = 1e-3, numbers.w_star
    slope = (at(w + h) - at(w - h)) / (2 * h)
    curvature = (at(w + h) - 2 * at(w) + at(w - h)) / h**2
    assert abs(slope) < 1e-8
    assert numbers.curvature == pytest.approx(curvature, rel=1e-4)
    assert numbers.threshold == pytest.approx(2 / curvature, rel=1e-4)


def test_gradient_descent_converges_below_the_threshold_and_runs_away_above(numbers) -> None:
    for alpha in numbers.descent:
        d = numbers.distances(alpha)
        if alpha < numbers.threshold:
            assert d[-1] < 1e-2 * d[0], (alpha, d[-1])
        else:
            assert d[-1] > 10 * d[0], (alpha, d[-1])
    # near w* each step multiplies the distance by about 1 - alpha L'' (its sign flips above 1 / L'')
    alpha = 0.25 * numbers.threshold
    ws = numbers.descent[alpha]
    ratio = (ws[3] - numbers.w_star) / (ws[2] - numbers.w_star)
    assert ratio == pytest.approx(1 - alpha * numbers.curvature, abs=0.02)


def test_newton_reaches_the_minimum_in_a_few_steps(numbers) -> None:
    distances = [abs(w - numbers.w_star) for w in numbers.newton]
    assert distances[0] == pytest.approx(C.OFFSET)
    assert distances[3] < 1e-10


def test_the_hessian_is_the_xor_loss_hessian(trained, numbers) -> None:
    values = [p.data for p in parameters(trained)]
    H = numbers.hessian
    assert H.shape == (9, 9)
    np.testing.assert_allclose(H, H.T, atol=1e-12)

    def loss_of(*ps):  # the same network written out, as a function of its nine parameters
        w1, w2, b1, w3, w4, b2, w5, w6, b3 = ps
        total = Value(0.0)
        for (x1, x2), y in (((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)):
            a1 = (w1 * x1 + w2 * x2 + b1).sigmoid()
            a2 = (w3 * x1 + w4 * x2 + b2).sigmoid()
            total = total + ((w5 * a1 + w6 * a2 + b3).sigmoid() - y) ** 2
        return total / 4

    assert _loss_at(trained, values) == pytest.approx(loss_of(*[Value(v) for v in values]).data)
    np.testing.assert_allclose(H, np.array(hessian(loss_of, [Value(v) for v in values])), atol=1e-12)
    # one column by central differences of the gradient
    eps, j = 1e-6, 7
    plus, minus = list(values), list(values)
    plus[j] += eps
    minus[j] -= eps
    gp = grad(loss_of(*(ps := [Value(v) for v in plus])), ps)
    gm = grad(loss_of(*(ms := [Value(v) for v in minus])), ms)
    np.testing.assert_allclose(H[:, j], (np.array(gp) - np.array(gm)) / (2 * eps), atol=1e-8)
    assert numbers.top_threshold == pytest.approx(2 / np.linalg.eigvalsh(H)[-1])


def test_lambda_max_bounds_the_learning_rate_of_all_nine_weights(numbers) -> None:
    (below, low), (above, high) = numbers.network_losses.items()
    assert below < numbers.top_threshold < above
    assert low[-1] < low[0]  # settles back into the valley
    assert max(high) > 100 * high[0]  # thrown out of it


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_texts_exist_in_both_languages_with_the_same_fields() -> None:
    en, ko = C.TEXTS["en"], C.TEXTS["ko"]
    assert set(en) == set(ko)
    for key in en:
        assert _fields(en[key]) == _fields(ko[key]), key
        assert re.search("[가-힣]", ko[key]), key


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_step_runs_and_draws(lang: str, tmp_path: Path, numbers, monkeypatch) -> None:
    from microgradnn.tour import LANGUAGES

    monkeypatch.setattr(C, "compute", lambda: numbers)  # the numbers were checked above; no second training
    texts = LANGUAGES[lang]
    before = dict(texts)
    printed = io.StringIO()
    ctx = TourContext(tmp_path, texts, verbose=True, stream=printed, lang=lang)
    ctx.number = 9
    report = C.run(ctx)
    assert texts == before  # the tour's own text tables are not changed
    assert report.title.endswith(C.TEXTS[lang]["curvature_net.title"])
    (figure,) = report.figures
    assert (tmp_path / figure.path).stat().st_size > 10_000
    shown = printed.getvalue()
    assert f"{numbers.threshold:.1f}" in shown and f"{numbers.top_threshold:.1f}" in shown
    assert f"{numbers.curvature:.4g}" in shown
    if lang == "ko":
        assert "곡률" in report.title and "헤세 행렬" in shown
    assert any("λmax" in t for t in figure.texts)
