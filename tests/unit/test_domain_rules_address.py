"""Rules of domain/address.py: a read address no Japanese address can be goes to a person.

Pure-domain (imports only ``domain`` and pytest) so it runs under ``make mutate``. The
realistic addresses (synthetic people, triage through a calibration) are in
``test_address.py``; here every rule of the check is pinned at its edges, each expected
reason worked out from the module doc: prefecture first, no ASCII symbol, a municipality
ending in 市・区・町・村・郡 within 7 characters of the prefecture, a house number with no
letter in it and hyphens only between numbers.
"""

from __future__ import annotations

import pytest

from domain.address import (
    MSG_MUNICIPALITY,
    MSG_NUMBER,
    MSG_PREFECTURE,
    MSG_SYMBOL,
    PREFECTURES,
    address_problem,
    check_addresses,
    flagged,
    is_address,
)
from domain.model import Box, FieldReading, FieldSpec, Issue
from domain.status import FieldKind, IssueCode

BOX = Box(x=10, y=10, w=100, h=10)


def spec(fid: str, label: str, kind: FieldKind = FieldKind.TEXT) -> FieldSpec:
    return FieldSpec(id=fid, label=label, kind=kind, box=BOX)


def reading(fid: str, value: object, issues: list[Issue] | None = None) -> FieldReading:
    return FieldReading(field_id=fid, kind=FieldKind.TEXT, value=value, raw=str(value), confidence=0.999,
                        issues=issues or [])


# ------------------------------------------------------------------ which fields are addresses


@pytest.mark.parametrize(("s", "expected"), [
    (spec("a", "住所"), True),
    (spec("a", "現住所（カナ不要）"), True),
    (spec("a", "事業所の所在地"), True),
    (spec("home_address", "自宅"), True),  # by its id
    (spec("address_kana", "じゅうしょ"), False),  # the id must END with address
    (spec("a", "氏名"), False),
    (spec("address", "住所", FieldKind.FREE_TEXT), False),  # only the TEXT kind is checked
    (spec("address", "住所", FieldKind.KANA), False),
])
def test_rule_an_address_field_is_a_text_field_labelled_jusho_or_shozaichi_or_named_address(
        s: FieldSpec, expected: bool) -> None:
    assert is_address(s) is expected


# ------------------------------------------------------------------ the prefecture


def test_rule_there_are_the_47_prefectures_and_no_other() -> None:
    assert len(PREFECTURES) == len(set(PREFECTURES)) == 47
    assert {p for p in PREFECTURES if not p.endswith("県")} == {"北海道", "東京都", "京都府", "大阪府"}


@pytest.mark.parametrize("pref", PREFECTURES)
def test_rule_every_prefecture_starts_a_plausible_address(pref: str) -> None:
    assert address_problem(f"{pref}中央市本町1-2-3") is None


@pytest.mark.parametrize("text", [
    "秋山県秋田市山王1-2-3",  # a misread prefecture
    "東京府千代田区丸の内1-2",
    "千代田区丸の内1-2-3",  # no prefecture: strict on purpose
    "市東京都千代田区丸の内1-2",  # the prefecture must come first
    "\n東京都千代田区丸の内1-2",  # ... on the first line
    "<script>alert(1)</script>",
])
def test_rule_an_address_must_start_with_a_real_prefecture(text: str) -> None:
    assert address_problem(text) == MSG_PREFECTURE


def test_rule_a_blank_address_is_left_to_the_required_rule() -> None:
    assert address_problem("") is None
    assert address_problem(" \u3000 ") is None  # only spaces: blank too


# ------------------------------------------------------------------ symbols


@pytest.mark.parametrize("text", [
    "秋田県秋田市山王1/2-3",
    "秋田県秋田市山王1／2－3",  # full-width slash: NFKC makes it "/"
    "秋田県秋田市山王1-2-3<script>",
    "秋田県秋田市山王1-2-3\n(コーポ)",  # a symbol on the second line counts too
    "秋田県秋田市山王1-2-3、4",
    "秋田県秋田市山王1_2",
])
def test_rule_an_ascii_symbol_in_an_address_is_a_misread(text: str) -> None:
    assert address_problem(text) == MSG_SYMBOL


# ------------------------------------------------------------------ the municipality


@pytest.mark.parametrize("end", list("市区町村郡"))
def test_rule_each_municipality_ending_counts(end: str) -> None:
    assert address_problem(f"秋田県中央{end}山王1-2-3") is None


def test_rule_the_municipality_ends_within_seven_characters_of_the_prefecture() -> None:
    # 市 as the 7th character after the prefecture: within; as the 8th: missing
    assert address_problem("北海道あいうえおか市1-2") is None
    assert address_problem("北海道あいうえおかき市1-2") == MSG_MUNICIPALITY
    assert address_problem("秋田県秋日巾山王1-2-3") == MSG_MUNICIPALITY  # 市 misread as 巾
    assert address_problem("東京都X1-2") == MSG_MUNICIPALITY  # a letter is no municipality


def test_rule_spaces_do_not_count_towards_the_seven_characters() -> None:
    assert address_problem("北海道 あいうえおか市1-2") is None
    assert address_problem("北海道\u3000あいうえおか市1-2") is None


def test_rule_the_municipality_is_looked_for_on_the_first_line_only() -> None:
    assert address_problem("秋田県あいうえおかきく\n市1-2") == MSG_MUNICIPALITY


# ------------------------------------------------------------------ the house number


