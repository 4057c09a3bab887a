"""The recognition worker: claim documents, read every page, save the reading. No Prefect here.

One document is one unit of work, decided at the boundary:

* a :class:`BusinessError` from the file (corrupt, encrypted, beyond the
  :class:`~intake.pages.PageLimits`: too many pages, pages too large or too many pixels) →
  ``quarantine_document``: a person looks at it, it is never retried;
* a transient problem (:class:`ApplicationError`, ``OSError``, a DB ``OperationalError``)
  → ``release`` (or re-raised for a Prefect task retry, see ``raise_transient``);
* any other exception (a bug, a crash in the OCR engine) → ``release`` with the
  exception's type name: a later claim retries it, ``max_attempts`` failures mark it
  ``failed``;
* :class:`LeaseLost` (another worker took over an expired lease) → the result is dropped.

A worker killed mid-document leaves its lease behind; once it expires another worker
takes the document over (counted as an attempt) and ``save_reading`` replaces the
rows, so every document ends with exactly one set of page rows.

Logs carry document ids, counts and English codes only: never values or file names.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError

from domain.completeness import rules_of
from domain.errors import ApplicationError, BusinessError
from domain.lifecycle import DocumentStatus
from domain.model import PageReading
from domain.status import FieldStatus, PageStatus
from intake.pages import DEFAULT_LIMITS, PageLimits
from ocr.reader import Reader
from services.copy_checks import check_saved
from services.envelopes import envelope_pages, split_stack
from services.forced_read import forced_pages, record_outcomes
from services.stored_read import read_document
from store.envelopes import hold_deficient
from store.files import ContentStore
from store.repository import LeaseLost, Repository

log = logging.getLogger(__name__)
S = DocumentStatus
TRANSIENT: tuple[type[BaseException], ...] = (ApplicationError, OSError, OperationalError)
_worker_numbers = itertools.count(1)


def new_worker_id() -> str:
    """``<hostname>-<pid>-<n>``: unique per worker loop, readable in the store and logs."""
    return f"{socket.gethostname()}-{os.getpid()}-{next(_worker_numbers)}"


@dataclass(frozen=True)
class ProcessResult:
    """What happened to one claimed document (counts and codes only)."""

    document_id: int
    status: DocumentStatus | None  # None: the lease was lost, nothing was written
    batch_id: int | None = None
    pages: int = 0
    forms: dict[str, int] = field(default_factory=dict)  # template id → pages read as that form
    fields_auto: int = 0
    fields_review: int = 0
    error: str | None = None  # BusinessError code or exception type name
    seconds: float = 0.0
    page_statuses: dict[str, int] = field(default_factory=dict)  # PageStatus code → pages
    children: list[int] = field(default_factory=list)  # envelope documents cut from a stack scan


@dataclass
class WorkerStats:
    worker: str = ""
    documents: int = 0
    pages: int = 0
    fields_auto: int = 0
    fields_review: int = 0
    lease_lost: int = 0
    seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    forms: Counter[str] = field(default_factory=Counter)
    page_statuses: Counter[str] = field(default_factory=Counter)  # PageStatus code → pages
    quarantined: Counter[str] = field(default_factory=Counter)  # by reason code
    processed: list[int] = field(default_factory=list)  # ids this worker saved or quarantined

    def add(self, r: ProcessResult) -> None:
        self.documents += 1
        if r.status is None:
            self.lease_lost += 1
            return
        self.statuses[r.status.value] += 1
        self.pages += r.pages
        self.fields_auto += r.fields_auto
        self.fields_review += r.fields_review
        self.forms.update(r.forms)
        self.page_statuses.update(r.page_statuses)
        if r.status is S.QUARANTINED:
            self.quarantined[r.error or "unknown"] += 1
        if r.status in (S.READ, S.NEEDS_REVIEW, S.QUARANTINED):
            self.processed.append(r.document_id)
        self.processed.extend(r.children)


def _summary(document_id: int, batch_id: int | None, status: DocumentStatus,
             pages: list[PageReading], seconds: float, children: list[int] | None = None) -> ProcessResult:
    forms: Counter[str] = Counter(p.template_id for p in pages
                                  if p.status is PageStatus.READ and p.template_id)
    fields = [f for p in pages for f in p.fields]
    auto = sum(f.status is FieldStatus.AUTO_ACCEPTED for f in fields)
    return ProcessResult(document_id, status, batch_id, len(pages), dict(forms), auto,
                         len(fields) - auto, None, round(seconds, 3),
                         page_statuses=dict(Counter(p.status.value for p in pages)),
                         children=list(children or []))


def process_document(repo: Repository, files: ContentStore, reader: Reader, document_id: int,
                     worker: str, *, raise_transient: bool = False,
                     limits: PageLimits = DEFAULT_LIMITS) -> ProcessResult:
    """Read one claimed document and save it (or quarantine / release it). See module doc.

    ``raise_transient``: re-raise transient errors as :class:`ApplicationError` while keeping
    the lease, so a retrying caller (a Prefect task) can try again under the same worker id.
    """
    started = time.perf_counter()
    batch_id: int | None = None
    try:
        doc = repo.document(document_id)
        batch_id = doc.batch_id if doc else None
        forced = forced_pages(repo, document_id)  # pages a person said to read as a given form
        outcomes: dict[int, str | None] = {}
        page_range = (doc.first_page, doc.last_page) if doc and doc.parent_id is not None \
            and doc.first_page is not None and doc.last_page is not None else None
        lines: dict[int, list[str]] = {}  # printed lines of ID copies: memory only
        boxes: dict[int, list[tuple[int, int, int, int] | None]] = {}  # where they are (geometry)
        scores: dict[int, list[float | None]] = {}  # how surely each line was read
        pages, images, crops = read_document(files, reader, document_id,
                                             doc.original_path if doc else None, limits, forced, outcomes,
                                             page_range, lines, boxes, scores)
        rules = rules_of(reader.templates.values())  # required_copies per template (書類不備)

        def checked_then_drawn(repo: Repository, child: int) -> None:
            # the cross-check may send a field to a person: before the audit draw samples it
            check_saved(repo, child, envelope_pages(repo, child, pages), lines, boxes, reader, scores)
            draw_audit(repo, child)

        split = split_stack(repo, files, document_id, worker, pages, images, crops, bool(forced),
                            checked_then_drawn, rules)
        if split is not None:
            return _summary(document_id, batch_id, S.SPLIT, pages, time.perf_counter() - started,
                            children=split)
        status = repo.save_reading(document_id, worker, pages, images, crops)
        check_saved(repo, document_id, pages, lines, boxes, reader, scores)
        if hold_deficient(repo.sessions, [document_id], rules):  # 書類不備: a person sees it first
            status = S.NEEDS_REVIEW
        draw_audit(repo, document_id)
        record_outcomes(repo, document_id, outcomes, worker)
        return _summary(document_id, batch_id, status, pages, time.perf_counter() - started)
    except LeaseLost:
        log.warning("document %d: lease lost by %s, result dropped", document_id, worker)
        return ProcessResult(document_id, None, batch_id, error="lease_lost")
    except BusinessError as err:
        try:
            repo.quarantine_document(document_id, worker, err.code, err.message_ja)
        except LeaseLost:
            return ProcessResult(document_id, None, batch_id, error="lease_lost")
        return ProcessResult(document_id, S.QUARANTINED, batch_id, error=err.code,
                             seconds=round(time.perf_counter() - started, 3))
    except TRANSIENT as exc:
        if raise_transient:
            if isinstance(exc, ApplicationError):
                raise
            raise ApplicationError(f"document {document_id}: {type(exc).__name__}") from exc
        return release_document(repo, document_id, worker, type(exc).__name__, batch_id, started)
    except Exception as exc:
        # the frames (code lines) help; the message might quote a value, so it is left out
        log.error("document %d: unexpected %s\n%s", document_id, type(exc).__name__,
                  "".join(traceback.format_tb(exc.__traceback__)))
        return release_document(repo, document_id, worker, type(exc).__name__, batch_id, started)


def draw_audit(repo: Repository, document_id: int) -> None:
    """Draw the saved document's audit sample (issue 15), if the repository has a policy.

    Auditing never blocks entry: the reading is already saved and the document's status
    stays as it is; a failed draw is logged (type name only) and the document goes on.
    """
    if repo.audit_policy is None:
        return
    from store.audits import AuditStore

    try:
        AuditStore(repo.sessions).draw(document_id, repo.audit_policy)
    except Exception as exc:
        log.warning("document %d: audit draw failed (%s)", document_id, type(exc).__name__)


def release_document(repo: Repository, document_id: int, worker: str, error: str,
                     batch_id: int | None = None, started: float | None = None) -> ProcessResult:
    """Give a document back for a later retry (``failed`` after ``max_attempts``)."""
    seconds = round(time.perf_counter() - started, 3) if started is not None else 0.0
    try:
        status = repo.release(document_id, worker, error=error)
    except LeaseLost:
        return ProcessResult(document_id, None, batch_id, error="lease_lost")
    return ProcessResult(document_id, status, batch_id, error=error, seconds=seconds)


def others_processing(repo: Repository) -> int:
    return repo.counts_by_status().get(S.PROCESSING.value, 0)


def run_worker(repo: Repository, files: ContentStore, reader: Reader, worker: str | None = None,
               batch_size: int = 1, lease_seconds: int = 900, stop_after_idle: bool = True, *,
               poll_seconds: float = 2.0, on_result: Callable[[ProcessResult], None] | None = None,
               should_stop: Callable[[], bool] | None = None,
               limits: PageLimits = DEFAULT_LIMITS) -> WorkerStats:
    """Claim → process → repeat.

    ``stop_after_idle``: return once nothing is claimable and no other worker still holds
    a document (a crashed worker's lease is waited out, at most ``lease_seconds`` more);
    otherwise poll every ``poll_seconds`` until ``should_stop()``. ``lease_seconds`` must
    cover ``batch_size`` documents: claimed documents wait their turn under one lease.
    """
    stats = WorkerStats(worker=worker or new_worker_id())
    started = time.perf_counter()
    idle_since: float | None = None
    while not (should_stop and should_stop()):
        ids = repo.claim(stats.worker, batch_size, lease_seconds)
        if not ids:
            now = time.perf_counter()
            idle_since = idle_since or now
            if stop_after_idle and (not others_processing(repo)
                                    or now - idle_since > lease_seconds + poll_seconds):
                break
            time.sleep(poll_seconds)
            continue
        idle_since = None
        for document_id in ids:
            result = process_document(repo, files, reader, document_id, stats.worker, limits=limits)
            stats.add(result)
            if on_result:
                on_result(result)
    stats.seconds = round(time.perf_counter() - started, 3)
    log.info("worker %s done: %d documents, %d pages in %.1f s", stats.worker, stats.documents,
             stats.pages, stats.seconds)
    return stats
