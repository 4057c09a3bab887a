"""Name fields on a page: the space restored with evidence, or a person asked (issue 14)."""

from __future__ import annotations

from domain.model import Box, FieldReading, FieldSpec
from domain.status import FieldKind, IssueCode, ReviewReason, reason_for_issue
from ocr.name_fields import check_names, is_name, kana_partner

B = Box(x=0, y=0, w=50, h=10)
KANA = FieldSpec(id="full_name_kana", label="フリガナ", kind=FieldKind.KANA, box=B)
NAME = FieldSpec(id="full_name", label="氏名", kind=FieldKind.TEXT, box=B)
ADDRESS = FieldSpec(id="address", label="住所", kind=FieldKind.TEXT, box=B)
SPECS = [KANA, NAME, ADDRESS]


def _readings(name: str, kana: str | None) -> dict[str, FieldReading]:
    out = {"full_name": FieldReading(field_id="full_name", kind=FieldKind.TEXT, value=name, raw=name),
           "address": FieldReading(field_id="address", kind=FieldKind.TEXT, value="岩手県久慈市川崎町",
                                   raw="岩手県久慈市川崎町")}
    if kana is not None:
        out["full_name_kana"] = FieldReading(field_id="full_name_kana", kind=FieldKind.KANA, value=kana,
                                             raw=kana)
    return out


def test_which_fields_are_names_and_their_kana() -> None:
    assert is_name(NAME) and not is_name(ADDRESS) and not is_name(KANA)
    assert kana_partner(NAME, SPECS) is KANA
    other = FieldSpec(id="delivery_name", label="送付先氏名", kind=FieldKind.TEXT, box=B)
    assert is_name(other) and kana_partner(other, [ADDRESS, other]) is None


def test_a_lost_space_is_restored_from_the_kana_and_a_dictionary_reading() -> None:
    r = _readings("小野寺悠斗", "オノデラ\u3000ユウト")
    check_names(SPECS, r)
    assert r["full_name"].value == "小野寺\u3000悠斗" and not r["full_name"].issues
    assert r["address"].value == "岩手県久慈市川崎町"  # other text fields untouched


def test_a_split_without_evidence_goes_to_a_person_with_the_reason() -> None:
    r = _readings("小野寺悠斗", None)
    check_names(SPECS, r)
    issues = r["full_name"].issues
    if issues:  # statistics alone never auto-accept an inserted space
        assert issues[0].code is IssueCode.NAME_SPLIT
        assert reason_for_issue(issues[0].code) is ReviewReason.NAME_SPLIT
        assert "小野寺" not in issues[0].message
    else:  # or the dictionary alone was sure (surname + given name, one split only)
        assert r["full_name"].value == "小野寺\u3000悠斗"


def test_a_written_space_that_the_kana_contradicts_is_reviewed() -> None:
    r = _readings("小野\u3000寺悠斗", "オノデラ\u3000ユウト")
    check_names(SPECS, r)
    assert [i.code for i in r["full_name"].issues] == [IssueCode.NAME_SPLIT]


def test_hostile_and_empty_values_pass_through() -> None:
    r = _readings("<script>alert(1)</script>", "オノデラ\u3000ユウト")
    check_names(SPECS, r)
    assert r["full_name"].value.startswith("<script>")  # type: ignore[union-attr]
    empty = _readings("", None)
    check_names(SPECS, empty)
    assert empty["full_name"].value == "" and not empty["full_name"].issues
