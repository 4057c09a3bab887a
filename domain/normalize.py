"""Pure normalisation rules for Japanese form values.

Every ``normalize_*`` takes raw recogniser text and returns a
:class:`~domain.model.RuleResult`; none of them raises for bad data.

Value conventions (others rely on these):

* ``value`` is ``None`` whenever the text could not be turned into the target
  type; a non-empty ``issues`` list means the value must not be auto-accepted.
* Two issues keep the value so a reviewer sees it: ``CHECK_DIGIT_MISMATCH``
  (the 12 digits) and ``AMOUNT_NOT_POSITIVE`` (``0``).
* Empty or blank input gives ``value=None`` with an ``EMPTY`` issue;
  ``domain.validate.normalize_field`` turns that into ``REQUIRED_MISSING`` or
  no issue, depending on the field.
* Messages are fixed Japanese strings and never contain the value.
"""

from __future__ import annotations

import re
import unicodedata

from domain.model import Issue, RuleResult
from domain.mynumber import is_valid_my_number
from domain.status import IssueCode

IDEOGRAPHIC_SPACE = "\u3000"
# Characters read as a hyphen between digits or kana (incl. full-width, minus, dashes, ー).
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\u30fc\uff70"

_HALF_KANA_RUN = re.compile(r"[\uff61-\uff9f]+")
_KANA_PLUS_MARK = re.compile(r"[\u3041-\u30ff][\u3099\u309a]")
_WS = re.compile(r"\s+")
_DASH_CLASS = "[" + re.escape(DASHES) + "]"
_DROP_FOR_DIGITS = re.compile(r"\s|" + _DASH_CLASS)

MSG_EMPTY = "記入されていません"


def failure(code: IssueCode, message: str, value: object = None) -> RuleResult:
    """A result with one issue (``value`` defaults to ``None``)."""
    return RuleResult(value=value, issues=[Issue(code=code, message=message)])


def to_halfwidth(s: str) -> str:
    """Full-width ASCII (U+FF01..U+FF5E) and ￥ to half-width; half-width katakana to full-width.

    Kanji, full-width kana, U+3000 and everything else are left alone (no NFKC:
    it would silently replace compatibility kanji). Half-width katakana with
    ﾞ/ﾟ are composed (ｶﾞ -> ガ, ｳﾞ -> ヴ); a lone ﾞ/ﾟ becomes ゛/゜. Full-width
    kana followed by a combining (han)dakuten are composed too.
    """
    out = []
    for ch in s:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif ch == "\uffe5":  # ￥
            out.append("\u00a5")
        else:
            out.append(ch)
    text = "".join(out)
    text = _HALF_KANA_RUN.sub(_widen_kana, text)
    return _KANA_PLUS_MARK.sub(lambda m: unicodedata.normalize("NFC", m.group()), text)


def _widen_kana(m: re.Match[str]) -> str:
    wide = unicodedata.normalize("NFKC", m.group())
    return wide.replace("\u3099", "\u309b").replace("\u309a", "\u309c")


def collapse_spaces(s: str) -> str:
    """Strip, and turn every run of whitespace (incl. U+3000) into one U+3000."""
    return _WS.sub(IDEOGRAPHIC_SPACE, s.strip())


def _clean(raw: str) -> str:
    """to_halfwidth, minus control and format characters (zero-width space, BOM...)."""
    text = to_halfwidth(raw)
    return "".join(
        ch for ch in text if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")
    )


# 一 (kanji one) or a dash right after a katakana is the long-vowel mark: コ一ポ -> コーポ
_LONG_VOWEL_AFTER_KANA = re.compile(
    r"(?<=[\u30a1-\u30f6])[\u4e00\u2010-\u2015\u2212\uff0d\uff70-](?=[\u30a1-\u30f6]|$)"
)


