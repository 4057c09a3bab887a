"""Prefect flow ``recognize``: claim received documents and read them, a few at a time.

Thin: each task is :func:`services.worker.process_document`. Tasks retry only on
:class:`ApplicationError` (transient: a locked database, a share that went away), never
on :class:`BusinessError` (the worker quarantines those). A task that still fails after
its retries gives the document back (``release``); the store marks it ``failed`` after
``max_read_attempts``. Leases make several runs (or machines) safe on one store.

Threads: the task runner has one thread per core; the ``concurrency`` parameter (a
deployment parameter in ``prefect.yaml``) says how many documents are claimed and read
at once. onnxruntime already uses ``YOMITORI_THREADS`` (2) threads per inference, so on
the 2-core reference machine a second document thread bought nothing measurable
(``bench/intake.py --threads``): the default is 1; raise it on machines with more cores.
"""

from __future__ import annotations

import os
import threading
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from domain.errors import ApplicationError
from domain.status import PAGE_STATUS_SHORT_JA, PageStatus
from flows.intake import repository, retry_on, run_name, settings
from services.worker import ProcessResult, WorkerStats, new_worker_id, process_document, release_document

if TYPE_CHECKING:
    from ocr.reader import Reader

RECOGNIZE_THREADS = 1  # default concurrency; measured: 2 on 2 cores = no gain (onnxruntime uses both)
CLAIM_ROUNDS = 4  # documents claimed per claim task = concurrency x this (fewer API round trips);
# the last of them waits 3 documents' time under its lease (YOMITORI_LEASE_SECONDS covers it)
_reader: Reader | None = None
_reader_lock = threading.Lock()


def reader() -> Reader:
    """The production reader, built once per process on first use (not at import)."""
    global _reader
    with _reader_lock:
        if _reader is None:
            from services.compose import build_reader

            _reader = build_reader(settings())
        return _reader


def thread_pool(n: int) -> TaskRunner[PrefectFuture[Any]]:
    """A task runner of ``n`` threads (typed as Prefect's flow decorator expects)."""
    return cast("TaskRunner[PrefectFuture[Any]]", ThreadPoolTaskRunner(max_workers=n))


@task(name="claim-documents", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE,
      retry_condition_fn=retry_on(ApplicationError))
def claim_documents(worker: str, limit: int, lease_seconds: int) -> list[int]:
    from sqlalchemy.exc import OperationalError

    try:
        return repository().claim(worker, limit, lease_seconds)
    except OperationalError as exc:  # e.g. SQLite busy for longer than its timeout
        raise ApplicationError(f"claim failed: {type(exc).__name__}") from exc


@task(name="read-document", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE,
      retry_condition_fn=retry_on(ApplicationError), task_run_name="read-document-{document_id}")
def read_document(document_id: int, worker: str) -> ProcessResult:
    from intake.pages import PageLimits

    repo = repository()
    return process_document(repo, repo.files, reader(), document_id, worker, raise_transient=True,
                            limits=PageLimits.from_settings(settings()))


def _forms(forms: Counter[str]) -> str:
    return ", ".join(f"{t} {n}" for t, n in sorted(forms.items())) or "-"


def _other_pages(page_statuses: Counter[str]) -> str:
    """Pages not read as a form, by status (Japanese short label): an unidentified page shows."""
    return ", ".join(f"{PAGE_STATUS_SHORT_JA[PageStatus(c)]} {n}" for c, n in sorted(page_statuses.items())
                     if c != PageStatus.READ.value and n) or "-"


def recognize_markdown(by_batch: dict[int | None, WorkerStats], total: WorkerStats) -> str:
    head = ("| バッチ (batch) | 書類 | ページ | 帳票別 (forms by template) | 帳票以外のページ (other pages) "
            "| 自動確定 (auto) | 確認へ (review) | 隔離 (quarantined) | 再試行 (released) |\n"
            "|---|---:|---:|---|---|---:|---:|---|---:|\n")
    rows = []
    for batch, st in [*sorted(by_batch.items(), key=lambda kv: kv[0] or 0), ("合計", total)]:
        released = st.statuses.get("received", 0) + st.statuses.get("failed", 0)
        q = ", ".join(f"{c} {n}" for c, n in sorted(st.quarantined.items())) or "0"
        rows.append(f"| {batch} | {st.documents} | {st.pages} | {_forms(st.forms)} "
                    f"| {_other_pages(st.page_statuses)} | {st.fields_auto} "
                    f"| {st.fields_review} | {q} | {released} |")
    return "# 読み取り結果 (recognize)\n\n" + head + "\n".join(rows) + "\n"


def summary(stats: WorkerStats) -> dict[str, Any]:
    return {"worker": stats.worker, "documents": stats.documents, "pages": stats.pages,
            "forms": dict(stats.forms), "page_statuses": dict(stats.page_statuses),
            "fields_auto": stats.fields_auto,
            "fields_review": stats.fields_review, "quarantined": dict(stats.quarantined),
            "statuses": dict(stats.statuses), "processed": sorted(stats.processed)}


@flow(name="recognize", flow_run_name=lambda: run_name("recognize"),
      task_runner=thread_pool(os.cpu_count() or 1), log_prints=False)
def recognize(max_documents: int | None = None, concurrency: int = RECOGNIZE_THREADS) -> dict[str, Any]:
    """Read every claimable document (up to ``max_documents``), ``concurrency`` at a time."""
    log = get_run_logger()
    s = settings()
    concurrency = max(1, concurrency)
    worker = new_worker_id()
    total = WorkerStats(worker=worker)
    by_batch: dict[int | None, WorkerStats] = defaultdict(WorkerStats)
    while max_documents is None or total.documents < max_documents:
        limit = concurrency * CLAIM_ROUNDS
        if max_documents is not None:
            limit = min(limit, max_documents - total.documents)
        ids = claim_documents(worker, limit, s.lease_seconds)
        if not ids:
            break
        for start in range(0, len(ids), concurrency):
            chunk = ids[start:start + concurrency]
            futures = [read_document.submit(d, worker) for d in chunk]
            for document_id, future in zip(chunk, futures, strict=True):
                try:
                    result = future.result()
                except Exception as exc:  # retries exhausted: give it back, the store counts attempts
                    result = release_document(repository(), document_id, worker, type(exc).__name__)
                total.add(result)
                by_batch[result.batch_id].add(result)
    log.info("recognize: %d documents, %d pages, %d fields auto-accepted, %d to review, %d quarantined",
             total.documents, total.pages, total.fields_auto, total.fields_review,
             sum(total.quarantined.values()))
    if total.documents:
        create_markdown_artifact(key="recognize-summary", markdown=recognize_markdown(by_batch, total),
                                 description="pages, forms and fields read (counts only)")
    return summary(total)