@pytest.mark.parametrize("text", [
    "秋田県秋田市山王",  # no number at all
    "秋田県秋田市山王\n1-2-3",  # the number must be on the first line
    "鹿児島県鹿児島市山下町S丁目10番17号",  # 5 read as S
    "秋田県秋田市山王5丁目a番3号",
    "秋田県秋田市山王5丁目10番b号",
    "岩手県二戸市堀野Z地割1番地1",
    "岩手県二戸市堀野4地割1O0番地1",  # a letter between digits (10 read as 1O0)
])
def test_rule_an_address_needs_a_number_and_no_letter_where_a_number_belongs(text: str) -> None:
    assert address_problem(text) == MSG_NUMBER


@pytest.mark.parametrize("text", [
    "秋田県秋田市山王三丁目",  # kanji numerals are numbers
    "秋田県秋田市山王〇",
    "秋田県秋田市山王百",
    "秋田県秋田市山王千",
    "秋田県秋田市山王十",
    "秋田県秋田市山王1-2-3 ABCビル",  # a Latin building name is no misread number
    "秋田県秋田市山王5丁目Aビル",
    "東京都世田谷区太子堂１－２－３",  # full-width digits and hyphens
])
def test_rule_a_number_in_kanji_or_full_width_and_a_latin_building_name_pass(text: str) -> None:
    assert address_problem(text) is None


@pytest.mark.parametrize("dash", list("-－‐‑–—―−"))
def test_rule_every_dash_between_numbers_is_a_hyphen(dash: str) -> None:
    assert address_problem(f"東京都千代田区丸の内1{dash}2") is None
    assert address_problem(f"東京都千代田区丸の内1{dash}{dash}2") == MSG_NUMBER
    assert address_problem(f"東京都千代田区丸の内1{dash}") == MSG_NUMBER


@pytest.mark.parametrize("text", [
    "東京都千代田区丸の内1--2",
    "東京都千代田区丸の内1-",
    "東京都千代田区丸の内1-2-",
    "東京都千代田区丸の内1番-2",  # a hyphen after a non-number
])
def test_rule_a_hyphen_joins_two_numbers_and_nothing_else(text: str) -> None:
    assert address_problem(text) == MSG_NUMBER


@pytest.mark.parametrize("text", [
    "東京都千代田区丸の内1ー2",  # the long vowel is not a hyphen
    "大阪府大阪市北区梅田1-2-3 サンライズ-101",  # a hyphen inside the building name
    "大阪府大阪市北区梅田1-2-3\n--",  # the second line is not the house number
    "岩手県久慈市川崎町12地割3番地4",
    "北海道札幌市中央区北一条西3丁目4番5号　コーポ若葉101",
    "東京都千代田区丸の内三丁目-",  # no digit: the hyphen rules have no number to look at
    "東京都千代田区丸の内1ー",  # ー is never a hyphen, so never a dangling one
    "東京都千代田区丸の内1ーー2",  # ... nor a doubled one
])
def test_rule_the_hyphen_rules_look_only_at_the_digits_of_the_first_line(text: str) -> None:
    assert address_problem(text) is None


# ------------------------------------------------------------------ flagging readings

ADDRESS = spec("address", "住所")
NAME = spec("full_name", "氏名")
OFFICE = spec("office", "所在地")


def test_rule_a_flagged_address_gets_an_invalid_format_issue_with_the_japanese_reason() -> None:
    readings = {"address": reading("address", "秋山県秋田市山王1-2-3"),
                "full_name": reading("full_name", "秋山県"),
                "office": reading("office", "秋田県秋田市山王1/2")}
    check_addresses([ADDRESS, NAME, OFFICE], readings)
    assert readings["address"].issues == [Issue(code=IssueCode.INVALID_FORMAT, message=MSG_PREFECTURE,
                                                field_id="address")]
    assert readings["office"].issues == [Issue(code=IssueCode.INVALID_FORMAT, message=MSG_SYMBOL,
                                               field_id="office")]
    assert readings["full_name"].issues == []  # not an address field
    assert readings["address"].value == "秋山県秋田市山王1-2-3"  # the value itself is left alone
    assert "秋山" not in readings["address"].issues[0].message  # the message never holds the value
    assert sorted(flagged(readings)) == ["address", "office"]


def test_rule_a_plausible_address_is_left_without_issues() -> None:
    readings = {"address": reading("address", "秋田県秋田市山王1-2-3")}
    check_addresses([ADDRESS], readings)
    assert readings["address"].issues == [] and flagged(readings) == []


def test_rule_a_reading_another_rule_already_flagged_is_not_flagged_twice() -> None:
    earlier = Issue(code=IssueCode.INVALID_CHARACTERS, message="使えない文字が含まれています",
                    field_id="address")
    readings = {"address": reading("address", "秋山県秋田市山王1-2-3", [earlier])}
    check_addresses([ADDRESS], readings)
    assert readings["address"].issues == [earlier]


def test_rule_missing_or_non_text_readings_are_skipped() -> None:
    readings = {"address": reading("address", None)}
    check_addresses([ADDRESS, OFFICE], readings)  # no reading for office at all
    assert readings == {"address": reading("address", None)}


def test_rule_flagged_lists_only_the_address_reasons() -> None:
    other = Issue(code=IssueCode.INVALID_FORMAT, message="形式が正しくありません", field_id="x")
    readings = {"x": reading("x", "a", [other]),
                **{m: reading(m, "a", [Issue(code=IssueCode.INVALID_FORMAT, message=m)])
                   for m in (MSG_PREFECTURE, MSG_SYMBOL, MSG_MUNICIPALITY, MSG_NUMBER)}}
    assert flagged(readings) == [MSG_PREFECTURE, MSG_SYMBOL, MSG_MUNICIPALITY, MSG_NUMBER]
