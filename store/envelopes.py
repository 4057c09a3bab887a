"""Cut a stack scan into one document per envelope, in one transaction (exactly once).

The worker reads every page of a received file first; when :func:`domain.envelope.split_envelopes`
finds more than one envelope, :func:`save_split` (under the worker's lease):

* moves the file's document to ``split`` (terminal; it keeps the original, the batch and
  its page count, and no page rows);
* creates one child document per envelope: same batch and stored original, its source
  page range (``first_page`` .. ``last_page``), and the page and field rows of exactly
  those pages (page indexes stay the source file's, so thumbnails, page decisions and
  forced re-reads of a child address the same pages);
* each child's status follows from its own pages, as for any reading.

All of it commits together or not at all: a worker that dies mid-split leaves the
document ``processing`` under its lease, with no child, and the worker that takes it
over splits it again from the start. A lost lease writes nothing. A child is never
split again, and a document that already has page rows (it was read and perhaps
reviewed before) is not split (see :func:`may_split`). Logs carry ids and counts only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from domain.completeness import Rules
from domain.envelope import Envelope, check_partition
from domain.lifecycle import DocumentStatus, status_after_reading, transition
from domain.model import PageReading
from store.db import write_transaction
from store.files import ContentStore
from store.models import Document, Page, utcnow
from store.page_rows import replace_pages
from store.repository import LeaseLost

log = logging.getLogger(__name__)
S = DocumentStatus
NAME_MAX = 500


def may_split(sessions: sessionmaker[Session], document_id: int) -> bool:
    """Only a file's first reading is split: not a child, not a document with page rows."""
    with sessions() as s:
        doc = s.get(Document, document_id)
        if doc is None or doc.parent_id is not None:
            return False
        rows = s.scalar(select(func.count()).select_from(Page).where(Page.document_id == document_id))
        return not rows


def child_name(source_name: str, k: int, n: int) -> str:
    """``<file> 封筒3/50``: what staff see as the child's name."""
    suffix = f" 封筒{k}/{n}"
    return source_name[: NAME_MAX - len(suffix)] + suffix


def save_split(sessions: sessionmaker[Session], files: ContentStore, document_id: int, worker: str,
               pages: Sequence[PageReading], envelopes: Sequence[Envelope],
               page_images: Sequence[bytes], crops: dict[tuple[int, str], bytes],
               clock: Callable[[], datetime] = utcnow,
               after_child: Callable[[int], None] | None = None) -> list[int]:
    """Store one child document per envelope and mark the file ``split``; the children's ids.

    ``after_child``: called inside the transaction after each child is written (tests use
    it to crash mid-split).
    """
    if len(page_images) != len(pages):
        raise ValueError("page_images must match pages one to one")
    check_partition(envelopes, [p.index for p in pages])
    by_index = {p.index: (p, files.put_bytes(img, "pages", ".png").relpath)
                for p, img in zip(pages, page_images, strict=True)}
    crop_paths = {k: files.put_bytes(b, "crops", ".png").relpath for k, b in crops.items()}
    now = clock()
    with write_transaction(sessions) as s:
        held = s.execute(
            update(Document)
            .where(Document.id == document_id, Document.status == S.PROCESSING.value,
                   Document.lease_owner == worker, Document.parent_id.is_(None))
            .values(status=transition(S.PROCESSING, S.SPLIT).value, lease_owner=None, lease_until=None,
                    page_count=len(pages), template_id=None, template_version=None,
                    error_code=None, error_message_ja=None, updated_at=now)
            .returning(Document.id).execution_options(synchronize_session=False)).first()
        if held is None:
            raise LeaseLost(document_id, worker)
        parent = s.get(Document, document_id)
        assert parent is not None  # the update above just matched it
        children: list[int] = []
        for k, env in enumerate(envelopes, start=1):
            readings = [by_index[i][0] for i in env.indexes]
            forms = [p for p in readings if p.template_id]
            child = Document(batch_id=parent.batch_id, source_name=child_name(parent.source_name, k,
                                                                                len(envelopes)),
                             sha256=None, size=None, original_path=parent.original_path,
                             page_count=len(readings),
                             status=transition(S.PROCESSING, status_after_reading(readings)).value,
                             template_id=forms[0].template_id if forms else None,
                             template_version=forms[0].template_version if forms else None,
                             received_at=parent.received_at, updated_at=now, attempts=0,
                             parent_id=document_id, first_page=env.first, last_page=env.last)
            s.add(child)
            s.flush()
            replace_pages(s, child.id, readings, [by_index[i][1] for i in env.indexes],
                          {key: path for key, path in crop_paths.items() if key[0] in env.indexes})
            children.append(child.id)
            if after_child is not None:
                after_child(child.id)
    log.info("document %d split into %d envelopes (%d pages)", document_id, len(children), len(pages))
    return children


