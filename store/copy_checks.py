"""The cross-check's consequences in the store, and a person's copy-kind confirmation (issue 19).

:func:`record_located` (the worker, after a reading is saved) in one transaction:

* stores the comparison codes and, per field, *where* the copy's line is (page id and
  box: geometry only) in ``documents.copy_check_json`` (``{"full_name": "disagree", …,
  "where": {"full_name": {"page_id": 7, "box": [x, y, w, h]}}}``);
* sends every field the copies contradict to a person with ``copy_mismatch``
  (「本人確認書類と一致しません」; a field already waiting for a rule's or a policy's reason
  keeps that reason, and the screen shows the mismatch beside it); a ``read`` document
  becomes ``needs_review``;
* with the template's ``my_number_by_evidence`` policy, confirms a My Number the copy
  proves (:func:`domain.copy_evidence.evidence_accepts`) with an audit row (actor
  ``copy-evidence``, reason ``copy_evidence``);
* for the fields in ``accept_fields`` (name, birth date, address whose calibration
  evidence meets the bound, :func:`domain.copy_accept.proven_fields`; never the My
  Number), confirms a field that waits for its score alone when the copy agrees under
  the strict rule (:func:`domain.copy_accept.accept_verdict`: exact, a surely read line,
  a decided kind, no contradiction), with an audit row (actor ``copy-evidence``, reason
  ``copy_agreement``; shown as 「カード写しと一致」);
* a document left with nothing for a person (no field, no undecided page, no missing
  copy) after such acceptances is then ``reviewed``.

:func:`confirm_copy_kind` (the review screen): a person says which ID copy a page is:
an append-only ``page_decisions`` row (``copy_kind``, the kinds' codes as its reason)
and the page's kind set with certainty, so every completeness check (review screen,
不備一覧, the bot's hold) sees it. :func:`reapply_copy_kinds` restores those decisions
after a re-read. Logs carry ids and codes only, never a value.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain.completeness import Rules
from domain.copy_accept import (
    ACCEPT_REASON,
    ScoredLine,
    Verdict,
    accept_verdict,
    copy_may_settle,
    kind_decided,
)
from domain.copy_evidence import (
    EVIDENCE_ACTOR,
    EVIDENCE_REASON,
    MY_NUMBER_FIELD,
    Located,
    evidence_accepts,
)
from domain.crosscheck import Agreement
from domain.errors import BusinessError
from domain.id_copy import CopyKind, parse_kinds
from domain.lifecycle import DocumentStatus, ReviewActionKind, transition
from domain.page_review import PageDecisionKind
from domain.status import FieldStatus, PageStatus, ReviewReason
from store.db import write_transaction
from store.envelopes import missing_copies
from store.models import Document, FieldResult, Page, ReviewAction, utcnow
from store.page_decisions import PageDecision, unresolved_in

log = logging.getLogger(__name__)
S = DocumentStatus
OPEN = frozenset({FieldStatus.AUTO_ACCEPTED.value, FieldStatus.NEEDS_REVIEW.value})
# reasons that only say "the score was not enough": a contradiction by the copy replaces them
SCORE_REASONS = frozenset({None, ReviewReason.LOW_CONFIDENCE.value, ReviewReason.NOT_CALIBRATED.value})
CONFIRMED_CONFIDENCE = 1.0  # a kind a person confirmed


def where_of(stored: str | None) -> dict[str, tuple[int, tuple[int, int, int, int]]]:
    """Field id → (page id, box) of the copy's line, from ``copy_check_json`` (bad data: nothing)."""
    try:
        data = json.loads(stored) if stored else {}
        out = {}
        for fid, w in (data.get("where") or {}).items():
            x, y, bw, bh = (int(v) for v in w["box"])
            out[str(fid)] = (int(w["page_id"]), (x, y, bw, bh))
        return out
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}


def _scored(located: Located, pages: dict[int, Page]) -> list[ScoredLine]:
    """The located lines with their page's kind, as the strict rule reads them (memory only)."""
    out = []
    for ln in located.lines:
        page = pages.get(ln.page_index)
        kinds = page.copy_kind if page is not None else None
        sure = page is not None and page.status != PageStatus.READ.value \
            and kind_decided(kinds, page.copy_confidence)
        out.append(ScoredLine(ln.text, ln.confidence, kinds, sure))
    return out


