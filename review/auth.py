"""Who is asking, may they, and did the form come from our page (CSRF).

Every route declares its roles through :func:`require` (GET) or :func:`require_post`
(POST: the session's CSRF token must come back in the form field ``csrf_token``).
Admins may do everything. No route reads data before these checks pass.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from domain.model import FormTemplate
from store.repository import Repository
from store.review_queue import ReviewQueue
from store.users import Role, SessionInfo, UserStore

SESSION_COOKIE = "yomitori_session"
LOGIN_CSRF_COOKIE = "yomitori_login_csrf"


@dataclass
class Ctx:
    """Everything a route needs, built once by ``create_app`` (the composition root)."""

    settings: Settings
    repo: Repository
    users: UserStore
    queue: ReviewQueue
    forms: dict[tuple[str, int], FormTemplate]
    pages: Jinja2Templates
    sessions: sessionmaker[Session] | None = None  # read-only queries (dashboard)

    @property
    def env(self) -> Environment:
        return self.pages.env


class NotLoggedIn(Exception):
    """No valid session: GET pages redirect to the login page."""


class Forbidden(Exception):
    """Logged in but not allowed (wrong role, someone else's document, bad CSRF token)."""

    def __init__(self, message_ja: str = "この操作を行う権限がありません") -> None:
        super().__init__("forbidden")
        self.message_ja = message_ja


class Conflict(Forbidden):
    """The page is out of date (another tab or person changed the document): 409."""


def ctx_of(request: Request) -> Ctx:
    ctx: Ctx = request.app.state.ctx
    return ctx


def _session(request: Request, roles: tuple[Role, ...]) -> SessionInfo:
    info = ctx_of(request).users.session(request.cookies.get(SESSION_COOKIE))
    if info is None:
        raise NotLoggedIn()
    if info.account.role is not Role.ADMIN and info.account.role not in roles:
        raise Forbidden()
    return info


def require(*roles: Role) -> Callable[[Request], SessionInfo]:
    def dep(request: Request) -> SessionInfo:
        return _session(request, roles)

    return dep


def require_post(*roles: Role) -> Callable[[Request], Awaitable[SessionInfo]]:
    async def dep(request: Request) -> SessionInfo:
        info = _session(request, roles)
        form = await request.form()
        sent = form.get("csrf_token")
        if not isinstance(sent, str) or not secrets.compare_digest(sent, info.csrf_token):
            raise Forbidden("フォームの有効期限が切れたか、不正な送信です。画面を開き直してください")
        return info

    return dep


def cookie_args(settings: Settings) -> dict[str, Any]:
    return {"httponly": True, "secure": settings.review_cookie_secure, "samesite": "strict", "path": "/"}
