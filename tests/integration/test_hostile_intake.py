"""Hostile input at intake: bombs, special files and odd names, all generated here.

Every file ends received or quarantined with the right reason code, in the watched inbox
and in ``yomitori process``; nothing is left in the inbox's ``.processing-*`` area, and
nothing huge is ever decoded or rendered (peak memory is bounded in a subprocess).
"""

from __future__ import annotations

import io
import os
import socket
import stat
import subprocess
import sys
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from config.settings import Settings
from domain.errors import BusinessError
from domain.lifecycle import DocumentStatus
from intake import StabilityTracker, build_repository, scan_inbox
from intake.quarantine import Reason, sidecar_text
from store.models import Document
from store.repository import Repository

S = DocumentStatus
NOW = datetime(2026, 4, 1, 9, 30).astimezone()
DAY = "2026-04-01"
REPO_ROOT = Path(__file__).resolve().parents[2]
BOMB_SIDE = 19000  # 19000 x 19000 RGB: 1.08 GB decoded, about 1 MB on disk
A4_PT = (595.0, 842.0)
LONG_STEM = "寄附金税額控除に係る申告特例申請書" * 5  # 85 characters, 255 bytes
NEWLINE_NAME = "申請\nコード: ok\nReason: fake\n.pdf"


# --- the corpus -----------------------------------------------------------------------------
def _deflate_zeros(n: int) -> bytes:
    """A zlib stream of ``n`` zero bytes, built from one compressed block repeated (fast)."""
    block = bytes(1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)  # byte-aligned, no history
    full, rest = divmod(n, len(block))
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = last.compress(bytes(rest)) + last.flush()
    adler = 1
    for _ in range(full):
        adler = zlib.adler32(block, adler)
    adler = zlib.adler32(bytes(rest), adler)
    return b"\x78\xda" + body * full + tail + adler.to_bytes(4, "big")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


@cache
def png_bomb(side: int = BOMB_SIDE) -> bytes:
    """A valid side x side RGB PNG of one colour (black)."""
    ihdr = side.to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    idat = _deflate_zeros(side * (1 + 3 * side))  # a filter byte per row, then the pixels
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


def _ifd(entries: list[tuple[int, int, int, int]], next_ifd: int) -> bytes:
    out = len(entries).to_bytes(2, "little")
    for tag, kind, count, value in sorted(entries):
        out += tag.to_bytes(2, "little") + kind.to_bytes(2, "little") + count.to_bytes(4, "little")
        inline_short = kind == 3 and count == 1
        out += value.to_bytes(2, "little") + b"\0\0" if inline_short else value.to_bytes(4, "little")
    return out + next_ifd.to_bytes(4, "little")


@cache
def tiff_huge_frame(side: int = BOMB_SIDE) -> bytes:
    """Two frames (Adobe deflate): a normal A4-ish gray page, then a side x side RGB one."""
    small_w, small_h = 600, 800
    small = _deflate_zeros(small_w * small_h)
    huge = _deflate_zeros(side * side * 3)
    bits_at = 8
    small_at = bits_at + 6
    huge_at = small_at + len(small)
    ifd1_at = huge_at + len(huge)
    ifd1_at += ifd1_at % 2
    ifd2_at = ifd1_at + 2 + 10 * 12 + 4
    short, long_ = 3, 4

    def entries(w: int, h: int, rgb: bool, data_at: int, size: int) -> list[tuple[int, int, int, int]]:
        return [(256, long_, 1, w), (257, long_, 1, h),
                (258, short, 3, bits_at) if rgb else (258, short, 1, 8),
                (259, short, 1, 8), (262, short, 1, 2 if rgb else 1), (273, long_, 1, data_at),
                (277, short, 1, 3 if rgb else 1), (278, long_, 1, h), (279, long_, 1, size),
                (284, short, 1, 1)]

    out = b"II*\x00" + ifd1_at.to_bytes(4, "little") + (8).to_bytes(2, "little") * 3 + small + huge
    out += b"\0" * (ifd1_at - len(out))
    out += _ifd(entries(small_w, small_h, False, small_at, len(small)), ifd2_at)
    return out + _ifd(entries(side, side, True, huge_at, len(huge)), 0)


