"""The network picture of the models a learner builds: right, or a clear refusal, never a wrong picture."""

from __future__ import annotations

import numpy as np
import pytest
from test_viz_player import CHROMIUM, CHROMIUM_ARGS, Watch, needs_browser

from microgradnn import Tensor
from microgradnn.nn import Dropout, Embedding, Flatten, Linear, ReLU, Sequential, Tanh
from microgradnn.viz import draw_network, save_html
from microgradnn.viz.dot import format_number
from microgradnn.viz.frames import record_pass
from microgradnn.viz.network import network_scene


def batch(*shape: int) -> Tensor:
    return Tensor(np.random.default_rng(0).normal(size=shape).astype("float32"))


def loss_of(y: Tensor) -> Tensor:
    loss = (y**2).mean()
    loss.label = "L"
    return loss


def shown_values(scene, layer: int) -> list[str]:
    """The value each neuron of `layer` shows (its third row: name, activation, value)."""
    boxes = {b.id: b for b in scene.boxes}
    column = scene.columns[layer + 1]
    return [boxes[box_id].rows[2].text for box_id in column if box_id.startswith("u")]


def as_shown(values) -> list[str]:
    return [format_number(float(v), 0).strip() for v in values]


def test_a_module_used_twice_shows_each_use_with_the_same_weight_names():
    shared = Linear(4, 4, seed=1)
    model = Sequential(Linear(3, 4, seed=0), ReLU(), shared, ReLU(), shared, Linear(4, 1, seed=2))
    x = batch(5, 3)
    second_use = shared(ReLU()(shared(ReLU()(model[0](x)))))
    scene, _ = network_scene(model, record_pass(loss_of(model(x))))
    assert shown_values(scene, 2) == as_shown(second_use.data[0])  # not the first use's values
    names = {e.id: e.label[0].text.split(" = ")[0] for e in scene.edges if e.label}
    assert [names[f"w1_{j}_{i}"] for j in range(4) for i in range(4)] == [
        names[f"w2_{j}_{i}"] for j in range(4) for i in range(4)
    ]


@pytest.mark.parametrize("between", [Dropout(0.5, seed=0), Flatten()], ids=["Dropout", "Flatten"])
def test_a_layer_between_a_linear_and_its_activation_shows_the_activation(between):
    model = Sequential(Linear(3, 4, seed=0), between, ReLU(), Linear(4, 2, seed=1))
    x = batch(5, 3)
    activated = ReLU()(between(model[0](x))) if isinstance(between, Flatten) else None
    y = model(x)
    scene, _ = network_scene(model, record_pass(loss_of(y)))
    values = [float(v) for v in shown_values(scene, 0)]
    assert all(v >= 0 for v in values), values  # relu's outputs, not the weighted sums
    if activated is not None:
        assert shown_values(scene, 0) == as_shown(activated.data[0])


def test_two_activations_in_a_row_are_refused_by_name():
    model = Sequential(Linear(3, 4), ReLU(), Tanh(), Linear(4, 1))
    with pytest.raises(TypeError, match=r"draw_network: a Tanh \(child 2\) right after a ReLU"):
        draw_network(model)


def test_an_embedding_is_not_drawn_as_a_linear_layer():
    model = Sequential(Embedding(5, 3), Flatten(), Linear(6, 2))
    with pytest.raises(TypeError, match=r"draw_network: cannot draw a Embedding \(child 0\).*Linear layers"):
        draw_network(model)
    with pytest.raises(TypeError, match=r"cannot draw a Embedding"):
        draw_network(Sequential(Embedding(5, 3), Linear(5, 2)))


def test_a_flatten_in_front_is_drawn_with_the_flattened_inputs():
    model = Sequential(Flatten(), Linear(6, 4), ReLU(), Linear(4, 2))
    assert repr(draw_network(model)) == "<microgradnn.viz.NetworkPicture: columns of 7-5-2 boxes>"
    with pytest.raises(TypeError, match=r"save_html: this Sequential has no Linear layer"):
        network_scene(Sequential(Flatten(), Dropout()), who="save_html")


@needs_browser
def test_the_player_of_a_shared_module_runs_without_page_errors(tmp_path):
    from playwright.sync_api import sync_playwright

    shared = Linear(3, 3, seed=1)
    model = Sequential(Linear(2, 3, seed=0), Tanh(), shared, Tanh(), shared, Linear(3, 1, seed=2))
    path = save_html(loss_of(model(batch(4, 2))), tmp_path / "p.html", network=model, view="network")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        watch = Watch(page)
        page.goto(path.resolve().as_uri())
        for _ in range(6):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("End")
        browser.close()
    watch.check()


@needs_browser
@pytest.mark.parametrize("cell", [1300, 300])
def test_a_network_picture_in_a_notebook_cell_shrinks_but_never_grows(tmp_path, cell):
    from playwright.sync_api import sync_playwright

    from microgradnn.nn import MLP

    picture = draw_network(MLP(2, [2, 1], seed=0))
    page_file = tmp_path / "cell.html"
    cell_html = f'<div id="cell" style="width:{cell}px">{picture._repr_html_()}</div>'
    page_file.write_text(f"<html><body>{cell_html}</body></html>", encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        watch = Watch(page)
        page.goto(page_file.resolve().as_uri())
        width = page.evaluate("document.querySelector('#cell svg').getBoundingClientRect().width")
        browser.close()
    watch.check()
    natural = picture.layout.width
    assert width == pytest.approx(min(natural, cell), abs=1)  # its own size in a wide cell (it was stretched)
