"""The README's code runs as printed, and the numbers it prints and draws are right.

Its first example once called backward() and then backward_steps(), which ran
two passes and doubled every leaf gradient; here each block runs in a fresh
folder, and the gradients it leaves behind are checked against finite
differences and against what its pictures show.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
HAVE_DOT = shutil.which("dot") is not None


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def run_block(code: str, folder: Path, monkeypatch) -> tuple[dict, str]:
    monkeypatch.chdir(folder)
    namespace: dict = {"__name__": "__readme__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), namespace)
    return namespace, out.getvalue()


def test_the_readme_has_its_examples():
    blocks = python_blocks()
    assert len(blocks) >= 2
    assert "backward_steps()" in blocks[0]
    assert not re.search(r"\.backward\(\)", blocks[0].split("#")[0])  # one pass, not two


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz 'dot' is not installed")
def test_first_look_prints_and_draws_the_right_gradients(tmp_path, monkeypatch):
    ns, printed = run_block(python_blocks()[0], tmp_path, monkeypatch)
    x, w, b = ns["x"].data, ns["w"].data, ns["b"].data

    def f(x: float, w: float, b: float) -> float:
        return math.tanh(x * w + b)

    h = 1e-6
    numeric = [
        (f(x + h, w, b) - f(x - h, w, b)) / (2 * h),
        (f(x, w + h, b) - f(x, w - h, b)) / (2 * h),
        (f(x, w, b + h) - f(x, w, b - h)) / (2 * h),
    ]
    grads = [ns["x"].grad, ns["w"].grad, ns["b"].grad]
    assert grads == pytest.approx(numeric, rel=1e-6)  # one pass: not doubled
    last_line = printed.strip().splitlines()[-1]
    assert [float(v) for v in last_line.split()] == pytest.approx(grads)
    # the picture shows the same numbers
    from test_viz_graph import svg_texts

    shown = " ".join(svg_texts((tmp_path / "neuron.svg").read_bytes()))
    assert f"{grads[0]:.4f}" in shown and f"{grads[1]:.4f}" in shown
    # and so does the player's last frame
    from test_viz_player import embedded_data

    data = embedded_data((tmp_path / "backprop.html").read_text(encoding="utf-8"))
    graph = data["views"][0]
    state = dict(graph["base"]["txt"])
    for delta in graph["deltas"]:
        state.update(delta["txt"])
    assert f"grad {grads[0]:.4f}" in state.values() and f"grad {grads[1]:.4f}" in state.values()
    assert ns["x"].grad == grads[0]  # drawing the player changed no gradient


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz 'dot' is not installed")
def test_the_network_example_writes_its_pictures(tmp_path, monkeypatch):
    pytest.importorskip("PIL")
    run_block(python_blocks()[1], tmp_path, monkeypatch)
    assert (tmp_path / "network.svg").read_text(encoding="utf-8").startswith("<svg")
    page = (tmp_path / "network.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in page and '"key":"network"' in page
    assert (tmp_path / "network.gif").read_bytes().startswith(b"GIF8")
