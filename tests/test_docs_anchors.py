"""Docs that must follow the code: explicit ids on Korean headings, and source lines quoted from pdb sessions."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def headings(path: Path) -> list[str]:
    found, fence = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fence = not fence
        elif not fence and re.match(r"#{1,6} ", line):
            found.append(line)
    return found


def test_every_korean_heading_has_an_explicit_ascii_id() -> None:
    missing = [
        f"{page.relative_to(ROOT)}: {line}"
        for page in sorted((ROOT / "docs" / "ko").rglob("*.md"))
        for line in headings(page)
        if not re.search(r"\{ #[a-z0-9][a-z0-9_-]* \}\s*$", line)
    ]
    assert missing == []


def test_every_source_line_a_debugging_guide_shows_is_in_the_package() -> None:
    # pdb prints "-> <the current line>"; a guide that quotes one must quote a line the code still has.
    source = {
        line.strip() for path in (ROOT / "microgradnn").rglob("*.py") for line in path.read_text("utf-8").splitlines()
    }
    stale = [
        f"{page.relative_to(ROOT)}: {line}"
        for page in sorted((ROOT / "docs").rglob("*.md"))
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith("-> ") and line[3:].strip() not in source
    ]
    assert stale == []
