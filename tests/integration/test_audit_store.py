"""Audit sampling in the real SQLite store: recorded draw and replay, append-only rows,
blind checks with leases, My Number double entry, correction tasks and follow-ups."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from domain.audit_sampling import AuditPolicy
from domain.lifecycle import DocumentStatus
from domain.model import FieldReading, PageReading
from domain.mynumber import make_my_number
from domain.status import FieldKind, FieldStatus, PageStatus, ReviewReason
from services.worker import draw_audit
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from store.audit_models import AuditCheck
from store.audits import FOLLOWUP_ENTERED, AuditStore, Outcome
from store.models import AuditTrailViolation, dumps
from store.users import Role, UserStore

PASSWORD = "correct horse battery staple"
MN = make_my_number("12345678901")
KINDS = [FieldKind.TEXT, FieldKind.DIGITS, FieldKind.PHONE]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Monday 10:00 JST

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def env(tmp_path: Path) -> dict[str, object]:
    url = f"sqlite:///{tmp_path / 'y.db'}"
    upgrade(url)
    sf = session_factory(make_engine(url))
    clock = Clock()
    repo = Repository(sf, ContentStore(tmp_path / "files"), clock=clock,
                      audit_policy=AuditPolicy(share=0.02, weekly_minimum=2))
    users = UserStore(sf)
    ids = {n: users.add_user(n, PASSWORD, Role.REVIEWER, n) for n in ("rev1", "rev2", "rev3")}
    return {"repo": repo, "audits": AuditStore(sf, clock=clock), "clock": clock, "users": ids,
            "tmp": tmp_path, "sf": sf}


def _fields(n_per_kind: int, my_number: bool = False) -> list[FieldReading]:
    out = [FieldReading(field_id=f"{k.value}_{i}", kind=k, value=f"{k.value}{i}", raw=f"{k.value}{i}",
                        confidence=0.99, status=FieldStatus.AUTO_ACCEPTED, bbox_px=(0, 0, 10, 10))
           for k in KINDS for i in range(n_per_kind)]
    if my_number:
        out.append(FieldReading(field_id="my_number", kind=FieldKind.MY_NUMBER, value=MN, raw=MN,
                                confidence=0.99, status=FieldStatus.AUTO_ACCEPTED))
    return out


def _read(env: dict[str, object], name: str, fields: list[FieldReading]) -> int:
    repo: Repository = env["repo"]  # type: ignore[assignment]
    tmp: Path = env["tmp"]  # type: ignore[assignment]
    batch = repo.create_batch("b", "test")
    path = tmp / name
    path.write_bytes(name.encode())
    doc = repo.receive(batch, name, path).document_id
    assert repo.claim("w", 1, 60) == [doc]
    repo.save_reading(doc, "w", [PageReading(index=0, status=PageStatus.READ, template_id="t",
                                             template_version=1, page_number=1, fields=fields)])
    draw_audit(repo, doc)
    return doc


def test_draw_is_recorded_replayable_and_leaves_the_document_alone(env: dict[str, object],
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    audits: AuditStore = env["audits"]  # type: ignore[assignment]
    repo: Repository = env["repo"]  # type: ignore[assignment]
    with caplog.at_level(logging.DEBUG):
        first = _read(env, "a.png", _fields(100))
        second = _read(env, "b.png", _fields(100))
    for doc in (first, second):
        assert repo.document(doc).status == DocumentStatus.READ.value  # type: ignore[union-attr]
        (draw_id,) = audits.draw_ids(doc)
        stored, again = audits.replay(draw_id)
        assert stored == again and stored
    # 300 candidates, 2 % share: the weekly minimum of 2 per kind is met by the first document,
    # so the second draws by share only
    with audits._sf() as s:
        from store.audit_models import AuditDraw
        rows = {r.document_id: r for r in s.query(AuditDraw)}
    assert json.loads(rows[first].week_counts_json) == {}
    kinds_first = {k for _, k, _ in json.loads(rows[first].candidates_json)}
    assert kinds_first == {k.value for k in KINDS}
    week = json.loads(rows[second].week_counts_json)
    assert set(week) == kinds_first and all(v >= 2 for v in week.values())
    assert "text0" not in caplog.text and "digits1" not in caplog.text  # no value in a log line


def test_same_seed_same_draw_and_tampering_shows(env: dict[str, object]) -> None:
    audits: AuditStore = env["audits"]  # type: ignore[assignment]
    doc = _read(env, "a.png", _fields(50))
    again = audits.draw(doc, AuditPolicy(share=0.3, weekly_minimum=0), seed=1234)
    assert again == audits.draw(doc, AuditPolicy(share=0.3, weekly_minimum=0), seed=1234)
    assert again != audits.draw(doc, AuditPolicy(share=0.3, weekly_minimum=0), seed=1235)
    sf = env["sf"]
    with sf() as s, pytest.raises(DatabaseError):  # type: ignore[operator]
        s.execute(text("UPDATE audit_draws SET seed = 1"))
        s.commit()


def test_audit_rows_are_append_only(env: dict[str, object]) -> None:
    audits: AuditStore = env["audits"]  # type: ignore[assignment]
    users: dict[str, int] = env["users"]  # type: ignore[assignment]
    _read(env, "a.png", _fields(10))
    sample = audits.claim_next(users["rev1"])
    assert sample is not None
    audits.record(sample, users["rev1"], "rev1", dumps("text0"))
    sf = env["sf"]
    with sf() as s:  # type: ignore[operator]
        check = s.query(AuditCheck).first()
        check.outcome = "agree"
        with pytest.raises(AuditTrailViolation):
            s.flush()
    with sf() as s, pytest.raises(DatabaseError):  # type: ignore[operator]
        s.execute(text("DELETE FROM audit_checks"))
        s.commit()


def _machine(env: dict[str, object], sample_id: int) -> str:
    audits: AuditStore = env["audits"]  # type: ignore[assignment]
    repo: Repository = env["repo"]  # type: ignore[assignment]
    task = audits.task(sample_id)
    assert task is not None
    fr = next(f for f in repo.fields(task.document_id) if f.id == task.field_result_id)
    return fr.value_json


def test_agree_disagree_leases_and_correction_task(env: dict[str, object]) -> None:
    audits: AuditStore = env["audits"]  # type: ignore[assignment]
    repo: Repository = env["repo"]  # type: ignore[assignment]
    users: dict[str, int] = env["users"]  # type: ignore[assignment]
    doc = _read(env, "a.png", _fields(5))
    total = audits.open_count()
    assert total == 6  # weekly minimum 2 × 3 kinds
    one = audits.claim_next(users["rev1"])
    assert one is not None and audits.claim_next(users["rev1"]) == one  # own lease first
    two = audits.claim_next(users["rev2"])
    assert two is not None and two != one  # leased to rev1: not given to rev2
    assert audits.holds(one, users["rev1"]) and not audits.holds(one, users["rev2"])
    assert audits.record(one, users["rev1"], "rev1", _machine(env, one)) is Outcome.AGREE
    assert not audits.holds(one, users["rev1"])
    with pytest.raises(LookupError):
        audits.record(one, users["rev2"], "rev2", dumps("x"))  # decided
    assert audits.record(two, users["rev2"], "rev2", dumps("something else")) is Outcome.DISAGREE
    task = audits.task(two)
    assert task is not None
    fr = next(f for f in repo.fields(doc) if f.id == task.field_result_id)
    assert (fr.status, fr.reason) == (FieldStatus.NEEDS_REVIEW.value, ReviewReason.AUDIT_MISMATCH.value)
    assert repo.document(doc).status == DocumentStatus.NEEDS_REVIEW.value  # type: ignore[union-attr]
    from review.confirm import build_views  # the correction task as the review screen shows it

    (view,) = [v for v in build_views(None, repo.fields(doc), set()) if v.flagged]
    assert view.id == fr.id and "抜き取り検査で不一致" in view.reason_ja
    assert [o.agreed for o in audits.outcomes()] == [True, False]
    assert audits.audited_labels() == {audits.task(one).field_result_id: True,  # type: ignore[union-attr]
                                       task.field_result_id: False}
    # the lease expires: another reviewer may take an abandoned sample
    three = audits.claim_next(users["rev1"])
    env["clock"].now += timedelta(minutes=31)  # type: ignore[attr-defined]
    assert audits.claim_next(users["rev3"]) == three


def test_my_number_needs_a_second_blind_entry(env: dict[str, object]) -> None:
    audits: AuditStore = env["audits"]  # type: ignore[assignment]
    users: dict[str, int] = env["users"]  # type: ignore[assignment]
    _read(env, "a.png", [f for f in _fields(0, my_number=True)])
    sample = audits.claim_next(users["rev1"])
    assert sample is not None and audits.task(sample).kind == "my_number"  # type: ignore[union-attr]
    wrong = dumps(make_my_number("98765432109"))
    assert audits.record(sample, users["rev1"], "rev1", wrong) is Outcome.PENDING
    assert audits.claim_next(users["rev1"]) is None  # not the same person again
    assert audits.claim_next(users["rev2"]) == sample
    assert audits.record(sample, users["rev2"], "rev2", dumps(MN)) is Outcome.AGREE  # machine was right

    _read(env, "b.png", _fields(0, my_number=True))
    other = audits.claim_next(users["rev1"])
    assert other is not None
    assert audits.record(other, users["rev1"], "rev1", wrong) is Outcome.PENDING
    assert audits.record(other, users["rev2"], "rev2", dumps("x")) is Outcome.PENDING  # nobody agrees
    assert audits.record(other, users["rev3"], "rev3", wrong) is Outcome.DISAGREE  # two people agree


def test_entered_record_gets_a_follow_up_and_void_when_corrected(env: dict[str, object]) -> None:
    audits: AuditStore = env["audits"]  # type: ignore[assignment]
    repo: Repository = env["repo"]  # type: ignore[assignment]
    users: dict[str, int] = env["users"]  # type: ignore[assignment]
    doc = _read(env, "a.png", _fields(1))
    repo.set_status(doc, DocumentStatus.ENTERED)
    sample = audits.claim_next(users["rev1"])
    assert sample is not None
    assert audits.record(sample, users["rev1"], "rev1", dumps("nope")) is Outcome.DISAGREE
    assert repo.document(doc).status == DocumentStatus.ENTERED.value  # type: ignore[union-attr]
    (follow,) = audits.open_followups()
    assert (follow.document_id, follow.reason) == (doc, FOLLOWUP_ENTERED)
    assert audits.resolve_followup(follow.id, "admin1") and not audits.resolve_followup(follow.id, "admin1")
    assert audits.open_followups() == []
    # a field that is no longer the auto-accepted reading: the audit is void, not counted
    doc2 = _read(env, "b.png", _fields(1))
    s2 = audits.claim_next(users["rev2"])
    while s2 is not None and audits.task(s2).document_id != doc2:  # type: ignore[union-attr]
        audits.record(s2, users["rev2"], "rev2", _machine(env, s2))
        s2 = audits.claim_next(users["rev2"])
    assert s2 is not None
    fr_id = audits.task(s2).field_result_id  # type: ignore[union-attr]
    repo.set_status(doc2, DocumentStatus.NEEDS_REVIEW)
    repo.record_review(fr_id, "rev3", "fixed", "correct")
    n = len(audits.outcomes())
    assert audits.record(s2, users["rev2"], "rev2", dumps("fixed")) is Outcome.VOID
    assert len(audits.outcomes()) == n  # void audits are not measured
