"""書類不備: envelopes without the required ID copies (issue 19), for the report and the 不備一覧.

* :func:`deficiencies`: one row per document whose template needs ID copies
  (:mod:`domain.completeness`) and whose copies do not satisfy the rule, or cannot be
  decided without a person;
* :func:`report_sections`: a per-batch count for the operations report;
* :func:`write_deficiency_list`: the 不備一覧 CSV (UTF-8 with BOM) clerks use for their
  不備連絡: 受付番号, 書類, 氏名 (the form's reading; staff need it to write to the
  person), 不備の内容. The file is personal data like any export: nothing of it is logged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain.completeness import Rules, check_rows
from domain.status import PageStatus

NAME_FIELD = "full_name"
SKIP_STATUSES = ("split", "quarantined", "duplicate")


@dataclass(frozen=True)
class Deficient:
    document_id: int
    batch_id: int
    source_name: str
    name: str
    reasons: list[str]
    undecided: bool


def deficiencies(sf: sessionmaker[Session], rules: Rules) -> list[Deficient]:
    """Documents whose envelope lacks a required copy (or needs a person to tell).

    ``rules``: template id → its ``required_copies`` (forms.copy_rules); other templates'
    documents are never listed.
    """
    return _scan(sf, rules)[0]


def unchecked(sf: sessionmaker[Session], rules: Rules) -> int:
    """Documents whose template needs ID copies but that carry no copy page at all.

    The same rule as the bot's hold (:func:`store.envelopes.missing_copies`): with no copy
    recorded, the check has nothing to judge (copies scanned apart from the form, or a
    document read before the check existed), so such a document is neither listed as 不備
    nor held back; the report counts it so nobody takes the list for complete.
    """
    return _scan(sf, rules)[1]


def _scan(sf: sessionmaker[Session], rules: Rules) -> tuple[list[Deficient], int]:
    from store.models import Document, FieldResult, Page

    with sf() as s:
        docs = s.execute(select(Document.id, Document.batch_id, Document.source_name, Document.template_id,
                                Document.parent_id)
                         .where(Document.status.not_in(SKIP_STATUSES), Document.template_id.is_not(None))
                         .order_by(Document.id)).all()
        ids = [d[0] for d in docs]
        pages = s.execute(select(Page.document_id, Page.status, Page.copy_kind, Page.copy_confidence)
                          .where(Page.document_id.in_(ids))).all()
        names: dict[int, str] = {
            doc_id: value for doc_id, value in s.execute(
                select(Page.document_id, FieldResult.value_json)
                .join(FieldResult, FieldResult.page_id == Page.id)
                .where(Page.document_id.in_(ids), FieldResult.field_id == NAME_FIELD))}
    rows: dict[int, list[tuple[str | None, float | None]]] = {i: [] for i in ids}
    for doc_id, status, kind, conf in pages:
        if status != PageStatus.READ.value:
            rows[doc_id].append((kind, conf))
    out, not_checked = [], 0
    for doc_id, batch_id, source_name, template_id, parent_id in docs:
        if template_id not in rules:
            continue  # the template requires no copies: never 不備
        if parent_id is None and not any(kind for kind, _ in rows[doc_id]):
            not_checked += 1
            continue
        result = check_rows(rules[template_id], rows[doc_id])
        if result.complete:
            continue
        name = json.loads(names[doc_id]) if doc_id in names else None
        out.append(Deficient(doc_id, batch_id, source_name, str(name or ""), result.reasons_ja,
                             result.undecided))
    return out, not_checked


def report_sections(sf: sessionmaker[Session], rules: Rules
                    ) -> tuple[list[tuple[str, pd.DataFrame]], list[str]]:
    """書類不備 per batch (counts only) for the operations report, and a note."""
    found, not_checked = _scan(sf, rules)
    unseen = ([f"本人確認書類の写しのページが1枚も読み取られていない書類 {not_checked} 件は、"
               "不備の判定をしていません（写しを別にスキャンした場合など）。ロボット入力も止めていません。"]
              if not_checked else [])
    if not found:
        return [], ["書類不備（本人確認書類の写しの不足）の書類はありません。", *unseen]
    frame = pd.DataFrame([{"バッチ": d.batch_id, "不備": int(not d.undecided), "要確認": int(d.undecided)}
                          for d in found]).groupby("バッチ").sum().reset_index()
    note = (f"書類不備: {sum(not d.undecided for d in found)} 件、添付書類の種類が判定できず要確認: "
            f"{sum(d.undecided for d in found)} 件（不備一覧 CSV に受付番号と不備の内容があります）。")
    return [("書類不備（本人確認書類）", frame)], [note, *unseen]


def write_deficiency_list(sf: sessionmaker[Session], path: Path, rules: Rules) -> Path:
    """The 不備一覧 CSV (UTF-8 with BOM, CRLF, formula-safe)."""
    from reports.export import write_csv_utf8

    frame = pd.DataFrame([{"受付番号": d.document_id, "書類": d.source_name, "氏名": d.name,
                           "不備の内容": "／".join(d.reasons)} for d in deficiencies(sf, rules)],
                         columns=["受付番号", "書類", "氏名", "不備の内容"])
    return write_csv_utf8(frame, path)
