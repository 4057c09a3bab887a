"""Template versions in the editor: the list of a template's versions, and retiring an old one.

A retired version (forms/retired.py) stays on disk for the documents read with it but
no longer identifies new scans, so an old print stops competing with the current one.
Admin-only, CSRF-checked like every admin form; a refusal (the current version, an
unknown one) shows the editor's error page in Japanese, never a 500.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from domain.errors import TemplateError
from review.auth import Ctx, ctx_of, require_post
from store.users import Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
AdminPost = Annotated[SessionInfo, Depends(require_post(Role.ADMIN))]
VERSION_STATUS_JA = {"active": "運用中", "draft": "下書き", "retired": "運用停止"}


def version_rows(ctx: Ctx, template_id: str) -> list[dict[str, Any]]:
    """Every version of one template, newest first, with what an admin may do with it."""
    from forms.loader import load_template_versions

    try:
        versions = load_template_versions(ctx.settings.templates_dir)
    except TemplateError:
        return []
    mine = sorted(((v, t) for (tid, v), t in versions.items() if tid == template_id), reverse=True)
    current = mine[0][0] if mine else 0
    return [{"version": v, "status": t.status, "status_ja": VERSION_STATUS_JA[t.status],
             "current": v == current, "can_retire": v != current and t.status == "active"}
            for v, t in mine]


@router.post("/admin/templates/{template_id}/versions/{version}/retire")
async def retire_version(request: Request, template_id: str, version: int, info: AdminPost) -> Response:
    from forms.retired import retire
    from review.routes_templates import _exclusive, _folders, refresh_forms

    ctx = ctx_of(request)
    if template_id not in _folders(ctx.settings.templates_dir):
        return ctx.pages.TemplateResponse(request, "error.html",
                                          {"message": "様式が見つかりません", "user": None}, status_code=404)

    def work() -> bool:
        with _exclusive(ctx):
            return retire(ctx.settings.templates_dir, template_id, version, info.account.username,
                          datetime.now(UTC))

    try:
        changed = await asyncio.to_thread(work)
    except TemplateError as exc:
        return ctx.pages.TemplateResponse(request, "error.html", {"message": exc.message_ja, "user": None},
                                          status_code=409)
    refresh_forms(ctx)
    if changed:
        log.info("template %s version %d retired by %s", template_id, version, info.account.username)
    return RedirectResponse(f"/admin/templates/{template_id}?retired={version}", status_code=303)


@router.post("/admin/templates/{template_id}/grids/{grid_id}/confirm")
async def confirm_grid(request: Request, template_id: str, grid_id: str, info: AdminPost) -> Response:
    """An admin has checked a drafted grid over the blank form: its guesses are cleared (new version)."""
    from forms.versions import save_new_version
    from review.routes_templates import _current, _exclusive, refresh_forms

    ctx = ctx_of(request)

    def work() -> int | None:
        with _exclusive(ctx):
            current = _current(ctx, template_id)
            if current is None or not any(g.id == grid_id for g in current.grids):
                return None
            grids = [g.model_copy(update={"guessed": []}) if g.id == grid_id else g for g in current.grids]
            data = current.model_copy(update={"grids": grids}).model_dump(mode="json")
            from domain.model import FormTemplate

            return save_new_version(ctx.settings.templates_dir, FormTemplate.model_validate(data)).version

    try:
        saved = await asyncio.to_thread(work)
    except TemplateError as exc:
        return ctx.pages.TemplateResponse(request, "error.html", {"message": exc.message_ja, "user": None},
                                          status_code=409)
    if saved is None:
        missing = {"message": "グリッドが見つかりません", "user": None}
        return ctx.pages.TemplateResponse(request, "error.html", missing, status_code=404)
    refresh_forms(ctx)
    log.info("template %s grid %s confirmed by %s (version %d)", template_id, grid_id,
             info.account.username, saved)
    return RedirectResponse(f"/admin/templates/{template_id}?saved={saved}", status_code=303)
