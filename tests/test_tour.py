"""The tour runs end to end, writes every file it promises, and prints the right numbers.

The expected numbers are computed here independently (closed forms, plain
floats), never taken from the tour's own code. `tour_run(lang)` runs the whole
tour once per language for every test module that reads it (test_tour*.py).
"""

from __future__ import annotations

import atexit
import functools
import html
import io
import math
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from microgradnn.cli import main
from microgradnn.tour import LANGUAGES, run_tour

EN, KO = LANGUAGES["en"], LANGUAGES["ko"]  # the tour's texts and those its step modules carry

XOR = [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]
# The chapter's order: forward pass, loss, gradient descent, (no gradient through the step), backprop, training.
ORDER = ["forward", "loss", "descent", "curvature", "no_gradient", "backprop", "topo", "training", "curvature_net"]
PROMISED = [
    "step1_network.svg",
    "step1_graph.svg",
    "step2_boundaries.png",
    "step3_learning_rates.png",
    "step3_paths.png",
    "step4_threshold.png",
    "step5_step_graph.svg",
    "step5_activations.png",
    "step6_graph.svg",
    "step6_network.svg",
    "step6_backprop.html",
    "step6_backprop.gif",
    "step7_reused.svg",
    "step7_diamond.svg",
    "step7_naive_vs_ours.png",
    "step8_loss.png",
    "step8_boundary.png",
    "step9_curvature.png",
    "index.html",
]
GRAPHS = ["step1_graph", "step5_step_graph", "step6_graph", "step7_reused", "step7_diamond"]


