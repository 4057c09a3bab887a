"""Constructs on real sheets: OMRChecker's answer sheet (sample6), template written by hand.

tests/fixtures/realforms/nus_answer_sheet.yaml gives the true layout: a 7-digit student
number bubbled in columns of 0-9 (one value), a 13-letter check column (one choice of
printed bubbles) and the handwritten copy of the number (a comb read cell by cell; its
reading is tested with the real recogniser in tests/integration/test_real_constructs_models.py).
Expected values: what is bubbled on each scan (checked by eye; OMRChecker's own output
agrees: A0188877Y, A0203959W, A0204729A).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.status import PageStatus
from ocr.pipeline import read_page

from realforms import NUS_BLANK, NUS_FILLED, fake_reader, fixture_body, gray_pages, scanned_template  # isort: skip

EXPECTED = {"sample_roll_01.jpg": ("0188877", "Y"), "sample_roll_02.jpg": ("0203959", "W"),
            "sample_roll_03.jpg": ("0204729", "A")}


@pytest.mark.slow
def test_bubbled_student_numbers_and_check_letters_are_read(tmp_path: Path, realdata: Path) -> None:
    t = scanned_template("nus_sheet", gray_pages(realdata / NUS_BLANK), tmp_path,
                         fixture_body("nus_answer_sheet"))
    reader = fake_reader({t.id: t})
    read = 0
    for path in sorted((realdata / NUS_FILLED).glob("*.jpg")):
        r = read_page(gray_pages(path)[0], reader)
        if r.status is not PageStatus.READ:  # refused is acceptable, read wrong is not
            assert r.status is PageStatus.UNALIGNED, r.reason
            continue
        read += 1
        number, letter = EXPECTED[path.name]
        assert r.field("student_number").value == number
        assert r.field("student_number").raw == number
        assert r.field("check_letter").value == letter
    assert read >= 2