def record_located(sessions: sessionmaker[Session], document_id: int, located: Located | None,
                   evidence_policy: bool, *, rules: Rules, accept_fields: frozenset[str] = frozenset(),
                   clock: Callable[[], datetime] = utcnow) -> dict[str, int]:
    """See module doc. Counts of what changed: ``mismatch`` fields, ``evidence`` (My Number)
    and ``agreement`` (strict cross-check) acceptances.

    ``rules``: template id → ``required_copies``, to tell whether the envelope is complete;
    ``accept_fields``: the fields the strict cross-check may accept (empty: none).
    """
    counts = {"mismatch": 0, "evidence": 0, "agreement": 0}
    with write_transaction(sessions) as s:
        doc = s.get(Document, document_id, with_for_update=True)
        if doc is None:
            return counts
        if located is None:
            doc.copy_check_json = None
            return counts
        pages = {p.index: p for p in s.scalars(select(Page).where(Page.document_id == document_id))}
        body: dict[str, Any] = located.codes()
        body["where"] = {fid: {"page_id": pages[idx].id, "box": list(box)}
                         for fid, (idx, box) in located.where.items() if idx in pages}
        doc.copy_check_json = json.dumps(body, sort_keys=True)
        fields = {f.field_id: f for f in s.scalars(select(FieldResult).join(Page)
                                                   .where(Page.document_id == document_id))}
        now = clock()
        scored = _scored(located, pages) if accept_fields - {MY_NUMBER_FIELD} else []
        for fid, agreement in located.agreement.items():
            fr = fields.get(fid)
            if fr is None or fr.status not in OPEN:
                continue
            if agreement is Agreement.DISAGREE:
                fr.status = FieldStatus.NEEDS_REVIEW.value
                if fr.reason in SCORE_REASONS:  # a rule's or a policy's reason stays (learning needs it)
                    fr.reason = ReviewReason.COPY_MISMATCH.value
                counts["mismatch"] += 1
            elif fid == MY_NUMBER_FIELD and evidence_policy and fr.status == FieldStatus.NEEDS_REVIEW.value:
                page = pages.get(located.where[fid][0]) if fid in located.where else None
                if page is not None and evidence_accepts(fr.value, agreement, page.copy_kind,
                                                         page.copy_confidence):
                    s.add(ReviewAction(field_result_id=fr.id, actor=EVIDENCE_ACTOR, at=now,
                                       old_value_json=fr.value_json, new_value_json=fr.value_json,
                                       action=ReviewActionKind.CONFIRM.value, reason=EVIDENCE_REASON))
                    fr.status = FieldStatus.CONFIRMED.value
                    counts["evidence"] += 1
            elif fid in accept_fields and fid != MY_NUMBER_FIELD and _waits_for_score(fr) \
                    and accept_verdict(fid, fr.value, agreement, scored) is Verdict.ACCEPT:
                s.add(ReviewAction(field_result_id=fr.id, actor=EVIDENCE_ACTOR, at=now,
                                   old_value_json=fr.value_json, new_value_json=fr.value_json,
                                   action=ReviewActionKind.CONFIRM.value, reason=ACCEPT_REASON))
                fr.status = FieldStatus.CONFIRMED.value
                counts["agreement"] += 1
        s.flush()
        accepted = counts["evidence"] + counts["agreement"]
        if counts["mismatch"] and doc.status == S.READ.value:
            doc.status = transition(doc.status, S.NEEDS_REVIEW).value
        elif accepted and doc.status == S.NEEDS_REVIEW.value and _nothing_left(s, doc, rules):
            doc.status = transition(doc.status, S.REVIEWED).value
        doc.updated_at = now
    if any(counts.values()):
        log.info("document %d: copy cross-check sent %d fields to a person, confirmed %d by evidence, "
                 "%d by exact agreement", document_id, counts["mismatch"], counts["evidence"],
                 counts["agreement"])
    return counts


def _waits_for_score(fr: FieldResult) -> bool:
    """Waits for a person only for what a sure copy settles (:func:`domain.copy_accept.copy_may_settle`:
    the score, or a name its フリガナ did not confirm; no other rule's issue, no policy)."""
    try:
        codes = [str(i.get("code")) for i in json.loads(fr.issues_json or "[]")]
    except (ValueError, AttributeError):
        return False  # unreadable issues: leave the field to a person
    return fr.status == FieldStatus.NEEDS_REVIEW.value and copy_may_settle(fr.reason, codes)


