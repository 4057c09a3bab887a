"""One pass over the watched inbox: nothing lost, nothing read twice.

Order of operations for every file (each step survives a crash after it):

1. **Find** files under the inbox (sub-folders too); skip symbolic links, hidden files
   and folders (so our own ``.processing-*`` claim folders), office/OS temp files, and
   the archive/quarantine folders if they live inside the inbox. A FIFO, socket or
   device is taken too, to be quarantined (``not_regular_file``) without ever being opened.
2. **Wait** until the file is stable (size+mtime unchanged ``stable_seconds``, see
   :mod:`intake.stability`) and, on Linux, no one has a regular file open for writing.
3. **Claim** it: atomically rename it into ``<inbox>/.processing-<host>-<pid>/``. Of two
   watchers only one rename succeeds; the loser skips the file.
4. **Validate** the claimed file (size, content type by magic bytes, page count, page
   size and pixels within :class:`~intake.pages.PageLimits` before anything is decoded,
   every page opens and is big enough to read).
5. Good file: ``repo.receive`` **first** (the original is copied into the content store
   and the row committed), **then** move the file to ``archive/<YYYY-MM-DD>/``. A
   duplicate (``duplicate_of``) is archived too. Bad file: ``repo.quarantine`` (row),
   then the sidecar note, then the file to ``quarantine/``.

Crash safety: a file left in a claim folder (the process died, or an error stopped it
after step 3) is taken over at the start of a later pass, by this process or, once its
owner is dead (same host) or the folder idle for an hour (another host), by any watcher.
Re-running steps 4-5 is harmless: ``receive`` of content already stored reports
``duplicate_of`` = the same document (no second row) and the file is just archived;
``quarantine`` of a known sha256 returns the existing row.

Logs name files only by a short hash of their (NFC) name, never the name itself. The
store and the note keep the original name; archive/ and quarantine/ get a safe one, cut
to ``max_name_bytes`` when longer (see :mod:`intake.names`), so no name can leave a
file stuck in a claim folder.
"""

from __future__ import annotations

import logging
import os
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from threading import Event

from config.settings import Settings
from domain.errors import BusinessError
from domain.lifecycle import DocumentStatus
from intake.names import disk_name, name_hash, nfc, store_name
from intake.pages import PageLimits
from intake.quarantine import (
    Reason,
    archive_file,
    check_file,
    file_sha256,
    prune_empty_dirs,
    quarantine_file,
)
from intake.report import DUPLICATE_JA, FileOutcome, IntakeReport
from intake.stability import StabilityTracker, open_for_writing
from store.repository import Repository

log = logging.getLogger(__name__)
CLAIM_PREFIX = ".processing-"
STALE_CLAIM_SECONDS = 3600.0  # a foreign host's claim folder idle this long is taken over
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
IGNORED_PREFIXES = (".", "~$")
IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload")
_PASS_LOCK = threading.Lock()  # one pass at a time per process (claim folders are per process)


def is_ignored(name: str) -> bool:
    """Hidden files, ``~$*``, ``.~lock*``, ``*.tmp``, ``*.part``, Thumbs.db, desktop.ini."""
    low = name.lower()
    return low in IGNORED_NAMES or low.startswith(IGNORED_PREFIXES) or low.endswith(IGNORED_SUFFIXES)


def local_now() -> datetime:
    return datetime.now().astimezone()


def scan_inbox(repo: Repository, settings: Settings, tracker: StabilityTracker,
               batch_id: int | None = None, *, now: Callable[[], datetime] = local_now,
               stop: Event | None = None) -> IntakeReport:
    """One pass over ``settings.inbox_root``; see the module docstring for the order.

    A batch is created (``intake YYYY-MM-DD HH:MM``, source ``watch``) only when a file
    is taken, and finished at the end; a given ``batch_id`` is used as is and left open.
    """
    inbox = settings.inbox_root
    inbox.mkdir(parents=True, exist_ok=True)
    with _PASS_LOCK:
        run = _Pass(repo, settings, batch_id, now)
        try:
            for claimed, rel in _take_over_claims(inbox, run.claim_dir, settings.max_name_bytes):
                run.process(claimed, rel)
            seen: list[str] = []
            for path, rel in _walk(inbox, settings):
                if stop is not None and stop.is_set():
                    break
                key = str(path)
                try:
                    st = path.lstat()
                except FileNotFoundError:
                    continue
                seen.append(key)
                if not tracker.observe(key, st.st_size, st.st_mtime_ns) or (
                        stat.S_ISREG(st.st_mode) and open_for_writing(path)):
                    run.report.pending += 1
                    continue
                mine = _claim(path, run.claim_dir / rel, settings.max_name_bytes)
                tracker.forget(key)
                seen.pop()
                if mine is None:
                    run.report.skipped += 1
                    continue
                run.process(mine, rel)
            tracker.retain(seen)
        finally:
            run.close()
    return run.report


