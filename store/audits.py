"""Audit sampling in the work store: the recorded draw, audit tasks with leases, outcomes.

* :meth:`AuditStore.draw` (from :mod:`store.audit_draws`) runs once after a reading is saved: a fresh seed,
  the document's machine-decided fields (auto-accepted, or confirmed by an ID copy
  alone) as candidates, this ISO week's counts, and the pure draw of
  :mod:`domain.audit_sampling`; all of it is stored (append-only) so
  :meth:`AuditStore.replay` recomputes the same draw from the row alone. The
  document's status is not touched: auditing never holds up entry.
* A sample is checked blind by one reviewer at a time (a lease, as review documents).
  The typed value is compared with the stored machine value here, in the store, and
  only the outcome goes back. A My Number follows blind double entry: a disagreement
  is ``pending`` until a second person's entry agrees with the machine (agree) or with
  the first person (disagree).
* A confirmed disagreement sends the field back to review with the reason
  ``audit_mismatch`` (its document back to ``needs_review``); if the record was already
  entered by the bot, a follow-up for staff is opened instead (admins resolve it).

Logs carry ids, counts and codes only, never a value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from domain.audit_measure import AuditOutcome
from domain.lifecycle import DocumentStatus, transition
from domain.status import FieldKind, FieldStatus, ReviewReason
from store.audit_draws import AuditDraws, machine_decided
from store.audit_models import AuditCheck, AuditFollowUp, AuditLease, AuditSample
from store.models import Document, FieldResult

log = logging.getLogger(__name__)
S = DocumentStatus
FOLLOWUP_ENTERED = "audit_mismatch_entered"  # the wrong value is already in the back-office system
FOLLOWUP_UNSETTLED = "audit_mismatch_unsettled"  # the document was being read again meanwhile


class Outcome(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    PENDING = "pending"  # a My Number that disagreed: a second person types it blind
    VOID = "void"  # the field is no longer the auto-accepted reading (re-read or corrected)


DECIDED = (Outcome.AGREE.value, Outcome.DISAGREE.value, Outcome.VOID.value)


@dataclass(frozen=True)
class AuditTask:
    """What the blind audit screen may know: no value, no raw text."""

    sample_id: int
    document_id: int
    field_result_id: int
    field_id: str
    kind: str
    template_id: str
    template_version: int | None
    has_crop: bool


@dataclass(frozen=True)
class FollowUp:
    id: int
    sample_id: int
    document_id: int
    field_id: str
    kind: str
    reason: str
    created_at: datetime


class AuditStore(AuditDraws):
    """Draws (:class:`store.audit_draws.AuditDraws`), audit tasks, outcomes and follow-ups."""

    # --- tasks -----------------------------------------------------------------------------
    def _open(self, now: datetime, user_id: int | None) -> list[object]:
        decided = (exists().where(AuditCheck.sample_id == AuditSample.id, AuditCheck.outcome.in_(DECIDED))
                   .correlate(AuditSample))
        conds: list[object] = [~decided]
        if user_id is not None:
            conds.append(~exists().where(AuditLease.sample_id == AuditSample.id, AuditLease.expires_at > now,
                                         AuditLease.user_id != user_id).correlate(AuditSample))
            # blind double entry: the second entry must come from another person
            conds.append(~exists().where(AuditCheck.sample_id == AuditSample.id,
                                         AuditCheck.user_id == user_id).correlate(AuditSample))
        return conds

    def open_count(self) -> int:
        with self._sf() as s:
            return s.scalar(select(func.count(AuditSample.id)).where(*self._open(self._clock(), None))) or 0  # type: ignore[arg-type]

    def claim_next(self, user_id: int) -> int | None:
        """Lease the oldest open sample to ``user_id`` (their own unexpired lease first)."""
        now = self._clock()
        with self._write() as s:
            mine = s.scalar(select(AuditLease.sample_id).join(AuditSample)
                            .where(AuditLease.user_id == user_id, AuditLease.expires_at > now,
                                   *self._open(now, user_id))  # type: ignore[arg-type]
                            .order_by(AuditLease.sample_id).limit(1))
            if mine is not None:
                return int(mine)
            taken: list[int] = []
            while True:
                sample_id = s.scalar(select(AuditSample.id)
                                     .where(*self._open(now, user_id), AuditSample.id.not_in(taken))  # type: ignore[arg-type]
                                     .order_by(AuditSample.id).limit(1).with_for_update(skip_locked=True))
                if sample_id is None:
                    return None
                # as ReviewQueue.claim_next: on PostgreSQL the locking select's snapshot may predate
                # a lease committed just before the lock was free; look again with a new snapshot
                if s.scalar(select(AuditSample.id).where(AuditSample.id == sample_id,
                                                         *self._open(now, user_id))) is not None:  # type: ignore[arg-type]
                    break
                taken.append(sample_id)
            old = s.get(AuditLease, sample_id)
            if old is None:
                s.add(AuditLease(sample_id=sample_id, user_id=user_id, expires_at=now + self.lease))
            else:
                old.user_id, old.expires_at = user_id, now + self.lease
        log.info("audit sample %d leased to user %d", sample_id, user_id)
        return int(sample_id)

    def holds(self, sample_id: int, user_id: int) -> bool:
        with self._sf() as s:
            lease = s.get(AuditLease, sample_id)
            return lease is not None and lease.user_id == user_id and lease.expires_at > self._clock()

    def task(self, sample_id: int) -> AuditTask | None:
        with self._sf() as s:
            row = s.execute(select(AuditSample, Document.template_version)
                            .join(Document, Document.id == AuditSample.document_id)
                            .where(AuditSample.id == sample_id)).first()
            if row is None:
                return None
            sample, version = row
            fr = s.get(FieldResult, sample.field_result_id)
            return AuditTask(sample.id, sample.document_id, sample.field_result_id, sample.field_id,
                             sample.kind, sample.template_id, version, bool(fr and fr.crop_path))

    def crop_path(self, sample_id: int) -> str | None:
        with self._sf() as s:
            sample = s.get(AuditSample, sample_id)
            fr = s.get(FieldResult, sample.field_result_id) if sample else None
            return fr.crop_path if fr else None

    def era_json(self, sample_id: int, era_field: str) -> str | None:
        """The stored value of the same page's era field (for a 和暦 date typed without era)."""
        with self._sf() as s:
            sample = s.get(AuditSample, sample_id)
            fr = s.get(FieldResult, sample.field_result_id) if sample else None
            if fr is None:
                return None
            return s.scalar(select(FieldResult.value_json).where(FieldResult.page_id == fr.page_id,
                                                                 FieldResult.field_id == era_field))

    # --- the check -------------------------------------------------------------------------
    def record(self, sample_id: int, user_id: int, actor: str, typed_json: str) -> Outcome:
        """Record a blind entry, decide its outcome, react to a disagreement; release the lease."""
        now = self._clock()
        with self._write() as s:
            sample = s.get(AuditSample, sample_id)
            if sample is None:
                raise LookupError(f"audit sample {sample_id} does not exist")
            checks = list(s.scalars(select(AuditCheck).where(AuditCheck.sample_id == sample_id)
                                    .order_by(AuditCheck.id)))
            if any(c.outcome in DECIDED for c in checks):
                raise LookupError(f"audit sample {sample_id} is already decided")
            doc = s.get(Document, sample.document_id, with_for_update=True)
            fr = s.get(FieldResult, sample.field_result_id, with_for_update=True)
            if fr is None or doc is None or not s.scalar(
                    select(exists().where(FieldResult.id == fr.id, machine_decided()))):
                outcome = Outcome.VOID
            elif typed_json == fr.value_json:
                outcome = Outcome.AGREE
            elif sample.kind != FieldKind.MY_NUMBER.value or any(
                    c.user_id != user_id and c.value_json == typed_json for c in checks):
                outcome = Outcome.DISAGREE
            else:
                outcome = Outcome.PENDING
            s.add(AuditCheck(sample_id=sample_id, user_id=user_id, actor=actor, at=now, value_json=typed_json,
                             outcome=outcome.value))
            if outcome is Outcome.DISAGREE and doc is not None and fr is not None:
                self._react(s, sample, doc, fr, now)
            lease = s.get(AuditLease, sample_id)
            if lease is not None:
                s.delete(lease)
        log.info("audit sample %d checked by user %d: %s", sample_id, user_id, outcome.value)
        return outcome

    @staticmethod
    def _react(s: Session, sample: AuditSample, doc: Document, fr: FieldResult, now: datetime) -> None:
        """A confirmed disagreement: a correction task, or a follow-up if already entered."""
        status = S(doc.status)
        if status in (S.READ, S.REVIEWED, S.NEEDS_REVIEW):
            fr.status, fr.reason = FieldStatus.NEEDS_REVIEW.value, ReviewReason.AUDIT_MISMATCH.value
            if status is not S.NEEDS_REVIEW:
                doc.status = transition(status, S.NEEDS_REVIEW).value
            doc.updated_at = now
            log.warning("document %d back to review: audit sample %d disagreed", doc.id, sample.id)
            return
        reason = FOLLOWUP_ENTERED if status is S.ENTERED else FOLLOWUP_UNSETTLED
        s.add(AuditFollowUp(sample_id=sample.id, document_id=doc.id, reason=reason, created_at=now))
        log.warning("document %d: audit sample %d disagreed, follow-up opened (%s)", doc.id, sample.id,
                    reason)

    def outcomes(self) -> list[AuditOutcome]:
        """Every decided audit (agree or disagree; void ones left out), oldest first."""
        with self._sf() as s:
            rows = s.execute(select(AuditSample.kind, AuditSample.template_id, AuditSample.batch_id,
                                    AuditCheck.at, AuditCheck.outcome)
                             .join(AuditCheck, AuditCheck.sample_id == AuditSample.id)
                             .where(AuditCheck.outcome.in_([Outcome.AGREE.value, Outcome.DISAGREE.value]))
                             .order_by(AuditCheck.id)).all()
        return [AuditOutcome(k, t, b, at, o == Outcome.AGREE.value) for k, t, b, at, o in rows]

    def audited_labels(self) -> dict[int, bool]:
        """field_result_id → the machine's auto-accepted value was right (decided audits only)."""
        with self._sf() as s:
            rows = s.execute(select(AuditSample.field_result_id, AuditCheck.outcome)
                             .join(AuditCheck, AuditCheck.sample_id == AuditSample.id)
                             .where(AuditCheck.outcome.in_([Outcome.AGREE.value, Outcome.DISAGREE.value]))
                             .order_by(AuditCheck.id)).all()
        return {fr: o == Outcome.AGREE.value for fr, o in rows}

    # --- follow-ups ------------------------------------------------------------------------
    def open_followups(self) -> list[FollowUp]:
        with self._sf() as s:
            rows = s.execute(select(AuditFollowUp, AuditSample.field_id, AuditSample.kind)
                             .join(AuditSample, AuditSample.id == AuditFollowUp.sample_id)
                             .where(AuditFollowUp.resolved_at.is_(None)).order_by(AuditFollowUp.id)).all()
        return [FollowUp(f.id, f.sample_id, f.document_id, fid, kind, f.reason, f.created_at)
                for f, fid, kind in rows]

    def resolve_followup(self, followup_id: int, actor: str) -> bool:
        with self._write() as s:
            f = s.get(AuditFollowUp, followup_id)
            if f is None or f.resolved_at is not None:
                return False
            f.resolved_at, f.resolved_by = self._clock(), actor
        log.info("audit follow-up %d resolved", followup_id)
        return True