# Simplified-Chinese forms the recogniser (trained largely on Chinese) sometimes
# outputs for Japanese characters. None of these is used in Japanese writing, so
# mapping them is safe; Japanese variants (髙/高, 﨑/崎, 邉/辺) are never touched.
CHINESE_TO_JAPANESE = str.maketrans({
    "宫": "宮", "霸": "覇", "东": "東", "马": "馬", "门": "門", "长": "長", "冈": "岡",
    "桥": "橋", "泽": "沢", "广": "広", "县": "県", "岛": "島", "滨": "浜", "丰": "豊",
    "乡": "郷", "阳": "陽", "园": "園", "叶": "葉", "户": "戸", "荣": "栄", "绿": "緑",
    "龙": "竜", "边": "辺", "齐": "斉", "丽": "麗", "爱": "愛",
    "贺": "賀", "钱": "銭", "铃": "鈴", "应": "応", "团": "団", "內": "内", "卢": "盧",
})


def normalize_text(raw: str) -> RuleResult:
    """Half-width ASCII, half-width kana widened, spaces collapsed; blank -> EMPTY.

    A 一 or dash between katakana becomes ー (the two look alike in handwriting
    and in OCR output; 一 inside a katakana word is never the kanji).
    """
    text = _LONG_VOWEL_AFTER_KANA.sub("ー", collapse_spaces(_clean(raw)))
    text = text.translate(CHINESE_TO_JAPANESE)
    if not text:
        return failure(IssueCode.EMPTY, MSG_EMPTY)
    return RuleResult(value=text)


# ---------------------------------------------------------------- kana

KATAKANA = "".join(chr(c) for c in range(0x30A1, 0x30F7)) + "ー・"  # ァ..ヶ, ー, ・
_KANA_OK = set(KATAKANA) | {IDEOGRAPHIC_SPACE}
_KANA_DASH = re.compile(r"(?<=[\u30a1-\u30f6\u30fc])" + _DASH_CLASS)


def hiragana_to_katakana(s: str) -> str:
    """ぁ..ゖ -> ァ..ヶ; other characters unchanged."""
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in s)


# small ャュョ exist only after an i-row kana (キャ, シュ, ミョ …) or テ/デ/フ/ヴ (テュ, フュ);
# anywhere else the writer (or the recogniser) meant the full-size kana: マュミ -> マユミ
_I_ROW = "キギシジチヂニヒビピミリテデフヴ"
_SMALL_YOON_MISPLACED = re.compile(rf"(?:(?<![{_I_ROW}])|^)[ャュョ]")
_LARGE_YOON = {"ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ"}
# small vowels only follow the kana that form ファ, ティ, ウェ, シェ, トゥ … with them
_SMALL_VOWEL_AFTER = {
    "ァ": "フヴツクグ", "ィ": "テデフウヴツスズクグ", "ゥ": "トドクグ",
    "ェ": "シジチヂフウヴツイキギニヒミリ", "ォ": "フウヴツクグ",
}
_LARGE_VOWEL = {"ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ"}


def _fix_small_vowels(text: str) -> str:
    out = []
    for i, ch in enumerate(text):
        if ch in _SMALL_VOWEL_AFTER and (i == 0 or text[i - 1] not in _SMALL_VOWEL_AFTER[ch]):
            ch = _LARGE_VOWEL[ch]
        out.append(ch)
    return "".join(out)


def normalize_kana(raw: str) -> RuleResult:
    """フリガナ: full-width katakana with ー, small kana, ヴ, ・ and U+3000 spaces.

    Hiragana and half-width katakana are converted; a hyphen or dash after a
    kana becomes ー. Anything else (kanji, latin, digits) -> NOT_KATAKANA with
    value None.
    """
    text = collapse_spaces(hiragana_to_katakana(_clean(raw)))
    if not text:
        return failure(IssueCode.EMPTY, MSG_EMPTY)
    text = _KANA_DASH.sub("ー", text)
    text = _SMALL_YOON_MISPLACED.sub(lambda m: _LARGE_YOON[m.group(0)], text)
    text = _fix_small_vowels(text)
    if not set(text) <= _KANA_OK:
        return failure(IssueCode.NOT_KATAKANA, "フリガナはカタカナで記入してください")
    return RuleResult(value=text)


# ---------------------------------------------------------------- digits

_ASCII_DIGITS = re.compile(r"[0-9]+")


def _digits_only(raw: str) -> str:
    return _DROP_FOR_DIGITS.sub("", _clean(raw))


