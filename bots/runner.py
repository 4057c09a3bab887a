"""Compose and run an entry: settings/arguments → BotSession + EntryBot, and store → records."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bots.credentials import Credentials
from bots.entry import EntryBot, RunStats
from bots.mapping import TargetMapping
from bots.records import EntryRecord
from bots.session import BotSession
from store.files import ContentStore
from store.models import Document, FieldResult, Page

ONESTOP_TEMPLATES = ("onestop_2022", "onestop_legacy")
# template field id -> EntryRecord field (natural key: 整理番号 is the 寄附受付No in the demo)
_FROM_FORM = {"reference_no": "receipt_no", "full_name": "full_name", "full_name_kana": "full_name_kana",
              "address": "address", "phone": "phone", "birth_date": "birth_date", "my_number": "my_number",
              "submitted_on": "submitted_on", "donation_date": "donation_date", "amount": "amount"}


def run_entry(records: list[EntryRecord], *, base_url: str, mapping: TargetMapping, credentials: Credentials,
              sf: sessionmaker[Session], files: ContentStore, failures_dir: Path, headless: bool = True,
              timeout_ms: int = 10000, max_retries: int = 4, breaker: int = 5, backoff_s: float = 0.5,
              verify: bool = True, trace: bool = True,
              after_submit: Callable[[EntryRecord], None] | None = None) -> RunStats:
    """One browser session (the target may allow one only), records in order."""
    with BotSession(base_url, failures_dir, headless=headless, timeout_ms=timeout_ms, trace=trace) as session:
        bot = EntryBot(session, mapping, credentials, sf, files, max_retries=max_retries, breaker=breaker,
                       backoff_s=backoff_s, verify=verify, after_submit=after_submit)
        return bot.run(records)


def records_from_store(sf: sessionmaker[Session],
                       limit: int | None = None) -> tuple[list[EntryRecord], list[int]]:
    """EntryRecords of read/reviewed one-stop documents; also the ids that could not be built.

    The donor is the applicant, so a document without a 整理番号 is looked up by its name,
    donation date and amount.
    """
    with sf() as s:
        q = (select(Document.id).where(Document.status.in_(("read", "reviewed")),
                                       Document.template_id.in_(ONESTOP_TEMPLATES)).order_by(Document.id))
        ids = list(s.scalars(q.limit(limit) if limit else q))
        rows = s.execute(select(Page.document_id, FieldResult.field_id, FieldResult.value_json)
                         .join(FieldResult, FieldResult.page_id == Page.id)
                         .where(Page.document_id.in_(ids))).all()
    values: dict[int, dict[str, Any]] = {i: {} for i in ids}
    for doc_id, field_id, value_json in rows:
        if field_id in _FROM_FORM:
            values[doc_id][_FROM_FORM[field_id]] = json.loads(value_json)
    records, unusable = [], []
    for doc_id, v in values.items():
        v["donor_name"] = v.get("full_name")
        if v.get("amount") is not None:
            v["amount"] = int(v["amount"])
        for k in ("birth_date", "submitted_on", "donation_date"):
            if isinstance(v.get(k), dict) and "iso" in v[k]:
                v[k] = v[k]["iso"]
        try:
            records.append(EntryRecord(document_id=doc_id, **{k: x for k, x in v.items() if x is not None}))
        except ValueError:
            unusable.append(doc_id)  # a field is missing or unusable: ids only, no values
    return records, unusable

