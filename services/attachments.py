"""Attached pages (ID copies, blank backs): which kind of copy each is (issue 19).

The worker calls :func:`classify_attachment` for every page not read as a form; the
guess (kinds joined with '+', and the least confidence among them) is stored on the
page row, shown in the review screen's list of unread pages and used by the
completeness check (:mod:`domain.completeness`). Values read from a copy stay in memory.
"""

from __future__ import annotations

import numpy as np

from domain.id_copy import CopyKind, page_kinds
from domain.model import PageReading
from domain.status import PageStatus
from ocr.id_copy import read_copy
from ocr.reader import Reader

ATTACHED = frozenset({PageStatus.NON_FORM, PageStatus.UNIDENTIFIED})
BLANK_CONFIDENCE = 0.95  # the page check's own blank test (ink ratio) is reliable


def classify_attachment(reading: PageReading, upright: np.ndarray, reader: Reader) -> PageReading:
    """The page with its guessed copy kind (unchanged for forms, separators, broken images)."""
    if reading.status is PageStatus.BLANK:
        return reading.model_copy(update={"copy_kind": CopyKind.BLANK.value,
                                          "copy_confidence": BLANK_CONFIDENCE})
    if reading.status not in ATTACHED:
        return reading
    copy = read_copy(upright, reader.recognizer)
    return reading.model_copy(update={"copy_kind": page_kinds(copy.guesses),
                                      "copy_confidence": min(g.confidence for g in copy.guesses)})
