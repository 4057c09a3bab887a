"""Printed text lines of a blank page and what they say.

Lines are found from the ink that is neither ruled line nor check square:
characters closer than ~2.6 mm join into one line (connected components of a
horizontal dilation). Each line is then read by the project's recogniser with
the unconstrained alphabet; the recogniser is injected (tests use a fake).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from authoring.geometry import Rect, union_all
from authoring.structure import Structure
from ocr.recognizer import Recognizer

JOIN_MM = 2.6  # characters closer than this belong to one line (・ and ッ leave wide gaps)
LINE_H_MM = (1.2, 10.0)  # text height range (≈ 5-28 pt)
SPECK_MM2 = 0.06
SOLID_FILL = 0.6  # ink share of a registration mark, not of text
CROP_MARGIN = 0.25  # of the line height, each side


@dataclass(frozen=True)
class TextLine:
    rect: Rect
    text: str
    confidence: float

    @property
    def clean(self) -> str:
        """NFKC text without spaces."""
        return "".join(unicodedata.normalize("NFKC", self.text).split())


def text_ink(structure: Structure) -> np.ndarray:
    """Ink left after removing ruled lines, check squares and specks."""
    ink = structure.ink & ~structure.grid
    u8 = ink.astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(u8, connectivity=8)
    speck = SPECK_MM2 * structure.px_per_mm ** 2
    keep = np.zeros(n, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= speck
    keep[_mark_parts(stats, labels, structure.squares)] = False
    out = keep[labels]
    height, width = ink.shape
    for sq in structure.squares:
        r = sq.grow(2).clip(width, height)
        out[r.y0:r.y1, r.x0:r.x1] = False
    return np.asarray(out)


def _mark_parts(stats: np.ndarray, labels: np.ndarray, squares: list[Rect]) -> list[int]:
    """Components touching squares that stay within half a box of the squares they touch:
    the boxes, and a mark whose strokes run past its box (or on into the next box), not
    text beside them."""
    height, width = labels.shape
    touched: dict[int, list[Rect]] = {}
    for sq in squares:
        r = sq.grow(2).clip(width, height)
        for i in np.unique(labels[r.y0:r.y1, r.x0:r.x1]):
            if i:
                touched.setdefault(int(i), []).append(sq)
    out = []
    for i, sqs in touched.items():
        reach = union_all(sqs).grow(max(2, max(q.w for q in sqs) // 2))
        x, y, w, h = (int(v) for v in stats[i][:4])
        if reach.x0 <= x and reach.y0 <= y and x + w <= reach.x1 and y + h <= reach.y1:
            out.append(i)
    return out


def find_text_lines(structure: Structure) -> list[Rect]:
    """Bounding boxes of printed text lines (reading order: top to bottom, left to right)."""
    ppm = structure.px_per_mm
    ink = text_ink(structure)
    kx = max(3, round(JOIN_MM * ppm))
    ky = max(1, round(0.25 * ppm))
    joined = cv2.dilate(ink.astype(np.uint8), np.ones((ky, kx), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    lo, hi = LINE_H_MM[0] * ppm, LINE_H_MM[1] * ppm
    rects: list[Rect] = []
    for i in range(1, n):
        x, y, w, h, _ = (int(v) for v in stats[i])
        sub = ink[y:y + h, x:x + w] & (labels[y:y + h, x:x + w] == i)
        ys, xs = np.nonzero(sub)
        if ys.size == 0:
            continue
        r = Rect(x + int(xs.min()), y + int(ys.min()), x + int(xs.max()) + 1, y + int(ys.max()) + 1)
        if not lo <= r.h <= hi or r.w < 0.8 * ppm:
            continue
        if r.w > 3 * ppm and r.h > 3 * ppm and sub.mean() > SOLID_FILL:
            continue  # a solid mark or a QR code
        if r.h > 8 * ppm and r.w > 8 * ppm:
            continue  # a QR code or a drawing, not a line of text
        rects.append(r)
    rects.sort(key=lambda r: (r.y0 // max(1, round(2 * ppm)), r.x0))
    return rects


def read_lines(gray: np.ndarray, rects: Sequence[Rect], recognizer: Recognizer) -> list[TextLine]:
    """Recognise every line (unconstrained alphabet)."""
    height, width = gray.shape
    crops = []
    for r in rects:
        m = max(2, round(CROP_MARGIN * r.h))
        c = r.grow(m).clip(width, height)
        crops.append(np.ascontiguousarray(gray[c.y0:c.y1, c.x0:c.x1]))
    if not crops:
        return []
    results = recognizer.recognize(crops, [None] * len(crops))
    return [TextLine(rect=r, text=res.text.strip(), confidence=float(res.confidence))
            for r, res in zip(rects, results, strict=True)]
