"""Decisions about pages the reader did not read as a form (append-only audit trail).

A row says who decided what about page ``page_index`` of a document, and when:
a reviewer's ``read_as`` (with the template, version and page to force), ``attachment``
or ``blank``, or the worker's outcome of a forced reading (``read_done`` /
``read_failed`` with a reason code). Rows are never changed or deleted (ORM guards
here, database triggers in migration 0005). Keyed by (document, page index) because a
re-read updates page rows in place by index.

Checks made in the same transaction as the write (so two tabs or two reviewers cannot
both win): the page belongs to the document, it was not read as a form, and the
document waits for review. ``request_read_as`` also moves the document to
``processing`` without a lease (the next ``claim`` reads it again) and ends its review
lease. No value or file name is logged: ids and codes only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, delete, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from domain.errors import BusinessError
from domain.lifecycle import DocumentStatus, transition
from domain.page_review import PERSON_KINDS, BatchPages, PageDecisionKind, is_resolved, summarise
from domain.status import PageStatus
from store.db import write_transaction
from store.models import AuditTrailViolation, Base, Batch, Document, Page, UTCDateTime, utcnow
from store.review_models import ReviewLease

log = logging.getLogger(__name__)
K = PageDecisionKind


class PageDecision(Base):
    __tablename__ = "page_decisions"
    __table_args__ = (Index("ix_page_decisions_document_id_page_index", "document_id", "page_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    page_index: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # domain.page_review.PageDecisionKind
    template_id: Mapped[str | None] = mapped_column(String(60))
    template_version: Mapped[int | None] = mapped_column(Integer)
    page_number: Mapped[int | None] = mapped_column(Integer)  # page of the template (read_as)
    actor: Mapped[str] = mapped_column(String(100))  # user name, or the worker id
    user_id: Mapped[int | None] = mapped_column(ForeignKey("review_users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(60))  # English code (read_failed)


@event.listens_for(PageDecision, "before_update")
def _refuse_update(_mapper: Any, _conn: Any, target: PageDecision) -> None:
    raise AuditTrailViolation(f"page decision {target.id} is append-only: update refused")


@event.listens_for(PageDecision, "before_delete")
def _refuse_delete(_mapper: Any, _conn: Any, target: PageDecision) -> None:
    raise AuditTrailViolation(f"page decision {target.id} is append-only: delete refused")


@dataclass(frozen=True)
class Forced:
    """Read page ``index`` as this template version (page ``page_number``, None: find it)."""

    template_id: str
    version: int
    page_number: int | None = None


@dataclass(frozen=True)
class DecisionRow:
    kind: str
    actor: str
    at: datetime
    template_id: str | None
    template_version: int | None
    page_number: int | None
    reason: str | None


@dataclass(frozen=True)
class UnreadPage:
    """A page of a document not read as a form, with its latest decision (if any)."""

    page_id: int
    index: int
    status: str
    has_image: bool
    latest: DecisionRow | None


@dataclass(frozen=True)
class OverviewRow:
    page: UnreadPage
    document_id: int
    batch_id: int
    document_status: str


@dataclass(frozen=True)
class BatchRow:
    created_at: datetime
    pages: BatchPages


def _row(d: PageDecision) -> DecisionRow:
    return DecisionRow(d.kind, d.actor, d.at, d.template_id, d.template_version, d.page_number, d.reason)


def _latest(s: Session, document_id: int | None = None) -> dict[tuple[int, int], PageDecision]:
    """The latest decision per (document, page index): of one document, or of every one."""
    q = select(PageDecision).order_by(PageDecision.id)
    if document_id is not None:
        q = q.where(PageDecision.document_id == document_id)
    return {(d.document_id, d.page_index): d for d in s.scalars(q)}


def unresolved_in(s: Session, document_id: int) -> int:
    """Pages of a document that still need a person's decision (inside the caller's transaction).

    Used by :meth:`store.repository.Repository.complete_review`, so no caller (the review
    screen, the demo's stand-in reviewer, a script) can finish a document while one of its
    pages waits for a decision: after that nobody could decide it and its batch would stay
    未完了 for good.
    """
    latest = _latest(s, document_id)
    rows = s.execute(select(Page.index, Page.status).where(Page.document_id == document_id,
                                                           Page.status != PageStatus.READ.value)).all()
    return sum(1 for idx, status in rows
               if not is_resolved(status, latest[(document_id, idx)].kind
                                  if (document_id, idx) in latest else None))


class PageDecisionStore:
    def __init__(self, session_factory: sessionmaker[Session], *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._sf = session_factory
        self._clock = clock

    # --- reviewers -----------------------------------------------------------------------
    def _checked(self, s: Session, document_id: int, page_id: int,
                 in_status: DocumentStatus) -> tuple[Document, Page]:
        doc = s.get(Document, document_id, with_for_update=True)
        page = s.get(Page, page_id)
        if doc is None or page is None or page.document_id != document_id:
            raise BusinessError(f"page {page_id} is not a page of document {document_id}",
                                "このページはこの書類のページではありません", "wrong_page")
        if doc.status != in_status.value:
            raise BusinessError(f"document {document_id} is {doc.status}, not {in_status.value}",
                                "この書類は今この操作ができる状態ではありません（画面を開き直してください）",
                                "wrong_status")
        if page.status == PageStatus.READ.value:
            raise BusinessError(f"page {page_id} was read as a form",
                                "このページは既に帳票として読み取られています", "already_read")
        return doc, page

    def confirm(self, document_id: int, page_id: int, kind: PageDecisionKind, actor: str,
                user_id: int | None, in_status: DocumentStatus = DocumentStatus.NEEDS_REVIEW) -> int:
        """Record ``attachment`` or ``blank`` for a page; the decision's id.

        ``in_status``: the status the document must be in (``needs_review`` from the
        confirmation screen; ``read`` from the admins' overview of documents nobody reviews).
        """
        if kind not in (K.ATTACHMENT, K.BLANK):
            raise ValueError(f"not a confirming decision: {kind}")
        with write_transaction(self._sf) as s:
            _, page = self._checked(s, document_id, page_id, in_status)
            d = PageDecision(document_id=document_id, page_index=page.index, kind=kind.value,
                             actor=actor[:100], user_id=user_id, at=self._clock())
            s.add(d)
            s.flush()
            log.info("document %d page %d: %s by user %s", document_id, page.index, kind.value, user_id)
            return d.id

    def request_read_as(self, document_id: int, page_id: int, forced: Forced, actor: str,
                        user_id: int | None, in_status: DocumentStatus = DocumentStatus.NEEDS_REVIEW) -> int:
        """Record ``read_as`` and send the document back to reading (processing, no lease)."""
        with write_transaction(self._sf) as s:
            doc, page = self._checked(s, document_id, page_id, in_status)
            d = PageDecision(document_id=document_id, page_index=page.index, kind=K.READ_AS.value,
                             template_id=forced.template_id, template_version=forced.version,
                             page_number=forced.page_number, actor=actor[:100], user_id=user_id,
                             at=self._clock())
            s.add(d)
            doc.status = transition(doc.status, DocumentStatus.PROCESSING).value
            doc.lease_owner, doc.lease_until, doc.updated_at = None, None, self._clock()
            s.execute(delete(ReviewLease).where(ReviewLease.document_id == document_id))
            s.flush()
            log.info("document %d page %d: read as %s v%d requested by user %s", document_id,
                     page.index, forced.template_id, forced.version, user_id)
            return d.id

    # --- the worker ----------------------------------------------------------------------
    def forced_pages(self, document_id: int) -> dict[int, Forced]:
        """Pages to read with a template a person chose (page index → what to force).

        A ``read_as`` holds until a person decides otherwise (attachment / blank) or a
        forced reading fails (then a person must choose again); a successful forced
        reading keeps it, so a later re-read of the document reads the page the same way.
        """
        found: dict[int, Forced] = {}
        with self._sf() as s:
            for d in s.scalars(select(PageDecision).where(PageDecision.document_id == document_id)
                               .order_by(PageDecision.id)):
                if d.kind == K.READ_AS.value:
                    found[d.page_index] = Forced(d.template_id or "", d.template_version or 0, d.page_number)
                elif d.kind != K.READ_DONE.value:
                    found.pop(d.page_index, None)
        return found

    def record_outcomes(self, document_id: int, outcomes: dict[int, str | None], actor: str) -> None:
        """The worker's result per forced page: None → ``read_done``, a reason code → ``read_failed``."""
        if not outcomes:
            return
        now = self._clock()
        with write_transaction(self._sf) as s:
            for idx, reason in sorted(outcomes.items()):
                kind = K.READ_DONE if reason is None else K.READ_FAILED
                s.add(PageDecision(document_id=document_id, page_index=idx, kind=kind.value,
                                   actor=actor[:100], at=now, reason=reason))
        log.info("document %d: forced readings %s", document_id,
                 ", ".join(f"page {i} {r or 'read'}" for i, r in sorted(outcomes.items())))

    # --- queries -------------------------------------------------------------------------
    def unread_pages(self, document_id: int) -> list[UnreadPage]:
        with self._sf() as s:
            latest = _latest(s, document_id)
            pages = list(s.scalars(select(Page).where(Page.document_id == document_id,
                                                      Page.status != PageStatus.READ.value)
                                   .order_by(Page.index)))
        return [UnreadPage(p.id, p.index, p.status, bool(p.image_path),
                           _row(latest[(document_id, p.index)]) if (document_id, p.index) in latest else None)
                for p in pages]

    def history(self, document_id: int) -> list[tuple[int, DecisionRow]]:
        """Every decision on a document's pages, oldest first: (page index, decision)."""
        with self._sf() as s:
            rows = s.scalars(select(PageDecision).where(PageDecision.document_id == document_id)
                             .order_by(PageDecision.id))
            return [(d.page_index, _row(d)) for d in rows]

    def latest_kinds(self) -> dict[tuple[int, int], str]:
        """(document id, page index) → kind of its latest decision, for every decided page."""
        with self._sf() as s:
            return {k: d.kind for k, d in _latest(s).items()}

    def batches(self) -> list[BatchRow]:
        """Every batch (newest first): pages not read as a form, confirmed, unresolved; complete?"""
        with self._sf() as s:
            batches = s.execute(select(Batch.id, Batch.created_at).order_by(Batch.id.desc())).all()
            docs = s.execute(select(Document.batch_id, Document.status, func.count())
                             .group_by(Document.batch_id, Document.status)).all()
            pages = s.execute(select(Document.batch_id, Page.document_id, Page.index, Page.status)
                              .join(Document, Document.id == Page.document_id)
                              .where(Page.status != PageStatus.READ.value)).all()
            latest = _latest(s) if pages else {}
        statuses: dict[int, list[str]] = {}
        for batch_id, status, n in docs:
            statuses.setdefault(batch_id, []).extend([status] * n)
        unread: dict[int, list[tuple[str, str | None]]] = {}
        for batch_id, doc_id, idx, status in pages:
            d = latest.get((doc_id, idx))
            unread.setdefault(batch_id, []).append((status, d.kind if d else None))
        return [BatchRow(created, summarise(batch_id, statuses.get(batch_id, []), unread.get(batch_id, [])))
                for batch_id, created in batches]

    def overview(self, batch_id: int | None = None, limit: int = 200) -> list[OverviewRow]:
        """Pages not read as a form across documents, newest document first (admins' overview)."""
        q = (select(Page.id, Page.index, Page.status, Page.image_path, Document.id, Document.batch_id,
                    Document.status)
             .join(Document, Document.id == Page.document_id)
             .where(Page.status != PageStatus.READ.value)
             .order_by(Document.id.desc(), Page.index).limit(limit))
        if batch_id is not None:
            q = q.where(Document.batch_id == batch_id)
        with self._sf() as s:
            rows = s.execute(q).all()
            latest = _latest(s) if rows else {}
        return [OverviewRow(UnreadPage(pid, idx, st, bool(img),
                                       _row(latest[(d, idx)]) if (d, idx) in latest else None), d, b, ds)
                for pid, idx, st, img, d, b, ds in rows]

    def count(self) -> int:
        with self._sf() as s:
            return s.scalar(select(func.count(PageDecision.id))) or 0


__all__ = ["PERSON_KINDS", "BatchRow", "DecisionRow", "Forced", "OverviewRow", "PageDecision",
           "PageDecisionStore", "UnreadPage"]
