"""Pure helpers that turn a field's box crop into what a recogniser should see.

All functions take a gray uint8 image (paper light, ink dark) and return new
arrays or numbers; nothing is modified in place and nothing is read or written.

Typical use for a text field::

    clean = remove_box_lines(crop)
    bbox = tight_ink_bbox(clean, margin_px=4)   # None: nothing written
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        line = clean[y0:y1, x0:x1]
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np

BBox = tuple[int, int, int, int]  # x0, y0, x1, y1 (x1, y1 exclusive)

MIN_CONTRAST = 40  # ink must be this much darker than the paper (gray levels)


def _check_gray(gray: np.ndarray) -> np.ndarray:
    arr = np.asarray(gray)
    if arr.ndim == 3 and arr.shape[2] == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGR2GRAY)
    if arr.ndim != 2 or arr.dtype != np.uint8:
        raise ValueError(f"expected a gray uint8 image, got {arr.dtype} {arr.shape}")
    return arr


def paper_level(gray: np.ndarray) -> int:
    """Gray level of the paper (90th percentile: most of a field is paper)."""
    return int(np.percentile(gray, 90)) if gray.size else 255


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Boolean ink mask: Otsu, but never lighter than ``paper - MIN_CONTRAST``,
    so a blank, noisy crop yields (almost) no ink instead of half its pixels."""
    gray = _check_gray(gray)
    if gray.size == 0:
        return np.zeros(gray.shape, dtype=bool)
    otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    thr = min(float(otsu), paper_level(gray) - MIN_CONTRAST)
    return np.asarray(gray <= thr)


