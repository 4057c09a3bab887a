"""ID-copy kinds from printed words (domain.id_copy) and the completeness rule (domain.completeness)."""

from __future__ import annotations

import pytest

from domain.completeness import DEFICIENCY_JA, AttachedPage, Deficiency, check, check_rows
from domain.id_copy import SURE, CopyKind, classify, fuzzy, kinds_ja, page_kinds, parse_kinds

K = CopyKind
D = Deficiency


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


@pytest.mark.parametrize(("pages", "missing"), [
    ([page("mynumber_front"), page("mynumber_back")], ()),
    ([page("mynumber_front+mynumber_back")], ()),
    ([page("notification"), page("license")], ()),
    ([page("notification+passport")], ()),
    ([page("juminhyo"), page("license"), page("blank")], ()),
    ([page("mynumber_front")], (D.CARD_BACK,)),
    ([page("mynumber_back"), page("other")], (D.CARD_FRONT,)),
    ([page("mynumber_front"), page("notification")], ()),  # the card front is an identity document
    ([page("notification")], (D.IDENTITY,)),
    ([page("license")], (D.NUMBER,)),
    ([], (D.NUMBER, D.IDENTITY)),
    ([page("other"), page("blank")], (D.NUMBER, D.IDENTITY)),
])
def test_completeness_rule(pages: list[AttachedPage], missing: tuple[Deficiency, ...]) -> None:
    result = check("onestop_2022", pages)
    assert result.applies and result.missing == missing
    assert result.complete is (not missing)
    assert all(DEFICIENCY_JA[d] for d in missing)


def test_unsure_pages_do_not_count_and_make_it_undecided_not_deficient() -> None:
    unsure = SURE - 0.1
    r = check("onestop_2022", [page("mynumber_front"), page("mynumber_back", unsure)])
    assert r.undecided and r.missing == (D.UNSURE,) and not r.complete and r.unsure_pages == 1
    assert check("onestop_2022", [page("mynumber_front"), page("mynumber_back", SURE)]).complete
    # a person confirmed the kind: it counts whatever the reader's confidence
    assert check("onestop_2022", [page("mynumber_front"),
                                  AttachedPage("mynumber_back", 0.1, confirmed=True)]).complete


def test_rule_applies_only_to_onestop_forms() -> None:
    assert check("furusato_application", []).complete
    assert not check("furusato_application", []).applies
    assert not check(None, []).applies
    assert check_rows("onestop_legacy", [("license", 0.9), ("notification", 0.9)]).complete
    assert "個人番号確認書類" in check_rows("onestop_legacy", [("license", 0.9)]).reasons_ja[0]


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
    assert set(agree.values()) == {Agreement.AGREE}
    differ = cross_check({"full_name": "高橋 次郎", "birth_date": date(1984, 12, 3),
                          "my_number": "123456789013"}, found)
    assert set(differ.values()) == {Agreement.DISAGREE}
    absent = cross_check({"full_name": "高橋 一郎"}, copy_values(["<script>alert(1)</script>", "運転免許証"]))
    assert absent == {"full_name": Agreement.ABSENT, "birth_date": Agreement.ABSENT,
                      "my_number": Agreement.ABSENT}


def test_hostile_or_empty_lines_are_no_identity_document() -> None:
    hostile = ["<script>alert(1)</script>", "'; DROP TABLE pages; --"]
    assert classify(hostile, photo=False, card=False).kind is K.OTHER
    assert classify(["", ""], photo=False, card=True, ink=0.5).kind is K.OTHER
