"""The failure policy and exactly-once checks of ``bots.entry.EntryBot``, without a browser.

The site is a scripted fake (what a try raises, what a read-back shows) so that mutation
testing (``make mutate-rules``) can run these in a second; the store is real SQLite. The
same rules are exercised end to end in real Chromium against the sandbox in
tests/integration/test_bots.py, test_bot_rules.py and test_bot_failures.py.
Expected values are worked out from the rules in the docstring of ``bots/entry.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy.orm import Session, sessionmaker

import bots.entry as entry_mod
from bots.credentials import Credentials
from bots.entry import BREAKER_JA, EntryBot, RunStats
from bots.errors import LoginRefused, SessionLost, TargetConfigError, TargetRejected, TargetUnavailable
from bots.records import EntryRecord
from bots.target_files import LoadedTarget, load_target
from bots.values import FieldRecord, evaluate
from store import entries
from store.files import ContentStore
from store.models import Batch, Document

CREDS = Credentials("clerk", "pass")


@dataclass
class FakeSession:
    """What EntryBot needs of a BotSession: a scope per try, a fresh context, screenshots."""

    scopes: list[str] = field(default_factory=list)
    new_contexts: int = 0
    shots: int = 0
    page: Any = None
    timeout_ms: int = 1000

    @contextmanager
    def scope(self, name: str) -> Iterator[None]:
        self.scopes.append(name)
        yield

    def new_context(self) -> None:
        self.new_contexts += 1

    def screenshot(self) -> bytes:
        self.shots += 1
        return f"png-{self.shots}".encode()


@pytest.fixture
def target() -> LoadedTarget:
    return load_target("sandbox")


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(entry_mod.time, "sleep", slept.append)
    return slept


def add_docs(sf: sessionmaker[Session], statuses: list[str]) -> list[int]:
    with sf.begin() as s:
        batch = Batch(name="b", source="test")
        s.add(batch)
        s.flush()
        docs = [Document(batch_id=batch.id, source_name=f"{i}.pdf", sha256=f"{i:064d}", status=st)
                for i, st in enumerate(statuses)]
        s.add_all(docs)
        s.flush()
        return [d.id for d in docs]


def record(doc: int) -> EntryRecord:
    return EntryRecord(document_id=doc, receipt_no=f"2026-{doc:06d}", full_name="山田 太郎",
                       full_name_kana="ヤマダ タロウ", address="岩手県久慈市", phone="0194-52-2111",
                       birth_date=date(1980, 4, 1), my_number="123456789018",
                       submitted_on=date(2026, 10, 1))


class ScriptedBot(EntryBot):
    """``_try`` follows a script: an exception instance is raised, a tuple is returned."""

    def __init__(self, script: list[Any], *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.script = script
        self.tried: list[int] = []

    def _try(self, rec: Any, evidence: list[dict[str, str]]) -> tuple[str, str]:
        self.tried.append(rec.document_id)
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


def scripted(script: list[Any], sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
             **kw: Any) -> tuple[ScriptedBot, FakeSession]:
    session = FakeSession()
    bot = ScriptedBot(script, session, target, CREDS, sf, ContentStore(tmp_path / "files"), **kw)
    return bot, session


def down() -> TargetUnavailable:
    return TargetUnavailable("HTTP 503")


def outcomes_of(sf: sessionmaker[Session], doc: int) -> list[str | None]:
    return [a.outcome for a in entries.attempts(sf, doc)]


# --- failure policy ---------------------------------------------------------------------


def test_rule_an_application_error_is_retried_with_a_fresh_context_until_the_record_is_entered(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path, no_sleep: list[float]) -> None:
    """Rule: a timeout/5xx/lost session is retried (new context, backoff 0.5 s, 1 s, …); the
    record is entered once and its one attempt row says so."""
    [doc] = add_docs(sf, ["reviewed"])
    bot, session = scripted([down(), SessionLost("gone"), ("entered", "R-9")], sf, target, tmp_path,
                            backoff_s=0.5)
    stats = bot.run([record(doc)])
    [o] = stats.outcomes
    assert (o.outcome, o.record_id, o.tries) == ("entered", "R-9", 3)
    assert stats.retried == 2 and session.new_contexts == 2
    assert no_sleep == [0.5, 1.0]  # 0.5 * 2**(try-1)
    assert session.scopes == [f"doc{doc}-try1", f"doc{doc}-try2", f"doc{doc}-try3"]
    assert entries.document_status(sf, doc) == "entered"
    assert outcomes_of(sf, doc) == ["entered"]
    assert stats.stopped is None and stats.summary()["entered"] == 1


def test_rule_backoff_doubles_and_is_capped_at_ten_seconds(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path, no_sleep: list[float]) -> None:
    """Rule: the wait before try n+1 is min(backoff * 2**(n-1), 10 s)."""
    [doc] = add_docs(sf, ["read"])
    bot, _ = scripted([down()] * 6 + [("entered", "R-1")], sf, target, tmp_path, backoff_s=1.5,
                      max_retries=6, breaker=99)
    [o] = bot.run([record(doc)]).outcomes
    assert o.outcome == "entered" and o.tries == 7
    assert no_sleep == [1.5, 3.0, 6.0, 10.0, 10.0, 10.0]


def test_rule_a_browser_error_counts_as_an_application_error(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    """Rule: a Playwright error (page crashed, navigation failed) is retried like a 5xx."""
    [doc] = add_docs(sf, ["read"])
    bot, session = scripted([PlaywrightError("Target closed"), ("entered", "R-2")], sf, target, tmp_path)
    [o] = bot.run([record(doc)]).outcomes
    assert (o.outcome, o.tries, session.new_contexts) == ("entered", 2, 1)


def test_rule_after_the_last_retry_the_record_fails_and_stays_for_the_next_run(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    """Rule: with max_retries=2 a record gets 3 tries; then it is 'failed', is NOT sent back
    to staff (it stays read/reviewed for the next run) and the run goes on."""
    a, b = add_docs(sf, ["read", "read"])
    bot, _ = scripted([down(), down(), down(), ("entered", "R-3")], sf, target, tmp_path,
                      max_retries=2, breaker=99)
    stats = bot.run([record(a), record(b)])
    assert [(o.document_id, o.outcome, o.tries) for o in stats.outcomes] == [(a, "failed", 3),
                                                                             (b, "entered", 1)]
    assert stats.retried == 2  # the third failure is not followed by a retry
    assert entries.document_status(sf, a) == "read"
    assert outcomes_of(sf, a) == ["failed"] and outcomes_of(sf, b) == ["entered"]
    assert stats.summary()["failed"] == 1 and stats.stopped is None


def test_rule_the_breaker_stops_the_run_after_consecutive_failures_across_records(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    """Rule: ``breaker`` consecutive failed tries (over records) stop the run; the records
    after it are not touched; nothing is sent back."""
    a, b, c = add_docs(sf, ["read", "read", "reviewed"])
    bot, _ = scripted([down(), down(), down()], sf, target, tmp_path, max_retries=1, breaker=3)
    stats = bot.run([record(a), record(b), record(c)])
    # a: tries 1 and 2 fail (2 > max_retries 1 → failed); b: try 1 is the 3rd in a row → stop
    assert [(o.document_id, o.outcome) for o in stats.outcomes] == [(a, "failed"), (b, "failed")]
    assert stats.stop_kind == "breaker" and stats.stop_message_ja == BREAKER_JA
    assert stats.stopped == "3 consecutive failures (last: TargetUnavailable)"
    assert bot.tried == [a, a, b]
    assert outcomes_of(sf, b) == ["failed"] and entries.attempts(sf, c) == []
    assert [entries.document_status(sf, d) for d in (a, b, c)] == ["read", "read", "reviewed"]
    assert stats.summary()["stop_kind"] == "breaker"


def test_rule_one_failure_short_of_the_breaker_does_not_stop_the_run(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    """Rule: the breaker opens at exactly ``breaker`` failures, not one earlier."""
    a, b = add_docs(sf, ["read", "read"])
    bot, _ = scripted([down(), down(), ("entered", "R-4")], sf, target, tmp_path, max_retries=1, breaker=3)
    stats = bot.run([record(a), record(b)])
    assert [o.outcome for o in stats.outcomes] == ["failed", "entered"] and stats.stopped is None


@pytest.mark.parametrize("between", [("entered", "R-5"),
                                     TargetRejected("入力内容に誤りがあります。", "site_says")])
def test_rule_a_success_or_a_business_answer_resets_the_consecutive_failures(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path, between: Any) -> None:
    """Rule: only failures *in a row* open the breaker: an entered or rejected record between
    two failures starts the count again."""
    a, b, c = add_docs(sf, ["read", "read", "read"])
    bot, _ = scripted([down(), between, down()], sf, target, tmp_path, max_retries=0, breaker=2)
    stats = bot.run([record(a), record(b), record(c)])
    assert stats.stopped is None
    assert [o.outcome for o in stats.outcomes][::2] == ["failed", "failed"]


def test_rule_a_retry_logs_in_again(sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    """Rule: after an application error the session is presumed lost: the next try logs in."""
    [doc] = add_docs(sf, ["read"])
    bot, _ = scripted([down(), ("entered", "R-6")], sf, target, tmp_path)
    bot._logged_in = True
    bot.run([record(doc)])
    assert bot._logged_in is False  # the scripted try does not log in; the failure reset it


def test_rule_a_business_error_sends_the_record_back_in_the_sites_words_and_the_run_goes_on(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    """Rule: the site's own validation message goes back to staff with the record (needs_review,
    the message kept); it is not retried; the next record is entered."""
    a, b = add_docs(sf, ["reviewed", "read"])
    words = "生年月日が正しくありません。"
    script = [TargetRejected(words, "site_validation"), ("entered", "R-7")]
    bot, session = scripted(script, sf, target, tmp_path)
    stats = bot.run([record(a), record(b)])
    first, second = stats.outcomes
    assert (first.outcome, first.message_ja, first.tries) == ("rejected", words, 1)
    assert second.outcome == "entered" and session.new_contexts == 0 and stats.retried == 0
    with sf() as s:
        doc = s.get(Document, a)
        assert doc is not None
        assert (doc.status, doc.error_code) == ("needs_review", "site_validation")
        assert doc.error_message_ja == words
    assert outcomes_of(sf, a) == ["rejected"] and stats.summary()["rejected"] == 1


def test_rule_a_read_back_that_differs_is_a_mismatch_sent_to_a_person(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    """Rule: a saved record that reads back differently is 'mismatch' (not 'rejected') and
    goes to a person; the attempt keeps the record id the site gave."""
    [doc] = add_docs(sf, ["read"])
    bot, _ = scripted([TargetRejected("一致しません", "readback_mismatch", "R-8")], sf, target, tmp_path)
    stats = bot.run([record(doc)])
    [o] = stats.outcomes
    assert o.outcome == "mismatch" and stats.summary()["rejected"] == 1
    [att] = entries.attempts(sf, doc)
    assert (att.outcome, att.target_record_id) == ("mismatch", "R-8")
    assert entries.document_status(sf, doc) == "needs_review"


@pytest.mark.parametrize(("error", "kind"), [
    (TargetConfigError("検索画面", "項目「受付番号」"), "config"),
    (LoginRefused("login refused"), "login"),
])
def test_rule_a_configuration_error_or_refused_login_stops_at_once_and_sends_nothing_back(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path, error: Exception, kind: str) -> None:
    """Rule: a target file that does not fit the site, or a refused password, stops the run on
    the first try: no retry (a wrong password only locks the account), nothing sent back, the
    records after it untouched, the staff message kept."""
    a, b = add_docs(sf, ["read", "read"])
    bot, session = scripted([error, ("entered", "R-0")], sf, target, tmp_path)
    stats = bot.run([record(a), record(b)])
    assert [(o.document_id, o.outcome) for o in stats.outcomes] == [(a, "failed")]
    assert stats.stop_kind == kind and stats.stop_message_ja == error.message_ja  # type: ignore[attr-defined]
    assert stats.outcomes[0].message_ja == error.message_ja  # type: ignore[attr-defined]
    assert stats.stopped == str(error)
    assert session.new_contexts == 0 and bot.tried == [a]
    assert outcomes_of(sf, a) == ["failed"] and entries.attempts(sf, b) == []
    assert [entries.document_status(sf, d) for d in (a, b)] == ["read", "read"]


@pytest.mark.parametrize("status", ["received", "needs_review", "entered", "failed"])
def test_rule_only_read_or_reviewed_documents_are_entered(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path, status: str) -> None:
    """Rule: a document not (yet or any more) confirmed is skipped: no try, no attempt row."""
    [doc] = add_docs(sf, [status])
    bot, _ = scripted([("entered", "R-1")], sf, target, tmp_path)
    [o] = bot.run([record(doc)]).outcomes
    assert (o.outcome, o.tries) == ("skipped", 0)
    assert bot.tried == [] and entries.attempts(sf, doc) == []


# --- one try against a fake site: look-up, read-back, evidence --------------------------


class FakeSite:
    """The driver and look-up a try uses: which records exist and what each page shows."""

    def __init__(self, target: LoadedTarget, shown: dict[str, dict[str, Any]], existing: list[str]) -> None:
        self.t = target.target
        self.shown, self.existing_ids = shown, existing
        self.at = ""
        self.typed: list[str] = []
        self.logins = 0
        self.searched: list[dict[str, Any]] = []
        self.hook = True  # False: a site whose screens offer no before-save moment

    # driver
    def login(self, creds: Credentials) -> None:
        assert creds is CREDS
        self.logins += 1

    def goto(self, href: str) -> None:
        self.at = href

    def read_back(self) -> dict[str, Any]:
        return self.shown[self.at]

    def run_steps(self, steps: Any, values: dict[str, Any], screen: str, before_save: Any = None) -> None:
        assert steps == next(s.steps for s in self.t.entry if s.name == screen)
        assert values == self.searched[-1]
        self.typed.append(screen)
        if before_save is not None and self.hook:
            before_save()

    def record_id(self) -> str:
        self.at = "new"
        return "R-NEW"

    def reload(self) -> None:
        pass

    # lookup (module functions take the driver first, as bots.lookup does)
    def choose_search(self, d: Any, values: dict[str, Any]) -> None:
        assert d is self and values

    def search(self, d: Any, values: dict[str, Any]) -> list[str]:
        assert d is self
        self.searched.append(values)
        return list(self.existing_ids)

    def existing(self, d: Any, rows: list[str]) -> list[tuple[str, str]]:
        assert d is self
        return [(rid, rid) for rid in rows]

    def open_new(self, d: Any, rows: list[str]) -> None:
        assert d is self and rows == self.existing_ids
        self.at = "form"


def page_of(target: LoadedTarget, rec: EntryRecord, **changed: str) -> dict[str, Any]:
    """What the site shows for a record entered faithfully (then ``changed`` by someone)."""
    values = rec.data()
    page = {f.read.describe(): evaluate(values, f.value, f.const, f.map) or ""
            for f in target.target.readback.fields}
    for label, text in changed.items():
        page[label] = text
    return page


def site_bot(site: FakeSite, sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> tuple[EntryBot, FakeSession, ContentStore]:
    monkeypatch.setattr(entry_mod, "lookup", site)
    session, files = FakeSession(), ContentStore(tmp_path / "files")
    bot = EntryBot(session, target, CREDS, sf, files, max_retries=0)  # type: ignore[arg-type]
    monkeypatch.setattr(bot, "driver", lambda: site)
    return bot, session, files


def a_label(target: LoadedTarget) -> str:
    return str(target.target.readback.fields[0].read.describe())


def test_rule_an_existing_record_with_the_same_content_is_taken_as_entered_and_nothing_is_typed(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: exactly once: a record the look-up finds with the same content is 'already_entered'
    (its id kept, a found_existing screenshot chained), no entry screen is run."""
    [doc] = add_docs(sf, ["read"])
    rec = record(doc)
    site = FakeSite(target, {"R-1": page_of(target, rec)}, ["R-1"])
    bot, _, files = site_bot(site, sf, target, tmp_path, monkeypatch)
    [o] = bot.run([rec]).outcomes
    assert (o.outcome, o.record_id) == ("already_entered", "R-1")
    assert site.typed == [] and [e["kind"] for e in o.evidence] == ["found_existing"]
    assert entries.document_status(sf, doc) == "entered"
    assert entries.verify_chain(sf, files, doc)


