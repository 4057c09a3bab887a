"""Where each printed line of an ID copy was read: boxes beside :func:`ocr.id_copy.read_copy`'s text.

:func:`read_copy` cuts every line out of the page as a slice of the page array and
hands the slices to the recogniser. :func:`read_copy_located` passes a recording
recogniser and turns each slice back into its box on the page from the slice's memory
offset, so the classification and its text are exactly read_copy's and no line is read
twice. A crop that is not a slice of the page (a later version might resample it) gets
no box: the review screen then shows no copy crop for it, nothing worse.

Boxes are page pixels of ``gray`` (the upright page the worker stores). No text is logged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from domain.copy_evidence import Box
from ocr.id_copy import CopyReading, read_copy
from ocr.recognizer import Recognizer, TextResult


def box_in(crop: np.ndarray, page: np.ndarray) -> Box | None:
    """The box of ``crop`` on ``page`` when it is a 2-D slice of that C-contiguous page, else None."""
    if crop.ndim != 2 or page.ndim != 2 or crop.size == 0 or crop.dtype != page.dtype:
        return None
    if crop.strides != page.strides or not np.may_share_memory(crop, page):
        return None
    offset = crop.__array_interface__["data"][0] - page.__array_interface__["data"][0]
    if offset < 0:
        return None
    y, rest = divmod(offset, page.strides[0])
    if rest % page.strides[1]:
        return None
    x = rest // page.strides[1]
    h, w = crop.shape
    if y + h > page.shape[0] or x + w > page.shape[1]:
        return None
    return int(x), int(y), int(w), int(h)


class _Recording:
    """A recogniser that remembers where on the page each crop it was given lies."""

    def __init__(self, inner: Recognizer, page: np.ndarray) -> None:
        self.inner, self.page = inner, page
        self.boxes: list[Box | None] = []
        self.scores: list[float] = []

    def recognize(self, crops: Sequence[np.ndarray], alphabets: Sequence[str | None]) -> list[TextResult]:
        out = self.inner.recognize(crops, alphabets)
        self.boxes.extend(box_in(c, self.page) for c in crops)
        self.scores.extend(min(r.char_confidences, default=0.0) for r in out)
        return out


def read_copy_located(gray: np.ndarray, recognizer: Recognizer) -> tuple[CopyReading, list[Box | None]]:
    """:func:`ocr.id_copy.read_copy`, and one box (or None) per line it read."""
    reading, boxes, _ = read_copy_scored(gray, recognizer)
    return reading, boxes


def read_copy_scored(gray: np.ndarray, recognizer: Recognizer
                     ) -> tuple[CopyReading, list[Box | None], list[float | None]]:
    """:func:`read_copy_located`, and each line's least character confidence (None: unknown).

    The least character, not the line's product: a long printed line (氏名 and a date)
    would otherwise look doubtful for its length alone, and one doubtful character is
    what a wrong reading needs.

    A page read a second time turned 180° keeps the scores of that last reading (its lines).
    """
    page = np.ascontiguousarray(gray)
    recording = _Recording(recognizer, page)
    reading = read_copy(page, recording)
    n = len(reading.lines)
    boxes: list[Box | None] = list(recording.boxes)
    if len(boxes) != n:
        boxes = [None] * n
    scores: list[float | None] = list(recording.scores[-n:]) if n else []
    if len(scores) != n or (not reading.turned and len(recording.scores) != n):
        scores = [None] * n
    return reading, boxes, scores
