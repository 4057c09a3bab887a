"""A written name and its フリガナ, read apart, must confirm each other (issue 14; real IPADIC)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.calibration import Calibration, KindCalibration
from domain.model import Box, FieldReading, FieldSpec, Issue
from domain.status import REVIEW_REASON_JA, FieldKind, FieldStatus, IssueCode, ReviewReason, reason_for_issue
from domain.triage import NAME_KEY, calibration_key, triage
from ocr.name_fields import check_name_kana, name_kana_pairs
from ocr.names import kana_confirms

S = "\u3000"
B = Box(x=0, y=0, w=50, h=10)
KANA = FieldSpec(id="full_name_kana", label="フリガナ", kind=FieldKind.KANA, box=B)
NAME = FieldSpec(id="full_name", label="氏名", kind=FieldKind.TEXT, box=B)
DELIVERY = FieldSpec(id="delivery_name", label="送付先氏名", kind=FieldKind.TEXT, box=B)
ADDRESS = FieldSpec(id="address", label="住所", kind=FieldKind.TEXT, box=B)
SPECS = [KANA, NAME, ADDRESS, DELIVERY]


def _r(spec: FieldSpec, value: str | None, issues: list[Issue] | None = None) -> FieldReading:
    return FieldReading(field_id=spec.id, kind=spec.kind, value=value, raw=value or "", confidence=0.999,
                        issues=issues or [])


def _codes(r: FieldReading) -> list[IssueCode]:
    return [i.code for i in r.issues]


def test_a_name_and_its_kana_confirm_each_other_through_the_lexicon() -> None:
    assert kana_confirms(f"大和田{S}健太", f"オオワダ{S}ケンタ")
    assert kana_confirms(f"佐藤{S}さくら", f"さとう{S}さくら")  # hiragana フリガナ, a kana given name
    assert kana_confirms(f"山﨑{S}花子", f"ヤマザキ{S}ハナコ")  # the lexicon spells 﨑 as 崎


def test_a_misread_on_either_side_breaks_the_agreement() -> None:
    assert not kana_confirms(f"大和山{S}健太", f"オオワダ{S}ケンタ")  # read at 0.998 on a calibration page
    assert not kana_confirms(f"大和田{S}健太", f"オオワダ{S}ケソタ")
    assert not kana_confirms(f"大和田{S}健太", f"オオタ{S}ケンタ")


def test_no_space_unknown_names_and_hostile_input_are_never_confirmed() -> None:
    assert not kana_confirms("大和田健太", f"オオワダ{S}ケンタ")
    assert not kana_confirms(f"大和田{S}健太", "オオワダケンタ")
    assert not kana_confirms(f"大和田{S}健太", None)
    assert not kana_confirms(f"小野寺{S}悠斗", f"オノデラ{S}ユウト")  # 悠斗 is not in IPADIC
    assert not kana_confirms("<script>alert(1)</script>", f"オオワダ{S}ケンタ")
    assert not kana_confirms("", "")


def test_confirmed_pairs_pass_and_the_rest_go_to_staff_with_a_reason() -> None:
    readings = {"full_name": _r(NAME, f"大和田{S}健太"), "full_name_kana": _r(KANA, f"オオワダ{S}ケンタ"),
                "address": _r(ADDRESS, "岩手県久慈市川崎町1-2"),
                "delivery_name": _r(DELIVERY, f"佐藤{S}太郎")}
    check_name_kana(SPECS, readings)
    assert not readings["full_name"].issues and not readings["full_name_kana"].issues
    assert not readings["address"].issues
    # a name with no フリガナ field of its own is not confirmed
    assert _codes(readings["delivery_name"]) == [IssueCode.NAME_KANA]
    assert reason_for_issue(IssueCode.NAME_KANA) is ReviewReason.NAME_KANA
    assert "フリガナ" in REVIEW_REASON_JA[ReviewReason.NAME_KANA]
    assert "佐藤" not in readings["delivery_name"].issues[0].message


def test_a_misread_name_flags_both_fields() -> None:
    readings = {"full_name": _r(NAME, f"大和山{S}健太"), "full_name_kana": _r(KANA, f"オオワダ{S}ケンタ")}
    check_name_kana(SPECS, readings)
    assert _codes(readings["full_name"]) == [IssueCode.NAME_KANA]
    assert _codes(readings["full_name_kana"]) == [IssueCode.NAME_KANA]


def test_earlier_flags_are_kept_and_a_flagged_kana_confirms_nothing() -> None:
    split = Issue(code=IssueCode.NAME_SPLIT, message="x", field_id="full_name")
    readings = {"full_name": _r(NAME, "大和田健太", [split]),
                "full_name_kana": _r(KANA, f"オオワダ{S}ケンタ")}
    check_name_kana(SPECS, readings)
    assert _codes(readings["full_name"]) == [IssueCode.NAME_SPLIT]  # its first reason stays
    assert _codes(readings["full_name_kana"]) == [IssueCode.NAME_KANA]  # no spaced name to agree with
    bad_kana = Issue(code=IssueCode.NOT_KATAKANA, message="x", field_id="full_name_kana")
    readings = {"full_name": _r(NAME, f"大和田{S}健太"),
                "full_name_kana": _r(KANA, f"オオワダ{S}ケンタ", [bad_kana])}
    check_name_kana(SPECS, readings)
    assert _codes(readings["full_name"]) == [IssueCode.NAME_KANA]
    assert _codes(readings["full_name_kana"]) == [IssueCode.NOT_KATAKANA]


def test_empty_fields_are_left_to_the_empty_rules() -> None:
    readings = {"full_name": _r(NAME, None), "full_name_kana": _r(KANA, "")}
    check_name_kana(SPECS, readings)
    assert not readings["full_name"].issues and not readings["full_name_kana"].issues
    assert name_kana_pairs(SPECS) == [(NAME, KANA), (DELIVERY, None)]


def test_names_have_their_own_calibration_key_and_older_files_still_decide_them() -> None:
    name = _r(NAME, f"大和田{S}健太")
    assert calibration_key(name) == "text" and calibration_key(name, NAME) == NAME_KEY
    assert calibration_key(_r(ADDRESS, "岩手県"), ADDRESS) == "text"
    assert calibration_key(_r(NAME, None), NAME) == "text:empty"
    accept = KindCalibration(knots=[1.0], probs=[0.999], threshold=0.5, n=1000, accepted_share=1.0,
                             min_score=0.0)
    never = accept.model_copy(update={"threshold": 1.0, "accepted_share": 0.0})
    old = Calibration(version="old", created=datetime.now(UTC), target_error=0.005, kinds={"text": never})
    assert triage(name, NAME, old).reason is ReviewReason.LOW_CONFIDENCE  # decided as text
    new = Calibration(version="new", created=datetime.now(UTC), target_error=0.005,
                      kinds={"text": never, NAME_KEY: accept})
    assert triage(name, NAME, new).status is FieldStatus.AUTO_ACCEPTED
    assert triage(_r(ADDRESS, "岩手県久慈市1-2"), ADDRESS, new).status is FieldStatus.NEEDS_REVIEW
