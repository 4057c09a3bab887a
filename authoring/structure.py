"""The printed structure of a blank form page, found with OpenCV.

Input is a deskewed gray page at a known resolution (pixels per mm). Found:

* ruled lines: morphological opening of the ink with long horizontal and vertical
  kernels (longer than any printed character stroke);
* cells: white regions closed off by the ruled lines that are (nearly) rectangles;
  a region with holes or notches is a frame around other cells, not a cell;
* check squares: small square rings of ink with an empty inside that are not a
  glyph inside a line of text (□ printed in an instruction);
* underlines: ruled horizontal lines that touch no vertical line, with room above.

Everything is in pixels of the given page; :mod:`authoring.draft` converts to mm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from authoring.bubbles import find_bubbles
from authoring.frames import find_frames, side_band
from authoring.geometry import Rect

LINE_MIN_MM = 6.0  # a ruled line is longer than any character stroke of ≤16 pt text
CELL_MIN_MM = 2.5
CELL_FILL = 0.86  # white area / bounding box of a real cell
SQUARE_MM = (2.8, 12.0)  # □ people tick (SDAPS 3.6 mm, ours 4-5 mm); a □ glyph in 9 pt text is 2.4 mm
SQUARE_SIDE_COVER = 0.8
SQUARE_INSIDE_INK = 0.06
SQUARE_MARKED_INK = 0.45
UNDERLINE_MIN_MM = 15.0
UNDERLINE_ROOM_MM = 5.0
UNDERLINE_MAX_PAGE = 0.6
GLYPH_NEIGHBOUR_MM = 0.8
CROWDED = 0.25  # share of ink right around a box found under a mark (a QR code's modules)


@dataclass(frozen=True)
class Structure:
    ink: np.ndarray  # bool, all dark pixels
    grid: np.ndarray  # bool, ruled lines (slightly dilated)
    cells: list[Rect]  # outer boxes of closed cells
    inners: list[Rect]  # the white inside of each cell (same order)
    squares: list[Rect]  # check squares
    underlines: list[Rect]  # the ruled line itself
    px_per_mm: float
    bubbles: list[Rect] = field(default_factory=list)  # the printed ○ among ``squares``
    marked: list[Rect] = field(default_factory=list)  # the □ among ``squares`` found with a mark in them


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark pixels, robust to a grey paper level and scanner noise."""
    thr = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 25)
    ink = thr > 0
    # 1-bit scans and clean renders: also take every clearly black pixel (inside solid areas
    # the local mean is dark too, and the adaptive threshold misses them)
    return np.asarray(ink | (gray < 100))


