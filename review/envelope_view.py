"""The envelope check on the confirmation screen: guessed ID-copy kinds and 書類不備 (issue 19).

Kinds, reasons and image addresses only: no value read from a copy is put on the screen
here. A field the copies contradict gets the address of the copy line's crop
(``review.routes_copies``); a My Number confirmed by a copy is shown as 「カード写しと一致」.
"""

from __future__ import annotations

import json
from typing import Any

from domain.completeness import Rules, check_rows, rules_of
from domain.copy_evidence import EVIDENCE_JA
from domain.crosscheck import AGREEMENT_JA, FIELD_JA, Agreement
from domain.id_copy import SURE, CopyKind, kinds_ja
from domain.status import REVIEW_REASON_JA, PageStatus, ReviewReason
from ocr.reader import usable_templates
from review.auth import Ctx
from store.copy_checks import confirmed_kinds, evidence_fields, where_of

CARD_BOTH = f"{CopyKind.MYNUMBER_FRONT.value}+{CopyKind.MYNUMBER_BACK.value}"


def kind_choices(current: str | None) -> list[tuple[str, str]]:
    """The kinds a person may choose: the reader's guess first, then every kind and the card's two sides."""
    codes = ([current] if current else []) + [k.value for k in CopyKind] + [CARD_BOTH]
    seen: list[str] = []
    for c in codes:
        if c not in seen:
            seen.append(c)
    return [(c, kinds_ja(c)) for c in seen]


def copy_guesses(ctx: Ctx, doc_id: int) -> dict[int, dict[str, Any]]:
    """Page id → the reader's guess of its copy kind, for the list of unread pages."""
    out: dict[int, dict[str, Any]] = {}
    confirmed = confirmed_kinds(ctx.repo.sessions, doc_id)
    for p in ctx.repo.pages(doc_id):
        if p.status == PageStatus.READ.value:
            continue
        conf = p.copy_confidence or 0.0
        by_person = confirmed.get(p.index) == p.copy_kind and bool(p.copy_kind)
        out[p.id] = {"copy_ja": kinds_ja(p.copy_kind) if p.copy_kind else "",
                     "copy_confidence": round(conf, 2), "copy_sure": conf >= SURE,
                     "copy_confirmed": by_person, "kind_choices": kind_choices(p.copy_kind)}
    return out


def copy_rules(ctx: Ctx) -> Rules:
    """Template id → ``required_copies`` of the version the worker reads with (the latest usable
    one, :func:`ocr.reader.usable_templates`), so the screen says what the worker decided."""
    return rules_of(usable_templates(ctx.forms).values())


def deficiency_context(ctx: Ctx, doc_id: int) -> dict[str, Any]:
    """Whether the envelope holds the required copies, and the 不備 reasons in Japanese."""
    doc = ctx.repo.document(doc_id)
    if doc is None:
        return {"applies": False, "reasons": [], "undecided": False}
    rows = [(p.copy_kind, p.copy_confidence) for p in ctx.repo.pages(doc_id)
            if p.status != PageStatus.READ.value]
    result = check_rows(copy_rules(ctx).get(doc.template_id or ""), rows)
    by_copy = evidence_fields(ctx.repo.sessions, doc_id)
    evidence = {f.field_id for f in ctx.repo.fields(doc_id) if f.id in by_copy} if by_copy else set()
    return {"applies": result.applies, "reasons": result.reasons_ja, "undecided": result.undecided,
            "complete": result.complete, "crosscheck": crosscheck_rows(doc.copy_check_json, evidence),
            "copy_lines": copy_lines(doc_id, doc.copy_check_json), "evidence": sorted(evidence),
            "evidence_ja": EVIDENCE_JA, "mismatch_ja": REVIEW_REASON_JA[ReviewReason.COPY_MISMATCH]}


def copy_lines(doc_id: int, stored: str | None) -> dict[str, str]:
    """Field id → address of the crop of the copy line it disagrees with (shown beside its own crop)."""
    try:
        data = json.loads(stored) if stored else {}
    except ValueError:
        return {}
    return {fid: f"/pages/{page_id}/copy-line?doc={doc_id}&field={fid}"
            for fid, (page_id, _) in where_of(stored).items()
            if isinstance(data, dict) and data.get(fid) == Agreement.DISAGREE.value}


def crosscheck_rows(stored: str | None, evidence: set[str] | None = None) -> list[dict[str, Any]]:
    """The form-vs-copy comparison as (項目, 結果) rows; a review hint, no values."""
    try:
        data = json.loads(stored) if stored else {}
    except ValueError:
        return []
    rows = []
    for fid, label in FIELD_JA.items():
        try:
            agreement = Agreement(str(data.get(fid)))
        except ValueError:
            continue
        text = AGREEMENT_JA[agreement]
        if evidence and fid in evidence:
            text = f"{EVIDENCE_JA}（確認済みとして記録）"
        rows.append({"label": label, "text": text, "mismatch": agreement is Agreement.DISAGREE})
    return rows
