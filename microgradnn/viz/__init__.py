"""Pictures of computation graphs and of backpropagation, step by step.

>>> from microgradnn import viz
>>> viz.draw_graph(loss)                    # doctest: +SKIP  (inline in Jupyter; .render("graph.svg"))
>>> viz.save_html(loss, "backprop.html")    # doctest: +SKIP  (offline player: slider, prev/next, play)
>>> viz.save_gif(loss, "backprop.gif")      # doctest: +SKIP  (the same frames as an animation)

Graph pictures need Graphviz (`pip install "microgradnn[viz]"` and the `dot`
program); plots need matplotlib (`pip install "microgradnn[plot]"`). Both are
imported only when a picture is drawn, so `import microgradnn.viz` is cheap.
"""

from microgradnn.viz.dot import Graph, GraphvizNotFoundError
from microgradnn.viz.frames import Frame, backward_frames, save_frames
from microgradnn.viz.gif import save_gif
from microgradnn.viz.graph import LargeGraphWarning, draw_graph
from microgradnn.viz.player import save_html
from microgradnn.viz.plots import plot_boundary_distances, plot_decision_boundary, plot_learning_rates, plot_loss

__all__ = [
    "Frame",
    "Graph",
    "GraphvizNotFoundError",
    "LargeGraphWarning",
    "backward_frames",
    "draw_graph",
    "plot_boundary_distances",
    "plot_decision_boundary",
    "plot_learning_rates",
    "plot_loss",
    "save_frames",
    "save_gif",
    "save_html",
]
