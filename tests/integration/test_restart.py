"""Restartability and multi-worker safety, with real OS processes on one SQLite file.

* SIGKILL a worker mid-batch, start another: the killed worker's lease expires, the
  document is taken over, and every document ends read exactly once (one row per page).
* Two workers at once on one batch: every document is saved by exactly one of them.

Each worker process runs ``services.worker.run_worker`` with the real pipeline and a
scripted recogniser slowed down to ~0.3 s per page, and appends the id of every document
it saved to its own file right after ``save_reading`` returned.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_worker import make_repo, page_rows, receive, write_batch

from domain.lifecycle import DocumentStatus
from domain.model import FormTemplate
from store import Repository

S = DocumentStatus
REPO = Path(__file__).resolve().parents[2]
BATCH = [(t, seed, "pdf") for seed in range(10, 14)
         for t in ("furusato_application", "onestop_2022")]  # 8 one-page documents
DONE = (S.READ, S.NEEDS_REVIEW)

WORKER_SCRIPT = """
import sys, time
from pathlib import Path
from datetime import date
from forms.loader import load_templates
from services.compose import render_blank
from ocr.engines.fake import FakeRecognizer
from ocr.reader import Reader
from store import ContentStore, Repository, make_engine, session_factory
from services.worker import run_worker

url, root, out, lease = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])

class Slow(FakeRecognizer):
    def recognize(self, crops, alphabets):
        time.sleep(0.3)
        return super().recognize(crops, alphabets)

reader = Reader(templates=load_templates(), recognizer=Slow(lambda i, c, a: ("1", 0.5)),
                blank_renderer=render_blank, today=date(2026, 11, 20))
repo = Repository(session_factory(make_engine(url)), ContentStore(root))

def record(result):
    if result.status is not None and result.status.value in ("read", "needs_review"):
        with out.open("a") as f:
            f.write(f"{result.document_id}\\n")

out.write_text("")
go = out.with_suffix(".go")
while not go.exists():  # start together: the test creates the file once every worker is ready
    time.sleep(0.02)
run_worker(repo, repo.files, reader, batch_size=1, lease_seconds=lease, poll_seconds=0.3,
           on_result=record)
"""


def _start(tmp: Path, name: str, lease: int) -> tuple[subprocess.Popen[bytes], Path]:
    script = tmp / "worker_main.py"
    if not script.exists():
        script.write_text(WORKER_SCRIPT, encoding="utf-8")
    out = tmp / f"{name}.ids"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(script), f"sqlite:///{tmp / 'yomitori.db'}",
                             str(tmp / "files"), str(out), str(lease)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL)
    return proc, out


def _go(*outs: Path) -> None:
    deadline = time.monotonic() + 30
    while not all(o.exists() for o in outs) and time.monotonic() < deadline:
        time.sleep(0.05)
    for o in outs:
        o.with_suffix(".go").touch()


def _ids(out: Path) -> list[int]:
    return [int(x) for x in out.read_text().split()] if out.exists() else []


def _saved(repo: Repository) -> int:
    counts = repo.counts_by_status()
    return counts[S.READ] + counts[S.NEEDS_REVIEW]


def _assert_each_read_once(repo: Repository, expected: dict[int, int]) -> None:
    for doc_id, n in expected.items():
        doc = repo.document(doc_id)
        assert doc is not None and doc.status in DONE, (doc_id, doc and doc.status)
        assert doc.lease_owner is None
        assert page_rows(repo, doc_id) == list(range(n))  # its page rows, no duplicates


@pytest.fixture(scope="module")
def scans(templates: dict[str, FormTemplate], tmp_path_factory: pytest.TempPathFactory
          ) -> list[tuple[Path, int]]:
    return write_batch(templates, tmp_path_factory.mktemp("restart-scans"), BATCH)


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_sigkill_mid_batch_then_restart(tmp_path: Path, scans: list[tuple[Path, int]]) -> None:
    repo = make_repo(tmp_path)
    expected = receive(repo, scans)
    lease = 3
    first, first_out = _start(tmp_path, "first", lease)
    _go(first_out)
    deadline = time.monotonic() + 60
    while _saved(repo) < 1 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed_at = _saved(repo)
    assert 1 <= killed_at < len(expected), "kill must land mid-batch"
    assert repo.counts_by_status()[S.PROCESSING] == 1  # the killed worker's lease is left behind

    second, second_out = _start(tmp_path, "second", lease)
    _go(second_out)
    assert second.wait(60) == 0
    _assert_each_read_once(repo, expected)
    a, b = _ids(first_out), _ids(second_out)
    assert not set(a) & set(b)  # nothing read to completion twice
    assert set(a) | set(b) <= set(expected)
    taken_over = [d for d in expected if (doc := repo.document(d)) is not None and doc.attempts == 1]
    assert len(taken_over) == 1 and taken_over[0] in b  # the expired lease was taken over once


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_two_workers_one_batch(tmp_path: Path, scans: list[tuple[Path, int]]) -> None:
    repo = make_repo(tmp_path)
    expected = receive(repo, scans)
    workers = [_start(tmp_path, f"w{k}", 60) for k in (1, 2)]
    _go(*(out for _, out in workers))
    for proc, _ in workers:
        assert proc.wait(60) == 0
    a, b = (_ids(out) for _, out in workers)
    assert not set(a) & set(b), "a document was processed by both workers"
    assert sorted(a + b) == sorted(expected)  # complete, each exactly once
    assert a and b, "both workers took part"
    _assert_each_read_once(repo, expected)
    assert all((doc := repo.document(d)) is not None and doc.attempts == 0 for d in expected)
