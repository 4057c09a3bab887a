"""Bookkeeping of bot entries (EntryAttempt rows) on the work store's session factory.

Kept out of ``store/repository.py``: these functions take the same
``sessionmaker`` the Repository uses. No value or name is logged: ids only. Rows read
to be changed are locked (``FOR UPDATE``): on PostgreSQL two bots, or a bot and a
reviewer, cannot overwrite each other's status change.

Evidence (screenshots) lives in the ContentStore kind ``evidence``; each attempt's
``evidence_json`` is a list of ``{"kind", "path", "sha256", "prev", "chain", "at"}``
where ``chain = sha256(prev + sha256)`` and ``prev`` is the previous item's chain for
the same document (across attempts), starting from 64 zeros: altering or removing a
screenshot or an item breaks the chain (:func:`verify_chain`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from contextlib import AbstractContextManager

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain.lifecycle import DocumentStatus, transition
from store.db import write_transaction
from store.files import ContentStore
from store.models import Document, EntryAttempt, dumps, utcnow

log = logging.getLogger(__name__)
GENESIS = "0" * 64


def _write(sf: sessionmaker[Session]) -> AbstractContextManager[Session]:
    return write_transaction(sf)


def chain_hash(prev: str, sha256: str) -> str:
    return hashlib.sha256(f"{prev}{sha256}".encode()).hexdigest()


def start_attempt(sf: sessionmaker[Session], document_id: int, target: str) -> int:
    with _write(sf) as s:
        row = EntryAttempt(document_id=document_id, target=target, started_at=utcnow(), evidence_json="[]")
        s.add(row)
        s.flush()
        return row.id


def finish_attempt(sf: sessionmaker[Session], attempt_id: int, outcome: str, target_record_id: str | None,
                   evidence: list[dict[str, str]]) -> None:
    with _write(sf) as s:
        row = s.get(EntryAttempt, attempt_id, with_for_update=True)
        if row is None:
            raise LookupError(f"entry attempt {attempt_id} does not exist")
        row.finished_at, row.outcome = utcnow(), outcome
        row.target_record_id, row.evidence_json = target_record_id, dumps(evidence)
    log.info("entry attempt %d: %s", attempt_id, outcome)


def attempts(sf: sessionmaker[Session], document_id: int | None = None) -> list[EntryAttempt]:
    with sf() as s:
        q = select(EntryAttempt).order_by(EntryAttempt.id)
        if document_id is not None:
            q = q.where(EntryAttempt.document_id == document_id)
        return list(s.scalars(q))


def last_chain(sf: sessionmaker[Session], document_id: int) -> str:
    for row in reversed(attempts(sf, document_id)):
        items = json.loads(row.evidence_json or "[]")
        if items:
            return str(items[-1]["chain"])
    return GENESIS


def verify_chain(sf: sessionmaker[Session], files: ContentStore, document_id: int) -> bool:
    """Every evidence file still hashes to its name and the chain links up."""
    prev = GENESIS
    for row in attempts(sf, document_id):
        for item in json.loads(row.evidence_json or "[]"):
            if item["prev"] != prev or item["chain"] != chain_hash(prev, item["sha256"]):
                return False
            if not files.verify(item["path"]) or item["sha256"] not in item["path"]:
                return False
            prev = item["chain"]
    return True


ENTERED_MEANWHILE = "entered_while_changed"
ENTERED_MEANWHILE_JA = ("業務システムへの入力中に、この申請は確認待ちに戻されました"
                        "（抜き取り確認での不一致など）。業務システムには入力済みです。値を直した場合は、業務システム側の登録内容も直してください。")


def mark_entered(sf: sessionmaker[Session], document_id: int) -> bool:
    """read/reviewed → entered; False when the document changed while the bot was typing it.

    The record is in the target system either way. A document that an audit disagreement
    (or an admin's re-read) moved on meanwhile keeps its new status, so a person still
    decides it, and carries :data:`ENTERED_MEANWHILE` so staff know the target already
    holds the old values; the bot's next look-up then finds that record (equal: taken as
    entered; corrected: sent back as "differs", never entered twice). A document already
    ``entered`` by another run is left as it is.
    """
    with _write(sf) as s:
        doc = s.get(Document, document_id, with_for_update=True)
        if doc is None:
            raise LookupError(f"document {document_id} does not exist")
        status = DocumentStatus(doc.status)
        if status in (DocumentStatus.READ, DocumentStatus.REVIEWED):
            doc.status = transition(status, DocumentStatus.ENTERED).value
            doc.error_code, doc.error_message_ja, doc.updated_at = None, None, utcnow()
            return True
        if status is not DocumentStatus.ENTERED:
            doc.error_code, doc.error_message_ja = ENTERED_MEANWHILE, ENTERED_MEANWHILE_JA
            doc.updated_at = utcnow()
    log.warning("document %d was %s when its entry finished; status kept", document_id, status.value)
    return False


def send_back(sf: sessionmaker[Session], document_id: int, code: str, message_ja: str) -> None:
    """The target refused the record: back to a person (needs_review) with the target's message."""
    with _write(sf) as s:
        doc = s.get(Document, document_id, with_for_update=True)
        if doc is None:
            raise LookupError(f"document {document_id} does not exist")
        doc.status = transition(doc.status, DocumentStatus.NEEDS_REVIEW).value
        doc.error_code, doc.error_message_ja, doc.updated_at = code[:60], message_ja, utcnow()
    log.warning("document %d sent back to review: %s", document_id, code)


def document_status(sf: sessionmaker[Session], document_id: int) -> str | None:
    with sf() as s:
        doc = s.get(Document, document_id)
        return doc.status if doc else None
