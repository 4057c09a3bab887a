from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.model import RuleResult
from domain.status import IssueCode
from domain.wareki import ERAS, era_of, format_wareki, parse_wareki, resolve_era, to_wareki

DEC15 = date(2024, 12, 15)


def test_era_table() -> None:
    assert [e.name for e in ERAS] == ["明治", "大正", "昭和", "平成", "令和"]
    assert [e.short for e in ERAS] == ["明", "大", "昭", "平", "令"]
    assert [e.letter for e in ERAS] == ["M", "T", "S", "H", "R"]
    assert ERAS[0].start == date(1868, 1, 25)
    assert ERAS[-1].start == date(2019, 5, 1) and ERAS[-1].end is None
    for older, newer in itertools.pairwise(ERAS):
        assert older.end is not None
        assert older.end + timedelta(days=1) == newer.start


@pytest.mark.parametrize(
    "text",
    [
        "令和6年12月15日",
        "R6.12.15",
        "r6/12/15",
        "令6・12・15",
        "令6.12.15",
        "令和６年１２月１５日",
        "Ｒ６．１２．１５",
        " 令 和 6 年 12 月 15 日 ",
        "令和\u30006年12月15日",
        "R 6-12-15",
        "R.6.12.15",
        "㋿6年12月15日",
        "reiwa6.12.15",
        "2024-12-15",
        "2024/12/15",
        "2024年12月15日",
        "２０２４年１２月１５日",
        "西暦2024年12月15日",
        "令和6年12月15日生",
    ],
)
def test_accepted_forms(text: str) -> None:
    result = parse_wareki(text)
    assert result.ok, result.issues
    assert result.value == DEC15


@pytest.mark.parametrize("era", ["昭和", "昭", "S", "s", "Ｓ", "showa", " 昭和 "])
@pytest.mark.parametrize("text", ["60年4月12日", "60.4.12", "６０・４・１２"])
def test_era_from_argument(text: str, era: str) -> None:
    assert parse_wareki(text, era=era).value == date(1985, 4, 12)


def test_era_in_text_wins_over_argument() -> None:
    assert parse_wareki("令和6年12月15日", era="平成").value == DEC15


def test_no_era_anywhere_is_unknown_era() -> None:
    result = parse_wareki("6.12.15")
    assert result.value is None
    assert [i.code for i in result.issues] == [IssueCode.UNKNOWN_ERA]


@pytest.mark.parametrize(
    "text,era", [("X6.12.15", None), ("天平6年1月1日", None), ("6.12.15", "西暦"), ("6.1.1", "Q")]
)
def test_unknown_era(text: str, era: str | None) -> None:
    result = parse_wareki(text, era=era)
    assert result.value is None
    assert [i.code for i in result.issues] == [IssueCode.UNKNOWN_ERA]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("S64.1.7", date(1989, 1, 7)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("平成1年1月8日", date(1989, 1, 8)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("H31.4.30", date(2019, 4, 30)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("大正元年7月30日", date(1912, 7, 30)),
        ("明治45年7月29日", date(1912, 7, 29)),
        ("大正15年12月24日", date(1926, 12, 24)),
        ("昭和元年12月25日", date(1926, 12, 25)),
        ("明治元年1月25日", date(1868, 1, 25)),
        ("令和6年2月29日", date(2024, 2, 29)),
        ("昭和60年4月12日生まれ", date(1985, 4, 12)),
    ],
)
def test_boundaries_valid(text: str, expected: date) -> None:
    result = parse_wareki(text)
    assert result.ok, result.issues
    assert result.value == expected


@pytest.mark.parametrize(
    "text",
    [
        "昭和64年1月8日",
        "平成31年5月1日",
        "平成1年1月7日",
        "平成元年1月7日",
        "令和1年4月30日",
        "令和元年4月30日",
        "明治45年7月30日",
        "大正元年7月29日",
        "大正15年12月25日",
        "昭和元年12月24日",
        "明治元年1月24日",
        "令和0年5月1日",
        "昭和65年1月1日",
    ],
)
def test_boundaries_out_of_era(text: str) -> None:
    result = parse_wareki(text)
    assert result.value is None
    assert [i.code for i in result.issues] == [IssueCode.DATE_OUT_OF_ERA]


@pytest.mark.parametrize(
    "text",
    ["令和6年2月30日", "令和5年2月29日", "R6.13.1", "R6.0.10", "R6.4.31", "2024-02-30", "R6.4.0"],
)
def test_impossible_dates(text: str) -> None:
    result = parse_wareki(text)
    assert result.value is None
    assert [i.code for i in result.issues] == [IssueCode.INVALID_DATE]


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "令和",
        "令和6年",
        "令和6年12月",
        "R6..15",
        "R123.1.1",
        "R6.12.15.1",
        "12/15",
        "20241215",
    ],
)
def test_unparseable(text: str) -> None:
    result = parse_wareki(text)
    assert result.value is None
    assert [i.code for i in result.issues] == [IssueCode.INVALID_FORMAT]


