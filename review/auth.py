"""Who is asking, may they, and did the form come from our page (CSRF).

Every route declares its roles through :func:`require` (GET) or :func:`require_post`
(POST: the session's CSRF token must come back in the form field ``csrf_token``).
Admins may do everything. No route reads data before these checks pass.

:class:`LoginBackoff` slows password guessing per client address; together with the
account lock-out of :class:`store.users.UserStore` it bounds guesses without locking
the owner of an account out for good.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
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


class LoginBackoff:
    """Per client address: after ``free`` login attempts without a success, the address
    must wait ``first`` seconds, then twice as long after each further attempt (at most
    ``cap``) before its next attempt is even checked.

    An attempt counts when it is let through (so parallel requests cannot slip past),
    a successful login clears the address, and an address quiet for ``forget`` seconds
    starts afresh. In memory, per process; at most ``max_clients`` addresses are kept.
    """

    def __init__(self, *, free: int = 3, first: float = 1.0, cap: float = 60.0, forget: float = 900.0,
                 max_clients: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.first, self.cap, self.forget = free, first, cap, forget
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: dict[str, tuple[int, float, float]] = {}  # address → (attempts, last, not before)

    def admit(self, client: str) -> float:
        """0.0: the attempt may be checked (and is counted); else the seconds still to wait."""
        now = self._clock()
        with self._lock:
            attempts, last, not_before = self._clients.get(client, (0, now, now))
            if now - last > self.forget:
                attempts, not_before = 0, now
            if not_before > now:
                return not_before - now
            attempts += 1
            if attempts >= self.free:
                not_before = now + min(self.first * 2 ** (attempts - self.free), self.cap)
            self._clients[client] = (attempts, now, not_before)
            self._prune(now)
            return 0.0

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)

    def _prune(self, now: float) -> None:
        if len(self._clients) <= self.max_clients:
            return
        for key in [k for k, v in self._clients.items() if now - v[1] > self.forget]:
            del self._clients[key]
        if len(self._clients) > self.max_clients:  # keep the most recent ones
            keep = sorted(self._clients.items(), key=lambda kv: kv[1][1])[-self.max_clients // 2:]
            self._clients = dict(keep)


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
    backoff: LoginBackoff = field(default_factory=LoginBackoff)  # login attempts per client address

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