def line_masks(ink: np.ndarray, ppm: float) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) ruled-line masks."""
    u8 = ink.astype(np.uint8)
    length = max(8, round(LINE_MIN_MM * ppm))
    bridge = max(3, round(0.5 * ppm))  # gaps left by noise or a broken 1-px line
    h = cv2.morphologyEx(u8, cv2.MORPH_CLOSE, np.ones((1, bridge), np.uint8))
    h = cv2.morphologyEx(h, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    v = cv2.morphologyEx(u8, cv2.MORPH_CLOSE, np.ones((bridge, 1), np.uint8))
    v = cv2.morphologyEx(v, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    return h > 0, v > 0


def find_cells(grid: np.ndarray, ppm: float) -> list[tuple[Rect, Rect]]:
    """(outer box, white inside) of every closed, rectangular region of the grid."""
    free = (~grid).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(free, connectivity=4)
    height, width = grid.shape
    min_px = CELL_MIN_MM * ppm
    grow = max(1, round(0.35 * ppm))  # half the dilated line: inside → the box as drawn
    out: list[tuple[Rect, Rect]] = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue
        if w < min_px or h < min_px or area < CELL_FILL * w * h:
            continue
        inner = Rect(x, y, x + w, y + h)
        out.append((inner.grow(grow).clip(width, height), inner))
    # a frame around other cells (a section of the form) is not a cell itself
    return [(c, inner) for c, inner in out
            if not any(o is not inner and inner.contains_point(o.cx, o.cy) and o.area < inner.area
                       for _, o in out)]


def _side_cover(ring: np.ndarray, t: int) -> float:
    top = ring[:t].any(axis=0).mean()
    bottom = ring[-t:].any(axis=0).mean()
    left = ring[:, :t].any(axis=1).mean()
    right = ring[:, -t:].any(axis=1).mean()
    return float(min(top, bottom, left, right))


def find_squares(ink: np.ndarray, grid: np.ndarray, ppm: float) -> tuple[list[Rect], list[Rect]]:
    """Small squares drawn as a ring (check boxes), excluding glyphs like 口 or □ in text:
    (all of them, those of them with a mark in them)."""
    free_ink = (ink & ~grid).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(free_ink, connectivity=8)
    lo, hi = SQUARE_MM[0] * ppm, SQUARE_MM[1] * ppm
    squares: list[Rect] = []
    taken: set[int] = set()
    marked: list[tuple[int, Rect]] = []  # rings with a mark inside: kept when the size of the empty ones
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if not (lo <= w <= hi and lo <= h <= hi) or abs(w - h) > 0.2 * max(w, h):
            continue
        if area > 0.6 * w * h:
            continue
        ring = labels[y:y + h, x:x + w] == i
        t = side_band(min(w, h))
        if _side_cover(ring, t) < SQUARE_SIDE_COVER:
            continue
        m = round(0.22 * min(w, h))
        inside = ink[y + m:y + h - m, x + m:x + w - m]
        rect = Rect(x, y, x + w, y + h)
        if inside.size == 0 or _inline_glyph(free_ink, rect, ppm):
            continue
        if inside.mean() <= SQUARE_INSIDE_INK and area <= 0.5 * w * h:
            squares.append(rect)
            taken.add(i)
        elif inside.mean() <= SQUARE_MARKED_INK and _side_cover(ring, t) >= 0.9:
            marked.append((i, rect))
    if len(squares) < 2:
        return squares, []
    clean = len(squares)
    # a lightly filled form: its ticked boxes are boxes too
    mw = round(float(np.median([q.w for q in squares])))
    mh = round(float(np.median([q.h for q in squares])))
    # (a pen's cross reaches a little past the printed square)
    for i, q in marked:
        if abs(q.w - mw) <= 0.15 * mw and abs(q.h - mh) <= 0.15 * mh:
            squares.append(q)
            taken.add(i)
    for i in range(1, n):  # a box the mark or the writing in it made part of a bigger blob
        x, y, w, h, _ = (int(v) for v in stats[i])
        if i in taken or not (0.9 * mw <= w <= 3 * mw and 0.9 * mh <= h <= 3 * mh):
            continue
        pad = 2  # a box a pixel or two smaller than the median one still fits
        for dx, dy, _ in find_frames(np.pad(labels[y:y + h, x:x + w] == i, pad), mw, mh):
            x0, y0 = x + dx - pad, y + dy - pad
            rect = Rect(x0, y0, x0 + mw, y0 + mh)
            if not _inline_glyph_without(free_ink, labels, i, rect, ppm) and \
                    not _crowded(free_ink, rect, ppm):
                squares.append(rect)
    return squares, squares[clean:]


def _inline_glyph(free_ink: np.ndarray, r: Rect, ppm: float) -> bool:
    """True when ink sits right against both sides of the square: a □ inside a line of text."""
    d = max(2, round(GLYPH_NEIGHBOUR_MM * ppm))
    band = slice(r.y0 + r.h // 5, r.y1 - r.h // 5)
    left = free_ink[band, max(0, r.x0 - d):max(0, r.x0 - 1)]
    right = free_ink[band, r.x1 + 1:r.x1 + d]
    return bool(left.any() and right.any())


def _inline_glyph_without(free_ink: np.ndarray, labels: np.ndarray, i: int, r: Rect, ppm: float) -> bool:
    """:func:`_inline_glyph` for a box found inside component ``i``: the mark's own strokes
    that run past the box are not text beside it."""
    d = max(2, round(GLYPH_NEIGHBOUR_MM * ppm)) + 2
    height, width = free_ink.shape
    win = r.grow(d).clip(width, height)
    local = free_ink[win.y0:win.y1, win.x0:win.x1] & (labels[win.y0:win.y1, win.x0:win.x1] != i)
    return _inline_glyph(local, Rect(r.x0 - win.x0, r.y0 - win.y0, r.x1 - win.x0, r.y1 - win.y0), ppm)


def _crowded(free_ink: np.ndarray, r: Rect, ppm: float) -> bool:
    """Ink all around a box found inside a bigger blob: a frame-like pattern in a QR code
    or a drawing, not a box printed on the paper (whose surroundings are blank but for its
    label and the few strokes of a mark running past it)."""
    d = max(2, round(GLYPH_NEIGHBOUR_MM * ppm))
    height, width = free_ink.shape
    win = r.grow(d).clip(width, height)
    other = free_ink[win.y0:win.y1, win.x0:win.x1].astype(bool)
    other[max(0, r.y0 - win.y0):r.y1 - win.y0, max(0, r.x0 - win.x0):r.x1 - win.x0] = False
    ring = win.area - r.clip(width, height).area
    return ring > 0 and float(other.sum()) > CROWDED * ring


def find_underlines(h_lines: np.ndarray, v_lines: np.ndarray, ink: np.ndarray, grid: np.ndarray,
                    ppm: float) -> list[Rect]:
    """Horizontal lines touching no vertical line, with empty paper above them.

    Lines longer than 60 % of the page width are separators (rules under a heading),
    not places to write."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(h_lines.astype(np.uint8), connectivity=8)
    longest = UNDERLINE_MAX_PAGE * h_lines.shape[1]
    v_near = cv2.dilate(v_lines.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    room = round(UNDERLINE_ROOM_MM * ppm)
    out: list[Rect] = []
    for i in range(1, n):
        x, y, w, h, _ = (int(v) for v in stats[i])
        if w < UNDERLINE_MIN_MM * ppm or w > longest or h > 1.2 * ppm:
            continue
        if v_near[y:y + h, x:x + w].any():
            continue
        above = ink[max(0, y - room):max(0, y - 2), x:x + w] & ~grid[max(0, y - room):max(0, y - 2), x:x + w]
        if above.size == 0 or above.mean() > 0.01:
            continue
        below = ink[y + h + 1:y + h + 1 + round(1.5 * ppm), x:x + w]
        if below.size and below.mean() > 0.08:
            continue  # the edge of a shaded band, not a line to write on
        out.append(Rect(x, y, x + w, y + h))
    return out


def analyse(gray: np.ndarray, ppm: float) -> Structure:
    """Every structural element of a deskewed blank page."""
    ink = ink_mask(gray)
    h_lines, v_lines = line_masks(ink, ppm)
    grid = cv2.dilate((h_lines | v_lines).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    cells = find_cells(grid, ppm)
    squares, marked = find_squares(ink, grid, ppm)
    bubbles = [b for b in find_bubbles(ink, grid, ppm) if not any(b.iou(q) > 0.3 for q in squares)]
    underlines = find_underlines(h_lines, v_lines, ink, grid, ppm)
    return Structure(ink=ink, grid=grid, cells=[c for c, _ in cells], inners=[i for _, i in cells],
                     squares=squares + bubbles, underlines=underlines, px_per_mm=ppm, bubbles=bubbles,
                     marked=marked)


def char_box_rows(cells: list[Rect], ppm: float) -> list[list[int]]:
    """Groups (indices into ``cells``) of ≥ 2 small equal cells side by side: one character each.

    Cells qualify when at most 12 mm wide, no wider than 1.6x their height, and
    neighbours share top and bottom (±1 mm), touch (one ruled line apart) and
    have widths within 35 % of each other.
    """
    small = [i for i, c in enumerate(cells)
             if c.w <= 12 * ppm and c.w <= 1.6 * c.h and c.h <= 16 * ppm]
    small.sort(key=lambda i: cells[i].x0)
    tol = ppm * 1.0
    groups: list[list[int]] = []
    for i in small:
        c = cells[i]
        for g in groups:
            last = cells[g[-1]]
            if (abs(c.y0 - last.y0) <= tol and abs(c.y1 - last.y1) <= tol
                    and abs(c.x0 - last.x1) <= tol and abs(c.w - last.w) <= 0.35 * max(c.w, last.w)):
                g.append(i)
                break
        else:
            groups.append([i])
    return [g for g in groups if len(g) >= 2]
