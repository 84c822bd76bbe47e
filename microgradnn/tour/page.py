"""index.html: every step of the tour with its text and pictures, one self-contained page that works offline.

Pictures are referenced by relative path (they sit next to the page), the
style is inline, and nothing is loaded from the network.
"""

from __future__ import annotations

import html
from pathlib import Path

from microgradnn.tour.context import Figure, StepReport

__all__ = ["write_index"]

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; font-size: .85rem; }
figure { margin: 1rem 0; } figcaption { font-size: .9rem; color: #555; }
img { max-width: 100%; border: 1px solid #eee; }
nav ol { list-style: none; padding-left: 0; } nav li { margin: .15rem 0; }
.note { background: #fff8e1; padding: .5rem .75rem; border-left: 4px solid #f0b400; }
"""


def _figure(figure: Figure, texts: dict[str, str]) -> str:
    caption = html.escape(figure.caption)
    src = html.escape(figure.path)
    if figure.kind == "player":
        link = html.escape(texts["page.open_player"])
        return f'<figure><p><a href="{src}">{link}: {src}</a></p><figcaption>{caption}</figcaption></figure>'
    if figure.kind == "dot":
        note = html.escape(texts["page.dot_note"].format(path=figure.path))
        return (
            f'<figure><p class="note">{note}</p><p><a href="{src}">{src}</a></p>'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    # A wide graph shrinks to the page; the picture is also a link to itself at full size.
    return (
        f'<figure><a href="{src}" title="{src}"><img src="{src}" alt="{caption}"></a>'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _paragraphs(text: str) -> list[str]:
    """One <p> per line of text; indented lines (a formula laid out over lines) together in one <pre>."""
    out: list[str] = []
    formula: list[str] = []
    for line in [*text.split("\n"), ""]:
        if line.startswith("  "):
            formula.append(line[2:])
            continue
        if formula:
            block = "\n".join(formula)
            out.append(f"<pre>{html.escape(block)}</pre>")
            formula = []
        if line.strip():
            out.append(f"<p>{html.escape(line)}</p>")
    return out


def _step(report: StepReport, texts: dict[str, str]) -> str:
    parts = [f'<section id="step{report.number}"><h2>{html.escape(report.title)}</h2>']
    placed: set[int] = set()
    for kind, content in report.blocks:
        if kind == "figure":  # each picture where the step drew it, after the text that leads to it
            placed.add(int(content))
            parts.append(_figure(report.figures[int(content)], texts))
        elif kind == "table":
            parts.append(f"<pre>{html.escape(content)}</pre>")
        else:
            parts.extend(_paragraphs(content))
    parts.extend(_figure(f, texts) for i, f in enumerate(report.figures) if i not in placed)
    parts.append("</section>")
    return "\n".join(parts)


def write_index(out: Path, reports: list[StepReport], texts: dict[str, str], lang: str) -> Path:
    """Write out/index.html presenting every step; returns its path."""
    title = html.escape(texts["page.title"])
    nav = "".join(f'<li><a href="#step{r.number}">{html.escape(r.title)}</a></li>' for r in reports)
    body = "\n".join(_step(r, texts) for r in reports)
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{title}</h1>\n<p>{html.escape(texts['page.intro'])}</p>\n<nav><ol>{nav}</ol></nav>\n{body}\n</body>\n</html>\n"
    )
    path = Path(out) / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
