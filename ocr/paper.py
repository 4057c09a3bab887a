"""Find the paper in a scan or photo and whiten what lies outside it.

A sheet-fed or flatbed scanner often leaves black edges (the lid, the feeder's
shadow) around a page, and a phone photo shows the desk. Both are large, dark
and placed differently on every scan, so a layout comparison or print agreement
sees them before it sees the form. The paper is the largest bright region of the
page (print inside it closed over); everything outside its convex hull becomes
white paper. A page that is paper edge to edge (our renders, most office scans)
comes back unchanged, the same array.

The outline is trusted only where it is a real paper edge: all around it, what
lies just outside must be clearly darker than what lies just inside. A photo lit
unevenly has paper corners darker than a global threshold; the bright region's
outline then cuts across the paper (paper on both sides, no step) and whitening
would erase print and corner marks. It happened on a page whitened twice (the
reader whitens, then identification whitens its input again): the white margin
left by the first pass raised the threshold and the second pass cut a vignetted
photo's corners away, three corner marks with them. Such a page is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_SIDE = 400  # the paper is found on a copy this long on its long side
MIN_OUTSIDE = 0.004  # less than this share of the image outside the paper: leave it
MIN_PAPER = 0.25  # a "paper" smaller than this share of the image is not trusted
EDGE_GROW = 2  # px at WORK_SIDE: the outside grows this much (the gray ramp of an edge)
SECTORS = 36  # the outline is checked in this many angular sectors around its centre
BAND = (2, 5)  # px at WORK_SIDE: the bands just inside and just outside the outline compared
MIN_STEP = 0.5  # outside darker than inside by this share of (paper level - threshold)


@dataclass(frozen=True)
class Paper:
    """The paper's outline on the full-size image, and how much lay outside it."""

    hull: np.ndarray  # N x 2 int32 polygon (x, y), full-size pixels
    outside: float  # share of the image outside the paper, 0..1


def find_paper(gray: np.ndarray) -> Paper | None:
    """The paper's convex outline, or None when it fills the image (or cannot be told)."""
    h, w = gray.shape[:2]
    f = min(1.0, WORK_SIDE / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 1.0)
    level, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    paper_level = float(np.percentile(small, 95))
    if paper_level - level < 40:  # no dark background against bright paper
        return None
    # print inside the paper (text, rules, filled bubbles) is closed over
    k = max(3, round(min(small.shape) * 0.03)) | 1
    closed = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=4)
    if n < 2:
        return None
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    pts = cv2.findNonZero((labels == biggest).astype(np.uint8))
    hull = cv2.convexHull(pts)
    inside = np.zeros_like(small)
    cv2.fillConvexPoly(inside, hull, (255,))
    share_in = float((inside > 0).mean())
    if share_in < MIN_PAPER or share_in > 1.0 - MIN_OUTSIDE:
        return None
    if not edge_all_around(small, inside, MIN_STEP * (paper_level - level)):
        return None  # the outline runs through paper somewhere: not a paper edge
    # (erode's default border counts as inside: only edges facing the background move)
    inside = cv2.erode(inside, np.ones((2 * EDGE_GROW + 1, 2 * EDGE_GROW + 1), np.uint8))
    share_in = float((inside > 0).mean())
    outline = cv2.findContours(inside, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
    if not outline:
        return None
    big = max(outline, key=cv2.contourArea).reshape(-1, 2).astype(np.float64)
    full = np.round((big + 0.5) / f - 0.5).astype(np.int32)
    return Paper(hull=full, outside=1.0 - share_in)


def edge_all_around(small: np.ndarray, inside: np.ndarray, step: float) -> bool:
    """Whether, in every sector of the outline, the outside is darker than the inside by ``step``.

    Bands BAND px just inside and just outside the outline are compared per angular
    sector (median of each); a sector whose outside band lies off the image (the
    paper reaches the image edge there) has nothing to check.
    """
    a, b = BAND
    near = np.ones((2 * a + 1, 2 * a + 1), np.uint8)
    far = np.ones((2 * b + 1, 2 * b + 1), np.uint8)
    inner = (cv2.erode(inside, near) > 0) & (cv2.erode(inside, far) == 0)
    outer = (cv2.dilate(inside, far) > 0) & (cv2.dilate(inside, near) == 0)
    ys, xs = np.nonzero(inside)
    cy, cx = float(ys.mean()), float(xs.mean())
    yy, xx = np.mgrid[0:small.shape[0], 0:small.shape[1]]
    sector = ((np.arctan2(yy - cy, xx - cx) + np.pi) / (2 * np.pi) * SECTORS).astype(int) % SECTORS
    for k in range(SECTORS):
        out_px = small[outer & (sector == k)]
        in_px = small[inner & (sector == k)]
        if out_px.size < 3 or in_px.size < 3:
            continue
        if float(np.median(in_px)) - float(np.median(out_px)) < step:
            return False
    return True


def whiten_outside_paper(gray: np.ndarray) -> np.ndarray:
    """``gray`` with everything outside the paper set to white (the same array when none is)."""
    paper = find_paper(gray)
    if paper is None:
        return gray
    mask = np.zeros(gray.shape[:2], np.uint8)
    cv2.fillPoly(mask, [paper.hull], (255,))
    return np.where(mask > 0, gray, np.uint8(255)).astype(np.uint8)

