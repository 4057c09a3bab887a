"""Rules of value normalisation, 個人番号 and 和暦 (domain/normalize.py, mynumber.py, wareki.py).

Expected values are worked out by hand from ../shared/reference/japanese-forms.md and the
docstrings of the rules.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.mynumber import check_digit
from domain.normalize import (
    KATAKANA,
    normalize_amount,
    normalize_email,
    normalize_kana,
    normalize_postal,
    to_halfwidth,
)
from domain.status import IssueCode
from domain.wareki import era_of, resolve_era

# ---------------------------------------------------------------- width


@pytest.mark.parametrize(("raw", "expected"), [
    ("！", "!"),  # U+FF01, first of the range
    ("～", "~"),  # U+FF5E, last of the range
    ("｟", "｟"),  # U+FF5F: just past the range, left alone
    ("￥", "¥"),
])
def test_rule_only_fullwidth_ascii_ff01_to_ff5e_is_narrowed(raw: str, expected: str) -> None:
    """Rule: U+FF01..U+FF5E (and ￥) become half-width; the next code point is not touched."""
    assert to_halfwidth(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("ﾞ", "゛"),  # lone half-width voiced mark → U+309B, not a combining U+3099
    ("ﾟ", "゜"),  # lone half-width semi-voiced mark → U+309C, not a combining U+309A
    ("ﾊﾟ", "パ"),
    ("ｶﾞ", "ガ"),
])
def test_rule_lone_halfwidth_sound_marks_become_spacing_marks(raw: str, expected: str) -> None:
    """Rule: a ﾞ/ﾟ with no kana to join becomes the spacing mark ゛/゜; after a kana it composes."""
    assert to_halfwidth(raw) == expected


# ---------------------------------------------------------------- kana


def test_rule_the_whole_furigana_alphabet_is_accepted_at_once() -> None:
    """Rule: a フリガナ may use every allowed character (all katakana, ー, ・, U+3000) together.

    Small kana are placed where they are written (キャ, ファ …) so none is enlarged."""
    small_ok = "キャキュキョファティトゥシェフォ"
    rest = "".join(c for c in KATAKANA if c not in "ァィゥェォャュョー・")
    text = small_ok + rest + "ー・ア　イ"
    result = normalize_kana(text)
    assert result.ok and result.value == text
    assert set(result.value) == set(KATAKANA) | {"\u3000"}


# ---------------------------------------------------------------- amount


@pytest.mark.parametrize(("raw", "value"), [
    ("999999999999999", 999_999_999_999_999),  # 15 digits: the largest amount
    ("100000000000000円", 10**14),  # 15 digits
    ("9999999億9999万9999円", 999_999_999_999_999),  # the largest amount with units
    ("1万9999円", 19_999),  # the part after 万 is below 万
    ("¥30,000", 30_000),
])
def test_rule_amounts_up_to_fifteen_digits_are_read(raw: str, value: int) -> None:
    """Rule: an amount is below 10**15 yen; each part after a unit is smaller than the unit."""
    result = normalize_amount(raw)
    assert result.ok and result.value == value


@pytest.mark.parametrize("raw", [
    "1000000000000000",  # 16 digits = 10**15
    "0000000000000001円",  # 16 digits, even if only leading zeros
    "10000000億円",  # 10**15 with a unit
    "1万10000円",  # the part after 万 is not below 万
    "X30000",  # a stray letter before the amount is not dropped
])
def test_rule_too_large_or_malformed_amounts_are_format_errors(raw: str) -> None:
    """Rule: 10**15 yen or more, more than 15 digits, or a part not below its unit → INVALID_FORMAT."""
    result = normalize_amount(raw)
    assert result.value is None
    assert [i.code for i in result.issues] == [IssueCode.INVALID_FORMAT]


def test_rule_amount_text_is_at_most_forty_characters() -> None:
    """Rule: after 金/¥/円 are removed the amount text may be 40 characters long, not 41."""
    forty = "000000000000003万000000000000005千00000200"  # 15 + 1 + 15 + 1 + 8
    assert len(forty) == 40
    assert normalize_amount(forty + "円").value == 35_200
    forty_one = "000000000000003万000000000000005千000000200"
    assert len(forty_one) == 41
    assert [i.code for i in normalize_amount(forty_one).issues] == [IssueCode.INVALID_FORMAT]
    padded = "000000000000001億000000000000001万000000000000001千000000000000001百000000000000001"
    assert [i.code for i in normalize_amount(padded).issues] == [IssueCode.INVALID_FORMAT]


# ---------------------------------------------------------------- postal code


@pytest.mark.parametrize(("raw", "expected"), [
    ("郵便番号123-4567", "123-4567"),
    ("〶1234567", "123-4567"),
    ("〒 123－4567", "123-4567"),
])
def test_rule_postal_code_prefixes_are_dropped(raw: str, expected: str) -> None:
    """Rule: a leading 〒, 〶 or the word 郵便番号 is not part of the code."""
    assert normalize_postal(raw).value == expected


@pytest.mark.parametrize("raw", ["123-4567郵便番号", "X123-4567", "1234567X"])
def test_rule_only_the_known_prefixes_are_dropped(raw: str) -> None:
    """Rule: 郵便番号 after the digits, or any other stray character, makes the code invalid."""
    result = normalize_postal(raw)
    assert result.value is None and [i.code for i in result.issues] == [IssueCode.POSTAL_INVALID]


# ---------------------------------------------------------------- email


def _email_of_length(n: int) -> str:
    local = "l" * 64
    domain = "a" * 63 + "." + "b" * 63 + "." + "c" * (n - 64 - 1 - 128)
    return f"{local}@{domain}"


def test_rule_an_email_address_may_be_254_characters_not_255() -> None:
    """Rule: 254 characters is the longest address accepted (RFC 5321 path limit)."""
    at_limit = _email_of_length(254)
    assert len(at_limit) == 254
    assert normalize_email(at_limit).value == at_limit
    over = _email_of_length(255)
    assert len(over) == 255
    assert [i.code for i in normalize_email(over).issues] == [IssueCode.EMAIL_INVALID]


@pytest.mark.parametrize("raw", ["user@example.com.123", "user@mail.example.c0m"])
def test_rule_the_last_domain_label_must_be_alphabetic(raw: str) -> None:
    """Rule: the top-level label (the last one, not the second) is letters only."""
    assert [i.code for i in normalize_email(raw).issues] == [IssueCode.EMAIL_INVALID]


def test_rule_a_domain_with_an_alphabetic_last_label_passes() -> None:
    """Rule: three labels whose last one is alphabetic are fine (co.jp)."""
    assert normalize_email("Taro@Example.co.jp").value == "taro@example.co.jp"


# ---------------------------------------------------------------- my number, 和暦


def test_rule_check_digit_refuses_a_body_that_is_not_eleven_ascii_digits_without_echoing_it() -> None:
    """Rule: a malformed body is a programming error; the message says why and hides the digits."""
    with pytest.raises(ValueError) as err:
        check_digit("9876543210")
    assert "11 ASCII digits" in str(err.value)
    assert "9876543210" not in str(err.value)
    with pytest.raises(ValueError, match="11 ASCII digits"):
        check_digit("１２３４５６７８９０１")  # full-width digits are not ASCII


def test_rule_era_of_a_date_before_meiji_says_so() -> None:
    """Rule: era_of(1868-01-24) raises ValueError naming the 明治 lower bound; 01-25 is 明治."""
    assert era_of(date(1868, 1, 25)).name == "明治"
    with pytest.raises(ValueError, match="before the 明治 era"):
        era_of(date(1868, 1, 24))


@pytest.mark.parametrize("token", ["令和X", "RX", "HX.", "X"])
def test_rule_only_a_trailing_dot_is_ignored_in_an_era_token(token: str) -> None:
    """Rule: resolve_era drops a trailing '.'/'・' only; any other extra letter makes it unknown."""
    assert resolve_era(token) is None
    assert resolve_era("R.") is not None and resolve_era("令和・") is not None
