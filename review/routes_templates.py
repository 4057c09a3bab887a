"""Admin pages for template authoring: the list of templates and the template editor.

The editor (review/static/template_editor.js) overlays a template's field boxes on the
blank page (the reference scan of a city's own form, or our rendering of a form we draw)
and posts the edited template as JSON in an ordinary form post (the CSP allows no fetch).
The server takes only ``fields`` from it (page furniture, title, ids and reference images
stay those of the version being edited), validates with the pydantic model, refuses a
stale version (another admin saved first) and writes the next version with
:func:`forms.versions.save_new_version`; older versions stay untouched. A refused save
shows the editor again with the admin's edits and Japanese messages next to the fields
(422/409, never a 500); a save redirects to the new version. Every route is admin-only.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import ValidationError

from domain.errors import TemplateError
from domain.model import FormTemplate
from domain.status import FIELD_KIND_JA as KIND_JA
from domain.status import ReviewPolicy
from review.auth import Ctx, ctx_of, require, require_post
from review.template_errors import error_of_message, errors_ja
from store.users import Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
Admin = Annotated[SessionInfo, Depends(require(Role.ADMIN))]
AdminPost = Annotated[SessionInfo, Depends(require_post(Role.ADMIN))]

REVIEW_JA: dict[str, str] = {ReviewPolicy.AUTO: "自動確定あり", ReviewPolicy.ALWAYS: "必ず職員が確認",
                             ReviewPolicy.BLIND_DOUBLE_ENTRY: "二重入力（読み取り値を見せない）"}
STATUS_JA = {"draft": "下書き", "active": "運用中"}
SOURCE_JA = {"scanned": "既存の様式（スキャン）", "rendered": "自作の様式"}
TEMPLATE_ID = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
FIELD_ID = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
MAX_POST_CHARS = 2_000_000
RENDER_DPI = 100
_SAVE_LOCK = threading.Lock()
FIX_JA = "保存できませんでした。赤く表示された項目を直してください"



# --- the running app's registry -----------------------------------------------------------
def refresh_forms(ctx: Ctx, saved: FormTemplate | None = None) -> None:
    """Let the running app see every template version on disk (call after saving one).

    Replaces ``ctx.forms`` with a new dict (never mutated in place while requests read it);
    versions already known stay, so documents read with them still find their template.
    """
    from forms.loader import load_template_versions

    forms = dict(ctx.forms)
    try:
        forms.update(load_template_versions(ctx.settings.templates_dir))
    except TemplateError as exc:  # another template is broken: still register the saved one
        log.warning("template registry not fully reloaded: %s", exc)
    if saved is not None:
        forms[(saved.id, saved.version)] = saved
    ctx.forms = forms


# --- reading templates from disk ----------------------------------------------------------
def _folders(templates_dir: Path) -> dict[str, Path]:
    """Template folders by id: the only paths a request can reach (never built from input)."""
    if not templates_dir.is_dir():
        return {}
    return {p.name: p for p in sorted(templates_dir.iterdir())
            if TEMPLATE_ID.match(p.name) and (p / "template.yaml").is_file()}


def _current(ctx: Ctx, template_id: str) -> FormTemplate | None:
    """The current version on disk; None for an unknown id. TemplateError if it is broken."""
    from forms.loader import load_template

    folder = _folders(ctx.settings.templates_dir).get(template_id)
    return None if folder is None else load_template(folder / "template.yaml")


def _unconfirmed(t: FormTemplate) -> int:
    return sum(1 for f in t.fields if f.guessed)


def _not_found(request: Request, message: str = "様式が見つかりません") -> Response:
    return ctx_of(request).pages.TemplateResponse(request, "error.html", {"message": message, "user": None},
                                                  status_code=404)


@router.get("/admin/templates")
def list_page(request: Request, info: Admin) -> Response:
    from forms.loader import load_template

    ctx = ctx_of(request)
    rows: list[dict[str, Any]] = []
    for name, folder in _folders(ctx.settings.templates_dir).items():
        try:
            t = load_template(folder / "template.yaml")
        except TemplateError as exc:
            rows.append({"id": name, "error": exc.message_ja})
            continue
        rows.append({"id": t.id, "title": t.title, "version": t.version, "status": t.status,
                     "status_ja": STATUS_JA[t.status], "source_ja": SOURCE_JA[t.source],
                     "pages": len(t.pages), "fields": len(t.fields), "unconfirmed": _unconfirmed(t)})
    return ctx.pages.TemplateResponse(request, "admin_templates.html", {
        "user": info.account, "csrf": info.csrf_token, "rows": rows})


@router.get("/admin/templates/{template_id}")
def editor_page(request: Request, template_id: str, info: Admin, saved: str = "", activated: str = "",
                field: str = "", retired: str = "") -> Response:
    ctx = ctx_of(request)
    try:
        t = _current(ctx, template_id)
    except TemplateError as exc:
        return _not_found(request, exc.message_ja)
    if t is None:
        return _not_found(request)
    notice = ""
    if saved == str(t.version):
        notice = f"第{t.version}版として{'運用を開始しました' if activated else '保存しました'}"
    if retired.isdigit():
        notice = f"第{int(retired)}版の運用を停止しました（新しいスキャンの識別に使いません）"
    return _editor(request, info, t.model_dump(mode="json"), notice=notice, focus=field)


def _editor(request: Request, info: SessionInfo, data: dict[str, Any], *, notice: str = "",
            message: str = "", errors: list[dict[str, Any]] | None = None, focus: str = "",
            dirty: bool = False, status: int = 200) -> Response:
    """The editor page for ``data`` (a template as JSON: the one on disk, or an edit that failed)."""
    fields = data.get("fields")
    unconfirmed = sum(1 for f in fields if isinstance(f, dict) and f.get("guessed")) \
        if isinstance(fields, list) else 0
    grids = [g for g in data.get("grids") or [] if isinstance(g, dict)]
    unconfirmed += sum(1 for g in grids if g.get("guessed"))
    errors = errors or []
    from review.routes_editor_actions import actions_view
    from review.routes_versions import version_rows

    versions = version_rows(ctx_of(request), str(data.get("id", "")))
    return ctx_of(request).pages.TemplateResponse(request, "admin_templates_editor.html", {
        "versions": versions, "grids": grids, "actions": actions_view(ctx_of(request), data),
        "user": info.account, "csrf": info.csrf_token, "t": data, "unconfirmed": unconfirmed,
        "data_json": json.dumps(data, ensure_ascii=False),
        "status_ja": STATUS_JA.get(data.get("status", ""), ""),
        "source_ja": SOURCE_JA.get(data.get("source", ""), ""),
        "kinds": list(KIND_JA.items()), "reviews": list(REVIEW_JA.items()), "notice": notice,
        "message": message, "general_errors": [e["message"] for e in errors if e.get("index") is None],
        "errors_json": json.dumps([e for e in errors if e.get("index") is not None], ensure_ascii=False),
        "focus": focus if FIELD_ID.match(focus) else "", "dirty": dirty}, status_code=status)


@router.get("/admin/templates/{template_id}/pages/{page}/image")
async def page_image(request: Request, template_id: str, page: int, info: Admin) -> Response:
    """The blank page: the template's own reference scan, or our rendering of it."""
    ctx = ctx_of(request)
    try:
        t = _current(ctx, template_id)
    except TemplateError:
        t = None
    if t is None or not 1 <= page <= len(t.pages):
        return Response("not found", status_code=404, media_type="text/plain")
    if t.page(page).reference_image:
        ref = t.reference_path(page)
        root = ctx.settings.templates_dir.resolve()
        path = ref.resolve() if ref is not None else None
        if path is None or not path.is_relative_to(root) or not path.is_file():
            return Response("not found", status_code=404, media_type="text/plain")
        return FileResponse(path, media_type="image/png")
    png = await asyncio.to_thread(_render_png, t, page)
    return Response(png, media_type="image/png")


