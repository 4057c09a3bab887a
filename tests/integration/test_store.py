"""The work store on real SQLite files: migrations, content store, intake, leases, review audit."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError

from config.settings import Settings
from domain.errors import ApplicationError, BusinessError
from domain.lifecycle import DocumentStatus, IllegalTransition, ReviewActionKind
from domain.model import FieldReading, Issue, PageReading
from domain.status import FieldKind, FieldStatus, IssueCode, PageStatus, ReviewReason
from store import ContentStore, LeaseLost, Repository, database_url, make_engine, session_factory, upgrade
from store.db import alembic_config
from store.models import AuditTrailViolation, Base, Document, FieldResult, Page, ReviewAction
from store.review_queue import ReviewQueue
from store.users import UserStore

S = DocumentStatus
NAME = "山田　太郎"
SECRET_NUMBER = "123456789018"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _repo(url: str, root: Path, clock: Clock | None = None) -> Repository:
    return Repository(session_factory(make_engine(url)), ContentStore(root), clock=clock or Clock())


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, Engine]:
    url = _url(tmp_path / "yomitori.db")
    upgrade(url)
    return url, make_engine(url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repo(db: tuple[str, Engine], tmp_path: Path, clock: Clock) -> Repository:
    return Repository(session_factory(db[1]), ContentStore(tmp_path / "files"), clock=clock)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / "inbox" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def _reading(*, review: bool = True, extra_field: bool = True) -> list[PageReading]:
    fields = [
        FieldReading(field_id="name", kind=FieldKind.TEXT, value=NAME, raw=NAME, confidence=0.99,
                     probability=0.995, bbox_px=(10, 20, 300, 40), status=FieldStatus.AUTO_ACCEPTED,
                     calibration="v1"),
        FieldReading(field_id="birth", kind=FieldKind.WAREKI_DATE, value=date(1980, 1, 2),
                     raw="昭和55年1月2日", confidence=0.97, status=FieldStatus.AUTO_ACCEPTED),
    ]
    if extra_field:
        fields.append(FieldReading(
            field_id="my_number", kind=FieldKind.MY_NUMBER, value=SECRET_NUMBER, raw=SECRET_NUMBER,
            confidence=0.9, status=FieldStatus.NEEDS_REVIEW if review else FieldStatus.AUTO_ACCEPTED,
            reason=ReviewReason.CHECK_DIGIT_MISMATCH if review else None,
            issues=[Issue(code=IssueCode.CHECK_DIGIT_MISMATCH, message="チェックデジットが一致しません",
                          field_id="my_number")] if review else []))
    return [
        PageReading(index=0, status=PageStatus.READ, template_id="juminhyo", template_version=2,
                    page_number=1, orientation=180, alignment_quality=0.93, fields=fields),
        PageReading(index=1, status=PageStatus.NON_FORM, reason="no form marks"),
    ]


def _count(engine: Engine, model: type[Base]) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


# --- migrations -------------------------------------------------------------------------
def _schema(engine: Engine) -> dict[str, Any]:
    insp = inspect(engine)
    out: dict[str, Any] = {}
    for t in sorted(set(insp.get_table_names()) - {"alembic_version"}):
        out[t] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(t)],
            "pk": insp.get_pk_constraint(t)["constrained_columns"],
            "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"],
                           tuple(f["referred_columns"]), f["options"].get("ondelete"))
                          for f in insp.get_foreign_keys(t)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in insp.get_indexes(t)),
            "unique": sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(t)),
        }
    return out


def test_migration_head_matches_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # config is built in code: any cwd works
    migrated, created = _url(tmp_path / "migrated.db"), _url(tmp_path / "created.db")
    upgrade(migrated)
    upgrade(migrated)  # second run is a no-op
    import store.audit_models
    import store.page_decisions  # (page decisions live on the same Base)
    import store.review_models  # noqa: F401  (the review app's tables live on the same Base)

    Base.metadata.create_all(create_engine(created))
    expected = _schema(create_engine(created))
    assert set(expected) == {"batches", "documents", "pages", "field_results", "review_actions",
                             "entry_attempts", "review_users", "review_sessions", "review_leases",
                             "review_returns", "review_blind_entries", "review_sensitive_views",
                             "calibrations", "audit_draws", "audit_samples", "audit_checks",
                             "audit_leases", "audit_followups", "page_decisions"}
    assert _schema(create_engine(migrated)) == expected
    from alembic import command

    engine = make_engine(migrated)
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.check(cfg)  # autogenerate finds nothing to add
        command.downgrade(cfg, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}


def test_sqlite_pragmas_and_default_url(tmp_path: Path, db: tuple[str, Engine]) -> None:
    with db[1].connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    assert database_url(Settings(home=tmp_path)) == f"sqlite:///{tmp_path.resolve()}/yomitori.db"
    assert database_url(Settings(database_url="postgresql://h/db")) == "postgresql://h/db"


# --- content store ----------------------------------------------------------------------
def test_content_store_is_idempotent_atomic_and_verifiable(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cas = ContentStore(tmp_path / "cas")
    first = cas.put_bytes(b"page image", "pages", ".png")
    assert first.relpath == f"pages/{first.sha256[:2]}/{first.sha256}.png" and first.size == 10
    inode = os.stat(cas.path(first.relpath)).st_ino
    assert cas.put_bytes(b"page image", "pages", ".png") == first
    assert os.stat(cas.path(first.relpath)).st_ino == inode  # not rewritten
    assert cas.verify(first.relpath) and cas.open(first.relpath).read() == b"page image"

    big = _file(tmp_path, "scan.PDF", os.urandom(3 * 1024 * 1024 + 17))  # several chunks
    stored = cas.put_file(big, "originals")
    assert stored.relpath.endswith(".pdf") and stored.size == big.stat().st_size
    assert cas.put_bytes(big.read_bytes(), "originals", ".pdf") == stored
    assert cas.put_file(big, "originals") == stored
    assert cas.verify(stored.relpath)
    cas.path(stored.relpath).write_bytes(b"tampered")
    assert not cas.verify(stored.relpath)

    def boom(*_: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        cas.put_bytes(b"never visible", "crops", ".png")
    with pytest.raises(OSError):
        cas.put_file(_file(tmp_path, "x.tif", b"never either"), "originals")
    monkeypatch.undo()
    leftovers = [p for p in (tmp_path / "cas").rglob("*") if p.is_file() and p.name.startswith(".tmp")]
    assert leftovers == []
    assert sorted(p.parent.parent.name for p in (tmp_path / "cas").rglob("*") if p.is_file()) == \
        ["originals", "pages"]
    for bad in ("../etc/passwd", "/etc/passwd", "other/ab/cd", "pages/../../x"):
        with pytest.raises(ValueError):
            cas.path(bad)
    with pytest.raises(ValueError):
        cas.put_bytes(b"x", "secrets", ".png")
    with pytest.raises(ValueError):
        cas.put_bytes(b"x", "pages", "/../x")


# --- intake ------------------------------------------------------------------------------
def test_receive_records_once_and_reports_duplicates(repo: Repository, tmp_path: Path,
                                                     db: tuple[str, Engine],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    batch = repo.create_batch("朝の受付", "inbox")
    nfd = unicodedata.normalize("NFD", "住民票_ガギグ.pdf")
    first = repo.receive(batch, nfd, _file(tmp_path, nfd, b"%PDF-1 a"))
    assert first.duplicate_of is None
    doc = repo.document(first.document_id)
    assert doc is not None and doc.status == S.RECEIVED
    assert doc.source_name == unicodedata.normalize("NFC", nfd) != nfd
    assert doc.sha256 == first.sha256 and doc.size == 8 and doc.attempts == 0
    assert doc.original_path and repo.files.verify(doc.original_path)

    again = repo.receive(batch, "copy.pdf", _file(tmp_path, "copy.pdf", b"%PDF-1 a"))
    assert (again.document_id, again.duplicate_of, again.sha256) == (first.document_id,
                                                                      first.document_id, first.sha256)
    nfc = unicodedata.normalize("NFC", nfd)  # same name, other bytes: a new document
    other = repo.receive(batch, nfc, _file(tmp_path, nfc, b"%PDF-1 b"))
    assert other.duplicate_of is None and other.document_id != first.document_id
    assert _count(db[1], Document) == 2
    assert repo.counts_by_status()["received"] == 2

    q = repo.quarantine(batch, "broken.pdf", "ab" * 32, "pdf_encrypted", "暗号化されたPDFです")
    assert repo.quarantine(batch, "broken.pdf", "ab" * 32, "pdf_encrypted", "暗号化されたPDFです") == q
    repo.quarantine(batch, "empty.pdf", None, "empty_file", "空のファイルです")
    repo.quarantine(batch, "empty2.pdf", None, "empty_file", "空のファイルです")
    assert repo.counts_by_status()["quarantined"] == 3
    with pytest.raises(LookupError):
        repo.receive(9999, "x.pdf", _file(tmp_path, "x.pdf", b"x"))
    assert "住民票" not in unicodedata.normalize("NFC", caplog.text)  # file names are not logged


def test_receive_race_lost_on_insert_reports_the_winner(repo: Repository, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The PostgreSQL-style race: the sha256 lookup misses, the INSERT hits the UNIQUE index."""
    batch = repo.create_batch("b", "test")
    winner = repo.receive(batch, "a.pdf", _file(tmp_path, "a.pdf", b"same"))
    real = Repository._by_sha
    calls: list[str] = []

    def miss_once(s: Any, sha: str) -> int | None:
        calls.append(sha)
        return None if len(calls) == 1 else real(s, sha)

    monkeypatch.setattr(Repository, "_by_sha", staticmethod(miss_once))
    loser = repo.receive(batch, "b.pdf", _file(tmp_path, "b.pdf", b"same"))
    assert len(calls) == 2 and loser.duplicate_of == winner.document_id == loser.document_id