def _line_masks(ink: np.ndarray, v_frac: float) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) long-line masks (uint8 0/1) of a binary ink image."""
    h, w = ink.shape
    binary = ink.astype(np.uint8)
    # A horizontal rule spans the field; a character stroke spans about one
    # character (<= the crop's height). Narrow (cell) crops: 90 % of the width.
    len_h = int(min(0.9 * w, max(0.5 * w, 2.0 * h)))
    len_v = int(v_frac * h)
    horiz: np.ndarray = np.zeros_like(binary)
    vert: np.ndarray = np.zeros_like(binary)
    if len_h >= 8:
        horiz = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, len_h), np.uint8))
    if len_v >= 8:
        vert = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((len_v, 1), np.uint8))
    return horiz, vert


def remove_box_lines(gray: np.ndarray, v_frac: float = 0.8) -> np.ndarray:
    """Erase printed rules and cell dividers, keep the handwriting.

    Horizontal lines at least ``max(half the width, twice the height)`` long
    (90 % of the width for narrow cell crops) and vertical lines at least
    ``v_frac`` of the height are painted with the paper level. Where a stroke
    crosses a line, the line pixels touching the stroke are kept so the stroke
    stays in one piece.
    """
    gray = _check_gray(gray)
    if gray.size == 0:
        return gray.copy()
    ink = ink_mask(gray)
    horiz, vert = _line_masks(ink, v_frac)
    if not (horiz.any() or vert.any()):
        return gray.copy()
    # Grow the masks by a pixel to take the anti-aliased edges too.
    grow = np.ones((3, 3), np.uint8)
    horiz_g = cv2.dilate(horiz, grow).astype(bool)
    vert_g = cv2.dilate(vert, grow).astype(bool)
    strokes = ink & ~(horiz_g | vert_g)
    # Line pixels with stroke ink on both sides (above and below a horizontal
    # line, left and right of a vertical one) belong to a stroke that crosses it.
    reach = 2 * _thickness(horiz, vert) + 3
    keep = (horiz_g & _both_sides(strokes, reach, vertical=True)) | (
        vert_g & _both_sides(strokes, reach, vertical=False)
    )
    erase = (horiz_g | vert_g) & ~keep
    out = gray.copy()
    out[erase] = paper_level(gray)
    return out


def _both_sides(strokes: np.ndarray, reach: int, *, vertical: bool) -> np.ndarray:
    """Pixels with stroke ink within ``reach`` on both sides along one axis."""
    src = strokes.astype(np.uint8)
    shape = (reach, 1) if vertical else (1, reach)
    kernel = np.ones(shape, np.uint8)
    last = (0, reach - 1) if vertical else (reach - 1, 0)  # anchor is (x, y)
    after = cv2.dilate(src, kernel, anchor=(0, 0))
    before = cv2.dilate(src, kernel, anchor=last)
    return np.asarray((after > 0) & (before > 0))


def _thickness(horiz: np.ndarray, vert: np.ndarray) -> int:
    """Typical rule thickness in pixels (median run across the lines), 1..15."""
    across_h = horiz.sum(axis=0)
    across_v = vert.sum(axis=1)
    runs = np.concatenate([across_h[across_h > 0], across_v[across_v > 0]])
    return max(1, min(int(np.median(runs)) if runs.size else 1, 15))


SPECK_AREA = 20  # px: smaller blobs count only next to real ink (dust vs. a comma)


def _kept_ink(gray: np.ndarray, min_area: int) -> np.ndarray:
    """Ink mask without specks.

    Components of at least ``min_area`` pixels are ink. Smaller ones (commas,
    dots, a thin '1' at low resolution) are kept only within half the ink's
    height of it; isolated ones are dust or scanner noise.
    """
    ink = ink_mask(gray)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros(ink.shape, dtype=bool)
    area = stats[:, cv2.CC_STAT_AREA]
    x0, y0 = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    x1, y1 = x0 + stats[:, cv2.CC_STAT_WIDTH], y0 + stats[:, cv2.CC_STAT_HEIGHT]
    keep = np.zeros(n, dtype=bool)
    keep[1:] = area[1:] >= min_area
    if not keep.any():
        return np.zeros(ink.shape, dtype=bool)
    bx0, by0 = x0[keep].min(), y0[keep].min()
    bx1, by1 = x1[keep].max(), y1[keep].max()
    near = max(4, (by1 - by0) // 2)
    small = ~keep
    small[0] = False
    keep |= small & (x1 >= bx0 - near) & (x0 <= bx1 + near) & (y1 >= by0 - near) & (y0 <= by1 + near)
    return np.asarray(keep[labels])


def tight_ink_bbox(gray: np.ndarray, margin_px: int = 4, min_area: int = SPECK_AREA) -> BBox | None:
    """Bounding box of the ink, grown by ``margin_px`` and clipped to the image.

    Specks (see :func:`_kept_ink`) are ignored. Returns None when there is no ink.
    """
    gray = _check_gray(gray)
    if gray.size == 0:
        return None
    ys, xs = np.nonzero(_kept_ink(gray, min_area))
    if xs.size == 0:
        return None
    h, w = gray.shape
    return (
        max(0, int(xs.min()) - margin_px),
        max(0, int(ys.min()) - margin_px),
        min(w, int(xs.max()) + 1 + margin_px),
        min(h, int(ys.max()) + 1 + margin_px),
    )


def ink_ratio(gray: np.ndarray, min_area: int = SPECK_AREA) -> float:
    """Share of the crop's pixels that are ink (specks excluded), 0..1."""
    gray = _check_gray(gray)
    if gray.size == 0:
        return 0.0
    return float(_kept_ink(gray, min_area).mean())


def split_cells(gray: np.ndarray, cells: int, inset: float = 0.08) -> list[np.ndarray]:
    """Split a one-character-per-cell (comb) field into its ``cells`` cells.

    Cell borders are expected at equal spacing; each is snapped to the printed
    divider found within a quarter cell of it (when there is one), so a small
    alignment error does not cut characters. ``inset`` (share of the cell width)
    is trimmed from both sides of every cell to drop divider remnants.
    """
    gray = _check_gray(gray)
    if cells < 1:
        raise ValueError("cells must be >= 1")
    h, w = gray.shape
    if w < cells:
        raise ValueError(f"crop {w} px wide cannot hold {cells} cells")
    _, vert = _line_masks(ink_mask(gray), 0.6)
    profile = vert.sum(axis=0)
    step = w / cells
    bounds: list[int] = []
    for i in range(cells + 1):
        expect = round(i * step)
        lo, hi = max(0, round(expect - step / 4)), min(w, round(expect + step / 4) + 1)
        window = profile[lo:hi]
        if window.size and window.max() >= 0.5 * h:
            hits = np.flatnonzero(window == window.max())
            bounds.append(lo + int(hits[len(hits) // 2]))
        else:
            bounds.append(min(expect, w))
    out: list[np.ndarray] = []
    for a, b in itertools.pairwise(bounds):
        pad = round((b - a) * inset)
        x0, x1 = min(a + pad, b), max(b - pad, a)
        out.append(gray[:, x0:x1].copy())
    return out