def _nothing_left(s: Session, doc: Document, rules: Rules) -> bool:
    from store.repository import Repository

    if Repository._pending(s, doc.id) or unresolved_in(s, doc.id):
        return False
    return not missing_copies(s, [(doc.id, doc.template_id)], rules)


def evidence_fields(sessions: sessionmaker[Session], document_id: int) -> set[int]:
    """Ids of the document's fields confirmed by a copy: My Number by evidence or the strict
    cross-check (their audit rows say so)."""
    with sessions() as s:
        return set(s.scalars(select(ReviewAction.field_result_id).join(FieldResult).join(Page)
                             .where(Page.document_id == document_id, ReviewAction.actor == EVIDENCE_ACTOR,
                                    ReviewAction.reason.in_([EVIDENCE_REASON, ACCEPT_REASON]))))


def valid_kinds(code: str) -> bool:
    """A kinds code a person may choose: 1-4 known kinds; 白紙 / その他 only alone."""
    parts = code.split("+")
    kinds = parse_kinds(code)
    if not code or len(kinds) != len(parts) or not 1 <= len(kinds) <= 4:
        return False
    return len(kinds) == 1 or not {CopyKind.BLANK, CopyKind.OTHER} & set(kinds)


def confirm_copy_kind(sessions: sessionmaker[Session], document_id: int, page_id: int, kinds: str,
                      actor: str, user_id: int | None, clock: Callable[[], datetime] = utcnow) -> int:
    """A person's kind for an attached page (see module doc); the decision's id."""
    if not valid_kinds(kinds):
        raise BusinessError("unknown copy kind", "書類の種類を一覧から選んでください", "bad_kind")
    with write_transaction(sessions) as s:
        doc = s.get(Document, document_id, with_for_update=True)
        page = s.get(Page, page_id)
        if doc is None or page is None or page.document_id != document_id:
            raise BusinessError(f"page {page_id} is not a page of document {document_id}",
                                "このページはこの書類のページではありません", "wrong_page")
        if doc.status != S.NEEDS_REVIEW.value:
            raise BusinessError(f"document {document_id} is {doc.status}",
                                "この書類は今この操作ができる状態ではありません（画面を開き直してください）",
                                "wrong_status")
        if page.status == PageStatus.READ.value:
            raise BusinessError(f"page {page_id} was read as a form",
                                "このページは既に帳票として読み取られています", "already_read")
        d = PageDecision(document_id=document_id, page_index=page.index,
                         kind=PageDecisionKind.COPY_KIND.value, actor=actor[:100], user_id=user_id,
                         at=clock(), reason=kinds)
        s.add(d)
        page.copy_kind, page.copy_confidence = kinds, CONFIRMED_CONFIDENCE
        s.flush()
        log.info("document %d page %d: copy kind %s confirmed by user %s", document_id, page.index, kinds,
                 user_id)
        return d.id


def confirmed_kinds(sessions: sessionmaker[Session], document_id: int) -> dict[int, str]:
    """Page index → the kinds a person confirmed, where that is the page's latest decision."""
    latest: dict[int, PageDecision] = {}
    with sessions() as s:
        for d in s.scalars(select(PageDecision).where(PageDecision.document_id == document_id)
                           .order_by(PageDecision.id)):
            latest[d.page_index] = d
    return {i: d.reason or "" for i, d in latest.items()
            if d.kind == PageDecisionKind.COPY_KIND.value and d.reason}


def reapply_copy_kinds(sessions: sessionmaker[Session], document_id: int) -> int:
    """After a re-read: the pages a person confirmed keep that kind (the reader's guess yields)."""
    kinds = confirmed_kinds(sessions, document_id)
    if not kinds:
        return 0
    n = 0
    with write_transaction(sessions) as s:
        for page in s.scalars(select(Page).where(Page.document_id == document_id,
                                                 Page.index.in_(list(kinds)))):
            if page.status != PageStatus.READ.value:
                page.copy_kind, page.copy_confidence = kinds[page.index], CONFIRMED_CONFIDENCE
                n += 1
    return n
