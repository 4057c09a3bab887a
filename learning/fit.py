"""Fit a candidate calibration from training observations (pure).

Per kind (pooled over templates and fields, with empty text apart, as the shipped
calibration) and per field (``template:field``): an isotonic map from engine score
to the share of checked fields that were right, and the threshold that keeps the
error's upper bound within the target (:func:`domain.calibration.fit_kind`). Only
checked fields are fitted (see :mod:`learning.dataset`); whether the fitted entry
replaces the one in force is :func:`learning.thresholds.tune`'s decision.

A field gets an entry of its own only when its data disagrees with its kind's entry
(a field often corrected → stricter, one never wrong → looser); otherwise it follows
its kind.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from domain.calibration import Calibration, KindCalibration, fit_kind
from learning.dataset import Observation
from learning.thresholds import Change, tune

MIN_CHECKED_KIND = 50  # checked training fields before a kind is refitted
MIN_CHECKED_FIELD = 100  # ... before a field may get an entry of its own
# Thresholds are fitted to this share of the target. Since issue 14 the fit itself keeps
# the error's one-sided 95 % upper bound within the target (before, within twice the
# target, which needed a margin of 0.5 here); a second margin would demand ~1,100
# error-free checked fields before any field could loosen.
FIT_MARGIN = 1.0


@dataclass(frozen=True)
class KeyChange:
    level: Literal["kind", "field"]
    key: str
    change: Change
    checked: int  # checked training fields of this key
    misses: int
    accepted_before: int  # eligible training fields the entry in force accepts
    accepted_after: int
    above_before: float | None  # engine scores above this were auto-accepted (None: none)
    above_after: float | None
    detail: str  # English, counts only


@dataclass(frozen=True)
class Candidate:
    calibration: Calibration
    changes: list[KeyChange]

    @property
    def changed(self) -> list[KeyChange]:
        return [c for c in self.changes if c.change in (Change.NEW, Change.LOOSER, Change.STRICTER)]


def _above(entry: KindCalibration | None) -> float | None:
    return None if entry is None else entry.accepts_above()


def _fit(obs: Sequence[Observation], target_error: float) -> tuple[KindCalibration, int, int]:
    checked = [o for o in obs if o.checked]
    fitted = fit_kind([o.score for o in checked], [bool(o.label) for o in checked],
                      target_error * FIT_MARGIN)
    return fitted, len(checked), sum(o.label is False for o in checked)


def version_of(kinds: dict[str, KindCalibration], fields: dict[str, KindCalibration], now: datetime) -> str:
    body = json.dumps({"kinds": {k: v.model_dump() for k, v in kinds.items()},
                       "fields": {k: v.model_dump() for k, v in fields.items()}}, sort_keys=True)
    return f"learn-{now:%Y%m%d}-{hashlib.sha256(body.encode()).hexdigest()[:8]}"


def fit_candidate(train: Sequence[Observation], current: Calibration, now: datetime, *,
                  target_error: float | None = None, min_kind: int = MIN_CHECKED_KIND,
                  min_field: int = MIN_CHECKED_FIELD, note: str = "") -> Candidate:
    """A candidate that changes ``current`` only where the training data justifies it."""
    target = current.target_error if target_error is None else target_error
    eligible = [o for o in train if o.eligible]
    by_kind: dict[str, list[Observation]] = defaultdict(list)
    by_field: dict[str, list[Observation]] = defaultdict(list)
    for o in eligible:
        by_kind[o.kind_key].append(o)
        if o.field_key is not None:
            by_field[o.field_key].append(o)
    kinds = dict(current.kinds)
    changes: list[KeyChange] = []
    for key, obs in sorted(by_kind.items()):
        ref = current.kinds.get(key)
        fitted, n, misses = _fit(obs, target)
        t = tune(ref, fitted if n >= min_kind else None, obs, target)
        if t.entry is not None:
            kinds[key] = t.entry
        detail = t.detail if t.change is not Change.TOO_FEW else f"{n} checked fields, {min_kind} needed"
        changes.append(KeyChange("kind", key, t.change, n, misses, t.accepted_before, t.accepted_after,
                                 _above(ref), _above(t.entry), detail))
    fields = dict(current.fields)
    for key, obs in sorted(by_field.items()):
        own = current.fields.get(key)
        ref = own if own is not None else kinds.get(obs[0].kind_key)
        fitted, n, misses = _fit(obs, target)
        t = tune(ref, fitted if n >= min_field else None, obs, target)
        if t.entry is not None and (own is not None or t.entry is not ref):
            fields[key] = t.entry
        if t.change is Change.TOO_FEW and own is None:
            continue  # follows its kind; nothing to say
        detail = t.detail if t.change is not Change.TOO_FEW else f"{n} checked fields, {min_field} needed"
        changes.append(KeyChange("field", key, t.change, n, misses, t.accepted_before, t.accepted_after,
                                 _above(ref), _above(t.entry), detail))
    cal = Calibration(version=version_of(kinds, fields, now), created=now, target_error=target,
                      kinds=kinds, fields=fields, note=note)
    return Candidate(cal, changes)
