"""Watched-folder intake on real files and a real SQLite file database."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
import time
import unicodedata
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select

from config.settings import Settings
from domain.lifecycle import DocumentStatus
from intake import IntakeReport, StabilityTracker, build_repository, intake_once, scan_inbox, watch
from store.models import Batch, Document
from store.repository import Repository

S = DocumentStatus
NOW = datetime(2026, 4, 1, 9, 30).astimezone()
DAY = "2026-04-01"
REPO_ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _settings(tmp_path: Path, **kw: object) -> Settings:
    base: dict[str, object] = {"home": tmp_path / "home", "stable_seconds": 0.0, "poll_seconds": 0.05}
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return _settings(tmp_path)


@pytest.fixture
def repo(settings: Settings) -> Repository:
    return build_repository(settings)


def _png_bytes(seed: int, size: tuple[int, int] = (600, 800)) -> bytes:
    """A distinct, compressible page image per seed."""
    rng = np.random.default_rng(seed)
    coarse = Image.fromarray(rng.integers(0, 256, (8, 6), dtype=np.uint8))
    buf = io.BytesIO()
    coarse.resize(size, Image.Resampling.NEAREST).save(buf, "PNG")
    return buf.getvalue()


def _put(settings: Settings, name: str, data: bytes) -> Path:
    p = settings.inbox_root / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def _pdf_bytes(pages: int = 1, px: int = 600, seed: int = 0, password: str | None = None) -> bytes:
    imgs = [Image.open(io.BytesIO(_png_bytes(seed + i, (px, px)))).convert("L") for i in range(pages)]
    buf = io.BytesIO()
    imgs[0].save(buf, "PDF", save_all=True, append_images=imgs[1:], resolution=100)
    if password is None:
        return buf.getvalue()
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(buf.getvalue())).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _scan(repo: Repository, settings: Settings, tracker: StabilityTracker | None = None) -> IntakeReport:
    if tracker is None:
        tracker = StabilityTracker(settings.stable_seconds)
    return scan_inbox(repo, settings, tracker, now=lambda: NOW)


def _docs(repo: Repository) -> list[Document]:
    with repo._sf() as s:
        return list(s.scalars(select(Document).order_by(Document.id)))


def _inbox_files(settings: Settings) -> list[Path]:
    return [p for p in settings.inbox_root.rglob("*") if p.is_file()]


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_good_files_are_stored_then_archived(repo: Repository, settings: Settings) -> None:
    _put(settings, "a.png", _png_bytes(1))
    _put(settings, "窓口/b.pdf", _pdf_bytes(pages=2, seed=10))
    tif = Image.open(io.BytesIO(_png_bytes(3)))
    buf = io.BytesIO()
    tif.save(buf, "TIFF", save_all=True, append_images=[tif])
    _put(settings, "c.tif", buf.getvalue())
    report = _scan(repo, settings)
    assert (report.received, report.duplicates, report.quarantined) == (3, 0, 0)
    assert report.summary_ja() == "取り込み: 3件（重複 0件、隔離 0件）"
    assert _inbox_files(settings) == []
    archive = settings.archive_root / DAY
    got = sorted(p.relative_to(archive).as_posix() for p in _files(archive))
    assert got == ["a.png", "c.tif", "窓口/b.pdf"]
    docs = _docs(repo)
    assert {d.source_name: d.page_count for d in docs} == {"a.png": 1, "窓口/b.pdf": 2, "c.tif": 2}
    assert all(d.status == S.RECEIVED.value and repo.files.verify(d.original_path or "") for d in docs)
    assert report.new_document_ids == [d.id for d in docs]
    with repo._sf() as s:
        batch = s.get(Batch, report.batch_id)
        assert batch is not None and batch.name == "intake 2026-04-01 09:30" and batch.source == "watch"
        assert batch.finished_at is not None
        # an empty pass creates no batch
        assert _scan(repo, settings).batch_id is None
        assert s.scalar(select(func.count()).select_from(Batch)) == 1


def test_hidden_and_temp_files_are_left_alone(repo: Repository, settings: Settings) -> None:
    names = ["~$申請書.docx", "scan.tmp", "a.pdf.part", ".~lock.a#", "Thumbs.db", "desktop.ini",
             ".secret.png", ".hidden/a.png"]
    for n in names:
        _put(settings, n, _png_bytes(5))
    report = _scan(repo, settings)
    assert report.outcomes == [] and report.batch_id is None
    assert len(_inbox_files(settings)) == len(names)


def test_file_is_taken_only_once_stable(repo: Repository, settings: Settings) -> None:
    clock = FakeClock()
    tracker = StabilityTracker(5.0, clock)
    data = _png_bytes(7)
    p = _put(settings, "slow.png", data[:100])
    assert _scan(repo, settings, tracker).pending == 1
    clock.t += 3.0
    with p.open("ab") as f:  # the scanner is still writing
        f.write(data[100:])
    r = _scan(repo, settings, tracker)
    assert (r.pending, r.outcomes) == (1, [])
    clock.t += 4.0  # 4 s unchanged: not yet
    assert _scan(repo, settings, tracker).pending == 1
    clock.t += 1.0
    r = _scan(repo, settings, tracker)
    assert (r.pending, r.received) == (0, 1)
    assert _docs(repo)[0].size == len(data)


def test_same_content_twice_is_one_document(repo: Repository, settings: Settings) -> None:
    data = _png_bytes(11)
    _put(settings, "a.png", data)
    first = _scan(repo, settings)
    _put(settings, "a.png", data)  # the clerk drops it again
    _put(settings, "別名.png", data)  # and once more under another name
    second = _scan(repo, settings)
    doc_id = first.outcomes[0].document_id
    assert (second.received, second.duplicates) == (0, 2)
    assert second.summary_ja() == "取り込み: 2件（重複 2件、隔離 0件）"
    for o in second.outcomes:
        assert o.code == "duplicate" and o.document_id == doc_id
        assert o.message_ja == f"同じ内容のファイルが既に取り込まれています（受付番号 {doc_id}）"
    assert len(_docs(repo)) == 1
    archived = sorted(p.name for p in _files(settings.archive_root / DAY))
    assert archived == ["a (2).png", "a.png", "別名.png"]  # nothing overwritten
    assert _files(settings.quarantine_root) == []


BAD = {
    "empty_file": ("empty.pdf", lambda mp: b""),
    "too_large": ("big.png", lambda mp: _png_bytes(40, (2000, 2000)) + os.urandom(300_000)),
    "unsupported_type": ("memo.pdf", lambda mp: "これはメモです".encode()),
    "corrupt_pdf": ("broken.pdf", lambda mp: b"%PDF-1.7\n1 0 obj garbage"),
    "encrypted_pdf": ("locked.pdf", lambda mp: _pdf_bytes(password="secret")),
    "too_many_pages": ("long.pdf", lambda mp: _pdf_bytes(pages=3, seed=30)),  # max_pages is 2 here
    "corrupt_image": ("broken.png", lambda mp: _png_bytes(41)[:200]),
    "too_small": ("tiny.png", lambda mp: _png_bytes(42, (300, 400))),
}


@pytest.mark.parametrize("code", [*BAD, "too_small_pdf"])
def test_bad_file_is_quarantined_with_a_bilingual_note(
        tmp_path: Path, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path, max_file_mb=0.25, max_pages=2)
    repo = build_repository(settings)
    if code == "too_small_pdf":
        name, data, code = "小さい.pdf", _pdf_bytes(px=100), "too_small"  # 72 pt page: 200 px at 200 dpi
    else:
        name, make = BAD[code]
        data = make(monkeypatch)
    _put(settings, name, data)
    report = _scan(repo, settings)
    assert (report.received, report.quarantined) == (0, 1)
    o = report.outcomes[0]
    assert (o.code, o.status) == (code, S.QUARANTINED)
    assert o.destination == settings.quarantine_root / name and o.destination.read_bytes() == data
    note = (settings.quarantine_root / f"{name}.txt").read_text(encoding="utf-8")
    assert o.message_ja and o.message_ja in note and o.message_en and o.message_en in note
    assert f"コード: {code}" in note and f"Code: {code}" in note and "隔離" in note and "quarantine" in note
    assert o.sha256 and o.sha256 in note
    assert _inbox_files(settings) == [] and _files(settings.archive_root) == []
    [doc] = _docs(repo)
    assert (doc.status, doc.error_code, doc.id) == (S.QUARANTINED.value, code, o.document_id)
    assert doc.error_message_ja == o.message_ja


def test_nfd_and_nfc_names(repo: Repository, settings: Settings) -> None:
    name = "転入届_ガギグ.png"
    nfd = unicodedata.normalize("NFD", name)
    assert nfd != name
    _put(settings, nfd, _png_bytes(50))  # a macOS client on the SMB share
    _put(settings, name, _png_bytes(51))  # same name as Windows writes it: another file on Linux
    _put(settings, unicodedata.normalize("NFD", "ポータル/パ.png"), _png_bytes(52))
    report = _scan(repo, settings)
    assert report.received == 3
    assert sorted(d.source_name for d in _docs(repo)) == sorted([name, name, "ポータル/パ.png"])
    archived = sorted(p.relative_to(settings.archive_root / DAY).as_posix()
                      for p in _files(settings.archive_root / DAY))
    assert archived == sorted([name, "転入届_ガギグ (2).png", "ポータル/パ.png"])
    assert all(unicodedata.is_normalized("NFC", a) for a in archived)


def test_crash_between_receive_and_move(repo: Repository, settings: Settings) -> None:
    p = _put(settings, "申請.png", _png_bytes(60))
    batch = repo.create_batch("crashed pass", source="watch")
    doc_id = repo.receive(batch, "申請.png", p).document_id  # ... and the process died here
    report = _scan(repo, settings)
    assert (report.received, report.duplicates) == (0, 1)
    assert report.outcomes[0].document_id == doc_id
    assert len(_docs(repo)) == 1
    assert (settings.archive_root / DAY / "申請.png").is_file() and _inbox_files(settings) == []


def test_dead_watchers_claim_is_taken_over(repo: Repository, settings: Settings) -> None:
    import socket

    dead = settings.inbox_root / f".processing-{socket.gethostname()}-999999999" / "sub"
    dead.mkdir(parents=True)
    (dead / "a.png").write_bytes(_png_bytes(70))
    report = _scan(repo, settings)
    assert report.received == 1 and report.outcomes[0].name == "sub/a.png"
    assert (settings.archive_root / DAY / "sub" / "a.png").is_file()
    assert list(settings.inbox_root.iterdir()) == []  # claim folders cleaned up


def test_logs_never_name_the_file(repo: Repository, settings: Settings,
                                  caplog: pytest.LogCaptureFixture) -> None:
    _put(settings, "山田太郎_申請.png", _png_bytes(80))
    _put(settings, "山田花子_申請.pdf", b"")
    with caplog.at_level(logging.DEBUG):
        report = _scan(repo, settings)
    assert (report.received, report.quarantined) == (1, 1)
    assert "山田" not in caplog.text and report.outcomes[0].name_hash in caplog.text


_WORKER = """
import sys, time
from pathlib import Path
from intake import StabilityTracker, build_repository, scan_inbox
from config.settings import Settings
settings = Settings(home=Path(sys.argv[1]), stable_seconds=0.0)
repo = build_repository(settings)
tracker = StabilityTracker(0.0)
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
taken = 0
for _ in range(20):
    r = scan_inbox(repo, settings, tracker)
    taken += len(r.outcomes)
    assert r.errors == 0
    if not r.outcomes and not r.skipped:
        break
