"""The work store's operations: small, explicit, one transaction each.

Rules kept here:

* Duplicates: a file whose sha256 is already stored creates **no new row**;
  ``receive`` reports ``duplicate_of`` (the first document's id). The UNIQUE index on
  ``documents.sha256`` makes this hold across processes.
* Leases: only the worker holding a document's lease may save, release or quarantine
  it (else :class:`LeaseLost`). A lease that expired but was not taken over still lets
  its holder finish. Taking over an expired lease counts as a failed attempt, so a
  document that kills its worker ends ``failed`` after ``max_attempts``.
* Writes on SQLite start with ``BEGIN IMMEDIATE`` (one writer at a time, no lock
  upgrade failures); on PostgreSQL, rows read for update are locked and ``claim`` uses
  ``FOR UPDATE SKIP LOCKED``.
* No value, raw text or file name is logged or put in an exception: ids only.

Intake (batches, receive, quarantine) lives in :mod:`store.repository_intake`, the
read-only queries in :mod:`store.repository_queries`; :class:`Repository` combines them.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session

from domain.errors import ApplicationError, BusinessError
from domain.lifecycle import DocumentStatus, ReviewActionKind, status_after_reading, transition
from domain.model import PageReading
from domain.status import FieldStatus
from store.models import (
    Document,
    FieldResult,
    Page,
    ReviewAction,
    dumps,
)
from store.page_decisions import unresolved_in
from store.page_rows import replace_pages
from store.repository_intake import IntakeOps, Received
from store.repository_queries import QueryOps

__all__ = ["LeaseLost", "Received", "Repository"]

log = logging.getLogger(__name__)
S = DocumentStatus
FAILED_JA = "読み取りに{n}回失敗しました。担当者が確認してください。"
_REVIEW_STATUS = {
    ReviewActionKind.CONFIRM: FieldStatus.CONFIRMED,
    ReviewActionKind.CORRECT: FieldStatus.CORRECTED,
    ReviewActionKind.UNREADABLE: FieldStatus.UNREADABLE,
}


class LeaseLost(ApplicationError):
    """The worker no longer holds the document's lease: its result must be dropped."""

    def __init__(self, document_id: int, worker: str) -> None:
        super().__init__(f"document {document_id}: worker {worker!r} does not hold the lease")
        self.document_id = document_id


