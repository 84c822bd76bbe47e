"""The tutorial pages and the tour tell the same chapter: same order, same numbers, same pictures.

* Every picture the tour draws is on a tutorial page (English pages show the
  English pictures, Korean pages the `.ko` ones), and the copies in
  docs/assets are what the tour draws now (`python -m microgradnn.tour.pictures
  docs/assets` refreshes them): SVGs carry the same texts, PNGs and GIFs the
  same size and nearly the same pixels.
* The numbers each tour step prints are on the page that tells that part of
  the chapter, in both languages (the pages' code blocks run, and their output
  is checked, in tests/test_docs.py).
* The tutorial's overview lists the tour's steps in the tour's order.
* Korean headings have explicit ASCII anchors equal to the English page's, so
  a link to a section works in both languages and no anchor starts with a digit.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from test_tour import tour_run

from microgradnn.tour import LANGUAGES, STEPS
from microgradnn.tour.pictures import PICTURE_SUFFIXES, docs_name

EN, KO = LANGUAGES["en"], LANGUAGES["ko"]  # the tour's texts and those its step modules carry

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ASSETS = DOCS / "assets"
PAGES = {  # the tour step (its KEY) -> the tutorial page that tells it
    "forward": "1-forward.md",
    "loss": "2-loss.md",
    "descent": "3-gradient-descent.md",
    "curvature": "3-gradient-descent.md",
    "no_gradient": "3-gradient-descent.md",
    "backprop": "4-backprop.md",
    "topo": "4-backprop.md",
    "training": "5-training.md",
    "curvature_net": "5-training.md",
}
FOLDERS = {"en": DOCS / "tutorial", "ko": DOCS / "ko" / "tutorial"}
IMAGE = re.compile(r"!\[[^\]]*\]\(((?:\.\./)+assets/([^)]+))\)")
HEADING = re.compile(r"^(#{1,6}) (.*?)(?: \{ #([^ }]+) \})?$", re.M)


@pytest.fixture(scope="module")
def tours():
    return {lang: tour_run(lang)[::2] for lang in ("en", "ko")}  # (result, folder), shared with test_tour.py


def _page(lang: str, name: str) -> str:
    return (FOLDERS[lang] / name).read_text(encoding="utf-8")


def _pictures(result) -> list[str]:
    return [f.path for r in result.reports for f in r.figures if Path(f.path).suffix in PICTURE_SUFFIXES]


# ------------------------------------------------------------------ pictures
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_tour_picture_is_on_its_page(tours, lang: str) -> None:
    result, _ = tours[lang]
    for report in result.reports:
        page = _page(lang, PAGES[report.key])
        shown = {name for _, name in IMAGE.findall(page)}
        for figure in report.figures:
            if Path(figure.path).suffix in PICTURE_SUFFIXES:
                assert docs_name(figure.path, lang) in shown, f"{figure.path} is not on {lang} {PAGES[report.key]}"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_pages_show_only_pictures_that_exist_in_their_language(lang: str) -> None:
    for page in FOLDERS[lang].glob("*.md"):
        for link, name in IMAGE.findall(page.read_text(encoding="utf-8")):
            assert (page.parent / link).resolve().is_file(), f"{page.name}: {link} does not exist"
            if name.startswith("step"):
                assert (".ko." in name) == (lang == "ko"), f"{page.name}: {name} is in the other language"


def _svg_texts(path: Path) -> list[str]:
    return ["".join(t.itertext()).strip() for t in ET.parse(path).getroot().iter("{http://www.w3.org/2000/svg}text")]


def _pixels(path: Path, frame: int = 0) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        image.seek(frame)
        return np.asarray(image.convert("RGB"), dtype=np.int16)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_docs_pictures_are_what_the_tour_draws_now(tours, lang: str) -> None:
    result, out = tours[lang]
    for name in _pictures(result):
        fresh, copy = out / name, ASSETS / docs_name(name, lang)
        assert copy.is_file(), f"{copy.name} is missing: python -m microgradnn.tour.pictures docs/assets"
        hint = f"{copy.name} is out of date: python -m microgradnn.tour.pictures docs/assets"
        if name.endswith(".svg"):
            assert _svg_texts(copy) == _svg_texts(fresh), hint
            continue
        from PIL import Image

        with Image.open(copy) as a, Image.open(fresh) as b:
            assert a.size == b.size and getattr(a, "n_frames", 1) == getattr(b, "n_frames", 1), hint
            frames = getattr(a, "n_frames", 1)
        for frame in {0, frames - 1}:
            assert np.abs(_pixels(copy, frame) - _pixels(fresh, frame)).mean() < 2.0, hint


# ------------------------------------------------------------------ numbers
def _expected_numbers(report) -> list[str]:
    """What a reader must find on the step's page: the step's numbers, formatted as the page prints them."""
    n = report.numbers
    if report.key == "forward":
        example = n["example"]
        return [
            ", ".join(f"{k} = {v:g}" for k, v in n["weights"].items()),
            f"z1 = {example['z1']:g}, a1 = {example['a1']:g}; z2 = {example['z2']:g}",
        ]
    if report.key == "loss":
        c = n["caveat"]
        return [
            f"{n['msd_a']:.4f}",
            f"{n['msd_b']:.4f}",
            f"{c['far_distance']:.3f}",
            f"{c['far_ce']:.3f}",
            f"{c['worst_ce']:.3f}",
            f"{c['ce_a']:.4f}",
            f"{c['ce_b']:.4f}",
            f"{n['good_mse']:.4f}",
            f"{n['bad_ce']:.4f}",
        ]
    if report.key == "descent":
        return [f"{weights[-1]:8.4f}" for weights, _ in n["runs"].values()]
    if report.key == "curvature":
        top, eigenvalues = n["top"], n["eigenvalues"]
        return [
            f"{n['slope']} {n['curvature']} {1 / n['curvature']} {2 / n['curvature']}",
            *(f"1 - lr L'' = {factor:5.2f}" for factor in n["factors"].values()),
            f"largest eigenvalue {top:.4f}, 2 / it = {2 / top:.1f}, "
            f"negative: {sum(e < 0 for e in eigenvalues)} of {len(eigenvalues)}",
        ]
    if report.key == "no_gradient":
        names = ("w1", "w2", "b1", "w3", "w4", "b2", "w5", "w6", "b3")
        return [
            ", ".join(f"{k} = {v:g}" for k, v in zip(names, n["weights"])),
            f"L = {n['row']['L']:g}, dL/dy' = {n['row']['grad_y_pred']:g}, dL/dy = {n['row']['grad_y']:g}",
            f"{n['loss_sigmoid']:.4f}",
        ]
    if report.key == "backprop":
        return [*n["steps"], f"{n['product']:.9f}"]
    if report.key == "topo":
        shown = {"reused": ("a", "b"), "diamond": ("x", "a")}  # the page prints these nodes' gradients
        return [
            f"{name} { ({k: n[name]['naive'][k] for k in keys}) } { ({k: n[name]['ours'][k] for k in keys}) }"
            for name, keys in shown.items()
        ]
    if report.key == "training":
        return [f"{n['losses'][0]:.4f} -> {n['losses'][-1]:.6f}", *(f"{p:.3f}" for p in n["predictions"])] + [
            f"{w1:.2f}·x1 + {w2:.2f}·x2 + {b:.2f} = 0" for w1, w2, b in n["hidden_lines"].values()
        ]
    if report.key == "curvature_net":
        top = max(n["eigenvalues"])
        return [
            f"w6: w* = {n['w_star']:.4f}, L''(w*) = {n['curvature']:.6f}, 2 / L'' = {n['threshold']:.1f}",
            f"all nine: lambda_max = {top:.6f}, 2 / lambda_max = {n['top_threshold']:.1f}",
        ]
    raise AssertionError(f"no page check for step {report.key!r}")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_step_number_is_on_its_page(tours, lang: str) -> None:
    result, _ = tours[lang]
    for report in result.reports:
        page = _page(lang, PAGES[report.key])
        for text in _expected_numbers(report):
            assert text in page, f"{lang} {PAGES[report.key]} lacks {text!r} from tour step {report.number}"


def test_topo_numbers_read_as_the_page_prints_them(tours) -> None:
    # The page prints dicts without the root ('c': 1.0 / 'd': 1.0): the check above must compare like with like.
    result, _ = tours["en"]
    (report,) = [r for r in result.reports if r.key == "topo"]
    assert report.numbers["reused"]["naive"]["a"] == 6.0
    assert "reused {'a': 6.0, 'b': 2.0} {'a': 4.0, 'b': 2.0}" in _page("en", "4-backprop.md")


# ------------------------------------------------------------------ order
def test_the_overview_lists_the_tour_steps_in_order() -> None:
    for lang, texts, heading in (("en", EN, "{n}. {title}"), ("ko", KO, "{n}단계. {title}")):
        overview = _page(lang, "index.md")
        rows = [heading.format(n=i, title=texts[f"{step.KEY}.title"]) for i, step in enumerate(STEPS, start=1)]
        positions = [overview.find(f"| {row} |") for row in rows]
        assert -1 not in positions, (lang, rows, positions)
        assert positions == sorted(positions)
        for step, row in zip(STEPS, rows):
            link = re.search(re.escape(f"| {row} |") + r" \[\d\]\(([^)#]+)", overview).group(1)
            assert link == PAGES[step.KEY], (lang, row, link)


# ------------------------------------------------------------------ anchors
def _slug(text: str) -> str:
    from markdown.extensions.toc import slugify

    return slugify(re.sub(r"`([^`]*)`", r"\1", text), "-")


def _anchors(text: str, explicit_only: bool) -> list[tuple[int, str]]:
    found = []
    for hashes, title, explicit in HEADING.findall(re.sub(r"```.*?```", "", text, flags=re.S)):
        if explicit_only:
            assert explicit, f"heading without an explicit id: {title!r}"
        found.append((len(hashes), explicit or _slug(title)))
    return found


@pytest.mark.parametrize(
    "name", ["index.md", "1-forward.md", "2-loss.md", "3-gradient-descent.md", "4-backprop.md", "5-training.md"]
)
def test_korean_headings_have_the_english_anchors(name: str) -> None:
    ko = _anchors(_page("ko", name), explicit_only=True)
    en = _anchors(_page("en", name), explicit_only=False)
    assert ko == en
    for _, anchor in ko:
        assert re.fullmatch(r"[a-z][a-z0-9-]*", anchor), anchor  # a valid CSS id: no digit first, no Hangul


def test_the_korean_home_page_has_the_english_anchors() -> None:
    ko = _anchors((DOCS / "ko" / "index.md").read_text(encoding="utf-8"), explicit_only=True)
    en = _anchors((DOCS / "index.md").read_text(encoding="utf-8"), explicit_only=False)
    assert ko == en


def test_the_anchor_check_can_fail() -> None:
    with pytest.raises(AssertionError, match="without an explicit id"):
        _anchors("## 데이터\n", explicit_only=True)
    assert _anchors("## The same with `fit`, and pictures\n", explicit_only=False) == [
        (2, "the-same-with-fit-and-pictures")
    ]
