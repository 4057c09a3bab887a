"""Editor actions on a template: title, allowed characters, mark style, reference image
replace and mask, copy with an offset, merge checkboxes into a choice or a grid, undo.

Each action is an ordinary form post (admin only, CSRF-checked like every admin form)
to ``/admin/templates/<id>/edit/<action>`` carrying the version it was made on. The
edit itself is a pure function (authoring/edits.py, authoring/merge.py,
authoring/reference_image.py); this module checks the version, saves the result as the
next version with :func:`forms.versions.save_new_version` (older versions untouched)
and journals it for undo (authoring/edit_journal.py). A refused action shows the editor
again with the Japanese reason (422; 409 for a stale version), never a 500. Log lines
name the template, action, version and admin, never a value typed into the form.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from authoring.edit_journal import ACTION_JA, read_journal, record, restore, undo_step
from authoring.edits import EditRefused, copy_fields, set_allowed_chars, set_mark_style, set_title
from authoring.merge import merge_into_choice, merge_into_grid
from authoring.reference_image import mask_region, normalize_upload
from domain.errors import TemplateError
from domain.model import Box, FormTemplate
from review.auth import Ctx, ctx_of, require_post
from store.users import Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
AdminPost = Annotated[SessionInfo, Depends(require_post(Role.ADMIN))]
MAX_IMAGE_BYTES = 15 * 1024 * 1024


@dataclass
class Edited:
    """What an action made: the new template, new reference images (page → PNG), a field to focus."""

    template: FormTemplate
    images: dict[int, bytes] = field(default_factory=dict)
    focus: str = ""


class Stale(Exception):
    def __init__(self, current: int) -> None:
        super().__init__(f"stale base version (current {current})")
        self.current = current


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


def _number(form: FormData, key: str, what: str) -> float:
    try:
        value = float(_text(form, key).strip().replace("－", "-").replace("．", "."))
    except ValueError:
        raise EditRefused(f"form value {key} is not a number", f"{what}を数で入力してください") from None
    if not math.isfinite(value):
        raise EditRefused(f"form value {key} is not finite", f"{what}を数で入力してください")
    return value


def _page(form: FormData, t: FormTemplate) -> int:
    page = _text(form, "page")
    if not page.isdigit() or not 1 <= int(page) <= len(t.pages):
        raise EditRefused("no such page", "指定したページがありません")
    if t.page(int(page)).reference_image is None:
        raise EditRefused("page without a reference image",
                          "このページには参照画像がありません（自作の様式は描いた用紙をそのまま使います）")
    return int(page)


def _reference_png(ctx: Ctx, t: FormTemplate, page: int) -> bytes:
    ref = t.reference_path(page)
    root = ctx.settings.templates_dir.resolve()
    path = ref.resolve() if ref is not None else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        raise EditRefused("reference image missing", "参照画像が見つかりません")
    return path.read_bytes()


# --- the actions: (current template, posted form) → what to save --------------------------------
def _title(ctx: Ctx, t: FormTemplate, form: FormData, image: bytes | None) -> Edited:
    return Edited(set_title(t, _text(form, "title")))


def _charset(ctx: Ctx, t: FormTemplate, form: FormData, image: bytes | None) -> Edited:
    field_id = _text(form, "field_id")
    return Edited(set_allowed_chars(t, field_id, _text(form, "alphabet") or None,
                                    _text(form, "allowed_chars") or None), focus=field_id)


def _mark_style(ctx: Ctx, t: FormTemplate, form: FormData, image: bytes | None) -> Edited:
    target = _text(form, "target_id")
    return Edited(set_mark_style(t, target, _text(form, "mark_style")),
                  focus=target if any(f.id == target for f in t.fields) else "")


def _reference(ctx: Ctx, t: FormTemplate, form: FormData, image: bytes | None) -> Edited:
    page = _page(form, t)
    png = normalize_upload(image or b"", t.page_size_mm)
    return Edited(t, images={page: png})


def _mask(ctx: Ctx, t: FormTemplate, form: FormData, image: bytes | None) -> Edited:
    page = _page(form, t)
    x, y = _number(form, "x", "横位置"), _number(form, "y", "縦位置")
    w, h = _number(form, "w", "幅"), _number(form, "h", "高さ")
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise EditRefused("mask box not positive", "消す範囲の位置は0以上、幅と高さは0より大きくしてください")
    return Edited(t, images={page: mask_region(_reference_png(ctx, t, page), t.page_size_mm,
                                               Box(x=x, y=y, w=w, h=h))})


def _ids(form: FormData) -> list[str]:
    return [v for v in form.getlist("field_ids") if isinstance(v, str)]


def _copy(ctx: Ctx, t: FormTemplate, form: FormData, image: bytes | None) -> Edited:
    count = _text(form, "count").strip() or "1"
    if not count.isdigit():
        raise EditRefused("copy count not a number", "複製の数を数で入力してください")
    edited, made = copy_fields(t, _ids(form), _number(form, "dx", "横にずらす距離"),
                               _number(form, "dy", "縦にずらす距離"), int(count))
    return Edited(edited, focus=made[0] if made else "")


def _merge_choice(ctx: Ctx, t: FormTemplate, form: FormData, image: bytes | None) -> Edited:
    new_id = _text(form, "new_id").strip()
    return Edited(merge_into_choice(t, _ids(form), new_id, _text(form, "label"),
                                    _text(form, "mark_style") or "box", _text(form, "multiple") == "1"),
                  focus=new_id)


def _merge_grid(ctx: Ctx, t: FormTemplate, form: FormData, image: bytes | None) -> Edited:
    columns = _text(form, "columns").replace("、", ",").replace("，", ",").split(",")
    style, multiple = _text(form, "mark_style") or "box", _text(form, "multiple") == "1"
    return Edited(merge_into_grid(t, _ids(form), _text(form, "new_id").strip(), _text(form, "label"),
                                  columns, style, multiple))


Action = Callable[[Ctx, FormTemplate, FormData, "bytes | None"], Edited]
ACTIONS: dict[str, Action] = {"title": _title, "charset": _charset, "mark_style": _mark_style,
                              "reference": _reference, "mask": _mask, "copy": _copy,
                              "merge_choice": _merge_choice, "merge_grid": _merge_grid}


def _undo(t: FormTemplate) -> tuple[Edited, int]:
    from forms.loader import VERSIONS_DIR, load_template

    assert t.source_dir is not None
    step = undo_step(read_journal(t.source_dir), t.version)
    path = t.source_dir / VERSIONS_DIR / f"v{step.base}.yaml"  # every older version is frozen here
    if not path.is_file():
        raise EditRefused(f"template {t.id}: version {step.base} is gone", f"第{step.base}版が見つかりません")
    return Edited(restore(t, load_template(path))), step.base


# --- the route --------------------------------------------------------------------------------
@router.post("/admin/templates/{template_id}/edit/{action}")
async def edit(request: Request, template_id: str, action: str, info: AdminPost) -> Response:
    from review.routes_templates import _current, _exclusive, _not_found, refresh_forms

    ctx = ctx_of(request)
    form = await request.form()
    base = _text(form, "base_version")
    if action not in ACTIONS and action != "undo":
        return _not_found(request, "その操作はありません")
    if not base.isdigit():
        return ctx.pages.TemplateResponse(request, "error.html", {
            "message": "送信内容が正しくありません。画面を開き直してください", "user": None}, status_code=400)
    upload = form.get("image")
    image = await upload.read(MAX_IMAGE_BYTES + 1) if isinstance(upload, UploadFile) else None
    actor = info.account.username

    def work() -> Edited | None:
        with _exclusive(ctx):
            current = _current(ctx, template_id)
            if current is None:
                return None
            if current.version != int(base):
                raise Stale(current.version)
            if image is not None and len(image) > MAX_IMAGE_BYTES:
                raise EditRefused("image upload too large", "画像ファイルが大きすぎます（15 MB まで）")
            if action == "undo":
                edited, restored = _undo(current)
            else:
                edited, restored = ACTIONS[action](ctx, current, form, image), current.version
            from forms.versions import save_new_version

            saved = save_new_version(ctx.settings.templates_dir, edited.template, edited.images)
            assert saved.source_dir is not None
            record(saved.source_dir, saved.version, restored, action, actor, datetime.now(UTC).isoformat())
            return Edited(saved, focus=edited.focus)

    try:
        done = await asyncio.to_thread(work)
    except (EditRefused, TemplateError, Stale) as exc:
        return _refused(request, info, template_id, exc)
    except OSError as exc:
        log.error("template %s: editor action %s not saved: %s", template_id, action, type(exc).__name__)
        failed = {"message": "様式のファイルを書き込めませんでした。管理者に連絡してください", "user": None}
        return ctx.pages.TemplateResponse(request, "error.html", failed, status_code=500)
    if done is None:
        return _not_found(request)
    refresh_forms(ctx, done.template)
    log.info("template %s: editor action %s saved as version %d by %s", template_id, action,
             done.template.version, actor)
    focus = f"&field={done.focus}" if done.focus else ""
    return RedirectResponse(f"/admin/templates/{template_id}?saved={done.template.version}{focus}",
                            status_code=303)


def _refused(request: Request, info: SessionInfo, template_id: str, exc: Exception) -> Response:
    from review.routes_templates import _current, _editor, _not_found
    from review.template_errors import error_of_message

    try:
        current = _current(ctx_of(request), template_id)
    except TemplateError:
        current = None
    if current is None:
        return _not_found(request)
    if isinstance(exc, Stale):
        message, status = (f"この様式は別の管理者が更新しました（現在は第{exc.current}版）。"
                           "何も変更していません。画面を開き直してください"), 409
    elif isinstance(exc, EditRefused):
        message, status = exc.message_ja, 422
    else:  # the saved file would not load (e.g. a copied box over the QR code)
        message, status = "この変更は保存できませんでした：" + error_of_message(str(exc), [])["message"], 422
    log.info("template %s: editor action refused: %s", template_id, exc if not isinstance(exc, TemplateError)
             else "template does not load")
    return _editor(request, info, current.model_dump(mode="json"), message=message, status=status)


def actions_view(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """What the editor's action panel lists: fields by what can be done with them, and undo."""
    fields = [f for f in data.get("fields") or [] if isinstance(f, dict)]
    folder = ctx.settings.templates_dir / str(data.get("id", ""))
    undo = ""
    try:
        step = undo_step(read_journal(folder), int(data.get("version", 0)))
        undo = ACTION_JA[step.action]
    except (EditRefused, ValueError):
        undo = ""
    return {"text_fields": [f for f in fields if f.get("kind") not in ("checkbox", "choice", "multi_choice")],
            "choice_fields": [f for f in fields if f.get("kind") in ("choice", "multi_choice")],
            "checkboxes": [f for f in fields if f.get("kind") == "checkbox"],
            "copyable": fields, "grids": [g for g in data.get("grids") or [] if isinstance(g, dict)],
            "ref_pages": [p["number"] for p in data.get("pages") or [] if p.get("reference_image")],
            "undo": undo}
