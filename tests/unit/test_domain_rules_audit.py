"""Boundaries of the audit measurement and alarm, and of the audit policy (domain.audit_measure,
domain.audit_sampling), and of the envelope checks (domain.completeness, domain.crosscheck).

Pure domain: imports only ``domain`` and pytest (part of ``make mutate``). Each boundary is
tested on both sides, with the bound itself computed by the same public function the rule
names (Wilson bound, binomial tail), so "at the bound" is exact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.audit_measure import (
    AuditOutcome,
    AuditState,
    Measured,
    alarms,
    binomial_tail,
    is_alarm,
    overall,
    since,
)
from domain.audit_sampling import AuditPolicy, parse_everything
from domain.calibration import wilson_lower
from domain.completeness import UNSURE, AttachedPage, Completeness, check
from domain.copy_rule import CopyRule
from domain.crosscheck import Agreement, copy_values, cross_check
from domain.id_copy import CopyKind

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
K = CopyKind


def test_rule_a_kind_whose_upper_bound_equals_the_target_is_verified() -> None:
    m = Measured("phone", 600, 0)
    assert m.state(m.upper) is AuditState.VERIFIED
    assert m.state(m.upper * 0.999) is AuditState.UNPROVEN
    assert Measured("phone", 0, 0).state(1.0) is AuditState.UNPROVEN  # no audit proves nothing


def test_rule_the_binomial_tail_of_a_certain_error_is_one() -> None:
    assert binomial_tail(2, 5, 1.0) == 1.0  # p = 1: all five disagree, so P(X >= 2) = 1
    assert binomial_tail(0, 5, 0.3) == 1.0
    assert binomial_tail(6, 5, 0.3) == 0.0
    assert binomial_tail(1, 2, 0.5) == pytest.approx(0.75)  # 1 - 0.5^2


def test_rule_the_alarm_needs_the_lower_bound_strictly_above_the_target() -> None:
    at = wilson_lower(10, 100)
    assert not is_alarm(100, 10, at, alpha=0.5)
    assert is_alarm(100, 10, at * 0.999, alpha=0.5)


def test_rule_the_alarm_needs_the_tail_strictly_below_alpha() -> None:
    tail = binomial_tail(20, 100, 0.05)
    assert not is_alarm(100, 20, 0.05, alpha=tail)
    assert is_alarm(100, 20, 0.05, alpha=tail * 1.001)


def outcome(at: datetime, agreed: bool, kind: str = "phone") -> AuditOutcome:
    return AuditOutcome(kind=kind, template_id="onestop", batch_id=1, at=at, agreed=agreed)


def test_rule_the_alarm_window_includes_both_of_its_ends() -> None:
    start = NOW - timedelta(days=14)
    rows = [outcome(start, False)] * 10 + [outcome(NOW, True)] * 20
    [m] = alarms(rows, NOW, 0.005)
    assert (m.key, m.audited, m.disagreements) == ("phone", 30, 10)
    # one microsecond outside either end: not in the window
    tick = timedelta(microseconds=1)
    outside = [outcome(start - tick, False)] * 10 + [outcome(NOW + tick, False)] * 10
    assert alarms(outside + [outcome(NOW, True)] * 20, NOW, 0.005) == []


def test_rule_alarms_honour_the_given_minimum_and_alpha() -> None:
    rows = [outcome(NOW, False)] * 10 + [outcome(NOW, True)] * 20
    assert [m.key for m in alarms(rows, NOW, 0.005)] == ["phone"]
    assert alarms(rows, NOW, 0.005, min_disagreements=11) == []
    assert alarms(rows, NOW, 0.005, alpha=1e-30) == []


def test_rule_overall_counts_everything_under_one_key() -> None:
    assert overall([]) == Measured("all", 0, 0)
    assert overall([outcome(NOW, False, "phone"), outcome(NOW, True, "date")]) == Measured("all", 2, 1)


def test_rule_since_includes_its_start() -> None:
    rows = [outcome(NOW - timedelta(seconds=1), True), outcome(NOW, True)]
    assert since(rows, NOW) == [rows[1]]


def test_rule_an_audit_policy_without_settings_takes_the_defaults() -> None:
    assert AuditPolicy.from_json({}) == AuditPolicy(share=0.02, weekly_minimum=5, everything={})
    with pytest.raises(ValueError, match=r"^everything must be a mapping of key to last day$"):
        AuditPolicy.from_json({"everything": ["phone"]})


def test_rule_audit_everything_entries_split_at_the_last_colon_and_skip_blanks() -> None:
    assert parse_everything("onestop:name:2027-01-31, ,phone:2027-02-28") == {
        "onestop:name": date(2027, 1, 31), "phone": date(2027, 2, 28)}
    with pytest.raises(ValueError, match="audit-everything entry must be KEY:YYYY-MM-DD"):
        parse_everything("phone")


# --- completeness (書類不備) ------------------------------------------------------------------


# the ワンストップ rule as templates/onestop_2022 declares it (written out here, not loaded)
ONESTOP = CopyRule.model_validate({
    "個人番号確認": [["mynumber_back"], ["notification"], ["juminhyo"]],
    "身元確認": [["mynumber_front"], ["license"], ["passport"]],
})


def test_rule_a_card_front_and_back_complete_the_envelope() -> None:
    both = check(ONESTOP, [AttachedPage("mynumber_front+mynumber_back", 0.9)])
    assert (both.applies, both.present, both.missing, both.undecided, both.unsure_pages) == (
        True, frozenset({K.MYNUMBER_FRONT, K.MYNUMBER_BACK}), (), False, 0)
    assert both.complete


def test_rule_every_unsure_page_is_counted() -> None:
    pages = [AttachedPage("mynumber_front+mynumber_back", 0.9), AttachedPage("license", 0.5),
             AttachedPage("passport", 0.1), AttachedPage(None, None)]
    result = check(ONESTOP, pages)
    assert (result.present, result.missing, result.undecided, result.unsure_pages) == (
        frozenset({K.MYNUMBER_FRONT, K.MYNUMBER_BACK}), (), False, 2)


def test_rule_an_unsure_page_that_could_fill_the_gap_makes_it_undecided() -> None:
    pages = [AttachedPage("license", 0.9), AttachedPage("notification", 0.6)]
    result = check(ONESTOP, pages)
    assert (result.present, result.missing, result.undecided, result.unsure_pages) == (
        frozenset({K.LICENSE}), (UNSURE,), True, 1)
    assert not result.complete


def test_rule_a_template_that_declares_no_copies_is_not_checked() -> None:
    result = check(None, [])
    assert result == Completeness(applies=False) and result.applies is False and result.complete


# --- cross-check with the ID copies ------------------------------------------------------------


def test_rule_a_name_keeps_only_kana_and_kanji_and_needs_two_characters() -> None:
    found = copy_values(["氏名 YAMADA 林一", "氏名 林", "氏名 <b>森</b>"])
    assert found.names == ["林一"]


def test_rule_a_birth_date_with_a_time_and_a_number_with_dashes_still_compare() -> None:
    found = copy_values(["氏名 林一 昭和59年12月2日生", "個人番号 1234 5678 9012"])
    result = cross_check({"full_name": "林 一", "birth_date": {"iso": "1984-12-02T09:00:00"},
                          "my_number": "1234-5678-9012"}, found)
    assert {k: result[k] for k in ("full_name", "birth_date", "my_number")} == dict.fromkeys(
        ("full_name", "birth_date", "my_number"), Agreement.AGREE)
    assert result["address"] is Agreement.ABSENT  # neither side has an address here


def test_rule_an_empty_form_value_is_absent_not_a_disagreement() -> None:
    found = copy_values(["個人番号 1234 5678 9012"])
    assert cross_check({"my_number": ""}, found)["my_number"] is Agreement.ABSENT


def test_rule_an_audit_share_of_one_is_allowed_and_bad_settings_are_named() -> None:
    assert AuditPolicy(share=1.0).share == 1.0
    with pytest.raises(ValueError, match=r"^audit share must be between 0 and 1$"):
        AuditPolicy(share=1.01)
    with pytest.raises(ValueError, match=r"^weekly minimum must not be negative$"):
        AuditPolicy(weekly_minimum=-1)


def test_rule_audit_everything_means_probability_one() -> None:
    p = AuditPolicy(share=0.02, everything={"phone": date(2027, 1, 31)})
    assert p.probability("phone", None, date(2027, 1, 31)) == 1.0
    assert p.probability("phone", None, date(2027, 2, 1)) == 0.02


def test_rule_the_weekly_minimum_tops_up_the_random_draw_and_keeps_it() -> None:
    """With the share set at the 3rd smallest ticket, exactly the two smallest are drawn
    (ticket < share); a weekly minimum of 3 or 4 adds the next one or two in ticket order."""
    from domain.audit_sampling import Candidate, draw, ticket

    seed, today = 42, date(2026, 12, 7)
    cands = [Candidate(i, "phone", "onestop") for i in range(1, 11)]
    by_ticket = sorted(range(1, 11), key=lambda i: ticket(seed, i))
    share = ticket(seed, by_ticket[2])
    assert draw(seed, cands, AuditPolicy(share=share, weekly_minimum=0), today) == sorted(by_ticket[:2])
    assert draw(seed, cands, AuditPolicy(share=share, weekly_minimum=3), today) == sorted(by_ticket[:3])
    assert draw(seed, cands, AuditPolicy(share=share, weekly_minimum=4), today) == sorted(by_ticket[:4])
    # this week's earlier draws count towards the minimum
    assert draw(seed, cands, AuditPolicy(share=share, weekly_minimum=4), today, {"phone": 1}) == sorted(
        by_ticket[:3])