def test_rule_of_two_existing_records_the_one_with_the_same_content_is_found(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: a differing record is skipped and the search goes on to the next one."""
    [doc] = add_docs(sf, ["read"])
    rec = record(doc)
    other = page_of(target, rec, **{a_label(target): "別の内容"})
    site = FakeSite(target, {"R-1": other, "R-2": page_of(target, rec)}, ["R-1", "R-2"])
    bot, _, _ = site_bot(site, sf, target, tmp_path, monkeypatch)
    [o] = bot.run([rec]).outcomes
    assert (o.outcome, o.record_id) == ("already_entered", "R-2")


def test_rule_an_existing_record_that_differs_goes_back_to_staff_and_is_never_typed_over(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: a record already there with other content is neither 'already entered' nor
    overwritten: the document goes back with 内容の異なる申請が登録済み."""
    [doc] = add_docs(sf, ["read"])
    rec = record(doc)
    site = FakeSite(target, {"R-1": page_of(target, rec, **{a_label(target): "別の内容"})}, ["R-1"])
    bot, _, _ = site_bot(site, sf, target, tmp_path, monkeypatch)
    [o] = bot.run([rec]).outcomes
    assert o.outcome == "rejected"
    assert o.message_ja == "内容の異なる申請が登録済みです。担当者が確認してください。"
    assert site.typed == [] and entries.document_status(sf, doc) == "needs_review"
    with sf() as s:
        stored = s.get(Document, doc)
        assert stored is not None and stored.error_code == "existing_differs"


def test_rule_a_new_record_is_entered_read_back_and_evidenced_before_and_after_the_save(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: no existing record → the entry screens run once, the saved record is read back
    equal, screenshots before the save and after it form one hash chain from genesis."""
    [doc] = add_docs(sf, ["reviewed"])
    rec = record(doc)
    site = FakeSite(target, {"new": page_of(target, rec)}, [])
    bot, _, files = site_bot(site, sf, target, tmp_path, monkeypatch)
    [o] = bot.run([rec]).outcomes
    assert (o.outcome, o.record_id) == ("entered", "R-NEW") and site.logins == 1
    assert site.typed == [s.name for s in target.target.entry]
    kinds = [e["kind"] for e in o.evidence]
    assert kinds[-1] == "after_save" and set(kinds[:-1]) == {"before_submit"}
    first = o.evidence[0]
    assert first["prev"] == entries.GENESIS
    assert first["chain"] == entries.chain_hash(entries.GENESIS, first["sha256"])
    for prev, item in zip(o.evidence, o.evidence[1:], strict=False):
        assert item["prev"] == prev["chain"]
    [att] = entries.attempts(sf, doc)
    assert json.loads(att.evidence_json) == o.evidence
    assert entries.verify_chain(sf, files, doc)


def test_rule_a_saved_record_that_reads_back_differently_is_a_mismatch_naming_the_field(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: after the save the record is read back; a field that differs sends it to a
    person as 'mismatch' with the field's label (no value) in the message."""
    [doc] = add_docs(sf, ["read"])
    rec = record(doc)
    label = a_label(target)
    site = FakeSite(target, {"new": page_of(target, rec, **{label: "違う値"})}, [])
    bot, _, _ = site_bot(site, sf, target, tmp_path, monkeypatch)
    [o] = bot.run([rec]).outcomes
    assert o.outcome == "mismatch" and label in (o.message_ja or "") and "違う値" not in (o.message_ja or "")
    [att] = entries.attempts(sf, doc)
    assert att.target_record_id == "R-NEW"


def test_rule_a_second_run_continues_the_evidence_chain_of_the_first(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: the chain runs across attempts: a later attempt's first item links to the last
    item of the previous attempt, not to genesis."""
    [doc] = add_docs(sf, ["read"])
    rec = record(doc)
    label = a_label(target)
    site = FakeSite(target, {"new": page_of(target, rec, **{label: "違う値"})}, [])
    bot, _, files = site_bot(site, sf, target, tmp_path, monkeypatch)
    [first] = bot.run([rec]).outcomes  # mismatch → needs_review
    with sf.begin() as s:
        d = s.get(Document, doc)
        assert d is not None
        d.status = "reviewed"  # a person confirmed it again
    site.shown = {"R-NEW": page_of(target, rec)}
    site.existing_ids = ["R-NEW"]
    [second] = bot.run([rec]).outcomes
    assert second.outcome == "already_entered"
    assert second.evidence[0]["prev"] == first.evidence[-1]["chain"]
    assert entries.verify_chain(sf, files, doc)


def test_rule_an_empty_run_enters_nothing_and_does_not_stop(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    """Rule: a run's stats carry its counts; an empty run is an empty, unstopped run."""
    bot, _ = scripted([], sf, target, tmp_path)
    stats = bot.run([])
    assert isinstance(stats, RunStats) and stats.outcomes == [] and stats.stopped is None
    summary = stats.summary()
    assert summary.pop("seconds") >= 0.0
    assert summary == {"entered": 0, "already_entered": 0, "rejected": 0, "failed": 0, "retried": 0,
                       "stopped": None, "stop_kind": None, "stop_message_ja": None}


def test_rule_each_documents_evidence_chain_starts_from_genesis(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: the chain is per document: a second document's first screenshot links to 64 zeros,
    not to the first document's last item; every item carries kind, path (.png), hashes and time."""
    a, b = add_docs(sf, ["read", "read"])
    site = FakeSite(target, {"new": {}}, [])
    bot, _, files = site_bot(site, sf, target, tmp_path, monkeypatch)
    site.shown = {"new": page_of(target, record(a))}
    [first] = bot.run([record(a)]).outcomes
    site.shown = {"new": page_of(target, record(b))}
    [second] = bot.run([record(b)]).outcomes
    assert first.outcome == second.outcome == "entered"
    assert second.evidence[0]["prev"] == entries.GENESIS
    for item in first.evidence + second.evidence:
        assert set(item) == {"kind", "path", "sha256", "prev", "chain", "at"}
        assert item["path"].endswith(".png") and item["sha256"] in item["path"]
    assert entries.verify_chain(sf, files, a) and entries.verify_chain(sf, files, b)


class TickTime:
    """``time`` for bots.entry only: perf_counter advances one second per reading."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 1.0
        return self.now

    def sleep(self, seconds: float) -> None:
        pass


def test_rule_the_run_books_its_time_to_named_phases(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: the exactly-once look-up's cost is booked apart (bench/entry.py reads these).
    With a clock that ticks once per reading: created at 1, run starts at 2; record 1 books
    other 3-1=2, login 1, lookup 1, entry 1, readback 1; record 2 (logged in) other 1,
    lookup 1, entry 1, readback 1; the run ends at 12, so it took 10."""
    monkeypatch.setattr(entry_mod, "time", TickTime())
    a, b = add_docs(sf, ["read", "read"])
    site = FakeSite(target, {"new": page_of(target, record(a))}, [])
    bot, _, _ = site_bot(site, sf, target, tmp_path, monkeypatch)
    site.shown = {"new": page_of(target, record(a))}
    stats = bot.run([record(a), _Switch(site, target, record(b))])
    assert stats.phases == {"other": 3.0, "login": 1.0, "lookup": 2.0, "entry": 2.0, "readback": 2.0}
    assert stats.seconds == 10.0 and stats.summary()["seconds"] == 10.0


class _Switch:
    """A record that, when its values are first asked for, makes the site show it."""

    def __init__(self, site: FakeSite, target: LoadedTarget, rec: EntryRecord) -> None:
        self.site, self.target, self.rec = site, target, rec
        self.document_id = rec.document_id

    def data(self) -> dict[str, Any]:
        self.site.shown = {"new": page_of(self.target, self.rec)}
        return self.rec.data()


def test_rule_one_login_serves_the_whole_run_and_the_hook_sees_the_saved_record(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: the bot logs in once per session (not per record); ``after_submit`` (the crash
    test's hook) is called with the record just saved; the summary counts each outcome."""
    a, b = add_docs(sf, ["read", "read"])
    site = FakeSite(target, {"new": page_of(target, record(a))}, [])
    bot, _, _ = site_bot(site, sf, target, tmp_path, monkeypatch)
    saved: list[int] = []
    bot.after_submit = lambda rec: saved.append(rec.document_id)
    first = bot.run([record(a)])
    site.shown = {"R-1": page_of(target, record(b))}
    site.existing_ids = ["R-1"]
    second = bot.run([record(b)])
    assert site.logins == 1 and saved == [a]
    assert first.summary()["entered"] == 1 and second.summary()["already_entered"] == 1
    assert second.summary()["seconds"] == round(second.seconds, 2)


def test_rule_a_field_without_a_value_reads_back_as_empty(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: a record field with no value must read back as an empty box (not 'None')."""
    [doc] = add_docs(sf, ["read"])
    values = {**record(doc).data(), "phone": None}
    rec = FieldRecord(doc, "onestop_2022", values)
    shown = {f.read.describe(): evaluate(values, f.value, f.const, f.map) or ""
             for f in target.target.readback.fields}
    assert shown["表示項目「電話番号」"] == ""
    site = FakeSite(target, {"new": shown}, [])
    bot, _, _ = site_bot(site, sf, target, tmp_path, monkeypatch)
    [o] = bot.run([rec]).outcomes
    assert o.outcome == "entered"


def test_rule_a_mismatch_message_names_every_differing_field(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    [doc] = add_docs(sf, ["read"])
    rec = record(doc)
    changed = {"表示項目「氏名」": "別人", "表示項目「住所」": "別の住所"}
    site = FakeSite(target, {"new": page_of(target, rec, **changed)}, [])
    bot, _, _ = site_bot(site, sf, target, tmp_path, monkeypatch)
    [o] = bot.run([rec]).outcomes
    assert o.message_ja == "読み返した登録内容が一致しません（表示項目「氏名」、表示項目「住所」）。"


def test_rule_mapped_and_constant_fields_are_read_back_as_the_screen_shows_them(
        sf: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: the read-back compares what the screen should show: a mapped choice as its
    option label, a checkbox as its state, a constant as the constant (admin_demo target)."""
    admin = load_target("admin_demo")
    [doc] = add_docs(sf, ["read"])
    values = {"full_name": "確認 用子", "full_name_kana": "カクニン ヨウコ", "postal_code": "1000001",
              "address": "東京都千代田区千代田1-1", "phone": "03-0000-0000", "email": "a@example.jp",
              "amount": 10000, "payment_method": "クレジットカード", "purpose": "子育て支援",
              "publish_name": "可", "onestop_wish": True}
    by_hand = ["確認 用子", "カクニン ヨウコ", "100-0001", "東京都千代田区千代田1-1", "03-0000-0000",
               "a@example.jp", "10000", "クレジットカード決済", "子育て支援", True, True, True]
    labels = [f.read.describe() for f in admin.target.readback.fields]
    assert len(labels) == len(by_hand)
    site = FakeSite(admin, {"new": dict(zip(labels, by_hand, strict=True))}, [])
    bot, _, _ = site_bot(site, sf, admin, tmp_path, monkeypatch)
    [o] = bot.run([FieldRecord(doc, "donation", values)]).outcomes
    assert o.outcome == "entered", o.message_ja


def test_rule_an_entered_attempt_keeps_the_record_id_and_the_next_attempt_chains_on_its_last_item(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: the attempt row keeps the target's record id; two entry screens give two
    before_submit items and one after_save item, and a later attempt links to the *last*."""
    [doc] = add_docs(sf, ["read"])
    rec = record(doc)
    site = FakeSite(target, {"new": page_of(target, rec)}, [])
    bot, _, files = site_bot(site, sf, target, tmp_path, monkeypatch)
    [first] = bot.run([rec]).outcomes
    assert [e["kind"] for e in first.evidence] == ["before_submit", "before_submit", "after_save"]
    [att] = entries.attempts(sf, doc)
    assert (att.outcome, att.target_record_id) == ("entered", "R-NEW")
    with sf.begin() as s:
        d = s.get(Document, doc)
        assert d is not None
        d.status = "reviewed"  # as if a person sent it through again
    site.shown, site.existing_ids = {"R-NEW": page_of(target, rec)}, ["R-NEW"]
    [second] = bot.run([rec]).outcomes
    assert second.evidence[0]["prev"] == first.evidence[-1]["chain"]
    assert entries.verify_chain(sf, files, doc)


def test_rule_a_site_without_a_before_save_moment_still_chains_its_screenshot_from_genesis(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    [doc] = add_docs(sf, ["read"])
    site = FakeSite(target, {"new": page_of(target, record(doc))}, [])
    site.hook = False
    bot, _, files = site_bot(site, sf, target, tmp_path, monkeypatch)
    [o] = bot.run([record(doc)]).outcomes
    assert [e["kind"] for e in o.evidence] == ["after_save"] and o.evidence[0]["prev"] == entries.GENESIS
    assert entries.verify_chain(sf, files, doc)


def test_rule_outcomes_name_their_document_and_any_business_error_goes_back(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    """Rule: every outcome carries its document id (skipped and sent-back ones too); a business
    error that is not the site's (no record id) still sends the record back to staff."""
    from domain.errors import BusinessError

    a, b = add_docs(sf, ["entered", "read"])
    bot, _ = scripted([BusinessError("bad value", "値を確認してください。", "value")], sf, target, tmp_path)
    skipped, sent = bot.run([record(a), record(b)]).outcomes
    assert (skipped.document_id, skipped.outcome) == (a, "skipped")
    assert (sent.document_id, sent.outcome, sent.message_ja) == (b, "rejected", "値を確認してください。")
    [att] = entries.attempts(sf, b)
    assert (att.outcome, att.target_record_id) == ("rejected", None)
    assert entries.document_status(sf, b) == "needs_review"


def test_rule_altered_or_removed_evidence_breaks_the_chain(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: a screenshot whose bytes changed, an item whose hash or link was edited, or a
    removed item makes verify_chain False (store.entries docstring)."""
    [doc] = add_docs(sf, ["read"])
    site = FakeSite(target, {"new": page_of(target, record(doc))}, [])
    bot, _, files = site_bot(site, sf, target, tmp_path, monkeypatch)
    assert [o.outcome for o in bot.run([record(doc)]).outcomes] == ["entered"]
    [att] = entries.attempts(sf, doc)
    assert att.started_at is not None and att.finished_at is not None and att.finished_at >= att.started_at
    assert entries.verify_chain(sf, files, doc)
    original = att.evidence_json

    def stored(items: list[dict[str, str]]) -> bool:
        with sf.begin() as s:
            row = s.get(type(att), att.id)
            assert row is not None
            row.evidence_json = json.dumps(items)
        return entries.verify_chain(sf, files, doc)

    items = json.loads(original)
    assert not stored(items[1:])  # first item removed: the next one no longer links to genesis
    assert not stored([{**items[0], "chain": "0" * 64}, *items[1:]])  # a link edited
    assert not stored([{**items[0], "sha256": items[1]["sha256"]}, *items[1:]])  # hash swapped
    assert stored(items)
    shot = tmp_path / "files" / items[-1]["path"]
    shot.chmod(0o644)
    shot.write_bytes(b"another picture")
    assert not entries.verify_chain(sf, files, doc)


def test_rule_a_send_back_code_is_cut_to_its_column(sf: sessionmaker[Session]) -> None:
    [doc] = add_docs(sf, ["read"])
    entries.send_back(sf, doc, "x" * 70, "理由")
    with sf() as s:
        d = s.get(Document, doc)
        assert d is not None and d.error_code == "x" * 60
