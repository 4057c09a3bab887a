"""Tables of the audit sampling of auto-accepted fields (issue 15), created by migration ``0004``.

* ``audit_draws`` — one row per document reading: the seed, the policy, the candidate
  fields (ids and kinds, never values), the kind counts of the ISO week before it, and
  the ids drawn. Enough to replay the draw (``store.audits.replay``). Append-only.
* ``audit_samples`` — one row per drawn field, with the kind, template and score it was
  auto-accepted with. Append-only. ``field_result_id`` has no foreign key: a later
  re-reading may replace the field (the sample is then void), the audit trail stays.
* ``audit_checks`` — every blind entry and its outcome (agree, disagree, pending for a
  second person on a My Number, void), who and when. Append-only.
* ``audit_leases`` — who is checking a sample until when (mutable, like review leases).
* ``audit_followups`` — a confirmed disagreement on a record the bot already entered:
  staff must correct the back-office system; resolved by an admin.

Append-only tables are guarded here (ORM events) and by database triggers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, ORMExecuteState, mapped_column, sessionmaker

from store.models import AuditTrailViolation, Base, UTCDateTime, utcnow

APPEND_ONLY_TABLES = ("audit_draws", "audit_samples", "audit_checks")


class AuditDraw(Base):
    __tablename__ = "audit_draws"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    day: Mapped[str] = mapped_column(String(10))  # ISO date the policy was applied on (Japan time)
    iso_week: Mapped[str] = mapped_column(String(10), index=True)
    policy_json: Mapped[str] = mapped_column(Text)
    candidates_json: Mapped[str] = mapped_column(Text)  # [[field_result_id, kind, template_id], ...]
    week_counts_json: Mapped[str] = mapped_column(Text)  # {kind: drawn earlier this ISO week}
    drawn_json: Mapped[str] = mapped_column(Text)  # [field_result_id, ...]


class AuditSample(Base):
    __tablename__ = "audit_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("audit_draws.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    batch_id: Mapped[int] = mapped_column(Integer)
    field_result_id: Mapped[int] = mapped_column(Integer, index=True)
    field_id: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    template_id: Mapped[str] = mapped_column(String(60))
    score: Mapped[float] = mapped_column(Float)  # engine confidence it was auto-accepted with
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditCheck(Base):
    __tablename__ = "audit_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("audit_samples.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("review_users.id"))  # None: the system (void)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    value_json: Mapped[str] = mapped_column(Text, default="null")  # what the auditor typed
    outcome: Mapped[str] = mapped_column(String(20))  # store.audits.Outcome


class AuditLease(Base):
    __tablename__ = "audit_leases"

    sample_id: Mapped[int] = mapped_column(ForeignKey("audit_samples.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditFollowUp(Base):
    __tablename__ = "audit_followups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("audit_samples.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    reason: Mapped[str] = mapped_column(String(30))  # e.g. "audit_mismatch_entered"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))


_GUARDED = (AuditDraw, AuditSample, AuditCheck)


def _refuse(_mapper: Any, _conn: Any, target: Any) -> None:
    raise AuditTrailViolation(f"{target.__tablename__} row {target.id} is append-only")


for _model in _GUARDED:
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)


def _refuse_bulk(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ in _GUARDED for m in state.all_mappers):
        raise AuditTrailViolation("audit rows are append-only: bulk update/delete refused")


_GUARD_MARK = "_yomitori_audit_guarded"


def guard_audit_tables(factory: sessionmaker[Any]) -> None:
    """Refuse ORM bulk UPDATE/DELETE of the append-only audit tables in sessions from ``factory``.

    Guarding twice keeps one guard. The mark lives on the factory itself: SQLAlchemy's
    ``event.contains`` keys its registry on ``id()`` of the factory's Session class, so
    once an earlier factory was garbage-collected a new one at the same address looked
    guarded and was left unguarded (seen as a flaky test, reproduced in
    tests/unit/test_audit_guard_rules.py).
    """
    if getattr(factory, _GUARD_MARK, False):
        return
    event.listen(factory, "do_orm_execute", _refuse_bulk)
    setattr(factory, _GUARD_MARK, True)
