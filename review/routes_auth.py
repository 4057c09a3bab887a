"""Login, logout and the start page (each role lands on its own page)."""

from __future__ import annotations

import asyncio
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from review.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, Forbidden, cookie_args, ctx_of, require_post
from store.users import Role, SessionInfo

router = APIRouter()
FAILED_JA = "ユーザー名またはパスワードが正しくありません"
LOCKED_JA = ("ログインの失敗が続いたため、このアカウントは一時的にロックされています。"
             "しばらくしてからお試しください")


def _login_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    ctx = ctx_of(request)
    token = secrets.token_urlsafe(32)
    resp = ctx.pages.TemplateResponse(request, "login.html", {"csrf": token, "error": error, "user": None},
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
    if not cookie or not secrets.compare_digest(cookie, csrf_token):
        raise Forbidden("フォームの有効期限が切れたか、不正な送信です。画面を開き直してください")
    result = await asyncio.to_thread(ctx.users.authenticate, username, password)
    if result.account is None:
        if not result.locked:  # back-off: every failure costs a growing delay
            await asyncio.sleep(min(0.2 * (ctx.users.failures(username) + 1), 2.0))
        return _login_page(request, LOCKED_JA if result.locked else FAILED_JA, status=401)
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
