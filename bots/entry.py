"""Exactly-once entry of records into a target system, with a failure policy.

Per record (``EntryBot.enter_one``), inside one EntryAttempt row:

1. look the record up in the target by its natural key; if an application is already
   there, read it back: equal → ``already_entered`` (this is how a crash between
   submit and bookkeeping resolves on the next run), different → sent back to a person;
2. otherwise fill the form, go to the confirmation step (the target's validation
   messages → BusinessError → ``rejected``, back to a person with that message),
   screenshot (``before_submit``), save, read the saved record back from a fresh page
   and compare every mapped field (``mismatch`` → a person), screenshot (``after_save``).

ApplicationErrors (timeouts, 5xx, a lost session) are retried with exponential backoff
and a fresh browser context + re-login; after ``breaker`` consecutive failed tries the
run stops (``RunStats.stopped``) and the records not yet reached stay untouched.
Nothing here logs a value: document ids, outcomes and error classes only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from sqlalchemy.orm import Session, sessionmaker

from bots.credentials import Credentials
from bots.mapping import TargetMapping
from bots.pages import DetailScreen, EntryScreen, LoginScreen, SearchScreen, TargetRejected
from bots.records import EntryRecord, same
from bots.session import BotSession
from domain.errors import ApplicationError, BusinessError
from store import entries
from store.files import ContentStore
from store.models import utcnow

log = logging.getLogger(__name__)
ENTERABLE = frozenset({"read", "reviewed"})
NO_KEY_JA = "寄附受付No、または寄附者氏名・寄附年月日・寄附金額が必要です。"
AMBIGUOUS_JA = "複数の寄附が該当します。寄附受付Noで特定してください。"


@dataclass
class Outcome:
    document_id: int
    outcome: str  # entered | already_entered | rejected | mismatch | failed | skipped
    record_id: str | None = None
    message_ja: str | None = None
    tries: int = 1
    evidence: list[dict[str, str]] = field(default_factory=list)


@dataclass
class RunStats:
    outcomes: list[Outcome] = field(default_factory=list)
    retried: int = 0  # tries that failed with an ApplicationError and were retried
    stopped: str | None = None  # why the circuit breaker stopped the run
    seconds: float = 0.0

    def count(self, outcome: str) -> int:
        return sum(o.outcome == outcome for o in self.outcomes)

    def summary(self) -> dict[str, Any]:
        return {"entered": self.count("entered"), "already_entered": self.count("already_entered"),
                "rejected": self.count("rejected") + self.count("mismatch"), "failed": self.count("failed"),
                "retried": self.retried, "stopped": self.stopped, "seconds": round(self.seconds, 2)}


class CircuitOpen(ApplicationError):
    pass


class EntryBot:
    def __init__(self, session: BotSession, mapping: TargetMapping, credentials: Credentials,
                 sf: sessionmaker[Session], files: ContentStore, *, max_retries: int = 4, breaker: int = 5,
                 backoff_s: float = 0.5, verify: bool = True,
                 after_submit: Callable[[EntryRecord], None] | None = None) -> None:
        self.session, self.m, self._creds = session, mapping, credentials
        self.sf, self.files = sf, files
        self.max_retries, self.breaker, self.backoff_s = max_retries, breaker, backoff_s
        self.verify, self.after_submit = verify, after_submit
        self._logged_in = False
        self._consecutive_failures = 0

    # --- run -----------------------------------------------------------------------------
    def run(self, records: Iterable[EntryRecord]) -> RunStats:
        stats, t0 = RunStats(), time.perf_counter()
        for rec in records:
            try:
                stats.outcomes.append(self.enter_one(rec, stats))
            except CircuitOpen as exc:
                stats.outcomes.append(Outcome(rec.document_id, "failed", tries=self.max_retries + 1))
                stats.stopped = str(exc)
                log.error("entry run stopped: %s", exc)
                break
        stats.seconds = time.perf_counter() - t0
        return stats

    def enter_one(self, rec: EntryRecord, stats: RunStats | None = None) -> Outcome:
        if entries.document_status(self.sf, rec.document_id) not in ENTERABLE:
            return Outcome(rec.document_id, "skipped", tries=0)
        attempt = entries.start_attempt(self.sf, rec.document_id, self.m.target)
        evidence: list[dict[str, str]] = []
        tries = 0
        while True:
            tries += 1
            try:
                with self.session.scope(f"doc{rec.document_id}-try{tries}"):
                    outcome, record_id = self._try(rec, evidence)
                self._consecutive_failures = 0
                entries.finish_attempt(self.sf, attempt, outcome, record_id, evidence)
                entries.mark_entered(self.sf, rec.document_id)
                return Outcome(rec.document_id, outcome, record_id, tries=tries, evidence=evidence)
            except BusinessError as exc:
                self._consecutive_failures = 0
                kind = "mismatch" if exc.code == "readback_mismatch" else "rejected"
                entries.finish_attempt(self.sf, attempt, kind, getattr(exc, "record_id", None), evidence)
                entries.send_back(self.sf, rec.document_id, exc.code, exc.message_ja)
                log.warning("document %d %s by the target (%s)", rec.document_id, kind, exc.code)
                return Outcome(rec.document_id, kind, message_ja=exc.message_ja, tries=tries,
                               evidence=evidence)
            except (ApplicationError, PlaywrightError) as exc:
                self._consecutive_failures += 1
                self._logged_in = False
                log.warning("document %d try %d failed: %s", rec.document_id, tries, type(exc).__name__)
                if self._consecutive_failures >= self.breaker:
                    entries.finish_attempt(self.sf, attempt, "failed", None, evidence)
                    raise CircuitOpen(f"{self._consecutive_failures} consecutive failures "
                                      f"(last: {type(exc).__name__})") from None
                if tries > self.max_retries:
                    entries.finish_attempt(self.sf, attempt, "failed", None, evidence)
                    return Outcome(rec.document_id, "failed", tries=tries, evidence=evidence)
                if stats is not None:
                    stats.retried += 1
                time.sleep(min(self.backoff_s * 2 ** (tries - 1), 10.0))
                self.session.new_context()

    # --- one try ---------------------------------------------------------------------------
    def _try(self, rec: EntryRecord, evidence: list[dict[str, str]]) -> tuple[str, str]:
        if not rec.has_key():
            raise TargetRejected(NO_KEY_JA, "no_natural_key")
        page = self.session.page
        if not self._logged_in:
            LoginScreen(page, self.m).login(self._creds)
            self._logged_in = True
        search = SearchScreen(page, self.m)
        matches = search.search(rec)
        if not matches:
            raise TargetRejected("該当する寄附が見つかりません。", "donation_not_found")
        if len(matches) > 1:
            raise TargetRejected(AMBIGUOUS_JA, "donation_ambiguous")
        existing = matches[0].record_ids
        if existing:
            return "already_entered", self._find_existing(rec, existing, evidence)
        search.open_new(matches[0])
        form = EntryScreen(page, self.m)
        form.fill(rec.screen_values())
        form.confirm()
        self._evidence(rec, "before_submit", evidence)
        record_id = form.save()
        if self.after_submit is not None:
            self.after_submit(rec)
        detail = DetailScreen(page, self.m)
        if self.verify:
            detail.reload()
            self._compare(rec, detail.values(), record_id)
        self._evidence(rec, "after_save", evidence)
        return "entered", record_id

    def _find_existing(self, rec: EntryRecord, record_ids: list[str], evidence: list[dict[str, str]]) -> str:
        search = SearchScreen(self.session.page, self.m)
        for n, rid in enumerate(record_ids):
            if n:
                search.search(rec)
            search.open_record(rid)
            try:
                self._compare(rec, DetailScreen(self.session.page, self.m).values(), rid)
            except TargetRejected:
                continue
            self._evidence(rec, "found_existing", evidence)
            return rid
        raise TargetRejected("この寄附には内容の異なる申請が登録済みです。担当者が確認してください。",
                             "existing_differs")

    def _compare(self, rec: EntryRecord, shown: dict[str, str], record_id: str) -> None:
        want = rec.screen_values()
        bad = [label for f, label in self.m.fields.items() if not same(shown.get(label, ""), want[f])]
        if bad:
            err = TargetRejected(f"読み返した登録内容が一致しません（{'、'.join(bad)}）。",
                                 "readback_mismatch")
            err.record_id = record_id  # type: ignore[attr-defined]
            raise err

    def _evidence(self, rec: EntryRecord, kind: str, evidence: list[dict[str, str]]) -> None:
        stored = self.files.put_bytes(self.session.screenshot(), "evidence", ".png")
        prev = evidence[-1]["chain"] if evidence else entries.last_chain(self.sf, rec.document_id)
        evidence.append({"kind": kind, "path": stored.relpath, "sha256": stored.sha256, "prev": prev,
                         "chain": entries.chain_hash(prev, stored.sha256), "at": utcnow().isoformat()})
