"""The real reader (PP-OCRv6 ONNX) on generated pages of every template, and on real scans.

Exact comparison for rule-checked fields (the normaliser makes them canonical);
a bounded share of misses is tolerated because the engine is statistical.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from domain.model import DocumentReading, FormTemplate
from domain.status import PageStatus
from ocr.pipeline import read_page
from ocr.reader import Reader
from services.evaluate import compare
from synth.generate import SynthOptions, generate_document

pytestmark = pytest.mark.model

RULE_CHECKED = {"my_number", "postal_code", "phone", "amount", "digits", "wareki_date",
                "checkbox", "choice", "multi_choice"}


@pytest.fixture(scope="module")
def outcomes(templates: dict[str, FormTemplate], real_reader: Reader) -> tuple[list, list]:
    pages_out, fields_out = [], []
    for n, tid in enumerate(sorted(templates)):
        for i in range(3):  # seeds 700..: never used by calibration (5000+) or bench (9001+)
            doc = generate_document(templates[tid], 700 + 10 * n + i, SynthOptions())
            pages = [read_page(img, real_reader, index=k) for k, img in enumerate(doc.pages)]
            p, f = compare(DocumentReading(source=doc.document_id, pages=pages), doc.truth)
            pages_out += p
            fields_out += f
    return pages_out, fields_out


def test_every_page_identified(outcomes: tuple[list, list]) -> None:
    pages, _ = outcomes
    assert pages and all(p.identified for p in pages), [p for p in pages if not p.identified]


def test_rule_checked_fields_exact(outcomes: tuple[list, list]) -> None:
    _, fields = outcomes
    checked = [f for f in fields if f.kind in RULE_CHECKED]
    wrong = [(f.template_id, f.field_id, f.truth_text, f.read_text) for f in checked if not f.correct]
    assert len(checked) > 100
    assert len(wrong) / len(checked) <= 0.03, wrong


def test_text_fields_mostly_exact(outcomes: tuple[list, list]) -> None:
    _, fields = outcomes
    text = [f for f in fields if f.kind in ("text", "kana", "email")]
    assert sum(f.correct for f in text) / len(text) >= 0.85


@pytest.mark.parametrize("name", ["example.tif", "test_with_ids.tif"])
def test_real_sdaps_scans_are_never_read_as_our_forms(real_reader: Reader, realdata: Path,
                                                      name: str) -> None:
    """Real 1-bit 300 dpi questionnaires (GPL data in ../shared): forms, but not ours.

    The honest answer is "a form we cannot identify" (a person looks), never one of our
    templates and never "not a form" (test_with_ids.tif's second page is one big free-text
    box and a row of checkboxes: little ink, but ruled).
    """
    with Image.open(realdata / "sdaps" / name) as im:
        frames = [np.array(f.convert("L")) for f in ImageSequence.Iterator(im)]
    statuses = [read_page(f, real_reader, index=i).status for i, f in enumerate(frames)]
    assert statuses and set(statuses) <= {PageStatus.UNIDENTIFIED, PageStatus.UNKNOWN_FORM}, statuses
