"""Printed ○ bubbles: rings of ink, empty or with the option's value printed inside.

Answer sheets and many surveys print circles people fill in (OMR bubbles), often with
the value inside ("①", "A"). A bubble is a connected ring of ink, about as wide as
high (2-10 mm), round (its outline's circularity), with a hole inside; a ring with a
letter inside stays a bubble (the letter is another connected component). A solid
disc the size of the other bubbles is a filled bubble. A letter O inside a line of
text (ink right against both sides) is not a bubble, nor is a lone ring (a circled ① in a label).
"""

from __future__ import annotations

import cv2
import numpy as np

from authoring.geometry import Rect

BUBBLE_MM = (3.0, 10.0)  # smaller rings are letters O (a 10 pt capital is ~2.5 mm)
ROUND = 0.80  # circularity 4πA/P² of the outline (a circle is 1, printed ones 0.82-0.91; a square 0.785)
MARKED_ROUND = 0.65  # a filled or crossed bubble: the pen's strokes roughen the outline
MARKED_HOLE = 0.4  # ... and fill its hole (a QR finder pattern's ring keeps ~0.45 empty)
HOLE = 0.3  # the hole is at least this share of the disc
GLYPH_NEIGHBOUR_MM = 0.8
NEIGHBOUR = 3.0  # another bubble in line within this many sizes (a range question: 2.2)


def find_bubbles(ink: np.ndarray, grid: np.ndarray, ppm: float) -> list[Rect]:
    """Every printed ○ (and same-sized filled ●) of the page, as pixel rectangles."""
    free = (ink & ~grid).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(free, connectivity=8)
    lo, hi = BUBBLE_MM[0] * ppm, BUBBLE_MM[1] * ppm
    rings: list[tuple[int, Rect]] = []
    discs: list[tuple[int, Rect]] = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if not (lo <= w <= hi and lo <= h <= hi) or abs(w - h) > 0.15 * max(w, h):
            continue
        comp = (labels[y:y + h, x:x + w] == i).astype(np.uint8)
        outline = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)[0]
        if not outline:
            continue
        c = max(outline, key=cv2.contourArea)
        disc = float(cv2.contourArea(c))
        perimeter = float(cv2.arcLength(c, True))
        if disc <= 0 or perimeter <= 0:
            continue
        roundness = 4 * np.pi * disc / perimeter ** 2
        if disc < 0.65 * np.pi * (w / 2) * (h / 2):  # not a filled-out round outline
            continue
        rect = Rect(x, y, x + w, y + h)
        hole = (disc - area) / disc
        if hole >= HOLE and roundness >= ROUND:
            rings.append((i, rect))
        elif hole < MARKED_HOLE and roundness >= MARKED_ROUND:  # filled or crossed out
            discs.append((i, rect))
    if len(rings) >= 2:  # a filled or crossed bubble the size of the printed ones is a bubble too
        mw = float(np.median([r.w for _, r in rings]))
        rings += [(i, d) for i, d in discs if abs(d.w - mw) <= 0.15 * mw and abs(d.h - mw) <= 0.15 * mw]
    # a ring between two letters is an O in a word; between two other bubbles it is a bubble
    others = free.copy()
    for i, r in rings:
        others[r.y0:r.y1, r.x0:r.x1][labels[r.y0:r.y1, r.x0:r.x1] == i] = 0
    kept = [r for _, r in rings if not _inline(others, r, ppm)]
    # a lone ring is a circled number in a label (①) or a legend; bubbles come in rows or columns
    return [r for r in kept if any(_near(r, o) for o in kept if o is not r)]


def _near(a: Rect, b: Rect) -> bool:
    size = (a.w + a.h + b.w + b.h) / 4
    dx, dy = abs(a.cx - b.cx), abs(a.cy - b.cy)
    return (dy <= 0.3 * size and dx <= NEIGHBOUR * size) or (dx <= 0.3 * size and dy <= NEIGHBOUR * size)


def _inline(free: np.ndarray, r: Rect, ppm: float) -> bool:
    """Ink right against both sides: a letter O inside a word, not a bubble."""
    d = max(2, round(GLYPH_NEIGHBOUR_MM * ppm))
    band = slice(r.y0 + r.h // 5, r.y1 - r.h // 5)
    left = free[band, max(0, r.x0 - d):max(0, r.x0 - 1)]
    right = free[band, r.x1 + 1:r.x1 + d]
    return bool(left.any() and right.any())
