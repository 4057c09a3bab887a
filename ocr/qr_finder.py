"""A cheap test for QR finder patterns, run before OpenCV's full QR decoder.

OpenCV's ``QRCodeDetector`` binarises the image twice with an 83 px Gaussian window and
clusters every 1:1:3:1:1 run it sees: on a page of print with no QR code (an ID copy, a
住民票) that costs ~130 ms per candidate image at the page's scale, ~0.4 s per page over
the candidates :func:`ocr.identify.find_qr` tries. The decoder can only succeed where
its localisation found three finder patterns, each a dark-light-dark-light-dark run of
1:1:3:1:1 both across and down through the pattern's centre (at any rotation a line
through the centre of concentric squares keeps that ratio, and the run across is as
long as the run down).

:func:`finder_centres` looks for exactly that, more loosely than OpenCV does (a wider
ratio tolerance, a box-window binarisation and Otsu's), so a page whose QR code the
decoder reads passes; a page of print with no QR code rarely shows two such crosses.
The decoder is run only where :class:`QrGate` allows it. Nothing here reads a value.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

RATIO = np.array([1, 1, 3, 1, 1], np.float64) / 7.0
EPS = 0.3  # OpenCV accepts a ratio weight below 0.2 across (0.1-1.0 down): a margin for a pixel off
MIN_LENGTH_PX = 10  # a finder narrower than this (modules under 1.5 px) cannot be decoded
SAME_SIZE = 1.5  # the run across and the run down through one centre: length ratio at most this
WINDOW = 83  # OpenCV's binarisation window
LOCAL_C = 8  # darker than the window's mean by this much is ink (OpenCV: 2, which turns paper noise to ink)
POOL = 4  # crossing pixels this close (px) belong to one pattern
SIZE_RATIO = 2.0  # the three finder patterns of one code: lengths within this ratio
MIN_GAP, MAX_GAP = 1.1, 26.0  # finder centres apart, in finder lengths (version 1 at 45°: 1.41; 40: 24)
MAX_COS = 0.9  # OpenCV drops a triangle with an angle whose |cos| exceeds 0.85
EPS_DIAGONAL = 0.45  # the diagonal is sampled a pixel step of 1.4 px at a time: looser
MAX_CROSSES = 120  # more crosses than this (dense print): not checked one by one


def _runs(dark: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every 1:1:3:1:1 dark-light-dark-light-dark run along rows: row, centre column, length."""
    h, w = dark.shape
    padded = np.zeros((h, w + 2), np.uint8)
    padded[:, 1:-1] = dark
    change = (padded[:, 1:] != padded[:, :-1]).view(np.uint8)  # a run ends / starts (columns 0..w)
    pts = cv2.findNonZero(change)  # row-major order, like the runs along each row
    empty = np.zeros(0, np.int64)
    if pts is None or len(pts) < 6:
        return empty, empty, empty
    cols, rows = pts[:, 0, 0].astype(np.int64), pts[:, 0, 1].astype(np.int64)
    starts = padded[rows, cols + 1] == 1  # the pixel right of the edge is dark: a dark run starts
    k = np.arange(len(cols) - 5)
    k = k[(rows[k] == rows[k + 5]) & starts[k]]  # five runs from a dark start, one row
    b = np.stack([cols[k + i] for i in range(6)], axis=1)
    runs = np.diff(b, axis=1).astype(np.float32)
    length = runs.sum(axis=1)
    weight = np.abs(runs / np.maximum(length, 1)[:, None] - RATIO).sum(axis=1)
    good = (weight < EPS) & (length >= MIN_LENGTH_PX)
    return rows[k[good]], (b[good, 2] + b[good, 3]) // 2, length[good].astype(np.int64)


def _centre_map(dark: np.ndarray) -> np.ndarray:
    """The centre pixel of every 1:1:3:1:1 run along rows, valued by the run's length (≤ 255)."""
    out = np.zeros(dark.shape, np.uint8)
    rows, centre, length = _runs(dark)
    out[rows, centre] = np.minimum(length, 255)
    return out


