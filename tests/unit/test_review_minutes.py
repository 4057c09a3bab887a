"""Review minutes in the operations report: time between one reviewer's actions, idle gaps not counted."""

from __future__ import annotations

import pandas as pd

from reports.operations import review_seconds

T0 = pd.Timestamp("2026-10-01T09:00:00Z")


def _reviews(rows: list[tuple[str, float]]) -> pd.DataFrame:
    return pd.DataFrame({"actor": [a for a, _ in rows],
                         "at": [T0 + pd.Timedelta(seconds=s) for _, s in rows]})


def test_rule_an_idle_gap_is_not_counted_as_review_time() -> None:
    """Rule: a gap longer than the idle limit (lunch, a meeting) credits nothing; the actions
    around it count their own short gaps (mutant: the idle-gap cap dropped)."""
    reviews = _reviews([("suzuki", 0), ("suzuki", 30), ("suzuki", 30 + 2 * 3600), ("suzuki", 7250)])
    got = review_seconds(reviews, idle_minutes=5).tolist()
    assert got == [0.0, 30.0, 0.0, 20.0]


def test_gaps_are_per_reviewer_and_follow_time_not_row_order() -> None:
    """Two reviewers working at once: each one's gaps are their own, rows in any order."""
    reviews = _reviews([("sato", 100), ("suzuki", 0), ("sato", 0), ("suzuki", 60), ("sato", 40)])
    got = review_seconds(reviews, idle_minutes=5)
    assert got.tolist() == [60.0, 0.0, 0.0, 60.0, 40.0]
    assert got.index.tolist() == reviews.index.tolist()


def test_a_gap_exactly_at_the_limit_still_counts() -> None:
    reviews = _reviews([("sato", 0), ("sato", 300), ("sato", 601)])
    assert review_seconds(reviews, idle_minutes=5).tolist() == [0.0, 300.0, 0.0]


def test_measured_seconds_per_field_leave_out_idle_gaps_and_first_actions() -> None:
    from reports.operations import measured_review_seconds_per_field

    reviews = _reviews([("sato", 0), ("sato", 10), ("sato", 20), ("sato", 4000), ("sato", 4030)])
    assert measured_review_seconds_per_field(reviews) == 10.0  # gaps 10, 10, 30 → median 10
    assert measured_review_seconds_per_field(_reviews([("sato", 0)])) is None
