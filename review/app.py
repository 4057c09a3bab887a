"""The review app's composition root: settings → store, users, queue, templates, routes.

``create_app(settings)`` connects to the database (migrating it to head); nothing
happens at import time. Every response carries a strict Content-Security-Policy
(scripts and styles only from /static, no inline script), so OCR text that slipped
through escaping still could not run.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.settings import Settings
from review.auth import Conflict, Ctx, Forbidden, NotLoggedIn

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` (413) on every path but ``exempt``.

    Form posts are parsed by Starlette before a route runs, with no size limit on file
    parts (they are spooled to the system temp folder): without this, anyone, even
    before logging in, could make the server write any amount to disk with one POST
    /login. ``/upload`` streams with its own limits (``review.uploads``).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, exempt: frozenset[str]) -> None:
        self.app, self.max_bytes, self.exempt = app, max_bytes, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_bytes:
            await _too_large(send)
            return
        seen, started = 0, False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:  # a chunked body without Content-Length
                raise BodyTooLarge()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await _too_large(send)


async def _too_large(send: Send) -> None:
    body = "送信された内容が大きすぎます".encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


FORM_MAX_BYTES = 16 * 1024 * 1024  # the largest form: a template saved from the editor (2M characters)
JST = timezone(timedelta(hours=9), "JST")


def to_jst(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC, timezone-aware) time as Japan time, for the screens."""
    return at.astimezone(JST).strftime(fmt) if at is not None else ""


def build_ctx(settings: Settings) -> Ctx:
    from forms.loader import load_template_versions
    from store.db import database_url, make_engine, session_factory, upgrade
    from store.files import ContentStore
    from store.repository import Repository
    from store.review_queue import ReviewQueue
    from store.users import UserStore

    url = database_url(settings)
    upgrade(url)
    sf = session_factory(make_engine(url))
    # every version: documents keep the one they were read with
    forms = load_template_versions(settings.templates_dir)
    pages = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html
    pages.env.filters["jst"] = to_jst  # times are stored in UTC; staff read Japan time
    return Ctx(
        settings=settings,
        repo=Repository(sf, ContentStore(settings.home / "files"), max_attempts=settings.max_read_attempts),
        users=UserStore(sf, max_failures=settings.review_max_failed_logins,
                        lockout=timedelta(minutes=settings.review_lockout_minutes),
                        session_ttl=timedelta(hours=settings.review_session_hours)),
        queue=ReviewQueue(sf, lease=timedelta(minutes=settings.review_lease_minutes)),
        forms=forms,
        pages=pages,
        sessions=sf,
    )


def create_app(settings: Settings, ctx: Ctx | None = None) -> FastAPI:
    from review import (
        routes_admin,
        routes_admin_pages,
        routes_audit,
        routes_auth,
        routes_clerk,
        routes_copies,
        routes_editor_actions,
        routes_pages,
        routes_review,
        routes_templates,
        routes_versions,
    )
    from review.entry_trigger import EntryTrigger

    app = FastAPI(title="yomitori review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx or build_ctx(settings)
    app.state.entry_trigger = EntryTrigger.from_settings(app.state.ctx.settings)  # captures Prefect settings
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_bytes=FORM_MAX_BYTES, exempt=frozenset({"/upload"}))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (routes_auth, routes_review, routes_pages, routes_clerk, routes_templates, routes_admin,
                   routes_admin_pages, routes_audit, routes_versions, routes_editor_actions, routes_copies):
        app.include_router(module.router)

    @app.exception_handler(NotLoggedIn)
    async def _login(request: Request, exc: NotLoggedIn) -> Response:
        if request.method == "GET":
            return RedirectResponse("/login", status_code=303)
        return HTMLResponse("ログインしてください", status_code=401)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        ctx: Ctx = request.app.state.ctx
        return ctx.pages.TemplateResponse(request, "error.html",
                                          {"message": exc.message_ja, "user": None},
                                          status_code=409 if isinstance(exc, Conflict) else 403)

    return app
