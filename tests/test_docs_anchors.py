"""Every heading of a Korean docs page has an explicit, stable id (Hangul headings would get `_1`-style anchors)."""

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
