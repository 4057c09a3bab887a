"""Bots against the sandbox with real Chromium: exactly-once entry, crash recovery, chaos."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bots.credentials import Credentials
from bots.entry import RunStats
from bots.records import EntryRecord
from bots.runner import run_entry
from bots.target_files import load_target
from domain.mynumber import check_digit
from sandbox.config import Chaos, SandboxConfig
from sandbox.db import BackOfficeDB
from sandbox.server import running
from store import ContentStore, entries, make_engine, session_factory, upgrade
from store.models import Batch, Document

# Hang guards only, sized for a loaded one-core machine (not a speed requirement): an entry
# run takes well over 120 s there, and a Playwright action waits up to 30 s before a retry.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
CREDS = Credentials("clerk", "sandbox-pass")
REPO = Path(__file__).resolve().parents[2]


@dataclass
class World:
    url: str
    db_url: str
    sf: sessionmaker[Session]
    files: ContentStore
    backoffice: BackOfficeDB
    tmp: Path

    def enter(self, records: list[EntryRecord], **kw: object) -> RunStats:
        opts: dict[str, object] = {"timeout_ms": 30_000, "backoff_s": 0.05, "trace": True,
                                   "target": load_target("sandbox"), "credentials": CREDS}
        opts.update(kw)
        return run_entry(records, base_url=self.url,
                         sf=self.sf, files=self.files, failures_dir=self.tmp / "failures", **opts)  # type: ignore[arg-type]


def _my_number(i: int) -> str:
    body = f"{31415926000 + i * 7919:011d}"
    return body + str(check_digit(body))


def make_records(world: World, n: int, start: int = 0) -> list[EntryRecord]:
    """n donations in the target and n read documents in the work store, one record each."""
    records = []
    with world.sf() as s, s.begin():
        batch = Batch(name="bots", source="test")
        s.add(batch)
        s.flush()
        docs = [Document(batch_id=batch.id, source_name=f"d{start + i}.pdf", sha256=f"{start + i:064x}",
                         status="read", template_id="onestop_2022") for i in range(n)]
        s.add_all(docs)
        s.flush()
        ids = [d.id for d in docs]
    for i, doc_id in enumerate(ids, start):
        amount = 10000 + 1000 * i
        receipt = world.backoffice.add_donation(f"寄附 花子{i}", "2026-05-01", amount, "キフ ハナコ")
        by_name = i % 4 == 3  # some records only have name + date + amount
        records.append(EntryRecord(
            document_id=doc_id, receipt_no=None if by_name else receipt, donor_name=f"寄附 花子{i}",
            donation_date=date(2026, 5, 1), amount=amount, full_name=f"寄附 花子{i}",
            full_name_kana="キフ ハナコ",
            address=f"岩手県久慈市川崎町{i}-1", phone="0194-52-2111", birth_date=date(1980, 4, 1 + i % 28),
            my_number=_my_number(i), submitted_on=date(2026, 10, 1)))
    return records


@pytest.fixture
def world_factory(tmp_path: Path) -> Iterator[object]:
    stack = []

    def make(**cfg: object) -> World:
        config = SandboxConfig(data_dir=tmp_path / "sandbox", **cfg)  # type: ignore[arg-type]
        cm = running(config)
        url = cm.__enter__()
        stack.append(cm)
        db_url = f"sqlite:///{tmp_path / 'work.db'}"
        upgrade(db_url)
        return World(url, db_url, session_factory(make_engine(db_url)), ContentStore(tmp_path / "files"),
                     BackOfficeDB(config.db_path), tmp_path)

    yield make
    for cm in stack:
        cm.__exit__(None, None, None)


def _statuses(world: World, records: list[EntryRecord]) -> list[str | None]:
    return [entries.document_status(world.sf, r.document_id) for r in records]


def test_enter_20_then_rerun_enters_nothing(world_factory) -> None:  # type: ignore[no-untyped-def]
    world: World = world_factory()
    records = make_records(world, 20)
    stats = world.enter(records)
    assert stats.summary()["entered"] == 20, stats.summary()
    assert set(world.backoffice.onestop_per_receipt().values()) == {1}
    assert set(_statuses(world, records)) == {"entered"}
    a = entries.attempts(world.sf, records[0].document_id)[0]
    assert a.outcome == "entered" and a.target_record_id and a.finished_at
    assert [e["kind"] for e in json.loads(a.evidence_json)] == ["before_submit", "after_save"]
    assert all(entries.verify_chain(world.sf, world.files, r.document_id) for r in records)
    again = world.enter(records)
    assert again.count("skipped") == 20 and world.backoffice.onestop_count() == 20
    # even when the store forgot (documents back to "read"), the look-up finds every record
    with world.sf() as s, s.begin():
        for r in records[:5]:
            s.get(Document, r.document_id).status = "read"  # type: ignore[union-attr]
    third = world.enter(records[:5])
    assert third.count("already_entered") == 5 and world.backoffice.onestop_count() == 20
    assert all(entries.verify_chain(world.sf, world.files, r.document_id) for r in records[:5])


CRASH_SCRIPT = """
import json, os, signal, sys
from bots.credentials import Credentials
from bots.records import EntryRecord
from bots.runner import run_entry
from bots.target_files import load_target
from store import ContentStore, make_engine, session_factory
url, db_url, files, failures, data = sys.argv[1:6]
records = [EntryRecord.model_validate(r) for r in json.loads(data)]
def crash(rec):
    os.kill(os.getpid(), signal.SIGKILL)
