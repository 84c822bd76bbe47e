"""The example notebooks in docs/notebooks run from top to bottom, as a learner's *Run All* would.

Each notebook is executed with nbclient in a real IPython kernel, in a fresh temporary folder; any
cell that raises fails the test, and the cells that draw must leave a picture in their output.
The stored notebooks carry no outputs, so their diffs stay readable.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "docs" / "notebooks"
NAMES = ["chapter.ipynb", "chapter_ko.ipynb", "first_neuron.ipynb"]


def execute(name: str, workdir: Path) -> nbformat.NotebookNode:
    """Run every cell of docs/notebooks/`name` in a fresh kernel with `workdir` as its folder."""
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    env_backend = os.environ.pop("MPLBACKEND", None)  # the notebook's own (inline) backend, as a learner has
    try:
        client = nbclient.NotebookClient(
            book, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
        )
        client.execute()
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    return book


def execute_then_again(name: str, workdir: Path, again: list[str]) -> nbformat.NotebookNode:
    """Run every cell, then once more each cell whose source holds one of `again`, in the same kernel: a learner
    who goes back up and reruns a cell after the ones below it."""
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    env_backend = os.environ.pop("MPLBACKEND", None)
    try:
        client = nbclient.NotebookClient(
            book, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
        )
        with client.setup_kernel():
            for index, cell in enumerate(book.cells):
                client.execute_cell(cell, index)
            for marker in again:
                (index,) = [i for i, c in enumerate(book.cells) if c.cell_type == "code" and marker in c.source]
                client.execute_cell(book.cells[index], index)
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    return book


def _code_cells(book):
    return [c for c in book.cells if c.cell_type == "code"]


def _mime_types(cell) -> set[str]:
    return {key for out in cell.outputs for key in out.get("data", {})}


@pytest.mark.parametrize("name", NAMES)
def test_the_stored_notebook_is_clean_and_valid(name):
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(book)
    assert book.metadata["kernelspec"]["name"] == "python3"
    for cell in _code_cells(book):
        assert cell.outputs == [] and cell.execution_count is None, "store notebooks without outputs"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_the_notebook_runs_without_an_error(name, tmp_path):
    try:
        book = execute(name, tmp_path)
    except nbclient.exceptions.CellExecutionError as e:  # the message carries the cell and the traceback
        pytest.fail(f"{name}: a cell raised\n{e}")
    for cell in _code_cells(book):
        assert cell.execution_count is not None
        assert not [o for o in cell.outputs if o.output_type == "error"]
        for out in cell.outputs:  # no warnings or tracebacks on stderr either
            if out.output_type == "stream" and out.name == "stderr":
                pytest.fail(f"{name}: a cell wrote to stderr: {out.text[:500]}")
    # Every cell that ends in a picture shows one: graphs as SVG, plots as PNG (never just "<Figure ...>").
    for cell in _code_cells(book):
        last = cell.source.strip().splitlines()[-1]
        if last.startswith("viz.draw_graph("):
            assert "image/svg+xml" in _mime_types(cell), f"{name}: {last} shows no SVG"
        if last.startswith("viz.plot_"):
            assert "image/png" in _mime_types(cell) or "image/svg+xml" in _mime_types(cell), (
                f"{name}: {last} shows no picture"
            )


@pytest.mark.slow
def test_the_first_neuron_notebook_checks_its_own_gradients(tmp_path):
    """The notebook's asserts compare by-hand, engine and numeric gradients; its printed numbers must be there."""
    book = execute("first_neuron.ipynb", tmp_path)
    printed = "\n".join(out.text for c in _code_cells(book) for out in c.outputs if out.output_type == "stream")
    from microgradnn import Value

    x, w, b = Value(1.5), Value(-0.8), Value(0.4)
    a = (x * w + b).tanh()
    a.backward()
    assert f"'w': {round(w.grad, 6)}" in printed and f"'b': {round(b.grad, 6)}" in printed
    assert "step 0:" in printed and "epoch 2: loss" in printed


