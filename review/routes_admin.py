"""Admin pages: staff accounts (/admin/users) and documents sent back by reviewers (/admin/returns).

Admin role only; every POST carries the session's CSRF token (``require_post``) and
ends in a redirect back to the page with a message code (post/redirect/get); a refused
change re-renders the page with a Japanese message and a 4xx status. Logs (here and in
the stores) carry user and document ids only.

* Accounts: add (an initial password of at least ``MIN_PASSWORD`` characters is typed
  by the admin, there is no default), enable / disable (a disabled account's sessions end
  at once), unlock, set a new password, change the role. An admin cannot disable or
  demote themselves, and the store keeps at least one active admin.
* Send-backs: 「確認待ちに戻す」 resolves the send-back (the document is in the review
  queue again); 「読み取り直す」 resolves it and moves the document to ``processing``
  (``Repository.set_status``), so the worker reads it again. Who resolved it is recorded
  by a log line (no column for it), when by ``review_returns.resolved_at``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from domain.errors import ApplicationError, BusinessError
from domain.lifecycle import DOCUMENT_STATUS_JA, DocumentStatus
from review.auth import SESSION_COOKIE, ctx_of, require, require_post
from review.routes_review import RETURN_REASONS
from store.users import MIN_PASSWORD, ROLE_JA, Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
Admin = Annotated[SessionInfo, Depends(require(Role.ADMIN))]
AdminPost = Annotated[SessionInfo, Depends(require_post(Role.ADMIN))]
JST = timezone(timedelta(hours=9), "JST")

USER_DONE_JA = {
    "added": "利用者を追加しました",
    "enabled": "利用者を有効にしました",
    "disabled": "利用者を無効にしました（ログイン中の画面も終了しました）",
    "unlocked": "ロックを解除しました",
    "password": "パスワードを設定しました（この利用者のほかの画面はログアウトしました）",
    "role": "役割を変更しました",
}
RETURN_DONE_JA = {
    "requeue": "確認待ちに戻しました",
    "reread": "読み取り直しを依頼しました（読み取りが終わると確認待ちに戻ります）",
}
RETRY_DONE_JA = "読み取り待ちに戻しました（次の読み取りで処理されます）"
_INPUT_ERRORS = {"bad_username", "bad_display_name", "weak_password", "bad_role", "password_mismatch"}


def _jst(at: datetime | None) -> str:
    return at.astimezone(JST).strftime("%Y-%m-%d %H:%M") if at else ""


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _role(value: str) -> Role:
    if value not in {r.value for r in Role}:
        raise BusinessError("bad role", "役割を選んでください", "bad_role")
    return Role(value)


def _new_password(form: dict[str, str]) -> str:
    password = form.get("password", "")[:200]
    if password != form.get("password_confirm", "")[:200]:
        raise BusinessError("passwords differ", "確認用のパスワードが一致しません", "password_mismatch")
    return password


# --- accounts ----------------------------------------------------------------------------
def _users_page(request: Request, info: SessionInfo, *, message: str | None = None,
                error: str | None = None, added: dict[str, str] | None = None,
                status: int = 200) -> Response:
    ctx = ctx_of(request)
    rows = []
    for u in ctx.users.list_users():
        locked = ctx.users.locked(u)
        rows.append({"id": u.id, "username": u.username, "display_name": u.display_name,
                     "role": u.role.value, "role_ja": ROLE_JA[u.role], "active": u.active,
                     "locked": locked, "locked_until": _jst(u.locked_until) if locked else "",
                     "failed_logins": u.failed_logins, "created_at": _jst(u.created_at),
                     "me": u.id == info.account.id})
    return ctx.pages.TemplateResponse(request, "admin_users.html", {
        "user": info.account, "csrf": info.csrf_token, "rows": rows, "roles": ROLE_JA,
        "message": message, "error": error, "added": added or {}, "min_password": MIN_PASSWORD},
        status_code=status)


def _refused(request: Request, info: SessionInfo, exc: BusinessError,
             added: dict[str, str] | None = None) -> Response:
    status = 422 if exc.code in _INPUT_ERRORS else 409
    return _users_page(request, info, error=exc.message_ja, added=added, status=status)


@router.get("/admin/users")
def users_page(request: Request, info: Admin, done: str = "") -> Response:
    return _users_page(request, info, message=USER_DONE_JA.get(done))


@router.post("/admin/users")
async def add_user(request: Request, info: AdminPost) -> Response:
    form = await _form(request)
    entered = {"username": form.get("username", "")[:60], "display_name": form.get("display_name", "")[:100],
               "role": form.get("role", "")}
    try:
        role = _role(entered["role"])
        user_id = ctx_of(request).users.add_user(entered["username"], _new_password(form), role,
                                                 entered["display_name"].strip())
    except BusinessError as exc:
        return _refused(request, info, exc, added=entered)
    log.info("user %d added by user %d", user_id, info.account.id)
    return RedirectResponse("/admin/users?done=added", status_code=303)


def _not_me(info: SessionInfo, user_id: int, what: str) -> None:
    if user_id == info.account.id:
        raise BusinessError(f"admin may not {what} themselves",
                            "自分自身を無効にしたり、管理者から外したりすることはできません"
                            "（ほかの管理者に依頼してください）", "self_lockout")


@router.post("/admin/users/{user_id}/active")
async def set_active(request: Request, user_id: int, info: AdminPost) -> Response:
    active = (await _form(request)).get("active") == "1"
    try:
        if not active:
            _not_me(info, user_id, "disable")
        ctx_of(request).users.set_active(user_id, active, by=info.account.id)
    except BusinessError as exc:
        return _refused(request, info, exc)
    return RedirectResponse(f"/admin/users?done={'enabled' if active else 'disabled'}", status_code=303)


@router.post("/admin/users/{user_id}/role")
async def set_role(request: Request, user_id: int, info: AdminPost) -> Response:
    try:
        role = _role((await _form(request)).get("role", ""))
        if role is not Role.ADMIN:
            _not_me(info, user_id, "demote")
        ctx_of(request).users.set_role(user_id, role, by=info.account.id)
    except BusinessError as exc:
        return _refused(request, info, exc)
    return RedirectResponse("/admin/users?done=role", status_code=303)


@router.post("/admin/users/{user_id}/unlock")
async def unlock(request: Request, user_id: int, info: AdminPost) -> Response:
    try:
        ctx_of(request).users.unlock(user_id, by=info.account.id)
    except BusinessError as exc:
        return _refused(request, info, exc)
    return RedirectResponse("/admin/users?done=unlocked", status_code=303)


@router.post("/admin/users/{user_id}/password")
async def set_password(request: Request, user_id: int, info: AdminPost) -> Response:
    form = await _form(request)
    own = request.cookies.get(SESSION_COOKIE) if user_id == info.account.id else None
    try:
        ctx_of(request).users.set_password(user_id, _new_password(form), by=info.account.id, keep_token=own)
    except BusinessError as exc:
        return _refused(request, info, exc)
    return RedirectResponse("/admin/users?done=password", status_code=303)


# --- documents sent back -----------------------------------------------------------------
def _returns_page(request: Request, info: SessionInfo, *, message: str | None = None,
                  error: str | None = None, status: int = 200) -> Response:
    ctx = ctx_of(request)
    rows: list[dict[str, Any]] = []
    for r in ctx.queue.open_returns():
        form = ctx.forms.get((r.template_id or "", r.template_version or 0))
        rows.append({"id": r.id, "document_id": r.document_id, "source_name": r.source_name,
                     "template": form.title if form else (r.template_id or "不明"),
                     "reason_ja": RETURN_REASONS.get(r.reason, r.reason), "who": r.user_name,
                     "at": _jst(r.at), "status_ja": DOCUMENT_STATUS_JA[DocumentStatus(r.document_status)],
                     "can_reread": r.document_status in (DocumentStatus.NEEDS_REVIEW, DocumentStatus.READ)})
    failed = [{"document_id": d.id, "source_name": d.source_name, "attempts": d.attempts,
               "error_ja": d.error_message_ja or "読み取り中に問題が起きました", "at": _jst(d.updated_at)}
              for d in ctx.repo.failed_documents()]
    return ctx.pages.TemplateResponse(request, "admin_returns.html", {
        "user": info.account, "csrf": info.csrf_token, "rows": rows, "failed": failed, "message": message,
        "error": error}, status_code=status)


@router.get("/admin/returns")
def returns_page(request: Request, info: Admin, done: str = "", doc: int | None = None) -> Response:
    message = RETURN_DONE_JA.get(done) or (RETRY_DONE_JA if done == "retry" else None)
    return _returns_page(request, info, message=f"書類 {doc}: {message}" if message and doc else message)


@router.post("/admin/returns/{return_id}/resolve")
async def resolve_return(request: Request, return_id: int, info: AdminPost) -> Response:
    ctx = ctx_of(request)
    action = (await _form(request)).get("action", "")
    if action not in RETURN_DONE_JA:
        return _returns_page(request, info, error="処理の方法を選んでください", status=422)
    found = ctx.queue.open_return(return_id)
    if found is None:
        return _returns_page(request, info, status=409,
                             error="この差し戻しは既に処理されています。最新の一覧を表示しています")
    doc_id = found.document_id
    if action == "reread":
        try:
            ctx.repo.set_status(doc_id, DocumentStatus.PROCESSING)
        except BusinessError as exc:
            return _returns_page(request, info, error=exc.message_ja, status=409)
        except ApplicationError:
            return _returns_page(request, info, status=409,
                                 error="この書類は読み取り中です。しばらくしてからやり直してください")
    ctx.queue.resolve_returns(doc_id, info.account.id, action)
    return RedirectResponse(f"/admin/returns?done={action}&doc={doc_id}", status_code=303)


@router.post("/admin/failed/{doc_id}/retry")
async def retry_failed(request: Request, doc_id: int, info: AdminPost) -> Response:
    """A document that failed to read goes back to the reader (failed → received, attempts reset)."""
    ctx = ctx_of(request)
    doc = ctx.repo.document(doc_id)
    if doc is None or doc.status != DocumentStatus.FAILED.value:
        return _returns_page(request, info, status=409,
                             error="この書類は既に処理されています。最新の一覧を表示しています")
    try:
        ctx.repo.set_status(doc_id, DocumentStatus.RECEIVED)
    except BusinessError as exc:
        return _returns_page(request, info, error=exc.message_ja, status=409)
    log.info("failed document %d sent back to reading by user %d", doc_id, info.account.id)
    return RedirectResponse(f"/admin/returns?done=retry&doc={doc_id}", status_code=303)
