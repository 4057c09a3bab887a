"""抜き取り検査: blind audits of auto-accepted fields (issue 15), and their follow-ups.

A reviewer (or admin) takes the next audit task under a lease (``store.audits``), sees
the field's crop and its label, and types or picks the value. The machine's value and
its OCR text are never sent: the page is rendered from :class:`store.audits.AuditTask`,
which holds neither, and the comparison happens in the store, which returns only the
outcome. The crop is served to the lease holder only; a My Number crop view is audited
like the review screen's. Admins resolve the follow-ups of disagreements on records the
bot had already entered.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from domain.model import FieldSpec
from domain.status import FieldKind, IssueCode
from domain.validate import normalize_field
from review.auth import Ctx, Forbidden, ctx_of, require, require_post
from store.audits import AuditStore, AuditTask, Outcome
from store.models import dumps
from store.users import Role, SessionInfo

log = logging.getLogger(__name__)
router = APIRouter()
Reviewer = Annotated[SessionInfo, Depends(require(Role.REVIEWER))]
ReviewerPost = Annotated[SessionInfo, Depends(require_post(Role.REVIEWER))]
AdminPost = Annotated[SessionInfo, Depends(require_post(Role.ADMIN))]
DONE_JA = {
    Outcome.AGREE.value: "登録しました（読み取り結果と一致しました）。",
    Outcome.DISAGREE.value: "登録しました（読み取り結果と一致しませんでした。"
                            "この項目は修正の確認に回ります）。",
    Outcome.PENDING.value: "登録しました（個人番号のため、別の担当者がもう一度入力します）。",
    Outcome.VOID.value: "この項目は検査の間に読み取り直し・修正されたため、検査の対象外になりました。",
}


def audits(ctx: Ctx) -> AuditStore:
    return AuditStore(ctx.repo.sessions, lease=timedelta(minutes=ctx.settings.audit_lease_minutes))


@router.get("/audit")
def audit_home(request: Request, info: Reviewer, done: str = "", empty: str = "") -> Response:
    ctx = ctx_of(request)
    return ctx.pages.TemplateResponse(request, "audit_home.html", {
        "user": info.account, "csrf": info.csrf_token, "open": audits(ctx).open_count(),
        "done": DONE_JA.get(done), "empty": bool(empty)})


@router.post("/audit/next")
async def audit_next(request: Request, info: ReviewerPost) -> Response:
    sample = audits(ctx_of(request)).claim_next(info.account.id)
    if sample is None:
        return RedirectResponse("/audit?empty=1", status_code=303)
    return RedirectResponse(f"/audit/{sample}", status_code=303)


def _task(ctx: Ctx, sample_id: int, info: SessionInfo) -> AuditTask:
    store = audits(ctx)
    task = store.task(sample_id)
    if task is None or not store.holds(sample_id, info.account.id):
        raise Forbidden("この検査はあなたに割り当てられていません"
                        "（割り当ての期限切れか、別の担当者が入力中です）")
    return task


def _spec(ctx: Ctx, task: AuditTask) -> FieldSpec | None:
    form = ctx.forms.get((task.template_id, task.template_version or 0))
    if form is None:
        return None
    try:
        return form.field(task.field_id)
    except KeyError:
        return None


def _render(request: Request, ctx: Ctx, info: SessionInfo, task: AuditTask, error: str | None = None,
            status: int = 200) -> Response:
    spec = _spec(ctx, task)
    return ctx.pages.TemplateResponse(request, "audit.html", {
        "user": info.account, "csrf": info.csrf_token, "task": task, "spec": spec,
        "label": spec.label if spec else task.field_id, "kind": task.kind,
        "options": [(o.value, o.label) for o in spec.options] if spec else [],
        "is_mn": task.kind == FieldKind.MY_NUMBER.value, "error": error}, status_code=status)


@router.get("/audit/{sample_id}")
def audit_page(request: Request, sample_id: int, info: Reviewer) -> Response:
    ctx = ctx_of(request)
    return _render(request, ctx, info, _task(ctx, sample_id, info))


@router.get("/audit/{sample_id}/crop")
def audit_crop(request: Request, sample_id: int, info: Reviewer) -> Response:
    ctx = ctx_of(request)
    task = _task(ctx, sample_id, info)
    path = audits(ctx).crop_path(sample_id)
    if not path:
        raise Forbidden("画像が見つかりません")
    if task.kind == FieldKind.MY_NUMBER.value:
        ctx.queue.log_sensitive_view(info.account.id, task.field_result_id, "audit_crop")
    return FileResponse(ctx.repo.files.path(path), media_type="image/png")


def typed_value(spec: FieldSpec, values: list[str], era: str | None) -> tuple[str | None, str | None]:
    """(JSON of the typed value as stored, Japanese error). Blank means "nothing written"."""
    if spec.is_mark:
        result = normalize_field(spec, ",".join(v for v in values if v))
    else:
        raw = values[0] if values else ""
        if not raw.strip():
            return dumps(None), None
        result = normalize_field(spec, raw, era)
    bad = [i for i in result.issues if i.code is not IssueCode.REQUIRED_MISSING]
    if bad:
        return None, bad[0].message
    return dumps(result.value), None


@router.post("/audit/{sample_id}")
async def audit_submit(request: Request, sample_id: int, info: ReviewerPost) -> Response:
    ctx = ctx_of(request)
    task = _task(ctx, sample_id, info)
    spec = _spec(ctx, task)
    if spec is None:
        return _render(request, ctx, info, task, "この項目の定義が見つかりません", status=422)
    form = await request.form()
    values = [v for v in form.getlist("v") if isinstance(v, str)]
    era = None
    if spec.era_field:
        import json

        era_json = audits(ctx).era_json(sample_id, spec.era_field)
        era_value = json.loads(era_json) if era_json else None
        era = era_value if isinstance(era_value, str) else None
    typed, error = typed_value(spec, values, era)
    if typed is None:
        return _render(request, ctx, info, task, error, status=422)
    try:
        outcome = audits(ctx).record(sample_id, info.account.id, info.account.username, typed)
    except LookupError as exc:
        raise Forbidden("この検査は既に登録されています") from exc
    log.info("audit sample %d submitted by user %d", sample_id, info.account.id)
    return RedirectResponse(f"/audit?done={outcome.value}", status_code=303)


@router.post("/admin/audit/followups/{followup_id}")
async def resolve_followup(request: Request, followup_id: int, info: AdminPost) -> Response:
    audits(ctx_of(request)).resolve_followup(followup_id, info.account.username)
    return RedirectResponse("/status?followup=done", status_code=303)
