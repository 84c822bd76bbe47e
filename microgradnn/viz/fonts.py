"""Fonts for pictures drawn here (GIF frames, plots): a CJK font for Korean when one is installed.

Browsers pick their own fonts for the player; Pillow and matplotlib need to be
told. Korean text in a font without Hangul renders as boxes, so when
`lang="ko"` finds no CJK font, one `MissingFontWarning` names the package to install.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import warnings
from typing import Any

__all__ = ["CJK_PACKAGE", "MissingFontWarning", "cjk_font_file", "needs_cjk", "pillow_font", "plot_fonts"]

CJK_PACKAGE = "fonts-noto-cjk"
INSTALL_CJK = (
    f"Korean text needs a font with Hangul; install one, for example: sudo apt-get install {CJK_PACKAGE} "
    "(Fedora: google-noto-sans-cjk-fonts, macOS and Windows already have one)"
)
# Where CJK fonts live on Debian/Ubuntu, Fedora, macOS and Windows.
_CJK_GLOBS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/**/NotoSansCJK*-{weight}.tt[cf]",
    "/usr/share/fonts/**/NanumGothic*.ttf",
    "/System/Library/Fonts/AppleSDGothicNeo.ttc",
    "C:/Windows/Fonts/malgun.ttf",
)
_LATIN = {
    (False, False): ("DejaVuSans.ttf", "LiberationSans-Regular.ttf"),
    (False, True): ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"),
    (True, False): ("DejaVuSansMono.ttf", "LiberationMono-Regular.ttf"),
    (True, True): ("DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf"),
}
# In Noto's .ttc collections, the face index of the Korean (KR) variants.
_NOTO_KR_INDEX = {False: 1, True: 6}  # proportional "Noto Sans CJK KR", "Noto Sans Mono CJK KR"


class MissingFontWarning(UserWarning):
    """Korean text was asked for, but no font with Hangul is installed: it would show as boxes."""


_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


def needs_cjk(text: str) -> bool:
    """True when `text` holds Hangul, which the Latin fonts cannot draw."""
    return bool(_HANGUL.search(text))


@functools.lru_cache(maxsize=4)
def cjk_font_file(bold: bool = False) -> str | None:
    """The path of an installed CJK font (Noto Sans CJK first), or None."""
    weight = "Bold" if bold else "Regular"
    for pattern in _CJK_GLOBS:
        for path in sorted(glob.glob(pattern.format(weight=weight), recursive=True)):
            if os.path.isfile(path):
                return path
    return None if not bold else cjk_font_file(False)


def warn_missing_cjk(who: str) -> None:
    warnings.warn(f"{who}: {INSTALL_CJK}", MissingFontWarning, stacklevel=3)


@functools.lru_cache(maxsize=64)
def pillow_font(size: int, *, mono: bool = False, bold: bool = False, cjk: bool = False) -> Any:
    """A Pillow font of `size` pixels: a CJK one when `cjk` and one is installed, else DejaVu/Liberation."""
    from PIL import ImageFont

    if cjk:
        path = cjk_font_file(bold)
        if path is not None:
            index = _NOTO_KR_INDEX[mono] if path.endswith(".ttc") and "NotoSansCJK" in path else 0
            try:
                return ImageFont.truetype(path, size, index=index)
            except OSError:
                return ImageFont.truetype(path, size)
    for name in _LATIN[(mono, bold)]:
        for folder in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation", ""):
            try:
                return ImageFont.truetype(os.path.join(folder, name) if folder else name, size)
            except OSError:
                continue
    try:
        return ImageFont.load_default(size)
    except TypeError:  # Pillow before 10.1 has one fixed-size default font
        return ImageFont.load_default()


def plot_fonts(lang: str, who: str) -> dict[str, Any]:
    """matplotlib rc settings for `lang`: a CJK family first for Korean (and a warning when none exists)."""
    if lang != "ko":
        return {}
    from matplotlib import font_manager

    path = cjk_font_file()
    if path is None:
        warn_missing_cjk(who)
        return {}
    try:
        font_manager.fontManager.addfont(path)
        name = font_manager.FontProperties(fname=path).get_name()
    except (OSError, RuntimeError, ValueError):
        warn_missing_cjk(who)
        return {}
    return {"font.family": [name, "DejaVu Sans"], "axes.unicode_minus": False}
