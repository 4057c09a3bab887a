"""The second demo system, 寄附管理 (an admin-site shape), so target files are proven on two shapes.

Deliberately unlike ``sandbox.app``: the login page has no heading; one search box; the result
table has no accessible name and a sidebar table sits next to it; the donation purpose is
picked in an autocomplete (script-filled listbox, hidden id); a select and three checkboxes;
no confirmation step (保存 saves); validation errors come as lists (``ul.errorlist``); the
record id appears only in the URL; sessions expire (``session_seconds``). Chaos mode slows
requests, answers HTTP 500 (also after a save), expires sessions mid-form.
"""

from __future__ import annotations

import asyncio
import random
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from sandbox.admin_db import PAYMENT_METHODS, AdminDB
from sandbox.config import SandboxConfig
from sandbox.validate import clean

COOKIE = "admin_sid"
_TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates") / "admin"))
_KANA = re.compile(r"[ァ-ヶー\s　]+")
LOGIN_REFUSED_JA = "正しいユーザー名とパスワードを入力してください。どちらも大文字と小文字は区別されます。"
ERROR_500 = "<title>Server Error (500)</title><p>サーバーエラーが発生しました。</p>"


def donation_errors(f: dict[str, str], purpose_ok: bool) -> dict[str, list[str]]:
    e: dict[str, list[str]] = {}

    def add(k: str, m: str) -> None:
        e.setdefault(k, []).append(m)

    for k, label in (("full_name", "氏名"), ("full_name_kana", "フリガナ"), ("address", "住所"),
                     ("phone", "電話番号")):
        if not f.get(k):
            add(k, f"{label}は必須です。")
    if f.get("full_name_kana") and not _KANA.fullmatch(f["full_name_kana"]):
        add("full_name_kana", "フリガナは全角カタカナで入力してください。")
    if not re.fullmatch(r"[0-9]{3}-[0-9]{4}", f.get("postal_code", "")):
        add("postal_code", "郵便番号は123-4567の形式で入力してください。")
    if f.get("email") and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", f["email"]):
        add("email", "有効なメールアドレスを入力してください。")
    amount = f.get("amount", "")
    if not amount.isdigit():
        add("amount", "寄附金額は整数で入力してください。")
    elif int(amount) < 1000:
        add("amount", "寄附金額は1,000円以上です。")
    if f.get("payment_method") not in PAYMENT_METHODS:
        add("payment_method", "支払方法を選択してください。")
    if not purpose_ok:
        add("purpose", "寄附金の使い道を候補から選択してください。")
    return e