def record_copy_check(sessions: sessionmaker[Session], document_id: int,
                      result: dict[str, str] | None) -> None:
    """Store the form-vs-copy comparison (codes per field, no values); a review hint only."""
    import json

    with write_transaction(sessions) as s:
        doc = s.get(Document, document_id)
        if doc is not None:
            doc.copy_check_json = None if result is None else json.dumps(result, sort_keys=True)


def missing_copies(s: Session, docs: Sequence[Any], rules: Rules) -> set[int]:
    """Ids of documents whose envelope lacks a required ID copy (domain.completeness).

    ``docs``: (id, template id) rows; ``rules``: template id → its ``required_copies``
    (a template not in it requires no copies).

    Only documents the envelope check ran on: an envelope cut from a stack scan, or one
    with a page whose copy kind was recorded (a document read before the check existed,
    or stored by other means, is not held back on the absence of data).
    """
    from domain.completeness import check_rows

    docs = [d for d in docs if d[1] in rules]
    ids = [d[0] for d in docs]
    pages = s.execute(select(Page.document_id, Page.copy_kind, Page.copy_confidence)
                      .where(Page.document_id.in_(ids), Page.status != "read")).all()
    envelopes = set(s.scalars(select(Document.id)
                              .where(Document.id.in_(ids), Document.parent_id.is_not(None))))
    attached: dict[int, list[tuple[str | None, float | None]]] = {i: [] for i in ids}
    for doc_id, kind, conf in pages:
        attached[doc_id].append((kind, conf))
    checked = envelopes | {i for i, rows in attached.items() if any(k for k, _ in rows)}
    return {d[0] for d in docs if d[0] in checked and not check_rows(rules[d[1]], attached[d[0]]).complete}


def hold_deficient(sessions: sessionmaker[Session], document_ids: Sequence[int], rules: Rules,
                   clock: Callable[[], datetime] = utcnow) -> list[int]:
    """Move ``read`` documents whose envelope lacks a required copy to ``needs_review``.

    A person then sees the 書類不備 on the confirmation screen; the bot skips such a
    document whatever its status (:func:`missing_copies`). Returns the ids moved.
    """
    moved: list[int] = []
    with write_transaction(sessions) as s:
        docs = s.execute(select(Document.id, Document.template_id)
                         .where(Document.id.in_(list(document_ids)), Document.status == S.READ.value)
                         .with_for_update()).all()
        for doc_id in sorted(missing_copies(s, docs, rules)):
            doc = s.get(Document, doc_id)
            assert doc is not None
            doc.status = transition(doc.status, S.NEEDS_REVIEW).value
            doc.updated_at = clock()
            moved.append(doc_id)
    if moved:
        log.info("documents %s held for review: required ID copies missing", moved)
    return moved


def children_of(sessions: sessionmaker[Session], document_id: int) -> list[Document]:
    """The envelope documents cut from a stack scan, in page order."""
    with sessions() as s:
        return list(s.scalars(select(Document).where(Document.parent_id == document_id)
                              .order_by(Document.first_page)))
