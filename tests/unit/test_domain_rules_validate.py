"""Rules of field-level validation and cross-field checks (domain/validate.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from domain.model import Box, FieldSpec, FormTemplate, PageSpec, RuleResult
from domain.status import FieldKind, IssueCode
from domain.validate import alphabet_for, cross_field_issues, normalize_field, normalize_marks

BOX = Box(x=0, y=0, w=10, h=10)


def spec(kind: FieldKind, fid: str = "f", **kw: Any) -> FieldSpec:
    return FieldSpec(id=fid, label="項目", kind=kind, box=BOX, **kw)


def codes(result: RuleResult) -> list[IssueCode]:
    return [i.code for i in result.issues]


def test_rule_a_printed_era_limits_a_date_to_digits_separators_and_era_kanji() -> None:
    """Rule: with a printed/circled era, the date alphabet is digits, 年月日元.・/ and era kanji, no latin."""
    expected = set("0123456789年月日元.・/明治大正昭和平成令")
    assert set(alphabet_for(spec(FieldKind.WAREKI_DATE, fixed_era="令和")) or "") == expected
    assert set(alphabet_for(spec(FieldKind.WAREKI_DATE, era_field="birth_era")) or "") == expected


def test_rule_a_check_digit_mismatch_keeps_the_digits_for_the_reviewer() -> None:
    """Rule: 個人番号 with a wrong check digit keeps its 12 digits as value, issue tagged with the field.

    12345678901 has check digit 8 (reference example), so 123456789010 is wrong."""
    result = normalize_field(spec(FieldKind.MY_NUMBER, "my_number"), "1234 5678 9010")
    assert result.value == "123456789010"
    assert codes(result) == [IssueCode.CHECK_DIGIT_MISMATCH]
    assert result.issues[0].field_id == "my_number"


def test_rule_a_zero_amount_keeps_its_value() -> None:
    """Rule: 0円 → value 0 with AMOUNT_NOT_POSITIVE tagged with the field id."""
    result = normalize_field(spec(FieldKind.AMOUNT, "amount"), "0円")
    assert result.value == 0
    assert codes(result) == [IssueCode.AMOUNT_NOT_POSITIVE] and result.issues[0].field_id == "amount"


def test_rule_free_text_of_invisible_characters_only_is_blank() -> None:
    """Rule: free text made only of zero-width/BOM characters counts as not filled in."""
    raw = "\u200b\n\ufeff"
    optional = normalize_field(spec(FieldKind.FREE_TEXT), raw)
    assert optional.value is None and optional.ok
    required = normalize_field(spec(FieldKind.FREE_TEXT, "comment", required=True), raw)
    assert required.value is None
    assert codes(required) == [IssueCode.REQUIRED_MISSING] and required.issues[0].field_id == "comment"


def test_rule_text_of_control_characters_only_is_a_missing_required_field() -> None:
    """Rule: a required text field holding only a zero-width space → REQUIRED_MISSING for that field."""
    result = normalize_field(spec(FieldKind.TEXT, "name", required=True), "\u200b")
    assert result.value is None
    assert codes(result) == [IssueCode.REQUIRED_MISSING] and result.issues[0].field_id == "name"


def test_rule_a_raw_value_that_is_not_text_counts_as_blank() -> None:
    """Rule: normalize_field never raises: a None raw value is treated as an empty field."""
    optional = normalize_field(spec(FieldKind.TEXT), None)  # type: ignore[arg-type]
    assert optional.value is None and optional.ok
    required = normalize_field(spec(FieldKind.TEXT, "name", required=True), None)  # type: ignore[arg-type]
    assert codes(required) == [IssueCode.REQUIRED_MISSING] and required.issues[0].field_id == "name"


def test_rule_marks_on_a_text_field_are_a_format_error_of_that_field() -> None:
    """Rule: normalize_marks on a non-mark field → INVALID_FORMAT, value None, tagged with the field."""
    result = normalize_marks(spec(FieldKind.TEXT, "name"), ["a"])
    assert result.value is None
    assert codes(result) == [IssueCode.INVALID_FORMAT] and result.issues[0].field_id == "name"


def _template() -> FormTemplate:
    return FormTemplate(
        id="onestop", family="onestop", version=1, title="申請書", valid_from=date(2024, 1, 1),
        pages=[PageSpec(number=1, form_code="OS-1")],
        fields=[
            FieldSpec(id="name", label="氏名", kind=FieldKind.TEXT, box=BOX),
            FieldSpec(id="birth", label="生年月日", kind=FieldKind.WAREKI_DATE, box=BOX),
            FieldSpec(id="donation_date", label="寄附年月日", kind=FieldKind.WAREKI_DATE, box=BOX),
        ],
    )


def test_rule_dates_after_a_non_date_field_are_still_checked() -> None:
    """Rule: every wareki_date field is checked, whatever field comes before it."""
    issues = cross_field_issues(_template(), {"name": "山田", "birth": date(2030, 1, 1),
                                              "donation_date": date(2023, 12, 31)}, date(2026, 11, 20))
    assert [(i.code, i.field_id) for i in issues] == [
        (IssueCode.FUTURE_DATE, "birth"), (IssueCode.DATE_TOO_EARLY, "donation_date")]


@pytest.mark.parametrize(("birth", "future"), [
    (date(2026, 11, 20), False),  # today itself is fine, whatever the time of day
    (date(2026, 11, 21), True),
])
def test_rule_today_may_be_a_timestamp_only_its_date_counts(birth: date, future: bool) -> None:
    """Rule: cross_field_issues(today=datetime) compares with that day's date."""
    issues = cross_field_issues(_template(), {"birth": birth}, datetime(2026, 11, 20, 23, 59))
    assert [i.code for i in issues] == ([IssueCode.FUTURE_DATE] if future else [])
