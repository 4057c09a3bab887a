"""The life of a received document, as a small state machine (pure).

Allowed moves (``ALLOWED`` is the source of truth):

* received → processing (a worker claims it) | quarantined (the file is unusable)
* processing → read | needs_review (reading saved) | received (released for a retry)
  | failed (crashed too often) | quarantined (pages cannot be extracted)
* read → entered | needs_review (staff re-open it) | processing (re-read)
* needs_review → reviewed | processing (re-read)
* reviewed → entered | needs_review (re-opened)
* failed → received (a person asks for a manual retry)
* processing → split (a stack scan of several envelopes: one child document each,
  see ``store.envelopes``)

Terminal states and why:

* ``entered``: the record is in the back-office system; a later correction is a new
  piece of work there, not a re-run of this document.
* ``quarantined``: the file itself is unusable; a new scan is a new document.
* ``split``: the file's pages were handed to its envelope documents (children).
* ``duplicate``: the same bytes were already received. The store does not create rows
  in this state (see ``store.repository.Repository.receive``); the code exists so the
  intake flow can report the outcome with the same vocabulary.

A lease take-over (a worker claiming a ``processing`` document whose lease expired) is
not a status change, so ``processing → processing`` is not listed here.
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import BusinessError
from domain.model import PageReading
from domain.status import FieldStatus, PageStatus


class DocumentStatus(StrEnum):
    RECEIVED = "received"  # original stored, waiting for a reader
    PROCESSING = "processing"  # claimed by a worker holding a lease
    READ = "read"  # every page read and every field auto-accepted: ready to enter
    NEEDS_REVIEW = "needs_review"  # some field or page waits for staff
    REVIEWED = "reviewed"  # staff confirmed the queued fields
    ENTERED = "entered"  # the bot typed it into the back-office system
    QUARANTINED = "quarantined"  # unusable file (corrupt, encrypted, not a scan)
    DUPLICATE = "duplicate"  # same content already received
    FAILED = "failed"  # reading crashed repeatedly; a person must look
    SPLIT = "split"  # a stack scan of several envelopes: its pages now live in one child per envelope


DOCUMENT_STATUS_JA: dict[DocumentStatus, str] = {
    DocumentStatus.RECEIVED: "受付済み（読み取り待ち）",
    DocumentStatus.PROCESSING: "読み取り中",
    DocumentStatus.READ: "読み取り完了",
    DocumentStatus.NEEDS_REVIEW: "職員の確認待ち",
    DocumentStatus.REVIEWED: "確認済み",
    DocumentStatus.ENTERED: "システム入力済み",
    DocumentStatus.QUARANTINED: "使用できないファイル（隔離）",
    DocumentStatus.DUPLICATE: "受付済みのファイルと同じ内容です",
    DocumentStatus.FAILED: "読み取りに失敗しました（担当者の確認が必要）",
    DocumentStatus.SPLIT: "複数の封筒を含むため封筒ごとの書類に分けました",
}

_S = DocumentStatus

ALLOWED: dict[DocumentStatus, frozenset[DocumentStatus]] = {
    _S.RECEIVED: frozenset({_S.PROCESSING, _S.QUARANTINED}),
    _S.PROCESSING: frozenset({_S.READ, _S.NEEDS_REVIEW, _S.RECEIVED, _S.FAILED, _S.QUARANTINED,
                              _S.SPLIT}),
    _S.READ: frozenset({_S.ENTERED, _S.NEEDS_REVIEW, _S.PROCESSING}),
    _S.NEEDS_REVIEW: frozenset({_S.REVIEWED, _S.PROCESSING}),
    _S.REVIEWED: frozenset({_S.ENTERED, _S.NEEDS_REVIEW}),
    _S.FAILED: frozenset({_S.RECEIVED}),
    _S.ENTERED: frozenset(),
    _S.QUARANTINED: frozenset(),
    _S.DUPLICATE: frozenset(),
    _S.SPLIT: frozenset(),
}

TERMINAL: frozenset[DocumentStatus] = frozenset(s for s, nxt in ALLOWED.items() if not nxt)


class IllegalTransition(BusinessError):
    """A document cannot move from one status to another (e.g. entering an unreviewed one)."""

    def __init__(self, current: DocumentStatus, new: DocumentStatus) -> None:
        super().__init__(
            f"illegal document status transition: {current.value} -> {new.value}",
            f"書類の状態を「{DOCUMENT_STATUS_JA[current]}」から"
            f"「{DOCUMENT_STATUS_JA[new]}」に変更することはできません",
            "illegal_transition",
        )
        self.current = current
        self.new = new


def can_transition(current: DocumentStatus, new: DocumentStatus) -> bool:
    return new in ALLOWED[current]


def transition(current: DocumentStatus | str, new: DocumentStatus | str) -> DocumentStatus:
    """Return ``new`` if a document may move there from ``current``; raise otherwise."""
    cur, nxt = DocumentStatus(current), DocumentStatus(new)
    if nxt not in ALLOWED[cur]:
        raise IllegalTransition(cur, nxt)
    return nxt


class ReviewActionKind(StrEnum):
    """What a member of staff did to one field (stored in the append-only audit trail)."""

    CONFIRM = "confirm"  # the machine value is right
    CORRECT = "correct"  # staff typed the right value
    UNREADABLE = "unreadable"  # nobody can read it; the value stays empty


# Pages a person must look at (the review screen lists them with PAGE_STATUS_JA).
PAGE_NEEDS_PERSON = frozenset({PageStatus.UNKNOWN_FORM, PageStatus.UNIDENTIFIED, PageStatus.UNALIGNED,
                               PageStatus.UNREADABLE_IMAGE})
_FIELD_NEEDS_PERSON = frozenset({FieldStatus.NEEDS_REVIEW, FieldStatus.UNREADABLE})


def status_after_reading(pages: list[PageReading]) -> DocumentStatus:
    """``read`` only when nothing needs a person; otherwise ``needs_review``.

    A person is needed when the document has no page that was read as a form, when a
    page is an unknown form / could not be identified / could not be aligned / is an
    unreadable image, or when a field waits for review or was unreadable. Blank and
    non-form pages (positively not a form, e.g. a copy of an ID card) do not by
    themselves need review.
    """
    if not any(p.status is PageStatus.READ for p in pages):
        return DocumentStatus.NEEDS_REVIEW
    for p in pages:
        if p.status in PAGE_NEEDS_PERSON:
            return DocumentStatus.NEEDS_REVIEW
        if any(f.status in _FIELD_NEEDS_PERSON for f in p.fields):
            return DocumentStatus.NEEDS_REVIEW
    return DocumentStatus.READ
