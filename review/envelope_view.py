"""The envelope check on the confirmation screen: guessed ID-copy kinds and 書類不備 (issue 19).

Kinds and reasons only: no value read from a copy is put on the screen here.
"""

from __future__ import annotations

import json
from typing import Any

from domain.completeness import check_rows
from domain.crosscheck import AGREEMENT_JA, FIELD_JA, Agreement
from domain.id_copy import SURE, kinds_ja
from domain.status import PageStatus
from review.auth import Ctx


def copy_guesses(ctx: Ctx, doc_id: int) -> dict[int, dict[str, Any]]:
    """Page id → the reader's guess of its copy kind, for the list of unread pages."""
    out: dict[int, dict[str, Any]] = {}
    for p in ctx.repo.pages(doc_id):
        if not p.copy_kind:
            continue
        conf = p.copy_confidence or 0.0
        out[p.id] = {"copy_ja": kinds_ja(p.copy_kind), "copy_confidence": round(conf, 2),
                     "copy_sure": conf >= SURE}
    return out


def deficiency_context(ctx: Ctx, doc_id: int) -> dict[str, Any]:
    """Whether the envelope holds the required copies, and the 不備 reasons in Japanese."""
    doc = ctx.repo.document(doc_id)
    if doc is None:
        return {"applies": False, "reasons": [], "undecided": False}
    rows = [(p.copy_kind, p.copy_confidence) for p in ctx.repo.pages(doc_id)
            if p.status != PageStatus.READ.value]
    result = check_rows(doc.template_id, rows)
    return {"applies": result.applies, "reasons": result.reasons_ja, "undecided": result.undecided,
            "complete": result.complete, "crosscheck": crosscheck_rows(doc.copy_check_json)}


def crosscheck_rows(stored: str | None) -> list[dict[str, Any]]:
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
        rows.append({"label": label, "text": AGREEMENT_JA[agreement],
                     "mismatch": agreement is Agreement.DISAGREE})
    return rows
