"""The Korean tour reads as a Korean writer would write it.

* Every particle after a number fits how that number is read aloud. The test
  reads each number into Hangul itself (0.22 -> 영 점 이 이, 2000 -> 이천) and
  takes the final consonant from the last syllable's code point, independently
  of `tour.korean`, which works from a table of digits and place units.
* No particle follows y', which Koreans read in more than one way.
* Tables line up in a terminal, where a Hangul character takes two columns.
"""

from __future__ import annotations

import re

import pytest
from test_tour import tour_run

from microgradnn.tour.korean import display_width, josa

DIGITS = "영일이삼사오육칠팔구"
UNITS = ["", "십", "백", "천"]
BIG = ["", "만", "억", "조"]
# Particle pairs: (after a final consonant, after a vowel). 으로/로 is checked on its own (ㄹ takes 로).
PAIRS = {"이": "가", "은": "는", "을": "를", "과": "와"}
PARTICLE = re.compile(
    r"(?<![A-Za-z0-9_.'])(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\)?(으로|로|이|가|은|는|을|를|과|와)(?![가-힣])"
)


def read_aloud(number: str) -> str:
    """A number as Korean say it: Sino-Korean whole part with place units, decimals digit by digit."""
    mantissa, _, exponent = number.lstrip("-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    words = _whole(int(whole)) if whole else ""
    if fraction:
        words += "점" + "".join(DIGITS[int(d)] for d in fraction)
    if exponent:
        words += "곱하기십의" + ("마이너스" if exponent.startswith("-") else "") + _whole(int(exponent.lstrip("+-")))
    return words


def _whole(n: int) -> str:
    if n == 0:
        return "영"
    groups, words = [], ""
    while n:
        groups.append(n % 10000)
        n //= 10000
    for big, group in reversed(list(enumerate(groups))):
        if not group:
            continue
        part = ""
        if group == 1 and big == 1:  # 10000 is 만, not 일만 (but 10^8 is 일억)
            words += BIG[big]
            continue
        for place in range(3, -1, -1):
            digit = group // 10**place % 10
            if digit:
                part += ("" if digit == 1 and place else DIGITS[digit]) + UNITS[place]
        words += part + BIG[big]
    return words


def final(syllable: str) -> int:
    """The index of the final consonant of a Hangul syllable: 0 for none, 8 for ㄹ."""
    return (ord(syllable) - 0xAC00) % 28


def expected_particle(number: str, particle: str) -> str:
    jong = final(read_aloud(number)[-1])
    if particle in ("으로", "로"):
        return "로" if jong in (0, 8) else "으로"
    consonant = particle if particle in PAIRS else next(k for k, v in PAIRS.items() if v == particle)
    return consonant if jong else PAIRS[consonant]


def test_reading_numbers_aloud() -> None:
    assert read_aloud("0.22") == "영점이이"
    assert read_aloud("2000") == "이천"
    assert read_aloud("-0.033910777") == "영점영삼삼구일영칠칠칠"
    assert (
        read_aloud("10") == "십" and read_aloud("15000") == "만오천" and read_aloud("1e-05") == "일곱하기십의마이너스오"
    )


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("0.001163", "으로/로", "0.001163으로"),  # the three examples
        ("0.22", "은/는", "0.22는"),
        ("-0.033910777", "이/가", "-0.033910777이"),
        ("1", "으로/로", "1로"),  # ㄹ takes 로
        ("7", "으로/로", "7로"),
        ("3", "으로/로", "3으로"),
        ("20", "은/는", "20은"),  # 이십
        ("100", "이/가", "100이"),  # 백
        ("2000", "을/를", "2000을"),  # 이천
        ("10000", "과/와", "10000과"),  # 만
        ("0.5", "이/가", "0.5가"),
        ("XOR", "을/를", "XOR을"),  # 엑스오알
        ("A", "이/가", "A가"),
    ],
)
def test_josa(word: str, pair: str, expected: str) -> None:
    assert josa(word, pair) == expected
    if word[-1].isdigit():
        assert expected[len(word) :] == expected_particle(word, expected[len(word) :])


def test_josa_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="write the sentence without a particle"):
        josa("y'", "이/가")
    with pytest.raises(ValueError, match="unknown particle pair"):
        josa("1", "이/는")


def test_display_width_counts_hangul_twice() -> None:
    assert display_width("학습률") == 6 and display_width("alpha") == 5 and display_width("큼: 발산") == 8


@pytest.fixture(scope="module")
def korean():
    result, printed, _ = tour_run("ko")  # shared with the other tour tests
    return result, printed


def test_every_particle_after_a_number_fits_how_it_is_read(korean) -> None:
    result, printed = korean
    page = result.index.read_text(encoding="utf-8")
    captions = "\n".join(f.caption for r in result.reports for f in r.figures)
    found = 0
    for text in (printed, page, captions):
        for match in PARTICLE.finditer(text):
            number, particle = match.groups()
            assert particle == expected_particle(number, particle), (
                f"{match.group(0)!r} in ...{text[max(0, match.start() - 40) : match.end() + 10]}..."
            )
            found += 1
    assert found >= 15  # the tour says things like "0.001163으로", "-0.033910777이", "alpha = 0.22는"


def test_no_particle_follows_a_prime(korean) -> None:
    _, printed = korean
    assert not re.findall(r"y'(?:이|가|은|는|을|를|과|와|으로|로)(?![가-힣])", printed)


def test_korean_tables_line_up_by_display_width(korean) -> None:
    result, _ = korean
    tables = [content for r in result.reports for kind, content in r.blocks if kind == "table" and "\n--" in content]
    assert any(re.search("[가-힣]", t) for t in tables)
    for table in tables:
        lines = table.split("\n")
        rule = lines[1]
        assert set(rule) <= {"-", " "}, table
        gaps = [i for i, c in enumerate(rule) if c == " "]
        for line in lines:
            columns = "".join(c * display_width(c) for c in line)  # one character per terminal column
            assert len(columns) <= len(rule), f"wider than its rule:\n{table}"
            assert all(i >= len(columns) or columns[i] == " " for i in gaps), f"misaligned:\n{table}"