class _Pass:
    def __init__(self, repo: Repository, settings: Settings, batch_id: int | None,
                 now: Callable[[], datetime]) -> None:
        self.repo, self.settings, self.now = repo, settings, now
        self.claim_dir = settings.inbox_root / f"{CLAIM_PREFIX}{_host()}-{os.getpid()}"
        self.report = IntakeReport(batch_id=batch_id)
        self.limits = PageLimits.from_settings(settings)
        self._own_batch = False

    def batch(self) -> int:
        if self.report.batch_id is None:
            name = f"intake {self.now():%Y-%m-%d %H:%M}"
            self.report.batch_id = self.repo.create_batch(name, source="watch")
            self._own_batch = True
        return self.report.batch_id

    def process(self, claimed: Path, rel: str) -> None:
        """Steps 4-5 for a claimed file; an unexpected error leaves it claimed for later."""
        name = nfc(rel)  # may hold control characters or undecodable bytes (surrogates)
        h = name_hash(name)
        try:
            outcome = self._process(claimed, name, h)
        except Exception as exc:  # the file stays in the claim folder; retried next pass
            log.error("file %s: intake failed (%s); will retry", h, type(exc).__name__)
            self.report.errors += 1
            return
        self.report.outcomes.append(outcome)

    def _process(self, claimed: Path, name: str, h: str) -> FileOutcome:
        s = self.settings
        shown, on_disk = store_name(name), disk_name(name, s.max_name_bytes)
        try:
            page_count = check_file(claimed, s.max_file_mb, s.min_image_px, s.read_dpi, self.limits)
        except BusinessError as err:
            return self._quarantine(claimed, name, h, err)
        rec = self.repo.receive(self.batch(), shown, claimed, page_count=page_count)
        dest = archive_file(claimed, s.archive_root, f"{self.now():%Y-%m-%d}", on_disk)
        if rec.duplicate_of is not None:
            log.info("file %s duplicates document %d; archived", h, rec.duplicate_of)
            return FileOutcome(shown, h, DocumentStatus.DUPLICATE, "duplicate",
                               DUPLICATE_JA.format(n=rec.duplicate_of),
                               f"same content as document {rec.duplicate_of}", rec.document_id,
                               rec.sha256, dest, page_count)
        log.info("file %s received as document %d (%d pages)", h, rec.document_id, page_count)
        return FileOutcome(shown, h, DocumentStatus.RECEIVED, None, None, None, rec.document_id,
                           rec.sha256, dest, page_count)

    def _quarantine(self, claimed: Path, name: str, h: str, err: BusinessError) -> FileOutcome:
        shown, on_disk = store_name(name), disk_name(name, self.settings.max_name_bytes)
        sha, size = file_sha256(claimed)  # None for a FIFO, socket or device: never opened
        doc_id = self.repo.quarantine(self.batch(), shown, sha, err.code, err.message_ja, size=size)
        reason = Reason(err.code, err.message_ja, str(err), self.now(), name, sha, doc_id)
        dest = quarantine_file(claimed, self.settings.quarantine_root, on_disk, reason)
        log.warning("file %s quarantined as document %d: %s", h, doc_id, err.code)
        return FileOutcome(shown, h, DocumentStatus.QUARANTINED, err.code, err.message_ja, str(err),
                           doc_id, sha, dest, None)

    def close(self) -> None:
        if self._own_batch and self.report.batch_id is not None:
            self.repo.finish_batch(self.report.batch_id)
        prune_empty_dirs(self.claim_dir)


def _walk(inbox: Path, settings: Settings) -> Iterator[tuple[Path, str]]:
    """Files (not links) under the inbox as (path, POSIX path relative to the inbox)."""
    skip = {_resolved(settings.archive_root), _resolved(settings.quarantine_root)}
    for top, dirs, files in os.walk(inbox, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and _resolved(Path(top, d)) not in skip)
        for f in sorted(files):
            if is_ignored(f):
                continue
            path = Path(top, f)
            try:
                mode = path.lstat().st_mode
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(mode) or stat.S_ISDIR(mode):
                continue
            yield path, path.relative_to(inbox).as_posix()


def _claim(src: Path, dst: Path, max_name_bytes: int) -> Path | None:
    """Atomically move ``src`` into our claim folder; None if another watcher was first."""
    if dst.exists():  # a leftover of ours with the same name: keep both (in a name that fits)
        dst = dst.with_name(disk_name(f"{dst.stem}.{time.time_ns()}{dst.suffix}", max_name_bytes))
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(src, dst)
    except FileNotFoundError:
        return None
    return dst


def _take_over_claims(inbox: Path, own: Path, max_name_bytes: int) -> Iterator[tuple[Path, str]]:
    """Files left in claim folders: ours (an earlier pass stopped) and dead watchers'."""
    for d in sorted(inbox.glob(f"{CLAIM_PREFIX}*")):
        if not d.is_dir() or (d != own and not _abandoned(d)):
            continue
        for top, _dirs, files in os.walk(d):
            for f in sorted(files):
                path = Path(top, f)
                rel = path.relative_to(d).as_posix()
                claimed = path if d == own else _claim(path, own / rel, max_name_bytes)
                if claimed is not None:
                    log.warning("file %s: taking over an unfinished intake", name_hash(rel))
                    yield claimed, rel
        if d != own:
            prune_empty_dirs(d)


def _abandoned(d: Path) -> bool:
    host, _, pid = d.name[len(CLAIM_PREFIX):].rpartition("-")
    if host == _host() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's
            pass
    try:  # the other watcher may remove its folder meanwhile: gone is not abandoned
        latest = max((p.stat().st_mtime for p in [d, *d.rglob("*")] if p.is_dir()), default=None)
    except OSError:
        return False
    return latest is not None and time.time() - latest > STALE_CLAIM_SECONDS


def _resolved(p: Path) -> Path:
    try:
        return p.resolve()
    except OSError:
        return p.absolute()


def _host() -> str:
    return socket.gethostname().replace("/", "_") or "localhost"
