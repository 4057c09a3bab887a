from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.model import Box, ChoiceOption, FieldSpec, FormTemplate, Mark, PageSpec, RuleResult
from domain.status import FieldKind, IssueCode
from domain.validate import (
    alphabet_for,
    cross_field_issues,
    normalize_field,
    normalize_marks,
)

BOX = Box(x=0, y=0, w=10, h=10)


def spec(kind: FieldKind, fid: str = "f", **kw: Any) -> FieldSpec:
    return FieldSpec(id=fid, label="項目", kind=kind, box=BOX, **kw)


def options(*values: str) -> list[ChoiceOption]:
    return [ChoiceOption(value=v, label=v, box=BOX) for v in values]


def codes(result: RuleResult) -> list[IssueCode]:
    return [i.code for i in result.issues]


TEXT_KINDS = [k for k in FieldKind if not k.is_mark]


# ---------------------------------------------------------------- alphabet_for


def test_alphabet_for_kinds() -> None:
    assert alphabet_for(spec(FieldKind.DIGITS)) == "0123456789"
    assert alphabet_for(spec(FieldKind.MY_NUMBER)) == "0123456789"
    assert set(alphabet_for(spec(FieldKind.POSTAL_CODE)) or "") == set("0123456789-〒")
    assert set(alphabet_for(spec(FieldKind.PHONE)) or "") == set("0123456789-()")
    assert set(alphabet_for(spec(FieldKind.AMOUNT)) or "") == set("0123456789,円￥¥万千")
    kana = alphabet_for(spec(FieldKind.KANA)) or ""
    assert {"ァ", "ア", "ヴ", "ヵ", "ヶ", "ー", "・", "　", " "} <= set(kana)
    assert not {"ぁ", "漢", "A"} & set(kana)
    wareki = alphabet_for(spec(FieldKind.WAREKI_DATE)) or ""
    assert set("0123456789年月日元.・/明治大正昭和平成令和MTSHR") == set(wareki)


@pytest.mark.parametrize("kind", [FieldKind.TEXT, FieldKind.FREE_TEXT, FieldKind.EMAIL])
def test_alphabet_for_unconstrained(kind: FieldKind) -> None:
    assert alphabet_for(spec(kind)) is None


def test_alphabet_for_marks() -> None:
    assert alphabet_for(spec(FieldKind.CHECKBOX)) is None
    assert alphabet_for(spec(FieldKind.CHOICE, options=options("a", "b"))) is None


def test_alphabet_for_allowed_chars_override() -> None:
    assert alphabet_for(spec(FieldKind.DIGITS, allowed_chars="01")) == "01"
    assert alphabet_for(spec(FieldKind.TEXT, allowed_chars="ABC")) == "ABC"


def test_alphabets_have_no_duplicates() -> None:
    for kind in TEXT_KINDS:
        alphabet = alphabet_for(spec(kind))
        if alphabet is not None:
            assert len(set(alphabet)) == len(alphabet), kind


# ---------------------------------------------------------------- normalize_field


@pytest.mark.parametrize(
    "kind,raw,expected",
    [
        (FieldKind.TEXT, " 山田　 太郎 ", "山田　太郎"),
        (FieldKind.FREE_TEXT, "とても\n\n  よかった  です", "とても\nよかった　です"),
        (FieldKind.KANA, "やまだ たろう", "ヤマダ　タロウ"),
        (FieldKind.DIGITS, "０１２３", "0123"),
        (FieldKind.AMOUNT, "３万円", 30000),
        (FieldKind.WAREKI_DATE, "令和6年12月15日", date(2024, 12, 15)),
        (FieldKind.POSTAL_CODE, "〒1234567", "123-4567"),
        (FieldKind.PHONE, "(03)1234-5678", "0312345678"),
        (FieldKind.EMAIL, "Taro@Example.jp", "taro@example.jp"),
        (FieldKind.MY_NUMBER, "1234 5678 9018", "123456789018"),
    ],
)
def test_normalize_field_dispatch(kind: FieldKind, raw: str, expected: object) -> None:
    result = normalize_field(spec(kind), raw)
    assert result.ok, result.issues
    assert result.value == expected


@pytest.mark.parametrize(
    "kind,raw,code",
    [
        (FieldKind.KANA, "山田", IssueCode.NOT_KATAKANA),
        (FieldKind.DIGITS, "12a", IssueCode.INVALID_CHARACTERS),
        (FieldKind.AMOUNT, "0円", IssueCode.AMOUNT_NOT_POSITIVE),
        (FieldKind.WAREKI_DATE, "昭和64年1月8日", IssueCode.DATE_OUT_OF_ERA),
        (FieldKind.POSTAL_CODE, "123456", IssueCode.POSTAL_INVALID),
        (FieldKind.PHONE, "1234", IssueCode.PHONE_INVALID),
        (FieldKind.EMAIL, "taro", IssueCode.EMAIL_INVALID),
        (FieldKind.MY_NUMBER, "123456789017", IssueCode.CHECK_DIGIT_MISMATCH),
        (FieldKind.MY_NUMBER, "12345678901", IssueCode.WRONG_LENGTH),
    ],
)
def test_normalize_field_issues_carry_field_id(kind: FieldKind, raw: str, code: IssueCode) -> None:
    result = normalize_field(spec(kind, fid="donor_x"), raw)
    assert codes(result) == [code]
    assert all(i.field_id == "donor_x" for i in result.issues)


