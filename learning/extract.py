"""Read the work store into observations (see :mod:`learning.dataset` for what is a label).

Only documents whose reading is finished count: ``read`` (every field auto-accepted),
``reviewed`` and ``entered``; a document still waiting for staff has no final labels.
Values are read only to compare the machine's value with the confirmed one, and — for
fields that are neither ``personal`` nor a My Number — to keep the short character
confusions; no value leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from domain.copy_evidence import EVIDENCE_ACTOR
from domain.lifecycle import DocumentStatus, ReviewActionKind
from domain.model import FormTemplate
from domain.status import FieldKind, ReviewReason
from domain.triage import is_empty_key
from learning.confusions import Confusion, pairs
from learning.dataset import Observation
from store.models import Document, FieldResult, Page, ReviewAction

FINISHED = (DocumentStatus.READ, DocumentStatus.REVIEWED, DocumentStatus.ENTERED)
# copy_mismatch replaces only these (store.copy_checks): the score was auto-accept material
ELIGIBLE_REASONS = (None, ReviewReason.LOW_CONFIDENCE.value, ReviewReason.NOT_CALIBRATED.value,
                    ReviewReason.COPY_MISMATCH.value)


@dataclass(frozen=True)
class PageInfo:
    document_id: int
    template_id: str
    status: str
    alignment_quality: float | None


@dataclass
class Extracted:
    observations: list[Observation] = field(default_factory=list)
    confusions: list[tuple[str, Confusion]] = field(default_factory=list)  # (template:field, pair)
    pages: list[PageInfo] = field(default_factory=list)


def _scope(stmt: Select[Any], since: datetime | None, exclude_batches: Iterable[int],
           statuses: Iterable[DocumentStatus] = FINISHED) -> Select[Any]:
    stmt = stmt.where(Document.status.in_([s.value for s in statuses]))
    if since is not None:
        stmt = stmt.where(Document.received_at >= since)
    excluded = list(exclude_batches)
    if excluded:
        stmt = stmt.where(Document.batch_id.not_in(excluded))
    return stmt


def _text(value_json: str) -> str | None:
    value = json.loads(value_json)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _personal(templates: Mapping[str, FormTemplate], template_id: str, field_id: str, kind: str) -> bool:
    if kind == FieldKind.MY_NUMBER.value:
        return True
    t = templates.get(template_id)
    if t is None:
        return True  # unknown form: treat as personal
    try:
        return t.field(field_id).personal
    except KeyError:
        return True


@dataclass(frozen=True)
class _Decided:
    machine_json: str  # the value before the first staff decision: what the engine read
    final_json: str
    action: str  # the last decision
    actor: str
    at: datetime


def extract(sf: sessionmaker[Session], templates: Mapping[str, FormTemplate], *,
            since: datetime | None = None, exclude_batches: Iterable[int] = ()) -> Extracted:
    """Observations, confusions and page alignment of the finished documents in scope.

    Columns only (no ORM objects), so eight weeks of a busy office fit in memory.
    """
    from store.audits import AuditStore

    excluded = list(exclude_batches)
    out = Extracted()
    personal: dict[tuple[str, str, str], bool] = {}
    audited = AuditStore(sf).audited_labels()  # field result id → the auto-accepted value was right
    with sf() as s, s.begin():
        decided: dict[int, _Decided] = {}
        stmt = (select(ReviewAction.field_result_id, ReviewAction.old_value_json,
                       ReviewAction.new_value_json, ReviewAction.action, ReviewAction.actor, ReviewAction.at)
                .join(FieldResult, ReviewAction.field_result_id == FieldResult.id)
                .join(Page, FieldResult.page_id == Page.id).join(Document, Page.document_id == Document.id)
                .order_by(ReviewAction.id))
        for fid, old, new, action, actor, at in s.execute(_scope(stmt, since, excluded)):
            if actor == EVIDENCE_ACTOR:  # the machine's own confirmation by an ID copy: no label
                continue
            first = decided.get(fid)
            decided[fid] = _Decided(first.machine_json if first else old, new, action, actor, at)
        rows = s.execute(_scope(
            select(FieldResult.id, FieldResult.field_id, FieldResult.kind, FieldResult.raw != "",
                   FieldResult.confidence, FieldResult.reason, FieldResult.issues_json == "[]",
                   FieldResult.calibration, Page.template_id, Page.alignment_quality, Document.id,
                   Document.batch_id)
            .join(Page, FieldResult.page_id == Page.id).join(Document, Page.document_id == Document.id)
            .order_by(FieldResult.id), since, excluded))
        for fr_id, field_id, kind, has_raw, score, reason, clean, version, t, quality, doc_id, batch in rows:
            tid = t or ""
            key = (tid, field_id, kind)
            if key not in personal:
                personal[key] = _personal(templates, tid, field_id, kind)
            kind_key = kind if FieldKind(kind).is_mark or has_raw else f"{kind}:empty"
            d = decided.get(fr_id)
            label = None if d is None else _label(d)
            was_audited = fr_id in audited  # auto-accepted when drawn, whatever its reason now
            if was_audited and label is None:
                label = audited[fr_id]
            if d is not None and label is False and not personal[key] and not is_empty_key(kind_key):
                out.confusions.extend(_confusions(d, f"{tid}:{field_id}", kind))
            out.observations.append(Observation(
                document_id=doc_id, batch_id=batch, template_id=tid, field_id=field_id, kind=kind,
                kind_key=kind_key, score=score,
                eligible=was_audited or (bool(clean) and reason in ELIGIBLE_REASONS),
                was_auto=was_audited or (bool(clean) and reason is None), label=label,
                actor=d.actor if d else None, reviewed_on=d.at.date() if d else None,
                calibration=version, personal=personal[key], alignment_quality=quality,
                audited=was_audited))
        page_rows = s.execute(_scope(
            select(Page.document_id, Page.template_id, Page.status, Page.alignment_quality)
            .join(Document, Page.document_id == Document.id).where(Page.template_id.is_not(None)),
            since, excluded, statuses=DocumentStatus)).all()
        out.pages = [PageInfo(d, t, st, q) for d, t, st, q in page_rows]
    return out


def _label(d: _Decided) -> bool:
    """Right only if staff kept the engine's value; unreadable is a miss."""
    if d.action == ReviewActionKind.UNREADABLE.value:
        return False
    return bool(json.loads(d.final_json) == json.loads(d.machine_json))


def _confusions(d: _Decided, key: str, kind: str) -> list[tuple[str, Confusion]]:
    if d.action == ReviewActionKind.UNREADABLE.value:
        return []
    read, confirmed = _text(d.machine_json), _text(d.final_json)
    if read is None or confirmed is None:
        return []
    return [(key, c) for c in pairs(read, confirmed, kind)]
