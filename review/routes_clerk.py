"""Clerk pages: documents by status (a simple dashboard) and upload (same intake path).

Clerks see aggregate numbers only: the status page shows counts (by status, by field
kind, the operations totals), never a document id, file name or value; the upload
result lists only the files of the batch just uploaded, with their outcome. Every
document-level page (review, history, images, admin) requires another role.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from config.settings import Settings
from domain.errors import BusinessError
from domain.lifecycle import DOCUMENT_STATUS_JA, DocumentStatus
from review.auth import Ctx, ctx_of, require
from review.routes_pages import batches_context
from review.uploads import (
    MB,
    OUTCOME_JA,
    SPOOL_PREFIX,
    BadUpload,
    Outcome,
    UploadLimits,
    clear_stale_spools,
    read_upload,
)
from store.repository import Repository
from store.users import Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
Clerk = Annotated[SessionInfo, Depends(require(Role.CLERK))]  # POST /upload checks CSRF while streaming


@router.get("/status")
def status_page(request: Request, info: Clerk, window: str = "week", batch: str = "") -> Response:
    from review.audit_panel import audit_panel

    ctx = ctx_of(request)
    counts = ctx.repo.counts_by_status()
    rows = [(DOCUMENT_STATUS_JA[s], counts.get(s.value, 0)) for s in DocumentStatus]
    returns = ctx.queue.open_return_count() if info.account.role is Role.ADMIN else None
    return ctx.pages.TemplateResponse(request, "status.html", {
        "user": info.account, "csrf": info.csrf_token, "rows": rows, "returns": returns,
        "total": sum(counts.values()), "queue": ctx.queue.counts(), **_dashboard(ctx),
        **audit_panel(ctx, info, window, int(batch) if batch.isdigit() else None),
        **batches_context(ctx)})


def _dashboard(ctx: Ctx) -> dict[str, object]:
    """Auto-accepted vs confirmed vs corrected per field kind, review time, hours saved.

    The same numbers as the operations report (reports/operations.py), so the screen
    and the printed DX report never disagree.
    """
    if ctx.sessions is None:
        return {"kinds": [], "totals": {}, "notes": []}
    from reports.data import load_activity
    from reports.operations import operations

    result = operations(load_activity(ctx.sessions), ctx.settings.manual_seconds_per_field)
    return {"kinds": result.by_kind.to_dict("records"), "kind_columns": list(result.by_kind.columns),
            "totals": result.totals, "notes": result.notes}


@router.get("/upload")
def upload_form(request: Request, info: Clerk) -> Response:
    ctx = ctx_of(request)
    return ctx.pages.TemplateResponse(request, "upload.html", {
        "user": info.account, "csrf": info.csrf_token, "results": None, "limits": _limits(ctx.settings)})


def _limits(settings: Settings) -> UploadLimits:
    return UploadLimits(settings.upload_max_files, int(settings.upload_max_mb * MB))


@router.post("/upload")
async def upload(request: Request, info: Clerk) -> Response:
    """The same intake path as the watched folder: checks, quarantine, dedupe, one batch.

    The body is streamed (``review.uploads``): the session is checked before a byte is
    read, the CSRF token before a file is written, and each file is spooled to a
    hidden folder of the inbox with a running byte count against ``upload_max_mb``.
    Every file gets a row on the result page: received, quarantined or refused.
    """
    ctx = ctx_of(request)
    settings, limits = ctx.settings, _limits(ctx.settings)
    batch: int | None = None

    async def on_file(name: str, path: Path) -> tuple[Outcome, str]:
        nonlocal batch
        if batch is None:
            batch = ctx.repo.create_batch(f"upload {datetime.now(UTC):%Y-%m-%d %H:%M}", source="upload")
        return await asyncio.to_thread(_receive, ctx.repo, settings, batch, name, path)

    inbox = settings.inbox_root
    inbox.mkdir(parents=True, exist_ok=True)
    clear_stale_spools(inbox)
    try:
        with tempfile.TemporaryDirectory(dir=inbox, prefix=SPOOL_PREFIX) as tmp:
            rows = await read_upload(request, Path(tmp), limits, info.csrf_token, on_file)
    except BadUpload:
        return ctx.pages.TemplateResponse(request, "error.html", {
            "message": "送信された内容を読み取れませんでした。画面を開き直してください", "user": None},
            status_code=400)
    finally:
        if batch is not None:
            ctx.repo.finish_batch(batch)
    counts = Counter(r.outcome for r in rows)
    log.info("user %d uploaded %d files into batch %s: %s", info.account.id, len(rows), batch,
             ", ".join(f"{o.value}={counts[o]}" for o in Outcome))
    return ctx.pages.TemplateResponse(request, "upload.html", {
        "user": info.account, "csrf": info.csrf_token, "results": rows, "batch": batch, "limits": limits,
        "summary": [(OUTCOME_JA[o], counts[o]) for o in Outcome if counts[o]]})


def _receive(repo: Repository, settings: Settings, batch: int, name: str, path: Path) -> tuple[Outcome, str]:
    from intake.pages import PageLimits
    from intake.quarantine import check_file, file_sha256

    try:
        pages = check_file(path, settings.max_file_mb, settings.min_image_px, settings.read_dpi,
                           limits=PageLimits.from_settings(settings))
    except BusinessError as err:
        sha256, size = file_sha256(path)
        repo.quarantine(batch, name, sha256, err.code, err.message_ja, size=size)
        return Outcome.QUARANTINED, err.message_ja
    rec = repo.receive(batch, name, path, page_count=pages)
    if rec.duplicate_of is not None:
        return Outcome.DUPLICATE, "受付済みのファイルと同じ内容です"
    return Outcome.RECEIVED, "受け付けました"