def test_wareki_era_from_argument_then_fixed_era() -> None:
    fixed = spec(FieldKind.WAREKI_DATE, fixed_era="令和")
    assert normalize_field(fixed, "6年12月15日").value == date(2024, 12, 15)
    assert normalize_field(fixed, "60年4月12日", era="昭").value == date(1985, 4, 12)
    plain = spec(FieldKind.WAREKI_DATE)
    assert normalize_field(plain, "60.4.12", era="S").value == date(1985, 4, 12)
    assert codes(normalize_field(plain, "60.4.12")) == [IssueCode.UNKNOWN_ERA]


@pytest.mark.parametrize("kind", TEXT_KINDS)
@pytest.mark.parametrize("raw", ["", "  ", "\u3000\n"])
def test_empty_required_and_optional(kind: FieldKind, raw: str) -> None:
    required = normalize_field(spec(kind, fid="req", required=True), raw)
    assert required.value is None
    assert codes(required) == [IssueCode.REQUIRED_MISSING]
    assert required.issues[0].field_id == "req"
    assert required.issues[0].message == "必須項目が記入されていません"
    optional = normalize_field(spec(kind), raw)
    assert optional.value is None
    assert optional.ok


def test_only_separators_count_as_empty() -> None:
    assert codes(normalize_field(spec(FieldKind.DIGITS, required=True), "--")) == [
        IssueCode.REQUIRED_MISSING
    ]
    assert normalize_field(spec(FieldKind.DIGITS), "\u200b").ok


def test_allowed_chars() -> None:
    s = spec(FieldKind.TEXT, allowed_chars="ABC123")
    assert normalize_field(s, "ＡＢ１ C").value == "AB1　C"
    bad = normalize_field(s, "ABD")
    assert bad.value is None
    assert codes(bad) == [IssueCode.INVALID_CHARACTERS]
    assert bad.issues[0].field_id == "f"
    assert "ABD" not in bad.issues[0].message


def test_allowed_chars_full_width_in_spec() -> None:
    s = spec(FieldKind.DIGITS, allowed_chars="０１２")
    assert normalize_field(s, "012").value == "012"
    assert normalize_field(s, "０１２").value == "012"


def test_normalize_field_on_mark_kind_uses_marks() -> None:
    s = spec(FieldKind.MULTI_CHOICE, options=options("a", "b", "c"))
    assert normalize_field(s, "c, a").value == ["a", "c"]
    assert normalize_field(spec(FieldKind.CHECKBOX), "checked").value is True
    assert normalize_field(spec(FieldKind.CHECKBOX), "").value is False


@settings(deadline=None, max_examples=60)
@given(st.text(), st.sampled_from(list(FieldKind)), st.booleans())
def test_normalize_field_total(raw: str, kind: FieldKind, required: bool) -> None:
    opts = options("a", "b") if kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) else []
    s = spec(kind, fid="any", required=required, options=opts)
    result = normalize_field(s, raw, era="令和")
    assert isinstance(result, RuleResult)
    for issue in result.issues:
        assert issue.field_id == "any"
        assert issue.message


# ---------------------------------------------------------------- normalize_marks


def test_checkbox() -> None:
    box = spec(FieldKind.CHECKBOX, fid="eligible_1", required=True)
    assert normalize_marks(box, ["checked"]).value is True
    assert normalize_marks(box, ["anything"]).value is True
    missing = normalize_marks(box, [])
    assert missing.value is False
    assert codes(missing) == [IssueCode.REQUIRED_MISSING]
    assert missing.issues[0].field_id == "eligible_1"
    optional = normalize_marks(spec(FieldKind.CHECKBOX), [" "])
    assert optional.value is False and optional.ok


def test_choice() -> None:
    s = spec(FieldKind.CHOICE, fid="era", options=options("showa", "heisei", "reiwa"))
    assert normalize_marks(s, ["heisei"]).value == "heisei"
    assert normalize_marks(s, ["heisei", "heisei"]).value == "heisei"
    two = normalize_marks(s, ["showa", "reiwa"])
    assert two.value is None
    assert codes(two) == [IssueCode.MULTIPLE_MARKS]
    assert two.issues[0].field_id == "era"
    assert normalize_marks(s, []).value is None
    assert normalize_marks(s, []).ok
    unknown = normalize_marks(s, ["taisho"])
    assert unknown.value is None and codes(unknown) == [IssueCode.UNKNOWN_OPTION]


def test_choice_required() -> None:
    s = spec(FieldKind.CHOICE, required=True, options=options("m", "f"))
    assert codes(normalize_marks(s, [])) == [IssueCode.REQUIRED_MISSING]