run_entry(records, base_url=url, target=load_target("sandbox"),
          credentials=Credentials("clerk", "sandbox-pass"),
          sf=session_factory(make_engine(db_url)), files=ContentStore(files), failures_dir=failures,
          timeout_ms=30000, after_submit=crash)
"""


def test_sigkill_after_submit_then_rerun_enters_once(world_factory) -> None:  # type: ignore[no-untyped-def]
    world: World = world_factory()
    records = make_records(world, 2)
    data = json.dumps([r.model_dump(mode="json") for r in records])
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, world.url, world.db_url,
                           str(world.tmp / "files"), str(world.tmp / "failures"), data],
                          cwd=REPO, capture_output=True, timeout=600, env={**os.environ})
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    assert world.backoffice.onestop_count() == 1  # submitted, then killed before bookkeeping
    assert entries.attempts(world.sf, records[0].document_id)[0].outcome is None
    stats = world.enter(records)
    assert [o.outcome for o in stats.outcomes] == ["already_entered", "entered"]
    assert world.backoffice.onestop_per_receipt() == {r.receipt_no: 1 for r in records}  # type: ignore[misc]
    assert set(_statuses(world, records)) == {"entered"}


def test_chaos_all_entered_exactly_once_rejects_sent_back(world_factory) -> None:  # type: ignore[no-untyped-def]
    chaos = Chaos(slow_rate=0.1, slow_ms=150, error_rate=0.06, expire_rate=0.05, changed_ids=True, seed=11)
    world: World = world_factory(chaos=chaos)
    records = make_records(world, 12)
    bad_mn = records[2].model_copy(update={"my_number": records[2].my_number[:11] + str(
        (int(records[2].my_number[11]) + 1) % 10)})
    bad_kana = records[5].model_copy(update={"full_name_kana": "きふ はなこ"})
    records[2], records[5] = bad_mn, bad_kana
    total = RunStats()
    for _ in range(4):
        stats = world.enter(records, breaker=6, max_retries=5)
        total.outcomes += stats.outcomes
        total.retried += stats.retried
        if not stats.stopped and not stats.count("failed"):
            break
    assert total.retried > 0  # chaos did hit
    per_receipt = world.backoffice.onestop_per_receipt()
    counts = sorted(per_receipt.values())
    assert counts == [0, 0] + [1] * 10, counts
    statuses = _statuses(world, records)
    assert statuses.count("entered") == 10 and statuses[2] == statuses[5] == "needs_review"
    with world.sf() as s:
        msgs = [s.get(Document, records[i].document_id).error_message_ja for i in (2, 5)]  # type: ignore[union-attr]
    assert "個人番号が正しくありません" in msgs[0] and "全角カタカナ" in msgs[1]


class ExpiringBefore(list[EntryRecord]):
    """The records, with the target's sessions expired just before record ``at`` is handed out.

    The bot takes records one by one from this list, so the expiry lands exactly between
    record ``at - 1`` (finished: saved, read back, booked) and record ``at`` (not started).
    Only the first pass over the list expires anything.
    """

    def __init__(self, records: list[EntryRecord], at: int, backoffice: BackOfficeDB) -> None:
        super().__init__(records)
        self.at, self.backoffice = at, backoffice
        self.expired: int | None = None  # sessions expired (None: not yet)

    def __iter__(self) -> Iterator[EntryRecord]:
        for i, rec in enumerate(super().__iter__()):
            if i == self.at and self.expired is None:
                self.expired = self.backoffice.expire_sessions()
            yield rec


def test_session_expiry_recovered_with_changed_ids(world_factory) -> None:  # type: ignore[no-untyped-def]
    """Two expiries at chosen points, whatever the machine's speed (the session itself would
    last 15 minutes): between records 2 and 3, and right after record 5 was saved (before the
    bot read it back). Both are retried after a fresh login; the saved one is found by look-up."""
    world: World = world_factory(chaos=Chaos(changed_ids=True))
    records = ExpiringBefore(make_records(world, 8), at=3, backoffice=world.backoffice)
    after_save: list[int] = []

    def expire_after_saving_record_5(rec: EntryRecord) -> None:
        if rec.document_id == records[5].document_id and not after_save:
            after_save.append(world.backoffice.expire_sessions())

    stats = world.enter(records, after_submit=expire_after_saving_record_5)
    assert records.expired and after_save and after_save[0] >= 1  # a session was open each time
    outcomes = [o.outcome for o in stats.outcomes]
    assert outcomes[5] == "already_entered", outcomes  # saved before the expiry: found, not re-entered
    assert outcomes.count("entered") + outcomes.count("already_entered") == 8, stats.summary()
    assert stats.outcomes[3].tries >= 2 and stats.outcomes[5].tries >= 2, stats.summary()
    assert stats.retried >= 2, stats.summary()
    assert set(world.backoffice.onestop_per_receipt().values()) == {1}
    assert set(_statuses(world, records)) == {"entered"}
    assert any(p.suffix == ".zip" for p in (world.tmp / "failures").iterdir())  # trace kept on failure


def test_circuit_breaker_stops_and_leaves_rest_untouched(world_factory) -> None:  # type: ignore[no-untyped-def]
    world: World = world_factory(chaos=Chaos(error_rate=1.0))
    records = make_records(world, 3)
    stats = world.enter(records, breaker=3, max_retries=5, trace=False)
    assert stats.stopped and "3 consecutive failures" in stats.stopped
    assert len(stats.outcomes) == 1 and set(_statuses(world, records)) == {"read"}
    assert not entries.attempts(world.sf, records[1].document_id)