def create_admin_app(cfg: SandboxConfig, *, clock: Callable[[], float] = time.time) -> FastAPI:
    app = FastAPI(title="寄附管理（デモ）", docs_url=None, redoc_url=None, openapi_url=None)
    db = AdminDB(cfg.admin_db_path, clock=clock)
    rng = random.Random(cfg.chaos.seed + 1)
    app.state.db = db

    @app.middleware("http")
    async def chaos(request: Request, call_next: Any) -> Response:
        c = cfg.chaos
        if c.active and not request.url.path.startswith("/admin/api/"):
            if rng.random() < c.slow_rate:
                await asyncio.sleep(c.slow_ms / 1000)
            if request.method == "POST" and "login" not in request.url.path and rng.random() < c.expire_rate:
                db.expire_sessions()
            if rng.random() < c.error_rate:
                return HTMLResponse(ERROR_500, 500)
        response: Response = await call_next(request)
        return response

    def page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("errors", {})
        ctx.setdefault("v", {})
        return _TEMPLATES.TemplateResponse(request, name, ctx, status_code=status)

    def csrf_of(request: Request) -> str | None:
        return db.session(request.cookies.get(COOKIE))

    def to_login(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/admin/login/?next={quote(request.url.path)}", 302)

    async def form_of(request: Request) -> dict[str, str]:
        data = parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True)
        return {k: clean(v[0]) for k, v in data.items()}

    @app.get("/admin/login/", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return page(request, "login.html")

    @app.post("/admin/login/", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        f = await form_of(request)
        if not (secrets.compare_digest(f.get("username", ""), cfg.user)
                and secrets.compare_digest(f.get("password", ""), cfg.password)):
            return page(request, "login.html", errors={"__all__": [LOGIN_REFUSED_JA]})
        sid, _ = db.open_session(cfg.session_seconds)
        resp = RedirectResponse("/admin/donations/", 302)
        resp.set_cookie(COOKIE, sid, httponly=True, samesite="lax")
        return resp

    @app.get("/admin/api/purposes")
    def purposes(request: Request, term: str = "") -> Response:
        if csrf_of(request) is None:
            return JSONResponse({"results": []}, 403)
        found = db.purposes(clean(term))
        return JSONResponse({"results": [{"id": r["id"], "text": r["label"]} for r in found]})

    @app.get("/admin/donations/", response_class=HTMLResponse)
    def changelist(request: Request, q: str = "") -> Response:
        if csrf_of(request) is None:
            return to_login(request)
        rows = db.search(clean(q)) if q else db.recent(20)
        return page(request, "changelist.html", q=q, rows=rows, recent=db.recent(5))

    def form_page(request: Request, csrf: str, v: dict[str, Any], errors: dict[str, list[str]],
                  status: int = 200, **ctx: Any) -> HTMLResponse:
        return page(request, "change_form.html", status, csrf=csrf, v=v, errors=errors,
                    methods=PAYMENT_METHODS, **ctx)

    @app.get("/admin/donations/add/", response_class=HTMLResponse)
    def add_form(request: Request) -> Response:
        csrf = csrf_of(request)
        if csrf is None:
            return to_login(request)
        return form_page(request, csrf, {"receipt_wanted": "on"}, {}, title="寄附を追加")

    @app.post("/admin/donations/add/", response_class=HTMLResponse)
    async def add(request: Request) -> Response:
        csrf, f = csrf_of(request), await form_of(request)
        if csrf is None:
            return to_login(request)
        if not secrets.compare_digest(f.get("csrfmiddlewaretoken", ""), csrf):
            return HTMLResponse("<title>403 Forbidden</title><p>CSRF検証に失敗しました。</p>", 403)
        purpose_id = int(f["purpose_id"]) if f.get("purpose_id", "").isdigit() else 0
        label = db.purpose_label(purpose_id)
        errors = donation_errors(f, bool(label) and label == f.get("purpose_text", ""))
        if errors:
            return form_page(request, csrf, f, errors, 200, title="寄附を追加")
        row = {**{k: f.get(k, "") for k in ("full_name", "full_name_kana", "postal_code", "address", "phone",
                                            "email", "payment_method")},
               "amount": int(f["amount"]), "purpose_id": purpose_id,
               **{k: int(f.get(k) == "on") for k in ("publish_name", "onestop_wish", "receipt_wanted")}}
        new_id = db.add(row)
        if cfg.chaos.active and rng.random() < cfg.chaos.error_rate:
            return HTMLResponse(ERROR_500, 500)
        return RedirectResponse(f"/admin/donations/{new_id}/change/?saved=1", 302)

    @app.get("/admin/donations/{donation_id}/change/", response_class=HTMLResponse)
    def change_form(request: Request, donation_id: int, saved: int = 0) -> Response:
        csrf = csrf_of(request)
        if csrf is None:
            return to_login(request)
        row = db.get(donation_id)
        if row is None:
            return HTMLResponse("<title>Not Found</title><p>見つかりません。</p>", 404)
        v = dict(zip(row.keys(), tuple(row), strict=True))
        v["purpose_text"] = db.purpose_label(row["purpose_id"])
        v |= {k: "on" if row[k] else "" for k in ("publish_name", "onestop_wish", "receipt_wanted")}
        return form_page(request, csrf, v, {}, title="寄附を変更", saved=bool(saved))

    return app
