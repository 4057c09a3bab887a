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

    def recognize(self, crops: Sequence[np.ndarray], alphabets: Sequence[str | None]) -> list[TextResult]:
        out = self.inner.recognize(crops, alphabets)
        self.boxes.extend(box_in(c, self.page) for c in crops)
        return out


def read_copy_located(gray: np.ndarray, recognizer: Recognizer) -> tuple[CopyReading, list[Box | None]]:
    """:func:`ocr.id_copy.read_copy`, and one box (or None) per line it read."""
    page = np.ascontiguousarray(gray)
    recording = _Recording(recognizer, page)
    reading = read_copy(page, recording)
    boxes: list[Box | None] = list(recording.boxes)
    if len(boxes) != len(reading.lines):
        boxes = [None] * len(reading.lines)
    return reading, boxes
