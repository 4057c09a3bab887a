"""Why a page was (not) identified: best and second-best template page, scores, regions.

``yomitori templates check`` shows this for a refused page: which template page
came closest, which one competed with it, the score and margin against the
thresholds, and the parts of the page whose print differs most from the closest
template's blank (also drawn on an image, :func:`difference_image`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ocr import identify
from ocr.paper import whiten_outside_paper
from ocr.preprocess import estimate_skew
from ocr.reader import Reader

GRID = (6, 8)  # columns, rows of the regions compared
TOP_REGIONS = 3


@dataclass(frozen=True)
class Region:
    """A part of the page in millimetres and how much its print differs (0..1)."""

    x_mm: float
    y_mm: float
    w_mm: float
    h_mm: float
    difference: float


@dataclass(frozen=True)
class Explanation:
    """What identification saw on one page (thresholds included, for the message)."""

    qr_text: str | None  # a QR code's text when one was decoded (ours or not)
    match: identify.StructureMatch | None
    min_score: float
    min_margin: float
    regions: list[Region] = field(default_factory=list)
    aligned: np.ndarray | None = None  # the page on the closest template's blank (STRUCTURE_DPI)
    blank: np.ndarray | None = None
    page_mm: tuple[float, float] = (210.0, 297.0)  # the closest template's page size

    @property
    def score_too_low(self) -> bool:
        return self.match is None or self.match.score < self.min_score

    @property
    def too_close(self) -> bool:
        return self.match is not None and not self.score_too_low and self.match.margin < self.min_margin


def explain(gray: np.ndarray, reader: Reader, min_score: float, min_margin: float) -> Explanation:
    """Compare ``gray`` with every template page the reader may identify, and say what was seen."""
    qr = identify.find_qr(gray)
    gray = whiten_outside_paper(gray)
    candidates = reader.structure_candidates()
    match = identify.match_structure(gray, candidates)
    if match is None:
        return Explanation(qr.text if qr else None, None, min_score, min_margin)
    cand = next(c for c in candidates if c.identity == match.identity)
    upright = np.ascontiguousarray(np.rot90(gray, match.rotation // 90)) if match.rotation else gray
    aligned = identify.aligned_small(upright, cand, estimate_skew(upright))
    regions = differing_regions(aligned, cand.blank, cand.page_mm) if aligned is not None else []
    return Explanation(qr.text if qr else None, match, min_score, min_margin, regions, aligned, cand.blank,
                       cand.page_mm)


def differing_regions(aligned: np.ndarray, blank: np.ndarray, page_mm: tuple[float, float],
                      top: int = TOP_REGIONS) -> list[Region]:
    """The ``top`` grid cells whose printed structure differs most (blurred ink, 0..1)."""
    a = (255.0 - aligned.astype(np.float32)) / 255.0
    b = (255.0 - blank.astype(np.float32)) / 255.0
    diff = np.abs(cv2.GaussianBlur(a, (0, 0), 1.2) - cv2.GaussianBlur(b, (0, 0), 1.2))
    h, w = diff.shape
    cols, rows = GRID
    cells: list[Region] = []
    for r in range(rows):
        for c in range(cols):
            y0, y1 = r * h // rows, (r + 1) * h // rows
            x0, x1 = c * w // cols, (c + 1) * w // cols
            d = float(diff[y0:y1, x0:x1].mean())
            cells.append(Region(round(x0 * page_mm[0] / w, 1), round(y0 * page_mm[1] / h, 1),
                                round((x1 - x0) * page_mm[0] / w, 1), round((y1 - y0) * page_mm[1] / h, 1),
                                round(d, 4)))
    return sorted(cells, key=lambda reg: -reg.difference)[:top]


def difference_image(ex: Explanation, scale: int = 3) -> np.ndarray | None:
    """BGR picture: the closest blank in grey, ink only on the page in red, print only on
    the blank in blue, the most differing regions boxed in orange. None without a match."""
    if ex.aligned is None or ex.blank is None or ex.match is None:
        return None
    page = cv2.resize(ex.aligned, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    blank = cv2.resize(ex.blank, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    out = np.full((*blank.shape, 3), 255, np.uint8)
    both = (page < 128) & (blank < 128)
    out[blank < 128] = (255, 120, 0)  # printed on the blank, missing on the page: blue
    out[page < 128] = (0, 0, 230)  # on the page only: red
    out[both] = (110, 110, 110)
    h, w = blank.shape
    mm = (w / ex.page_mm[0], h / ex.page_mm[1])
    for reg in ex.regions:
        p0 = (round(reg.x_mm * mm[0]), round(reg.y_mm * mm[1]))
        p1 = (round((reg.x_mm + reg.w_mm) * mm[0]) - 1, round((reg.y_mm + reg.h_mm) * mm[1]) - 1)
        cv2.rectangle(out, p0, p1, (0, 140, 255), 2)
    return out
