"""Weeks of use, simulated: drifting handwriting, reviewers from ground truth, a poisoned batch.

The engine is a seeded simulator of (score, right) per field (``learning.simulate``); the
learning itself — split, fit, threshold tuning, label audit, promotion gate — is the
production code. Truth is measured on fresh batches the learner never saw.
"""

from __future__ import annotations

import pytest

from learning.gate import Refusal
from learning.simulate import Run, Simulator, run_weeks

T = 0.005


@pytest.fixture(scope="module")
def run() -> Run:
    # seed 6: the factory calibration (fitted on week 0 to twice the target: one that promised
    # more than it saw) auto-accepts what drift then makes costly; handwriting drifts 0.35 logit
    # a week; week 4 is poisoned. An honest factory (fitted to the target) leaves learning
    # nothing to tighten: only looser changes then.
    return run_weeks(6, weeks=8, documents=800, window=4, poison_week=4, target_error=T,
                     factory_target=2 * T)


def test_straight_through_rises_and_error_stays_within_target(run: Run) -> None:
    sim = Simulator(6)
    factory = sim.truth(run.factory, 8, 2000, salt=11)  # fresh forms of the last week's style
    learnt = sim.truth(run.final, 8, 2000, salt=11)
    assert learnt.share >= factory.share + 0.05, (factory, learnt)
    assert learnt.error <= T
    promoted = [w for w in run.weeks if w.passed]
    assert len(promoted) >= 2
    for w in promoted:  # every promotion, measured on fresh forms of its week
        assert w.true_after is not None and w.true_after.error <= T, w
        # never worse: more straight-through, or (a justified tightening) fewer errors
        assert w.true_after.share > w.true_before.share or w.true_after.error < w.true_before.error


def test_thresholds_move_both_ways(run: Run) -> None:
    changes = [c for w in run.weeks if w.passed for c in w.changes]
    assert any(c.endswith(" stricter") for c in changes), changes  # often corrected: stricter
    assert any(c.endswith(" looser") for c in changes), changes  # never wrong: looser


def test_poisoned_batch_is_caught_and_not_promoted(run: Run) -> None:
    poisoned = run.weeks[3]
    assert not poisoned.passed
    assert Refusal.SUSPICIOUS_LABELS in poisoned.codes
    assert "batch 4" in poisoned.flagged and any(f.startswith("reviewer rev9") for f in poisoned.flagged)
    assert run.excluded == [4]
    assert not any(w.flagged for w in run.weeks[:3])  # clean weeks are never flagged


def test_poison_keeps_blocking_while_nobody_excludes_it() -> None:
    run = run_weeks(2, weeks=5, documents=600, window=4, poison_week=4, exclude_flagged=False,
                    truth_documents=200)
    assert [Refusal.SUSPICIOUS_LABELS in w.codes for w in run.weeks] == [False, False, False, True, True]
    assert not any(w.passed for w in run.weeks[3:])
