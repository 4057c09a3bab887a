"""``yomitori process`` and ``yomitori status``: run the work store without Prefect (a typer sub-app).

``process`` receives the given files as one batch and reads every waiting document with a
progress bar; ``status`` counts documents by status; ``retry`` gives failed documents
another reading. Output is Japanese, counts only:
file names and values are never printed or logged here.
"""

from __future__ import annotations

import logging
import stat
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from config.settings import Settings
    from store.repository import Repository

app = typer.Typer(help="Read received documents and show the work store (読み取りと状況).",
                  no_args_is_help=True, pretty_exceptions_enable=False)


def _files(paths: list[Path]) -> Iterator[Path]:
    """The given files, and the files under given folders (hidden and temp files skipped).

    In a folder, FIFOs, sockets and devices are listed too (to be refused by name, never
    opened); symbolic links only when they lead to a regular file.
    """
    from intake.scan import is_ignored

    for p in paths:
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if _listed(f) and not is_ignored(f.name)
                              and not any(part.startswith(".") for part in f.relative_to(p).parts))
        else:
            yield p


def _listed(f: Path) -> bool:
    try:
        mode = f.lstat().st_mode
    except OSError:
        return False
    return f.is_file() if stat.S_ISLNK(mode) else not stat.S_ISDIR(mode)


def receive_files(repo: Repository, settings: Settings, paths: list[Path]) -> tuple[int, dict[str, int]]:
    """Receive files as one batch: returns (batch id, counts by outcome or quarantine code).

    The checks and limits are those of the watched inbox (``intake.quarantine.check_file``);
    a FIFO, socket, device or folder is refused (``not_regular_file``) without being opened.
    """
    from domain.errors import BusinessError
    from intake.names import store_name
    from intake.pages import PageLimits
    from intake.quarantine import check_file, file_sha256

    limits = PageLimits.from_settings(settings)
    batch = repo.create_batch(f"process {datetime.now():%Y-%m-%d %H:%M}", source="cli")
    counts: dict[str, int] = {}
    for path in _files(paths):
        name = store_name(path.name)
        try:
            pages = check_file(path, settings.max_file_mb, settings.min_image_px, settings.read_dpi,
                               limits)
        except BusinessError as err:
            sha, size = file_sha256(path)  # None for what is not a regular file
            repo.quarantine(batch, name, sha, err.code, err.message_ja, size=size)
            counts[err.code] = counts.get(err.code, 0) + 1
            continue
        rec = repo.receive(batch, name, path, page_count=pages)
        key = "duplicate" if rec.duplicate_of is not None else "received"
        counts[key] = counts.get(key, 0) + 1
    repo.finish_batch(batch)
    return batch, counts


