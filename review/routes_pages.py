"""Pages the reader did not read as a form: thumbnails on their document, and what staff decide.

* ``GET /pages/{page_id}/thumb?doc=N``: a small PNG of a stored page, under the rules of
  the full page image (reviewers and admins; a reviewer only for a document whose review
  lease they hold; the page must belong to that document; clerks 403).
* ``POST /review/doc/{doc_id}/pages/{page_id}``: the lease holder decides, with the
  session's CSRF token: ``read_as`` (one of the active template versions offered on the
  screen, nothing else: the document goes back to reading with it forced for that page),
  ``attachment`` (添付書類) or ``blank`` (白紙). Each decision is a row of the append-only
  ``page_decisions`` trail with who and when.
* :func:`unread_context` feeds the confirmation screen, :func:`batches_context` the
  status page (受付状況: per batch, pages not read as a form, unresolved, 完了/未完了).

Logs carry ids and codes only.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import cv2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from domain.errors import BusinessError
from domain.id_copy import kinds_ja
from domain.page_review import (
    BATCH_STATE_JA,
    DECISION_JA,
    PageDecisionKind,
    failure_ja,
    is_resolved,
    needs_person,
)
from domain.status import PAGE_STATUS_JA, PAGE_STATUS_SHORT_JA, PageStatus
from review.auth import Conflict, Ctx, Forbidden, ctx_of, require, require_post
from review.envelope_view import copy_guesses, deficiency_context
from store.page_decisions import Forced, PageDecisionStore
from store.users import Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
Reviewer = Annotated[SessionInfo, Depends(require(Role.REVIEWER))]
ReviewerPost = Annotated[SessionInfo, Depends(require_post(Role.REVIEWER))]
THUMB_WIDTH = 240  # px: enough to tell a form from an ID copy; the full page is one click away
UNRESOLVED_JA = ("帳票として読み取れなかったページの扱いが決まっていません。"
                 "先に「帳票として読み取れなかったページ」で決めてください")


def decisions(ctx: Ctx) -> PageDecisionStore:
    return PageDecisionStore(ctx.repo.sessions)


def _status_ja(code: str, short: bool = False) -> str:
    try:
        s = PageStatus(code)
    except ValueError:  # a code this version does not know: shown as stored
        return code
    return (PAGE_STATUS_SHORT_JA if short else PAGE_STATUS_JA)[s]


def form_choices(ctx: Ctx) -> dict[str, tuple[Forced, str]]:
    """Every active template version and page a page may be read as: form value → (what, label)."""
    out: dict[str, tuple[Forced, str]] = {}
    for (tid, ver), t in sorted(ctx.forms.items()):
        if t.status != "active":
            continue
        for p in t.pages:
            suffix = f" {p.number}ページ目" if len(t.pages) > 1 else ""
            out[f"{tid}:{ver}:{p.number}"] = (Forced(tid, ver, p.number),
                                               f"{t.title}（{tid} 第{ver}版）{suffix}")
    return out


def _title(ctx: Ctx, tid: str | None, ver: int | None) -> str:
    t = ctx.forms.get((tid or "", ver or 0))
    return f"{t.title}（{tid} 第{ver}版）" if t else f"{tid}（第{ver}版）"


def decision_text(ctx: Ctx, kind: str, tid: str | None, ver: int | None, reason: str | None) -> str:
    try:
        k = PageDecisionKind(kind)
    except ValueError:
        return kind
    if k is PageDecisionKind.READ_AS:
        return f"「{_title(ctx, tid, ver)}」として読み取り直しを依頼"
    if k is PageDecisionKind.READ_FAILED:
        return f"{DECISION_JA[k]}: {failure_ja(reason)}"
    if k is PageDecisionKind.COPY_KIND:
        return f"{DECISION_JA[k]}: {kinds_ja(reason)}"
    return DECISION_JA[k]


def unread_context(ctx: Ctx, doc_id: int) -> dict[str, Any]:
    """The confirmation screen's list of pages not read as a form (with their decisions)."""
    store = decisions(ctx)
    history: dict[int, list[dict[str, Any]]] = {}
    for idx, d in store.history(doc_id):
        history.setdefault(idx, []).append({"at": d.at, "actor": d.actor, "text": decision_text(
            ctx, d.kind, d.template_id, d.template_version, d.reason)})
    pages = []
    guesses = copy_guesses(ctx, doc_id)
    for p in store.unread_pages(doc_id):
        latest = p.latest.kind if p.latest else None
        pages.append({"id": p.page_id, "number": p.index + 1, "status": p.status,
                      "status_ja": _status_ja(p.status), "needs_person": needs_person(p.status),
                      "resolved": is_resolved(p.status, latest), "has_image": p.has_image,
                      "history": history.get(p.index, []), **guesses.get(p.page_id, {})})
    choices = [(value, label) for value, (_, label) in form_choices(ctx).items()]
    return {"unread_pages": pages, "form_choices": choices,
            "unresolved_pages": sum(1 for p in pages if not p["resolved"]),
            "deficiency": deficiency_context(ctx, doc_id)}