@pytest.mark.parametrize("text", ["", "   ", "\u3000"])
def test_empty(text: str) -> None:
    assert [i.code for i in parse_wareki(text).issues] == [IssueCode.EMPTY]


def test_messages_are_japanese_and_free_of_the_value() -> None:
    for text in ["昭和64年1月8日", "令和6年2月30日", "X6.12.15", "abc", ""]:
        for issue in parse_wareki(text).issues:
            assert issue.message
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", issue.message)
            assert not re.search(r"[0-9]", issue.message)


@pytest.mark.parametrize(
    "token,name",
    [
        ("令和", "令和"),
        ("令", "令和"),
        ("R", "令和"),
        ("ｒ", "令和"),
        ("H.", "平成"),
        ("㍼", "昭和"),
    ],
)
def test_resolve_era(token: str, name: str) -> None:
    era = resolve_era(token)
    assert era is not None and era.name == name


@pytest.mark.parametrize("token", [None, "", "X", "令和令和", "西暦"])
def test_resolve_era_unknown(token: str | None) -> None:
    assert resolve_era(token) is None


@pytest.mark.parametrize(
    "d,expected",
    [
        (date(2024, 12, 15), ("令和", 6)),
        (date(2019, 5, 1), ("令和", 1)),
        (date(2019, 4, 30), ("平成", 31)),
        (date(1989, 1, 7), ("昭和", 64)),
        (date(1989, 1, 8), ("平成", 1)),
        (date(1926, 12, 25), ("昭和", 1)),
        (date(1912, 7, 29), ("明治", 45)),
        (date(1912, 7, 30), ("大正", 1)),
    ],
)
def test_to_wareki(d: date, expected: tuple[str, int]) -> None:
    assert to_wareki(d) == expected


def test_to_wareki_accepts_datetime() -> None:
    assert to_wareki(datetime(2019, 5, 1, 12, 0)) == ("令和", 1)


def test_to_wareki_before_meiji_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        era_of(date(1868, 1, 24))


def test_format_wareki() -> None:
    assert format_wareki(DEC15) == "令和6年12月15日"
    assert format_wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert format_wareki(date(2019, 5, 1), gannen=False) == "令和1年5月1日"
    assert format_wareki(date(1989, 1, 7)) == "昭和64年1月7日"


dates = st.dates(min_value=date(1873, 1, 1), max_value=date(2100, 12, 31))


@given(dates, st.booleans())
def test_round_trip(d: date, gannen: bool) -> None:
    assert parse_wareki(format_wareki(d, gannen=gannen)).value == d


@given(dates)
def test_round_trip_via_letters(d: date) -> None:
    name, year = to_wareki(d)
    era = resolve_era(name)
    assert era is not None
    assert era.contains(d)
    assert parse_wareki(f"{era.letter}{year}.{d.month}.{d.day}").value == d
    assert parse_wareki(f"{year}年{d.month}月{d.day}日", era=era.short).value == d
    assert parse_wareki(d.isoformat()).value == d


@settings(deadline=None)
@given(st.text(), st.one_of(st.none(), st.text(max_size=5)))
def test_never_raises(text: str, era: str | None) -> None:
    result = parse_wareki(text, era=era)
    assert isinstance(result, RuleResult)
    assert (result.value is None) != result.ok
    if result.value is not None:
        assert isinstance(result.value, date)


@given(
    st.from_regex(r"[RHS令平昭]?[0-9元]{1,2}[./年][0-9]{1,2}[./月][0-9]{1,2}日?", fullmatch=True)
)
def test_date_like_text_never_raises(text: str) -> None:
    result = parse_wareki(text, era="令和")
    assert result.ok or result.issues[0].code in {
        IssueCode.INVALID_DATE,
        IssueCode.DATE_OUT_OF_ERA,
        IssueCode.INVALID_FORMAT,
    }
