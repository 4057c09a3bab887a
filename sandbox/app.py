"""The sandbox web application: login, 寄附者検索, 寄附登録, ワンストップ受付登録, 寄附一覧.

Every form carries a CSRF token (checked on every POST); sessions expire after
``session_seconds``; forms post to a confirmation page before anything is saved.
Inputs have ``<label for=...>`` so screen readers (and role/label locators) find them.
Chaos mode (``SandboxConfig.chaos``) slows requests, answers HTTP 500 (also *after* a
save was committed), expires sessions mid-form and changes element ids.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from sandbox.config import SandboxConfig
from sandbox.db import ONESTOP_FIELDS, BackOfficeDB, WebSession, onestop_no
from sandbox.validate import clean, donation_errors, onestop_errors

COOKIE = "sbx_session"
ONESTOP_LABELS = {"full_name": "氏名", "full_name_kana": "フリガナ", "address": "住所",
                  "phone": "電話番号", "birth_date": "生年月日", "my_number": "個人番号",
                  "submitted_on": "申請年月日"}
DONATION_LABELS = {"donor_name": "寄附者氏名", "donor_kana": "寄附者フリガナ",
                   "donation_date": "寄附年月日", "amount": "寄附金額"}
SEARCH_KEY_JA = "寄附受付No、または寄附者氏名・寄附年月日・寄附金額のすべてを入力してください。"
EXPIRED_JA = "セッションの有効期限が切れました。再度ログインしてください。"
_TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def create_app(cfg: SandboxConfig, *, clock: Callable[[], float] = time.time) -> FastAPI:
    """The app over ``cfg``; ``clock`` (epoch seconds) times sessions (tests inject one)."""
    app = FastAPI(title="ふるさと納税管理システム（デモ）", docs_url=None, redoc_url=None, openapi_url=None)
    db = BackOfficeDB(cfg.db_path, clock=clock)
    rng = random.Random(cfg.chaos.seed)
    app.state.db, app.state.cfg = db, cfg

    def render(request: Request, name: str, ws: WebSession | None, status: int = 200,
               **ctx: Any) -> HTMLResponse:
        suffix = f"-{rng.randrange(16**6):06x}" if cfg.chaos.changed_ids else ""
        ctx.update(ws=ws, csrf=ws.csrf if ws else "", fid=lambda n: f"{n}{suffix}",
                   errors=ctx.get("errors") or {}, page_size=cfg.page_size)
        return _TEMPLATES.TemplateResponse(request, name, ctx, status_code=status)

    def fail(request: Request, ws: WebSession | None, message: str, status: int) -> HTMLResponse:
        return render(request, "error.html", ws, status, message=message)

    @app.middleware("http")
    async def chaos(request: Request, call_next: Any) -> Response:
        c = cfg.chaos
        if c.active and request.url.path != "/healthz":
            if rng.random() < c.slow_rate:
                await asyncio.sleep(c.slow_ms / 1000)
            if request.method == "POST" and request.url.path != "/login" and rng.random() < c.expire_rate:
                request.state.expire = True
            if rng.random() < c.error_rate:
                return HTMLResponse("<h1>システムエラー</h1><p>時間をおいて再度お試しください。</p>", 500)
        response: Response = await call_next(request)
        return response

    async def form_of(request: Request) -> dict[str, str]:
        data = parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True)
        return {k: clean(v[0]) for k, v in data.items()}

    def session_of(request: Request) -> WebSession | None:
        ws = db.session(request.cookies.get(COOKIE))
        if ws is not None and getattr(request.state, "expire", False):
            db.end_session(ws.sid)
            return None
        return ws

    def to_login() -> RedirectResponse:
        return RedirectResponse("/login?expired=1", 303)

    def csrf_ok(ws: WebSession, form: dict[str, str]) -> bool:
        return secrets.compare_digest(form.get("csrf_token", ""), ws.csrf)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, expired: int = 0) -> HTMLResponse:
        return render(request, "login.html", None, notice=EXPIRED_JA if expired else "")

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await form_of(request)
        if not (secrets.compare_digest(form.get("user", ""), cfg.user)
                and secrets.compare_digest(form.get("password", ""), cfg.password)):
            return render(request, "login.html", None, 401,
                          errors={"login": "利用者IDまたはパスワードが正しくありません。"})
        ws = db.open_session(cfg.user, cfg.session_seconds)
        resp = RedirectResponse("/", 303)
        resp.set_cookie(COOKIE, ws.sid, httponly=True, samesite="strict")
        return resp

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        ws = session_of(request)
        if ws is not None and csrf_ok(ws, await form_of(request)):
            db.end_session(ws.sid)
        return RedirectResponse("/login", 303)

    @app.get("/", response_class=HTMLResponse)
    def menu(request: Request) -> Response:
        ws = session_of(request)
        return render(request, "menu.html", ws) if ws else to_login()

    @app.get("/donors", response_class=HTMLResponse)
    def donors(request: Request, q: str = "", page: int = 1) -> Response:
        ws = session_of(request)
        if ws is None:
            return to_login()
        rows, total = db.find_donations(name_part=clean(q), page=page, size=cfg.page_size) if q else ([], 0)
        return render(request, "donors.html", ws, q=q, rows=rows, total=total, page=page,
                      searched=bool(q))

    @app.get("/donations", response_class=HTMLResponse)
    def donations(request: Request, page: int = 1) -> Response:
        ws = session_of(request)
        if ws is None:
            return to_login()
        rows, total = db.find_donations(page=page, size=cfg.page_size)
        return render(request, "donations.html", ws, rows=rows, total=total, page=page,
                      notice=request.query_params.get("notice", ""))

    @app.get("/donations/new", response_class=HTMLResponse)
    def donation_new(request: Request) -> Response:
        ws = session_of(request)
        return render(request, "donation_form.html", ws, v={}, labels=DONATION_LABELS) if ws else to_login()

    @app.post("/donations/new", response_class=HTMLResponse)
    async def donation_post(request: Request) -> Response:
        ws, form = session_of(request), await form_of(request)
        if ws is None:
            return to_login()
        if not csrf_ok(ws, form):
            return fail(request, ws, "不正なリクエストです（CSRFトークンが一致しません）。", 403)
        errors = donation_errors(form)
        if errors or form.get("step") != "save":
            page = "donation_form.html" if errors or form.get("step") == "back" else "donation_confirm.html"
            return render(request, page, ws, 422 if errors else 200, v=form, errors=errors,
                          labels=DONATION_LABELS)
        no = db.add_donation(form["donor_name"], form["donation_date"], int(form["amount"].replace(",", "")),
                             form.get("donor_kana", ""))
        return RedirectResponse(f"/donations?notice=登録しました（寄附受付No {no}）", 303)

    @app.get("/onestop", response_class=HTMLResponse)
    def onestop_search(request: Request, receipt_no: str = "", donor_name: str = "", donation_date: str = "",
                       amount: str = "", page: int = 1) -> Response:
        ws = session_of(request)
        if ws is None:
            return to_login()
        v = {"receipt_no": clean(receipt_no), "donor_name": clean(donor_name),
             "donation_date": clean(donation_date), "amount": clean(amount).replace(",", "")}
        errors: dict[str, str] = {}
        rows: list[Any] = []
        total, searched = 0, any(v.values())
        if searched and not v["receipt_no"] and not (v["donor_name"] and v["donation_date"] and v["amount"]):
            errors["search"] = SEARCH_KEY_JA
        elif searched and v["amount"] and not v["amount"].isdigit():
            errors["amount"] = "寄附金額は数字で入力してください。"
        elif searched:
            rows, total = db.find_donations(receipt_no=v["receipt_no"], donor_name=v["donor_name"],
                                            donation_date=v["donation_date"],
                                            amount=int(v["amount"]) if v["amount"] else None,
                                            page=page, size=cfg.page_size)
        return render(request, "onestop_search.html", ws, v=v, rows=rows, total=total, page=page,
                      searched=searched and not errors, errors=errors, onestop_no=onestop_no)

    @app.get("/onestop/{donation_id}/new", response_class=HTMLResponse)
    def onestop_new(request: Request, donation_id: int) -> Response:
        ws = session_of(request)
        if ws is None:
            return to_login()
        d = db.donation(donation_id)
        if d is None:
            return fail(request, ws, "該当する寄附が見つかりません。", 404)
        return render(request, "onestop_form.html", ws, d=d, v={}, labels=ONESTOP_LABELS)

    @app.post("/onestop/{donation_id}/new", response_class=HTMLResponse)
    async def onestop_post(request: Request, donation_id: int) -> Response:
        ws, form = session_of(request), await form_of(request)
        if ws is None:
            return to_login()
        if not csrf_ok(ws, form):
            return fail(request, ws, "不正なリクエストです（CSRFトークンが一致しません）。", 403)
        d = db.donation(donation_id)
        if d is None:
            return fail(request, ws, "該当する寄附が見つかりません。", 404)
        form["my_number"] = form.get("my_number", "").replace("-", "").replace(" ", "")
        errors = onestop_errors(form)
        if errors or form.get("step") != "save":
            page = "onestop_form.html" if errors or form.get("step") == "back" else "onestop_confirm.html"
            return render(request, page, ws, 422 if errors else 200, d=d, v=form, errors=errors,
                          labels=ONESTOP_LABELS)
        row_id = db.add_onestop(donation_id, {f: form[f] for f in ONESTOP_FIELDS})
        if cfg.chaos.active and rng.random() < cfg.chaos.error_rate:
            return HTMLResponse("<h1>システムエラー</h1><p>時間をおいて再度お試しください。</p>", 500)
        return RedirectResponse(f"/onestop/applications/{row_id}?saved=1", 303)

    @app.get("/onestop/applications/{row_id}", response_class=HTMLResponse)
    def onestop_detail(request: Request, row_id: int, saved: int = 0) -> Response:
        ws = session_of(request)
        if ws is None:
            return to_login()
        o = db.onestop(row_id)
        if o is None:
            return fail(request, ws, "該当する申請が見つかりません。", 404)
        return render(request, "onestop_detail.html", ws, o=o, no=onestop_no(row_id), labels=ONESTOP_LABELS,
                      notice=f"登録しました（受付番号 {onestop_no(row_id)}）。" if saved else "")

    return app
