"""和暦 (Japanese era) dates: parsing, conversion and formatting.

Era first days follow the project reference. 明治 starts 1868-01-25 (the
Gregorian day of 明治元年1月1日 in the old lunisolar calendar; some systems use
1868-10-23). Caveat: Japan used the lunisolar calendar until 明治5年12月2日, so
a written date from 明治1..5 does not map cleanly to the Gregorian calendar. We
read every written date as Gregorian month/day (明治3年1月1日 -> 1870-01-01);
this is only approximate before 1873 and 明治元年1月1日..1月24日 are rejected
as out of era. Such dates do not occur for living people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from domain.model import RuleResult
from domain.normalize import MSG_EMPTY, failure, to_halfwidth
from domain.status import IssueCode


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    short: str  # 令
    letter: str  # R
    start: date
    end: date | None  # last day, inclusive; None = current era
    romaji: str = ""

    def contains(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)

    def year_of(self, d: date) -> int:
        """Era year of a date inside the era (1 = 元年)."""
        return d.year - self.start.year + 1

    def gregorian_year(self, era_year: int) -> int:
        return self.start.year + era_year - 1


ERAS: tuple[Era, ...] = (
    Era("明治", "明", "M", date(1868, 1, 25), date(1912, 7, 29), "meiji"),
    Era("大正", "大", "T", date(1912, 7, 30), date(1926, 12, 24), "taisho"),
    Era("昭和", "昭", "S", date(1926, 12, 25), date(1989, 1, 7), "showa"),
    Era("平成", "平", "H", date(1989, 1, 8), date(2019, 4, 30), "heisei"),
    Era("令和", "令", "R", date(2019, 5, 1), None, "reiwa"),
)

# Single-character era ligatures (㍾㍽㍼㍻㋿).
_LIGATURES = {
    "\u337e": "明治",
    "\u337d": "大正",
    "\u337c": "昭和",
    "\u337b": "平成",
    "\u32ff": "令和",
}

_ERA_LOOKUP: dict[str, Era] = {}
for _era in ERAS:
    for _key in (_era.name, _era.short, _era.letter.lower(), _era.romaji):
        _ERA_LOOKUP[_key] = _era

_SEP = r"(?:[./・\-]|年)"
_SEP2 = r"(?:[./・\-]|月)"
_SUFFIX = r"日?(?:生まれ|生)?"
_MD = rf"{_SEP}(?P<m>[0-9]{{1,2}}){_SEP2}(?P<d>[0-9]{{1,2}}){_SUFFIX}"
_WESTERN = re.compile(rf"(?:西暦)?(?P<y>[0-9]{{4}}){_MD}")
_ERA_DATE = re.compile(rf"(?P<era>[^0-9元]*?)(?P<y>元|[0-9]{{1,2}}){_MD}")

MSG_FORMAT = "日付の書式が正しくありません"
MSG_UNKNOWN_ERA = "元号が特定できません"
MSG_OUT_OF_ERA = "元号の期間外の日付です"
MSG_INVALID_DATE = "存在しない日付です"


def _prepare(text: str) -> str:
    s = to_halfwidth(text)
    for lig, name in _LIGATURES.items():
        s = s.replace(lig, name)
    return re.sub(r"\s+", "", s)


def resolve_era(token: str | None) -> Era | None:
    """Era from '令和', '令', 'R', 'r', 'Ｒ', 'reiwa' or '㋿' (trailing '.' ignored); else None."""
    if not token:
        return None
    key = _prepare(token).rstrip(".・").lower()
    return _ERA_LOOKUP.get(key)


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_wareki(text: str, era: str | None = None) -> RuleResult:
    """Japanese date text -> ``datetime.date``; never raises.

    Accepts '令和6年12月15日', '令和元年5月1日', 'R6.12.15', 'r6/12/15', '令6・12・15',
    'H31.4.30', full-width digits and letters, whitespace anywhere, a trailing
    生/生まれ, era ligatures (㋿), and plain western dates '2024-12-15',
    '2024/12/15', '2024年12月15日'. Text without an era ('60年4月12日', '6.12.15')
    uses ``era`` (any form resolve_era accepts); an era written in the text
    wins over ``era`` (a hand-written 令和 over a printed one).

    Issues: EMPTY, INVALID_FORMAT, UNKNOWN_ERA (unknown or missing era),
    INVALID_DATE (e.g. 2月30日), DATE_OUT_OF_ERA (昭和64年1月8日, 平成31年5月1日,
    令和1年4月30日, year 0). Value is None whenever there is an issue.
    """
    s = _prepare(text)
    if not s:
        return failure(IssueCode.EMPTY, MSG_EMPTY)
    m = _WESTERN.fullmatch(s)
    if m is not None:
        d = _make_date(int(m["y"]), int(m["m"]), int(m["d"]))
        if d is None:
            return failure(IssueCode.INVALID_DATE, MSG_INVALID_DATE)
        return RuleResult(value=d)
    m = _ERA_DATE.fullmatch(s)
    if m is None:
        return failure(IssueCode.INVALID_FORMAT, MSG_FORMAT)
    written = m["era"]
    found = resolve_era(written) if written else resolve_era(era)
    if found is None:
        return failure(IssueCode.UNKNOWN_ERA, MSG_UNKNOWN_ERA)
    era_year = 1 if m["y"] == "元" else int(m["y"])
    if era_year < 1:
        return failure(IssueCode.DATE_OUT_OF_ERA, MSG_OUT_OF_ERA)
    d = _make_date(found.gregorian_year(era_year), int(m["m"]), int(m["d"]))
    if d is None:
        return failure(IssueCode.INVALID_DATE, MSG_INVALID_DATE)
    if not found.contains(d):
        return failure(IssueCode.DATE_OUT_OF_ERA, MSG_OUT_OF_ERA)
    return RuleResult(value=d)


def era_of(d: date) -> Era:
    """The era containing ``d``; ValueError for a date before 明治 (a programming error)."""
    if isinstance(d, datetime):
        d = d.date()
    for e in reversed(ERAS):
        if e.contains(d):
            return e
    raise ValueError("date is before the 明治 era")


def to_wareki(d: date) -> tuple[str, int]:
    """date(2024, 12, 15) -> ('令和', 6). ValueError before 1868-01-25."""
    e = era_of(d)
    return e.name, e.year_of(d)


def format_wareki(d: date, gannen: bool = True) -> str:
    """'令和6年12月15日'; year 1 is written 元年 unless ``gannen`` is False ('令和1年5月1日')."""
    name, year = to_wareki(d)
    y = "元" if year == 1 and gannen else str(year)
    return f"{name}{y}年{d.month}月{d.day}日"