@app.command("process")
def process_command(
    paths: Annotated[list[Path], typer.Argument(help="Scan files or folders to read.", exists=True)],
    batch_size: Annotated[int, typer.Option(min=1, help="Documents claimed at a time.")] = 1,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Receive the files as one batch, then read every waiting document."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from config.settings import get_settings
    from domain.lifecycle import DOCUMENT_STATUS_JA, DocumentStatus
    from intake import build_repository
    from intake.pages import PageLimits
    from services.compose import build_reader
    from services.worker import ProcessResult, run_worker

    settings = get_settings()
    repo = build_repository(settings)
    batch, counts = receive_files(repo, settings, paths)
    quarantined = sum(n for k, n in counts.items() if k not in ("received", "duplicate"))
    typer.echo(f"受付: バッチ {batch}、新規 {counts.get('received', 0)}件、"
               f"重複 {counts.get('duplicate', 0)}件、隔離 {quarantined}件")
    waiting = repo.counts_by_status()[DocumentStatus.RECEIVED]
    if not waiting:
        typer.echo("読み取り待ちの書類はありません。")
        raise typer.Exit(0)
    reader = build_reader(settings)
    started = time.perf_counter()
    with Progress(TextColumn("読み取り中"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True) as bar:
        job = bar.add_task("read", total=waiting)

        def advance(result: ProcessResult) -> None:
            if result.status is not DocumentStatus.RECEIVED:  # a retried one is counted once
                bar.advance(job)

        stats = run_worker(repo, repo.files, reader, batch_size=batch_size,
                           lease_seconds=settings.lease_seconds, on_result=advance,
                           limits=PageLimits.from_settings(settings))
    elapsed = time.perf_counter() - started
    typer.echo(f"読み取り: {len(stats.processed)}件（{stats.pages}ページ、{elapsed:.1f}秒）")
    for status in (DocumentStatus.READ, DocumentStatus.NEEDS_REVIEW, DocumentStatus.QUARANTINED,
                   DocumentStatus.FAILED):
        if stats.statuses.get(status.value):
            typer.echo(f"  {DOCUMENT_STATUS_JA[status]}: {stats.statuses[status.value]}件")
    typer.echo(f"  項目: 自動確定 {stats.fields_auto}件、職員の確認へ {stats.fields_review}件")
    raise typer.Exit(1 if stats.statuses.get(DocumentStatus.FAILED.value) else 0)


def pending_review_fields(settings: Settings) -> int:
    """Fields waiting for staff in documents that wait for review."""
    from sqlalchemy import func, select

    from domain.lifecycle import DocumentStatus
    from domain.status import FieldStatus
    from store.db import database_url, make_engine
    from store.models import Document, FieldResult, Page

    engine = make_engine(database_url(settings))
    try:
        with engine.connect() as conn:
            n = conn.scalar(select(func.count(FieldResult.id)).join(Page).join(Document).where(
                Document.status == DocumentStatus.NEEDS_REVIEW.value,
                FieldResult.status == FieldStatus.NEEDS_REVIEW.value))
    finally:
        engine.dispose()
    return int(n or 0)


@app.command("status")
def status_command(
    failed: Annotated[bool, typer.Option("--failed", help="Also list the ids of failed documents.")] = False,
) -> None:
    """Documents by status (Japanese labels) and the fields waiting for staff."""
    from config.settings import get_settings
    from domain.lifecycle import DOCUMENT_STATUS_JA, DocumentStatus
    from intake import build_repository

    settings = get_settings()
    counts = build_repository(settings).counts_by_status()
    typer.echo("書類の状況")
    for status in DocumentStatus:
        if status is DocumentStatus.DUPLICATE:  # never stored as a row (see domain.lifecycle)
            continue
        typer.echo(f"  {counts.get(status.value, 0):>6}件  {DOCUMENT_STATUS_JA[status]}")
    typer.echo(f"  {sum(counts.values()):>6}件  合計")
    typer.echo(f"職員の確認待ちの項目: {pending_review_fields(settings)}件")
    if failed:
        typer.echo("読み取りに失敗した書類（`yomitori retry 番号` でやり直せます）:")
        for doc_id, _, st in build_repository(settings).list_documents():
            if st == DocumentStatus.FAILED.value:
                typer.echo(f"  書類 {doc_id}")


@app.command("retry")
def retry_command(
    document_ids: Annotated[list[int] | None,
                            typer.Argument(help="Document ids (see `status --failed`).")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="Every document marked failed.")] = False,
) -> None:
    """Give failed documents another reading (failed → received, attempts reset)."""
    from config.settings import get_settings
    from domain.errors import BusinessError
    from domain.lifecycle import DocumentStatus
    from intake import build_repository

    repo = build_repository(get_settings())
    ids = list(document_ids or [])
    if all_failed:
        ids += [i for i, _, st in repo.list_documents() if st == DocumentStatus.FAILED.value and i not in ids]
    if not ids:
        typer.echo("対象の書類がありません（書類番号か --all-failed を指定してください）")
        raise typer.Exit(1)
    bad = 0
    for doc_id in ids:
        try:
            repo.set_status(doc_id, DocumentStatus.RECEIVED)
        except LookupError:
            typer.echo(f"  書類 {doc_id}: 見つかりません", err=True)
            bad += 1
        except BusinessError as exc:
            typer.echo(f"  書類 {doc_id}: {exc.message_ja}", err=True)
            bad += 1
    typer.echo(f"読み取り待ちに戻しました: {len(ids) - bad}件（次の読み取りで処理されます）")
    raise typer.Exit(1 if bad else 0)
