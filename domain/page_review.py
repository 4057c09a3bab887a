"""Pages the reader did not read as a form: what a person decided, and when a batch is done (pure).

Every page that is not ``read`` (未判定, 帳票以外 such as an ID copy, 白紙, an unknown or
unaligned form, a broken image) is shown to staff with a thumbnail. A person decides:

* ``read_as``: "this is a form, read it as template T version V" — the document goes
  back to reading with that template forced for the page (identification skipped,
  alignment still required);
* ``attachment`` / ``blank``: confirmed as 添付書類 / 白紙; nothing more to read.

The worker appends the outcome of a forced reading (``read_done`` or ``read_failed``,
with a reason code) to the same append-only trail, so the trail tells the whole story.

A page *needs a person* when its status is in :data:`domain.lifecycle.PAGE_NEEDS_PERSON`
(未判定, unknown form, unaligned, broken image). It is *resolved* when it has since been
read as a form, or when the latest decision on it confirms it (attachment / blank).
A batch is complete only when every page that needs a person is resolved and no
document of it is still waiting to be read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from domain.lifecycle import PAGE_NEEDS_PERSON, DocumentStatus
from domain.status import PageStatus


class PageDecisionKind(StrEnum):
    READ_AS = "read_as"  # a person: read it as a form (template, version, page)
    ATTACHMENT = "attachment"  # a person: 添付書類 (not a form), nothing to read
    BLANK = "blank"  # a person: 白紙
    READ_DONE = "read_done"  # the worker: the forced reading aligned and read the page
    READ_FAILED = "read_failed"  # the worker: the forced reading could not align the page
    COPY_KIND = "copy_kind"  # a person: 添付書類, an ID copy of this kind (reason: the kinds' codes)


PERSON_KINDS = frozenset({PageDecisionKind.READ_AS, PageDecisionKind.ATTACHMENT, PageDecisionKind.BLANK,
                          PageDecisionKind.COPY_KIND})
CONFIRMING = frozenset({PageDecisionKind.ATTACHMENT, PageDecisionKind.BLANK, PageDecisionKind.COPY_KIND})

DECISION_JA: dict[PageDecisionKind, str] = {
    PageDecisionKind.READ_AS: "帳票として読み取り直しを依頼",
    PageDecisionKind.ATTACHMENT: "添付書類として確認",
    PageDecisionKind.BLANK: "白紙として確認",
    PageDecisionKind.READ_DONE: "指定の帳票として読み取りました",
    PageDecisionKind.READ_FAILED: "指定の帳票として読み取れませんでした",
    PageDecisionKind.COPY_KIND: "本人確認書類の種類を確認",
}


class ForcedFailure(StrEnum):
    """Why a forced reading did not read the page (codes; Japanese in FORCED_FAILURE_JA)."""

    NOT_AVAILABLE = "template_not_available"  # the template version is gone or no longer active
    NO_SUCH_PAGE = "template_has_no_page"
    NOT_ALIGNED = "alignment_failed"
    IMAGE = "unreadable_image"


FORCED_FAILURE_JA: dict[ForcedFailure, str] = {
    ForcedFailure.NOT_AVAILABLE: "指定された帳票（版）は現在使用できません。別の帳票を選んでください",
    ForcedFailure.NO_SUCH_PAGE: "指定された帳票にそのページはありません",
    ForcedFailure.NOT_ALIGNED: "指定された帳票と用紙の位置を合わせられませんでした。"
                               "帳票の種類・版を確かめて選び直すか、添付書類として確認してください",
    ForcedFailure.IMAGE: "画像が小さすぎるか壊れているため読み取れません",
}

UNREAD_STATUSES = frozenset(s for s in PageStatus if s is not PageStatus.READ)
WAITING_TO_READ = frozenset({DocumentStatus.RECEIVED.value, DocumentStatus.PROCESSING.value,
                             DocumentStatus.FAILED.value})


def failure_ja(reason: str | None) -> str:
    """The Japanese text of a forced-reading failure code (unknown codes: a generic sentence)."""
    try:
        return FORCED_FAILURE_JA[ForcedFailure(reason or "")]
    except ValueError:
        return "指定された帳票として読み取れませんでした"


def needs_person(page_status: str) -> bool:
    """A page status a person must decide on (unknown codes count: a person looks)."""
    try:
        return PageStatus(page_status) in PAGE_NEEDS_PERSON
    except ValueError:
        return True


def is_resolved(page_status: str, latest: str | None) -> bool:
    """True when nothing is left to decide about this page.

    ``latest``: the kind of the page's latest decision (None: nobody decided). A page read
    as a form is resolved; a page that needs a person is resolved only by a confirming
    decision (attachment / blank) that is the latest one; a page that does not need a
    person (白紙, 帳票以外) is resolved as it stands.
    """
    if page_status == PageStatus.READ.value:
        return True
    if latest in CONFIRMING:
        return True
    return not needs_person(page_status)


@dataclass
class BatchPages:
    """One batch's pages that were not read as a form, and whether the batch is complete."""

    batch_id: int
    by_status: dict[str, int] = field(default_factory=dict)  # PageStatus code → pages not read
    confirmed: int = 0  # of those, pages a person confirmed as attachment / blank
    unresolved: int = 0  # pages that need a person and have no confirming decision
    waiting_documents: int = 0  # documents still to be read (received, processing, failed)

    @property
    def unread(self) -> int:
        return sum(self.by_status.values())

    @property
    def complete(self) -> bool:
        return self.unresolved == 0 and self.waiting_documents == 0


def summarise(batch_id: int, doc_statuses: Iterable[str],
              pages: Iterable[tuple[str, str | None]]) -> BatchPages:
    """A batch's :class:`BatchPages` from its documents' statuses and (page status, latest decision)."""
    out = BatchPages(batch_id, waiting_documents=sum(1 for s in doc_statuses if s in WAITING_TO_READ))
    for status, latest in pages:
        if status == PageStatus.READ.value:
            continue
        out.by_status[status] = out.by_status.get(status, 0) + 1
        if latest in CONFIRMING:
            out.confirmed += 1
        if not is_resolved(status, latest):
            out.unresolved += 1
    return out


BATCH_STATE_JA = {True: "完了", False: "未完了"}
