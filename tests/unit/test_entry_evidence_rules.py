"""An entry attempt keeps its evidence whatever way it ends (``bots.entry.EntryBot``, no browser).

The screenshots taken before a failure (the filled screen before the save, a record found
on the site) are the only proof of what the bot did on the target system. docs/testing.md
listed as "not equivalent, no test yet" that a failed, stopped, given-up or rejected
attempt could be booked with no evidence (``finish_attempt(…, None)`` or ``[]``) without
any test noticing. Here each way an attempt ends is scripted after the try took one
screenshot, and the stored attempt, the evidence chain and the ``Outcome`` must still hold
it. The store is real SQLite; the site is scripted, as in ``test_entry_rules.py``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

import bots.entry as entry_mod
from bots.credentials import Credentials
from bots.entry import EntryBot
from bots.errors import LoginRefused, TargetConfigError, TargetRejected, TargetUnavailable
from bots.target_files import LoadedTarget, load_target
from store import entries
from store.files import ContentStore
from store.models import Batch, Document


@dataclass
class Shots:
    """The BotSession surface EntryBot uses: a scope per try, fresh contexts, screenshots."""

    shots: int = 0

    @contextmanager
    def scope(self, name: str) -> Iterator[None]:
        yield

    def new_context(self) -> None:
        pass

    def screenshot(self) -> bytes:
        self.shots += 1
        return f"screen-{self.shots}".encode()


class ShootThenFail(EntryBot):
    """Each try takes the 'before_submit' screenshot, then raises the next scripted error."""

    def __init__(self, errors: list[BaseException], *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.errors = errors

    def _try(self, rec: Any, evidence: list[dict[str, str]]) -> tuple[str, str]:
        self._evidence(rec, "before_submit", evidence)
        raise self.errors.pop(0)


@dataclass
class Rec:
    document_id: int


@pytest.fixture
def target() -> LoadedTarget:
    return load_target("sandbox")


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(entry_mod.time, "sleep", lambda s: None)


def a_document(sf: sessionmaker[Session]) -> int:
    with sf.begin() as s:
        batch = Batch(name="b", source="test")
        s.add(batch)
        s.flush()
        doc = Document(batch_id=batch.id, source_name="1.pdf", sha256="1" * 64, status="read")
        s.add(doc)
        s.flush()
        return doc.id


def stored_evidence(sf: sessionmaker[Session], doc: int) -> list[dict[str, str]]:
    [attempt] = entries.attempts(sf, doc)
    return list(json.loads(attempt.evidence_json))


CASES = [
    pytest.param([TargetUnavailable("HTTP 503")] * 2, {"max_retries": 1, "breaker": 99}, "failed", 2,
                 id="given-up-after-the-last-retry"),
    pytest.param([TargetUnavailable("HTTP 503")] * 2, {"max_retries": 9, "breaker": 2}, "failed", 2,
                 id="stopped-by-the-breaker"),
    pytest.param([TargetConfigError("検索画面", "項目「受付番号」")], {}, "failed", 1, id="config-error"),
    pytest.param([LoginRefused("login refused")], {}, "failed", 1, id="login-refused"),
    pytest.param([TargetRejected("入力内容に誤りがあります。", "site_says")], {}, "rejected", 1,
                 id="rejected-by-the-site"),
    pytest.param([TargetRejected("一致しません", "readback_mismatch", "R-8")], {}, "mismatch", 1,
                 id="read-back-mismatch"),
]


@pytest.mark.parametrize(("errors", "settings", "outcome", "shots"), CASES)
def test_rule_an_attempt_that_fails_keeps_the_screenshots_taken_before_the_failure(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path, errors: list[BaseException],
        settings: dict[str, int], outcome: str, shots: int) -> None:
    """Rule: however an attempt ends, its row holds every screenshot the tries took, in a
    chain from genesis that verifies against the stored files."""
    doc = a_document(sf)
    files = ContentStore(tmp_path / "files")
    bot = ShootThenFail(list(errors), Shots(), target, Credentials("clerk", "pass"), sf, files, **settings)
    stats = bot.run([Rec(doc)])  # type: ignore[list-item]
    [attempt] = entries.attempts(sf, doc)
    assert attempt.outcome == outcome and attempt.finished_at is not None
    evidence = stored_evidence(sf, doc)
    assert [e["kind"] for e in evidence] == ["before_submit"] * shots
    assert evidence[0]["prev"] == entries.GENESIS
    assert all(later["prev"] == earlier["chain"] for earlier, later in itertools.pairwise(evidence))
    assert entries.verify_chain(sf, files, doc)
    [o] = stats.outcomes
    if stats.stopped is None:  # a finished record reports the same evidence it stored
        assert o.evidence == evidence


def test_rule_the_next_attempt_chains_on_the_evidence_of_a_failed_one(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    """Rule: a failed attempt's last screenshot is where the document's next attempt continues."""
    doc = a_document(sf)
    files = ContentStore(tmp_path / "files")
    first = ShootThenFail([TargetUnavailable("HTTP 503")], Shots(), target, Credentials("c", "p"), sf, files,
                          max_retries=0, breaker=99)
    [failed] = first.run([Rec(doc)]).outcomes  # type: ignore[list-item]
    assert failed.outcome == "failed" and len(failed.evidence) == 1
    second = ShootThenFail([TargetRejected("誤り", "site_says")], Shots(), target, Credentials("c", "p"), sf,
                           files)
    [rejected] = second.run([Rec(doc)]).outcomes  # type: ignore[list-item]
    assert rejected.evidence[0]["prev"] == failed.evidence[-1]["chain"]
    assert entries.verify_chain(sf, files, doc)


class MovedOnMeanwhile(EntryBot):
    """The record is saved, but while the bot typed it an audit disagreement sent the document back."""

    def _try(self, rec: Any, evidence: list[dict[str, str]]) -> tuple[str, str]:
        self._evidence(rec, "after_save", evidence)
        with self.sf.begin() as s:
            doc = s.get(Document, rec.document_id)
            assert doc is not None
            doc.status = "needs_review"
        return "entered", "R-9"


def test_rule_a_document_sent_back_while_it_was_typed_keeps_its_status_and_says_so(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    """Rule: the record is in the target system, but the document keeps the status it was
    moved to (a person decides it) and the outcome carries ENTERED_MEANWHILE_JA for staff."""
    doc = a_document(sf)
    session: Any = Shots()
    bot = MovedOnMeanwhile(session, target, Credentials("c", "p"), sf, ContentStore(tmp_path / "files"))
    [o] = bot.run([Rec(doc)]).outcomes  # type: ignore[list-item]
    assert (o.outcome, o.record_id, o.message_ja) == ("entered", "R-9", entries.ENTERED_MEANWHILE_JA)
    assert entries.document_status(sf, doc) == "needs_review"
    assert [e["kind"] for e in stored_evidence(sf, doc)] == ["after_save"]


def test_rule_a_document_entered_as_planned_carries_no_note(
        sf: sessionmaker[Session], target: LoadedTarget, tmp_path: Path) -> None:
    doc = a_document(sf)

    class Plain(EntryBot):
        def _try(self, rec: Any, evidence: list[dict[str, str]]) -> tuple[str, str]:
            return "entered", "R-10"

    session: Any = Shots()
    [o] = Plain(session, target, Credentials("c", "p"), sf, ContentStore(tmp_path / "files")).run(
        [Rec(doc)]).outcomes  # type: ignore[list-item]
    assert (o.outcome, o.message_ja) == ("entered", None)
    assert entries.document_status(sf, doc) == "entered"
