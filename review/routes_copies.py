"""ID copies on the confirmation screen: the copy's line beside a contradicted field, and a
person's word on what kind of copy a page is (issue 19).

* ``GET /pages/{page_id}/copy-line?doc=N&field=F``: a PNG crop of the copy's printed line
  the cross-check compared field ``F`` with, cut on demand from the stored page image at
  the box the worker recorded (geometry only; :mod:`store.copy_checks`). Served under the
  full page image's rules (reviewers the lease holder of ``N``, admins; the page must be
  ``N``'s), with the same no-store headers. The My Number's line follows the My Number's
  masking: shown only while the field waits for a person (the one time its value is shown
  unmasked), and every showing is recorded like a My Number crop (``copy_crop``).
* ``POST /review/doc/{doc_id}/pages/{page_id}/copy-kind``: the lease holder confirms or
  corrects the kind (CSRF; reviewers and admins); append-only decision, the completeness
  check sees it at once. Logs carry ids and codes only.
"""

from __future__ import annotations

import logging
from typing import Annotated

import cv2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from domain.copy_evidence import MY_NUMBER_FIELD
from domain.errors import BusinessError
from domain.status import FieldStatus
from review.auth import Conflict, Forbidden, ctx_of, require, require_post
from review.envelope_view import kind_choices
from store.copy_checks import confirm_copy_kind, where_of
from store.users import Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
Reviewer = Annotated[SessionInfo, Depends(require(Role.REVIEWER))]
ReviewerPost = Annotated[SessionInfo, Depends(require_post(Role.REVIEWER))]
MARGIN_PX = 10  # context around the line, as around a field's crop
NOT_FOUND_JA = "画像が見つかりません"
NOT_YOURS_JA = "この書類はあなたに割り当てられていません（他の担当者が確認中か、割り当ての期限切れです）"


@router.get("/pages/{page_id}/copy-line")
def copy_line(request: Request, page_id: int, doc: int, field: str, info: Reviewer) -> Response:
    ctx = ctx_of(request)
    if info.account.role is not Role.ADMIN and ctx.queue.held_version(doc, info.account.id) is None:
        raise Forbidden(NOT_YOURS_JA)
    document = ctx.repo.document(doc)
    page = next((p for p in ctx.repo.pages(doc) if p.id == page_id), None)
    where = where_of(document.copy_check_json if document else None).get(field)
    if page is None or not page.image_path or where is None or where[0] != page_id:
        raise Forbidden(NOT_FOUND_JA)
    if field == MY_NUMBER_FIELD:
        fr = next((f for f in ctx.repo.fields(doc) if f.field_id == MY_NUMBER_FIELD), None)
        if fr is None or fr.status != FieldStatus.NEEDS_REVIEW.value:
            raise Forbidden(NOT_FOUND_JA)  # masked: the value is not shown now, nor its copy
        ctx.queue.log_sensitive_view(info.account.id, fr.id, "copy_crop")
    img = cv2.imread(str(ctx.repo.files.path(page.image_path)), cv2.IMREAD_GRAYSCALE)
    if img is None or img.size == 0:
        raise Forbidden(NOT_FOUND_JA)
    x, y, w, h = where[1]
    x0, y0 = max(0, x - MARGIN_PX), max(0, y - MARGIN_PX)
    x1, y1 = min(img.shape[1], x + w + MARGIN_PX), min(img.shape[0], y + h + MARGIN_PX)
    if x1 <= x0 or y1 <= y0:
        raise Forbidden(NOT_FOUND_JA)
    ok, buf = cv2.imencode(".png", img[y0:y1, x0:x1])
    if not ok:  # pragma: no cover - cv2 fails only on absurd input
        raise Forbidden(NOT_FOUND_JA)
    return Response(bytes(buf), media_type="image/png")


@router.post("/review/doc/{doc_id}/pages/{page_id}/copy-kind")
async def copy_kind(request: Request, doc_id: int, page_id: int, info: ReviewerPost) -> Response:
    ctx = ctx_of(request)
    if ctx.queue.held_version(doc_id, info.account.id) is None:
        raise Conflict(NOT_YOURS_JA + "。一覧から開き直してください")
    chosen = str((await request.form()).get("kind", ""))
    page = next((p for p in ctx.repo.pages(doc_id) if p.id == page_id), None)
    if page is None:
        raise Forbidden("このページはこの書類のページではありません")
    if chosen not in dict(kind_choices(page.copy_kind)):
        log.warning("document %d page %d: refused a copy kind not offered", doc_id, page_id)
        return _refused(request, info, "書類の種類を一覧から選んでください", 422)
    try:
        confirm_copy_kind(ctx.repo.sessions, doc_id, page_id, chosen, info.account.username, info.account.id)
    except BusinessError as exc:
        return _refused(request, info, exc.message_ja, 403 if exc.code == "wrong_page" else 409)
    return RedirectResponse(f"/review/doc/{doc_id}#envelope-check", status_code=303)


def _refused(request: Request, info: SessionInfo, message: str, status: int) -> Response:
    return ctx_of(request).pages.TemplateResponse(request, "error.html", {
        "message": message, "user": info.account, "csrf": info.csrf_token}, status_code=status)
