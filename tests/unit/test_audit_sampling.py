"""The audit draw and the measured error (pure): reproducible, stratified, minimums, alarm rule."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.audit_measure import (
    MIN_ALARM_AUDITS,
    AuditOutcome,
    AuditState,
    Measured,
    alarms,
    binomial_tail,
    is_alarm,
    measure,
    overall,
)
from domain.audit_sampling import (
    AuditPolicy,
    Candidate,
    candidates_from_json,
    candidates_to_json,
    draw,
    iso_week,
    parse_everything,
    ticket,
)
from domain.calibration import wilson_lower, wilson_upper

DAY = date(2026, 12, 7)


def cands(n: int, kind: str = "text", start: int = 1, template: str = "onestop_2022") -> list[Candidate]:
    return [Candidate(i, kind, template) for i in range(start, start + n)]


def test_ticket_is_the_documented_sha256_number() -> None:
    digest = hashlib.sha256(b"42:7").digest()
    assert ticket(42, 7) == int.from_bytes(digest[:8], "big") / 2**64
    assert 0.0 <= ticket(1, 1) < 1.0
    assert ticket(42, 7) != ticket(43, 7) and ticket(42, 7) != ticket(42, 8)


def test_same_seed_same_draw_whatever_the_order() -> None:
    pool = cands(2000) + cands(500, "digits", 5000)
    policy = AuditPolicy(share=0.02, weekly_minimum=0)
    first = draw(99, pool, policy, DAY)
    assert first == draw(99, list(reversed(pool)), policy, DAY)
    assert first != draw(100, pool, policy, DAY)
    assert first == sorted(first)


def test_share_is_about_two_percent_per_kind() -> None:
    pool = cands(20_000) + cands(20_000, "digits", 100_000)
    chosen = set(draw(5, pool, AuditPolicy(share=0.02, weekly_minimum=0), DAY))
    text = sum(c.field_result_id in chosen for c in pool if c.kind == "text")
    digits = sum(c.field_result_id in chosen for c in pool if c.kind == "digits")
    for n in (text, digits):
        assert 320 <= n <= 480  # 2 % of 20,000 is 400; ±4.5 standard deviations


def test_drawn_exactly_when_ticket_is_below_share() -> None:
    pool = cands(300)
    chosen = draw(3, pool, AuditPolicy(share=0.1, weekly_minimum=0), DAY)
    assert chosen == [c.field_result_id for c in pool if ticket(3, c.field_result_id) < 0.1]


def test_weekly_minimum_fills_a_rare_kind_with_its_lowest_tickets() -> None:
    rare = cands(4, "email", 900)
    policy = AuditPolicy(share=0.0, weekly_minimum=3)
    got = draw(11, rare, policy, DAY, {"email": 1})
    lowest = sorted(rare, key=lambda c: ticket(11, c.field_result_id))[:2]
    assert got == sorted(c.field_result_id for c in lowest)
    assert draw(11, rare, policy, DAY, {"email": 3}) == []  # minimum met this week
    assert draw(11, rare, policy, DAY, {"text": 9}) == sorted(
        c.field_result_id for c in sorted(rare, key=lambda c: ticket(11, c.field_result_id))[:3])


def test_minimum_counts_what_the_share_already_drew() -> None:
    pool = cands(200)
    policy = AuditPolicy(share=0.5, weekly_minimum=2)
    assert draw(8, pool, policy, DAY) == draw(8, pool, AuditPolicy(share=0.5, weekly_minimum=0), DAY)


def test_audit_everything_until_its_last_day_by_kind_or_template() -> None:
    pool = cands(50) + cands(50, "digits", 100, template="city_form")
    policy = AuditPolicy(share=0.0, weekly_minimum=0,
                         everything={"text": DAY, "city_form": DAY + timedelta(days=30)})
    assert len(draw(1, pool, policy, DAY)) == 100
    later = draw(1, pool, policy, DAY + timedelta(days=1))
    assert later == list(range(100, 150))  # text's trial is over, the new form's is not
    assert draw(1, pool, policy, DAY + timedelta(days=31)) == []


def test_policy_rejects_bad_settings_and_round_trips() -> None:
    with pytest.raises(ValueError):
        AuditPolicy(share=1.5)
    with pytest.raises(ValueError):
        AuditPolicy(share=-0.1)
    with pytest.raises(ValueError):
        AuditPolicy(weekly_minimum=-1)
    p = AuditPolicy(share=0.05, weekly_minimum=7, everything={"my_number": DAY})
    assert AuditPolicy.from_json(p.to_json()) == p
    with pytest.raises(ValueError):
        AuditPolicy.from_json({"everything": ["text"]})


def test_parse_everything() -> None:
    assert parse_everything("") == {}
    assert parse_everything(" digits:2027-01-31 , city_form:2027-02-28") == {
        "digits": date(2027, 1, 31), "city_form": date(2027, 2, 28)}
    for bad in ("digits", ":2027-01-01", "digits:tomorrow"):
        with pytest.raises(ValueError):
            parse_everything(bad)


def test_candidates_json_round_trip_and_iso_week() -> None:
    pool = [Candidate(1, "text", "t"), Candidate(2, "digits", None)]
    assert candidates_from_json(candidates_to_json(pool)) == pool
    assert iso_week(date(2026, 12, 7)) == "2026-W50"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"


# --- measured error ----------------------------------------------------------------------
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def outcome(kind: str, agreed: bool, days_ago: float = 1.0, template: str = "t", batch: int = 1
            ) -> AuditOutcome:
    return AuditOutcome(kind, template, batch, NOW - timedelta(days=days_ago), agreed)


def test_measured_uses_wilson_bounds() -> None:
    m = Measured("digits", 200, 3)
    assert m.error == pytest.approx(0.015)
    assert m.upper == wilson_upper(3, 200) and m.lower == wilson_lower(3, 200)
    assert Measured("x", 0, 0).error == 0.0 and Measured("x", 0, 0).upper == 1.0
    assert Measured("x", 0, 0).lower == 0.0


def test_states() -> None:
    target = 0.005
    assert Measured("a", 600, 0).state(target) is AuditState.VERIFIED
    assert Measured("a", 100, 0).state(target) is AuditState.UNPROVEN  # upper 2.6 %: not yet shown
    assert Measured("a", 0, 0).state(target) is AuditState.UNPROVEN
    assert Measured("a", 60, 4).state(target) is AuditState.ALARM


def test_alarm_needs_enough_audits_and_disagreements() -> None:
    target = 0.005
    assert not is_alarm(MIN_ALARM_AUDITS - 1, 5, target)  # too few audits, however bad
    assert is_alarm(MIN_ALARM_AUDITS, 5, target)
    assert not is_alarm(40, 1, target)  # one disagreement is not enough
    assert not is_alarm(33, 2, target)  # 1.2 % chance at the target: not enough evidence
    assert is_alarm(33, 3, target)  # 0.06 %
    assert is_alarm(40, 3, target)  # 0.11 %
    assert not is_alarm(40, 3, target, alpha=0.001)
    assert not is_alarm(33, 3, target, min_disagreements=4)
    assert not is_alarm(60, 2, target)  # 3.7 %: above the 1 % a look may risk
    assert is_alarm(60, 2, target, alpha=0.05)
    assert not is_alarm(2000, 12, target)  # 0.6 %: lower bound 0.38 %, could be chance
    assert not is_alarm(2000, 17, target)  # lower bound 0.57 %, but 0.5 % gives 17 in 2.7 % of weeks
    assert is_alarm(2000, 19, target)  # 0.7 %


def test_binomial_tail() -> None:
    assert binomial_tail(0, 10, 0.1) == 1.0 and binomial_tail(11, 10, 0.1) == 0.0
    assert binomial_tail(1, 10, 0.1) == pytest.approx(1 - 0.9**10)
    assert binomial_tail(2, 40, 0.005) == pytest.approx(1 - 0.995**40 - 40 * 0.005 * 0.995**39)
    assert binomial_tail(10, 10, 0.5) == pytest.approx(0.5**10)


def test_measure_by_key_and_alarm_window() -> None:
    rows = [outcome("digits", False, 1), outcome("digits", False, 2), outcome("digits", False, 3)]
    rows += [outcome("digits", True, 2) for _ in range(30)]
    rows += [outcome("text", True, 1) for _ in range(30)]
    rows += [outcome("kana", False, 20) for _ in range(5)] + [outcome("kana", True, 20) for _ in range(30)]
    by_kind = {m.key: m for m in measure(rows, lambda o: o.kind)}
    assert (by_kind["digits"].audited, by_kind["digits"].disagreements) == (33, 3)
    assert overall(rows).audited == len(rows) and overall(rows).disagreements == 8
    assert overall([]).audited == 0
    assert [m.key for m in alarms(rows, NOW, 0.005)] == ["digits"]  # kana's are older than the window
    assert [m.key for m in alarms(rows, NOW, 0.005, window_days=30)] == ["digits", "kana"]


def test_settings_give_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import Settings

    assert Settings().audit_policy() == AuditPolicy(share=0.02, weekly_minimum=5)
    monkeypatch.setenv("YOMITORI_AUDIT_SHARE", "0.05")
    monkeypatch.setenv("YOMITORI_AUDIT_WEEKLY_MINIMUM", "8")
    monkeypatch.setenv("YOMITORI_AUDIT_EVERYTHING", "city_kifu:2027-01-31")
    assert Settings().audit_policy() == AuditPolicy(share=0.05, weekly_minimum=8,
                                                    everything={"city_kifu": date(2027, 1, 31)})
    monkeypatch.setenv("YOMITORI_AUDIT_SHARE", "2")  # 200 %: refused, not silently capped
    with pytest.raises(ValueError):
        Settings().audit_policy()
