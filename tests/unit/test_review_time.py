"""Screens show Japan time: a UTC time late in the evening is already the next day in Japan."""

from __future__ import annotations

from datetime import UTC, datetime

from review.app import to_jst


def test_utc_evening_is_next_morning_in_japan() -> None:
    assert to_jst(datetime(2026, 3, 31, 15, 30, tzinfo=UTC)) == "2026-04-01 00:30"
    assert to_jst(datetime(2026, 3, 31, 15, 30, 5, tzinfo=UTC), "%H:%M:%S") == "00:30:05"
    assert to_jst(None) == ""
