"""Label audit: is one batch's (or one reviewer's week's) checking consistent with the rest?

A batch whose flagged fields were "confirmed" without looking (wrong confirmations)
shows far fewer misses than the engine's scores predict. For every group we fit the
score → hit map on all *other* groups' checked fields, predict how many of this
group's checked fields should have been wrong, and flag the group when the observed
misses are implausibly few (a quarter of the prediction or less, more than four
standard deviations below it). Such labels would loosen thresholds on false evidence,
so the promotion gate refuses while a flagged group is in the data; an admin looks at
it and reruns with that batch excluded. Too *many* corrections only make thresholds
stricter, which the gate already handles, so they are not flagged.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from domain.calibration import KindCalibration, isotonic_fit
from learning.dataset import Observation

MIN_EXPECTED = 5.0  # predicted misses below this: too little to judge a group
MAX_RATIO = 0.25
MIN_Z = 4.0


@dataclass(frozen=True)
class GroupCheck:
    group: str  # "batch 12" or "reviewer rev1, week 2026-W48"
    checked: int
    observed: int  # misses staff recorded
    expected: float  # misses the other groups' data predicts
    z: float

    @property
    def suspicious(self) -> bool:
        return (self.expected >= MIN_EXPECTED and self.observed <= MAX_RATIO * self.expected
                and self.z <= -MIN_Z)

    def describe(self) -> str:
        return (f"{self.group}: {self.observed} corrections among {self.checked} checked fields, "
                f"{self.expected:.1f} expected from the other batches")


def batch_group(o: Observation) -> str | None:
    return f"batch {o.batch_id}"


def reviewer_week_group(o: Observation) -> str | None:
    if o.actor is None or o.reviewed_on is None:
        return None
    year, week, _ = o.reviewed_on.isocalendar()
    return f"reviewer {o.actor}, week {year}-W{week:02d}"


def _maps(checked: Sequence[Observation]) -> dict[str, KindCalibration]:
    by_key: dict[str, tuple[list[float], list[bool]]] = defaultdict(lambda: ([], []))
    for o in checked:
        by_key[o.kind_key][0].append(o.score)
        by_key[o.kind_key][1].append(bool(o.label))
    out = {}
    for key, (scores, hits) in by_key.items():
        knots, probs = isotonic_fit(scores, hits)
        out[key] = KindCalibration(knots=knots, probs=probs, n=len(scores))
    return out


def check_groups(observations: Sequence[Observation], group_of: Callable[[Observation], str | None]
                 ) -> list[GroupCheck]:
    """One check per group with something to judge, most suspicious first."""
    checked = [(group_of(o), o) for o in observations if o.checked]
    groups: dict[str, list[Observation]] = defaultdict(list)
    for g, o in checked:
        if g is not None:
            groups[g].append(o)
    if len(groups) < 2:
        return []  # nothing to compare with
    out = []
    for g, members in groups.items():
        others = _maps([o for h, o in checked if h != g])
        expected = variance = 0.0
        observed = n = 0
        for o in members:
            ref = others.get(o.kind_key)
            if ref is None:
                continue
            p = ref.probability(o.score)
            expected += 1 - p
            variance += p * (1 - p)
            observed += o.label is False
            n += 1
        z = (observed - expected) / math.sqrt(max(variance, 1e-9))
        out.append(GroupCheck(g, n, observed, expected, z))
    return sorted(out, key=lambda c: c.z)


def audit(observations: Sequence[Observation]) -> list[GroupCheck]:
    """Suspicious groups, by batch and by reviewer-week."""
    found = []
    for group_of in (batch_group, reviewer_week_group):
        found += [c for c in check_groups(observations, group_of) if c.suspicious]
    return found
