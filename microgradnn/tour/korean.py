"""Korean particles after numbers and names, and the display width of text in a terminal.

A Korean particle depends on how the word before it *sounds*: 이/가, 은/는,
을/를, 과/와 take the first form after a final consonant (batchim), 으로/로
takes 으로 after a final consonant other than ㄹ. After a number, what counts
is how the number is read aloud: 0.22 is 영 점 이이 (ends in 이, no batchim:
"0.22는"), 0.001163 is ... 육삼 (삼 ends in ㅁ: "0.001163으로"), 20 is 이십
(ㅂ: "20은"), 2000 is 이천 (ㄴ: "2000은").
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["PAIRS", "display_width", "final_consonant", "josa", "ljust", "rjust"]

# How each digit is read (Sino-Korean) and the final consonant of that reading ("" for none).
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ", "9": ""}
# Place units of a whole number, read after its last nonzero digit: 십 백 천 만 억 조 (10^1 .. 10^12).
_UNIT_FINAL = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ", 4: "ㄴ", 8: "ㄱ", 12: ""}
# Latin letters as Koreans read them (a 에이, l 엘, m 엠, n 엔, r 알, ...): only the final consonant matters.
_LETTER_FINAL = {"l": "ㄹ", "r": "ㄹ", "m": "ㅁ", "n": "ㄴ"}
_FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"  # index = (code - 0xAC00) % 28

# The particle pairs, as "after a final consonant/after a vowel".
PAIRS = ("이/가", "은/는", "을/를", "과/와", "으로/로", "이나/나", "이라/라")


def _whole_number_final(digits: str) -> str:
    """The final consonant of a whole number read in Korean: its last nonzero digit's unit, or the digit itself."""
    digits = digits.lstrip("0") or "0"
    if digits == "0":
        return _DIGIT_FINAL["0"]
    zeros = len(digits) - len(digits.rstrip("0"))
    if zeros == 0:
        return _DIGIT_FINAL[digits[-1]]
    # 10 십, 100 백, 1000 천, 10000 만, 100000 십만 (ends in 만), 10^8 억 ...
    for power in sorted(_UNIT_FINAL, reverse=True):
        if zeros >= power and power in (4, 8, 12):
            return _UNIT_FINAL[power]
    return _UNIT_FINAL[zeros]


def final_consonant(text: str) -> str:
    """The final consonant (batchim) of how `text` ends when read aloud in Korean; "" when it ends in a vowel.

    Numbers are read digit by digit after the decimal point (0.22: 영 점 이이) and
    with place units before it (20: 이십); 1e-05 ends in its exponent (오), 50%
    in 퍼센트. A Hangul syllable gives its own batchim, a Latin letter how it
    is read (L 엘, y 와이). Closing brackets, double quotes and spaces are skipped; a
    prime (y') is read in more than one way, so it raises: write that sentence without a particle.
    """
    t = text.rstrip(' ")]}')
    if not t:
        raise ValueError("josa: there is no word before the particle")
    last = t[-1]
    if "가" <= last <= "힣":
        return _FINALS[(ord(last) - 0xAC00) % 28].strip()
    if last == "%":
        return ""  # 퍼센트
    number = re.search(r"(\d+)(?:\.(\d+))?(?:[eE][+-]?(\d+))?$", t)
    if number:
        whole, fraction, exponent = number.groups()
        if exponent is not None:
            return _whole_number_final(exponent)
        if fraction is not None:
            return _DIGIT_FINAL[fraction[-1]]
        return _whole_number_final(whole)
    if last.isascii() and last.isalpha():
        return _LETTER_FINAL.get(last.lower(), "")
    raise ValueError(f"josa: cannot tell how {text!r} ends when read aloud; write the sentence without a particle")


def josa(word: str, pair: str) -> str:
    """`word` followed by the right form of the particle `pair` ("이/가", "은/는", "을/를", "과/와", "으로/로").

    >>> josa("0.22", "은/는"), josa("0.001163", "으로/로"), josa("-0.033910777", "이/가"), josa("1", "으로/로")
    ('0.22는', '0.001163으로', '-0.033910777이', '1로')
    """
    if pair not in PAIRS:
        raise ValueError(f"josa: unknown particle pair {pair!r}; use one of {', '.join(PAIRS)}")
    after_consonant, after_vowel = pair.split("/")
    final = final_consonant(word)
    if pair == "으로/로":
        return word + (after_vowel if final in ("", "ㄹ") else after_consonant)
    return word + (after_consonant if final else after_vowel)


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def rjust(text: str, width: int) -> str:
    """`text` padded on the left to `width` display columns."""
    return " " * max(0, width - display_width(text)) + text


def ljust(text: str, width: int) -> str:
    """`text` padded on the right to `width` display columns."""
    return text + " " * max(0, width - display_width(text))
