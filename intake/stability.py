"""When is a file in the inbox finished? (pure tracker + one optional Linux probe)

Scanners write a PDF slowly and SMB copies arrive in pieces, so a file is taken only
when its size and mtime have stayed the same for ``stable_seconds`` across
observations. The first sighting never counts as stable (unless ``stable_seconds`` is
0): a copy that keeps the source's mtime (Windows Explorer does) can look old while it
is still growing, so the file's own mtime is never trusted as an age.

:class:`StabilityTracker` is pure: the caller passes what ``stat`` said, and the clock
(monotonic seconds) is injected. :func:`open_for_writing` is the optional, cheap Linux
check for "someone still has this file open for writing".
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Observation:
    size: int
    mtime_ns: int


@dataclass
class _Seen:
    state: Observation
    since: float  # clock reading when this state was first seen


class StabilityTracker:
    """Remembers, per path, the last (size, mtime) and since when it has been unchanged."""

    def __init__(self, stable_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if stable_seconds < 0:
            raise ValueError("stable_seconds must be >= 0")
        self.stable_seconds = stable_seconds
        self._clock = clock
        self._seen: dict[str, _Seen] = {}

    def observe(self, key: str, size: int, mtime_ns: int) -> bool:
        """Record a sighting; True when the file has been unchanged for ``stable_seconds``."""
        now = self._clock()
        state = Observation(size, mtime_ns)
        seen = self._seen.get(key)
        if seen is None or seen.state != state:
            self._seen[key] = _Seen(state, now)
            return self.stable_seconds == 0
        return now - seen.since >= self.stable_seconds

    def seconds_left(self, key: str) -> float | None:
        """How long until ``key`` can be stable if unchanged (None: never seen)."""
        seen = self._seen.get(key)
        if seen is None:
            return None
        return max(0.0, self.stable_seconds - (self._clock() - seen.since))

    def next_due(self) -> float | None:
        """Seconds until the earliest tracked file can be stable (None: nothing tracked)."""
        if not self._seen:
            return None
        now = self._clock()
        return max(0.0, min(self.stable_seconds - (now - s.since) for s in self._seen.values()))

    def forget(self, key: str) -> None:
        self._seen.pop(key, None)

    def retain(self, keys: Iterable[str]) -> None:
        """Drop every path not in ``keys`` (files that were taken or disappeared)."""
        keep = set(keys)
        for key in [k for k in self._seen if k not in keep]:
            del self._seen[key]

    @property
    def tracked(self) -> int:
        """How many files are being watched for stability (not a ``__len__``: a tracker
        with nothing in it must still be truthy)."""
        return len(self._seen)


def open_for_writing(path: Path) -> bool | None:
    """True if some process on this machine has ``path`` open for writing (Linux).

    Tries to take a read lease (``F_SETLEASE``), which the kernel refuses with EAGAIN
    while any writer has the file open, and releases it at once. Lease-break
    notifications go to SIGURG (default action: ignore) so a writer opening the file in
    that instant cannot kill us with SIGIO. Returns None when it cannot tell (not Linux,
    not the file's owner, a network filesystem, ...): the size/mtime rule still holds.
    """
    if sys.platform != "linux":
        return None
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.fcntl(fd, fcntl.F_SETSIG, signal.SIGURG)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return True if exc.errno in (errno.EAGAIN, errno.EBUSY) else None
    else:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(fd)