def normalize_digits(raw: str) -> RuleResult:
    """ASCII digits with spaces and hyphens removed; other characters -> INVALID_CHARACTERS."""
    text = _digits_only(raw)
    if not text:
        return failure(IssueCode.EMPTY, MSG_EMPTY)
    if not _ASCII_DIGITS.fullmatch(text):
        return failure(IssueCode.INVALID_CHARACTERS, "数字以外の文字が含まれています")
    return RuleResult(value=text)


# ---------------------------------------------------------------- amount

_MAX_AMOUNT_DIGITS = 15
_UNITS = {"億": 100_000_000, "万": 10_000, "千": 1_000, "百": 100}
_GROUPED = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:\.[0-9]{3})+")
_MSG_AMOUNT = "金額の書式が正しくありません"


def _group_number(s: str) -> int | None:
    """'30000', '30,000' or '30.000' (groups of exactly three) -> int; else None."""
    if not _GROUPED.fullmatch(s):
        return None
    digits = s.replace(",", "").replace(".", "")
    return int(digits) if len(digits) <= _MAX_AMOUNT_DIGITS else None


def _parse_amount(body: str) -> int | None:
    """'3万5千200' -> 35200: units strictly descending, each followed by less than itself."""
    parts = re.split(r"([億万千百])", body)
    nums, units = parts[0::2], parts[1::2]
    terms: list[tuple[int, int]] = []
    for n_text, u in zip(nums, units, strict=False):
        unit = _UNITS[u]
        if terms and unit >= terms[-1][1]:
            return None
        if n_text == "":
            if unit >= _UNITS["万"]:
                return None  # 千円 / 百円 mean one thousand / hundred; 万円 alone does not
            n: int | None = 1
        else:
            n = _group_number(n_text)
        if not n:
            return None
        terms.append((n, unit))
    tail = 0 if nums[-1] == "" and terms else _group_number(nums[-1])
    if tail is None:
        return None
    total = tail
    for n, unit in reversed(terms):
        if total >= unit:
            return None  # e.g. 3万12千, 1千2000
        total += n * unit
    return total


def normalize_amount(raw: str) -> RuleResult:
    """Yen amount -> int.

    Accepts ¥/￥/\\ or 金 before, 円 / 円也 / trailing '-' after; thousands
    separators ',' or '.' (a dot only as a separator between groups of exactly
    three digits: '30.000' = 30000, '30.5' is INVALID_FORMAT, since yen has no
    fractions); units 億/万/千/百 ('3万5千円' = 35000, '3万5,000円', '35千円',
    bare '千円' = 1000). Each part after a unit must be smaller than that unit.
    0 -> AMOUNT_NOT_POSITIVE (value 0 kept); anything else -> INVALID_FORMAT.
    """
    text = _WS.sub("", _clean(raw))
    if not text:
        return failure(IssueCode.EMPTY, MSG_EMPTY)
    text = text.removeprefix("金")
    text = text.lstrip("¥\\")
    text = text.removesuffix("也")
    text = re.sub(_DASH_CLASS + "$", "", text)
    text = text.removesuffix("円")
    if not text or len(text) > 40:
        return failure(IssueCode.INVALID_FORMAT, _MSG_AMOUNT)
    amount = _parse_amount(text)
    if amount is None or amount >= 10**_MAX_AMOUNT_DIGITS:
        return failure(IssueCode.INVALID_FORMAT, _MSG_AMOUNT)
    if amount <= 0:
        return failure(IssueCode.AMOUNT_NOT_POSITIVE, "金額が零円になっています", value=0)
    return RuleResult(value=amount)


# ---------------------------------------------------------------- postal, phone, email

_POSTAL = re.compile(r"([0-9]{3})-?([0-9]{4})")
_MSG_POSTAL = "郵便番号は7桁で記入してください"


def normalize_postal(raw: str) -> RuleResult:
    """'〒123-4567', '1234567', '１２３－４５６７', '123 4567' -> '123-4567'.

    Spaces may be anywhere; a hyphen only after the third digit. Else POSTAL_INVALID.
    """
    text = _WS.sub("", _clean(raw))
    if not text:
        return failure(IssueCode.EMPTY, MSG_EMPTY)
    text = re.sub(_DASH_CLASS, "-", text.lstrip("〒〶").removeprefix("郵便番号"))
    m = _POSTAL.fullmatch(text)
    if m is None:
        return failure(IssueCode.POSTAL_INVALID, _MSG_POSTAL)
    return RuleResult(value=f"{m.group(1)}-{m.group(2)}")


