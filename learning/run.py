"""One learning run: store → observations → candidate → gate → promoted or refused.

:func:`learn` is pure (observations in, decision out) and is what the simulation tests
and the benchmark drive; :func:`run_learning` adds the store and settings around it for
the CLI and the Prefect flow. Logs carry counts, versions and reason codes only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from config.settings import Settings
from domain.calibration import Calibration
from learning.audit import GroupCheck, audit
from learning.dataset import Counts, Observation, split
from learning.extract import Extracted
from learning.fit import MIN_CHECKED_FIELD, MIN_CHECKED_KIND, Candidate, fit_candidate
from learning.gate import GateResult, gate

log = logging.getLogger(__name__)
DEFAULT_DAYS = 56  # learn from the last eight weeks: recent handwriting, enough volume


@dataclass(frozen=True)
class Learnt:
    candidate: Candidate
    gate: GateResult
    counts: Counts
    train: Counts
    heldback: Counts


def learn(observations: Sequence[Observation], current: Calibration | None, now: datetime, *,
          target_error: float, min_kind: int = MIN_CHECKED_KIND, min_field: int = MIN_CHECKED_FIELD,
          check_labels: bool = True) -> Learnt:
    """Fit a candidate on the training documents and gate it on the held-back ones."""
    base = current or Calibration(version="none", created=now, target_error=target_error, kinds={})
    train, held = split(observations)
    candidate = fit_candidate(train, base, now, target_error=target_error, min_kind=min_kind,
                              min_field=min_field, note=f"learnt from {len(train)} fields; "
                              f"parent {current.version if current else 'none'}")
    suspicious: list[GroupCheck] = audit(observations) if check_labels else []
    result = gate(current, candidate.calibration, held, target_error, suspicious,
                  changed=bool(candidate.changed), train=train)
    return Learnt(candidate, result, Counts.of(observations), Counts.of(train), Counts.of(held))


@dataclass
class RunResult:
    learnt: Learnt
    dry_run: bool
    promoted: bool
    version: str  # as stored (or the candidate's, for a dry run)
    parent_version: str | None  # promoted calibration in force (None: the shipped file)
    current_version: str | None  # version readers used before the run
    reasons: list[str] = field(default_factory=list)
    extracted: Extracted | None = field(default=None, repr=False)


def changes_json(learnt: Learnt) -> list[dict[str, object]]:
    """What the candidate changes and why (keys, thresholds, counts; never a value), stored with
    the version so the operations report can say what changed and why."""
    return [{"level": c.level, "key": c.key, "change": c.change.value, "checked": c.checked,
             "misses": c.misses, "above_before": c.above_before, "above_after": c.above_after,
             "detail": c.detail} for c in learnt.candidate.changed]


def shipped_calibration(settings: Settings) -> Calibration | None:
    path = settings.calibration_path
    if not path.exists():
        return None
    return Calibration.model_validate_json(path.read_text(encoding="utf-8"))


def run_learning(settings: Settings, *, dry_run: bool = False, days: int | None = DEFAULT_DAYS,
                 exclude_batches: Iterable[int] = (), actor: str = "learn",
                 now: datetime | None = None) -> RunResult:
    """Learn from the store; promote unless ``dry_run`` or the gate refuses."""
    from forms.loader import load_templates
    from learning.extract import extract
    from store.calibrations import CalibrationStore
    from store.db import database_url, make_engine, session_factory, upgrade

    now = now or datetime.now(UTC)
    url = database_url(settings)
    upgrade(url)
    engine = make_engine(url)
    try:
        sf = session_factory(engine)
        store = CalibrationStore(sf)
        stored = store.current()
        current = stored.calibration if stored else shipped_calibration(settings)
        since = now - timedelta(days=days) if days else None
        data = extract(sf, load_templates(settings.templates_dir), since=since,
                       exclude_batches=exclude_batches)
        learnt = learn(data.observations, current, now, target_error=settings.target_error)
        result = RunResult(learnt, dry_run, False, learnt.candidate.calibration.version,
                           stored.version if stored else None, current.version if current else None,
                           list(learnt.gate.reasons), data)
        if not dry_run:
            saved = store.record(learnt.candidate.calibration, parent_version=result.parent_version,
                                 actor=actor, promote=learnt.gate.passed,
                                 gate={**learnt.gate.figures(), "changes": changes_json(learnt)},
                                 reasons=learnt.gate.reasons)
            result.version, result.reasons = saved.version, saved.reasons
            result.promoted = saved.state == "promoted"
    finally:
        engine.dispose()
    log.info("learn: %d fields (%d checked), candidate %s %s%s", learnt.counts.fields, learnt.counts.checked,
             result.version, "promoted" if result.promoted else "not promoted",
             f" ({', '.join(learnt.gate.codes())})" if learnt.gate.reasons else "")
    return result


def report_text(settings: Settings, *, days: int | None = DEFAULT_DAYS, now: datetime | None = None) -> str:
    """The corrections report (Markdown) for the store in ``settings``."""
    from forms.loader import load_templates
    from learning.extract import extract
    from learning.report import render_report
    from store.calibrations import CalibrationStore
    from store.db import database_url, make_engine, session_factory, upgrade

    now = now or datetime.now(UTC)
    url = database_url(settings)
    upgrade(url)
    engine = make_engine(url)
    try:
        sf = session_factory(engine)
        store = CalibrationStore(sf)
        stored = store.current()
        current = stored.calibration if stored else shipped_calibration(settings)
        data = extract(sf, load_templates(settings.templates_dir),
                       since=now - timedelta(days=days) if days else None)
        return render_report(data, store.history(), current, now=now, days=days)
    finally:
        engine.dispose()
