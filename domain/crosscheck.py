"""Do the form's handwritten values agree with the printed ID copies? (pure; a review hint)

The copies' printed lines (read by :mod:`ocr.id_copy`) carry the person's name, birth
date and (card back, 通知カード, 住民票) My Number. :func:`copy_values` picks them out;
:func:`cross_check` compares them with the form's readings:

* name: NFKC, no spaces, 旧字体/異体字 folded (髙→高, 﨑→崎, 邊/邉→辺 …);
* birth date: 和暦 or 西暦 on the copy, compared as dates;
* address: 丁目/番地/号, full/half width and 大字 folded (:mod:`domain.address_match`);
* My Number: the twelve digits.

The outcome per field is ``agree``, ``disagree`` or ``absent`` (no copy value to compare).
It changes no confidence; a disagreement sends the field to a person (store.copy_checks).
This comparison is lenient on purpose and never accepts a field by itself: acceptance by
agreement takes the strict rule of :mod:`domain.copy_accept` and measured evidence.
No value leaves this module except in the comparison result (codes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from domain.address_match import same_address
from domain.wareki import parse_wareki


class Agreement(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    ABSENT = "absent"


AGREEMENT_JA: dict[Agreement, str] = {
    Agreement.AGREE: "本人確認書類と一致",
    Agreement.DISAGREE: "本人確認書類と一致しません",
    Agreement.ABSENT: "本人確認書類に記載なし（照合できません）",
}
FIELD_JA = {"full_name": "氏名", "birth_date": "生年月日", "address": "住所", "my_number": "個人番号"}
VARIANTS = str.maketrans({"髙": "高", "﨑": "崎", "邊": "辺", "邉": "辺", "𠮷": "吉", "齋": "斎", "齊": "斉",
                          "濱": "浜", "澤": "沢", "櫻": "桜", "廣": "広", "德": "徳", "眞": "真", "嶋": "島",
                          "槇": "槙", "籠": "篭", "國": "国", "惠": "恵", "藏": "蔵"})
_ERA_DATE = re.compile(r"(明治|大正|昭和|平成|令和)\s*(元|\d{1,2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_WESTERN = re.compile(r"(19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_NUMBER = re.compile(r"個人番号\D{0,3}((?:\d\s*){12})")
_NAME = re.compile(r"氏\s*名\s*(.+)")
_ADDRESS = re.compile(r"住\s*所\s*(.+)")
# an address line whose 住所 label was lost: a prefecture, then a city, ward, town or village
_BARE_ADDRESS = re.compile(r"(東京都|北海道|京都府|大阪府|\S{2,3}県)\S*?[市区町村郡]\S*\d")


@dataclass(frozen=True)
class CopyValues:
    names: list[str] = field(default_factory=list)
    births: list[date] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)


def fold_name(text: str) -> str:
    """Comparable form of a name: NFKC, no spaces, variant kanji folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).translate(VARIANTS)


def _name_part(rest: str) -> str:
    """The name after 氏名, without a birth date or 生 that follows on the same line."""
    cut = _ERA_DATE.search(rest) or _WESTERN.search(rest)
    name = rest[:cut.start()] if cut else rest
    name = re.sub(r"[^\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff\s]", "", name)
    return fold_name(name)


def copy_values(lines: Sequence[str]) -> CopyValues:
    """Names, birth dates and My Numbers printed on the copies (only CJK names)."""
    out = CopyValues()
    for raw in lines:
        line = unicodedata.normalize("NFKC", raw)
        m = _NAME.search(line)
        if m and (name := _name_part(m.group(1))) and len(name) >= 2:
            out.names.append(name)
        if "生" in line:
            for d in (_ERA_DATE.search(line), _WESTERN.search(line)):
                if d is not None and (parsed := parse_wareki(d.group(0)).value) is not None:
                    out.births.append(parsed)
        a = _ADDRESS.search(line)
        if a and len(address := a.group(1).strip()) >= 4:
            out.addresses.append(address)
        elif (bare := _BARE_ADDRESS.search(line)) is not None and not m:
            out.addresses.append(line[bare.start():].strip())
        n = _NUMBER.search(line)
        if n:
            out.numbers.append(re.sub(r"\D", "", n.group(1)))
    return out


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, dict) and "iso" in value:
        value = value["iso"]
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _compare(found: Sequence[Any], value: Any, same: Any) -> Agreement:
    if not found or value in (None, ""):
        return Agreement.ABSENT
    return Agreement.AGREE if any(same(value, f) for f in found) else Agreement.DISAGREE


def cross_check(form: Mapping[str, Any], copies: CopyValues) -> dict[str, Agreement]:
    """Per form field (full_name, birth_date, address, my_number): agree / disagree / absent."""
    return {
        "full_name": _compare(copies.names, form.get("full_name"),
                              lambda v, f: fold_name(str(v)) == f),
        "birth_date": _compare(copies.births, _as_date(form.get("birth_date")), lambda v, f: v == f),
        "address": _compare(copies.addresses, form.get("address"), lambda v, f: same_address(str(v), f)),
        "my_number": _compare(copies.numbers, form.get("my_number"),
                              lambda v, f: re.sub(r"\D", "", str(v)) == f),
    }