def _receive_worker(url: str, root: str, inbox: str, start: Any, out: Any) -> None:
    repo = _repo(url, Path(root))
    batch = repo.create_batch("concurrent", "test")
    start.wait()
    got = [(p.name, repo.receive(batch, p.name, p)) for p in sorted(Path(inbox).iterdir())]
    out.put([(name, r.document_id, r.duplicate_of) for name, r in got])


def _claim_worker(url: str, root: str, worker: str, start: Any, out: Any) -> None:
    repo = _repo(url, Path(root))
    start.wait()
    got: list[int] = []
    while ids := repo.claim(worker, 2, 600):
        got.extend(ids)
    out.put(got)


def _run_two(target: Any, args: list[tuple[Any, ...]]) -> list[Any]:
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(len(args)), ctx.Queue()  # both start hammering together
    procs = [ctx.Process(target=target, args=(*a, start, out)) for a in args]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return results


@pytest.mark.slow
def test_two_processes_receiving_the_same_files_record_each_once(db: tuple[str, Engine],
                                                                 tmp_path: Path) -> None:
    for i in range(12):
        _file(tmp_path, f"scan{i:02}.pdf", f"content {i}".encode())
    a, b = _run_two(_receive_worker, [(db[0], str(tmp_path / "files"), str(tmp_path / "inbox"))] * 2)
    assert _count(db[1], Document) == 12
    for (name_a, id_a, dup_a), (name_b, id_b, dup_b) in zip(a, b, strict=True):
        assert name_a == name_b and id_a == id_b
        assert sorted([dup_a, dup_b], key=lambda d: d is not None) == [None, id_a]


