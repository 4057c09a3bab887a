"""Read-only queries of the work store (one read transaction each)."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.lifecycle import DocumentStatus
from store.models import Document, FieldResult, Page
from store.repository_base import RepositoryBase

S = DocumentStatus


class QueryOps(RepositoryBase):
    def counts_by_status(self) -> dict[str, int]:
        with self._read() as s:
            rows = s.execute(select(Document.status, func.count()).group_by(Document.status)).all()
        counts = {st.value: 0 for st in DocumentStatus}
        counts.update({status: n for status, n in rows})
        return counts

    def list_documents(self) -> list[tuple[int, str, str]]:
        """(id, source file name, status) of every document, oldest first."""
        with self._read() as s:
            rows = s.execute(select(Document.id, Document.source_name, Document.status)
                             .order_by(Document.id)).all()
        return [(r[0], r[1], r[2]) for r in rows]

    def failed_documents(self, limit: int = 200) -> list[Document]:
        """Documents whose reading failed ``max_attempts`` times, oldest first (a person must act)."""
        with self._read() as s:
            return list(s.scalars(select(Document).where(Document.status == S.FAILED.value)
                                  .order_by(Document.id).limit(limit)))

    def document(self, document_id: int) -> Document | None:
        with self._read() as s:
            return s.get(Document, document_id)

    def pages(self, document_id: int) -> list[Page]:
        with self._read() as s:
            return list(s.scalars(select(Page).where(Page.document_id == document_id)
                                  .order_by(Page.index)))

    def fields(self, document_id: int) -> list[FieldResult]:
        with self._read() as s:
            return list(s.scalars(select(FieldResult).join(Page).where(Page.document_id == document_id)
                                  .order_by(Page.index, FieldResult.id)))
