"""Exactly-once entry of records into a target system, with a failure policy (the safety core).

The target file (``bots.scenario``) says *what* to do on each screen; this module says what
happens around it, the same for YAML and adapter steps. Per record (``EntryBot.enter_one``),
inside one EntryAttempt row:

1. look the record up in the target (``bots.lookup``); if a record is already there, read it
   back: equal → ``already_entered`` (this is how a crash between save and bookkeeping
   resolves on the next run), different → sent back to a person;
2. otherwise run the entry screens, screenshot (``before_submit``) just before the save
   step, save, take the record id, read the saved record back from a fresh page load and
   compare every read-back field (``mismatch`` → a person), screenshot (``after_save``).

Failure classes (``bots.errors``): a BusinessError (the site's own validation message, a
record the look-up cannot place) sends the record back with that message and the run goes
on; ApplicationErrors (timeouts, 5xx, a lost session) are retried with exponential backoff
and a fresh browser context + re-login, and after ``breaker`` consecutive failed tries the
run stops; a TargetConfigError or LoginRefused stops the run at once (``RunStats.stopped``)
and sends nothing back. Nothing here logs a value: document ids, outcomes, error classes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from sqlalchemy.orm import Session, sessionmaker

from bots import lookup
from bots.credentials import Credentials
from bots.driver import Driver
from bots.errors import LoginRefused, TargetConfigError, TargetRejected
from bots.session import BotSession
from bots.target_files import LoadedTarget
from bots.values import Record, evaluate, same
from domain.errors import ApplicationError, BusinessError
from store import entries
from store.models import utcnow

log = logging.getLogger(__name__)
ENTERABLE = frozenset({"read", "reviewed"})
BREAKER_JA = "基幹システムへの接続に連続して失敗したため停止しました。"


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
    stopped: str | None = None  # why the run stopped early (English, no values)
    stop_kind: str | None = None  # config | login | breaker
    stop_message_ja: str | None = None  # for staff: screen and label of a configuration error
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds in login / lookup / entry / readback

    def count(self, outcome: str) -> int:
        return sum(o.outcome == outcome for o in self.outcomes)

    def summary(self) -> dict[str, Any]:
        return {"entered": self.count("entered"), "already_entered": self.count("already_entered"),
                "rejected": self.count("rejected") + self.count("mismatch"), "failed": self.count("failed"),
                "retried": self.retried, "stopped": self.stopped, "stop_kind": self.stop_kind,
                "stop_message_ja": self.stop_message_ja, "seconds": round(self.seconds, 2)}


class CircuitOpen(ApplicationError):
    pass


class RunStop(Exception):
    """Stops the run: configuration error, refused login or open circuit."""

    def __init__(self, kind: str, reason: str, message_ja: str | None) -> None:
        super().__init__(reason)
        self.kind, self.message_ja = kind, message_ja


class EntryBot:
    def __init__(self, session: BotSession, target: LoadedTarget, credentials: Credentials,
                 sf: sessionmaker[Session], files: Any, *, max_retries: int = 4, breaker: int = 5,
                 backoff_s: float = 0.5, verify: bool = True,
                 after_submit: Callable[[Record], None] | None = None) -> None:
        self.session, self.loaded, self.t, self._creds = session, target, target.target, credentials
        self.sf, self.files = sf, files
        self.max_retries, self.breaker, self.backoff_s = max_retries, breaker, backoff_s
        self.verify, self.after_submit = verify, after_submit
        self._logged_in = False
        self._consecutive_failures = 0
        self.phases: dict[str, float] = {}
        self._proven: set[str] = set()  # autocompletes that offered candidates in this run
        self._t = time.perf_counter()

    def _phase(self, name: str) -> None:
        """Book the time since the last mark to ``name`` (bench: the cost of the exactly-once look-up)."""
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self._t
        self._t = now

    def driver(self) -> Driver:
        return Driver(self.session.page, self.t, base_dir=self.loaded.base_dir,
                      locate_ms=self.session.timeout_ms, proven=self._proven)

    # --- run -----------------------------------------------------------------------------
    def run(self, records: Iterable[Record]) -> RunStats:
        stats, t0 = RunStats(), time.perf_counter()
        for rec in records:
            try:
                stats.outcomes.append(self.enter_one(rec, stats))
            except RunStop as stop:
                stats.outcomes.append(Outcome(rec.document_id, "failed", message_ja=stop.message_ja))
                stats.stopped, stats.stop_kind, stats.stop_message_ja = str(stop), stop.kind, stop.message_ja
                log.error("entry run stopped (%s): %s", stop.kind, stop)
                break
        stats.seconds = time.perf_counter() - t0
        stats.phases = {k: round(v, 3) for k, v in self.phases.items()}
        return stats

    def enter_one(self, rec: Record, stats: RunStats | None = None) -> Outcome:
        if entries.document_status(self.sf, rec.document_id) not in ENTERABLE:
            return Outcome(rec.document_id, "skipped", tries=0)
        attempt = entries.start_attempt(self.sf, rec.document_id, self.t.target)
        evidence: list[dict[str, str]] = []
        tries = 0
        while True:
            tries += 1
            try:
                with self.session.scope(f"doc{rec.document_id}-try{tries}"):
                    outcome, record_id = self._try(rec, evidence)
                self._consecutive_failures = 0
                entries.finish_attempt(self.sf, attempt, outcome, record_id, evidence)
                booked = entries.mark_entered(self.sf, rec.document_id)
                note = None if booked else entries.ENTERED_MEANWHILE_JA
                return Outcome(rec.document_id, outcome, record_id, tries=tries, evidence=evidence,
                               message_ja=note)
            except BusinessError as exc:
                self._consecutive_failures = 0
                kind = "mismatch" if exc.code == "readback_mismatch" else "rejected"
                entries.finish_attempt(self.sf, attempt, kind, getattr(exc, "record_id", None), evidence)
                entries.send_back(self.sf, rec.document_id, exc.code, exc.message_ja)
                log.warning("document %d %s by the target (%s)", rec.document_id, kind, exc.code)
                return Outcome(rec.document_id, kind, message_ja=exc.message_ja, tries=tries,
                               evidence=evidence)
            except TargetConfigError as exc:
                entries.finish_attempt(self.sf, attempt, "failed", None, evidence)
                raise RunStop("config", str(exc), exc.message_ja) from None
            except LoginRefused as exc:
                entries.finish_attempt(self.sf, attempt, "failed", None, evidence)
                raise RunStop("login", str(exc), exc.message_ja) from None
            except (ApplicationError, PlaywrightError) as exc:
                self._consecutive_failures += 1
                self._logged_in = False
                log.warning("document %d try %d failed: %s", rec.document_id, tries, type(exc).__name__)
                if self._consecutive_failures >= self.breaker:
                    entries.finish_attempt(self.sf, attempt, "failed", None, evidence)
                    reason = (f"{self._consecutive_failures} consecutive failures "
                              f"(last: {type(exc).__name__})")
                    raise RunStop("breaker", reason, BREAKER_JA) from None
                if tries > self.max_retries:
                    entries.finish_attempt(self.sf, attempt, "failed", None, evidence)
                    return Outcome(rec.document_id, "failed", tries=tries, evidence=evidence)
                if stats is not None:
                    stats.retried += 1
                time.sleep(min(self.backoff_s * 2 ** (tries - 1), 10.0))
                self.session.new_context()

    # --- one try ---------------------------------------------------------------------------
    def _try(self, rec: Record, evidence: list[dict[str, str]]) -> tuple[str, str]:
        values = rec.data()
        d = self.driver()
        lookup.choose_search(d, values)  # no natural key: back to staff before touching the site
        self._phase("other")
        if not self._logged_in:
            d.login(self._creds)
            self._logged_in = True
            self._phase("login")
        rows = lookup.search(d, values)
        existing = lookup.existing(d, rows)
        if existing:
            return "already_entered", self._find_existing(d, values, existing, rec, evidence)
        self._phase("lookup")
        lookup.open_new(d, rows)
        for screen in self.t.entry:
            d.run_steps(screen.steps, values, screen.name,
                        before_save=lambda: self._evidence(rec, "before_submit", evidence))
        record_id = d.record_id()
        if self.after_submit is not None:
            self.after_submit(rec)
        self._phase("entry")
        if self.verify:
            d.reload()
            self._compare(d, values, record_id)
        self._evidence(rec, "after_save", evidence)
        self._phase("readback")
        return "entered", record_id

    def _find_existing(self, d: Driver, values: dict[str, Any], found: list[tuple[str, str]], rec: Record,
                       evidence: list[dict[str, str]]) -> str:
        for rid, href in found:
            d.goto(href)
            try:
                self._compare(d, values, rid)
            except TargetRejected:
                continue
            self._evidence(rec, "found_existing", evidence)
            return rid
        raise TargetRejected("内容の異なる申請が登録済みです。担当者が確認してください。", "existing_differs")

    def _compare(self, d: Driver, values: dict[str, Any], record_id: str) -> None:
        shown = d.read_back()
        bad = []
        for f in self.t.readback.fields:
            want = evaluate(values, f.value, f.const, f.map)
            if not same(shown[f.read.describe()], "" if want is None else want):
                bad.append(f.read.describe())
        if bad:
            raise TargetRejected(f"読み返した登録内容が一致しません（{'、'.join(bad)}）。",
                                 "readback_mismatch", record_id)

    def _evidence(self, rec: Record, kind: str, evidence: list[dict[str, str]]) -> None:
        stored = self.files.put_bytes(self.session.screenshot(), "evidence", ".png")
        prev = evidence[-1]["chain"] if evidence else entries.last_chain(self.sf, rec.document_id)
        evidence.append({"kind": kind, "path": stored.relpath, "sha256": stored.sha256, "prev": prev,
                         "chain": entries.chain_hash(prev, stored.sha256), "at": utcnow().isoformat()})
