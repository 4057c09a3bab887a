"""Are two written addresses the same place? (pure; the cross-check with ID copies)

A card prints 「東京都千代田区永田町一丁目2番3号」 where the form says 「永田町1-2-3」.
:func:`address_key` reduces both to one comparable string:

* NFKC (full/half width), no spaces, every dash-like mark one '-';
* kanji numerals before 丁目/番/号/地割 and alone between separators as digits (一丁目 → 1);
* 丁目 / 番地 / 番 / 号 / の between numbers → '-', a trailing 号 or '-' dropped;
* 大字 and 字 before a place name dropped (「大字中野字東」 → 「中野東」);
* a few 異体字 of place names folded (霸 → 覇, 舘 → 館 …);
* in the building name after the house number, kana and kanji that look alike folded
  (八/ハ, 一/ー, 力/カ …: the recogniser confuses them in printed names).

:func:`same_address` then accepts equality, or one address that adds only a building
(a suffix that does not continue the last number) or omits the prefecture.
"""

from __future__ import annotations

import re
import unicodedata

_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_DASHES = re.compile(r"[-‐‑‒–—―−ｰー－]")
_KANJI_NUMBER = re.compile(r"[〇一二三四五六七八九十]+(?=丁目|番地|番|号|地割|J目?\d)")
# 異体字 seen in place names (the copy prints one, the form or the recogniser the other)
_VARIANTS = str.maketrans({"霸": "覇", "舘": "館", "﨑": "崎", "髙": "高", "邊": "辺", "邉": "辺",
                           "澤": "沢", "濱": "浜", "嶋": "島", "齋": "斎", "齊": "斉", "國": "国", "廣": "広",
                           "櫻": "桜"})
# kana and kanji the recogniser confuses in building names (ハイツ read as 八イツ): folded on both sides.
# 一 is folded to '-', not ー: every ー has already become '-' (a dash-like mark) by then.
_LOOKALIKES = str.maketrans({"八": "ハ", "一": "-", "力": "カ", "口": "ロ", "工": "エ", "二": "ニ",
                             "卜": "ト", "夕": "タ", "ヘ": "へ", "べ": "ベ", "ぺ": "ペ"})
_PREFECTURE = re.compile(r"^(東京都|北海道|(?:京都|大阪)府|.{2,3}県)")


def _kanji_to_int(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23 (up to 99, as in 丁目 and 番地); None: not a numeral.

    A misread like 十十 or 二三十 is no number: it is left as written, so it equals no
    house number in digits (and cannot crash the cross-check).
    """
    if "十" not in text:
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "〇" in tens + ones or ones == "十":
        return None
    return (_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0)


def _numeral(m: re.Match[str]) -> str:
    n = _kanji_to_int(m.group(0))
    return m.group(0) if n is None else str(n)


def address_key(text: str) -> str:
    """The comparable form of an address (see module doc)."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).translate(_VARIANTS)
    s = _DASHES.sub("-", s)
    s = _KANJI_NUMBER.sub(_numeral, s)
    s = re.sub(r"大字|(?<=[^\d-])字(?=[^\d-])", "", s)
    s = re.sub(r"(?<=\d)(?:丁目|J目?|番地|番|の)(?=\d)", "-", s)  # 丁 is often read as J
    s = re.sub(r"(?<=\d)号", "", s)
    s = re.sub(r"(?<=\d)(?:番地|番)(?!\d)", "", s)
    s = re.sub(r"(?<=\d)丁目(?!\d)", "", s)
    number = re.search(r"\d[\d-]*", s)
    if number is not None:  # the building after the house number: lookalike kana folded
        s = s[:number.end()] + s[number.end():].translate(_LOOKALIKES)
    return s.rstrip("-")


def _without_prefecture(key: str) -> str:
    return _PREFECTURE.sub("", key)


def same_address(a: str, b: str) -> bool:
    """Same place: equal keys, or one adds a building / the prefecture (see module doc)."""
    ka, kb = address_key(a), address_key(b)
    if not ka or not kb:
        return False
    for x, y in ((ka, kb), (_without_prefecture(ka), _without_prefecture(kb))):
        if x == y:
            return True
        short, long_ = sorted((x, y), key=len)
        if len(short) >= 6 and long_.startswith(short) and short[-1].isdigit() \
                and not long_[len(short)].isdigit() and long_[len(short)] != "-":
            return True  # the longer one adds a building name after the last number
    return False