@functools.cache
def tour_run(lang: str):
    """The whole tour in `lang`, run once per test session: (result, what it printed, its folder)."""
    out = Path(tempfile.mkdtemp(prefix=f"microgradnn-tour-{lang}-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    stream = io.StringIO()
    result = run_tour(out, lang=lang, stream=stream)
    return result, stream.getvalue(), out


@pytest.fixture(scope="module")
def tour():
    return tour_run("en")


def _step(result, key: str):
    (report,) = [r for r in result.reports if r.key == key]
    return report


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_every_promised_file_exists(tour) -> None:
    result, _, out = tour
    for name in PROMISED:
        path = out / name
        assert path.is_file() and path.stat().st_size > 0, name
    assert sorted(p.name for p in result.files()) == sorted(PROMISED)
    assert not result.graphviz_missing
    assert (out / "step1_graph.svg").read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    assert (out / "step6_backprop.gif").read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    assert (out / "step5_activations.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_index_presents_every_step_offline(tour) -> None:
    result, _, out = tour
    page = (out / "index.html").read_text(encoding="utf-8")
    assert [r.key for r in result.reports] == ORDER
    for number, key in enumerate(ORDER, start=1):
        assert html.escape(f"Step {number}. {EN[key + '.title']}") in page
    for name in PROMISED[:-1]:
        assert f'"{name}"' in page, name
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "index.html must work offline"
    # Each picture sits where the step drew it: the book's network before the forward table, the graph after it.
    rows = page.index(EN["forward.rows"].split(":")[0])
    assert page.index('"step1_network.svg"') < rows < page.index('"step1_graph.svg"')


def test_it_reports_its_running_time(tour) -> None:
    # How long it takes is measured by the benchmark suite (benchmarks/run.py), never by a timed test.
    result, output, _ = tour
    assert f"Done in {result.seconds:.1f} s" in output


def test_forward_table_equals_xor(tour) -> None:
    result, output, _ = tour
    (table,) = [content for kind, content in _step(result, "forward").blocks if kind == "table"]
    assert table in output
    rows = [line.split() for line in table.splitlines()[2:]]
    assert [[float(c) for c in row] for row in rows] == [
        # x1, x2, a1 = AND, a2 = OR, y' = XOR, y
        [x1, x2, float(x1 and x2), float(x1 or x2), float(y), float(y)]
        for (x1, x2), y in XOR
    ]
    assert "4 of 4 rows" in output


def test_every_gradient_through_the_step_is_zero(tour) -> None:
    result, _, _ = tour
    numbers = _step(result, "no_gradient").numbers
    assert numbers["grads_step"] == [0.0] * 9
    # Step outputs are 0 or 1, so the mean squared error is (rows wrong) / 4, and rows are wrong.
    assert numbers["wrong"] > 0
    assert numbers["loss_step"] == numbers["wrong"] / 4
    assert numbers["row_losses"] == [0.0, 0.0, 1.0, 1.0]
    # The row drawn, x = (1, 1) with y = 0: y' = 1, so its own loss is 1, dL/dy' = 2 (y' - y) = 2, dL/dy = -2.
    row = numbers["row"]
    assert (row["y_pred"], row["L"], row["grad_y_pred"], row["grad_y"], row["grad_z3"]) == (1.0, 1.0, 2.0, -2.0, 0.0)
    assert all(abs(g) > 1e-3 for g in numbers["grads_sigmoid"])


def test_loss_numbers(tour) -> None:
    result, output, _ = tour
    numbers = _step(result, "loss").numbers
    # Line A is x2 = x1; every point lies one unit off the diagonal, at distance 1/sqrt(2).
    assert numbers["msd_a"] == pytest.approx(0.5, abs=1e-12)
    rows_b = [(0, 1), (1, 2), (2, 3), (3, 4), (1, 0), (2, 1), (3, 2), (4, 3)]
    msd_b = sum((-0.6 * a + b - 0.9) ** 2 / (0.36 + 1) for a, b in rows_b) / 8
    assert numbers["msd_b"] == pytest.approx(msd_b, abs=1e-12)
    assert numbers["better"] == "A"
    y, good, bad = [1, 0, 1, 1, 0], [0.9, 0.2, 0.8, 0.7, 0.1], [0.6, 0.5, 0.4, 0.7, 0.3]
    for p, key in ((good, "good"), (bad, "bad")):
        mse = sum((pi - yi) ** 2 for pi, yi in zip(p, y)) / 5
        ce = -sum(yi * math.log(pi) + (1 - yi) * math.log(1 - pi) for pi, yi in zip(p, y)) / 5
        assert numbers[f"{key}_mse"] == pytest.approx(mse, rel=1e-9)
        assert numbers[f"{key}_ce"] == pytest.approx(ce, rel=1e-6)
        assert f"{mse:.4f}" in output and f"{ce:.4f}" in output
    # The margin caveat: the point (1, 0) is on the right side of line B, 1.286 from it; as cross-entropy on
    # p = sigmoid(signed distance) it costs ln(1 + e^-d), and line A, 1/sqrt(2) from every point, wins.
    caveat = numbers["caveat"]
    d_far = (-0.6 * 1 + 0 - 0.9) / math.sqrt(1.36)  # negative: below the line, where class 0 belongs
    assert caveat["far_point"] == "(1, 0)" and caveat["far_distance"] == pytest.approx(-d_far, rel=1e-12)
    assert caveat["far_ce"] == pytest.approx(math.log1p(math.exp(d_far)), rel=1e-12)
    assert caveat["ce_a"] == pytest.approx(math.log1p(math.exp(-1 / math.sqrt(2))), rel=1e-12)
    assert caveat["ce_a"] < caveat["ce_b"]


def test_gradient_descent_follows_the_closed_form(tour) -> None:
    result, _, _ = tour
    numbers = _step(result, "descent").numbers
    # L(w) = (2w - 1)^2: w_t - 1/2 = (1 - 8 alpha)^t (w_0 - 1/2).
    behaviour = {}
    for name, lr in numbers["learning_rates"].items():
        weights, losses = numbers["runs"][name]
        factor = 1 - 8 * lr
        for t, w in enumerate(weights):
            assert w == pytest.approx(0.5 + factor**t * (-1.0 - 0.5), rel=1e-9, abs=1e-12)
            assert losses[t] == pytest.approx((2 * w - 1) ** 2, rel=1e-9, abs=1e-15)
        behaviour[name] = factor
    assert 0 < behaviour["small"] < 1 and 0 <= abs(behaviour["good"]) < 0.5
    assert -1 < behaviour["oscillating"] < 0 and behaviour["diverging"] < -1


def test_curvature_is_the_second_derivative_and_bounds_the_learning_rate(tour) -> None:
    result, output, _ = tour
    numbers = _step(result, "curvature").numbers
    # L(w) = (2w - 1)^2: L'(-1) = 4 (2w - 1) = -12, L'' = 8, Newton: -1 - (-12) / 8 = 0.5, the minimum.
    assert (numbers["slope"], numbers["curvature"], numbers["newton"]) == (-12.0, 8.0, 0.5)
    assert numbers["factors"] == pytest.approx({"small": 0.96, "good": 0.2, "oscillating": -0.76, "diverging": -1.08})
    # The Hessian of the XOR loss by central differences of the loss itself, in plain floats.
    params = [0.5, -0.4, 0.1, -0.3, 0.8, -0.2, 0.7, -0.6, 0.05]

    def loss(p: list[float]) -> float:
        w1, w2, b1, w3, w4, b2, w5, w6, b3 = p
        total = 0.0
        for (x1, x2), y in XOR:
            a1, a2 = _sigmoid(w1 * x1 + w2 * x2 + b1), _sigmoid(w3 * x1 + w4 * x2 + b2)
            total += (_sigmoid(w5 * a1 + w6 * a2 + b3) - y) ** 2
        return total / 4

    def at(i: int, j: int, di: float, dj: float) -> float:
        p = list(params)
        p[i] += di
        p[j] += dj
        return loss(p)

    h = 1e-4
    numeric = np.array(
        [
            [(at(i, j, h, h) - at(i, j, h, -h) - at(i, j, -h, h) + at(i, j, -h, -h)) / (4 * h * h) for j in range(9)]
            for i in range(9)
        ]
    )
    np.testing.assert_allclose(numbers["hessian"], numeric, atol=1e-6)
    assert numbers["top"] == pytest.approx(max(np.linalg.eigvalsh(numeric)), abs=1e-6)
    assert f"{2 / numbers['top']:.1f}" in output


def test_backprop_chain_rule_product_matches_gradcheck(tour) -> None:
    result, output, _ = tour
    numbers = _step(result, "backprop").numbers
    # The same forward pass in plain floats: w1..b3 and x = (1, 0), y = 1.
    w1, w2, b1, w3, w4, b2, w5, w6, b3 = 0.5, -0.4, 0.1, -0.3, 0.8, -0.2, 0.7, -0.6, 0.05
    x1, x2, y = 1.0, 0.0, 1.0
    a1 = _sigmoid(w1 * x1 + w2 * x2 + b1)
    a2 = _sigmoid(w3 * x1 + w4 * x2 + b2)
    yp = _sigmoid(w5 * a1 + w6 * a2 + b3)
    expected = 2 * (yp - y) * yp * (1 - yp) * w5 * a1 * (1 - a1) * x1
    assert numbers["product"] == pytest.approx(expected, rel=1e-12)
    assert numbers["grad"] == pytest.approx(expected, rel=1e-12)
    assert numbers["numeric"] == pytest.approx(expected, rel=1e-6)
    assert numbers["loss"] == pytest.approx((yp - y) ** 2, rel=1e-12)
    assert f"= {expected:.9f}" in output
    assert f"gives {numbers['numeric']:.9f}" in output
    # Backward visits each node with inputs once: L, (-), y', z3, a1, z1, a2, z2.
    assert len(numbers["steps"]) == 8
    assert numbers["steps"][0].startswith("step 0: L[")


def test_training_learns_xor(tour) -> None:
    result, output, _ = tour
    numbers = _step(result, "training").numbers
    assert [round(p) for p in numbers["predictions"]] == [y for _, y in XOR]
    assert numbers["losses"][-1] < numbers["losses"][0] / 100
    assert "4 of 4 rows" in output.split(EN["training.title"])[1]


def test_naive_recursion_is_wrong_and_backward_is_right(tour) -> None:
    result, _, _ = tour
    numbers = _step(result, "topo").numbers
    # c = b + b = 4a: dc/db = 2, dc/da = 4. The recursion enters b twice, handing on 1 then 2: a gets 2 + 4.
    assert numbers["reused"]["ours"] == {"a": 4.0, "b": 2.0, "c": 1.0}
    assert numbers["reused"]["naive"]["a"] == 6.0
    # d = 3a + 4a with a = 2x: dd/da = 7, dd/dx = 14. The recursion hands a on to x at 3 and again at 7: 2 * 10.
    assert numbers["diamond"]["ours"] == {"x": 14.0, "a": 7.0, "b": 1.0, "c": 1.0, "d": 1.0}
    assert numbers["diamond"]["naive"]["x"] == 20.0
    order = numbers["diamond"]["order"]
    assert order[0] == "d" and order[-1] == "x" and order.index("a") > max(order.index("b"), order.index("c"))


def test_texts_match_in_both_languages() -> None:
    assert EN.keys() == KO.keys()
    fields = re.compile(r"\{(\w+)")
    for key in EN:
        assert set(fields.findall(EN[key])) == set(fields.findall(KO[key])), key
        assert re.search("[가-힣]", KO[key]), f"{key} is not translated"


def test_korean_tour_without_graphviz_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "no-programs"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no `dot` anywhere
    out = tmp_path / "tour"
    assert main(["tour", "--out", str(out), "--lang", "ko"]) == 0
    printed = capsys.readouterr().out
    for number, key in enumerate(ORDER, start=1):
        assert f"{number}단계. {KO[key + '.title']}" in printed
    assert printed.count("apt-get install graphviz") == 1  # said once, with how to install
    for name in GRAPHS:
        source = (out / f"{name}.dot").read_text(encoding="utf-8")
        assert source.startswith("digraph")
        assert not (out / f"{name}.svg").exists()
    for name in ("step5_activations.png", "step3_learning_rates.png", "step8_boundary.png", "index.html"):
        assert (out / name).is_file(), name
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in page
    assert "step1_graph.dot" in page


def test_quiet_prints_only_where_the_files_went(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tour"
    assert main(["tour", "--out", str(out), "--quiet", "--step", "7"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"  -> {out / name}" for name in ("step7_reused.svg", "step7_diamond.svg", "step7_naive_vs_ours.png")
    ] + [f"  -> {out / 'index.html'}"]
    assert all(Path(line.removeprefix("  -> ")).is_file() for line in lines)


def test_step_runs_only_the_steps_asked_for(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tour"
    assert main(["tour", "--out", str(out), "--step", "3", "--step", "1"]) == 0
    printed = capsys.readouterr().out
    assert f"Step 1. {EN['forward.title']}" in printed and f"Step 3. {EN['descent.title']}" in printed
    assert EN["loss.title"] not in printed and EN["training.title"] not in printed
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("step")) == sorted(
        ["step1_network.svg", "step1_graph.svg", "step3_learning_rates.png", "step3_paths.png"]
    )
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="step1"' in page and 'id="step3"' in page and 'id="step2"' not in page


def test_step_out_of_range_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tour", "--out", str(tmp_path / "t"), "--step", "10"]) == 2
    assert "--step 10: the tour has steps 1 to 9" in capsys.readouterr().err
    with pytest.raises(ValueError, match="no step 0"):
        run_tour(tmp_path / "t", steps=[0], verbose=False)


class _FakeBrowser:
    def __init__(self, opens: bool) -> None:
        self.opens, self.uris = opens, []

    def open(self, uri: str) -> bool:
        self.uris.append(uri)
        return self.opens


def test_open_shows_the_index_in_a_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import webbrowser

    browser = _FakeBrowser(opens=True)
    monkeypatch.setattr(webbrowser, "get", lambda: browser)
    out = tmp_path / "tour"
    assert main(["tour", "--out", str(out), "--step", "7", "--quiet", "--open"]) == 0
    assert browser.uris == [(out / "index.html").resolve().as_uri()]
    assert f"opened {browser.uris[0]}" in capsys.readouterr().out


def test_open_without_a_browser_says_how_to_open_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import webbrowser

    def no_browser():
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", no_browser)
    assert main(["tour", "--out", str(tmp_path / "tour"), "--step", "7", "--quiet", "--open"]) == 0
    assert "no browser found to open it; open file://" in capsys.readouterr().out


def _chromium() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    path = os.environ.get("MICROGRADNN_CHROMIUM") or "/usr/bin/chromium"
    return path if Path(path).exists() or shutil.which(path) else None


@pytest.mark.skipif(_chromium() is None and not os.environ.get("CI"), reason="no Chromium or playwright (CI=1 fails)")
def test_index_in_a_real_browser(tour, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    result, _, _ = tour
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(result.index.resolve().as_uri())
        page.wait_for_load_state("load")
        # Every picture loads, and every step is one click away in the list at the top.
        broken = page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        assert broken == [] and page.locator("img").count() >= 14
        links = page.eval_on_selector_all("nav a", "as => as.map(a => [a.textContent, a.getAttribute('href')])")
        assert [text for text, _ in links] == [r.title for r in result.reports]
        for _, href in links:
            assert page.locator(href).count() == 1
        page.click(f"nav a[href='#step{len(result.reports)}']")
        assert page.evaluate("window.scrollY") > 1000
        page.screenshot(path=str(tmp_path / "index.png"))
        browser.close()
    assert errors == []
