"""Prefect flow ``intake``: take stable files from the watched inbox into the work store.

Thin: the work is :func:`intake.intake_once` (repeated :func:`intake.scan_inbox` passes,
so a file is seen twice ``stable_seconds`` apart even in a fresh worker process). The
task retries only on ``OSError`` / :class:`ApplicationError` (a share that went away, a
locked database); bad files are not errors here, they are quarantined by the pass.
The artifact and the return value carry counts and reason codes only, never file names.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from domain.errors import ApplicationError

if TYPE_CHECKING:
    from prefect import Task
    from prefect.client.schemas.objects import TaskRun
    from prefect.states import State

    from config.settings import Settings
    from store.repository import Repository


def settings() -> Settings:
    from config.settings import get_settings

    return get_settings()


_repos: dict[tuple[str, str, int], Repository] = {}
_repos_lock = threading.Lock()


def repository(s: Settings | None = None) -> Repository:
    """The work store for these settings, migrated and opened once per process."""
    from intake import build_repository
    from store.db import database_url

    s = s or settings()
    key = (database_url(s), str(s.home), s.max_read_attempts)
    with _repos_lock:  # task threads ask at once: migrate once
        if key not in _repos:
            _repos[key] = build_repository(s)
        return _repos[key]


def run_name(prefix: str) -> str:
    """A flow run name: the flow and a local timestamp (never a file or person name)."""
    return f"{prefix}-{datetime.now():%Y%m%d-%H%M%S}"


def retry_on(*types: type[BaseException]) -> Any:
    """A Prefect ``retry_condition_fn``: retry only when the task raised one of ``types``."""

    def condition(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
        exc = state.data if isinstance(state.data, BaseException) else None
        return isinstance(exc, types)

    return condition


@task(name="scan-inbox", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE,
      retry_condition_fn=retry_on(OSError, ApplicationError))
def scan_inbox_task(max_wait: float | None = None) -> dict[str, Any]:
    from intake import intake_once

    reports = intake_once(repository(), settings(), max_wait=max_wait)
    quarantined: Counter[str] = Counter()
    for r in reports:
        quarantined.update(o.code or "unknown" for o in r.outcomes if o.status.value == "quarantined")
    return {
        "batches": sorted({r.batch_id for r in reports if r.batch_id is not None}),
        "received": sum(r.received for r in reports),
        "duplicates": sum(r.duplicates for r in reports),
        "quarantined": dict(quarantined),
        "pending": reports[-1].pending,
        "errors": sum(r.errors for r in reports),
        "document_ids": [d for r in reports for d in r.new_document_ids],
    }


def intake_markdown(summary: dict[str, Any]) -> str:
    rows = [("受け付けたファイル (received)", summary["received"]),
            ("重複 (duplicates)", summary["duplicates"]),
            *((f"隔離: {code} (quarantined)", n) for code, n in sorted(summary["quarantined"].items())),
            ("書き込み待ち (pending)", summary["pending"]),
            ("エラー・次回再試行 (errors)", summary["errors"])]
    table = "\n".join(f"| {label} | {n} |" for label, n in rows)
    batches = ", ".join(map(str, summary["batches"])) or "-"
    return f"# 取り込み結果 (intake)\n\nバッチ: {batches}\n\n| 内容 | 件数 |\n|---|---:|\n{table}\n"


@flow(name="intake", flow_run_name=lambda: run_name("intake"), log_prints=False)
def intake(max_wait: float | None = None) -> dict[str, Any]:
    """One intake run: take every stable file in the inbox (waiting up to ``max_wait`` s)."""
    summary = scan_inbox_task(max_wait)
    get_run_logger().info("intake: batches %s, %d received, %d duplicates, %d quarantined, %d pending",
                          summary["batches"], summary["received"], summary["duplicates"],
                          sum(summary["quarantined"].values()), summary["pending"])
    create_markdown_artifact(key="intake-summary", markdown=intake_markdown(summary),
                             description="files taken from the inbox (counts only)")
    return summary
