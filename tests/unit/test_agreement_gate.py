"""A date whose two independent digit readings disagree goes to a person, whatever it scores."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from domain import signals as sig
from domain.calibration import Calibration, KindCalibration
from domain.model import Box, FieldReading, FieldSpec
from domain.status import FieldKind, FieldStatus
from domain.triage import triage
from services.signal_fit import AGREEMENT_KINDS, Row, decidable, fit_rows

T = 0.005


def _dates(n: int, seed: int) -> list[Row]:
    """Dates read at high scores; where the readers disagree a third are wrong, else 1 in 2,000."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        agree = rng.random() > 0.12
        right = rng.random() > (0.0005 if agree else 0.33)
        score = min(0.9999, max(0.5, rng.gauss(0.97 if right else 0.95, 0.02)))
        rows.append(Row(key="wareki_date", hit=right, document=f"d{i // 4}",
                        signals={sig.SCORE: score, sig.AGREE_EXACT: 1.0 if agree else 0.0}))
    return rows


def test_the_gate_refuses_disagreement_only() -> None:
    entry = KindCalibration(knots=[1.0], probs=[0.99], threshold=0.5, accepted_share=1.0, n=100,
                            needs_agreement=True)
    assert entry.assess(0.99, {sig.AGREE_EXACT: 0.0}) == (0.99, False)
    assert entry.assess(0.99, {sig.AGREE_EXACT: 1.0}) == (0.99, True)
    assert entry.assess(0.99, {}) == (0.99, True)  # no second reading (e.g. a printed era)
    old = KindCalibration.model_validate_json(entry.model_dump_json(exclude={"needs_agreement"}))
    assert old.needs_agreement is False  # files written before the gate keep loading


def test_fit_leaves_disagreeing_dates_out_and_marks_the_kind() -> None:
    assert "wareki_date" in AGREEMENT_KINDS
    rows = _dates(6000, 1)
    kept = decidable(rows)
    assert len(kept) < len(rows) and all(r.signals[sig.AGREE_EXACT] == 1.0 for r in kept)
    assert decidable(rows, agreement_kinds=()) == rows
    kinds, fits = fit_rows(rows, T)
    assert kinds["wareki_date"].needs_agreement
    assert fits[0].n == len(kept)
    assert not fit_rows(rows, T, agreement_kinds=())[0]["wareki_date"].needs_agreement
    # on fresh rows the promise holds for what the gate lets through
    cal = Calibration(version="t", created=datetime.now(UTC), target_error=T, kinds=kinds)
    fresh = _dates(6000, 2)
    ok = [r for r in fresh if cal.assess(r.key, r.signals[sig.SCORE], (), r.signals)[1]]
    assert len(ok) > 0.5 * len(fresh)
    assert sum(not r.hit for r in ok) <= T * len(ok)
    assert all(r.signals[sig.AGREE_EXACT] == 1.0 for r in ok)


def test_triage_sends_a_disagreeing_date_to_staff() -> None:
    spec = FieldSpec(id="submitted_on", label="提出日", kind=FieldKind.WAREKI_DATE,
                     box=Box(x=10, y=10, w=60, h=10))
    entry = KindCalibration(knots=[1.0], probs=[0.99], threshold=0.5, accepted_share=1.0, n=100,
                            needs_agreement=True)
    cal = Calibration(version="t", created=datetime.now(UTC), target_error=T, kinds={"wareki_date": entry})

    def reading(agree: float) -> FieldReading:
        return FieldReading(field_id="submitted_on", kind=FieldKind.WAREKI_DATE, value="2026-01-13",
                            raw="令和8年1月13日", confidence=0.99, signals={sig.AGREE_EXACT: agree})

    assert triage(reading(0.0), spec, cal).status is FieldStatus.NEEDS_REVIEW
    assert triage(reading(1.0), spec, cal).status is FieldStatus.AUTO_ACCEPTED