print(taken)
"""


@pytest.mark.slow
def test_two_watchers_on_one_inbox(repo: Repository, settings: Settings, tmp_path: Path) -> None:
    names: dict[str, bytes] = {}
    for i in range(24):
        names[f"scan_{i:02d}.png"] = _png_bytes(100 + i)
    for i in range(4):  # same bytes under another name
        names[f"copy_{i}.png"] = names[f"scan_{i:02d}.png"]
    names["empty.pdf"], names["memo.pdf"] = b"", b"not a scan"
    for n, data in names.items():
        _put(settings, n, data)
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(settings.home), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    time.sleep(0.2)
    go.touch()
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    assert sum(int(o.split()[-1]) for o, _ in outs) == 30  # every file handled exactly once in total
    archived = [p.name for p in _files(settings.archive_root)]
    quarantined = [p.name for p in _files(settings.quarantine_root) if p.suffix != ".txt"]
    assert sorted(archived + quarantined) == sorted(names)
    assert sorted(quarantined) == ["empty.pdf", "memo.pdf"]
    assert _inbox_files(settings) == []
    docs = _docs(repo)
    assert len({d.sha256 for d in docs}) == len(docs) == 26
    assert sum(d.status == S.RECEIVED.value for d in docs) == 24


def _write_in_pieces(path: Path, data: bytes, pieces: int, pause: float) -> None:
    step = -(-len(data) // pieces)
    for i in range(0, len(data), step):
        with path.open("ab") as f:  # an SMB copy: reopened for every piece
            f.write(data[i:i + step])
        time.sleep(pause)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["poll", "events"])
def test_watch_loop_takes_a_file_written_in_pieces_once(tmp_path: Path, mode: str) -> None:
    # stable_seconds well above the 0.1 s pauses between pieces, even on a loaded machine
    settings = _settings(tmp_path, stable_seconds=3.0, poll_seconds=0.05, rescan_seconds=0.5)
    repo = build_repository(settings)
    reports: list[IntakeReport] = []
    hooked: list[list[int]] = []
    stop = threading.Event()
    loop = threading.Thread(target=watch, args=(lambda: repo, settings, stop, mode),
                            kwargs={"on_report": reports.append,
                                    "after_intake": lambda r: hooked.append(r.new_document_ids),
                                    "handle_signals": False})
    loop.start()
    try:
        data = _png_bytes(200, (1200, 1600)) + b"\0" * 50_000
        settings.inbox_root.mkdir(parents=True, exist_ok=True)
        _write_in_pieces(settings.inbox_root / "分割.png", data, pieces=10, pause=0.1)
        deadline = time.monotonic() + 60  # a bound against hangs only: the loop ends when archived
        while not _files(settings.archive_root) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        stop.set()
        loop.join(timeout=5)
    assert not loop.is_alive()
    outcomes = [o for r in reports for o in r.outcomes]
    assert [(o.status, o.name) for o in outcomes] == [(S.RECEIVED, "分割.png")]
    assert hooked == [[outcomes[0].document_id]]
    assert [p.read_bytes() == data for p in _files(settings.archive_root)] == [True]
    assert _files(settings.quarantine_root) == [] and len(_docs(repo)) == 1


def test_intake_once_waits_for_new_files_to_settle(tmp_path: Path) -> None:
    settings = _settings(tmp_path, stable_seconds=5.0)
    repo = build_repository(settings)
    _put(settings, "a.png", _png_bytes(300))
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.t += seconds

    reports = intake_once(repo, settings, sleep=sleep, clock=clock)
    assert [r.pending for r in reports] == [1, 0] and reports[-1].received == 1


def test_cli_once_prints_a_japanese_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from yomitori.cli.intake import app

    settings = _settings(tmp_path)
    _put(settings, "a.png", _png_bytes(400))
    _put(settings, "b.png", _png_bytes(400))
    _put(settings, "c.pdf", b"")
    monkeypatch.setenv("YOMITORI_HOME", str(settings.home))
    result = CliRunner().invoke(app, ["--once", "--stable-seconds", "0"])
    assert result.exit_code == 0, result.output
    assert "取り込み: 3件（重複 1件、隔離 1件）" in result.output
    assert "a.png" not in result.output


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_cli_watch_stops_gracefully_on_signal(tmp_path: Path, sig: str) -> None:
    import signal

    settings = _settings(tmp_path)
    _put(settings, "a.png", _png_bytes(500))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "YOMITORI_HOME": str(settings.home),
           "YOMITORI_POLL_SECONDS": "0.05"}
    proc = subprocess.Popen([sys.executable, "-c", "from yomitori.cli.intake import app; app()",
                             "--poll", "--stable-seconds", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60  # a bound against hangs only: the loop ends when archived
        while not _files(settings.archive_root) and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(getattr(signal, sig))
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "取り込み: 1件（重複 0件、隔離 0件）" in out and "監視を終了しました" in out
