"""The measured error among auto-accepted fields, from blind audits, and when to raise the alarm (pure).

An audit is a random sample of auto-accepted fields (:mod:`domain.audit_sampling`), so
``disagreements / audited`` is an unbiased estimate of the error among auto-accepted
fields of that kind, on this city's paper, scanners and handwriting. Its one-sided 95 %
Wilson bounds (:func:`domain.calibration.wilson_upper` / ``wilson_lower``) say how far
the truth can be from it.

Three states per kind (or template, or overall), against the target error:

* **verified** — the upper bound is at or below the target: the promise is shown to hold.
* **unproven** — the upper bound is above the target, but the audits are consistent
  with it. With no disagreement at all, the upper bound falls below 0.5 % only after
  about 540 audits, so at a 2 % share most kinds stay here for months. That is not a
  reason to alarm: an "upper bound above target" alarm would fire for every honest kind.
* **alarm** — enough audits say the target is broken: at least
  :data:`MIN_ALARM_AUDITS` audits, at least :data:`MIN_ALARM_DISAGREEMENTS`
  disagreements, even the *lower* bound above the target, and so many disagreements
  that a kind whose error were exactly the target would show them less than
  :data:`ALARM_ALPHA` of the time (an exact binomial test). "Enough audits" is defined by
  the evidence, not by a count alone: every kind is looked at every week, so each look
  must be strict for a city's weeks together to stay under 5 % false alarms
  (``bench/audit.py`` measures both the false alarms and how late the alarm comes).

The alarm looks at a trailing window (:data:`ALARM_WINDOW_DAYS`), so a kind whose
error was fixed (its threshold tightened) stops alarming once the window has moved on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.calibration import wilson_lower, wilson_upper

MIN_ALARM_AUDITS = 20
MIN_ALARM_DISAGREEMENTS = 2
ALARM_WINDOW_DAYS = 14
# A city checks every kind every week: ~40 looks in 8 weeks, so each look must be strict
# (an exact binomial test at 1 %) for the run as a whole to stay under 5 % false alarms.
# bench/audit.py: the lower bound alone gave 13-53 % false alarms per simulated city,
# 1 % gave 3 % (1 of 30), 0.1 % gave none but fired about half as often.
ALARM_ALPHA = 0.01


class AuditState(StrEnum):
    VERIFIED = "verified"
    UNPROVEN = "unproven"
    ALARM = "alarm"


AUDIT_STATE_JA: dict[AuditState, str] = {
    AuditState.VERIFIED: "目標内を確認",
    AuditState.UNPROVEN: "検査数が不足（目標内とはまだ言えない）",
    AuditState.ALARM: "警告: 目標を超えています",
}


@dataclass(frozen=True)
class AuditOutcome:
    """One decided audit (codes, ids and times only)."""

    kind: str
    template_id: str
    batch_id: int
    at: datetime  # when it was decided
    agreed: bool


@dataclass(frozen=True)
class Measured:
    key: str
    audited: int
    disagreements: int

    @property
    def error(self) -> float:
        return self.disagreements / self.audited if self.audited else 0.0

    @property
    def upper(self) -> float:
        return wilson_upper(self.disagreements, self.audited)

    @property
    def lower(self) -> float:
        return wilson_lower(self.disagreements, self.audited) if self.audited else 0.0

    def state(self, target_error: float) -> AuditState:
        if is_alarm(self.audited, self.disagreements, target_error):
            return AuditState.ALARM
        if self.audited and self.upper <= target_error:
            return AuditState.VERIFIED
        return AuditState.UNPROVEN


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): the chance of ``k`` or more disagreements in ``n``
    audits if the true error were ``p``."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    below, term = 0.0, (1 - p) ** n  # P(X = 0)
    for i in range(k):
        below += term
        term *= (n - i) / (i + 1) * p / (1 - p) if p < 1 else 0.0
    return max(0.0, 1.0 - below)


def is_alarm(audited: int, disagreements: int, target_error: float,
             min_disagreements: int = MIN_ALARM_DISAGREEMENTS, alpha: float = ALARM_ALPHA) -> bool:
    """Enough audits, enough disagreements, the lower bound above the target, and so many
    disagreements that an error at the target would give them less than ``alpha`` of the time."""
    return (audited >= MIN_ALARM_AUDITS and disagreements >= min_disagreements
            and wilson_lower(disagreements, audited) > target_error
            and binomial_tail(disagreements, audited, target_error) < alpha)


def measure(outcomes: Iterable[AuditOutcome], key: Callable[[AuditOutcome], str]) -> list[Measured]:
    """One row per key, sorted by key."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for o in outcomes:
        c = counts[key(o)]
        c[0] += 1
        c[1] += not o.agreed
    return [Measured(k, n, d) for k, (n, d) in sorted(counts.items())]


def overall(outcomes: Iterable[AuditOutcome]) -> Measured:
    rows = measure(outcomes, lambda o: "all")
    return rows[0] if rows else Measured("all", 0, 0)


def since(outcomes: Iterable[AuditOutcome], start: datetime) -> list[AuditOutcome]:
    return [o for o in outcomes if o.at >= start]


def alarms(outcomes: Iterable[AuditOutcome], now: datetime, target_error: float,
           window_days: int = ALARM_WINDOW_DAYS, min_disagreements: int = MIN_ALARM_DISAGREEMENTS,
           alpha: float = ALARM_ALPHA) -> list[Measured]:
    """Kinds in alarm over the trailing window ending at ``now``."""
    recent = [o for o in outcomes if now - timedelta(days=window_days) <= o.at <= now]
    return [m for m in measure(recent, lambda o: o.kind)
            if is_alarm(m.audited, m.disagreements, target_error, min_disagreements, alpha)]
