"""Rules of "is this inbox file finished?" (intake.stability) at their edges.

The clock is injected (a list of readings); expected values are worked out by hand from the
module docstring: a file is taken only after ``stable_seconds`` unchanged, and the Linux
probe answers None (cannot tell) rather than guessing when the kernel refuses a lease.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from intake.stability import StabilityTracker, open_for_writing


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rule_seconds_left_counts_down_to_zero_and_never_below() -> None:
    clock = Clock()
    t = StabilityTracker(5.0, clock)
    assert t.seconds_left("a.pdf") is None
    t.observe("a.pdf", 10, 1)
    clock.now += 3.0
    assert t.seconds_left("a.pdf") == 2.0
    clock.now += 7.0
    assert t.seconds_left("a.pdf") == 0.0
    assert t.next_due() == 0.0


def test_rule_forgetting_a_file_never_seen_is_harmless() -> None:
    t = StabilityTracker(5.0, Clock())
    t.forget("never-seen.pdf")
    assert t.tracked == 0


def test_rule_a_negative_wait_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match=r"^stable_seconds must be >= 0$"):
        StabilityTracker(-0.5, Clock())


@pytest.mark.skipif(sys.platform != "linux", reason="the lease probe exists on Linux only")
def test_rule_the_probe_says_cannot_tell_for_links_folders_and_pipes(tmp_path: Path) -> None:
    """Rule: never follow a symbolic link (O_NOFOLLOW), never block on a pipe (O_NONBLOCK),
    and answer None - not "someone writes it" - when the kernel refuses the lease for
    another reason than a writer."""
    f = tmp_path / "scan.pdf"
    f.write_bytes(b"%PDF-1.4")
    (tmp_path / "link.pdf").symlink_to(f)
    os.mkfifo(tmp_path / "pipe")
    assert open_for_writing(f) is False
    assert open_for_writing(tmp_path / "link.pdf") is None
    assert open_for_writing(tmp_path) is None
    assert open_for_writing(tmp_path / "pipe") is None
