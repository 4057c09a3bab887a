"""Admins' overview of every page not read as a form (/admin/pages), across documents.

The confirmation screen shows a document's unread pages to the reviewer who holds its
lease; a document whose every field was auto-accepted (status ``read``) never reaches a
reviewer, so its ID copies and blank pages would go unseen. Here an admin sees them all
(newest document first, by batch; by default only pages nobody has confirmed yet), with
thumbnails, and decides for documents in ``read`` (the same three decisions as on the
confirmation screen; ``read_as`` sends the document back to reading). Documents in
review are decided on their confirmation screen; later ones (reviewed, entered) are shown
only. Admin role, CSRF on every POST, logs with ids only.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from domain.errors import BusinessError
from domain.lifecycle import DOCUMENT_STATUS_JA, DocumentStatus
from domain.page_review import CONFIRMING, PageDecisionKind, is_resolved, needs_person
from review.auth import ctx_of, require, require_post
from review.routes_pages import decision_text, decisions, form_choices
from store.users import Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
Admin = Annotated[SessionInfo, Depends(require(Role.ADMIN))]
AdminPost = Annotated[SessionInfo, Depends(require_post(Role.ADMIN))]
DONE_JA = {"read_as": "読み取り直しを依頼しました（読み取りが終わると結果が反映されます）",
           "attachment": "添付書類として確認しました", "blank": "白紙として確認しました"}
WHERE_JA = {DocumentStatus.NEEDS_REVIEW.value: "確認待ち一覧の確認画面で判断します",
            DocumentStatus.PROCESSING.value: "読み取り中です",
            DocumentStatus.RECEIVED.value: "読み取り待ちです"}


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _page(request: Request, info: SessionInfo, *, batch: str = "", show_all: bool = False,
          message: str | None = None, error: str | None = None, status: int = 200) -> Response:
    from domain.status import PAGE_STATUS_JA, PageStatus

    ctx = ctx_of(request)
    rows: list[dict[str, Any]] = []
    for r in decisions(ctx).overview(_int(batch)):
        p, latest = r.page, (r.page.latest.kind if r.page.latest else None)
        if not show_all and latest in CONFIRMING:
            continue
        try:
            status_ja = PAGE_STATUS_JA[PageStatus(p.status)]
        except ValueError:
            status_ja = p.status
        rows.append({"doc": r.document_id, "batch": r.batch_id, "page_id": p.page_id, "number": p.index + 1,
                     "status_ja": status_ja, "needs_person": needs_person(p.status),
                     "resolved": is_resolved(p.status, latest), "has_image": p.has_image,
                     "doc_status_ja": DOCUMENT_STATUS_JA.get(r.document_status,  # type: ignore[call-overload]
                                                             r.document_status),
                     "actionable": r.document_status == DocumentStatus.READ.value,
                     "where": WHERE_JA.get(r.document_status, "確定済みのため変更できません"),
                     "latest": decision_text(ctx, latest, p.latest.template_id, p.latest.template_version,
                                             p.latest.reason) if p.latest and latest else "",
                     "latest_by": p.latest.actor if p.latest else "",
                     "latest_at": p.latest.at if p.latest else None})
    choices = [(value, label) for value, (_, label) in form_choices(ctx).items()]
    return ctx.pages.TemplateResponse(request, "admin_pages.html", {
        "user": info.account, "csrf": info.csrf_token, "rows": rows, "form_choices": choices,
        "batch": batch, "show_all": show_all, "message": message, "error": error}, status_code=status)


@router.get("/admin/pages")
def overview(request: Request, info: Admin, batch: str = "", all: str = "", done: str = "") -> Response:
    return _page(request, info, batch=batch, show_all=bool(all), message=DONE_JA.get(done))


@router.post("/admin/pages/{doc_id}/{page_id}")
async def decide(request: Request, doc_id: int, page_id: int, info: AdminPost) -> Response:
    ctx = ctx_of(request)
    form = await request.form()
    action, chosen = str(form.get("action", "")), str(form.get("template", ""))
    store, actor, read = decisions(ctx), info.account.username, DocumentStatus.READ
    try:
        if action == PageDecisionKind.READ_AS.value:
            choice = form_choices(ctx).get(chosen)
            if choice is None:
                return _page(request, info, error="帳票の種類と版を一覧から選んでください", status=422)
            store.request_read_as(doc_id, page_id, choice[0], actor, info.account.id, in_status=read)
        elif action in (PageDecisionKind.ATTACHMENT.value, PageDecisionKind.BLANK.value):
            store.confirm(doc_id, page_id, PageDecisionKind(action), actor, info.account.id, in_status=read)
        else:
            return _page(request, info, error="ページの扱いを選んでください", status=422)
    except BusinessError as exc:
        return _page(request, info, error=exc.message_ja, status=403 if exc.code == "wrong_page" else 409)
    log.info("document %d page id %d: %s by admin %d (overview)", doc_id, page_id, action, info.account.id)
    return RedirectResponse(f"/admin/pages?done={action}", status_code=303)
