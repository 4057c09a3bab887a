"""Intake in the work store: batches, received originals (stored once) and quarantined files.

Duplicates: a file whose sha256 is already stored creates **no new row**; ``receive``
reports ``duplicate_of`` (the first document's id). The UNIQUE index on
``documents.sha256`` makes this hold across processes. Ids only in logs.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.lifecycle import DocumentStatus
from store.models import Batch, Document
from store.repository_base import RepositoryBase

log = logging.getLogger("store.repository")
S = DocumentStatus


@dataclass(frozen=True)
class Received:
    document_id: int  # for a duplicate: the document already holding this content
    duplicate_of: int | None
    sha256: str


class IntakeOps(RepositoryBase):
    def create_batch(self, name: str, source: str) -> int:
        with self._write() as s:
            batch = Batch(name=name, source=source, created_at=self._clock())
            s.add(batch)
            s.flush()
            return batch.id

    def finish_batch(self, batch_id: int) -> None:
        with self._write() as s:
            s.execute(update(Batch).where(Batch.id == batch_id).values(finished_at=self._clock()))

    def receive(self, batch_id: int, source_name: str, data_path: Path,
                page_count: int | None = None) -> Received:
        """Store the original (content-addressed) first, then record it once."""
        stored = self.files.put_file(Path(data_path), "originals")
        try:
            with self._write() as s:
                if s.get(Batch, batch_id) is None:
                    raise LookupError(f"batch {batch_id} does not exist")
                first = self._by_sha(s, stored.sha256)
                if first is None:
                    now = self._clock()
                    doc = Document(batch_id=batch_id, source_name=_nfc(source_name),
                                   sha256=stored.sha256, size=stored.size,
                                   original_path=stored.relpath, page_count=page_count,
                                   status=S.RECEIVED.value, received_at=now, updated_at=now,
                                   attempts=0)
                    s.add(doc)
                    s.flush()
                    log.info("document %d received in batch %d (%d bytes)", doc.id, batch_id, stored.size)
                    return Received(doc.id, None, stored.sha256)
        except IntegrityError:  # another process inserted the same content meanwhile
            with self._read() as s:
                first = self._by_sha(s, stored.sha256)
            if first is None:
                raise
        log.info("file in batch %d duplicates document %d", batch_id, first)
        return Received(first, first, stored.sha256)

    def quarantine(self, batch_id: int, source_name: str, sha256: str | None, code: str,
                   message_ja: str, *, size: int | None = None,
                   original_path: str | None = None) -> int:
        """Record an unusable file (status quarantined). Same content twice → the first row."""
        try:
            with self._write() as s:
                first = self._by_sha(s, sha256) if sha256 else None
                if first is not None:
                    return first
                now = self._clock()
                doc = Document(batch_id=batch_id, source_name=_nfc(source_name), sha256=sha256,
                               size=size, original_path=original_path,
                               status=S.QUARANTINED.value, error_code=code[:60],
                               error_message_ja=message_ja, received_at=now, updated_at=now,
                               attempts=0)
                s.add(doc)
                s.flush()
                log.warning("document %d quarantined in batch %d: %s", doc.id, batch_id, code)
                return doc.id
        except IntegrityError:
            with self._read() as s:
                first = self._by_sha(s, sha256) if sha256 else None
            if first is None:
                raise
            return first

    @staticmethod
    def _by_sha(s: Session, sha256: str) -> int | None:
        return s.scalar(select(Document.id).where(Document.sha256 == sha256))


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)
