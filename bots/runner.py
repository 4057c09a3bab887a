"""Compose and run an entry: settings/arguments → BotSession + EntryBot, and store → records."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bots.credentials import Credentials
from bots.entry import EntryBot, RunStats
from bots.session import BotSession
from bots.target_files import LoadedTarget
from bots.values import FieldRecord, Record
from domain.completeness import Rules
from store.envelopes import missing_copies
from store.files import ContentStore
from store.models import Document, FieldResult, Page


def run_entry(records: Iterable[Record], *, base_url: str, target: LoadedTarget, credentials: Credentials,
              sf: sessionmaker[Session], files: ContentStore, failures_dir: Path, headless: bool = True,
              timeout_ms: int = 10000, max_retries: int = 4, breaker: int = 5, backoff_s: float = 0.5,
              verify: bool = True, trace: bool = True,
              after_submit: Callable[[Record], None] | None = None) -> RunStats:
    """One browser session (the target may allow one only), records in order."""
    with BotSession(base_url, failures_dir, headless=headless, timeout_ms=timeout_ms, trace=trace) as session:
        bot = EntryBot(session, target, credentials, sf, files, max_retries=max_retries, breaker=breaker,
                       backoff_s=backoff_s, verify=verify, after_submit=after_submit)
        return bot.run(records)


def _plain(v: Any) -> Any:
    return v["iso"] if isinstance(v, dict) and "iso" in v else v


def records_from_store(sf: sessionmaker[Session], target: LoadedTarget, limit: int | None = None, *,
                       rules: Rules) -> tuple[list[FieldRecord], list[int]]:
    """Records of read/reviewed documents of the templates the target takes; also the unusable ids.

    A record field comes from the template field ``takes.fields`` names (default: the same
    id). A document missing a ``takes.required`` field, or with no complete ``takes.keys``
    set, is unusable (ids only, no values); so is one whose envelope lacks a required ID
    copy (書類不備, :func:`missing_copies`; ``rules``: template id → ``required_copies``).
    """
    takes = target.target.takes
    with sf() as s:
        q = (select(Document.id, Document.template_id)
             .where(Document.status.in_(("read", "reviewed")), Document.template_id.in_(takes.templates))
             .order_by(Document.id))
        docs = list(s.execute(q.limit(limit) if limit else q))
        rows = s.execute(select(Page.document_id, FieldResult.field_id, FieldResult.value_json)
                         .join(FieldResult, FieldResult.page_id == Page.id)
                         .where(Page.document_id.in_([d[0] for d in docs]))).all()
        deficient = missing_copies(s, docs, rules)  # 書類不備: held back from the bot (issue 19)
    raw: dict[int, dict[str, Any]] = {d[0]: {} for d in docs}
    for doc_id, field_id, value_json in rows:
        raw[doc_id][field_id] = _plain(json.loads(value_json))
    records, unusable = [], []
    for doc_id, template_id in docs:
        if doc_id in deficient:
            unusable.append(doc_id)
            continue
        src = raw[doc_id]
        values = {k: v for k, v in src.items() if v not in (None, "")}
        for rec_field, tpl_field in takes.fields.items():
            if src.get(tpl_field) not in (None, ""):
                values[rec_field] = src[tpl_field]
        complete = all(values.get(f) not in (None, "") for f in takes.required)
        keyed = not takes.keys or any(all(values.get(f) not in (None, "") for f in ks) for ks in takes.keys)
        if complete and keyed:
            records.append(FieldRecord(doc_id, str(template_id), values))
        else:
            unusable.append(doc_id)
    return records, unusable
