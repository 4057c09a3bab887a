"""The promotion gate: a candidate replaces the current calibration only if the held-back
documents say it is at least as safe and does not lower the straight-through share (pure).

Figures, for the current and the candidate calibration, on the held-back documents
(never used for fitting):

* **share**: fields it would auto-accept / all fields (the straight-through rate).
* **error**: known wrong / auto-accepted, where known wrong = checked fields it
  accepts that were wrong + fields auto-accepted when read that staff corrected
  (unchecked fields count as right: nobody can know better).
* **newly accepted**: checked fields the candidate accepts and the current does not —
  the only place where a looser candidate adds risk, and all labelled (they were sent
  to people). Their error must meet the target with the upper confidence bound, as in
  :func:`domain.calibration.fit_kind` (≤ target, upper bound ≤ 2 × target).
* **no longer accepted**: fields the current one accepts and the candidate does not,
  on all documents. A lower share is accepted only when the known error there (staff
  corrections of auto-accepted fields, checked fields that were wrong; unchecked ones
  count as right, so it is a lower bound) is above the target, or the current one is
  above it overall, or blind audits of what it auto-accepts measured an error whose
  lower confidence bound is above the target (issue 15).

Refusal reasons (each an English code with counts): too little data, suspicious labels
(:mod:`learning.audit`), newly accepted fields not safe, error above target, share
would fall (allowed only when the current one is itself above target: safety wins),
and no change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from domain.calibration import Calibration, wilson_lower, wilson_upper
from learning.audit import GroupCheck
from learning.dataset import HELDBACK_SHARE, Observation

MIN_DROPPED_ERRORS = 3  # known wrong fields that justify a lower share


class Refusal(StrEnum):
    TOO_LITTLE_DATA = "too_little_data"
    SUSPICIOUS_LABELS = "suspicious_labels"
    NEWLY_ACCEPTED_UNSAFE = "newly_accepted_unsafe"
    ERROR_ABOVE_TARGET = "error_above_target"
    SHARE_WOULD_FALL = "share_would_fall"
    NO_CHANGE = "no_change"


def min_checked(target_error: float) -> int:
    """Fewest all-right checked fields whose error upper bound meets 2 × target (268 at 0.5 %)."""
    n = 1
    while wilson_upper(0, n) > 2 * target_error:
        n += 1
    return n


def min_confirmed(target_error: float, heldback_share: float | None = None) -> int:
    """Checked fields needed in all, so that enough of them are held back."""
    return math.ceil(min_checked(target_error) / (heldback_share or HELDBACK_SHARE))


@dataclass(frozen=True)
class Figures:
    fields: int
    accepted: int
    errors: int  # known wrong among accepted
    checked_accepted: int

    @property
    def share(self) -> float:
        return self.accepted / self.fields if self.fields else 0.0

    @property
    def error(self) -> float:
        return self.errors / self.accepted if self.accepted else 0.0


def evaluate(calibration: Calibration | None, heldback: Sequence[Observation]) -> Figures:
    accepted = errors = checked = 0
    for o in heldback:
        if not (o.eligible and calibration is not None
                and calibration.assess(o.kind_key, o.score, o.field_keys)[1]):
            continue
        accepted += 1
        checked += o.checked
        errors += (o.checked or o.was_auto) and o.label is False
    return Figures(len(heldback), accepted, errors, checked)


@dataclass(frozen=True)
class Region:
    """Held-back fields one calibration auto-accepts and the other does not."""

    fields: int
    checked: int
    errors: int  # wrong among the checked ones
    escaped: int  # auto-accepted when read, then corrected by staff

    @property
    def error(self) -> float:
        return self.errors / self.checked if self.checked else 0.0

    @property
    def upper(self) -> float:
        return wilson_upper(self.errors, self.checked)

    @property
    def known_error(self) -> float:
        """Known wrong / all (unchecked counted as right): a lower bound."""
        return (self.errors + self.escaped) / self.fields if self.fields else 0.0


def region(only: Calibration | None, other: Calibration | None, heldback: Sequence[Observation]) -> Region:
    """Fields ``only`` accepts and ``other`` does not."""
    fields = checked = errors = escaped = 0
    for o in heldback:
        if not o.eligible or only is None or not only.assess(o.kind_key, o.score, o.field_keys)[1]:
            continue
        if other is not None and other.assess(o.kind_key, o.score, o.field_keys)[1]:
            continue
        fields += 1
        checked += o.checked
        errors += o.checked and o.label is False
        escaped += o.escaped
    return Region(fields, checked, errors, escaped)


def audited_errors(calibration: Calibration | None, observations: Sequence[Observation]) -> tuple[int, int]:
    """(wrong, audited) among blind-audited fields ``calibration`` accepts: a random sample of
    what it auto-accepts, so their share wrong measures its error (issue 15)."""
    audited = [o for o in observations if o.audited and o.checked and calibration is not None
               and calibration.assess(o.kind_key, o.score, o.field_keys)[1]]
    return sum(o.label is False for o in audited), len(audited)


@dataclass(frozen=True)
class GateResult:
    passed: bool
    reasons: list[str]  # "<code>: <English detail with counts>"
    before: Figures
    after: Figures
    newly: Region  # accepted by the candidate only
    dropped: Region  # accepted by the current one only
    heldback_checked: int
    needed_checked: int
    suspicious: list[GroupCheck] = field(default_factory=list)

    def codes(self) -> list[str]:
        return [r.split(":", 1)[0] for r in self.reasons]

    def figures(self) -> dict[str, Any]:
        """Counts and rates only (stored with the version, shown in reports and artifacts)."""
        return {"before": {**asdict(self.before), "share": self.before.share, "error": self.before.error},
                "after": {**asdict(self.after), "share": self.after.share, "error": self.after.error},
                "newly_accepted": {**asdict(self.newly), "error": self.newly.error,
                                   "upper": self.newly.upper},
                "no_longer_accepted": {**asdict(self.dropped), "known_error": self.dropped.known_error},
                "heldback_checked": self.heldback_checked, "needed_checked": self.needed_checked,
                "suspicious_groups": len(self.suspicious), "passed": self.passed}


def gate(current: Calibration | None, candidate: Calibration, heldback: Sequence[Observation],
         target_error: float, suspicious: Sequence[GroupCheck] = (), changed: bool = True,
         train: Sequence[Observation] = ()) -> GateResult:
    """Judge ``candidate`` against ``current`` on the held-back documents.

    ``train`` (the documents the candidate was fitted on) is used for one thing only:
    the evidence that fields the candidate stops accepting were wrong too often. Stopping
    cannot add errors, so fitting on that evidence is no optimism to guard against.
    """
    before, after = evaluate(current, heldback), evaluate(candidate, heldback)
    newly = region(candidate, current, heldback)
    dropped = region(current, candidate, [*heldback, *train])
    held_checked = sum(o.checked for o in heldback)
    need = min_checked(target_error)
    reasons: list[str] = []
    if held_checked < need:
        reasons.append(f"{Refusal.TOO_LITTLE_DATA}: {held_checked} checked fields held back, {need} needed "
                       f"(about {min_confirmed(target_error)} confirmed fields in all)")
    for g in suspicious:
        reasons.append(f"{Refusal.SUSPICIOUS_LABELS}: {g.describe()}")
    if newly.checked and (newly.error > target_error or newly.upper > 2 * target_error):
        reasons.append(f"{Refusal.NEWLY_ACCEPTED_UNSAFE}: {newly.errors} wrong among {newly.checked} "
                       f"newly accepted checked fields (error {newly.error:.4f}, allowed {target_error:.4f}; "
                       f"upper bound {newly.upper:.4f}, allowed {2 * target_error:.4f})")
    if after.error > target_error:
        reasons.append(f"{Refusal.ERROR_ABOVE_TARGET}: {after.errors} of {after.accepted} "
                       f"({after.error:.4f} > {target_error:.4f})")
    # a lower share is safety, not a loss, where staff keep correcting what is auto-accepted,
    # or where blind audits measured the current calibration's error above the target
    wrong = dropped.errors + dropped.escaped
    audit_misses, audit_n = audited_errors(current, [*heldback, *train])
    justified = before.error > target_error or (
        wrong >= MIN_DROPPED_ERRORS and dropped.known_error > target_error) or (
        audit_misses >= MIN_DROPPED_ERRORS and wilson_lower(audit_misses, audit_n) > target_error)
    if after.share < before.share and not justified:
        reasons.append(f"{Refusal.SHARE_WOULD_FALL}: {before.share:.4f} -> {after.share:.4f} "
                       f"({dropped.errors + dropped.escaped} known wrong among the {dropped.fields} fields "
                       f"it would stop accepting)")
    if not changed:
        reasons.append(f"{Refusal.NO_CHANGE}: the candidate keeps every entry in force")
    return GateResult(not reasons, reasons, before, after, newly, dropped, held_checked, need,
                      list(suspicious))
