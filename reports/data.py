"""Readings from the work store as pandas DataFrames, and which forms count.

The only module of ``reports`` that touches the store (:func:`load_fields`,
:func:`load_activity`); everything else takes the DataFrames built here.
:func:`frame_from_readings` builds the same field frame from ``PageReading`` objects
(tests, benchmarks) without a database.

**Which forms count** (the rule a city expects: every table of a report adds up to the
same number of forms). A *form* is one filled copy of a template: the pages of one
document that belong to the template, a new form starting whenever the page number
goes back (a stack of surveys scanned into one PDF gives several forms). A form
counts only when nothing about it waits for a person:

* every field is settled: ``auto_accepted``, ``confirmed`` or ``corrected``, or
  ``unreadable`` *after* staff said so (a ReviewAction exists; the value stays empty,
  so a survey counts it as 無回答);
* its document is ``read``, ``reviewed`` or ``entered`` (a document still in review,
  e.g. with a page that could not be identified, keeps all its forms out);
* every field of the template is present (no missing page).

Otherwise the whole form is excluded, with one reason (first that applies, in the
order of :class:`Exclusion`); reports state how many forms were excluded and why.
Counting a pending form's settled fields would give each question a different total
and cross-tabulations that do not add up.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from domain.lifecycle import DocumentStatus, status_after_reading
from domain.model import FormTemplate, PageReading
from domain.status import FieldStatus

SETTLED = frozenset({FieldStatus.AUTO_ACCEPTED.value, FieldStatus.CONFIRMED.value,
                     FieldStatus.CORRECTED.value})
DONE = frozenset({DocumentStatus.READ.value, DocumentStatus.REVIEWED.value, DocumentStatus.ENTERED.value})
IN_REVIEW = frozenset({DocumentStatus.NEEDS_REVIEW.value})
FIELD_COLUMNS = ["document_id", "batch_id", "source_name", "doc_status", "received_at", "page_index",
                 "page_status", "template_id", "template_version", "page_number", "field_result_id",
                 "field_id", "kind", "value", "status", "issues", "acted"]
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Exclusion(StrEnum):
    """Why a form is left out of reports and exports (codes; Japanese in EXCLUSION_JA)."""

    NOT_READ = "not_read"  # document queued for (re-)reading, or failed
    PENDING_FIELDS = "pending_fields"  # a field waits for staff
    DOCUMENT_IN_REVIEW = "document_in_review"  # the document waits for staff (e.g. a page)
    INCOMPLETE = "incomplete"  # a page of the form is missing


EXCLUSION_JA: dict[Exclusion, str] = {
    Exclusion.NOT_READ: "読み取りが完了していない",
    Exclusion.PENDING_FIELDS: "職員の確認待ちの項目がある",
    Exclusion.DOCUMENT_IN_REVIEW: "書類に確認待ちのページがある",
    Exclusion.INCOMPLETE: "帳票のページが揃っていない",
}


def load_fields(sf: sessionmaker[Session], template_ids: Collection[str] | None = None) -> pd.DataFrame:
    """Every field row of pages read as a template (one query), as :data:`FIELD_COLUMNS`."""
    from store.models import Document, FieldResult, Page, ReviewAction

    acted = exists().where(ReviewAction.field_result_id == FieldResult.id).correlate(FieldResult)
    stmt = (select(Document.id, Document.batch_id, Document.source_name, Document.status,
                   Document.received_at, Page.index, Page.status, Page.template_id,
                   Page.template_version, Page.page_number, FieldResult.id, FieldResult.field_id,
                   FieldResult.kind, FieldResult.value_json, FieldResult.status,
                   FieldResult.issues_json, acted.label("acted"))
            .join(Page, Page.document_id == Document.id)
            .join(FieldResult, FieldResult.page_id == Page.id)
            .where(Page.template_id.is_not(None))
            .order_by(Document.id, Page.index, FieldResult.id))
    if template_ids is not None:
        stmt = stmt.where(Page.template_id.in_(list(template_ids)))
    with sf() as s:
        rows = s.execute(stmt).all()
    records = [(*r[:13], json.loads(r[13]), r[14], _issue_codes(r[15]), bool(r[16])) for r in rows]
    return _frame(records)


def _issue_codes(issues_json: str) -> tuple[str, ...]:
    if issues_json == "[]":
        return ()
    return tuple(str(i.get("code")) for i in json.loads(issues_json))


def _frame(records: list[tuple[Any, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=FIELD_COLUMNS)
    for col in ("value", "issues"):  # keep Python objects (None, lists, tuples) as they are
        frame[col] = pd.Series([r[FIELD_COLUMNS.index(col)] for r in records], dtype=object)
    return frame


@dataclass(frozen=True)
class DocumentInput:
    """One document's reading, for :func:`frame_from_readings` (tests, benchmarks)."""

    document_id: int
    pages: Sequence[PageReading]
    source_name: str = ""
    status: str | None = None  # default: what the store would set after this reading
    batch_id: int = 1
    received_at: datetime = _EPOCH
    acted: frozenset[str] = field(default_factory=frozenset)  # field ids staff acted on