def pdf_bytes(pages: int, width_pt: float, height_pt: float | None = None) -> bytes:
    """A PDF of blank pages of the given size (a few hundred bytes)."""
    h = width_pt if height_pt is None else height_pt
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode()]
    objs += [f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_pt:g} {h:g}] >>".encode()] * pages
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def good_png(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 256, (8, 6), dtype=np.uint8)).resize((600, 800))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _writer(data: Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(data())


def _socket(path: Path) -> None:
    cwd = os.getcwd()
    os.chdir(path.parent)  # bind by a short relative name: AF_UNIX paths are limited to ~107 bytes
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(path.name)
    finally:
        os.chdir(cwd)


def _device(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # what /dev/zero is
    except PermissionError:  # never skip: CI runs as root; say what is missing instead
        pytest.fail("creating a device node needs root (CAP_MKNOD); run the suite as root")


@dataclass(frozen=True)
class Case:
    name: str | bytes  # bytes: not valid UTF-8
    make: Callable[[Path], None]
    code: str | None  # None: received
    shown: str | None = None  # the name in the store and the note, when not the name itself


CASES: dict[str, Case] = {
    "pdf_page_14400pt": Case("huge_page.pdf", _writer(lambda: pdf_bytes(1, 14400)), "page_too_large"),
    "pdf_10_pages_14400pt": Case("huge_pages.pdf", _writer(lambda: pdf_bytes(10, 14400)), "page_too_large"),
    "pdf_over_pixel_budget": Case("square_1100mm.pdf", _writer(lambda: pdf_bytes(1, 1100 / 25.4 * 72)),
                                  "too_many_pixels"),
    "png_bomb": Case("bomb.png", _writer(png_bomb), "too_many_pixels"),
    "tiff_huge_frame": Case("huge_frame.tif", _writer(tiff_huge_frame), "too_many_pixels"),
    "fifo": Case("scan.pdf", os.mkfifo, "not_regular_file"),
    "socket": Case("s.pdf", _socket, "not_regular_file"),
    "device": Case("zero.pdf", _device, "not_regular_file"),
    "long_name": Case(LONG_STEM[:-2] + ".png", _writer(lambda: good_png(1)), None),  # 253 bytes
    "long_name_bad": Case(LONG_STEM[:-2] + ".pdf", _writer(lambda: b"not a scan"), "unsupported_type"),
    "newline_name": Case(NEWLINE_NAME, _writer(lambda: b"not a scan"), "unsupported_type"),
    "formula_name": Case("=1+2.pdf", _writer(lambda: pdf_bytes(1, *A4_PT)), None),
    "undecodable_name": Case(b"\xff\xfe\x82\xa0.png", _writer(lambda: good_png(2)), None,
                             shown="\\xff\\xfe\\x82\\xa0.png"),
}
NOTE_LINES = len(sidecar_text(Reason("code", "理由", "reason", NOW, "plain.pdf")).splitlines())


# --- helpers --------------------------------------------------------------------------------
@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", stable_seconds=0.0, poll_seconds=0.05)  # type: ignore[call-arg]


@pytest.fixture
def repo(settings: Settings) -> Repository:
    return build_repository(settings)


def _place(folder: Path, case: Case) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = os.fsdecode(case.name) if isinstance(case.name, bytes) else case.name
    path = folder / name
    case.make(path)
    return path


def _shown(case: Case) -> str:
    return case.shown or unicodedata.normalize("NFC", str(case.name))


def _docs(repo: Repository) -> list[Document]:
    with repo._sf() as s:
        return list(s.scalars(select(Document).order_by(Document.id)))


def _everything(root: Path) -> list[Path]:
    return sorted(root.rglob("*")) if root.exists() else []


def _escaped(name: str) -> str:
    """The note's spelling of a name, written out independently of the code under test."""
    return name.replace("\n", "\\n")


# --- the watched inbox ----------------------------------------------------------------------
@pytest.mark.timeout(120)
@pytest.mark.parametrize("key", list(CASES))
def test_watched_inbox(repo: Repository, settings: Settings, key: str) -> None:
    case = CASES[key]
    _place(settings.inbox_root, case)
    report = scan_inbox(repo, settings, StabilityTracker(0.0), now=lambda: NOW)
    assert (report.errors, report.pending, len(report.outcomes)) == (0, 0, 1)
    assert _everything(settings.inbox_root) == []  # no claim folder, nothing waiting
    o = report.outcomes[0]
    [doc] = _docs(repo)
    assert doc.source_name == o.name == _shown(case)  # the original name is kept in the store
    dest_name = o.destination.name.encode("utf-8", "surrogateescape")
    assert len(dest_name) <= settings.max_name_bytes + len(" (99)")
    if case.code is None:
        assert (o.status, o.code, doc.status) == (S.RECEIVED, None, S.RECEIVED.value)
        assert o.destination.parent == settings.archive_root / DAY and o.destination.is_file()
        return
    assert (o.status, o.code, doc.status, doc.error_code) == (S.QUARANTINED, case.code,
                                                              S.QUARANTINED.value, case.code)
    assert o.destination.parent == settings.quarantine_root
    note = o.destination.with_name(o.destination.name + ".txt").read_text(encoding="utf-8")
    assert len(note.splitlines()) == NOTE_LINES  # a name cannot add lines
    shown = _escaped(_shown(case))
    assert f"元のファイル名: {shown}\n" in note and f"Original name: {shown}\n" in note
    assert f"コード: {case.code}\n" in note and f"Code: {case.code}\n" in note


def test_long_names_arriving_twice_stay_distinct(repo: Repository, settings: Settings) -> None:
    """A good long-named file arriving twice a day, and two long names alike at the start."""
    first, other = LONG_STEM[:-2] + ".png", LONG_STEM[:-3] + "票.png"
    tracker = StabilityTracker(0.0)
    (settings.inbox_root).mkdir(parents=True)
    (settings.inbox_root / first).write_bytes(good_png(10))
    (settings.inbox_root / other).write_bytes(good_png(11))
    morning = scan_inbox(repo, settings, tracker, now=lambda: NOW)
    (settings.inbox_root / first).write_bytes(good_png(12))  # the afternoon's scan, same name
    afternoon = scan_inbox(repo, settings, tracker, now=lambda: NOW)
    outcomes = morning.outcomes + afternoon.outcomes
    assert [o.status for o in outcomes] == [S.RECEIVED] * 3 and morning.errors == afternoon.errors == 0
    names = sorted(p.name for p in _everything(settings.archive_root / DAY))
    assert len(set(names)) == 3 and all(n.endswith(".png") for n in names)
    assert all(len(n.encode()) <= settings.max_name_bytes + len(" (2)") for n in names)
    assert sorted(d.source_name for d in _docs(repo)) == sorted([first, first, other])
    assert _everything(settings.inbox_root) == []


# --- yomitori process -----------------------------------------------------------------------
@pytest.mark.timeout(120)
@pytest.mark.parametrize("key", list(CASES))
def test_process_receives_or_quarantines(repo: Repository, settings: Settings, tmp_path: Path,
                                         key: str) -> None:
    from yomitori.cli.ops import receive_files

    case = CASES[key]
    path = _place(tmp_path / "scans", case)
    _batch, counts = receive_files(repo, settings, [path])
    assert counts == {case.code or "received": 1}
    [doc] = _docs(repo)
    assert doc.source_name == _shown(case)
    assert doc.error_code == case.code


@pytest.mark.timeout(120)
def test_cli_process_never_opens_special_files(settings: Settings, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """``yomitori process good.pdf fifo`` hung forever; /dev/zero would be read forever."""
    from typer.testing import CliRunner

    from yomitori.cli.ops import app

    scans = tmp_path / "scans"
    fifo = _place(scans, CASES["fifo"])
    bomb = _place(scans, CASES["png_bomb"])
    monkeypatch.setenv("YOMITORI_HOME", str(settings.home))
    result = CliRunner().invoke(app, ["process", str(fifo), "/dev/zero", "/dev/null", str(bomb),
                                      str(scans)])
    assert result.exit_code == 0, result.output
    assert "新規 0件、重複 0件、隔離 6件" in result.output  # the folder holds both again
    codes = sorted(d.error_code or "" for d in _docs(build_repository(settings)))
    assert codes == ["not_regular_file"] * 4 + ["too_many_pixels"]  # the bomb's twin: same sha


# --- reading by another path ----------------------------------------------------------------
BOMBS = ["pdf_page_14400pt", "pdf_over_pixel_budget", "png_bomb", "tiff_huge_frame"]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("key", BOMBS)
def test_reading_refuses_bombs(repo: Repository, tmp_path: Path, key: str) -> None:
    """``yomitori read`` and the worker refuse a bomb that never went through intake."""
    from services.reading import read_file
    from services.worker import process_document

    case = CASES[key]
    path = _place(tmp_path / "scans", case)
    no_reader: Any = None  # never reached: pages are refused before any reading
    doc, err = read_file(path, no_reader)
    assert doc is None and isinstance(err, BusinessError) and err.code == case.code
    assert any("\u3040" <= c <= "\u9fff" for c in err.message_ja)  # Japanese for the clerk
    batch = repo.create_batch("by hand", source="cli")
    doc_id = repo.receive(batch, "bomb", path).document_id
    [claimed] = repo.claim("w", 1, 60)
    assert claimed == doc_id
    result = process_document(repo, repo.files, no_reader, doc_id, "w")
    assert (result.status, result.error) == (S.QUARANTINED, case.code)


# Peak resident memory of a fresh process: VmHWM, because ru_maxrss of a child started by
# subprocess (vfork) also counts the parent's peak, here pytest's own.
_MEASURE = """
import resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))  # keep a failing run off the machine
from domain.errors import BusinessError
from intake.pages import load_pages
from intake.quarantine import check_file
codes = []
for step in (lambda p: check_file(p, 100.0, 500, 200), load_pages):  # intake, then reading
    try:
        step(Path(sys.argv[1]))
        codes.append("accepted")
    except BusinessError as err:
        codes.append(err.code)
hwm = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")]
print(" ".join(codes), hwm[0])
"""


@pytest.mark.timeout(300)
@pytest.mark.parametrize("key", BOMBS)
def test_bomb_peak_memory(tmp_path: Path, key: str) -> None:
    """Intake's check and reading both refuse the bomb, far below what decoding takes (2.5-6 GB)."""
    case = CASES[key]
    path = _place(tmp_path, case)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OPENBLAS_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True,
                         env=env, cwd=REPO_ROOT, timeout=280)
    assert run.returncode == 0, run.stderr[-2000:]
    *codes, peak_kb = run.stdout.split()
    peak_mb = int(peak_kb) / 1024
    print(f"{key}: peak {peak_mb:.0f} MB ({os.path.getsize(path)} bytes on disk)")
    assert codes == [case.code, case.code]
    assert peak_mb < 1024, f"{key} peaked at {peak_mb:.0f} MB"
