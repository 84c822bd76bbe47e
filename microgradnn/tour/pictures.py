"""The tour's pictures for the docs: `python -m microgradnn.tour.pictures docs/assets`.

The tutorial pages (docs/tutorial, docs/ko/tutorial) show the tour's own
pictures, so a reader meets the same network and the same numbers in both.
This runs the tour in English and in Korean and copies every picture it
draws into the folder: `step1_graph.svg` from the English tour,
`step1_graph.ko.svg` from the Korean one. Players (.html) stay in the tour.
tests/test_tour_docs.py checks that the copies are what the tour draws now.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from microgradnn.tour import run_tour

__all__ = ["PICTURE_SUFFIXES", "docs_name", "write_pictures"]

PICTURE_SUFFIXES = (".svg", ".png", ".gif")


def docs_name(name: str, lang: str) -> str:
    """The name a tour picture has in the docs: `step1_graph.svg`, or `step1_graph.ko.svg` in Korean."""
    path = Path(name)
    return name if lang == "en" else f"{path.stem}.{lang}{path.suffix}"


def write_pictures(folder: str | Path, langs: tuple[str, ...] = ("en", "ko")) -> list[Path]:
    """Run the tour in each language and copy its pictures into `folder`; old step pictures are removed first."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("step*"):
        if old.suffix in PICTURE_SUFFIXES:
            old.unlink()
    written = []
    for lang in langs:
        with tempfile.TemporaryDirectory() as tmp:
            result = run_tour(tmp, lang=lang, verbose=False)
            for report in result.reports:
                for figure in report.figures:
                    if Path(figure.path).suffix in PICTURE_SUFFIXES:
                        target = folder / docs_name(figure.path, lang)
                        shutil.copyfile(Path(tmp) / figure.path, target)
                        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m microgradnn.tour.pictures FOLDER   (e.g. docs/assets)", file=sys.stderr)
        return 2
    for path in write_pictures(args[0]):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