def frame_from_readings(docs: Iterable[DocumentInput]) -> pd.DataFrame:
    """The frame :func:`load_fields` would return after saving these readings."""
    records: list[tuple[Any, ...]] = []
    n = 0
    for d in docs:
        status = d.status or status_after_reading(list(d.pages)).value
        for p in sorted(d.pages, key=lambda p: p.index):
            if p.template_id is None:
                continue
            for f in p.fields:
                n += 1
                value = f.model_dump(mode="json", include={"value"})["value"]
                records.append((d.document_id, d.batch_id, d.source_name, status, d.received_at,
                                p.index, p.status.value, p.template_id, p.template_version,
                                p.page_number, n, f.field_id, f.kind.value, value, f.status.value,
                                tuple(i.code.value for i in f.issues), f.field_id in d.acted))
    return _frame(records)


@dataclass(frozen=True)
class Forms:
    """The forms of one template: one row per form, columns in template field order.

    ``meta``: document_id, form_seq (1 = first form of the document), source_name,
    template_id, template_version, batch_id, received_at, doc_status, excluded
    (an :class:`Exclusion` value, or None when the form counts). ``values`` /
    ``status`` / ``issues``: field id → stored value / FieldStatus / issue codes.
    """

    template: FormTemplate
    meta: pd.DataFrame
    values: pd.DataFrame
    status: pd.DataFrame
    issues: pd.DataFrame

    @property
    def included(self) -> Forms:
        keep = self.meta["excluded"].isna().to_numpy()
        return Forms(self.template, self.meta[keep], self.values[keep], self.status[keep], self.issues[keep])

    @property
    def total(self) -> int:
        return len(self.meta)

    def excluded_counts(self) -> dict[Exclusion, int]:
        counts = self.meta["excluded"].dropna().value_counts()
        return {e: int(counts.get(e.value, 0)) for e in Exclusion if counts.get(e.value, 0)}


def build_forms(fields: pd.DataFrame, template: FormTemplate) -> Forms:
    """Group a field frame's rows of ``template`` into forms and decide which count."""
    ids = [f.id for f in template.fields]
    f = fields[fields["template_id"] == template.id]
    if f.empty:
        f = pd.DataFrame({c: pd.Series(dtype=object) for c in FIELD_COLUMNS})
    pages = (f[["document_id", "page_index", "page_number"]].drop_duplicates()
             .sort_values(["document_id", "page_index"]))
    prev = pages.groupby("document_id")["page_number"].shift()
    start = (prev.isna() | (pages["page_number"] <= prev)).astype(int)
    pages = pages.assign(form_seq=start.groupby(pages["document_id"]).cumsum())
    f = f.merge(pages[["document_id", "page_index", "form_seq"]], on=["document_id", "page_index"])
    key = ["document_id", "form_seq"]
    meta = (f.groupby(key, sort=True)
            .agg(source_name=("source_name", "first"), template_id=("template_id", "first"),
                 template_version=("template_version", "first"), batch_id=("batch_id", "first"),
                 received_at=("received_at", "first"), doc_status=("doc_status", "first"))
            .reset_index())
    index = pd.MultiIndex.from_frame(meta[key])

    def wide(col: str) -> pd.DataFrame:
        out = f.pivot(index=key, columns="field_id", values=col).reindex(index=index, columns=ids)
        return out.astype(object)

    status = wide("status")
    values = wide("value").where(status.notna(), None)
    issues = wide("issues").where(status.notna(), None)  # None: the field is missing
    acted = wide("acted").isin([True])
    pending = ((status == FieldStatus.NEEDS_REVIEW.value)
               | ((status == FieldStatus.UNREADABLE.value) & ~acted)).any(axis=1).to_numpy()
    missing = status.isna().any(axis=1).to_numpy()
    doc_status = meta["doc_status"].to_numpy()
    not_read = ~np.isin(doc_status, list(DONE | IN_REVIEW))
    in_review = np.isin(doc_status, list(IN_REVIEW))
    excluded = np.select([not_read, pending, in_review, missing],
                         [e.value for e in Exclusion], default="")
    meta["excluded"] = pd.Series([e or None for e in excluded], dtype=object, index=meta.index)
    meta.index = index
    return Forms(template, meta, values, status, issues)


