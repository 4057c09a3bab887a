"""The calibration file we ship promises no more than its evidence (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain import signals as sig
from domain.calibration import MIN_ACCEPT_PROBABILITY, Calibration
from domain.model import Box, FieldReading, FieldSpec
from domain.status import FieldKind, FieldStatus
from domain.triage import triage

SHIPPED = Path(__file__).resolve().parents[2] / "calibration" / "current.json"
CAL = Calibration.model_validate_json(SHIPPED.read_text(encoding="utf-8"))

# everything but the engine score as good as a page can be: the score alone must flag the field
PERFECT = {sig.MIN_CHAR: 0.3, sig.MEAN_CHAR: 0.6, sig.N_CHARS: 8.0, sig.OUTSIDE: 0.0, sig.EDGE_INK: 0.0,
           sig.AGREE: 1.0, sig.AGREE_EXACT: 1.0, sig.SECOND_CONF: 0.99, sig.OMR_MARGIN: 0.2,
           sig.ALIGN_QUALITY: 0.99, sig.ALIGN_BY_MARKS: 1.0, sig.SHARPNESS: 2.0, sig.CONTRAST: 0.9,
           sig.BINARY: 0.2, sig.SHADING: 0.02, sig.COLOUR_INK: 0.0}


@pytest.mark.parametrize("key", sorted(CAL.kinds))
def test_no_kind_maps_any_score_to_certainty(key: str) -> None:
    entry = CAL.kinds[key]
    assert entry.probs and max(entry.probs) < 1.0
    assert entry.min_score is not None  # below what it saw: probability 0
    assert entry.probability(entry.min_score - 1e-6) == 0.0


@pytest.mark.parametrize("key", sorted(CAL.kinds))
def test_an_accepting_kind_met_the_target_on_its_family(key: str) -> None:
    entry = CAL.kinds[key]
    if entry.auto_accepts:
        assert entry.threshold >= MIN_ACCEPT_PROBABILITY
        assert entry.accepted_error <= CAL.target_error  # its own measured error, at least


@pytest.mark.parametrize("kind", [k for k in FieldKind])
def test_a_field_read_at_engine_score_0_3_is_flagged(kind: FieldKind) -> None:
    spec = FieldSpec(id="f", label="項目", kind=kind, box=Box(x=0, y=0, w=50, h=10),
                     options=[{"value": "a", "label": "あ", "box": {"x": 0, "y": 0, "w": 5, "h": 5}},
                              {"value": "b", "label": "い", "box": {"x": 10, "y": 0, "w": 5, "h": 5}}]
                     if kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) else [])
    value: object = ["a"] if kind is FieldKind.MULTI_CHOICE else "a" if kind is FieldKind.CHOICE else (
        True if kind is FieldKind.CHECKBOX else "1234")
    reading = FieldReading(field_id="f", kind=kind, value=value, raw="a" if kind.is_mark else "1234",
                           confidence=0.3, signals={**PERFECT, sig.SCORE: 0.3})
    out = triage(reading, spec, CAL)
    assert out.status is FieldStatus.NEEDS_REVIEW, (kind, out.probability)


def test_page_gate_covers_alignment_and_image_quality() -> None:
    assert {sig.ALIGN_QUALITY, sig.SHARPNESS, sig.SHADING} <= set(CAL.page_envelope)



def test_a_date_whose_digit_readings_disagree_is_flagged_at_any_score() -> None:
    assert CAL.kinds["wareki_date"].needs_agreement
    spec = FieldSpec(id="f", label="日付", kind=FieldKind.WAREKI_DATE, box=Box(x=0, y=0, w=50, h=10))
    reading = FieldReading(field_id="f", kind=FieldKind.WAREKI_DATE, value="2026-01-13",
                           raw="令和8年1月13日", confidence=0.9999,
                           signals={**PERFECT, sig.AGREE_EXACT: 0.0, sig.SCORE: 0.9999})
    assert triage(reading, spec, CAL).status is FieldStatus.NEEDS_REVIEW


def test_a_written_name_read_at_engine_score_0_3_is_flagged() -> None:
    from domain.triage import NAME_KEY

    spec = FieldSpec(id="full_name", label="氏名", kind=FieldKind.TEXT, box=Box(x=0, y=0, w=50, h=10))
    reading = FieldReading(field_id="full_name", kind=FieldKind.TEXT, value="佐藤\u3000太郎",
                           raw="佐藤\u3000太郎", confidence=0.3, signals={**PERFECT, sig.SCORE: 0.3})
    assert NAME_KEY in CAL.kinds  # names are calibrated apart (issue 14, names family)
    out = triage(reading, spec, CAL)
    assert out.status is FieldStatus.NEEDS_REVIEW, out.probability
    names = CAL.kinds[NAME_KEY]
    assert names.auto_accepts and names.accepted_error_upper <= CAL.target_error
