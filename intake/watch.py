"""The intake loop: filesystem events with periodic rescans, or plain polling.

* ``events``: ``watchfiles`` (inotify) wakes a pass as soon as something lands in the
  inbox; because events can be missed (and a file becomes stable only *after* its last
  event), the inbox is also rescanned every ``poll_seconds`` while some file is waiting
  and every ``rescan_seconds`` otherwise.
* ``poll``: a pass every ``poll_seconds``; network shares (CIFS/SMB, NFS) deliver no
  inotify events for changes made by other machines.
* ``auto``: ``poll`` when the inbox is on a network or FUSE filesystem, else ``events``
  (falling back to ``poll`` if events cannot be set up).

A pass is never cut in half: SIGINT/SIGTERM (or ``stop_event``) stop the loop after the
file being processed. ``on_report`` sees every pass; ``after_intake`` only passes that
produced new documents (the hook that starts recognition).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from config.settings import Settings
from intake.report import IntakeReport
from intake.scan import CLAIM_PREFIX, is_ignored, scan_inbox
from intake.stability import StabilityTracker
from store.repository import Repository

log = logging.getLogger(__name__)
Mode = Literal["auto", "events", "poll"]
Hook = Callable[[IntakeReport], None]
NETWORK_FS = frozenset({"cifs", "smb3", "smbfs", "nfs", "nfs4", "9p", "afs", "ceph", "davfs", "glusterfs"})
ERROR_BACKOFF_SECONDS = 10.0


def watch(repo_factory: Callable[[], Repository], settings: Settings, stop_event: threading.Event,
          mode: Mode = "auto", on_report: Hook | None = None, after_intake: Hook | None = None, *,
          tracker: StabilityTracker | None = None, handle_signals: bool = True) -> None:
    """Run intake passes until ``stop_event`` is set (or SIGINT/SIGTERM in the main thread)."""
    settings.inbox_root.mkdir(parents=True, exist_ok=True)
    if tracker is None:
        tracker = StabilityTracker(settings.stable_seconds)
    runner = _Runner(repo_factory(), settings, tracker, stop_event, on_report, after_intake)
    restore = install_signal_handlers(stop_event) if handle_signals else (lambda: None)
    try:
        chosen = choose_mode(mode, settings.inbox_root)
        log.info("intake watching the inbox (%s mode)", chosen)
        if chosen == "events":
            try:
                _events_loop(runner, settings, stop_event)
                return
            except (OSError, RuntimeError) as exc:
                if mode == "events":
                    raise
                log.warning("filesystem events unavailable (%s); polling instead", type(exc).__name__)
        while not stop_event.is_set():
            report = runner.run()
            stop_event.wait(min(runner.next_delay(report), settings.poll_seconds)
                            if report is not None else runner.next_delay(None))
    finally:
        restore()
        log.info("intake stopped")


def intake_once(repo: Repository, settings: Settings, tracker: StabilityTracker | None = None, *,
                max_wait: float | None = None, sleep: Callable[[float], None] = time.sleep,
                clock: Callable[[], float] = time.monotonic) -> list[IntakeReport]:
    """Take what is in the inbox now, waiting (up to ``max_wait``) for files to settle.

    With ``stable_seconds`` > 0 a file must be seen twice, so one pass alone would take
    nothing new: passes repeat while files are pending, until the deadline (default
    ``4 * stable_seconds + poll_seconds``). Files still growing then are left for later.
    """
    if tracker is None:
        tracker = StabilityTracker(settings.stable_seconds, clock)
    wait = max_wait if max_wait is not None else 4 * settings.stable_seconds + settings.poll_seconds
    deadline = clock() + wait
    reports = [scan_inbox(repo, settings, tracker)]
    while reports[-1].pending and clock() < deadline:
        due = tracker.next_due()
        sleep(min(max(0.2, due if due is not None else settings.poll_seconds), max(0.0, deadline - clock())))
        reports.append(scan_inbox(repo, settings, tracker))
    return reports


def choose_mode(mode: Mode, inbox: Path) -> Literal["events", "poll"]:
    if mode != "auto":
        return mode
    fs = filesystem_type(inbox)
    if fs is not None and (fs in NETWORK_FS or fs.startswith("fuse")):
        return "poll"
    return "events"


def filesystem_type(path: Path) -> str | None:
    """The type of the filesystem holding ``path`` from /proc/self/mounts (Linux), or None."""
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best, best_len = None, -1
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mnt = parts[1].replace("\\040", " ")
        inside = target == mnt or target.startswith(mnt.rstrip("/") + "/")
        if inside and len(mnt) > best_len:
            best, best_len = parts[2], len(mnt)
    return best


def install_signal_handlers(stop_event: threading.Event) -> Callable[[], None]:
    """SIGINT/SIGTERM set ``stop_event`` (main thread only); returns a restore function."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    sigs = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.getsignal(s) for s in sigs}

    def handler(signum: int, frame: Any) -> None:
        stop_event.set()

    for s in sigs:
        signal.signal(s, handler)

    def restore() -> None:
        for s, h in previous.items():
            signal.signal(s, h)

    return restore


class _Runner:
    def __init__(self, repo: Repository, settings: Settings, tracker: StabilityTracker,
                 stop: threading.Event, on_report: Hook | None, after_intake: Hook | None) -> None:
        self.repo, self.settings, self.tracker, self.stop = repo, settings, tracker, stop
        self.on_report, self.after_intake = on_report, after_intake

    def run(self) -> IntakeReport | None:
        """One pass; None if it failed (logged by exception type only: no file names)."""
        try:
            report = scan_inbox(self.repo, self.settings, self.tracker, stop=self.stop)
        except Exception as exc:
            log.error("intake pass failed: %s", type(exc).__name__)
            return None
        _call(self.on_report, report, "on_report")
        if report.new_document_ids:
            _call(self.after_intake, report, "after_intake")
        return report

    def next_delay(self, report: IntakeReport | None) -> float:
        if report is None:
            return max(self.settings.poll_seconds, ERROR_BACKOFF_SECONDS)
        if report.pending or report.errors:
            return self.settings.poll_seconds
        return self.settings.rescan_seconds


def _events_loop(runner: _Runner, settings: Settings, stop: threading.Event) -> None:
    import watchfiles

    inbox = settings.inbox_root.resolve()

    def interesting(change: watchfiles.Change, path: str) -> bool:
        if change == watchfiles.Change.deleted:
            return False
        try:
            parts = Path(path).relative_to(inbox).parts
        except ValueError:
            return False
        return bool(parts) and not any(p.startswith((".", CLAIM_PREFIX)) for p in parts) \
            and not is_ignored(parts[-1])

    tick_ms = int(min(1000.0, max(50.0, settings.poll_seconds * 1000)))
    due = 0.0  # the first pass runs on the first tick, once the watcher is in place
    for changes in watchfiles.watch(inbox, watch_filter=interesting, stop_event=stop,
                                    rust_timeout=tick_ms, yield_on_timeout=True, debounce=tick_ms,
                                    raise_interrupt=False):
        if stop.is_set():
            break
        if changes or time.monotonic() >= due:
            report = runner.run()
            due = time.monotonic() + runner.next_delay(report)


def _call(hook: Hook | None, report: IntakeReport, what: str) -> None:
    if hook is None:
        return
    try:
        hook(report)
    except Exception as exc:
        log.error("intake %s hook failed: %s", what, type(exc).__name__)
