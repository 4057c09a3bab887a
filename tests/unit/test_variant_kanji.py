"""Names holding a variant-prone kanji go to a person, whatever they score (issue 14)."""

from __future__ import annotations

import pytest

from domain.calibration import Calibration, KindCalibration
from domain.model import Box, FieldReading, FieldSpec, Issue
from domain.status import REVIEW_REASON_JA, FieldKind, FieldStatus, IssueCode, ReviewReason, reason_for_issue
from domain.triage import triage
from domain.variant_kanji import (
    MESSAGE,
    check_variant_names,
    flag_variant,
    flagged,
    is_name,
    variant_issue,
    variant_prone,
)

B = Box(x=0, y=0, w=50, h=10)
NAME = FieldSpec(id="full_name", label="氏名", kind=FieldKind.TEXT, box=B)
DELIVERY = FieldSpec(id="delivery_name", label="送付先氏名", kind=FieldKind.TEXT, box=B)
ADDRESS = FieldSpec(id="address", label="住所", kind=FieldKind.TEXT, box=B)
KANA = FieldSpec(id="full_name_kana", label="フリガナ", kind=FieldKind.KANA, box=B)


def _r(spec: FieldSpec, value: object, conf: float = 0.9999) -> FieldReading:
    return FieldReading(field_id=spec.id, kind=spec.kind, value=value, raw=str(value or ""),
                        confidence=conf)


@pytest.mark.parametrize("name", ["山崎\u3000花子", "山﨑\u3000花子", "高橋\u3000一郎", "髙木\u3000誠",
                                  "渡辺\u3000愛", "渡邉\u3000愛", "渡邊\u3000愛", "斎藤\u3000茂",
                                  "齋藤\u3000茂", "中島\u3000蓮", "佐藤\u3000美穂", "佐藤\u3000恵子"])
def test_both_sides_of_a_variant_pair_are_flagged(name: str) -> None:
    # the wrong reading of 山﨑 is the common 山崎: only the image can tell them apart
    assert variant_prone(name)
    issue = variant_issue(NAME, _r(NAME, name))
    assert issue is not None and issue.code is IssueCode.VARIANT_KANJI and issue.message == MESSAGE


@pytest.mark.parametrize("name", ["佐藤\u3000太郎", "鈴木\u3000花子", "小野寺\u3000悠斗", "田中\u3000さくら"])
def test_names_without_a_variant_prone_character_pass(name: str) -> None:
    assert not variant_prone(name)
    assert variant_issue(NAME, _r(NAME, name)) is None


def test_a_character_outside_jis_x_0208_is_flagged() -> None:
    assert variant_prone("𠮷田\u3000太郎")  # 𠮷 (つちよし) is outside JIS X 0208
    assert variant_prone("佐藤\u3000边")  # a simplified 边 read for 邉


def test_only_name_fields_are_checked() -> None:
    assert is_name(NAME) and is_name(DELIVERY)
    assert not is_name(ADDRESS) and not is_name(KANA)
    assert variant_issue(ADDRESS, _r(ADDRESS, "長崎県長崎市高島町1-2-3")) is None
    assert variant_issue(DELIVERY, _r(DELIVERY, "高橋\u3000一郎")) is not None


def test_empty_hostile_and_already_flagged_readings() -> None:
    assert variant_issue(NAME, _r(NAME, None)) is None
    assert variant_issue(NAME, _r(NAME, "  ")) is None
    assert variant_issue(NAME, _r(NAME, "<script>alert(1)</script>")) is None
    split = Issue(code=IssueCode.NAME_SPLIT, message="x", field_id="full_name")
    done = _r(NAME, "山崎花子").model_copy(update={"issues": [split]})
    assert flag_variant(NAME, done) is done  # one reason is enough; nothing added twice
    once = flag_variant(NAME, _r(NAME, "山崎\u3000花子"))
    assert flag_variant(NAME, once).issues == once.issues


def test_check_in_place_and_the_review_reason_in_japanese() -> None:
    readings = {"full_name": _r(NAME, "山崎\u3000花子"), "address": _r(ADDRESS, "岩手県久慈市川崎町1-2"),
                "delivery_name": _r(DELIVERY, "佐藤\u3000太郎")}
    check_variant_names([NAME, ADDRESS, DELIVERY], readings)
    assert flagged(readings) == ["full_name"]
    code = readings["full_name"].issues[0].code
    assert reason_for_issue(code) is ReviewReason.VARIANT_KANJI
    assert "異体字" in REVIEW_REASON_JA[ReviewReason.VARIANT_KANJI]
    assert "山崎" not in readings["full_name"].issues[0].message  # no value in the reason


def test_a_flagged_name_goes_to_staff_even_where_the_threshold_accepts_everything() -> None:
    always = KindCalibration(knots=[1.0], probs=[0.999], threshold=0.5, n=1000, accepted_share=1.0,
                             min_score=0.0)
    cal = Calibration(version="t", created="2026-12-07T00:00:00Z", target_error=0.005,
                      kinds={"text": always})
    plain = triage(_r(NAME, "佐藤\u3000太郎"), NAME, cal)
    assert plain.status is FieldStatus.AUTO_ACCEPTED
    variant = triage(flag_variant(NAME, _r(NAME, "山崎\u3000花子")), NAME, cal)
    assert variant.status is FieldStatus.NEEDS_REVIEW and variant.reason is ReviewReason.VARIANT_KANJI
