"""The third reader's veto: a digit field whose OCR digits it doubts goes to staff, with a reason.

Uses the shipped classifier on real test-column MNIST glyphs (no fake model): the OCR and
the digit reader both say "1" where the glyph is a clear 2 (the wrong accept issue 14 saw).
"""

from __future__ import annotations

from datetime import UTC, datetime

import cv2
import numpy as np
import pytest

from domain import signals as sig
from domain.calibration import Calibration, KindCalibration
from domain.model import Box, FieldReading, FieldSpec
from domain.status import REVIEW_REASON_JA, FieldKind, FieldStatus, IssueCode, ReviewReason
from domain.triage import triage
from ocr.digit_check import MESSAGE, VETO_BELOW, VETO_KINDS, DigitCheck, veto
from ocr.digits import DigitReading, char_glyph
from synth.real_digits import digits_png

T = 0.005


@pytest.fixture(scope="module")
def check() -> DigitCheck:
    return DigitCheck()


@pytest.fixture(scope="module")
def clear(check: DigitCheck) -> dict[int, np.ndarray]:
    """One clearly read test-column glyph (columns 38-49) per digit."""
    im = cv2.imread(str(digits_png()), cv2.IMREAD_GRAYSCALE)
    assert im is not None
    cells = im.reshape(50, 20, 50, 20).transpose(0, 2, 1, 3)
    out: dict[int, np.ndarray] = {}
    for d in range(10):
        for r in range(5 * d, 5 * d + 5):
            for c in range(38, 50):
                g = char_glyph(cv2.resize(255 - cells[r, c], (50, 50)))
                if d not in out and g is not None and check.probabilities(g[None])[0, d] > 0.97:
                    out[d] = g
    assert sorted(out) == list(range(10))
    return out


def _phone_spec(kind: FieldKind = FieldKind.PHONE) -> FieldSpec:
    return FieldSpec(id="phone", label="電話番号", kind=kind, box=Box(x=10, y=10, w=80, h=10))


def _calibration(kind: str) -> Calibration:
    entry = KindCalibration(knots=[1.0], probs=[0.999], threshold=0.5, accepted_share=1.0, n=100)
    return Calibration(version="t", created=datetime.now(UTC), target_error=T, kinds={kind: entry})


def _second(clear: dict[int, np.ndarray], digits: str) -> DigitReading:
    return DigitReading(digits, tuple(0.99 for _ in digits), glyphs=tuple(clear[int(d)] for d in digits))


def test_a_doubted_field_goes_to_staff_with_a_reason(check: DigitCheck, clear: dict[int, np.ndarray]) -> None:
    spec = _phone_spec()
    written = "0312345678"
    # both readers say ...1... where the pen wrote a 2 (the digit reader's cut holds a clear 2)
    ocr = "03-1134-5678"
    second = _second(clear, written)
    base = FieldReading(field_id="phone", kind=FieldKind.PHONE, value="03-1134-5678", raw=ocr,
                        confidence=0.999)
    signals: dict[str, float] = {}
    flagged = veto(spec, base, ocr, second, signals, check)
    assert signals[sig.THIRD_CONF] < VETO_BELOW
    assert [i.code for i in flagged.issues] == [IssueCode.DIGIT_VETO]
    assert flagged.issues[0].message == MESSAGE and "1134" not in MESSAGE  # no value in the message
    cal = _calibration("phone")
    decided = triage(flagged.model_copy(update={"signals": signals}), spec, cal)
    assert decided.status is FieldStatus.NEEDS_REVIEW
    assert decided.reason is ReviewReason.READINGS_DISAGREE
    assert REVIEW_REASON_JA[ReviewReason.READINGS_DISAGREE]
    # the same field read right passes the veto and is auto-accepted as before
    ok_signals: dict[str, float] = {}
    right_text = "03-1234-5678"
    right = veto(spec, base.model_copy(update={"raw": right_text}), right_text, second, ok_signals, check)
    assert right.issues == [] and ok_signals[sig.THIRD_CONF] >= VETO_BELOW
    decided = triage(right.model_copy(update={"signals": ok_signals}), spec, cal)
    assert decided.status is FieldStatus.AUTO_ACCEPTED


def test_no_veto_without_a_comparable_cut_or_outside_the_digit_kinds(check: DigitCheck,
                                                                     clear: dict[int, np.ndarray]) -> None:
    second = _second(clear, "2026")
    base = FieldReading(field_id="phone", kind=FieldKind.PHONE, value="x", raw="2016", confidence=0.99)
    signals: dict[str, float] = {}
    # another number of digits than the cut: the second reading disagrees already, no third signal
    assert veto(_phone_spec(), base, "20261", second, signals, check).issues == []
    assert sig.THIRD_CONF not in signals
    # a kind outside VETO_KINDS records the evidence but is never flagged by it
    assert FieldKind.TEXT not in VETO_KINDS
    text = veto(_phone_spec(FieldKind.TEXT), base, "2016", second, signals, check)
    assert text.issues == [] and signals[sig.THIRD_CONF] < VETO_BELOW
    # hostile text holds no digits: nothing to compare
    signals = {}
    assert veto(_phone_spec(), base, "<script>alert(1)</script>", second, signals, check).issues == []
    assert signals == {}


def test_an_earlier_rule_keeps_its_reason(check: DigitCheck, clear: dict[int, np.ndarray]) -> None:
    from domain.reading import Issue

    spec = _phone_spec()
    first = Issue(code=IssueCode.PHONE_INVALID, message="電話番号の形式が正しくありません", field_id="phone")
    base = FieldReading(field_id="phone", kind=FieldKind.PHONE, value=None, raw="1", confidence=0.99,
                        issues=[first])
    flagged = veto(spec, base, "1", _second(clear, "2"), {}, check)
    assert [i.code for i in flagged.issues] == [IssueCode.PHONE_INVALID, IssueCode.DIGIT_VETO]
    assert triage(flagged, spec, _calibration("phone")).reason is ReviewReason.INVALID_FORMAT