def page_history(ctx: Ctx, doc_id: int) -> list[dict[str, Any]]:
    """Every page decision on a document, oldest first, for its history page."""
    return [{"at": d.at, "actor": d.actor, "number": idx + 1,
             "text": decision_text(ctx, d.kind, d.template_id, d.template_version, d.reason)}
            for idx, d in decisions(ctx).history(doc_id)]


def unresolved_pages(ctx: Ctx, doc_id: int) -> int:
    """Pages of a document that need a person and have no confirming decision yet."""
    return sum(1 for p in decisions(ctx).unread_pages(doc_id)
               if not is_resolved(p.status, p.latest.kind if p.latest else None))


def batches_context(ctx: Ctx, recent: int = 20) -> dict[str, Any]:
    """受付状況: per batch (newest first), pages not read as a form and whether the batch is complete.

    Every incomplete batch is listed, however old, and the ``recent`` newest complete ones.
    """
    rows, columns = [], []
    every = decisions(ctx).batches()
    newest = {b.pages.batch_id for b in every[:recent]}
    for b in every:
        if b.pages.complete and b.pages.batch_id not in newest:
            continue
        for code in b.pages.by_status:
            if code not in columns:
                columns.append(code)
        rows.append({"batch_id": b.pages.batch_id, "created_at": b.created_at, "by_status": b.pages.by_status,
                     "confirmed": b.pages.confirmed, "unresolved": b.pages.unresolved,
                     "waiting": b.pages.waiting_documents, "complete": b.pages.complete,
                     "state_ja": BATCH_STATE_JA[b.pages.complete]})
    order = {s.value: i for i, s in enumerate(PageStatus)}
    columns.sort(key=lambda c: order.get(c, 99))
    return {"batch_rows": rows, "batch_columns": [(c, _status_ja(c, short=True)) for c in columns],
            "incomplete_batches": sum(1 for r in rows if not r["complete"])}


def _lease(ctx: Ctx, doc_id: int, info: SessionInfo) -> None:
    if ctx.queue.held_version(doc_id, info.account.id) is None:
        raise Conflict("この書類はあなたに割り当てられていません"
                       "（他の担当者が確認中か、割り当ての期限切れです）。一覧から開き直してください")


@router.get("/pages/{page_id}/thumb")
def thumbnail(request: Request, page_id: int, doc: int, info: Reviewer) -> Response:
    ctx = ctx_of(request)
    if info.account.role is not Role.ADMIN and ctx.queue.held_version(doc, info.account.id) is None:
        raise Forbidden("この書類はあなたに割り当てられていません"
                        "（他の担当者が確認中か、割り当ての期限切れです）")
    page = next((p for p in ctx.repo.pages(doc) if p.id == page_id), None)
    if page is None or not page.image_path:
        raise Forbidden("画像が見つかりません")
    img = cv2.imread(str(ctx.repo.files.path(page.image_path)), cv2.IMREAD_GRAYSCALE)
    if img is None or img.size == 0:
        raise Forbidden("画像が見つかりません")
    scale = min(1.0, THUMB_WIDTH / img.shape[1])
    small = cv2.resize(img, (max(1, round(img.shape[1] * scale)), max(1, round(img.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".png", small)
    if not ok:  # pragma: no cover - cv2 fails only on absurd input
        raise Forbidden("画像が見つかりません")
    return Response(bytes(buf), media_type="image/png")


@router.post("/review/doc/{doc_id}/pages/{page_id}")
async def decide(request: Request, doc_id: int, page_id: int, info: ReviewerPost) -> Response:
    ctx = ctx_of(request)
    _lease(ctx, doc_id, info)
    form = await request.form()
    action, chosen = str(form.get("action", "")), str(form.get("template", ""))
    store, actor = decisions(ctx), info.account.username
    try:
        if action == PageDecisionKind.READ_AS.value:
            choice = form_choices(ctx).get(chosen)
            if choice is None:
                log.warning("document %d page %d: refused read_as with an unknown template choice",
                            doc_id, page_id)
                return _refused(request, ctx, info, "帳票の種類と版を一覧から選んでください", 422)
            store.request_read_as(doc_id, page_id, choice[0], actor, info.account.id)
            return RedirectResponse(f"/review/pages/sent?doc={doc_id}", status_code=303)
        if action in (PageDecisionKind.ATTACHMENT.value, PageDecisionKind.BLANK.value):
            store.confirm(doc_id, page_id, PageDecisionKind(action), actor, info.account.id)
            return RedirectResponse(f"/review/doc/{doc_id}#unread-pages", status_code=303)
    except BusinessError as exc:
        status = 403 if exc.code == "wrong_page" else 409
        return _refused(request, ctx, info, exc.message_ja, status)
    return _refused(request, ctx, info, "ページの扱いを選んでください", 422)


def _refused(request: Request, ctx: Ctx, info: SessionInfo, message: str, status: int) -> Response:
    return ctx.pages.TemplateResponse(request, "error.html", {"message": message, "user": info.account,
                                                              "csrf": info.csrf_token}, status_code=status)


@router.get("/review/pages/sent")
def sent(request: Request, info: Reviewer, doc: int = 0) -> Response:
    ctx = ctx_of(request)
    return ctx.pages.TemplateResponse(request, "unread_sent.html", {
        "user": info.account, "csrf": info.csrf_token, "doc": doc})
