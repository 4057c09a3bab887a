"""Rules of domain/copy_accept.py: may a printed ID copy's exact agreement accept a field?

Pure-domain tests (only ``domain`` is imported) so they run in the mutmut selection.
Every expected value is worked out by hand from the module's docstrings: strict keys keep
every character (NFKC and spaces only; house-number notation for addresses), a field is
accepted only when a confidently read line on a decided identity-document page equals it
exactly, no line gives it another key, and it holds no character the recogniser may read
for another. The evidence bound is the one-sided 95 % Wilson upper bound (z = 1.645)
written out below; with no error among n accepted fields it is z²/(n + z²), which falls
to 0.005 at n ≥ 199·z² = 538.5, so 539 accepted fields are the least that prove a field.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest

import domain.copy_accept as copy_accept
from domain.calibration import wilson_upper
from domain.copy_accept import (
    ACCEPT_REASON,
    LINE_SURE,
    MAX_UPPER,
    RULE_VERSION,
    FieldEvidence,
    ScoredLine,
    Verdict,
    accept_verdict,
    ambiguous,
    copy_may_settle,
    fit,
    form_key,
    kind_decided,
    line_values,
    proven_fields,
    rows_needed,
    strict_address,
    strict_name,
)
from domain.crosscheck import Agreement

A, D, X = Agreement.AGREE, Agreement.DISAGREE, Agreement.ABSENT
Z = 1.645
NAME_LINE = "氏名 山田 太郎 昭和59年12月2日生"  # 昭和59年 = 1926 + 58 = 1984
ADDRESS_LINE = "住所 東京都千代田区永田町一丁目2番3号"
ADDRESS = "東京都千代田区永田町1-2-3"
BORN = date(1984, 12, 2)
CALIBRATION = Path(__file__).resolve().parents[2] / "calibration" / "crosscheck.json"


def wilson(errors: int, n: int) -> float:
    """The one-sided 95 % Wilson upper bound, written out (not the module's function)."""
    if n == 0:
        return 1.0
    p = errors / n
    z2 = Z * Z
    return min(1.0, (p + z2 / (2 * n) + Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n))


def line(text: str, confidence: float | None = 0.99, kind_sure: bool = True) -> ScoredLine:
    return ScoredLine(text, confidence, "mynumber_front", kind_sure)


# --- the verdict -------------------------------------------------------------------------------------


def test_rule_an_exact_confident_line_on_a_decided_copy_accepts_name_birth_date_and_address() -> None:
    lines = [line(NAME_LINE), line(ADDRESS_LINE)]
    assert accept_verdict("full_name", "山田　太郎", A, lines) is Verdict.ACCEPT  # a full-width space only
    assert accept_verdict("birth_date", {"iso": "1984-12-02"}, A, lines) is Verdict.ACCEPT
    assert accept_verdict("birth_date", BORN, A, lines) is Verdict.ACCEPT
    assert accept_verdict("address", "東京都千代田区永田町1-2-3", A, lines) is Verdict.ACCEPT


def test_rule_only_name_birth_date_and_address_can_be_accepted_never_the_my_number() -> None:
    lines = [line("個人番号 1234 5678 9012"), line(NAME_LINE)]
    assert accept_verdict("my_number", "123456789012", A, lines) is Verdict.NO_VALUE
    assert accept_verdict("kana_name", "山田太郎", A, lines) is Verdict.NO_VALUE


def test_rule_a_contradiction_by_the_lenient_check_is_never_accepted() -> None:
    assert accept_verdict("full_name", "山田 太郎", D, [line(NAME_LINE)]) is Verdict.CONTRADICTED
    assert accept_verdict("address", ADDRESS, D, [line(ADDRESS_LINE)]) is Verdict.CONTRADICTED


@pytest.mark.parametrize("lenient", [X, None])
def test_rule_without_lenient_agreement_there_is_nothing_to_accept(lenient: Agreement | None) -> None:
    assert accept_verdict("full_name", "山田 太郎", lenient, [line(NAME_LINE)]) is Verdict.NO_VALUE


@pytest.mark.parametrize("value", [None, "", "Yamada Taro", "<script>alert(1)</script>", "山"])
def test_rule_a_form_value_with_no_strict_key_is_no_value(value: object) -> None:
    assert accept_verdict("full_name", value, A, [line(NAME_LINE)]) is Verdict.NO_VALUE


def test_rule_no_line_naming_the_field_means_not_exact() -> None:
    assert accept_verdict("full_name", "山田 太郎", A, []) is Verdict.NOT_EXACT
    assert accept_verdict("full_name", "山田 太郎", A, [line(ADDRESS_LINE)]) is Verdict.NOT_EXACT


def test_rule_a_line_that_differs_stops_the_acceptance() -> None:
    other = line("氏名 山田 次郎")
    # one card exact, another giving a different name: the copies contradict each other
    assert accept_verdict("full_name", "山田 太郎", A, [line(NAME_LINE), other]) is Verdict.CONTRADICTED
    assert accept_verdict("full_name", "山田 太郎", A, [other, line(NAME_LINE)]) is Verdict.CONTRADICTED
    # only lines that differ (the lenient check forgave them): agreement is only lenient
    assert accept_verdict("full_name", "山田 太郎", A, [other]) is Verdict.NOT_EXACT
    later = line("生年月日 昭和59年12月3日生")
    assert accept_verdict("birth_date", BORN, A, [line(NAME_LINE), later]) is Verdict.CONTRADICTED
    building = line("住所 東京都千代田区永田町一丁目2番3号ハイツ101")
    assert accept_verdict("address", ADDRESS, A, [building]) is Verdict.NOT_EXACT


def test_rule_lines_for_other_fields_neither_help_nor_stop_the_acceptance() -> None:
    lines = [line(ADDRESS_LINE), line(NAME_LINE), line("交付 令和5年1月1日")]
    assert accept_verdict("full_name", "山田 太郎", A, lines) is Verdict.ACCEPT
    assert accept_verdict("address", ADDRESS, A, lines) is Verdict.ACCEPT


@pytest.mark.parametrize(("fid", "value", "printed"), [
    ("full_name", "高木 由美", "氏名 高木 由美"),  # 高 may be a 髙 both readings folded
    ("full_name", "阿部 美穂", "氏名 阿部 美穂"),  # 穂/穗, 旧字体/新字体 inside JIS X 0208
    ("full_name", "渡边 一郎", "氏名 渡边 一郎"),  # simplified 边: outside JIS X 0208
    ("address", "東京都千代田区舘町1-2-3", "住所 東京都千代田区舘町1-2-3"),  # 舘/館 of the address list
])
def test_rule_a_value_the_recogniser_may_read_for_another_is_never_accepted(
        fid: str, value: str, printed: str) -> None:
    assert accept_verdict(fid, value, A, [line(printed)]) is Verdict.VARIANT


def test_rule_the_exact_line_must_be_on_a_page_whose_kind_is_decided() -> None:
    undecided = [line(NAME_LINE, kind_sure=False)]
    assert accept_verdict("full_name", "山田 太郎", A, undecided) is Verdict.UNSURE_KIND
    # a decided page holding only another field's line does not decide the name's page
    lines = [line(NAME_LINE, kind_sure=False), line(ADDRESS_LINE)]
    assert accept_verdict("full_name", "山田 太郎", A, lines) is Verdict.UNSURE_KIND
    # one exact line on a decided page is enough
    lines = [line(NAME_LINE, kind_sure=False), line(NAME_LINE)]
    assert accept_verdict("full_name", "山田 太郎", A, lines) is Verdict.ACCEPT


def test_rule_the_exact_line_must_be_read_with_at_least_line_sure_confidence() -> None:
    assert LINE_SURE == 0.80
    def verdict(conf: float | None) -> Verdict:
        return accept_verdict("full_name", "山田 太郎", A, [line(NAME_LINE, conf)])
    assert verdict(0.80) is Verdict.ACCEPT  # at the bound
    assert verdict(0.7999) is Verdict.UNSURE_LINE
    assert verdict(None) is Verdict.UNSURE_LINE  # unknown is never sure
    assert verdict(1.0) is Verdict.ACCEPT


def test_rule_the_confident_line_and_the_decided_page_must_be_the_same_line() -> None:
    # confident but on an undecided page, and decided but unsure: neither line is enough
    lines = [line(NAME_LINE, 0.99, kind_sure=False), line(NAME_LINE, 0.50, kind_sure=True)]
    assert accept_verdict("full_name", "山田 太郎", A, lines) is Verdict.UNSURE_LINE
    lines.append(line(NAME_LINE, 0.90, kind_sure=True))
    assert accept_verdict("full_name", "山田 太郎", A, lines) is Verdict.ACCEPT


def test_rule_verdict_codes_and_the_audit_reason_are_stored_codes() -> None:
    """Calibration rows store these codes and review_actions stores the reason: they are fixed."""
    assert {v.value for v in Verdict} == {"accept", "no_value", "contradicted", "not_exact",
                                          "unsure_line", "unsure_kind", "variant"}
    assert ACCEPT_REASON == "copy_agreement"


# --- kind and characters ------------------------------------------------------------------------------


def test_rule_a_kind_is_decided_at_sure_or_by_a_person_and_only_for_identity_documents() -> None:
    assert kind_decided("mynumber_front", 0.75)  # domain.id_copy.SURE = 0.75: at the bound
    assert not kind_decided("mynumber_front", 0.7499)
    assert not kind_decided("license", None)
    assert kind_decided("license", None, confirmed=True)
    assert kind_decided("license", 0.1, confirmed=True)
    assert kind_decided("license+passport", 0.9)
    for not_a_document in ("other", "blank", "license+other", "blank+passport"):
        assert not kind_decided(not_a_document, 0.99, confirmed=True)
    for nothing in (None, "", "bogus"):
        assert not kind_decided(nothing, 0.99, confirmed=True)


@pytest.mark.parametrize("text", [
    "高木", "長崎", "渡辺", "横浜", "沢田", "澤田",  # both sides of domain.crosscheck.VARIANTS
    "舘山", "霸王", "覇王", "会館",  # only in the address list (domain.address_match)
    "美穂", "美穗", "栄子", "竜也",  # 旧字体/新字体 pairs inside JIS X 0208
    "渡边", "髙木", "山﨑",  # outside JIS X 0208
])
def test_rule_characters_the_recogniser_may_read_for_another_are_ambiguous(text: str) -> None:
    assert ambiguous(text)
    assert ambiguous("山田" + text)  # anywhere in the value


@pytest.mark.parametrize("text", ["", "山田太郎", "やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "東京都千代田区永田町1-2-3"])
def test_rule_plain_jis_text_is_not_ambiguous(text: str) -> None:
    assert not ambiguous(text)


# --- strict keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "key"), [
    ("山田 太郎", "山田太郎"), ("山田　太郎", "山田太郎"), ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ"), ("やまだ", "やまだ"),
    ("𠮷田 一郎", "𠮷田一郎"), ("山﨑 花子", "山﨑花子"),  # kept as read: no 異体字 folding
    ("山", None), ("Yamada Taro", None), ("山田1", None), ("", None), (None, None), ("<b>山田</b>", None),
    ("佐々木 健", "佐々木健"), ("野々村", "野々村"),  # the iteration mark 々 is part of a name
    ("〆木", None), ("山田〃", None),  # other marks are not
])
def test_rule_a_strict_name_is_nfkc_without_spaces_and_only_kanji_or_kana(
        text: object, key: str | None) -> None:
    assert strict_name(text) == key


@pytest.mark.parametrize(("text", "key"), [
    ("東京都千代田区永田町一丁目2番3号", ADDRESS),
    ("東京都千代田区永田町1丁目2番地3", ADDRESS),
    ("東京都 千代田区　永田町 1-2-3", ADDRESS),
    ("東京都千代田区永田町１－２－３", ADDRESS),  # full width
    ("山田町5の2", "山田町5-2"),
    ("山田町1番地", "山田町1"), ("山田町1番", "山田町1"), ("山田町1丁目", "山田町1"),
    ("山田町3号", "山田町3"),
    ("山田町十番", "山田町10"), ("山田町十五番", "山田町15"), ("山田町二十番", "山田町20"),
    ("山田町二十三番", "山田町23"), ("山田町一〇番", "山田町10"),
    ("東京都5—40-2", "東京都5—40-2"),  # an em dash stays as read
    ("山1-2", "山1-2"), ("1-2", None), ("", None), (None, None),
])
def test_rule_a_strict_address_folds_only_the_house_number_notation(text: object, key: str | None) -> None:
    assert strict_address(text) == key


@pytest.mark.parametrize(("kanji", "digit"), list(zip("〇一二三四五六七八九", "0123456789", strict=True)))
def test_rule_each_kanji_numeral_is_its_digit(kanji: str, digit: str) -> None:
    assert strict_address(f"山田町{kanji}番地") == f"山田町{digit}"
    assert strict_address(f"山田町{kanji}丁目{kanji}番{kanji}号") == f"山田町{digit}-{digit}-{digit}"


@pytest.mark.parametrize("text", ["山田町十十番", "山田町二三十番", "山田町十二三番", "山田町〇十番",
                                  "山田町十〇番", "山田町1丁目十十番2号"])
def test_rule_a_misread_kanji_numeral_gives_no_address_key_and_no_crash(text: str) -> None:
    assert strict_address(text) is None
    assert accept_verdict("address", text, A, [line("住所 " + text)]) is Verdict.NO_VALUE
    assert line_values("住所 " + text)["address"] == []


def test_rule_a_dash_the_form_was_misread_with_does_not_equal_the_printed_number() -> None:
    assert strict_address("東京都5—40-2") != strict_address("東京都5丁目40番2号") == "東京都5-40-2"


def test_rule_a_copy_line_gives_the_keys_of_the_fields_it_prints() -> None:
    assert line_values(NAME_LINE) == {"full_name": ["山田太郎"], "birth_date": [BORN], "address": []}
    western = line_values("氏名 山田 太郎 1984年12月2日生")
    assert western == {"full_name": ["山田太郎"], "birth_date": [BORN], "address": []}
    assert line_values("氏名　山田　太郎") == {"full_name": ["山田太郎"], "birth_date": [], "address": []}
    assert line_values(ADDRESS_LINE) == {"full_name": [], "birth_date": [], "address": [ADDRESS]}
    # both notations on one line give the date twice
    assert line_values("生年月日 昭和59年12月2日 (1984年12月2日生)")["birth_date"] == [BORN, BORN]


def test_rule_a_copy_line_gives_nothing_it_does_not_print_as_such() -> None:
    empty: dict[str, list[object]] = {"full_name": [], "birth_date": [], "address": []}
    assert line_values("氏名 YAMADA TARO") == empty  # a name line holding Latin is not a name
    assert line_values("交付 令和5年1月1日") == empty  # a date without 生 is not the birth date
    assert line_values("昭和64年1月8日生") == empty  # 昭和 ended on 64年1月7日: no date
    assert line_values("住所 1-2") == empty  # too short for an address
    assert line_values("<script>alert(1)</script>") == empty


def test_rule_the_form_key_is_the_strict_key_of_its_field() -> None:
    assert form_key("full_name", "山田 太郎") == "山田太郎"
    assert form_key("address", "東京都千代田区永田町一丁目2番3号") == ADDRESS
    assert form_key("birth_date", {"iso": "1984-12-02"}) == BORN
    assert form_key("birth_date", "1984-12-02") == BORN
    assert form_key("birth_date", "bogus") is None
    assert form_key("my_number", "123456789012") is None


# --- the evidence ------------------------------------------------------------------------------------


def test_rule_the_fit_counts_rows_acceptances_and_wrong_acceptances_per_field() -> None:
    rows = [
        {"field": "my_number", "verdict": "accept", "right": False},  # not a field of this rule: skipped
        {"field": "full_name", "verdict": "accept", "right": False},
        {"field": "full_name", "verdict": "accept", "right": False},
        {"field": "full_name", "verdict": "accept", "right": True},
        {"field": "full_name", "verdict": "not_exact", "right": False},  # wrong but not accepted
        {"field": "address", "verdict": "variant", "right": True},
    ]
    got = fit(rows)
    assert set(got) == {"full_name", "birth_date", "address"}
    full = got["full_name"]
    assert (full.rows, full.accepted, full.wrong) == (4, 3, 2)
    assert full.upper == pytest.approx(wilson(2, 3))
    assert got["address"] == FieldEvidence(1, 0, 0, 1.0)
    assert got["birth_date"] == FieldEvidence(0, 0, 0, 1.0)
    assert not got["full_name"].proven


def test_rule_a_field_is_proven_from_539_faultless_acceptances() -> None:
    assert MAX_UPPER == 0.005
    assert wilson(0, 539) <= MAX_UPPER < wilson(0, 538)  # the worked-out bound of the module doc
    many = [{"field": "birth_date", "verdict": "accept", "right": True}] * 539
    assert fit(many)["birth_date"].proven
    assert not fit(many[:538])["birth_date"].proven
    assert not FieldEvidence(0, 0, 0, 0.0).proven  # nothing accepted proves nothing, whatever the bound says
    assert FieldEvidence(539, 539, 0, wilson(0, 539)).proven
    assert not FieldEvidence(539, 539, 1, wilson(1, 539)).proven


def test_rule_stored_evidence_is_recomputed_from_its_counts() -> None:
    evidence: dict[str, dict[str, object]] = {
        "full_name": {"accepted": None, "wrong": 0},  # unreadable entries first: they are skipped
        "kana_name": {"accepted": 100000, "wrong": 0},  # not a field of this rule
        "birth_date": {"accepted": 539, "wrong": 0},
        "address": {"accepted": "539", "wrong": "0"},  # counts as text are still counts
    }
    assert proven_fields(evidence) == frozenset({"birth_date", "address"})
    assert proven_fields({"birth_date": {"accepted": 538, "wrong": 0, "proven": True}}) == frozenset()
    for bad in ({"accepted": 539}, {"wrong": 0}, {"accepted": "many", "wrong": 0},
                {"accepted": 539, "wrong": -1}, {"accepted": 539, "wrong": 540}, {"accepted": 0, "wrong": 0}):
        assert proven_fields({"birth_date": bad}) == frozenset()
    assert proven_fields({"birth_date": {"accepted": 100000, "wrong": 1}}) == frozenset({"birth_date"})
    assert proven_fields({}) == frozenset()


def test_rule_a_bound_exactly_at_max_upper_meets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: the bound must be <= MAX_UPPER (at it counts). No real count lands exactly on 0.005,
    so the limit is set to the exact bound of 539 faultless acceptances."""
    monkeypatch.setattr(copy_accept, "MAX_UPPER", wilson_upper(0, 539))
    assert proven_fields({"address": {"accepted": 539, "wrong": 0}}) == frozenset({"address"})
    assert rows_needed() == 539


def test_rule_rows_needed_is_the_least_number_of_acceptances_that_meets_the_bound() -> None:
    assert rows_needed() == 539
    assert rows_needed(0.0, limit=540) == 539
    assert rows_needed(0.0, limit=539) == 539
    assert rows_needed(0.0, limit=538) == 538  # not reachable within the limit: the limit
    assert rows_needed(0.01) == 10_000_000  # a rate over the bound never meets it
    assert rows_needed(0.01, limit=1000) == 1000
    for rate in (0.0005, 0.001, 0.002):
        n = rows_needed(rate)
        assert wilson(round(rate * n), n) <= MAX_UPPER < wilson(round(rate * (n - 1)), n - 1)


def test_rule_the_shipped_evidence_was_measured_with_this_rule() -> None:
    """Evidence of another rule version proves nothing (services.compose ignores it)."""
    body = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    assert body["rule"] == "domain.copy_accept.accept_verdict"
    assert body["rule_version"] == RULE_VERSION
    assert isinstance(body["calibration"], str)  # and the calibration it was measured under
    assert body["max_upper"] == MAX_UPPER and body["line_sure"] == LINE_SURE


@pytest.mark.parametrize(("reason", "codes", "settles"), [
    (None, [], True), ("low_confidence", [], True), ("not_calibrated", [], True),
    ("name_kana", ["name_kana"], True),  # the card prints the name the フリガナ could not confirm
    ("variant_kanji", ["variant_kanji"], False), ("name_split", ["name_split"], False),
    ("policy", [], False), ("copy_mismatch", [], False),
    ("low_confidence", ["format"], False),  # any other issue stays with a person
    ("name_kana", ["name_kana", "variant_kanji"], False),
])
def test_rule_what_a_sure_copy_may_settle(reason: str | None, codes: list[str], settles: bool) -> None:
    assert copy_may_settle(reason, codes) is settles