def forms_by_template(fields: pd.DataFrame, templates: dict[str, FormTemplate]) -> dict[str, Forms]:
    """:func:`build_forms` for every template that has rows in ``fields``."""
    present = set(fields["template_id"].dropna().unique())
    return {tid: build_forms(fields, t) for tid, t in sorted(templates.items()) if tid in present}


@dataclass(frozen=True)
class Activity:
    """What the operations report needs (one row per page / field / review / entry)."""

    batches: pd.DataFrame  # batch_id, name, created_at
    documents: pd.DataFrame  # document_id, batch_id, received_at, doc_status
    pages: pd.DataFrame  # document_id, batch_id, received_at, doc_status, page_status, template_id,
    #                      page_number (from the store also page_index, decision: latest page decision)
    fields: pd.DataFrame  # document_id, batch_id, received_at, kind, status
    reviews: pd.DataFrame  # batch_id, kind, actor, at, action
    entries: pd.DataFrame  # batch_id, started_at, outcome


def load_activity(sf: sessionmaker[Session]) -> Activity:
    """Batches, pages, fields, review actions and bot entry attempts (ids and codes only)."""
    from domain.copy_evidence import EVIDENCE_ACTOR
    from store.models import Batch, Document, EntryAttempt, FieldResult, Page, ReviewAction

    with sf() as s:
        batches = s.execute(select(Batch.id, Batch.name, Batch.created_at).order_by(Batch.id)).all()
        documents = s.execute(select(Document.id, Document.batch_id, Document.received_at,
                                     Document.status)).all()
        pages = s.execute(select(Page.document_id, Document.batch_id, Document.received_at,
                                 Document.status, Page.status, Page.template_id, Page.page_number,
                                 Page.index)
                          .join(Document, Document.id == Page.document_id)).all()
        fields = s.execute(select(Page.document_id, Document.batch_id, Document.received_at,
                                  FieldResult.kind, FieldResult.status)
                           .join(Page, Page.id == FieldResult.page_id)
                           .join(Document, Document.id == Page.document_id)).all()
        reviews = s.execute(select(Document.batch_id, FieldResult.kind, ReviewAction.actor,
                                   ReviewAction.at, ReviewAction.action)
                            .join(FieldResult, FieldResult.id == ReviewAction.field_result_id)
                            .join(Page, Page.id == FieldResult.page_id)
                            .join(Document, Document.id == Page.document_id)
                            # staff work only: an ID copy's confirmation is the machine's
                            .where(ReviewAction.actor != EVIDENCE_ACTOR)).all()
        entries = s.execute(select(Document.batch_id, EntryAttempt.started_at, EntryAttempt.outcome)
                            .join(Document, Document.id == EntryAttempt.document_id)).all()
    return Activity(
        batches=pd.DataFrame(batches, columns=["batch_id", "name", "created_at"]),
        documents=pd.DataFrame(documents, columns=["document_id", "batch_id", "received_at", "doc_status"]),
        pages=_with_decisions(sf, pd.DataFrame(pages, columns=[
            "document_id", "batch_id", "received_at", "doc_status", "page_status", "template_id",
            "page_number", "page_index"])),
        fields=pd.DataFrame(fields, columns=["document_id", "batch_id", "received_at", "kind", "status"]),
        reviews=pd.DataFrame(reviews, columns=["batch_id", "kind", "actor", "at", "action"]),
        entries=pd.DataFrame(entries, columns=["batch_id", "started_at", "outcome"]),
    )



def _with_decisions(sf: sessionmaker[Session], pages: pd.DataFrame) -> pd.DataFrame:
    """``decision``: the kind of each page's latest page decision (None: nobody decided)."""
    from store.page_decisions import PageDecisionStore

    latest = PageDecisionStore(sf).latest_kinds()
    keys = zip(pages["document_id"], pages["page_index"], strict=True)
    return pages.assign(decision=pd.Series([latest.get((int(d), int(i))) for d, i in keys],
                                           index=pages.index, dtype=object))
