"""A real answer sheet's handwritten student number, read cell by cell (real PP-OCRv6).

OMRChecker sample6: the number is written one digit per cell above its bubbles. Read
cell by cell, it either equals the bubbled number or both fields carry the cross-field
issue (a person looks): never a silent disagreement.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from domain.status import IssueCode, PageStatus
from ocr.pipeline import read_page

from realforms import NUS_BLANK, NUS_FILLED, fake_reader, fixture_body, gray_pages, scanned_template  # isort: skip

pytestmark = pytest.mark.model


def test_the_written_number_agrees_with_the_bubbles_or_goes_to_a_person(tmp_path: Path,
                                                                         realdata: Path) -> None:
    from services.compose import build_recognizer

    t = scanned_template("nus_sheet", gray_pages(realdata / NUS_BLANK), tmp_path,
                         fixture_body("nus_answer_sheet"))
    reader = replace(fake_reader({t.id: t}), recognizer=build_recognizer())
    agreed = 0
    for path in sorted((realdata / NUS_FILLED).glob("*.jpg")):
        r = read_page(gray_pages(path)[0], reader)
        if r.status is not PageStatus.READ:
            continue
        written, bubbled = r.field("student_number_written"), r.field("student_number")
        assert len(written.raw) == 7  # one character per cell, positions kept
        if written.value == bubbled.value:
            agreed += 1
            assert not written.issues
        elif written.value is None:  # a cell it could not read: the field says so itself
            assert written.issues
        else:  # two different numbers: both go to a person
            assert IssueCode.CROSS_FIELD in [i.code for i in bubbled.issues]
            assert IssueCode.CROSS_FIELD in [i.code for i in written.issues]
    assert agreed >= 1  # sample_roll_01: 0188877 read cell by cell
