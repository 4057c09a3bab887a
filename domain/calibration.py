"""Calibrated confidence and triage thresholds (pure).

An engine score is not a probability. For each field kind we fit an isotonic
(monotone) map from score to "probability the value is exactly right" on a
labelled calibration set, and choose the lowest threshold whose auto-accepted
share keeps the error at or below the target, using an upper confidence bound
so a small calibration set cannot promise more than it saw.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field


def isotonic_fit(scores: Sequence[float], hits: Sequence[bool]) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: returns (score knots, probabilities), non-decreasing."""
    pairs = sorted(zip(scores, hits, strict=True), key=lambda t: t[0])
    blocks: list[list[float]] = []  # [sum_hits, count, max_score]
    for s, h in pairs:
        blocks.append([float(h), 1.0, s])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            hs, n, sc = blocks.pop()
            blocks[-1][0] += hs
            blocks[-1][1] += n
            blocks[-1][2] = sc
    knots = [b[2] for b in blocks]
    probs = [b[0] / b[1] for b in blocks]
    return knots, probs


def wilson_upper(errors: int, n: int, z: float = 1.645) -> float:
    """One-sided 95 % upper bound of an error rate seen as errors/n."""
    if n == 0:
        return 1.0
    p = errors / n
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return min(1.0, (centre + margin) / denom)


class KindCalibration(BaseModel):
    knots: list[float]  # upper score of each isotonic block, ascending
    probs: list[float]
    threshold: float = Field(ge=0.0, le=1.0, default=1.0)  # on the calibrated probability
    n: int = 0
    accepted_share: float = 0.0
    accepted_error: float = 0.0
    accepted_error_upper: float = 1.0

    @property
    def auto_accepts(self) -> bool:
        """False when no threshold met the target on the calibration set (never auto-accept)."""
        return self.accepted_share > 0.0

    def probability(self, score: float) -> float:
        if not self.knots:
            return 0.0
        i = bisect.bisect_left(self.knots, score)
        return self.probs[min(i, len(self.probs) - 1)]


class Calibration(BaseModel):
    """A versioned set of per-kind calibrations (stored as a small JSON file)."""

    version: str
    created: datetime
    target_error: float
    kinds: dict[str, KindCalibration]
    note: str = ""

    def probability(self, kind: str, score: float) -> float | None:
        cal = self.kinds.get(kind)
        return None if cal is None else cal.probability(score)

    def accepts(self, kind: str, probability: float | None) -> bool:
        cal = self.kinds.get(kind)
        return (cal is not None and cal.auto_accepts and probability is not None
                and probability >= cal.threshold)


def fit_kind(scores: Sequence[float], hits: Sequence[bool], target_error: float) -> KindCalibration:
    """Fit one kind and pick its threshold (1.0 = never auto-accept)."""
    knots, probs = isotonic_fit(scores, hits)
    cal = KindCalibration(knots=knots, probs=probs, n=len(scores))
    calibrated = [cal.probability(s) for s in scores]
    order = sorted(zip(calibrated, hits, strict=True), key=lambda t: -t[0])
    best: tuple[float, int, int] | None = None  # threshold, accepted, errors
    accepted = errors = 0
    i = 0
    while i < len(order):
        p = order[i][0]
        while i < len(order) and order[i][0] == p:  # accept whole ties at once
            accepted += 1
            errors += 0 if order[i][1] else 1
            i += 1
        if wilson_upper(errors, accepted) <= target_error * 2 and errors / accepted <= target_error:
            best = (p, accepted, errors)
    if best is None or best[0] <= 0.0:
        return cal
    thr, acc, err = best
    return cal.model_copy(update={
        "threshold": thr,
        "accepted_share": acc / len(scores),
        "accepted_error": err / acc,
        "accepted_error_upper": wilson_upper(err, acc),
    })
