"""Plausibility of a read Japanese address (住所): prefecture and structure.

The most confident misreads of address fields are ones no Japanese address can
have: a prefecture that does not exist (秋田県 read as 秋山県), a slash or other
ASCII symbol inside the address (a written 1 or a stroke read as "/"), a letter where a number belongs (5丁目
read as S丁目), no city,
ward, town or village after the prefecture. Such a reading goes to a person with a
Japanese reason, whatever its confidence: a rule decides it, not a threshold.

Only facts are used: the 47 prefectures (都道府県) and the way an address is
written (prefecture, then a municipality ending in 市・区・町・村 or a district 郡,
then a house number). There is no municipality list: no registry package with a
permissive licence shipped one offline when this was written. The check runs on
what the reader produced, never on what a person types in the review screen
(a clerk may type an address without its prefecture).

Strict on purpose: an address that does not start with a prefecture goes to a
person too, because a misread prefecture without its 都・道・府・県 suffix would
otherwise pass. Synthetic and real forms of this project ask for the full address.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from domain.model import FieldReading, FieldSpec, Issue
from domain.status import FieldKind, IssueCode

PREFECTURES: tuple[str, ...] = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県",
    "茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県",
    "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県",
    "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県",
    "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県",
    "徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県",
    "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)

MSG_PREFECTURE = "住所の都道府県名を確認してください"
MSG_SYMBOL = "住所に使われない記号が含まれています"
MSG_MUNICIPALITY = "住所の市区町村名を確認してください"
MSG_NUMBER = "住所の番地を確認してください"

# after the prefecture, the municipality (or district) ends within this many characters
# (最長: 南アルプス市, 北海道の郡名+町 like 余市郡仁木町 end their first unit by then)
MUNICIPALITY_WITHIN = 7
_MUNICIPALITY_END = "市区町村郡"
# characters no written address holds (after NFKC: full-width forms become ASCII)
_SYMBOLS = re.compile(r"[/\\|!?@#$%^&*+=<>{}\[\]~_;:\"'`,、。・()（）「」]")
_NUMBER = re.compile(r"[0-9〇一二三四五六七八九十百千]")
_HYPHENS = "-－‐‑–—―ー−"
_BAD_HYPHENS = re.compile(r"(^|[^0-9〇一二三四五六七八九十])-|--|-$")
# a Latin letter where a number belongs (5丁目 read as S丁目, 1O番 as 10番)
_LETTER_NUMBER = re.compile(r"[A-Za-z](丁目|番|号|地割)|[0-9][A-Za-z][0-9]")


def is_address(spec: FieldSpec) -> bool:
    """A free text field that holds an address (住所 / 所在地 in its label, or its id)."""
    if spec.kind is not FieldKind.TEXT:
        return False
    return "住所" in spec.label or "所在地" in spec.label or spec.id.endswith("address")


def address_problem(text: str) -> str | None:
    """The Japanese reason a read address cannot be right, or None when it is plausible."""
    flat = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
    if not flat:
        return None  # blank is the required/empty rule's business
    first_line = flat.splitlines()[0]
    pref = next((p for p in PREFECTURES if first_line.startswith(p)), None)
    if pref is None:
        return MSG_PREFECTURE
    if _SYMBOLS.search(flat):
        return MSG_SYMBOL
    rest = first_line[len(pref):]
    if not any(c in _MUNICIPALITY_END for c in rest[:MUNICIPALITY_WITHIN]):
        return MSG_MUNICIPALITY
    if not _NUMBER.search(rest) or _LETTER_NUMBER.search(rest):
        return MSG_NUMBER
    # house numbers: a hyphen joins two numbers (1-2-3); the long vowel ー in katakana
    # building names is not a hyphen, so only ASCII/dash hyphens next to digits count
    dashed = "".join("-" if c in _HYPHENS and c != "ー" else c for c in flat)
    if _BAD_HYPHENS.search(_numbers_only(dashed)):
        return MSG_NUMBER
    return None


def _numbers_only(text: str) -> str:
    """The house-number part: from the first digit to the end of the first line."""
    line = text.splitlines()[0]
    m = re.search(r"[0-9]", line)
    if m is None:
        return ""
    tail = line[m.start():]
    # a building name after the number (コーポ若葉101) ends the number part's checks
    end = re.search(r"[^0-9\-丁目番地号の割]", tail)
    return tail[: end.start()] if end else tail


def check_addresses(specs: Sequence[FieldSpec], readings: dict[str, FieldReading]) -> None:
    """Flag every read address that cannot be right (in place), like the name check."""
    for spec in specs:
        r = readings.get(spec.id)
        if not is_address(spec) or r is None or not isinstance(r.value, str) or r.issues:
            continue
        problem = address_problem(r.value)
        if problem is not None:
            issue = Issue(code=IssueCode.INVALID_FORMAT, message=problem, field_id=spec.id)
            readings[spec.id] = r.model_copy(update={"issues": [*r.issues, issue]})


def flagged(readings: Mapping[str, FieldReading]) -> list[str]:
    """Ids of readings the address check flagged (for benchmarks and tests)."""
    msgs = {MSG_PREFECTURE, MSG_SYMBOL, MSG_MUNICIPALITY, MSG_NUMBER}
    return [k for k, r in readings.items() if any(i.message in msgs for i in r.issues)]
