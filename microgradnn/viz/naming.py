"""Names a person can say aloud, for modules and neurons, in the learner's language.

`layers.0.neurons.1` is how `nn` records where a node was made; a learner
reads "hidden layer 1, neuron 2" (은닉층 1, 뉴런 2), counting from 1 as the chapter does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from microgradnn.viz.i18n import text

__all__ = ["module_title", "natural_key", "output_layer"]

_LAYER_NEURON = re.compile(r"^(?:.*\.)?layers\.(\d+)\.neurons\.(\d+)$")
_LAYER = re.compile(r"^(?:.*\.)?layers\.(\d+)$")
_INDEX = re.compile(r"^(\d+)$")


def natural_key(path: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts neurons.2 before neurons.10."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in path.split("."))


def output_layer(scopes: Iterable[str | None]) -> int | None:
    """The index of the last layer among `scopes` (`layers.<k>...`), which is the output layer."""
    found = [int(m.group(1)) for s in scopes if s for m in [re.search(r"(?:^|\.)layers\.(\d+)", s)] if m]
    return max(found) if found else None


def module_title(path: str, last_layer: int | None, lang: str = "en") -> str:
    """What a module box is called: "hidden layer 1, neuron 2", "output layer", "layer 3", or the path itself."""
    match = _LAYER_NEURON.match(path)
    if match:
        layer, neuron = int(match.group(1)), int(match.group(2))
        if last_layer is not None and layer == last_layer and layer > 0:
            return text(lang, "cluster.output_neuron", neuron=neuron + 1)
        if last_layer is not None and layer < last_layer:
            return text(lang, "cluster.hidden_neuron", layer=layer + 1, neuron=neuron + 1)
        return text(lang, "cluster.neuron", neuron=neuron + 1) if last_layer == 0 else path
    match = _LAYER.match(path)
    if match:
        layer = int(match.group(1))
        if last_layer is not None and layer == last_layer and layer > 0:
            return text(lang, "cluster.output_layer")
        if last_layer is not None and layer < last_layer:
            return text(lang, "cluster.hidden_layer", layer=layer + 1)
        return text(lang, "cluster.layer", layer=layer + 1)
    match = _INDEX.match(path)
    if match:  # a Sequential's child
        return text(lang, "cluster.layer", layer=int(match.group(1)) + 1)
    return path
