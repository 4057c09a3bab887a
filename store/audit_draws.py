"""The recorded audit draw (issue 15): run it after a reading, replay it from the stored seed.

:class:`AuditDraws` is the base of :class:`store.audits.AuditStore` (kept apart to keep
modules small). One draw per document reading: a fresh seed, the document's
machine-decided fields (:func:`machine_decided`) as candidates, this ISO week's counts
per kind, and the pure draw of :mod:`domain.audit_sampling`; all stored, append-only,
so :meth:`AuditDraws.replay` recomputes the same draw from the row alone. Logs carry ids and counts only.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from domain.audit_sampling import (
    AuditPolicy,
    Candidate,
    candidates_from_json,
    candidates_to_json,
    draw,
    iso_week,
)
from domain.copy_evidence import EVIDENCE_ACTOR
from domain.status import FieldStatus
from store.audit_models import AuditDraw, AuditSample
from store.db import write_transaction
from store.models import Document, FieldResult, Page, ReviewAction, utcnow

log = logging.getLogger(__name__)
JST = timezone(timedelta(hours=9), "JST")


def machine_decided() -> ColumnElement[bool]:
    """A field no person decided: auto-accepted, or confirmed by an ID copy's evidence alone.

    Both are the machine's decisions, so both are audit candidates: a field confirmed by
    the copy-evidence actor (My Number by evidence, the strict cross-check) would
    otherwise never have its error measured. A person's action on it makes it theirs.
    """
    acted = ReviewAction.field_result_id == FieldResult.id
    return or_(FieldResult.status == FieldStatus.AUTO_ACCEPTED.value,
               and_(FieldResult.status == FieldStatus.CONFIRMED.value,
                    exists().where(acted, ReviewAction.actor == EVIDENCE_ACTOR),
                    ~exists().where(acted, ReviewAction.actor != EVIDENCE_ACTOR)))


def _day(now: datetime) -> date:
    return now.astimezone(JST).date()


class AuditDraws:
    def __init__(self, session_factory: sessionmaker[Session], *, lease: timedelta = timedelta(minutes=30),
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._sf = session_factory
        self.lease = lease
        self._clock = clock

    def _write(self) -> AbstractContextManager[Session]:
        return write_transaction(self._sf)

    # --- the draw --------------------------------------------------------------------------
    def draw(self, document_id: int, policy: AuditPolicy, seed: int | None = None) -> list[int]:
        """Draw and record this document's audit sample; the field result ids drawn."""
        now = self._clock()
        day = _day(now)
        week = iso_week(day)
        seed = secrets.randbits(62) if seed is None else seed
        with self._write() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                raise LookupError(f"document {document_id} does not exist")
            rows = s.execute(select(FieldResult.id, FieldResult.kind, Page.template_id, FieldResult.field_id,
                                    FieldResult.confidence)
                             .join(Page, FieldResult.page_id == Page.id)
                             .where(Page.document_id == document_id, machine_decided())
                             .order_by(FieldResult.id)).all()
            candidates = [Candidate(r[0], r[1], r[2]) for r in rows]
            counts: dict[str, int] = {str(k): int(n) for k, n in s.execute(
                select(AuditSample.kind, func.count(AuditSample.id))
                .join(AuditDraw, AuditDraw.id == AuditSample.draw_id)
                .where(AuditDraw.iso_week == week).group_by(AuditSample.kind))}
            chosen = draw(seed, candidates, policy, day, counts)
            row = AuditDraw(document_id=document_id, seed=seed, drawn_at=now, day=day.isoformat(),
                            iso_week=week, policy_json=json.dumps(policy.to_json(), sort_keys=True),
                            candidates_json=json.dumps(candidates_to_json(candidates)),
                            week_counts_json=json.dumps(counts, sort_keys=True),
                            drawn_json=json.dumps(chosen))
            s.add(row)
            s.flush()
            info = {r[0]: r for r in rows}
            for fr_id in chosen:
                _, kind, tid, field_id, score = info[fr_id]
                s.add(AuditSample(draw_id=row.id, document_id=document_id, batch_id=doc.batch_id,
                                  field_result_id=fr_id, field_id=field_id, kind=kind, template_id=tid or "",
                                  score=score, created_at=now))
            draw_id = row.id
        log.info("document %d: %d of %d auto-accepted fields drawn for audit (draw %d)", document_id,
                 len(chosen), len(candidates), draw_id)
        return chosen

    def replay(self, draw_id: int) -> tuple[list[int], list[int]]:
        """(stored draw, the draw recomputed from the stored seed and inputs)."""
        with self._sf() as s:
            row = s.get(AuditDraw, draw_id)
            if row is None:
                raise LookupError(f"audit draw {draw_id} does not exist")
            again = draw(row.seed, candidates_from_json(json.loads(row.candidates_json)),
                         AuditPolicy.from_json(json.loads(row.policy_json)), date.fromisoformat(row.day),
                         json.loads(row.week_counts_json))
            return list(json.loads(row.drawn_json)), again

    def draw_ids(self, document_id: int | None = None) -> list[int]:
        with self._sf() as s:
            q = select(AuditDraw.id).order_by(AuditDraw.id)
            if document_id is not None:
                q = q.where(AuditDraw.document_id == document_id)
            return list(s.scalars(q))

    def samples_of(self, document_id: int) -> list[int]:
        with self._sf() as s:
            return list(s.scalars(select(AuditSample.id).where(AuditSample.document_id == document_id)
                                  .order_by(AuditSample.id)))
