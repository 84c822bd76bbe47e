"""Korean picture texts put no particle straight after a filled-in number or name.

Which particle is right (로/으로, 를/을, 가/이, 는/은, 와/과) depends on how the word before it is read
("1.0000로" is wrong, "1.0000으로" right), so a template that glues one to a placeholder is wrong for some values.
"""

from __future__ import annotations

import re

from microgradnn.viz.i18n import TEXTS

PARTICLES = ("으로", "로", "을", "를", "이", "가", "은", "는", "와", "과")


def test_no_korean_template_glues_a_particle_to_a_placeholder() -> None:
    glued = {
        key: template
        for key, template in TEXTS["ko"].items()
        if re.search(r"\}\s?(" + "|".join(PARTICLES) + r")(?![가-힣])", template)
    }
    assert glued == {}


def test_the_backward_start_caption_reads_right_for_any_seed() -> None:
    from microgradnn.viz.i18n import text

    caption = text("ko", "cap.start", root="L", d="dL/dL", seed="1.0000")
    assert "1.0000로" not in caption and "1.0000" in caption