MOBILE_PREFIXES = ("050", "070", "080", "090")  # 11 digits (050 = IP phone)
FREE_DIAL_11 = ("0800",)  # 0120 free dial and 0570 are 10 digits and pass the fixed-line rule
_NOT_FIXED = ("020", "050", "060", "070", "080", "090")  # 0X0 prefixes are never 10 digits
_MSG_PHONE = "電話番号の桁数または局番が正しくありません"


def is_valid_phone(digits: str) -> bool:
    """10-digit fixed line (0 + area code, not 00/0X0) or 11-digit 050/070/080/090/0800."""
    if not re.fullmatch(r"0[1-9][0-9]{8,9}", digits):
        return False
    if len(digits) == 10:
        return not digits.startswith(_NOT_FIXED)
    return digits.startswith(MOBILE_PREFIXES + FREE_DIAL_11)


def normalize_phone(raw: str) -> RuleResult:
    """Digits only, e.g. '(03)1234-5678' -> '0312345678'.

    Hyphens, spaces, parentheses and full-width forms are accepted; '+81' is
    replaced by '0'. Valid: 10 digits starting 0 (not 00 or 0X0, so 0120/0570
    pass) or 11 digits starting 050/070/080/090/0800. Else PHONE_INVALID.
    """
    text = re.sub(r"[()]", "", _digits_only(raw))
    if not text:
        return failure(IssueCode.EMPTY, MSG_EMPTY)
    if text.startswith("+81"):
        text = "0" + text[3:].removeprefix("0")
    if not is_valid_phone(text):
        return failure(IssueCode.PHONE_INVALID, _MSG_PHONE)
    return RuleResult(value=text)


_EMAIL_LOCAL = re.compile(r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}")
_EMAIL_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def normalize_email(raw: str) -> RuleResult:
    """Half-width, spaces removed, lower-cased; simple structural check -> EMAIL_INVALID.

    The local part may contain dots anywhere (old Japanese carrier addresses
    such as 'a..b.@docomo.ne.jp' exist); the domain needs two or more labels
    and an alphabetic top-level label.
    """
    text = _WS.sub("", _clean(raw)).lower()
    if not text:
        return failure(IssueCode.EMPTY, MSG_EMPTY)
    local, at, domain = text.rpartition("@")
    labels = domain.split(".")
    ok = (
        bool(at)
        and len(text) <= 254
        and _EMAIL_LOCAL.fullmatch(local) is not None
        and len(labels) >= 2
        and all(_EMAIL_LABEL.fullmatch(label) for label in labels)
        and re.fullmatch(r"[a-z]{2,63}", labels[-1]) is not None
    )
    if not ok:
        return failure(IssueCode.EMAIL_INVALID, "メールアドレスの書式が正しくありません")
    return RuleResult(value=text)


# ---------------------------------------------------------------- my number


def normalize_my_number(raw: str) -> RuleResult:
    """12 ASCII digits (spaces and hyphens removed).

    Non-digits -> INVALID_CHARACTERS, not 12 digits -> WRONG_LENGTH (value None);
    a failed check digit -> CHECK_DIGIT_MISMATCH with the digits kept as value
    so the reviewer can compare them with the image.
    """
    digits = normalize_digits(raw)
    if not digits.ok:
        if digits.issues[0].code is IssueCode.INVALID_CHARACTERS:
            return failure(IssueCode.INVALID_CHARACTERS, "個人番号に数字以外の文字が含まれています")
        return digits
    text: str = digits.value
    if len(text) != 12:
        return failure(IssueCode.WRONG_LENGTH, "個人番号は12桁で記入してください")
    if not is_valid_my_number(text):
        return failure(
            IssueCode.CHECK_DIGIT_MISMATCH, "個人番号のチェックデジットが一致しません", value=text
        )
    return RuleResult(value=text)
