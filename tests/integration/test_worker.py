"""The recognition worker on a real SQLite file, a real content store and real generated scans.

The reader is the production pipeline with a scripted recogniser (FakeRecognizer): page
identification, alignment, OMR, triage and PNG storage are all real.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from domain.lifecycle import DocumentStatus
from domain.model import FormTemplate
from ocr.engines.fake import FakeRecognizer
from ocr.reader import Reader
from services.compose import render_blank
from services.worker import new_worker_id, process_document, run_worker
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from store.models import Page
from synth.generate import SynthOptions, generate_document, write_document

S = DocumentStatus
TODAY = date(2026, 11, 20)
CLEAN = SynthOptions(degrade=False, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0,
                     style="printed")
# (template, seed, format): 4 pages in 3 files, three intake formats
BATCH = [("furusato_application", 1, "pdf"), ("citizen_survey", 2, "tiff"), ("onestop_2022", 3, "pdf")]


def make_repo(tmp: Path) -> Repository:
    url = f"sqlite:///{tmp / 'yomitori.db'}"
    upgrade(url)
    return Repository(session_factory(make_engine(url)), ContentStore(tmp / "files"), max_attempts=3)


def fake_reader(templates: dict[str, FormTemplate],
                answer: Callable[[int, np.ndarray, str | None], object] | None = None) -> Reader:
    fake = FakeRecognizer(answer or (lambda i, crop, alphabet: ("1", 0.5)))  # type: ignore[arg-type]
    return Reader(templates=templates, recognizer=fake, blank_renderer=render_blank, today=TODAY)


def write_batch(templates: dict[str, FormTemplate], out: Path,
                batch: list[tuple[str, int, str]] = BATCH) -> list[tuple[Path, int]]:
    """Generated scan files and their page counts."""
    files = []
    for tid, seed, fmt in batch:
        doc = generate_document(templates[tid], seed, CLEAN, document_id=f"{tid}_{seed}")
        files.append((write_document(doc, out, fmt)[0], len(doc.pages)))
    return files


def receive(repo: Repository, files: list[tuple[Path, int]]) -> dict[int, int]:
    """Receive files as one batch; document id → expected page count."""
    batch = repo.create_batch("test", "test")
    return {repo.receive(batch, p.name, p).document_id: n for p, n in files}


def page_rows(repo: Repository, document_id: int) -> list[int]:
    return [p.index for p in repo.pages(document_id)]


@pytest.fixture(scope="module")
def scans(templates: dict[str, FormTemplate], tmp_path_factory: pytest.TempPathFactory
          ) -> list[tuple[Path, int]]:
    return write_batch(templates, tmp_path_factory.mktemp("scans"))


def test_batch_end_to_end(tmp_path: Path, templates: dict[str, FormTemplate],
                          scans: list[tuple[Path, int]]) -> None:
    repo = make_repo(tmp_path)
    expected = receive(repo, scans)
    seen: list[int] = []
    stats = run_worker(repo, repo.files, fake_reader(templates), batch_size=2, lease_seconds=60,
                       on_result=lambda r: seen.append(r.document_id))
    assert sorted(stats.processed) == sorted(seen) == sorted(expected)
    assert stats.pages == sum(expected.values()) == 4
    assert dict(stats.forms) == {"furusato_application": 1, "citizen_survey": 2, "onestop_2022": 1}
    assert stats.fields_auto + stats.fields_review == sum(len(t.fields) for t in (
        templates["furusato_application"], templates["citizen_survey"], templates["onestop_2022"]))
    for doc_id, n in expected.items():
        doc = repo.document(doc_id)
        assert doc is not None and doc.status in (S.READ, S.NEEDS_REVIEW)
        assert doc.lease_owner is None and doc.page_count == n
        assert page_rows(repo, doc_id) == list(range(n))  # exactly one Page row per page
        for page in repo.pages(doc_id):
            assert page.image_path and repo.files.path(page.image_path).read_bytes()[:4] == b"\x89PNG"
        fields = repo.fields(doc_id)
        assert fields
        for f in fields:  # every field keeps the crop a reviewer will see beside its value
            assert f.crop_path and repo.files.path(f.crop_path).read_bytes()[:4] == b"\x89PNG"
    counts = repo.counts_by_status()
    assert counts[S.RECEIVED] == counts[S.PROCESSING] == 0
    # a second worker finds nothing to do and leaves the rows alone
    again = run_worker(repo, repo.files, fake_reader(templates), lease_seconds=60)
    assert again.documents == 0


def test_corrupt_original_is_quarantined(tmp_path: Path, templates: dict[str, FormTemplate]) -> None:
    repo = make_repo(tmp_path)
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    doc_id = receive(repo, [(bad, 0)]).popitem()[0]
    worker = new_worker_id()
    assert repo.claim(worker, 1, 60) == [doc_id]
    result = process_document(repo, repo.files, fake_reader(templates), doc_id, worker)
    assert result.status is S.QUARANTINED and result.error == "corrupt_pdf"
    doc = repo.document(doc_id)
    assert doc is not None and doc.status == S.QUARANTINED and doc.error_code == "corrupt_pdf"
    assert doc.error_message_ja and "PDF" in doc.error_message_ja
    assert page_rows(repo, doc_id) == []
    assert repo.claim(worker, 1, 60) == []  # never retried


def test_crash_is_released_and_retried(tmp_path: Path, templates: dict[str, FormTemplate],
                                       scans: list[tuple[Path, int]]) -> None:
    repo = make_repo(tmp_path)
    expected = receive(repo, scans[:1])
    doc_id = next(iter(expected))
    crashes = {"left": 1}

    def flaky(i: int, crop: np.ndarray, alphabet: str | None) -> object:
        if crashes["left"]:
            crashes["left"] -= 1
            raise RuntimeError("engine crashed")
        return ("1", 0.5)

    results: list[tuple[int, str | None, str | None]] = []
    stats = run_worker(repo, repo.files, fake_reader(templates, flaky), lease_seconds=60,
                       on_result=lambda r: results.append((r.document_id, r.status, r.error)))
    assert results[0] == (doc_id, S.RECEIVED, "RuntimeError")  # released, then claimed again
    assert results[1][0] == doc_id and results[1][1] in (S.READ, S.NEEDS_REVIEW)
    assert stats.processed == [doc_id]
    doc = repo.document(doc_id)
    assert doc is not None and doc.attempts == 1 and doc.error_code is None
    assert page_rows(repo, doc_id) == list(range(expected[doc_id]))


def test_repeated_crash_ends_failed(tmp_path: Path, templates: dict[str, FormTemplate],
                                    scans: list[tuple[Path, int]]) -> None:
    repo = make_repo(tmp_path)
    doc_id = next(iter(receive(repo, scans[:1])))

    def broken(i: int, crop: np.ndarray, alphabet: str | None) -> object:
        raise RuntimeError("engine crashed")

    stats = run_worker(repo, repo.files, fake_reader(templates, broken), lease_seconds=60)
    assert stats.documents == 3 and stats.processed == []
    doc = repo.document(doc_id)
    assert doc is not None and doc.status == S.FAILED and doc.error_code == "RuntimeError"
    assert doc.error_message_ja and "3回" in doc.error_message_ja


def test_rerun_keeps_one_page_row_per_page(tmp_path: Path, templates: dict[str, FormTemplate],
                                           scans: list[tuple[Path, int]]) -> None:
    """A document read twice (a re-read request) still has exactly one row per page."""
    repo = make_repo(tmp_path)
    doc_id, n = receive(repo, scans[1:2]).popitem()
    reader = fake_reader(templates)
    run_worker(repo, repo.files, reader, lease_seconds=60)
    first = [p.id for p in repo.pages(doc_id)]
    repo.set_status(doc_id, S.PROCESSING)  # queue a re-read
    run_worker(repo, repo.files, reader, lease_seconds=60)
    assert [p.id for p in repo.pages(doc_id)] == first and len(first) == n
    engine = make_engine(f"sqlite:///{tmp_path / 'yomitori.db'}")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Page)) == n


def test_cli_receive_and_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                templates: dict[str, FormTemplate], scans: list[tuple[Path, int]]) -> None:
    from typer.testing import CliRunner

    from config.settings import get_settings
    from intake import build_repository
    from yomitori.cli.ops import app, receive_files

    monkeypatch.setenv("YOMITORI_HOME", str(tmp_path / "home"))
    settings = get_settings()
    repo = build_repository(settings)
    bad = tmp_path / "in" / "empty.png"
    bad.parent.mkdir()
    bad.write_bytes(b"")
    _, counts = receive_files(repo, settings, [scans[0][0], scans[0][0], bad.parent])
    assert counts == {"received": 1, "duplicate": 1, "empty_file": 1}
    run_worker(repo, repo.files, fake_reader(templates), lease_seconds=60)
    out = CliRunner().invoke(app, ["status"]).output
    assert "     1件  職員の確認待ち" in out and "     1件  使用できないファイル（隔離）" in out
    assert "     2件  合計" in out
    assert "職員の確認待ちの項目:" in out


def test_cli_retry_gives_failed_documents_another_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          scans: list[tuple[Path, int]]) -> None:
    from sqlalchemy import update
    from typer.testing import CliRunner

    from config.settings import get_settings
    from intake import build_repository
    from store.models import Document
    from yomitori.cli.ops import app, receive_files

    monkeypatch.setenv("YOMITORI_HOME", str(tmp_path / "home"))
    settings = get_settings()
    repo = build_repository(settings)
    receive_files(repo, settings, [scans[0][0], scans[1][0]])
    ids = [i for i, _, _ in repo.list_documents()]
    engine = make_engine(f"sqlite:///{tmp_path / 'home' / 'yomitori.db'}")
    with engine.begin() as conn:  # as after max_read_attempts crashes
        conn.execute(update(Document).where(Document.id == ids[0])
                     .values(status="failed", attempts=3, error_code="crash"))
    runner = CliRunner()
    listed = runner.invoke(app, ["status", "--failed"]).output
    assert f"書類 {ids[0]}" in listed and f"書類 {ids[1]}" not in listed
    assert runner.invoke(app, ["retry"]).exit_code == 1  # nothing named: nothing done
    bad = runner.invoke(app, ["retry", str(ids[1])])  # received, not failed: refused, unchanged
    assert bad.exit_code == 1 and repo.document(ids[1]).status == "received"  # type: ignore[union-attr]
    ok = runner.invoke(app, ["retry", "--all-failed"])
    assert ok.exit_code == 0 and "1件" in ok.output
    doc = repo.document(ids[0])
    assert doc is not None and (doc.status, doc.attempts, doc.error_code) == ("received", 0, None)


def test_transient_error_keeps_the_lease_for_a_task_retry(tmp_path: Path, templates: dict[str, FormTemplate],
                                                          scans: list[tuple[Path, int]]) -> None:
    from domain.errors import ApplicationError

    repo = make_repo(tmp_path)
    doc_id = next(iter(receive(repo, scans[:1])))
    worker = new_worker_id()
    repo.claim(worker, 1, 60)
    doc = repo.document(doc_id)
    assert doc is not None and doc.original_path
    original = repo.files.path(doc.original_path)
    saved = original.read_bytes()
    original.unlink()  # the share holding the content store went away
    with pytest.raises(ApplicationError):
        process_document(repo, repo.files, fake_reader(templates), doc_id, worker, raise_transient=True)
    doc = repo.document(doc_id)
    assert doc is not None and doc.status == S.PROCESSING and doc.lease_owner == worker
    original.write_bytes(saved)  # back: the retry under the same worker id succeeds
    result = process_document(repo, repo.files, fake_reader(templates), doc_id, worker, raise_transient=True)
    assert result.status in (S.READ, S.NEEDS_REVIEW) and result.batch_id is not None
