"""Docs cannot rot: every ```python block of every page runs, and the site builds with `mkdocs build --strict`.

The blocks of one page run in order in one namespace (as a reader would type
them), in a fresh temporary folder so files they write land there. A ```text
block right after a python block is the output the page promises: what the
block prints must match it line for line. Blocks that are not meant to run use
another fence (```text after prose, ```console, ```json).
`breakpoint()` is a no-op here (PYTHONBREAKPOINT=0) and matplotlib draws off-screen.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*\n(?:\s*^```text[ \t]*\n(.*?)^```[ \t]*$)?", re.M | re.S)


def _pages() -> list[Path]:
    """Every docs page with python blocks, and the README."""
    pages = [*DOCS.rglob("*.md"), ROOT / "README.md"]
    return sorted(p for p in pages if FENCE.search(p.read_text(encoding="utf-8")))


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def code_blocks(text: str) -> list[tuple[int, str, str | None]]:
    """(line number, source, expected output) of each ```python block in a markdown text.

    A ```text block that follows a python block directly (only blank lines
    between) is the output the reader is told to expect; it must match.
    """
    return [(text.count("\n", 0, m.start()) + 2, m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def test_the_block_finder_pairs_code_with_its_output() -> None:
    text = "intro\n```python\nx = 1\n```\n```text\nnot code\n```\n\n```python\ny = x + 1\n```\nmore\n```text\nz\n```\n"
    assert code_blocks(text) == [(3, "x = 1\n", "not code\n"), (10, "y = x + 1\n", None)]


def test_the_docs_have_runnable_pages_in_both_languages() -> None:
    pages = {_name(p) for p in _pages()}
    assert any(p.startswith("docs/tutorial/") for p in pages), pages
    assert any(p.startswith("docs/ko/tutorial/") for p in pages), pages
    assert "README.md" in pages


@pytest.mark.parametrize("page", _pages(), ids=_name)
def test_every_code_block_runs(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONBREAKPOINT", "0")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    name = _name(page)
    for line, source, expected in code_blocks(page.read_text(encoding="utf-8")):
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(source, f"{name}:{line}", "exec"), namespace)
        except Exception as e:
            pytest.fail(f"{name}, the block at line {line} raised {type(e).__name__}: {e}")
        if expected is not None:
            assert _lines(printed.getvalue()) == _lines(expected), f"{name}: the output of the block at line {line}"
    try:
        import matplotlib.pyplot as plt

        plt.close("all")
    except ImportError:
        pass


def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "ko" / "index.html").exists()
