"""Attached pages (ID copies, blank backs): which kind of copy each is (issue 19).

The worker calls :func:`classify_attachment` for every page not read as a form; the
guess (kinds joined with '+', and the least confidence among them) is stored on the
page row, shown in the review screen's list of unread pages and used by the
completeness check (:mod:`domain.completeness`). Values read from a copy stay in memory.
"""

from __future__ import annotations

import numpy as np

from domain.copy_evidence import Box
from domain.crosscheck import copy_values, cross_check
from domain.id_copy import CopyKind, page_kinds
from domain.model import PageReading
from domain.status import PageStatus
from ocr.copy_lines import read_copy_scored
from ocr.reader import Reader

ATTACHED = frozenset({PageStatus.NON_FORM, PageStatus.UNIDENTIFIED})
BLANK_CONFIDENCE = 0.95  # the page check's own blank test (ink ratio) is reliable


def classify_attachment(reading: PageReading, upright: np.ndarray, reader: Reader,
                        lines: dict[int, list[str]] | None = None,
                        boxes: dict[int, list[Box | None]] | None = None,
                        scores: dict[int, list[float | None]] | None = None) -> PageReading:
    """The page with its guessed copy kind (unchanged for forms, separators, broken images).

    ``lines``: filled with the page's printed lines (in memory only, for the cross-check);
    ``boxes``: with where each line is on the page (:mod:`ocr.copy_lines`; geometry only);
    ``scores``: with each line's least character confidence (the strict acceptance,
    :mod:`domain.copy_accept`).
    """
    if reading.status is PageStatus.BLANK:
        return reading.model_copy(update={"copy_kind": CopyKind.BLANK.value,
                                          "copy_confidence": BLANK_CONFIDENCE})
    if reading.status not in ATTACHED:
        return reading
    copy, where, confidences = read_copy_scored(upright, reader.recognizer)
    if lines is not None:
        lines[reading.index] = copy.lines
    if boxes is not None:
        boxes[reading.index] = where
    if scores is not None:
        scores[reading.index] = confidences
    return reading.model_copy(update={"copy_kind": page_kinds(copy.guesses),
                                      "copy_confidence": min(g.confidence for g in copy.guesses)})


def copy_check(pages: list[PageReading], lines: dict[int, list[str]]) -> dict[str, str] | None:
    """Form fields vs the printed copies of the same envelope (None: no form or no copy lines)."""
    form = {f.field_id: f.value for p in pages if p.status is PageStatus.READ for f in p.fields}
    copy_lines = [line for p in pages for line in lines.get(p.index, [])]
    if not form or not copy_lines:
        return None
    return {k: v.value for k, v in cross_check(form, copy_values(copy_lines)).items()}