@pytest.mark.slow
def test_two_processes_never_claim_the_same_document(repo: Repository, db: tuple[str, Engine],
                                                     tmp_path: Path) -> None:
    batch = repo.create_batch("many", "test")
    ids = {repo.receive(batch, f"{i}.png", _file(tmp_path, f"{i}.png", b"png %d" % i)).document_id
           for i in range(60)}
    a, b = _run_two(_claim_worker, [(db[0], str(tmp_path / "files"), w) for w in ("w-a", "w-b")])
    assert set(a) | set(b) == ids
    assert not set(a) & set(b)
    assert len(a) + len(b) == 60
    assert repo.counts_by_status()["processing"] == 60


# --- reading -----------------------------------------------------------------------------
def _received(repo: Repository, tmp_path: Path, data: bytes = b"%PDF doc") -> int:
    batch = repo.create_batch("b", "test")
    return repo.receive(batch, "doc.pdf", _file(tmp_path, f"{len(data)}-{data.hex()}.pdf", data)).document_id


def test_save_reading_is_idempotent_and_stores_values(repo: Repository, db: tuple[str, Engine],
                                                      tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    doc_id = _received(repo, tmp_path)
    assert repo.claim("w1", 10, 600) == [doc_id]
    images = [b"png page 0", b"png page 1"]
    crops = {(0, "name"): b"crop name"}
    assert repo.save_reading(doc_id, "w1", _reading(), images, crops) is S.NEEDS_REVIEW
    first_pages, first_fields = repo.pages(doc_id), repo.fields(doc_id)
    repo.set_status(doc_id, S.PROCESSING)  # staff ask for a re-read
    assert repo.claim("w2", 10, 600) == [doc_id]
    repo.save_reading(doc_id, "w2", _reading(), images, crops)
    assert [p.id for p in repo.pages(doc_id)] == [p.id for p in first_pages]
    assert [f.id for f in repo.fields(doc_id)] == [f.id for f in first_fields]
    assert (_count(db[1], Page), _count(db[1], FieldResult)) == (2, 3)

    doc = repo.document(doc_id)
    assert doc is not None and doc.status == S.NEEDS_REVIEW and doc.lease_owner is None
    assert (doc.page_count, doc.template_id, doc.template_version) == (2, "juminhyo", 2)
    p0, p1 = repo.pages(doc_id)
    assert (p0.status, p0.orientation, p0.alignment_quality, p1.status) == ("read", 180, 0.93, "non_form")
    assert p0.image_path and repo.files.open(p0.image_path).read() == b"png page 0"
    name, birth, number = repo.fields(doc_id)
    assert (name.value, birth.value, number.value) == (NAME, "1980-01-02", SECRET_NUMBER)
    assert NAME in name.value_json  # ensure_ascii=False
    assert name.bbox == "[10, 20, 300, 40]" and name.crop_path and birth.crop_path is None
    assert (number.status, number.reason) == ("needs_review", "check_digit_mismatch")
    assert number.issues[0]["code"] == "check_digit_mismatch"
    assert SECRET_NUMBER not in caplog.text and "山田" not in caplog.text

    # A re-read that no longer has a field or a page drops those rows.
    repo.set_status(doc_id, S.PROCESSING)
    repo.claim("w3", 10, 600)
    assert repo.save_reading(doc_id, "w3", _reading(extra_field=False)[:1]) is S.READ
    assert (_count(db[1], Page), _count(db[1], FieldResult)) == (1, 2)


def test_stale_worker_cannot_overwrite(repo: Repository, clock: Clock, tmp_path: Path) -> None:
    doc_id = _received(repo, tmp_path)
    assert repo.claim("slow", 1, 60) == [doc_id]
    assert repo.claim("other", 1, 60) == []  # lease still held
    clock.advance(61)
    assert repo.claim("other", 1, 60) == [doc_id]  # expired lease taken over
    doc = repo.document(doc_id)
    assert doc is not None and (doc.lease_owner, doc.attempts) == ("other", 1)
    with pytest.raises(LeaseLost) as info:
        repo.save_reading(doc_id, "slow", _reading())
    assert isinstance(info.value, ApplicationError) and str(doc_id) in str(info.value)
    with pytest.raises(LeaseLost):
        repo.release(doc_id, "slow", "late")
    assert repo.fields(doc_id) == []  # nothing of the late worker's was kept
    assert repo.save_reading(doc_id, "other", _reading(review=False)) is S.READ
    with pytest.raises(LeaseLost):
        repo.save_reading(doc_id, "other", _reading())  # lease released by the save


def test_expired_lease_not_taken_over_still_lets_its_holder_finish(repo: Repository, clock: Clock,
                                                                    tmp_path: Path) -> None:
    doc_id = _received(repo, tmp_path)
    repo.claim("w", 1, 10)
    clock.advance(3600)
    assert repo.save_reading(doc_id, "w", _reading(review=False)) is S.READ


def test_release_retries_then_fails(repo: Repository, tmp_path: Path) -> None:
    doc_id = _received(repo, tmp_path)
    for expected in (S.RECEIVED, S.RECEIVED, S.FAILED):
        assert repo.claim("w", 5, 600) == [doc_id]
        assert repo.release(doc_id, "w", "ocr_crash") is expected
    doc = repo.document(doc_id)
    assert doc is not None and (doc.status, doc.attempts, doc.error_code) == ("failed", 3, "ocr_crash")
    assert doc.error_message_ja and "3回" in doc.error_message_ja
    assert repo.claim("w", 5, 600) == []
    repo.set_status(doc_id, S.RECEIVED)  # a person asks for a retry
    doc = repo.document(doc_id)
    assert doc is not None and (doc.status, doc.attempts, doc.error_code) == ("received", 0, None)
    assert repo.claim("w", 5, 600) == [doc_id]


def test_worker_that_keeps_dying_ends_failed(repo: Repository, clock: Clock, tmp_path: Path) -> None:
    doc_id = _received(repo, tmp_path)
    for worker in ("a", "b", "c"):
        assert repo.claim(worker, 1, 30) == [doc_id]
        clock.advance(31)  # the worker died holding the lease
    assert repo.claim("d", 1, 30) == []
    doc = repo.document(doc_id)
    assert doc is not None and (doc.status, doc.attempts, doc.error_code) == ("failed", 3, "lease_expired")


def test_quarantine_claimed_document_and_illegal_moves(repo: Repository, tmp_path: Path) -> None:
    doc_id = _received(repo, tmp_path)
    with pytest.raises(IllegalTransition):
        repo.set_status(doc_id, S.ENTERED)
    repo.claim("w", 1, 600)
    with pytest.raises(ApplicationError):
        repo.set_status(doc_id, S.RECEIVED)  # only the lease holder moves it now
    repo.quarantine_document(doc_id, "w", "no_pages", "ページを取り出せません")
    with pytest.raises(IllegalTransition):
        repo.set_status(doc_id, S.RECEIVED)  # quarantined is terminal
    assert repo.counts_by_status()["quarantined"] == 1


# --- review ------------------------------------------------------------------------------
def _needs_review(repo: Repository, tmp_path: Path) -> tuple[int, FieldResult]:
    doc_id = _received(repo, tmp_path)
    repo.claim("w", 1, 600)
    repo.save_reading(doc_id, "w", _reading())
    number = next(f for f in repo.fields(doc_id) if f.field_id == "my_number")
    return doc_id, number


def test_record_review_appends_audit_and_updates_field(repo: Repository, tmp_path: Path,
                                                       db: tuple[str, Engine]) -> None:
    doc_id, number = _needs_review(repo, tmp_path)
    assert repo.pending_review(doc_id) == 1
    with pytest.raises(BusinessError):
        repo.complete_review(doc_id)
    act = repo.record_review(number.id, "clerk-7", "123456789012", ReviewActionKind.CORRECT, "typo")
    field = next(f for f in repo.fields(doc_id) if f.id == number.id)
    assert (field.value, field.status) == ("123456789012", "corrected")
    with session_factory(db[1])() as s:
        row = s.get(ReviewAction, act)
        assert row is not None
        assert (row.actor, row.action, row.old_value_json, row.new_value_json) == (
            "clerk-7", "correct", f'"{SECRET_NUMBER}"', '"123456789012"')
    assert repo.pending_review(doc_id) == 0
    repo.complete_review(doc_id)
    with pytest.raises(BusinessError):  # no longer waiting for review
        repo.record_review(number.id, "clerk-7", None, "confirm")

    # A re-read keeps the reviewed row (and its audit) even when the field disappears.
    repo.set_status(doc_id, S.NEEDS_REVIEW)
    repo.set_status(doc_id, S.PROCESSING)
    repo.claim("w", 1, 600)
    repo.save_reading(doc_id, "w", _reading(extra_field=False))
    assert number.id in {f.id for f in repo.fields(doc_id)}
    assert _count(db[1], ReviewAction) == 1


def test_review_actions_are_append_only(repo: Repository, tmp_path: Path, db: tuple[str, Engine]) -> None:
    _, number = _needs_review(repo, tmp_path)
    act = repo.record_review(number.id, "clerk", SECRET_NUMBER, "confirm")
    sessions = session_factory(db[1])
    with sessions() as s:
        row = s.get(ReviewAction, act)
        assert row is not None
        row.actor = "someone else"
        with pytest.raises(AuditTrailViolation):
            s.commit()
    with sessions() as s:
        s.delete(s.get(ReviewAction, act))
        with pytest.raises(AuditTrailViolation):
            s.commit()
    with sessions() as s, pytest.raises(AuditTrailViolation):
        s.execute(update(ReviewAction).values(actor="x"))
    for sql in ("UPDATE review_actions SET actor = 'x'", "DELETE FROM review_actions"):
        with pytest.raises(DBAPIError, match="append-only"), db[1].begin() as conn:
            conn.execute(text(sql))
    with sessions() as s:
        row = s.get(ReviewAction, act)
        assert row is not None and row.actor == "clerk"


def test_review_lease_hides_a_document_from_other_reviewers_until_it_expires(
        repo: Repository, db: tuple[str, Engine], clock: Clock, tmp_path: Path) -> None:
    """Rule (``ReviewQueue._open``: ``ReviewLease.expires_at > now``): a document leased to
    one reviewer is offered to no other reviewer while the lease runs, and to the next
    reviewer once it has expired (at ``expires_at`` exactly). Time moves on an injected clock."""
    doc_id, _ = _needs_review(repo, tmp_path)
    sf = session_factory(db[1])
    users = UserStore(sf, clock=clock)
    a, b = (users.add_user(name, "a long test passphrase", "reviewer") for name in ("rev_a", "rev_b"))
    queue = ReviewQueue(sf, lease=timedelta(minutes=30), clock=clock)

    assert queue.claim_next(a) == doc_id
    version = queue.held_version(doc_id, a)
    assert version is not None
    clock.advance(30 * 60 - 1)  # one second before A's lease ends
    assert queue.claim_next(b) is None  # hidden from B
    [row] = queue.rows()
    assert row.document_id == doc_id and row.leased_by_other and queue.counts().in_progress == 1
    assert queue.claim_next(a) == doc_id and queue.held_version(doc_id, a) == version  # still A's

    clock.advance(1)  # A's lease has expired
    assert queue.held_version(doc_id, a) is None and queue.counts().in_progress == 0
    assert queue.claim_next(b) == doc_id  # offered to B, and leased to B now
    assert queue.held_version(doc_id, b) is not None
    assert not queue.bump(doc_id, a, version)  # A's form, rendered under the old lease, cannot win
    assert queue.claim_next(a) is None  # now A is the other reviewer