def test_multi_choice() -> None:
    s = spec(FieldKind.MULTI_CHOICE, options=options("a", "b", "c"))
    assert normalize_marks(s, ["c", "a", "c"]).value == ["a", "c"]
    assert normalize_marks(s, []).value == []
    assert normalize_marks(s, []).ok
    assert codes(normalize_marks(s, ["a", "zz"])) == [IssueCode.UNKNOWN_OPTION]
    req = spec(FieldKind.MULTI_CHOICE, required=True, options=options("a", "b"))
    result = normalize_marks(req, [])
    assert result.value == [] and codes(result) == [IssueCode.REQUIRED_MISSING]


def test_marks_on_text_field() -> None:
    result = normalize_marks(spec(FieldKind.TEXT), ["a"])
    assert result.value is None and codes(result) == [IssueCode.INVALID_FORMAT]


@given(st.lists(st.sampled_from(["a", "b", "c"]), max_size=5))
def test_multi_choice_order_property(marked: list[str]) -> None:
    s = spec(FieldKind.MULTI_CHOICE, options=options("a", "b", "c"))
    assert normalize_marks(s, marked).value == [v for v in "abc" if v in marked]


# ---------------------------------------------------------------- cross_field_issues


def template(valid_from: date | None = date(2022, 4, 1)) -> FormTemplate:
    page = PageSpec(
        number=1,
        form_code="ONESTOP-2022",
        marks=[Mark(x=5, y=5), Mark(x=190, y=5), Mark(x=5, y=280)],
    )
    fields = [
        spec(FieldKind.WAREKI_DATE, fid="submitted_on"),
        spec(FieldKind.WAREKI_DATE, fid="birth_date"),
        spec(FieldKind.WAREKI_DATE, fid="donation_date"),
        spec(FieldKind.WAREKI_DATE, fid="other_date"),
        spec(FieldKind.AMOUNT, fid="donation_amount"),
    ]
    return FormTemplate(
        id="onestop",
        family="onestop",
        version=1,
        title="申請書",
        valid_from=valid_from,
        pages=[page],
        fields=fields,
    )


TODAY = date(2024, 12, 20)


def test_cross_field_clean() -> None:
    values: dict[str, object] = {
        "submitted_on": TODAY,
        "birth_date": date(1985, 4, 12),
        "donation_date": date(2024, 12, 15),
        "other_date": date(2000, 1, 1),
        "donation_amount": 30000,
    }
    assert cross_field_issues(template(), values, TODAY) == []


def test_future_dates() -> None:
    values: dict[str, object] = {
        "submitted_on": date(2024, 12, 21),
        "birth_date": date(2030, 1, 1),
        "donation_date": datetime(2025, 1, 1, 9, 0),
    }
    issues = cross_field_issues(template(), values, TODAY)
    assert [(i.field_id, i.code) for i in issues] == [
        ("submitted_on", IssueCode.FUTURE_DATE),
        ("birth_date", IssueCode.FUTURE_DATE),
        ("donation_date", IssueCode.FUTURE_DATE),
    ]
    assert all(i.message for i in issues)


def test_too_early_only_for_donation_and_submission() -> None:
    early = date(2022, 3, 31)
    values: dict[str, object] = {
        "submitted_on": early,
        "birth_date": early,
        "donation_date": early,
        "other_date": early,
    }
    issues = cross_field_issues(template(), values, TODAY)
    assert [(i.field_id, i.code) for i in issues] == [
        ("submitted_on", IssueCode.DATE_TOO_EARLY),
        ("donation_date", IssueCode.DATE_TOO_EARLY),
    ]
    assert cross_field_issues(template(), {"donation_date": date(2022, 4, 1)}, TODAY) == []
    assert cross_field_issues(template(valid_from=None), values, TODAY) == []


def test_cross_field_accepts_iso_strings() -> None:
    values: dict[str, object] = {"donation_date": "2025-01-01", "submitted_on": "2022-03-31"}
    issues = cross_field_issues(template(), values, TODAY)
    assert [(i.field_id, i.code) for i in issues] == [
        ("submitted_on", IssueCode.DATE_TOO_EARLY),
        ("donation_date", IssueCode.FUTURE_DATE),
    ]


def test_cross_field_ignores_non_dates_and_unknown_ids() -> None:
    values: dict[str, object] = {
        "submitted_on": None,
        "birth_date": "令和9年1月1日",
        "donation_date": 20250101,
        "other_date": "2099-02-30",
        "nonexistent": date(2099, 1, 1),
        "donation_amount": date(2099, 1, 1),
    }
    assert cross_field_issues(template(), values, TODAY) == []


def test_wareki_alphabet_without_era_letters_when_era_is_printed() -> None:
    fixed = FieldSpec(id="donation_date", label="寄附年月日", kind=FieldKind.WAREKI_DATE,
                      box=Box(x=0, y=0, w=10, h=10), fixed_era="令和")
    alphabet = alphabet_for(fixed) or ""
    assert "H" not in alphabet and "R" not in alphabet
    assert set("0123456789年月日元平成令和") <= set(alphabet)
    free = FieldSpec(id="d", label="日付", kind=FieldKind.WAREKI_DATE, box=Box(x=0, y=0, w=10, h=10))
    assert "H" in (alphabet_for(free) or "")
