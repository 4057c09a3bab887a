"""Login, logout and the start page (each role lands on its own page).

A failed login says the same thing (and costs the server the same work) whether the
name is unknown, disabled, locked or the password wrong: the page never tells which
names exist or are locked (admins see locks on /admin/users and in ``yomitori users
list``). A client address that keeps failing must wait before its next attempt is
checked (:class:`review.auth.LoginBackoff`): 429 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from review.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, Forbidden, cookie_args, ctx_of, require_post
from review.lan import plain_http_notice
from store.users import Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
FAILED_JA = ("ユーザー名またはパスワードが正しくありません"
             "（失敗が続くと、しばらくログインできなくなります。お困りの場合は管理者にご相談ください）")
WAIT_JA = "ログインの失敗が続いたため、あと{seconds}秒ほど待ってからお試しください"


def _login_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    ctx = ctx_of(request)
    token = secrets.token_urlsafe(32)
    resp = ctx.pages.TemplateResponse(request, "login.html", {"csrf": token, "error": error, "user": None,
                                      "notice": plain_http_notice(request, ctx.settings)},
                                      status_code=status)
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=1800, **cookie_args(ctx.settings))
    return resp


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form(max_length=60)],
                password: Annotated[str, Form(max_length=200)],
                csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    ctx = ctx_of(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie and plain_http_notice(request, ctx.settings):  # the browser dropped our Secure cookie
        return _login_page(request, status=400)  # the page explains why, instead of "the form expired"
    if not cookie or not secrets.compare_digest(cookie, csrf_token):
        raise Forbidden("フォームの有効期限が切れたか、不正な送信です。画面を開き直してください")
    client = request.client.host if request.client else ""
    wait = ctx.backoff.admit(client)
    if wait > 0:  # not even checked: no password hash is computed for a waiting address
        seconds = math.ceil(wait)
        log.info("login attempt refused: the client must wait %d s", seconds)
        resp = _login_page(request, WAIT_JA.format(seconds=seconds), status=429)
        resp.headers["Retry-After"] = str(seconds)
        return resp
    result = await asyncio.to_thread(ctx.users.authenticate, username, password)
    if result.account is None:  # unknown, disabled, locked or wrong: one answer for all
        return _login_page(request, FAILED_JA, status=401)
    ctx.backoff.succeeded(client)
    token, _csrf = ctx.users.create_session(result.account)
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, max_age=int(ctx.settings.review_session_hours * 3600),
                    **cookie_args(ctx.settings))
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return resp


@router.post("/logout")
def logout(request: Request,
           _: Annotated[SessionInfo, Depends(require_post(Role.CLERK, Role.REVIEWER))]) -> Response:
    ctx_of(request).users.end_session(request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/")
def home(request: Request) -> Response:
    info = ctx_of(request).users.session(request.cookies.get(SESSION_COOKIE))
    if info is None:
        return RedirectResponse("/login", status_code=303)
    target = "/status" if info.account.role is Role.CLERK else "/review"
    return RedirectResponse(target, status_code=303)