class Repository(IntakeOps, QueryOps):
    """The work store's operations (intake and queries come from their own modules)."""

    # --- reading -----------------------------------------------------------------------
    def claim(self, worker: str, limit: int, lease_seconds: int) -> list[int]:
        """Lease up to ``limit`` documents (received, or processing with an expired lease)."""
        now = self._clock()
        expired = and_(Document.status == S.PROCESSING.value, Document.lease_until.is_not(None),
                       Document.lease_until < now)
        requeued = and_(Document.status == S.PROCESSING.value, Document.lease_until.is_(None))
        claimable = or_(Document.status == S.RECEIVED.value, expired, requeued)
        with self._write() as s:
            # A document whose worker keeps dying must not be retried for ever.
            s.execute(update(Document).where(expired, Document.attempts + 1 >= self.max_attempts)
                      .values(status=S.FAILED.value, attempts=Document.attempts + 1,
                              lease_owner=None, lease_until=None, error_code="lease_expired",
                              error_message_ja=FAILED_JA.format(n=self.max_attempts), updated_at=now)
                      .execution_options(synchronize_session=False))
            # Two statements on purpose: as a subquery of the UPDATE, PostgreSQL may re-run
            # the LIMIT ... SKIP LOCKED select for every row (nested loop) and claim them all.
            candidates = list(s.scalars(select(Document.id).where(claimable).order_by(Document.id)
                                        .limit(limit).with_for_update(skip_locked=True)))
            if not candidates:
                return []
            stmt = (update(Document).where(Document.id.in_(candidates), claimable)
                    .values(status=S.PROCESSING.value, lease_owner=worker,
                            lease_until=now + timedelta(seconds=lease_seconds), updated_at=now,
                            attempts=Document.attempts + case((expired, 1), else_=0))
                    .returning(Document.id).execution_options(synchronize_session=False))
            ids = sorted(s.execute(stmt).scalars().all())
        if ids:
            log.info("worker %s claimed documents %s", worker, ids)
        return ids

    def save_reading(self, document_id: int, worker: str, pages: list[PageReading],
                     page_images: list[bytes] | None = None,
                     crops: dict[tuple[int, str], bytes] | None = None) -> DocumentStatus:
        """Replace the document's pages and fields with this reading, in one transaction.

        Re-running with the same reading leaves the same rows (same ids): rows are
        updated in place by (page index, field id); rows the new reading no longer has
        are deleted unless staff already acted on them (the audit trail wins).
        """
        if page_images is not None and len(page_images) != len(pages):
            raise ValueError("page_images must match pages one to one")
        if len({p.index for p in pages}) != len(pages):
            raise ValueError("page indexes must be unique")
        images = [self.files.put_bytes(b, "pages", ".png").relpath for b in page_images or []]
        crop_paths = {k: self.files.put_bytes(b, "crops", ".png").relpath
                      for k, b in (crops or {}).items()}
        new = transition(S.PROCESSING, status_after_reading(pages))
        forms = [p for p in pages if p.template_id]
        with self._write() as s:
            held = s.execute(
                update(Document)
                .where(Document.id == document_id, Document.status == S.PROCESSING.value,
                       Document.lease_owner == worker)
                .values(status=new.value, lease_owner=None, lease_until=None, page_count=len(pages),
                        template_id=forms[0].template_id if forms else None,
                        template_version=forms[0].template_version if forms else None,
                        error_code=None, error_message_ja=None, updated_at=self._clock())
                .returning(Document.id).execution_options(synchronize_session=False)).first()
            if held is None:
                raise LeaseLost(document_id, worker)
            replace_pages(s, document_id, pages, images, crop_paths)
        log.info("document %d read: %s (%d pages)", document_id, new.value, len(pages))
        return new

    def release(self, document_id: int, worker: str, error: str) -> DocumentStatus:
        """Give a document back after a crash (``error``: an English code, never a value)."""
        with self._write() as s:
            doc = self._leased(s, document_id, worker)
            doc.attempts += 1
            failed = doc.attempts >= self.max_attempts
            doc.status = transition(doc.status, S.FAILED if failed else S.RECEIVED).value
            doc.lease_owner, doc.lease_until = None, None
            doc.error_code = error[:60]
            doc.error_message_ja = FAILED_JA.format(n=doc.attempts) if failed else None
            doc.updated_at = self._clock()
            log.warning("document %d released by %s (%s): %s", document_id, worker, error, doc.status)
            return S(doc.status)

    def quarantine_document(self, document_id: int, worker: str, code: str, message_ja: str) -> None:
        """The claimed document's file turned out unusable (e.g. no page can be extracted)."""
        with self._write() as s:
            doc = self._leased(s, document_id, worker)
            doc.status = transition(doc.status, S.QUARANTINED).value
            doc.lease_owner, doc.lease_until = None, None
            doc.error_code, doc.error_message_ja = code[:60], message_ja
            doc.updated_at = self._clock()
        log.warning("document %d quarantined: %s", document_id, code)

    # --- review and later stages --------------------------------------------------------
    def record_review(self, field_result_id: int, actor: str, new_value: Any,
                      action: ReviewActionKind | str, reason: str | None = None) -> int:
        """Append a ReviewAction and set the field's value and status (one transaction).

        The stored value becomes ``new_value`` (``None`` for ``unreadable``); the
        document must be waiting for review.
        """
        kind = ReviewActionKind(action)
        with self._write() as s:
            # Document first, then the field: the order save_reading locks them in (no deadlock).
            doc = s.scalars(select(Document).join(Page, Page.document_id == Document.id)
                            .join(FieldResult, FieldResult.page_id == Page.id)
                            .where(FieldResult.id == field_result_id).with_for_update(of=Document)).first()
            fr = s.get(FieldResult, field_result_id, with_for_update=True)
            if doc is None or fr is None:
                raise LookupError(f"field result {field_result_id} does not exist")
            if doc.status != S.NEEDS_REVIEW.value:
                raise BusinessError(f"document {doc.id} is not waiting for review ({doc.status})",
                                    "この書類は確認待ちではありません", "not_in_review")
            new_json = dumps(None if kind is ReviewActionKind.UNREADABLE else new_value)
            now = self._clock()
            act = ReviewAction(field_result_id=fr.id, actor=actor, at=now, old_value_json=fr.value_json,
                               new_value_json=new_json, action=kind.value, reason=reason)
            s.add(act)
            fr.value_json, fr.status = new_json, _REVIEW_STATUS[kind].value
            doc.updated_at = now
            s.flush()
            log.info("field result %d: %s by %s", fr.id, kind.value, actor)
            return act.id

    def pending_review(self, document_id: int) -> int:
        """Fields still waiting for a person (unreadable ones count until staff acted)."""
        with self._read() as s:
            return self._pending(s, document_id)

    def complete_review(self, document_id: int) -> None:
        """needs_review → reviewed, once no field and no unread page waits for a person (one transaction)."""
        with self._write() as s:
            doc = s.get(Document, document_id, with_for_update=True)
            if doc is None:
                raise LookupError(f"document {document_id} does not exist")
            pending = self._pending(s, document_id)
            if pending:
                raise BusinessError(f"document {document_id}: {pending} fields still need review",
                                    f"未確認の項目が{pending}件あります", "review_incomplete")
            unread = unresolved_in(s, document_id)
            if unread:
                raise BusinessError(f"document {document_id}: {unread} unread pages still need a decision",
                                    f"帳票として読み取れなかったページが{unread}件あり、判断が必要です",
                                    "pages_undecided")
            doc.status = transition(doc.status, S.REVIEWED).value
            doc.updated_at = self._clock()
        log.info("document %d reviewed", document_id)

    def set_status(self, document_id: int, new: DocumentStatus) -> None:
        """Move a document outside reading (review, entry, manual retry, re-read request).

        ``processing`` here queues a re-read (no lease: the next ``claim`` takes it);
        ``failed → received`` resets the attempt count.
        """
        with self._write() as s:
            doc = s.get(Document, document_id, with_for_update=True)
            if doc is None:
                raise LookupError(f"document {document_id} does not exist")
            if doc.status == S.PROCESSING.value and doc.lease_owner is not None:
                raise ApplicationError(f"document {document_id} is being read; try again later")
            old = doc.status
            doc.status = transition(doc.status, new).value
            doc.lease_owner, doc.lease_until = None, None
            if old == S.FAILED.value:
                doc.attempts, doc.error_code, doc.error_message_ja = 0, None, None
            doc.updated_at = self._clock()
        log.info("document %d: %s -> %s", document_id, old, new.value)

    # --- internals ---------------------------------------------------------------------
    @staticmethod
    def _pending(s: Session, document_id: int) -> int:
        acted = exists().where(ReviewAction.field_result_id == FieldResult.id)
        return s.scalar(select(func.count(FieldResult.id)).join(Page).where(
            Page.document_id == document_id,
            or_(FieldResult.status == FieldStatus.NEEDS_REVIEW.value,
                and_(FieldResult.status == FieldStatus.UNREADABLE.value, ~acted)))) or 0

    @staticmethod
    def _leased(s: Session, document_id: int, worker: str) -> Document:
        doc = s.scalars(select(Document).where(
            Document.id == document_id, Document.status == S.PROCESSING.value,
            Document.lease_owner == worker).with_for_update()).first()
        if doc is None:
            raise LeaseLost(document_id, worker)
        return doc
