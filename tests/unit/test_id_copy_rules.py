"""ID-copy kinds from printed words (domain.id_copy) and the completeness rule (domain.completeness)."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.completeness import UNSURE, UNSURE_JA, AttachedPage, check, check_rows, rules_of
from domain.copy_rule import CopyRule
from domain.id_copy import SURE, CopyKind, classify, fuzzy, kinds_ja, page_kinds, parse_kinds

K = CopyKind


@pytest.mark.parametrize(("lines", "photo", "card", "kind"), [
    (["個人番号カード", "氏名 山田 太郎", "2031年1月1日まで有効"], True, True, K.MYNUMBER_FRONT),
    (["個人番号 1234 5678 9012", "氏名 山田 太郎"], False, True, K.MYNUMBER_BACK),
    (["通知カ--ド", "個人番号 1234 5678 9012"], False, True, K.NOTIFICATION),  # OCR read ー as --
    (["運転免許語", "氏名 山田 太郎", "公安委員会"], True, True, K.LICENSE),  # one wrong character
    (["日本国旅券 PASSPORT JAPAN", "P<JPNYAMADA<<"], True, True, K.PASSPORT),
    (["住民票の写し", "個人番号 123456789012", "世帯主 本人"], False, False, K.JUMINHYO),
    (["ご担当者様", "申請書を同封いたします。"], False, False, K.OTHER),
])
def test_classify_by_printed_words_and_layout(lines: list[str], photo: bool, card: bool,
                                             kind: CopyKind) -> None:
    guess = classify(lines, photo=photo, card=card)
    assert guess.kind is kind


def test_confidence_is_low_when_two_kinds_claim_the_page_or_words_are_garbled() -> None:
    clear = classify(["運転免許証", "公安委員会"], photo=True, card=True)
    assert clear.sure
    mixed = classify(["運転免許証", "日本国旅券 PASSPORT"], photo=True, card=True)
    assert not mixed.sure and mixed.confidence < clear.confidence
    garbled = classify(["@#", "1"], photo=False, card=True)
    assert garbled.kind is K.OTHER and not garbled.sure
    assert classify([], photo=False, card=False, ink=0.0).kind is K.BLANK


def test_fuzzy_keyword_match() -> None:
    assert fuzzy("住民票", "XX住民票の写し") == 1.0
    assert 0.7 <= fuzzy("運転免許証", "運転免許語番号") < 1.0
    assert fuzzy("通知カード", "") == 0.0
    assert fuzzy("通知カード", "山田太郎") < 0.5


def test_stored_kinds_round_trip_and_unknown_codes_are_dropped() -> None:
    code = page_kinds([classify(["個人番号カード"], photo=True, card=True),
                       classify(["個人番号 1234 5678 9012"], photo=False, card=True)])
    assert code == "mynumber_front+mynumber_back"
    assert parse_kinds(code + "+<script>") == [K.MYNUMBER_FRONT, K.MYNUMBER_BACK]
    assert kinds_ja(code) == "マイナンバーカード（表面）・マイナンバーカード（裏面）"
    assert kinds_ja(None) == "不明"


def page(code: str, conf: float = 0.95) -> AttachedPage:
    return AttachedPage(code, conf)


NUMBER, IDENTITY = "個人番号確認", "身元確認"
ONESTOP = CopyRule.model_validate({
    NUMBER: [["mynumber_back"], ["notification"], ["juminhyo"]],
    IDENTITY: [["mynumber_front"], ["license"], ["passport"]],
})


@pytest.mark.parametrize(("pages", "missing", "reason"), [
    ([page("mynumber_front"), page("mynumber_back")], (), None),
    ([page("mynumber_front+mynumber_back")], (), None),
    ([page("notification"), page("license")], (), None),
    ([page("notification+passport")], (), None),
    ([page("juminhyo"), page("license"), page("blank")], (), None),
    ([page("mynumber_front")], (NUMBER,), "マイナンバーカードの裏面の写しがありません"),
    ([page("mynumber_back"), page("other")], (IDENTITY,), "マイナンバーカードの表面の写しがありません"),
    ([page("mynumber_front"), page("notification")], (), None),  # the card front is an identity document
    ([page("notification")], (IDENTITY,),
     f"{IDENTITY}書類（マイナンバーカード（表面）・運転免許証・パスポート）"),
    ([page("license")], (NUMBER,), f"{NUMBER}書類（マイナンバーカード（裏面）・通知カード・住民票の写し）"),
    ([], (NUMBER, IDENTITY), None),
    ([page("other"), page("blank")], (NUMBER, IDENTITY), None),
])
def test_completeness_rule(pages: list[AttachedPage], missing: tuple[str, ...], reason: str | None) -> None:
    result = check(ONESTOP, pages)
    assert result.applies and result.missing == missing
    assert result.complete is (not missing)
    assert len(result.reasons_ja) == len(missing)
    assert all(r.endswith("がありません") for r in result.reasons_ja)
    if reason is not None:
        assert result.reasons_ja == [reason if reason.endswith("がありません") else reason + "がありません"]


def test_unsure_pages_do_not_count_and_make_it_undecided_not_deficient() -> None:
    unsure = SURE - 0.1
    r = check(ONESTOP, [page("mynumber_front"), page("mynumber_back", unsure)])
    assert r.undecided and r.missing == (UNSURE,) and not r.complete and r.unsure_pages == 1
    assert r.reasons_ja == [UNSURE_JA]
    assert check(ONESTOP, [page("mynumber_front"), page("mynumber_back", SURE)]).complete
    # a person confirmed the kind: it counts whatever the reader's confidence
    confirmed = AttachedPage("mynumber_back", 0.1, confirmed=True)
    assert check(ONESTOP, [page("mynumber_front"), confirmed]).complete


def test_a_template_without_a_rule_is_never_deficient_and_the_shipped_onestop_forms_declare_one() -> None:
    from forms.loader import load_templates

    templates = load_templates()
    rules = rules_of(templates.values())
    assert set(rules) == {"onestop_2022", "onestop_legacy"}  # declared in template.yaml, not by id prefix
    assert rules["onestop_2022"] == ONESTOP
    assert check(templates["furusato_application"].required_copies, []).complete
    assert not check(None, [page("license")]).applies
    assert check_rows(rules["onestop_legacy"], [("license", 0.9), ("notification", 0.9)]).complete
    assert "個人番号確認書類" in check_rows(rules["onestop_legacy"], [("license", 0.9)]).reasons_ja[0]
    assert check_rows(rules.get("furusato_application"), [("license", 0.9)]).applies is False


def test_a_rule_may_ask_for_two_copies_together_and_only_for_what_it_names() -> None:
    yaml_shape = {"本人確認": [["notification", "license"], ["mynumber_front", "mynumber_back"]]}
    rule = CopyRule.model_validate(yaml_shape)
    assert not check(rule, [page("notification")]).complete
    assert check(rule, [page("notification+license")]).complete
    assert not check(rule, [page("juminhyo"), page("passport")]).complete
    assert check(rule, [page("mynumber_front"), page("mynumber_back")]).complete
    assert rule.model_dump() == yaml_shape
    assert CopyRule.model_validate(rule.model_dump()) == rule  # the editor saves what it loaded


@pytest.mark.parametrize(("data", "message"), [
    ({"個人番号確認": [["notification_card"]]}, "'notification_card' は書類の種類ではありません"),
    ({"個人番号確認": [["other"]]}, "'other' は本人確認の書類になりません"),
    ({"個人番号確認": []}, "写しの組み合わせを1つ以上"),
    ({"個人番号確認": "mynumber_back"}, "写しの組み合わせを1つ以上"),
    ({"個人番号確認": [[]]}, "組み合わせは書類の種類のリストです"),
    ({"個人番号確認": ["mynumber_back"]}, "組み合わせは書類の種類のリストです"),
    ({}, "required_copies は"),
    (["mynumber_back"], "required_copies は"),
    ({"<script>alert(1)</script>" * 3: [["license"]]}, "要件名が正しくありません"),
])
def test_a_bad_rule_is_refused_in_japanese(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CopyRule.model_validate(data)


def test_a_bad_rule_in_a_template_file_names_the_file_and_line(tmp_path: Path) -> None:
    from domain.errors import TemplateError
    from forms.loader import default_templates_dir, load_template

    text = (default_templates_dir() / "onestop_2022" / "template.yaml").read_text(encoding="utf-8")
    bad = text.replace("- [license]          # 運転免許証", "- [licence]")
    assert bad != text
    path = tmp_path / "onestop_2022" / "template.yaml"
    path.parent.mkdir()
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(TemplateError, match=r"template.yaml line \d+.*'licence' は書類の種類ではありません"):
        load_template(path)


def test_copy_values_and_cross_check_fold_variants_eras_and_spacing() -> None:
    from datetime import date

    from domain.crosscheck import Agreement, copy_values, cross_check

    lines = ["個人番号カード", "氏名　髙橋　一郎", "昭和59年12月2日生", "2031年1月1日まで有効",
             "個人番号 1234 5678 9012", "氏名 髙橋 一郎 昭和59年12月2日生"]
    found = copy_values(lines)
    assert found.names == ["高橋一郎", "高橋一郎"] and found.births == [date(1984, 12, 2)] * 2
    assert found.numbers == ["123456789012"]
    agree = cross_check({"full_name": "高橋 一郎", "birth_date": {"iso": "1984-12-02"},
                         "my_number": "123456789012"}, found)
    assert set(agree.values()) == {Agreement.AGREE, Agreement.ABSENT} and agree["address"] is Agreement.ABSENT
    differ = cross_check({"full_name": "高橋 次郎", "birth_date": date(1984, 12, 3),
                          "my_number": "123456789013"}, found)
    disagree = {k for k, v in differ.items() if v is Agreement.DISAGREE}
    assert disagree == {"full_name", "birth_date", "my_number"}
    absent = cross_check({"full_name": "高橋 一郎"}, copy_values(["<script>alert(1)</script>", "運転免許証"]))
    assert absent == {"full_name": Agreement.ABSENT, "birth_date": Agreement.ABSENT,
                      "address": Agreement.ABSENT, "my_number": Agreement.ABSENT}


def test_hostile_or_empty_lines_are_no_identity_document() -> None:
    hostile = ["<script>alert(1)</script>", "'; DROP TABLE pages; --"]
    assert classify(hostile, photo=False, card=False).kind is K.OTHER
    assert classify(["", ""], photo=False, card=True, ink=0.5).kind is K.OTHER