def _render_png(t: FormTemplate, page: int) -> bytes:
    from forms.render import render_page

    buf = io.BytesIO()
    render_page(t, page, RENDER_DPI).save(buf, format="PNG")
    return buf.getvalue()


# --- saving ---------------------------------------------------------------------------------
@contextmanager
def _exclusive(ctx: Ctx) -> Iterator[None]:
    """One save at a time, also across worker processes (a lock file under the app home)."""
    with _SAVE_LOCK:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on Linux
            yield
            return
        ctx.settings.home.mkdir(parents=True, exist_ok=True)
        with open(ctx.settings.home / ".template-editor.lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


class Refused(Exception):
    """A save that did not happen, with the Japanese message and the errors per field."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or []


@router.post("/admin/templates/{template_id}/save")
async def save(request: Request, template_id: str, info: AdminPost) -> Response:
    """Save the posted fields as the next version; on any problem show the editor again with them."""
    ctx = ctx_of(request)
    form = await request.form()
    text, base = form.get("template"), str(form.get("base_version", ""))
    activate = form.get("activate") == "1"
    focus = str(form.get("focus_field", ""))
    posted: Any = None
    if isinstance(text, str) and len(text) <= MAX_POST_CHARS:
        try:
            posted = json.loads(text)
        except ValueError:
            posted = None
    if (not isinstance(posted, dict) or posted.get("id") != template_id or not base.isdigit()
            or not isinstance(posted.get("fields"), list)):
        return ctx.pages.TemplateResponse(request, "error.html", {
            "message": "送信内容が正しくありません。画面を開き直してください", "user": None}, status_code=400)
    fields: list[Any] = posted["fields"]
    try:
        saved = await asyncio.to_thread(_save, ctx, template_id, int(base), fields, activate,
                                        info.account.username)
    except Refused as exc:
        if exc.status == 404:
            return _not_found(request)
        try:
            current = _current(ctx, template_id)
        except TemplateError:
            current = None
        data = current.model_dump(mode="json") if current is not None else dict(posted)
        data.update(fields=fields, version=int(base))
        return _editor(request, info, data, message=exc.message, errors=exc.errors, focus=focus,
                       dirty=True, status=exc.status)
    query = f"saved={saved.version}" + ("&activated=1" if activate else "")
    if FIELD_ID.match(focus):
        query += f"&field={focus}"
    return RedirectResponse(f"/admin/templates/{template_id}?{query}", status_code=303)


def _save(ctx: Ctx, template_id: str, base_version: int, fields: list[Any], activate: bool,
          actor: str) -> FormTemplate:
    from forms.versions import save_new_version

    with _exclusive(ctx):
        try:
            current = _current(ctx, template_id)
        except TemplateError as exc:
            raise Refused(409, exc.message_ja) from exc
        if current is None:
            raise Refused(404, "様式が見つかりません")
        if current.version != base_version:
            raise Refused(409, f"この様式は別の管理者が更新しました（現在は第{current.version}版、"
                               f"編集していたのは第{base_version}版です）。保存していません。"
                               "様式を開き直してから編集し直してください")
        data = current.model_dump(mode="json")
        data["fields"] = fields
        data["status"] = "active" if activate else current.status
        try:
            candidate = FormTemplate.model_validate(data)
        except ValidationError as exc:
            raise Refused(422, FIX_JA, errors_ja(exc, fields)) from exc
        if candidate.status == "active" and _unconfirmed(candidate):
            errors = [{"index": i, "field_id": f.id, "message": "機械の推測が未確認です"}
                      for i, f in enumerate(candidate.fields) if f.guessed and f.grid is None]
            errors += [{"index": None, "field_id": g.id,
                        "message": f"グリッド「{g.label}」（{g.id}）の推測が未確認です。"
                        "グリッドの一覧で確認済みにしてください"} for g in candidate.grids if g.guessed]
            raise Refused(422, "未確認の推測が残っている項目があるため、運用開始できません", errors)
        try:
            saved = save_new_version(ctx.settings.templates_dir, candidate)
        except TemplateError as exc:
            log.info("template %s not saved: %s", template_id, exc)
            raise Refused(422, FIX_JA, [error_of_message(str(exc), fields)]) from exc
        except OSError as exc:
            log.error("template %s not saved: %s", template_id, exc)
            raise Refused(500, "様式のファイルを書き込めませんでした。管理者に連絡してください") from exc
    refresh_forms(ctx, saved)
    log.info("template %s saved as version %d (%s) by %s", saved.id, saved.version, saved.status, actor)
    return saved
