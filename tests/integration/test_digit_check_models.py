"""The third digit reader with the real models, on forms written with real handwritten digits.

Handwriting documents whose digits are MNIST test-column digits (``digits="real-eval"``,
columns 38-49, never trained on), read by the production reader (PP-OCR ONNX, the digit
reader and the third classifier) with the shipped calibration. Seeds 760+: no
calibration (5000+, 300000+) or benchmark (9001+, 70000+) document.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain import signals as sig
from domain.model import DocumentReading, FieldReading, FormTemplate
from domain.status import FieldStatus, IssueCode, ReviewReason
from ocr.digit_check import VETO_BELOW, VETO_KINDS
from ocr.pipeline import read_page
from services.evaluate import compare
from synth.generate import SynthOptions, generate_document

pytestmark = pytest.mark.model

TEMPLATES = ("onestop_2022", "furusato_application")
TODAY = date(2026, 11, 20)  # after every synthetic date (as tests/conftest.py)


@pytest.fixture(scope="module")
def read(templates: dict[str, FormTemplate]) -> list[tuple[FieldReading, bool]]:
    from services.compose import build_reader

    reader = build_reader(today=TODAY)  # shipped calibration: fields are decided
    out = []
    for n, tid in enumerate(TEMPLATES):
        for i in range(2):
            doc = generate_document(templates[tid], 760 + 10 * n + i,
                                    SynthOptions(digits="real-eval", style="handwriting"))
            pages = [read_page(img, reader, index=k) for k, img in enumerate(doc.pages)]
            _, outcomes = compare(DocumentReading(source=doc.document_id, pages=pages), doc.truth)
            right = {o.field_id: o.correct for o in outcomes}
            out += [(f, right.get(f.field_id, False)) for p in pages for f in p.fields]
    return out


def test_digit_fields_get_a_third_reading(read: list[tuple[FieldReading, bool]]) -> None:
    digit = [(f, ok) for f, ok in read if f.kind in VETO_KINDS and f.raw]
    assert len(digit) >= 10
    checked = [(f, ok) for f, ok in digit if sig.THIRD_CONF in f.signals]
    assert len(checked) >= 0.5 * len(digit), (len(checked), len(digit))
    # on fields read right, the third classifier mostly confirms the OCR's digits (on the
    # calibration documents 86 % of them; 12 of 18 on these four documents) ...
    right = [f for f, ok in checked if ok]
    doubted_right = sum(f.signals[sig.THIRD_CONF] < VETO_BELOW for f in right) / len(right)
    assert doubted_right <= 0.45, doubted_right
    # ... and doubts those read wrong far more often (calibration documents: 80 %; here 2 of 2)
    wrong = [f for f, ok in checked if not ok]
    assert wrong, "real handwriting always brings some misreads on four documents"
    doubted_wrong = sum(f.signals[sig.THIRD_CONF] < VETO_BELOW for f in wrong) / len(wrong)
    assert doubted_wrong > doubted_right + 0.2, (doubted_wrong, doubted_right)


def test_a_doubted_field_is_never_auto_accepted(read: list[tuple[FieldReading, bool]]) -> None:
    for f, _ in read:
        doubted = f.kind in VETO_KINDS and f.signals.get(sig.THIRD_CONF, 1.0) < VETO_BELOW
        assert doubted == any(i.code is IssueCode.DIGIT_VETO for i in f.issues), f.field_id
        if doubted:
            assert f.status is FieldStatus.NEEDS_REVIEW
            if f.issues[0].code is IssueCode.DIGIT_VETO:
                assert f.reason is ReviewReason.READINGS_DISAGREE