def _not_a_refused_request(message) -> bool:
    """Console errors count, except the notebook template's own CDN requests that the test refuses."""
    return not message.location.get("url", "").startswith(("http:", "https:"))


@pytest.mark.slow
@pytest.mark.browser
def test_an_executed_notebook_steps_its_inline_player_in_chromium(tmp_path):
    """first_neuron.ipynb, executed and exported to HTML by nbconvert as a learner shares it, opened in headless
    Chromium: the inline player (an iframe holding the whole page) shows step 0, steps forward with its button and
    the arrow keys, and its page loads nothing from outside."""
    from test_viz_player import CHROMIUM, CHROMIUM_ARGS, _browser_missing

    missing = _browser_missing()
    if missing and not os.environ.get("CI"):
        pytest.skip(f"{missing} (set CI=1 to make this a failure)")
    nbconvert = pytest.importorskip("nbconvert")
    from playwright.sync_api import sync_playwright

    book = execute("first_neuron.ipynb", tmp_path)
    body, _ = nbconvert.HTMLExporter().from_notebook_node(book)
    page_path = tmp_path / "first_neuron.html"
    page_path.write_text(body, encoding="utf-8")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            from_player: list[str] = []

            def route(r):  # nbconvert's template may ask a CDN for MathJax (refused); the player must ask nothing
                if r.request.frame.parent_frame is not None:
                    from_player.append(r.request.url)
                if r.request.url.startswith(("file:", "data:", "about:")):
                    r.continue_()
                else:
                    r.abort()

            page.route("**/*", route)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "console", lambda m: errors.append(m.text) if m.type == "error" and _not_a_refused_request(m) else None
            )
            page.goto(page_path.as_uri())
            frames = page.locator('iframe[title="microgradnn backpropagation player"]')
            assert frames.count() == 1
            frames.first.scroll_into_view_if_needed()
            player = frames.first.content_frame
            counter = player.locator("#counter")
            counter.wait_for()
            total = int(counter.text_content().split("/")[-1])
            assert counter.text_content() == f"step 0 / {total}" and total >= 2
            first_caption = player.locator("#caption").text_content()
            player.locator("#next").click()
            assert counter.text_content() == f"step 1 / {total}"
            assert player.locator("#caption").text_content() != first_caption
            player.locator("#stage").focus()
            page.keyboard.press("ArrowRight")
            assert counter.text_content() == f"step 2 / {total}"
            page.keyboard.press("End")
            assert counter.text_content() == f"step {total} / {total}"
            assert player.locator("#next").is_disabled()
            frames.first.screenshot(path=str(tmp_path / "player_in_notebook.png"))
            page.screenshot(path=str(tmp_path / "notebook.png"))
            assert not [u for u in from_player if not u.startswith(("data:", "about:"))], from_player
            assert errors == []
        finally:
            browser.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, again",
    [
        ("first_neuron.ipynb", ["by_engine = ", "numeric = numeric_grad", "steps = list(a.backward_steps())"]),
        ("chapter.ipynb", ["viz.draw_graph(hand_net", "viz.player(loss, network=bp_net"]),
        ("chapter_ko.ipynb", ["viz.draw_graph(hand_net", "viz.player(loss, network=bp_net"]),
    ],
)
def test_a_cell_runs_again_after_the_cells_below_it(name, again, tmp_path):
    try:  # each cell's own asserts check its numbers: a rerun must not find gradients piled up or weights moved
        book = execute_then_again(name, tmp_path, again)
    except nbclient.exceptions.CellExecutionError as e:
        pytest.fail(f"{name}: a cell run again raised\n{e}")
    if name == "chapter.ipynb":
        (drawn,) = [c for c in _code_cells(book) if "viz.draw_graph(hand_net" in c.source]
        svg = "".join(out["data"]["image/svg+xml"] for out in drawn.outputs if "image/svg+xml" in out.get("data", {}))
        assert "step" in svg and "sigmoid" not in svg  # still the hand-wired step network
