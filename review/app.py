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
    from review import routes_admin, routes_auth, routes_clerk, routes_review, routes_templates
    from review.entry_trigger import EntryTrigger

    app = FastAPI(title="yomitori review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx or build_ctx(settings)
    app.state.entry_trigger = EntryTrigger.from_settings(app.state.ctx.settings)  # captures Prefect settings
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (routes_auth, routes_review, routes_clerk, routes_templates, routes_admin):
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
