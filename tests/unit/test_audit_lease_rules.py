"""The lease rules of the blind audit queue (``store.audits.AuditStore``), at their edges.

Real SQLite (schema from the models), an injected clock, no sleeping: a sample is checked
blind by one reviewer at a time; the lease lasts ``lease`` from the claim and is over at
exactly ``expires_at`` (``expires_at > now`` holds it); a reviewer gets their own live
lease back first; a sample someone already typed blind is never offered to them again; a
decided sample is nobody's; recording a check releases the lease. The end-to-end flow
(draw, agree/disagree, correction tasks) is in tests/integration/test_audit_store.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from store.audit_models import AuditCheck, AuditDraw, AuditLease, AuditSample
from store.audits import AuditStore, Outcome
from store.models import Batch, Document
from store.review_models import User

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
LEASE = timedelta(minutes=30)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def audits(sf: sessionmaker[Session], clock: Clock) -> AuditStore:
    return AuditStore(sf, lease=LEASE, clock=clock)


def users(sf: sessionmaker[Session], *names: str) -> list[int]:
    with sf.begin() as s:
        rows = [User(username=n, display_name=n, role="reviewer", password_hash="x") for n in names]
        s.add_all(rows)
        s.flush()
        return [u.id for u in rows]


def samples(sf: sessionmaker[Session], n: int) -> list[int]:
    """``n`` audit samples of one document (their field results do not exist: a check is VOID)."""
    with sf.begin() as s:
        batch = Batch(name="b", source="test")
        s.add(batch)
        s.flush()
        doc = Document(batch_id=batch.id, source_name="a.pdf", sha256="a" * 64, status="read")
        s.add(doc)
        s.flush()
        draw = AuditDraw(document_id=doc.id, seed=1, drawn_at=T0, day="2026-12-07", iso_week="2026-W50",
                         policy_json="{}", candidates_json="[]", week_counts_json="{}", drawn_json="[]")
        s.add(draw)
        s.flush()
        rows = [AuditSample(draw_id=draw.id, document_id=doc.id, batch_id=batch.id, field_result_id=1000 + i,
                            field_id=f"f{i}", kind="text", template_id="t", score=0.99, created_at=T0)
                for i in range(n)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def lease_of(sf: sessionmaker[Session], sample: int) -> tuple[int, datetime] | None:
    with sf() as s:
        row = s.get(AuditLease, sample)
        return None if row is None else (row.user_id, row.expires_at)


def test_rule_a_claim_leases_the_oldest_open_sample_for_the_lease_time(
        sf: sessionmaker[Session], audits: AuditStore) -> None:
    [a] = users(sf, "a")
    first, _ = samples(sf, 2)
    assert audits.claim_next(a) == first
    assert lease_of(sf, first) == (a, T0 + LEASE)


def test_rule_a_live_lease_keeps_the_sample_from_everyone_else(
        sf: sessionmaker[Session], audits: AuditStore, clock: Clock) -> None:
    a, b = users(sf, "a", "b")
    [only] = samples(sf, 1)
    assert audits.claim_next(a) == only
    clock.now = T0 + LEASE - timedelta(microseconds=1)  # the last moment of the lease
    assert audits.claim_next(b) is None
    assert audits.holds(only, a) and not audits.holds(only, b)


def test_rule_a_lease_is_over_at_exactly_its_expiry_and_the_sample_goes_to_the_next_reviewer(
        sf: sessionmaker[Session], audits: AuditStore, clock: Clock) -> None:
    a, b = users(sf, "a", "b")
    [only] = samples(sf, 1)
    assert audits.claim_next(a) == only
    clock.now = T0 + LEASE
    assert not audits.holds(only, a)
    assert audits.claim_next(b) == only
    assert lease_of(sf, only) == (b, T0 + 2 * LEASE)  # the lease row passes to b, from now
    assert audits.holds(only, b) and not audits.holds(only, a)


def test_rule_a_reviewer_gets_their_own_live_lease_back_before_an_older_open_sample(
        sf: sessionmaker[Session], audits: AuditStore, clock: Clock) -> None:
    a, b = users(sf, "a", "b")
    first, second = samples(sf, 2)
    assert audits.claim_next(b) == first
    assert audits.claim_next(a) == second  # first is b's
    clock.now = T0 + LEASE  # b's lease on first is over; a's on second too
    assert audits.claim_next(a) == first  # expired: no "own lease first" any more, oldest open
    clock.now = T0 + LEASE + timedelta(minutes=1)
    assert audits.claim_next(a) == first  # a's own live lease first
    assert lease_of(sf, first) == (a, T0 + 2 * LEASE)  # asking again does not extend it


def test_rule_own_lease_first_picks_the_lowest_of_several(
        sf: sessionmaker[Session], audits: AuditStore) -> None:
    [a] = users(sf, "a")
    first, second = samples(sf, 2)
    with sf.begin() as s:  # two live leases (e.g. from two browser tabs)
        s.add_all([AuditLease(sample_id=second, user_id=a, expires_at=T0 + LEASE),
                   AuditLease(sample_id=first, user_id=a, expires_at=T0 + LEASE)])
    assert audits.claim_next(a) == first


def test_rule_whoever_typed_a_sample_blind_never_gets_it_again(
        sf: sessionmaker[Session], audits: AuditStore) -> None:
    a, b = users(sf, "a", "b")
    [only] = samples(sf, 1)
    with sf.begin() as s:  # a My Number a typed differently: waiting for a second person
        s.add(AuditCheck(sample_id=only, user_id=a, actor="a", at=T0, value_json='"1"',
                         outcome=Outcome.PENDING.value))
    assert audits.claim_next(a) is None
    assert audits.open_count() == 1  # still open, for someone else
    assert audits.claim_next(b) == only


def test_rule_a_recorded_check_releases_the_lease_and_a_decided_sample_is_nobodys(
        sf: sessionmaker[Session], audits: AuditStore) -> None:
    a, b = users(sf, "a", "b")
    first, second = samples(sf, 2)
    assert audits.open_count() == 2
    assert audits.claim_next(a) == first
    assert audits.record(first, a, "a", '"x"') is Outcome.VOID  # its field result is gone: void
    assert lease_of(sf, first) is None and not audits.holds(first, a)
    assert audits.open_count() == 1
    assert audits.claim_next(b) == second
    assert audits.claim_next(a) is None  # first is decided, second is b's


def test_rule_with_every_sample_decided_nothing_is_open(
        sf: sessionmaker[Session], audits: AuditStore) -> None:
    [a] = users(sf, "a")
    assert audits.open_count() == 0  # no sample at all
    [only] = samples(sf, 1)
    assert audits.record(only, a, "a", '"x"') is Outcome.VOID
    assert audits.open_count() == 0 and audits.claim_next(a) is None


def test_rule_holds_is_false_for_a_sample_nobody_leased(
        sf: sessionmaker[Session], audits: AuditStore) -> None:
    [a] = users(sf, "a")
    [only] = samples(sf, 1)
    assert not audits.holds(only, a)
