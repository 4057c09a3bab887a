"""Stability rule of the watched-folder intake, with a fake clock (no sleeping)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from intake.quarantine import candidates
from intake.scan import is_ignored, name_hash
from intake.stability import StabilityTracker, open_for_writing


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_first_sighting_is_never_stable(clock: FakeClock) -> None:
    t = StabilityTracker(5.0, clock)
    assert not t.observe("a", 100, 1)
    assert t.seconds_left("a") == 5.0


def test_stable_after_unchanged_for_stable_seconds(clock: FakeClock) -> None:
    t = StabilityTracker(5.0, clock)
    t.observe("a", 100, 1)
    clock.advance(4.9)
    assert not t.observe("a", 100, 1)
    clock.advance(0.1)
    assert t.observe("a", 100, 1)


def test_growing_file_restarts_the_wait(clock: FakeClock) -> None:
    t = StabilityTracker(5.0, clock)
    t.observe("a", 100, 1)
    for size in (200, 300, 400):  # an SMB copy arriving in pieces, 4 s apart
        clock.advance(4.0)
        assert not t.observe("a", size, 1)
    clock.advance(4.0)
    assert not t.observe("a", 400, 1)
    clock.advance(1.0)
    assert t.observe("a", 400, 1)


def test_mtime_change_alone_restarts_the_wait(clock: FakeClock) -> None:
    t = StabilityTracker(2.0, clock)
    t.observe("a", 100, 1)
    clock.advance(3.0)
    assert not t.observe("a", 100, 2)  # rewritten in place, same size
    clock.advance(2.0)
    assert t.observe("a", 100, 2)


def test_zero_stable_seconds_takes_at_once(clock: FakeClock) -> None:
    assert StabilityTracker(0.0, clock).observe("a", 1, 1)


def test_files_are_tracked_independently_and_forgotten(clock: FakeClock) -> None:
    t = StabilityTracker(1.0, clock)
    t.observe("a", 1, 1)
    clock.advance(0.5)
    t.observe("b", 1, 1)
    assert t.next_due() == pytest.approx(0.5)
    clock.advance(0.5)
    assert t.observe("a", 1, 1)
    assert not t.observe("b", 1, 1)
    t.retain(["b"])
    assert t.tracked == 1 and t.seconds_left("a") is None
    t.forget("b")
    assert t.next_due() is None


def test_negative_stable_seconds_refused() -> None:
    with pytest.raises(ValueError):
        StabilityTracker(-1.0)


@pytest.mark.skipif(sys.platform != "linux", reason="read leases are Linux only")
def test_open_for_writing_probe(tmp_path: Path) -> None:
    p = tmp_path / "scan.pdf"
    p.write_bytes(b"%PDF-1.4")
    assert open_for_writing(p) is False
    with p.open("ab") as w:
        w.write(b"more")
        assert open_for_writing(p) is True
        with p.open("rb"):
            assert open_for_writing(p) is True
    with p.open("rb"):
        assert open_for_writing(p) is False  # readers do not count
    assert open_for_writing(tmp_path / "missing.pdf") is None


@pytest.mark.parametrize("name", ["~$申請書.docx", "scan.tmp", "scan.PDF.part", ".~lock.a.pdf#", "Thumbs.db",
                                  "desktop.ini", ".hidden.pdf", "x.crdownload"])
def test_ignored_names(name: str) -> None:
    assert is_ignored(name)


@pytest.mark.parametrize("name", ["申請書.pdf", "scan 001.TIF", "a~b.png", "tmp.jpg"])
def test_taken_names(name: str) -> None:
    assert not is_ignored(name)


def test_name_hash_is_short_and_normalisation_free() -> None:
    import unicodedata

    name = "転入届_ガギグ.pdf"
    assert name_hash(name) == name_hash(unicodedata.normalize("NFD", name))
    assert len(name_hash(name)) == 10 and name not in name_hash(name)


def test_clash_names_follow_explorer_style() -> None:
    got = candidates("sub/申請書.pdf")
    assert [next(got) for _ in range(3)] == ["sub/申請書.pdf", "sub/申請書 (2).pdf", "sub/申請書 (3).pdf"]


def test_a_claim_folder_that_vanishes_is_not_abandoned(tmp_path: Path) -> None:
    """Rule: another live watcher removing its (empty) claim folder while we look at it is not
    a crash of our pass and not a dead watcher's claim (seen on one loaded core)."""
    import os
    import socket

    from intake.scan import CLAIM_PREFIX, _abandoned

    host = socket.gethostname().replace("/", "_") or "localhost"
    gone = tmp_path / f"{CLAIM_PREFIX}{host}-{os.getpid()}"  # a live process, folder already removed
    assert _abandoned(gone) is False
    other_host = tmp_path / f"{CLAIM_PREFIX}elsewhere-1"  # another host: decided by idle time only
    assert _abandoned(other_host) is False
    other_host.mkdir()
    assert _abandoned(other_host) is False  # fresh
    os.utime(other_host, (0, 0))
    assert _abandoned(other_host) is True  # idle far beyond STALE_CLAIM_SECONDS
