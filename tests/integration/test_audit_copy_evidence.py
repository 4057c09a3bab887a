"""Fields the machine confirmed by an ID copy alone are audited like auto-accepted ones.

The copy-evidence actor (My Number by evidence, the strict cross-check of issue 19) is
a machine decision: its error must be measured by the blind audit (issue 15) too. A
field a person confirmed is not a candidate.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from test_audit_store import env  # noqa: F401  (the fixture: SQLite store, clock, reviewers)

from domain.audit_sampling import AuditPolicy
from domain.copy_evidence import EVIDENCE_ACTOR
from domain.lifecycle import ReviewActionKind
from domain.model import FieldReading, PageReading
from domain.status import FieldKind, FieldStatus, PageStatus, ReviewReason
from store import Repository
from store.audit_models import AuditDraw
from store.audits import AuditStore, Outcome
from store.models import FieldResult, ReviewAction, dumps

EVERY = AuditPolicy(share=1.0, weekly_minimum=0)


def _saved(env: dict[str, object]) -> tuple[int, dict[str, int]]:  # noqa: F811
    """A read document: one auto-accepted field, three waiting for a person; field ids by name."""
    repo: Repository = env["repo"]  # type: ignore[assignment]
    tmp: Path = env["tmp"]  # type: ignore[assignment]
    batch = repo.create_batch("b", "test")
    (tmp / "e.png").write_bytes(b"e")
    doc = repo.receive(batch, "e.png", tmp / "e.png").document_id
    assert repo.claim("w", 1, 60) == [doc]
    fields = [FieldReading(field_id=n, kind=FieldKind.TEXT, value=n, raw=n, confidence=c, status=st)
              for n, c, st in (("auto", 0.999, FieldStatus.AUTO_ACCEPTED),
                               ("by_copy", 0.6, FieldStatus.NEEDS_REVIEW),
                               ("by_person", 0.6, FieldStatus.NEEDS_REVIEW),
                               ("waiting", 0.6, FieldStatus.NEEDS_REVIEW))]
    repo.save_reading(doc, "w", [PageReading(index=0, status=PageStatus.READ, template_id="t",
                                             template_version=1, page_number=1, fields=fields)])
    ids = {f.field_id: f.id for f in repo.fields(doc)}
    sf = repo.sessions
    with sf.begin() as s:
        for name, actor in (("by_copy", EVIDENCE_ACTOR), ("by_person", "rev1")):
            fr = s.get(FieldResult, ids[name])
            assert fr is not None
            s.add(ReviewAction(field_result_id=fr.id, actor=actor, at=datetime.now(UTC),
                               old_value_json=fr.value_json, new_value_json=fr.value_json,
                               action=ReviewActionKind.CONFIRM.value, reason="copy_agreement"))
            fr.status = FieldStatus.CONFIRMED.value
    return doc, ids


def test_rule_a_field_confirmed_by_copy_evidence_alone_is_an_audit_candidate(
        env: dict[str, object]) -> None:  # noqa: F811
    audits: AuditStore = env["audits"]  # type: ignore[assignment]
    doc, ids = _saved(env)
    drawn = audits.draw(doc, EVERY, seed=7)
    assert sorted(drawn) == sorted([ids["auto"], ids["by_copy"]])
    with audits._sf() as s:
        row = s.scalars(select(AuditDraw).where(AuditDraw.document_id == doc)).one()
    assert sorted(c for c, _, _ in json.loads(row.candidates_json)) == sorted([ids["auto"], ids["by_copy"]])


def test_rule_a_disagreeing_audit_of_a_copy_confirmed_field_sends_it_back_to_a_person(
        env: dict[str, object]) -> None:  # noqa: F811
    audits: AuditStore = env["audits"]  # type: ignore[assignment]
    repo: Repository = env["repo"]  # type: ignore[assignment]
    users: dict[str, int] = env["users"]  # type: ignore[assignment]
    doc, ids = _saved(env)
    audits.draw(doc, EVERY, seed=7)
    outcomes = {}
    while (sample := audits.claim_next(users["rev2"])) is not None:
        task = audits.task(sample)
        assert task is not None
        outcomes[task.field_result_id] = audits.record(sample, users["rev2"], "rev2", dumps("違う値"))
    assert outcomes == {ids["auto"]: Outcome.DISAGREE, ids["by_copy"]: Outcome.DISAGREE}
    fr = next(f for f in repo.fields(doc) if f.id == ids["by_copy"])
    assert (fr.status, fr.reason) == (FieldStatus.NEEDS_REVIEW.value, ReviewReason.AUDIT_MISMATCH.value)
