"""Real Prefect flow runs (one session-scoped test server) over a real inbox, DB and OCR.

* ``pipeline``: files dropped into a temp inbox → intake → recognize → documents with
  readings in the store, artifacts written, the inbox emptied.
* Multi-worker: two OS processes each run the ``recognize`` flow (against the same
  Prefect server and the same SQLite store) on one batch: every document is read by
  exactly one of them (the store's leases, not Prefect, make this hold; on PostgreSQL
  ``claim`` uses ``FOR UPDATE SKIP LOCKED`` for the same guarantee across machines). The
  two runs meet once each holds documents, so both take part however fast either starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_worker import page_rows, receive, write_batch

from domain.lifecycle import DocumentStatus
from domain.model import FormTemplate

S = DocumentStatus
REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "var" / "models"
DONE = (S.READ, S.NEEDS_REVIEW)

RECOGNIZE_SCRIPT = """
import json, sys, time
from pathlib import Path
from store.repository import Repository
from flows.recognize import recognize

out, peer = Path(sys.argv[1]), Path(sys.argv[2])
holding = out.with_suffix(".holding")
claim = Repository.claim

def claim_then_meet(self, worker, limit, lease_seconds):
    # once this run holds documents, go on only when the other run holds some too
    ids = claim(self, worker, limit, lease_seconds)
    if ids and not holding.exists():
        holding.touch()
        end = time.monotonic() + 120  # only against a peer that died: the test then fails
        while not peer.exists() and time.monotonic() < end:
            time.sleep(0.02)
    return ids

Repository.claim = claim_then_meet
result = recognize()
out.write_text(json.dumps(result["processed"]))
"""


@pytest.fixture
def yomitori_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("YOMITORI_HOME", str(home))
    monkeypatch.setenv("YOMITORI_MODELS_DIR", str(MODELS))
    monkeypatch.setenv("YOMITORI_STABLE_SECONDS", "0")  # files are complete when dropped
    return home


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_pipeline_flow_on_a_dropped_batch(prefect_server: str, yomitori_env: Path,
                                          templates: dict[str, FormTemplate]) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.intake import repository
    from flows.pipeline import pipeline

    inbox = yomitori_env / "inbox"
    files = write_batch(templates, inbox)
    for p in inbox.glob("*.json"):  # ground truth is not a scan
        p.unlink()
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00" * 300)

    result = pipeline(max_wait=5)

    taken, read = result["intake"], result["recognize"]
    assert (taken["received"], taken["duplicates"], taken["quarantined"]) == (3, 0, {"corrupt_pdf": 1})
    assert read["documents"] == 3 and read["pages"] == sum(n for _, n in files)
    assert read["forms"] == {"furusato_application": 1, "citizen_survey": 2, "onestop_2022": 1}
    repo = repository()
    assert sorted(read["processed"]) == sorted(taken["document_ids"])
    for doc_id in taken["document_ids"]:
        doc = repo.document(doc_id)
        assert doc is not None and doc.status in DONE and doc.template_id
        assert page_rows(repo, doc_id) == list(range(doc.page_count or 0))
        assert any(f.raw for f in repo.fields(doc_id))  # the real OCR wrote readings
    counts = repo.counts_by_status()
    assert counts[S.QUARANTINED] == 1 and counts[S.RECEIVED] == counts[S.PROCESSING] == 0
    assert not [p for p in inbox.iterdir() if not p.name.startswith(".")]  # archived or quarantined
    with get_client(sync_client=True) as client:
        keys = {a.key for a in client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["intake-summary",
                                                                        "recognize-summary"])))}
    assert keys == {"intake-summary", "recognize-summary"}

    # the nightly report flow on the same store: files written, exclusions stated
    from flows.report import report

    out = yomitori_env / "reports" / "nightly"
    summary = report(kind="all", out=str(out))
    assert summary["folder"] == str(out)
    written = {p.suffix for p in out.rglob("*") if p.is_file()}
    assert {".csv", ".xlsx", ".html"} <= written
    survey = summary["survey"][0]
    assert survey["counted"] + survey["excluded"] == 1  # the one survey document


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_two_recognize_flows_share_one_batch(prefect_server: str, yomitori_env: Path, tmp_path: Path,
                                             templates: dict[str, FormTemplate]) -> None:
    from flows.intake import repository
    from flows.recognize import CLAIM_ROUNDS, RECOGNIZE_THREADS

    repo = repository()  # migrates the store before the workers start
    batch = [(t, seed, "pdf") for seed in (21, 22, 23) for t in ("furusato_application", "onestop_2022")]
    expected = receive(repo, write_batch(templates, tmp_path / "scans", batch))
    assert len(expected) > RECOGNIZE_THREADS * CLAIM_ROUNDS  # one claim never takes the whole batch
    script = tmp_path / "recognize_main.py"
    script.write_text(RECOGNIZE_SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "PREFECT_API_URL": prefect_server,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "YOMITORI_THREADS": "1"}
    outs = [tmp_path / f"w{k}.json" for k in (1, 2)]
    # once a run holds documents it waits until the other holds some too: both take part, always
    procs = [subprocess.Popen([sys.executable, str(script), str(o), str(other.with_suffix(".holding"))],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for o, other in zip(outs, outs[::-1], strict=True)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err.decode(errors="replace")[-2000:]
    a, b = (json.loads(o.read_text()) for o in outs)
    assert not set(a) & set(b), "a document was read by both flow runs"
    assert sorted(a + b) == sorted(expected)
    assert a and b, "both flow runs took part"
    for doc_id, n in expected.items():
        doc = repo.document(doc_id)
        assert doc is not None and doc.status in DONE and doc.attempts == 0
        assert page_rows(repo, doc_id) == list(range(n))


def test_tasks_retry_only_transient_errors() -> None:
    from prefect.states import Failed

    from domain.errors import ApplicationError, BusinessError
    from flows.intake import retry_on

    transient = retry_on(ApplicationError)
    assert transient(None, None, Failed(data=ApplicationError("db locked")))  # type: ignore[arg-type]
    assert not transient(None, None, Failed(data=BusinessError("corrupt", "壊れています")))  # type: ignore[arg-type]
    assert not transient(None, None, Failed(data=RuntimeError("bug")))  # type: ignore[arg-type]
    assert retry_on(OSError, ApplicationError)(None, None, Failed(data=PermissionError()))  # type: ignore[arg-type]
