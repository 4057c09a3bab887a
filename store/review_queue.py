"""The review queue: which document a reviewer gets next, leases, versions and audits.

* Oldest first (received_at, id); optional filters by template and batch.
* A lease (``review_leases``) gives a document to one reviewer until it expires, so
  two reviewers never confirm the same document at once; an abandoned lease expires.
* ``version`` in the lease row is the optimistic version of the confirmation form: a
  submit succeeds only with the version it was rendered with (two tabs cannot both win).
* Unmasked My Number views and blind double entries are recorded here (append-only).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from domain.lifecycle import DocumentStatus
from domain.status import FieldStatus
from store.db import write_transaction
from store.models import Document, FieldResult, Page, ReviewAction, utcnow
from store.review_models import BlindEntry, ReviewLease, ReviewReturn, SensitiveView, User

log = logging.getLogger(__name__)
_NEEDS = DocumentStatus.NEEDS_REVIEW.value


@dataclass(frozen=True)
class QueueRow:
    document_id: int
    batch_id: int
    template_id: str | None
    received_at: datetime
    pending_fields: int
    leased_by_other: bool


@dataclass(frozen=True)
class QueueCounts:
    documents: int
    fields: int
    in_progress: int


@dataclass(frozen=True)
class ReturnRow:
    """An unresolved send-back, with what the admin needs to decide (no field values)."""

    id: int
    document_id: int
    source_name: str
    template_id: str | None
    template_version: int | None
    document_status: str
    reason: str  # wrong_form | unreadable_scan | other
    user_id: int
    user_name: str
    at: datetime


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    actor: str
    field_result_id: int
    field_id: str
    kind: str
    action: str
    old_value_json: str
    new_value_json: str
    reason: str | None


def _pending_fields() -> object:
    acted = exists().where(ReviewAction.field_result_id == FieldResult.id)
    return or_(FieldResult.status == FieldStatus.NEEDS_REVIEW.value,
               and_(FieldResult.status == FieldStatus.UNREADABLE.value, ~acted))


class ReviewQueue:
    def __init__(self, session_factory: sessionmaker[Session], *,
                 lease: timedelta = timedelta(minutes=30), clock: Callable[[], datetime] = utcnow) -> None:
        self._sf = session_factory
        self.lease = lease
        self._clock = clock

    def _write(self) -> AbstractContextManager[Session]:
        return write_transaction(self._sf)

    # --- queue ---------------------------------------------------------------------------
    def _open(self, now: datetime, user_id: int | None, template_id: str | None,
              batch_id: int | None) -> list[object]:
        conds: list[object] = [
            Document.status == _NEEDS,
            ~exists().where(ReviewReturn.document_id == Document.id, ReviewReturn.resolved_at.is_(None)),
        ]
        if user_id is not None:
            conds.append(~exists().where(ReviewLease.document_id == Document.id,
                                         ReviewLease.expires_at > now, ReviewLease.user_id != user_id))
            # blind double entry: a second person decides, not the one who disagreed
            conds.append(~select(BlindEntry.id)
                         .join(FieldResult, FieldResult.id == BlindEntry.field_result_id)
                         .join(Page, Page.id == FieldResult.page_id)
                         .where(BlindEntry.user_id == user_id, Page.document_id == Document.id,
                                FieldResult.status == FieldStatus.NEEDS_REVIEW.value)
                         .correlate(Document).exists())
        if template_id:
            conds.append(Document.template_id == template_id)
        if batch_id:
            conds.append(Document.batch_id == batch_id)
        return conds

    def claim_next(self, user_id: int, template_id: str | None = None,
                   batch_id: int | None = None) -> int | None:
        """Lease the oldest open document to ``user_id`` (their own unexpired lease first)."""
        now = self._clock()
        with self._write() as s:
            mine = s.scalar(select(ReviewLease.document_id).join(Document)
                            .where(ReviewLease.user_id == user_id, ReviewLease.expires_at > now,
                                   *self._open(now, None, template_id, batch_id))  # type: ignore[arg-type]
                            .order_by(Document.received_at, Document.id).limit(1))
            if mine is not None:
                return int(mine)
            taken: list[int] = []
            while True:
                conds = self._open(now, user_id, template_id, batch_id)
                if taken:
                    conds.append(Document.id.not_in(taken))
                doc_id = s.scalar(select(Document.id).where(*conds)  # type: ignore[arg-type]
                                  .order_by(Document.received_at, Document.id).limit(1)
                                  .with_for_update(skip_locked=True))
                if doc_id is None:
                    return None
                # SKIP LOCKED keeps others off the document while it is locked, but on PostgreSQL
                # the select's snapshot can predate a lease committed just before the lock was
                # free (another table: locking does not re-check it). Look again, new snapshot.
                if s.scalar(select(Document.id).where(Document.id == doc_id,
                                                      *self._open(now, user_id, template_id, batch_id))  # type: ignore[arg-type]
                            ) is not None:
                    break
                taken.append(doc_id)
            old = s.get(ReviewLease, doc_id)
            if old is None:
                s.add(ReviewLease(document_id=doc_id, user_id=user_id, expires_at=now + self.lease,
                                  version=0, opened_at=now))
            else:
                old.user_id, old.expires_at, old.opened_at = user_id, now + self.lease, now
                old.version += 1
        log.info("document %d leased for review to user %d", doc_id, user_id)
        return int(doc_id)

    def held_version(self, document_id: int, user_id: int) -> int | None:
        """The lease version if ``user_id`` holds an unexpired lease on the document."""
        with self._sf() as s:
            lease = s.get(ReviewLease, document_id)
        if lease is None or lease.user_id != user_id or lease.expires_at <= self._clock():
            return None
        return lease.version

    def bump(self, document_id: int, user_id: int, version: int) -> bool:
        """Atomically move the version on (the submit of ``version`` wins), extending the lease."""
        now = self._clock()
        with self._write() as s:
            res = s.execute(update(ReviewLease).where(
                ReviewLease.document_id == document_id, ReviewLease.user_id == user_id,
                ReviewLease.version == version, ReviewLease.expires_at > now)
                .values(version=version + 1, expires_at=now + self.lease)
                .execution_options(synchronize_session=False))
            return bool(res.rowcount)  # type: ignore[attr-defined]

    def release(self, document_id: int, user_id: int) -> None:
        with self._write() as s:
            s.execute(delete(ReviewLease).where(ReviewLease.document_id == document_id,
                                                ReviewLease.user_id == user_id))

    def rows(self, template_id: str | None = None, batch_id: int | None = None,
             limit: int = 200) -> list[QueueRow]:
        now = self._clock()
        pending = (select(func.count(FieldResult.id)).join(Page)
                   .where(Page.document_id == Document.id, _pending_fields())  # type: ignore[arg-type]
                   .scalar_subquery())
        leased = exists().where(ReviewLease.document_id == Document.id, ReviewLease.expires_at > now)
        with self._sf() as s:
            res = s.execute(select(Document.id, Document.batch_id, Document.template_id,
                                   Document.received_at, pending, leased)
                            .where(*self._open(now, None, template_id, batch_id))  # type: ignore[arg-type]
                            .order_by(Document.received_at, Document.id).limit(limit)).all()
        return [QueueRow(r[0], r[1], r[2], r[3], int(r[4] or 0), bool(r[5])) for r in res]

    def counts(self) -> QueueCounts:
        now = self._clock()
        with self._sf() as s:
            docs = s.scalar(select(func.count(Document.id)).where(*self._open(now, None, None, None))) or 0  # type: ignore[arg-type]
            fields = s.scalar(select(func.count(FieldResult.id)).join(Page).join(Document)
                              .where(Document.status == _NEEDS, _pending_fields())) or 0  # type: ignore[arg-type]
            busy = s.scalar(select(func.count()).select_from(ReviewLease).join(Document)
                            .where(ReviewLease.expires_at > now, Document.status == _NEEDS)) or 0
        return QueueCounts(docs, fields, busy)

    def facets(self) -> tuple[list[str], list[int]]:
        """Templates and batches that have documents waiting (for the filters)."""
        with self._sf() as s:
            t = s.scalars(select(Document.template_id).where(Document.status == _NEEDS,
                                                              Document.template_id.is_not(None)).distinct())
            b = s.scalars(select(Document.batch_id).where(Document.status == _NEEDS).distinct())
            return sorted(x for x in t if x), sorted(b)

    # --- returns, audit, blind entries ---------------------------------------------------
    def send_back(self, document_id: int, user_id: int, reason: str) -> None:
        with self._write() as s:
            s.add(ReviewReturn(document_id=document_id, user_id=user_id, reason=reason[:30],
                               at=self._clock()))
            s.execute(delete(ReviewLease).where(ReviewLease.document_id == document_id))
        log.info("document %d sent back by user %d: %s", document_id, user_id, reason)

    def open_returns(self, limit: int = 500, return_id: int | None = None) -> list[ReturnRow]:
        """Send-backs nobody resolved yet, oldest first (or just ``return_id`` if it is open)."""
        query = (select(ReviewReturn, Document.source_name, Document.template_id, Document.template_version,
                        Document.status, User.display_name)
                 .join(Document, Document.id == ReviewReturn.document_id)
                 .join(User, User.id == ReviewReturn.user_id)
                 .where(ReviewReturn.resolved_at.is_(None)))
        if return_id is not None:
            query = query.where(ReviewReturn.id == return_id)
        with self._sf() as s:
            res = s.execute(query.order_by(ReviewReturn.at, ReviewReturn.id).limit(limit)).all()
        return [ReturnRow(r.id, r.document_id, name, tid, tver, status, r.reason, r.user_id, who, r.at)
                for r, name, tid, tver, status, who in res]

    def open_return_count(self) -> int:
        """Documents held out of the queue by an unresolved send-back."""
        with self._sf() as s:
            return s.scalar(select(func.count(func.distinct(ReviewReturn.document_id)))
                            .where(ReviewReturn.resolved_at.is_(None))) or 0

    def open_return(self, return_id: int) -> ReturnRow | None:
        found = self.open_returns(limit=1, return_id=return_id)
        return found[0] if found else None

    def resolve_returns(self, document_id: int, user_id: int, resolution: str) -> int:
        """Mark every open send-back of a document resolved; the number resolved (0: already done).

        There is no column for who resolved it: the resolution is recorded by this log line
        (user id, resolution) and ``resolved_at``. The document is back in the queue as soon
        as it has no open send-back and is still waiting for review.
        """
        now = self._clock()
        with self._write() as s:
            res = s.execute(update(ReviewReturn)
                            .where(ReviewReturn.document_id == document_id,
                                   ReviewReturn.resolved_at.is_(None))
                            .values(resolved_at=now).execution_options(synchronize_session=False))
            n = int(res.rowcount)  # type: ignore[attr-defined]
        if n:
            log.info("returns of document %d resolved by user %d: %s", document_id, user_id, resolution)
        return n

    def log_sensitive_view(self, user_id: int, field_result_id: int, what: str) -> None:
        with self._write() as s:
            s.add(SensitiveView(user_id=user_id, field_result_id=field_result_id, what=what,
                                at=self._clock()))

    def sensitive_views(self, field_result_id: int) -> list[tuple[int, str]]:
        with self._sf() as s:
            return [(r[0], r[1]) for r in s.execute(
                select(SensitiveView.user_id, SensitiveView.what)
                .where(SensitiveView.field_result_id == field_result_id).order_by(SensitiveView.id))]

    def add_blind_entry(self, field_result_id: int, user_id: int, value_json: str) -> None:
        with self._write() as s:
            s.add(BlindEntry(field_result_id=field_result_id, user_id=user_id, value_json=value_json,
                             at=self._clock()))

    def blind_entries(self, field_result_id: int) -> list[tuple[int, str]]:
        """(user id, value JSON) of earlier blind entries of a field, oldest first."""
        with self._sf() as s:
            return [(r[0], r[1]) for r in s.execute(
                select(BlindEntry.user_id, BlindEntry.value_json)
                .where(BlindEntry.field_result_id == field_result_id).order_by(BlindEntry.id))]

    def history(self, document_id: int) -> list[HistoryRow]:
        with self._sf() as s:
            res = s.execute(select(ReviewAction, FieldResult.field_id, FieldResult.kind)
                            .join(FieldResult, FieldResult.id == ReviewAction.field_result_id)
                            .join(Page, Page.id == FieldResult.page_id)
                            .where(Page.document_id == document_id).order_by(ReviewAction.id)).all()
        return [HistoryRow(a.at, a.actor, a.field_result_id, fid, kind, a.action, a.old_value_json,
                           a.new_value_json, a.reason) for a, fid, kind in res]

    def user_names(self) -> dict[int, str]:
        with self._sf() as s:
            return {r[0]: r[1] for r in s.execute(select(User.id, User.display_name))}

    def document_of_field(self, field_result_id: int) -> tuple[FieldResult, int] | None:
        with self._sf() as s:
            row = s.execute(select(FieldResult, Page.document_id).join(Page)
                            .where(FieldResult.id == field_result_id)).first()
        return (row[0], int(row[1])) if row else None
