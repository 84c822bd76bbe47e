"""The tour's index: every picture opens at full size on click (wide graphs shrink to the page width)."""

from __future__ import annotations

import re

from microgradnn.tour.context import Figure
from microgradnn.tour.page import _figure
from microgradnn.tour.texts_en import TEXTS


def test_every_picture_on_the_index_links_to_itself_at_full_size() -> None:
    html = _figure(Figure("step1_graph.svg", "the <graph>", "image"), TEXTS)
    link = re.search(r'<a href="([^"]+)"[^>]*><img src="([^"]+)"', html)
    assert link is not None and link.group(1) == link.group(2) == "step1_graph.svg"
    assert "the &lt;graph&gt;" in html  # the caption is escaped