def _crosses(dark: np.ndarray) -> list[tuple[float, float, float]]:
    """(x, y, length) where a 1:1:3:1:1 run across and one down share their centre (±2 px).

    Across a finder pattern the run centres line up down its middle, and the run centres
    down it line up across the middle: the two lines cross at the pattern's centre.
    """
    k = np.ones((5, 5), np.uint8)
    across = cv2.dilate(_centre_map(dark), k)
    down = cv2.dilate(cv2.transpose(_centre_map(cv2.transpose(dark))), k)
    pts = cv2.findNonZero(cv2.min(across, down))
    if pts is None:
        return []
    xs, ys = pts[:, 0, 0].astype(np.int64), pts[:, 0, 1].astype(np.int64)
    size = np.maximum(across[ys, xs], down[ys, xs]).astype(np.float64)
    cell = (ys // POOL) * (dark.shape[1] // POOL + 1) + xs // POOL  # group touching pixels by cell
    mask = np.zeros((dark.shape[0] // POOL + 1, dark.shape[1] // POOL + 1), np.uint8)
    mask.ravel()[cell] = 1
    n, labels = cv2.connectedComponents(mask, connectivity=8)
    lab = labels.ravel()[cell]
    count = np.bincount(lab, minlength=n).astype(np.float64)
    cx = np.bincount(lab, xs, minlength=n) / np.maximum(count, 1)
    cy = np.bincount(lab, ys, minlength=n) / np.maximum(count, 1)
    big = np.zeros(n, np.float64)
    np.maximum.at(big, lab, size)
    return [(float(cx[i]), float(cy[i]), float(big[i])) for i in range(1, n)
            if count[i] and all(_diagonal_ok(dark, cx[i], cy[i], big[i], step) for step in (1, -1))]


def _diagonal_ok(dark: np.ndarray, x: float, y: float, length: float, step: int) -> bool:
    """The 1:1:3:1:1 runs along a diagonal through (x, y) too (every line through the centre has them)."""
    h, w = dark.shape
    r = int(length) + 2
    i = np.arange(-r, r + 1)
    xs, ys = round(x) + i, round(y) + step * i
    inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    seq = np.zeros(len(i), np.int8)
    seq[inside] = dark[ys[inside], xs[inside]]
    edges = np.flatnonzero(np.diff(seq)) + 1  # index where a new run starts
    bounds = np.concatenate(([0], edges, [len(seq)]))
    run = int(np.searchsorted(bounds, r, side="right")) - 1  # the run holding the centre
    for centre in (run, run - 1, run + 1):  # the centre may sit a pixel off the dark block
        if 2 <= centre <= len(bounds) - 4 and seq[bounds[centre]] == 1 and bounds[centre] <= r + 2 \
                and bounds[centre + 1] >= r - 2:
            runs = np.diff(bounds[centre - 2: centre + 4]).astype(np.float64)
            if _ratio_weight(runs) < EPS_DIAGONAL:
                return True
    return False


def _ratio_weight(runs: np.ndarray) -> float:
    return float(np.abs(runs / max(float(runs.sum()), 1.0) - RATIO).sum())


def _binarised(gray: np.ndarray) -> list[np.ndarray]:
    """Dark masks: a box-window threshold like the decoder's own, and Otsu's."""
    out = []
    block = WINDOW if min(gray.shape[:2]) > WINDOW else (min(gray.shape[:2]) // 2) * 2 - 1
    if block >= 3:
        out.append(cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                         block, LOCAL_C))
    out.append(cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1])
    return out


def finder_centres(gray: np.ndarray) -> list[tuple[float, float, float]]:
    """(x, y, length) of finder-pattern-like crosses in ``gray`` (uint8), either binarisation."""
    if gray.ndim != 2 or min(gray.shape) < 8:
        return []
    out: list[tuple[float, float, float]] = []
    for dark in _binarised(gray):
        out += _crosses(dark)
    return out


def qr_triples(centres: list[tuple[float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Boxes (x0, y0, x1, y1) around three crosses placed as a QR code's finder patterns are.

    Necessary for OpenCV's decoder, loosened: sizes within :data:`SIZE_RATIO`, centres
    :data:`MIN_GAP`-:data:`MAX_GAP` lengths apart, and no angle of the triangle under
    OpenCV's own limit (cos 0.85). The caller caps ``centres`` (:data:`MAX_CROSSES`).
    """
    n = len(centres)
    if n < 3:
        return []
    c = np.array(centres, np.float64)
    xy, size = c[:, :2], c[:, 2]
    d = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    big = np.maximum(size[:, None], size[None, :])
    pair = ((big <= SIZE_RATIO * np.minimum(size[:, None], size[None, :]))
            & (d >= MIN_GAP * big) & (d <= MAX_GAP * big))
    out = []
    for i, j in zip(*np.nonzero(np.triu(pair, 1)), strict=True):
        for k in np.flatnonzero(pair[i] & pair[j]):
            if k <= j:
                continue
            tri = xy[[i, j, k]]
            if _angles_ok(tri):
                out.append((float(tri[:, 0].min()), float(tri[:, 1].min()),
                            float(tri[:, 0].max()), float(tri[:, 1].max())))
    return out


def _angles_ok(tri: np.ndarray) -> bool:
    for a in range(3):
        u, v = tri[(a + 1) % 3] - tri[a], tri[(a + 2) % 3] - tri[a]
        cos = float(u @ v) / max(float(np.linalg.norm(u) * np.linalg.norm(v)), 1e-9)
        if abs(cos) > MAX_COS:
            return False
    return True


@dataclass(frozen=True)
class QrGate:
    """Where on a page the QR decoder is worth running (page pixels at the scale measured)."""

    boxes: tuple[tuple[float, float, float, float], ...]  # each around three finder-like crosses
    anywhere: bool = False  # too many crosses to tell (dense print, an OMR sheet's bubbles)

    @classmethod
    def of(cls, gray: np.ndarray) -> QrGate:
        centres = finder_centres(gray)
        if len(centres) > MAX_CROSSES:
            return cls((), anywhere=True)
        return cls(tuple(qr_triples(centres)))

    def allows(self, box: tuple[float, float, float, float] | None = None, margin: float = 8.0) -> bool:
        """True when ``box`` (x0, y0, x1, y1; None: the whole page) may hold a decodable QR code."""
        if self.anywhere or box is None:
            return self.anywhere or bool(self.boxes)
        x0, y0, x1, y1 = box
        return any(x0 - margin <= a and y0 - margin <= b and c <= x1 + margin and d <= y1 + margin
                   for a, b, c, d in self.boxes)
