"""Pictures of computation graphs and of backpropagation, step by step.

>>> from microgradnn import viz
>>> viz.draw_graph(loss)                    # doctest: +SKIP  (inline in Jupyter; .render("graph.svg"))
>>> viz.draw_network(model)                 # doctest: +SKIP  (neurons in layers, a weight on every edge)
>>> viz.save_html(loss, "backprop.html", network=model)  # doctest: +SKIP  (offline player, follows each step)
>>> viz.player(loss, network=model)         # doctest: +SKIP  (the same player, inline in a notebook)
>>> viz.save_gif(loss, "backprop.gif")      # doctest: +SKIP  (the same steps as an animation)

Every function that writes words on a picture takes `lang=` ("en", "ko").
The stages, one file each: a recorded pass (frames.py) becomes a scene
(graphview.py, network.py; scene.py), is laid out (layout.py) and drawn as
SVG (svg.py) or pixels (raster.py); page.py makes the player, gif.py the GIF.

Graph pictures need Graphviz (`pip install "microgradnn[viz]"` and the `dot`
program); plots need matplotlib (`pip install "microgradnn[plot]"`). Both are
imported only when a picture is drawn, so `import microgradnn.viz` is cheap.
"""

from microgradnn.viz.dot import Graph, GraphvizError, GraphvizNotFoundError, GraphvizPackageNotFoundError
from microgradnn.viz.fonts import MissingFontWarning
from microgradnn.viz.framefiles import save_frames
from microgradnn.viz.frames import Frame, Frames, backward_frames
from microgradnn.viz.gif import save_gif
from microgradnn.viz.graph import LargeGraphWarning, draw_graph
from microgradnn.viz.network import NetworkPicture, draw_network
from microgradnn.viz.page import Player, player, save_html
from microgradnn.viz.plots import plot_boundary_distances, plot_decision_boundary, plot_learning_rates, plot_loss

__all__ = [
    "Frame",
    "Frames",
    "Graph",
    "GraphvizError",
    "GraphvizNotFoundError",
    "GraphvizPackageNotFoundError",
    "LargeGraphWarning",
    "MissingFontWarning",
    "NetworkPicture",
    "Player",
    "backward_frames",
    "draw_graph",
    "draw_network",
    "player",
    "plot_boundary_distances",
    "plot_decision_boundary",
    "plot_learning_rates",
    "plot_loss",
    "save_frames",
    "save_gif",
    "save_html",
]
