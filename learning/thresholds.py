"""Threshold tuning: keep the entry in force, or take a freshly fitted one (pure).

Scores above the current threshold were mostly auto-accepted, so nobody checked them:
a fit on staff labels knows little about that region. Hence the asymmetry:

* **looser** (the fitted entry auto-accepts more): taken — the region it adds was sent
  to people, so it is labelled, and :func:`domain.calibration.fit_kind` only chose the
  threshold where the upper bound of the error meets the target. The promotion gate
  checks it again on held-back documents.
* **stricter**: taken only with evidence against the entry in force — checked fields it
  accepts that were wrong, or staff corrections of fields it auto-accepted, the lower
  confidence bound of their share above the target. A fit that is stricter merely
  for lack of labels above the current threshold is not evidence, and the entry in
  force is kept. Blind audits of auto-accepted fields (issue 15) are exactly such
  checked fields above the threshold: wrong audits tighten the key through this rule.
* staff corrections concentrated among the *lowest-scored* auto-accepted fields (a
  lower confidence bound above the target) cut that low end off, even when too few
  fields were checked to fit anything (e.g. a kind the factory calibration accepts
  whatever its score).
* evidence against the entry in force also stops any loosening: the key then stops
  auto-accepting until fresh, fully checked data says otherwise (safety first; every
  field of it goes to a person, which is exactly the unbiased data the next fit needs).

A field that is often corrected so gets a stricter entry of its own; a field that is
never wrong earns a looser one, never beyond the target error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.calibration import KindCalibration, wilson_lower
from learning.dataset import Observation

MIN_EVIDENCE_ERRORS = 2  # one stray correction is not evidence against a threshold
MIN_TAIL_ERRORS = 3  # corrections among the lowest-scored auto-accepted fields (a scan: ask more)


class Change(StrEnum):
    NEW = "new"  # no entry before
    LOOSER = "looser"
    STRICTER = "stricter"
    SAME = "same"  # accepts the same training fields: the entry in force is kept
    KEPT = "kept"  # the fit is stricter only for lack of labels: the entry in force is kept
    TOO_FEW = "too_few"  # too few checked fields to fit


@dataclass(frozen=True)
class Tuning:
    entry: KindCalibration | None  # what the candidate holds for this key
    change: Change
    accepted_before: int  # eligible training fields the entry in force accepts
    accepted_after: int
    detail: str  # English, counts only


def accepts(entry: KindCalibration | None, o: Observation) -> bool:
    return entry is not None and o.eligible and entry.accepts_score(o.score)


def evidence_against(entry: KindCalibration | None, observations: Sequence[Observation],
                     target_error: float) -> str | None:
    """Checked fields ``entry`` accepts were wrong too often: even the lower confidence
    bound of their error is above the target (None: no such evidence).

    Such fields exist when they were read under a stricter calibration, or for a field
    judged against its kind's (looser) entry. Corrections of auto-accepted fields are
    judged by :func:`escaped_tail`.
    """
    checked = [o for o in observations if accepts(entry, o) and o.checked]
    misses = sum(o.label is False for o in checked)
    if misses >= MIN_EVIDENCE_ERRORS and wilson_lower(misses, len(checked)) > target_error:
        audits = [o for o in checked if o.audited]
        wrong = sum(o.label is False for o in audits)
        via = f" (blind audits of auto-accepted fields: {wrong} of {len(audits)} wrong)" if audits else ""
        return f"{misses} of {len(checked)} checked fields it accepts were wrong{via}"
    return None


def escaped_tail(entry: KindCalibration | None, observations: Sequence[Observation],
                 target_error: float) -> tuple[float, int, int] | None:
    """The low end of what ``entry`` auto-accepts, where staff corrected too many fields.

    Auto-accepted fields are scanned from the lowest score up; of the low ends where even
    the lower confidence bound of the corrected share exceeds the target, the one with the
    strongest evidence (highest lower bound) is returned as (its top score, corrected,
    auto-accepted). Unchecked fields count as right here, so this understates the error;
    a later run cuts further if corrections go on above the cut.
    """
    auto = sorted((o for o in observations if accepts(entry, o) and o.was_auto), key=lambda o: o.score)
    found, best = None, target_error
    escaped = 0
    for i, o in enumerate(auto, 1):
        escaped += o.escaped
        if escaped >= MIN_TAIL_ERRORS and o.escaped:
            bound = wilson_lower(escaped, i)
            if bound > best:
                found, best = (o.score, escaped, i), bound
    return found


def never(entry: KindCalibration) -> KindCalibration:
    """The same probabilities, but never auto-accept."""
    return entry.model_copy(update={"threshold": 1.0, "accepted_share": 0.0, "accepted_error": 0.0,
                                    "accepted_error_upper": 1.0})


def _count(entry: KindCalibration | None, observations: Sequence[Observation]) -> int:
    return sum(accepts(entry, o) for o in observations)


def tune(reference: KindCalibration | None, fitted: KindCalibration | None,
         observations: Sequence[Observation], target_error: float) -> Tuning:
    """Choose between ``reference`` (in force) and ``fitted`` for one key's observations.

    ``fitted`` is None when there were too few checked fields to fit: then only
    evidence against the reference can change it.
    """
    before = _count(reference, observations)
    if reference is None:
        if fitted is None:
            return Tuning(None, Change.TOO_FEW, 0, 0, "too few checked fields")
        return Tuning(fitted, Change.NEW, before, _count(fitted, observations), "no entry before")
    against = evidence_against(reference, observations, target_error)
    if against is not None:
        base = fitted if fitted is not None else reference
        entry = base if fitted is not None and _count(fitted, observations) < before else never(base)
        return Tuning(entry, Change.STRICTER, before, _count(entry, observations), against)
    tail = escaped_tail(reference, observations, target_error)
    if tail is not None:
        cut = reference.cut_below(tail[0])
        return Tuning(cut, Change.STRICTER, before, _count(cut, observations),
                      f"staff corrected {tail[1]} of the {tail[2]} lowest-scored fields it auto-accepted "
                      f"(score up to {tail[0]:.6g})")
    if fitted is None:
        return Tuning(reference, Change.TOO_FEW, before, before, "too few checked fields")
    after = _count(fitted, observations)
    if after > before:
        return Tuning(fitted, Change.LOOSER, before, after,
                      f"{fitted.n} checked fields support it (error {fitted.accepted_error:.4f}, "
                      f"upper bound {fitted.accepted_error_upper:.4f})")
    if after < before:
        return Tuning(reference, Change.KEPT, before, before,
                      "the fit is stricter only for lack of checked fields above the current threshold")
    return Tuning(reference, Change.SAME, before, before, "accepts the same fields")
