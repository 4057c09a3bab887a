"""Review queue, confirmation screen, send-back, history, and crop / page images.

A reviewer reaches a document only through a lease the queue gave them (admins may
look at any); images are served by database id, from the path the store recorded.
A document's history (old and new values of every decision) is for the reviewer who
holds its lease and for admins; anyone else is refused, and the refusal is audited.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from domain.errors import BusinessError
from domain.lifecycle import DOCUMENT_STATUS_JA, PAGE_NEEDS_PERSON
from domain.mynumber import mask_my_number
from domain.status import PAGE_STATUS_JA, FieldKind, PageStatus
from review.auth import Conflict, Ctx, Forbidden, ctx_of, require, require_post
from review.confirm import build_views, decide, needs_person
from review.entry_trigger import after_confirmation
from review.routes_pages import UNRESOLVED_JA, page_history, unread_context, unresolved_pages
from store.models import Page
from store.users import Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
Reviewer = Annotated[SessionInfo, Depends(require(Role.REVIEWER))]
ReviewerPost = Annotated[SessionInfo, Depends(require_post(Role.REVIEWER))]
RETURN_REASONS = {"wrong_form": "帳票の種類が違う", "unreadable_scan": "画像が読めない",
                  "other": "その他"}


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@router.get("/review")
def queue_page(request: Request, info: Reviewer, template: str = "", batch: str = "",
               done: str = "", empty: str = "") -> Response:
    ctx = ctx_of(request)
    counts = ctx.queue.counts()
    templates, batches = ctx.queue.facets()
    rows = ctx.queue.rows(template or None, _int(batch))
    minutes = round(counts.fields * ctx.settings.review_seconds_per_field / 60)
    return ctx.pages.TemplateResponse(request, "queue.html", {
        "user": info.account, "csrf": info.csrf_token, "rows": rows, "counts": counts,
        "minutes": minutes, "templates": templates, "batches": batches, "template": template,
        "batch": batch, "done": _int(done), "empty": bool(empty)})


@router.post("/review/next")
async def next_document(request: Request, info: ReviewerPost) -> Response:
    ctx = ctx_of(request)
    form = await request.form()
    template, batch = str(form.get("template", "")), str(form.get("batch", ""))
    doc_id = ctx.queue.claim_next(info.account.id, template or None, _int(batch))
    if doc_id is None:
        return RedirectResponse(f"/review?empty=1&template={template}&batch={batch}", status_code=303)
    return RedirectResponse(f"/review/doc/{doc_id}", status_code=303)


def _leased(ctx: Ctx, doc_id: int, info: SessionInfo) -> int:
    version = ctx.queue.held_version(doc_id, info.account.id)
    if version is None:
        raise Forbidden("この書類はあなたに割り当てられていません"
                        "（他の担当者が確認中か、割り当ての期限切れです）")
    return version


def _render(request: Request, ctx: Ctx, info: SessionInfo, doc_id: int, version: int,
            submitted: dict[str, str] | None = None, message: str | None = None,
            status: int = 200) -> Response:
    doc = ctx.repo.document(doc_id)
    if doc is None:
        raise Forbidden("書類が見つかりません")
    fields = ctx.repo.fields(doc_id)
    acted = {h.field_result_id for h in ctx.queue.history(doc_id)}
    form = ctx.forms.get((doc.template_id or "", doc.template_version or 0))
    views = build_views(form, fields, acted)
    errors = 0
    if submitted is not None:
        decide(form, fields, views, submitted, {}, info.account.id)
        errors = sum(1 for v in views if v.error)
    for v in views:  # the one place a My Number is shown unmasked: audited
        if v.kind == FieldKind.MY_NUMBER.value and v.flagged and not v.blind and v.value:
            ctx.queue.log_sensitive_view(info.account.id, v.id, "value")
    pages = ctx.repo.pages(doc_id)
    return ctx.pages.TemplateResponse(request, "confirm.html", {
        "user": info.account, "csrf": info.csrf_token, "doc": doc, "form": form, "views": views,
        "version": version, "errors": errors, "message": message, "reasons": RETURN_REASONS,
        "page_ids": [p.id for p in pages if p.image_path], "page_notes": page_notes(pages),
        **unread_context(ctx, doc_id)}, status_code=status)


def page_notes(pages: Sequence[Page]) -> list[tuple[int, str, int | None]]:
    """Pages a person must look at (unidentified, unknown form, ...): number, why (Japanese), page id.

    Without this a document held in review only for such a page shows nothing to do.
    """
    out = []
    for p in pages:
        try:
            status = PageStatus(p.status)
        except ValueError:  # a code this version does not know: a person looks at it too
            out.append((p.index + 1, str(p.status), p.id if p.image_path else None))
            continue
        if status in PAGE_NEEDS_PERSON:
            out.append((p.index + 1, PAGE_STATUS_JA[status], p.id if p.image_path else None))
    return out


@router.get("/review/doc/{doc_id}")
def confirm_page(request: Request, doc_id: int, info: Reviewer) -> Response:
    ctx = ctx_of(request)
    return _render(request, ctx, info, doc_id, _leased(ctx, doc_id, info))


@router.post("/review/doc/{doc_id}")
async def confirm_submit(request: Request, doc_id: int, info: ReviewerPost) -> Response:
    ctx = ctx_of(request)
    held = ctx.queue.held_version(doc_id, info.account.id)
    if held is None:
        raise Conflict("この書類は既に確認済みか、別の画面（タブ）・別の担当者によって更新されました。"
                       "一覧から開き直してください")
    submitted = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if _int(submitted.get("version")) != held:
        return _render(request, ctx, info, doc_id, held, status=409,
                       message="この書類は別の画面（タブ）で更新されました。最新の内容を表示しています。確認し直してください")
    doc = ctx.repo.document(doc_id)
    if doc is None:
        raise Forbidden("書類が見つかりません")
    fields = ctx.repo.fields(doc_id)
    acted = {h.field_result_id for h in ctx.queue.history(doc_id)}
    form = ctx.forms.get((doc.template_id or "", doc.template_version or 0))
    views = build_views(form, fields, acted)
    blind = {v.id: ctx.queue.blind_entries(v.id) for v in views if v.blind}
    decisions = decide(form, fields, views, submitted, blind, info.account.id)
    if unresolved_pages(ctx, doc_id):  # an unidentified page must be decided first (issue 15)
        return _render(request, ctx, info, doc_id, held, submitted, status=409, message=UNRESOLVED_JA)
    if any(v.error for v in views):
        return _render(request, ctx, info, doc_id, held, submitted, status=422,
                       message="入力内容に誤りがあります。赤く表示された項目を直してください")
    if not ctx.queue.bump(doc_id, info.account.id, held):
        return _render(request, ctx, info, doc_id, held + 1, status=409,
                       message="この書類は別の画面（タブ）で更新されました。確認し直してください")
    actor = info.account.username
    disputed = False
    try:
        for d in decisions:
            if d.action is None:
                ctx.queue.add_blind_entry(d.field_result_id, info.account.id, d.blind_json or "null")
                disputed = True
            else:
                ctx.repo.record_review(d.field_result_id, actor, d.value, d.action)
        if ctx.repo.pending_review(doc_id) == 0:
            ctx.repo.complete_review(doc_id)
    except BusinessError as exc:
        return _render(request, ctx, info, doc_id, held + 1, status=409, message=exc.message_ja)
    ctx.queue.release(doc_id, info.account.id)
    log.info("document %d submitted by user %d (%d decisions)", doc_id, info.account.id, len(decisions))
    after_confirmation(request.app, doc_id)  # reviewed → start the enter deployment (if configured)
    suffix = "&blind=1" if disputed else ""
    return RedirectResponse(f"/review?done={doc_id}{suffix}", status_code=303)


@router.post("/review/doc/{doc_id}/return")
async def send_back(request: Request, doc_id: int, info: ReviewerPost) -> Response:
    ctx = ctx_of(request)
    _leased(ctx, doc_id, info)
    reason = str((await request.form()).get("reason", "other"))
    ctx.queue.send_back(doc_id, info.account.id, reason if reason in RETURN_REASONS else "other")
    return RedirectResponse("/review", status_code=303)


def _shown(kind: str, value_json: str) -> str:
    value: Any = json.loads(value_json)
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return mask_my_number(text) if kind == FieldKind.MY_NUMBER.value else text


HISTORY_REFUSED = "history_refused"  # review_sensitive_views.what of a refused history


def _history_allowed(ctx: Ctx, doc_id: int, info: SessionInfo) -> None:
    """Admins, or the lease holder; a refusal is audited, the same for every unleased id."""
    if info.account.role is Role.ADMIN:
        return
    try:
        _leased(ctx, doc_id, info)
    except Forbidden:
        fields = ctx.repo.fields(doc_id)
        if fields:  # the audit table is keyed by field: the document's first one stands for it
            ctx.queue.log_sensitive_view(info.account.id, fields[0].id, HISTORY_REFUSED)
        log.warning("history of document %d refused to user %d (no lease)", doc_id, info.account.id)
        raise


@router.get("/review/doc/{doc_id}/history")
def history(request: Request, doc_id: int, info: Reviewer) -> Response:
    ctx = ctx_of(request)
    _history_allowed(ctx, doc_id, info)
    doc = ctx.repo.document(doc_id)
    if doc is None:
        raise Forbidden("書類が見つかりません")
    form = ctx.forms.get((doc.template_id or "", doc.template_version or 0))
    labels = {f.id: f.label for f in form.fields} if form else {}
    rows = [{"at": h.at, "actor": h.actor, "label": labels.get(h.field_id, h.field_id), "action": h.action,
             "old": _shown(h.kind, h.old_value_json), "new": _shown(h.kind, h.new_value_json)}
            for h in ctx.queue.history(doc_id)]
    return ctx.pages.TemplateResponse(request, "history.html", {
        "user": info.account, "csrf": info.csrf_token, "doc": doc, "rows": rows,
        "status_ja": DOCUMENT_STATUS_JA.get(doc.status, doc.status),  # type: ignore[call-overload]
        "page_rows": page_history(ctx, doc_id)})


@router.get("/crops/{field_result_id}")
def crop(request: Request, field_result_id: int, info: Reviewer) -> Response:
    ctx = ctx_of(request)
    found = ctx.queue.document_of_field(field_result_id)
    if found is None:
        raise Forbidden("画像が見つかりません")
    fr, doc_id = found
    if info.account.role is not Role.ADMIN:
        _leased(ctx, doc_id, info)
    if not fr.crop_path:
        raise Forbidden("画像が見つかりません")
    if fr.kind == FieldKind.MY_NUMBER.value:
        ctx.queue.log_sensitive_view(info.account.id, fr.id, "crop")
    return FileResponse(ctx.repo.files.path(fr.crop_path), media_type="image/png")


@router.get("/pages/{page_id}/image")
def page_image(request: Request, page_id: int, doc: int, info: Reviewer) -> Response:
    ctx = ctx_of(request)
    if info.account.role is not Role.ADMIN:
        _leased(ctx, doc, info)
    page = next((p for p in ctx.repo.pages(doc) if p.id == page_id), None)
    if page is None or not page.image_path:
        raise Forbidden("画像が見つかりません")
    return FileResponse(ctx.repo.files.path(page.image_path), media_type="image/png")


__all__ = ["needs_person", "router"]
