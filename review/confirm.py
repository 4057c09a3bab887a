"""The confirmation form: what each field shows, and what a submission means.

Pure apart from the repository/queue calls in :func:`apply`. A submission is checked
whole with the same domain rules as the reader (``domain.validate.normalize_field``)
before anything is written; then every decision is one ``record_review`` (append-only
audit) and the document is completed when nothing is left.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.lifecycle import ReviewActionKind
from domain.model import FieldSpec, FormTemplate
from domain.mynumber import mask_my_number
from domain.status import REVIEW_REASON_JA, FieldKind, FieldStatus, ReviewPolicy, ReviewReason
from domain.validate import normalize_field
from domain.wareki import format_wareki
from store.models import FieldResult, dumps

UNREADABLE = "unreadable"
BLIND_MISMATCH_JA = "入力した値が読み取り結果と一致しません。別の担当者が確認します"


@dataclass
class FieldView:
    id: int
    field_id: str
    label: str
    kind: str
    flagged: bool
    blind: bool
    reason_ja: str
    issues_ja: list[str]
    value: str  # what the input shows ("" for a blind entry)
    masked: bool  # a My Number shown masked (read-only)
    options: list[tuple[int, str, str]] = field(default_factory=list)  # (key, value, label)
    error: str | None = None
    bbox: list[int] | None = None


@dataclass
class Decision:
    field_result_id: int
    action: ReviewActionKind | None  # None: a blind entry that disagreed (left for a second person)
    value: Any
    blind_json: str | None = None


def needs_person(fr: FieldResult, acted: set[int]) -> bool:
    return fr.status == FieldStatus.NEEDS_REVIEW.value or (
        fr.status == FieldStatus.UNREADABLE.value and fr.id not in acted)


def display(spec: FieldSpec | None, value: Any) -> str:
    """A stored value as staff type it (dates in 和暦, marks as option values)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "レ" if value else ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if spec is not None and spec.kind is FieldKind.WAREKI_DATE and isinstance(value, str):
        try:
            return format_wareki(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def build_views(form: FormTemplate | None, fields: list[FieldResult], acted: set[int]) -> list[FieldView]:
    views = []
    for fr in fields:
        spec = _spec(form, fr.field_id)
        flagged = needs_person(fr, acted)
        blind = flagged and spec is not None and spec.review is ReviewPolicy.BLIND_DOUBLE_ENTRY
        is_mn = fr.kind == FieldKind.MY_NUMBER.value
        shown = display(spec, fr.value)
        masked = is_mn and not flagged
        reason = REVIEW_REASON_JA.get(ReviewReason(fr.reason), "") if fr.reason and flagged else ""
        views.append(FieldView(
            id=fr.id, field_id=fr.field_id, label=spec.label if spec else fr.field_id, kind=fr.kind,
            flagged=flagged, blind=blind, reason_ja=reason,
            issues_ja=[str(i.get("message", "")) for i in fr.issues] if flagged else [],
            value="" if blind else (mask_my_number(shown) if masked else shown), masked=masked,
            options=[(n, o.value, o.label) for n, o in enumerate(spec.options, 1)] if spec else [],
            bbox=json.loads(fr.bbox) if fr.bbox else None))
    views.sort(key=lambda v: not v.flagged)  # flagged first, each group in template order
    return views


def _spec(form: FormTemplate | None, field_id: str) -> FieldSpec | None:
    if form is None:
        return None
    try:
        return form.field(field_id)
    except KeyError:
        return None


def decide(form: FormTemplate | None, fields: list[FieldResult], views: list[FieldView],
           submitted: Mapping[str, str], blind_entries: Mapping[int, list[tuple[int, str]]],
           user_id: int) -> list[Decision]:
    """Check a submission; sets ``view.error`` on bad values. Decisions only if all are good."""
    by_id = {fr.id: fr for fr in fields}
    decisions: list[Decision] = []
    for view in views:
        if view.masked:
            continue
        fr, spec = by_id[view.id], _spec(form, view.field_id)
        raw = submitted.get(f"v_{view.id}", "")
        if view.flagged and submitted.get(f"a_{view.id}") == UNREADABLE:
            decisions.append(Decision(fr.id, ReviewActionKind.UNREADABLE, None))
            continue
        if not view.flagged and raw == view.value:
            continue  # an auto-accepted field left alone
        if spec is None:
            view.error = "この項目の定義が見つかりません"
            continue
        result = normalize_field(spec, raw, _era(form, spec, by_id, submitted))
        if result.issues:
            view.error = result.issues[0].message
            view.value = "" if view.blind else raw
            continue
        new_json, old_json = dumps(result.value), fr.value_json
        if view.blind:
            decisions.append(_blind(fr.id, new_json, old_json, blind_entries.get(fr.id, []), user_id,
                                    result.value))
        elif new_json == old_json:
            decisions.append(Decision(fr.id, ReviewActionKind.CONFIRM, result.value))
        else:
            decisions.append(Decision(fr.id, ReviewActionKind.CORRECT, result.value))
    return [] if any(v.error for v in views) else decisions


def _blind(fr_id: int, new_json: str, machine_json: str, earlier: list[tuple[int, str]], user_id: int,
           value: Any) -> Decision:
    """Two independent readings must agree: the machine's, or another person's blind entry."""
    if new_json == machine_json:
        return Decision(fr_id, ReviewActionKind.CONFIRM, value)
    if any(uid != user_id and vj == new_json for uid, vj in earlier):
        return Decision(fr_id, ReviewActionKind.CORRECT, value)
    return Decision(fr_id, None, value, blind_json=new_json)


def _era(form: FormTemplate | None, spec: FieldSpec, by_id: Mapping[int, FieldResult],
         submitted: Mapping[str, str]) -> str | None:
    if not spec.era_field:
        return None
    for fr in by_id.values():
        if fr.field_id == spec.era_field:
            typed = submitted.get(f"v_{fr.id}")
            if typed:
                return typed.strip()
            return fr.value if isinstance(fr.value, str) else None
    return None
