"""Drafting what real forms print: ○ bubbles, bubbled numbers, answer grids (no OCR).

Real scans from ../shared/realdata (OMRChecker's answer sheet, SDAPS's example survey)
and our own renders; the recogniser is a fake that reads nothing, so only structure
decides (labels are tested with the real recogniser in tests/integration).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from authoring.draft import draft_template, prepare
from authoring.geometry import MM_PER_INCH, WORK_DPI, guess_page_size
from authoring.structure import analyse
from domain.model import FormTemplate
from forms.render import render_page
from ocr.engines.fake import FakeRecognizer

from realforms import gray_pages  # isort: skip

PPM = WORK_DPI / MM_PER_INCH
NUS_SCAN = "omrchecker/samples/sample6/doc-scans/sample_roll_01.jpg"


def _work(page: np.ndarray, dpi: float | None) -> np.ndarray:
    return prepare(page, guess_page_size(page.shape[1], page.shape[0], dpi))[0]


def _nothing() -> FakeRecognizer:
    return FakeRecognizer(lambda i, c, a: ("", 0.0))


def test_our_own_forms_have_no_bubbles(templates: dict[str, FormTemplate]) -> None:
    """QR finder patterns are square rings, circled ① in labels stand alone: not bubbles."""
    for t in templates.values():
        for p in t.pages:
            page = np.asarray(render_page(t, p.number, WORK_DPI), dtype=np.uint8)
            st = analyse(page, PPM)
            assert st.bubbles == [], (t.id, p.number)


def test_bubbles_of_a_real_answer_sheet_are_found(realdata: Path) -> None:
    work = _work(gray_pages(realdata / NUS_SCAN)[0], None)
    found = analyse(work, PPM).bubbles
    # 70 digit bubbles + 13 letters + U/A/HT/NT = 87 printed; some filled ones are missed
    inside = [b for b in found if 136 * PPM < b.cx < 182 * PPM and 106 * PPM < b.cy < 154 * PPM]
    assert 75 <= len(inside) <= 87
    assert len(found) - len(inside) <= 2  # nothing else on the page looks like a bubble


def test_a_bubbled_student_number_is_drafted_as_one_value(realdata: Path) -> None:
    t = draft_template(gray_pages(realdata / NUS_SCAN), "nus_draft", _nothing()).template
    numbers = [f for f in t.fields if f.bubbles is not None]
    assert len(numbers) == 1
    b = numbers[0].bubbles
    assert b is not None and b.columns == 7 and b.values == "0123456789"
    # OMRChecker's template.json: first bubble at 1685, 1290 px of 2480 px = 142.7, 109.2 mm
    assert abs(b.origin.x - 142.7) <= 1.5 and abs(b.origin.y - 109.2) <= 1.5
    assert abs(b.pitch.y - 4.28) <= 0.3 and abs(b.mark.w - 3.56) <= 0.5
    assert numbers[0].guessed  # still a guess for an admin
    letters = [f for f in t.fields if f.kind.value == "choice" and len(f.options) == 13]
    assert len(letters) == 1 and letters[0].mark_style == "bubble"


@pytest.mark.slow
def test_a_likert_matrix_of_a_real_survey_is_drafted_as_a_grid(realdata: Path) -> None:
    page = gray_pages(realdata / "sdaps" / "example.tif")[0]
    t = draft_template([page], "sdaps_draft", _nothing(), dpi_hint=300).template
    grids = {g.id: g for g in t.grids}
    likert = [g for g in grids.values() if len(g.rows) == 3 and len(g.columns) == 5]
    assert len(likert) == 1, [(g.id, len(g.rows), len(g.columns)) for g in t.grids]
    g = likert[0]
    assert abs(g.origin.x - 140.8) <= 1.0 and abs(g.origin.y - 92.5) <= 1.0
    assert abs(g.pitch.y - 4.85) <= 0.3
    assert [round(g.column_x(c)) for c in range(5)] == [141, 149, 156, 164, 172]
    rows = [f for f in t.fields if f.grid == g.id]
    assert len(rows) == 3 and all(len(r.options) == 5 and r.guessed for r in rows)
