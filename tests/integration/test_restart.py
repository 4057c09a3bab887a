"""Restartability and multi-worker safety, with real OS processes on one SQLite file.

* SIGKILL a worker mid-document, start another: the killed worker's lease has expired for
  the new one, the document is taken over, and every document ends read exactly once (one
  row per page).
* Two workers at once on one batch: every document is saved by exactly one of them.

Each worker process runs ``services.worker.run_worker`` with the real pipeline and a
scripted recogniser, and appends the id of every document it saved to its own file right
after ``save_reading`` returned. Nothing depends on how fast the machine is: the killed
worker stops itself at a chosen point (it blocks in the reading after its first save and
says so in a file) before the test kills it; the restarted worker's store clock runs
ahead by more than the lease, instead of the test waiting for the lease to run out; and
two workers wait for each other once each holds a document, so both take part.
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
LEASE = 60  # seconds; no lease runs out on its own during a test (the restart skews a clock)

WORKER_SCRIPT = """
import sys, time
from pathlib import Path
from datetime import date, timedelta
from forms.loader import load_templates
from services.compose import render_blank
from ocr.engines.fake import FakeRecognizer
from ocr.reader import Reader
from store import ContentStore, Repository, make_engine, session_factory
from store.models import utcnow
from services.worker import run_worker

url, root, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
lease, skew, stop_after = int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
peers = [Path(p) for p in sys.argv[7:]]  # .holding files of the workers to wait for
saved = 0

def wait_for(paths, give_up=120.0):
    end = time.monotonic() + give_up  # only against a peer that died: the test then fails
    while not all(p.exists() for p in paths) and time.monotonic() < end:
        time.sleep(0.02)

class Stopping(FakeRecognizer):
    def recognize(self, crops, alphabets):
        if stop_after and saved >= stop_after:  # mid-document, under its lease: wait for SIGKILL
            out.with_suffix(".stuck").touch()
            while True:
                time.sleep(1)
        return super().recognize(crops, alphabets)

class Store(Repository):
    def claim(self, worker, limit, lease_seconds):
        ids = super().claim(worker, limit, lease_seconds)
        if ids and peers and not out.with_suffix(".holding").exists():
            out.with_suffix(".holding").touch()  # this worker holds a document now ...
            wait_for(peers)  # ... and goes on once every peer holds one too
        return ids

reader = Reader(templates=load_templates(), recognizer=Stopping(lambda i, c, a: ("1", 0.5)),
                blank_renderer=render_blank, today=date(2026, 11, 20))
repo = Store(session_factory(make_engine(url)), ContentStore(root),
             clock=lambda: utcnow() + timedelta(seconds=skew))

def record(result):
    global saved
    if result.status is not None and result.status.value in ("read", "needs_review"):
        with out.open("a") as f:
            f.write(f"{result.document_id}\\n")
        saved += 1

run_worker(repo, repo.files, reader, batch_size=1, lease_seconds=lease, poll_seconds=0.3,
           on_result=record)
"""


def _start(tmp: Path, name: str, *, skew: float = 0.0, stop_after: int = 0,
           peers: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], Path]:
    """Start a worker process; ``skew`` seconds are added to its store clock; it blocks in the
    reading after saving ``stop_after`` documents (0: never); it waits, once it holds a
    document, until each of ``peers`` holds one too."""
    script = tmp / "worker_main.py"
    if not script.exists():
        script.write_text(WORKER_SCRIPT, encoding="utf-8")
    out = tmp / f"{name}.ids"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(script), f"sqlite:///{tmp / 'yomitori.db'}",
                             str(tmp / "files"), str(out), str(LEASE), str(skew), str(stop_after),
                             *(str(tmp / f"{p}.holding") for p in peers)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL)
    return proc, out


def _wait_until_stuck(proc: subprocess.Popen[bytes], out: Path) -> None:
    """Until the worker says it is blocked at its stop point (it must not exit first)."""
    stuck = out.with_suffix(".stuck")
    while not stuck.exists():
        assert proc.poll() is None, f"the worker exited ({proc.returncode}) before its stop point"
        time.sleep(0.05)


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
@pytest.mark.timeout(180)
def test_sigkill_mid_batch_then_restart(tmp_path: Path, scans: list[tuple[Path, int]]) -> None:
    repo = make_repo(tmp_path)
    expected = receive(repo, scans)
    first, first_out = _start(tmp_path, "first", stop_after=1)
    _wait_until_stuck(first, first_out)  # one document saved, the next one half read
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    a = _ids(first_out)
    assert len(a) == 1 and _saved(repo) == 1
    [held] = [d for d in expected if (doc := repo.document(d)) is not None and doc.status == S.PROCESSING]
    doc = repo.document(held)
    assert doc is not None and doc.lease_owner is not None  # the killed worker's lease is left behind

    second, second_out = _start(tmp_path, "second", skew=LEASE + 1)  # to it, that lease has run out
    assert second.wait(120) == 0
    _assert_each_read_once(repo, expected)
    b = _ids(second_out)
    assert not set(a) & set(b)  # nothing read to completion twice
    assert sorted(a + b) == sorted(expected)
    attempts = {d: doc.attempts for d in expected if (doc := repo.document(d)) is not None}
    assert attempts == {d: int(d == held) for d in expected}  # the expired lease was taken over, once
    assert held in b


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_two_workers_one_batch(tmp_path: Path, scans: list[tuple[Path, int]]) -> None:
    repo = make_repo(tmp_path)
    expected = receive(repo, scans)
    workers = [_start(tmp_path, "w1", peers=("w2",)), _start(tmp_path, "w2", peers=("w1",))]
    for proc, _ in workers:
        assert proc.wait(120) == 0
    a, b = (_ids(out) for _, out in workers)
    assert not set(a) & set(b), "a document was processed by both workers"
    assert sorted(a + b) == sorted(expected)  # complete, each exactly once
    assert a and b, "both workers took part"  # each held a document while the other held one
    _assert_each_read_once(repo, expected)
    assert all((doc := repo.document(d)) is not None and doc.attempts == 0 for d in expected)
