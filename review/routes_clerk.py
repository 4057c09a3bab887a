"""Clerk pages: documents by status (a simple dashboard) and upload (same intake path).

Clerks see aggregate numbers only: the status page shows counts (by status, by field
kind, the operations totals), never a document id, file name or value; the upload
result lists only the files of the batch just uploaded, with their outcome. Every
document-level page (review, history, images, admin) requires another role.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
import unicodedata
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from config.settings import Settings
from domain.errors import BusinessError
from domain.lifecycle import DOCUMENT_STATUS_JA, DocumentStatus
from review.auth import Ctx, ctx_of, require, require_post
from store.files import suffix_of
from store.repository import Repository
from store.users import Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
Clerk = Annotated[SessionInfo, Depends(require(Role.CLERK))]
ClerkPost = Annotated[SessionInfo, Depends(require_post(Role.CLERK))]
MAX_FILES = 50


@router.get("/status")
def status_page(request: Request, info: Clerk) -> Response:
    ctx = ctx_of(request)
    counts = ctx.repo.counts_by_status()
    rows = [(DOCUMENT_STATUS_JA[s], counts.get(s.value, 0)) for s in DocumentStatus]
    returns = ctx.queue.open_return_count() if info.account.role is Role.ADMIN else None
    return ctx.pages.TemplateResponse(request, "status.html", {
        "user": info.account, "csrf": info.csrf_token, "rows": rows, "returns": returns,
        "total": sum(counts.values()), "queue": ctx.queue.counts(), **_dashboard(ctx)})


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
    return ctx_of(request).pages.TemplateResponse(request, "upload.html", {
        "user": info.account, "csrf": info.csrf_token, "results": None})


@router.post("/upload")
async def upload(request: Request, info: ClerkPost) -> Response:
    """The same intake path as the watched folder: checks, quarantine, dedupe, one batch."""
    ctx = ctx_of(request)
    form = await request.form()
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    batch = ctx.repo.create_batch(f"upload {datetime.now(UTC):%Y-%m-%d %H:%M}", source="upload")
    results: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, up in enumerate(files[:MAX_FILES]):
            name = unicodedata.normalize("NFC", PurePosixPath((up.filename or "").replace("\\", "/")).name)
            path = Path(tmp) / f"upload{n}{suffix_of(name)}"  # never a path from the client
            path.write_bytes(await up.read())
            outcome = await asyncio.to_thread(_receive, ctx.repo, ctx.settings, batch, name, path)
            results.append((name, outcome))
    ctx.repo.finish_batch(batch)
    log.info("user %d uploaded %d files into batch %d", info.account.id, len(results), batch)
    return ctx.pages.TemplateResponse(request, "upload.html", {
        "user": info.account, "csrf": info.csrf_token, "results": results, "batch": batch})


def _receive(repo: Repository, settings: Settings, batch: int, name: str, path: Path) -> str:
    from intake.quarantine import check_file

    try:
        pages = check_file(path, settings.max_file_mb, settings.min_image_px, settings.read_dpi)
    except BusinessError as err:
        repo.quarantine(batch, name, hashlib.sha256(path.read_bytes()).hexdigest(), err.code,
                        err.message_ja, size=path.stat().st_size)
        return err.message_ja
    rec = repo.receive(batch, name, path, page_count=pages)
    return "受付済みのファイルと同じ内容です" if rec.duplicate_of is not None else "受け付けました"
