"""Page clean-up before identification: gray, contrast, noise, blank and skew checks.

All functions take and return numpy arrays; no file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MIN_SIDE_PX = 500  # below this an A4 page is under ~60 dpi: unreadable
BLANK_INK_RATIO = 0.0015  # share of dark pixels under which a page may be blank ...
# ... unless its ink gathers somewhere: a small, thin-lined copy (a fax of a 通知カード)
# can stay under the ratio, but its text makes dense blocks that noise and dust do not.
# Blocks ~1/34 of the short side (~6 mm); measured on synthetic stacks (seeds 9401, 9402,
# 7201): blank backs 0 blocks over 5 % ink (max 0.6 %), copies under the ratio 20+.
BLANK_BLOCK_INK = 0.05
BLANK_TEXT_BLOCKS = 3  # this many dense blocks make a page not blank (a speck makes 1-2)


# Red dropout: strongly red / vermilion ink (a 朱肉 seal, a red pen) is not a mark.
# OpenCV hue is 0..179 (2° per step): red and vermilion lie within ±20° of 0.
RED_HUE = 10  # hue <= this or >= 180 - this
RED_SAT = (30.0, 90.0)  # saturation (0..255): no dropout below, full dropout above
RED_MIN_VALUE = 90  # darker pixels are black ink or a dark desk (seal over black print stays black)
# Under the seal: the red channel still shows what lies beneath (pencil, a blue tick).
# A red channel above UNDER_CLEAR x the local paper level means nothing dark beneath
# (whiten to the paper); below UNDER_DARK x paper something is (keep the red channel).
UNDER_DARK, UNDER_CLEAR = 0.5, 0.7
SURE_RED = 0.5  # redness from which a pixel counts in colour_ink_ratio
SEAL_REACH_MM = 10.0  # the local paper level is looked for this far around (seals: 10-15 mm)


def to_gray(image: np.ndarray, drop_red: bool = True) -> np.ndarray:
    """Any 1-bit/gray/BGR/BGRA image → uint8 gray.

    Colour input: strongly red/vermilion saturated ink (a red seal, red pen) is
    removed (``drop_red``, see :func:`red_dropout`); black, blue and pencil stay
    as a plain gray conversion gives them.
    """
    img = _as_uint8(image)
    if img.ndim == 3:
        if drop_red and img.shape[2] >= 3:
            return red_dropout(img)[0]
        code = cv2.COLOR_BGRA2GRAY if img.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        img = cv2.cvtColor(img, code)
    return np.ascontiguousarray(img)


def _as_uint8(image: np.ndarray) -> np.ndarray:
    img = image
    if img.dtype == bool:
        return img.astype(np.uint8) * 255
    if img.dtype != np.uint8:
        lo, hi = float(img.min()), float(img.max())
        scale = 255.0 / (hi - lo) if hi > lo else 1.0
        img = ((img.astype(np.float32) - lo) * scale).clip(0, 255).astype(np.uint8)
    return img


def _redness(bgr: np.ndarray) -> np.ndarray:
    """Per pixel 0..1: how surely it is red/vermilion ink (hue, saturation, not dark)."""
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[:, :, 0], hsv[:, :, 1].astype(np.float32), hsv[:, :, 2]
    red = ((hue <= RED_HUE) | (hue >= 180 - RED_HUE)) & (val >= RED_MIN_VALUE)
    weight = np.clip((sat - RED_SAT[0]) / (RED_SAT[1] - RED_SAT[0]), 0.0, 1.0)
    return np.where(red, weight, 0.0).astype(np.float32)


def red_dropout(image: np.ndarray) -> tuple[np.ndarray, float]:
    """Gray with red ink removed, and :func:`colour_ink_ratio` of the page (0..1).

    Where a pixel is red ink, its gray is replaced by the red channel (red ink
    reflects red light like paper, so the channel shows what lies beneath: a pencil
    stroke, a blue tick) and, when nothing dark lies beneath, by the paper level.
    Pixels that are not red keep exactly the plain gray conversion.
    """
    img = _as_uint8(image)
    if img.ndim != 3 or img.shape[2] < 3:
        return to_gray(img), 0.0
    bgr = np.ascontiguousarray(img[:, :, :3])
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    w = _redness(bgr)
    if not w.any():
        return gray, 0.0
    removed = float((w >= SURE_RED).mean())
    paper = _local_paper(gray)
    r = bgr[:, :, 2].astype(np.float32)
    clear = np.clip((r / np.maximum(paper, 1.0) - UNDER_DARK) / (UNDER_CLEAR - UNDER_DARK), 0.0, 1.0)
    target = np.maximum(r + (np.maximum(paper, r) - r) * clear, gray)  # never darker
    out = gray + w * (target - gray)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), removed


def _local_paper(gray: np.ndarray) -> np.ndarray:
    """The paper level around each pixel, reaching past a seal (max filter on a 1/4 copy)."""
    h, w = gray.shape
    f = 4
    small = cv2.resize(gray, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    # SEAL_REACH_MM at 200 dpi at least; an A4 page's short side (210 mm) tells a finer scan
    reach = max(SEAL_REACH_MM * 200 / 25.4, min(h, w) * SEAL_REACH_MM / 210.0)
    k = int(reach / f) * 2 + 1
    paper = cv2.dilate(small, np.ones((k, k), np.uint8))
    paper = cv2.resize(cv2.blur(paper, (k, k)), (w, h), interpolation=cv2.INTER_LINEAR)
    return paper.astype(np.float32)


def colour_ink_ratio(image: np.ndarray) -> float:
    """Share of the page's pixels that red dropout removes (0 for gray input): a page signal.

    Counts pixels at least :data:`SURE_RED` red ink. One 10-15 mm seal on an A4 page at
    200 dpi measured 0.0005-0.0011; phone photos on a brown desk without a seal 0-0.00004.
    """
    img = _as_uint8(image)
    if img.ndim != 3 or img.shape[2] < 3:
        return 0.0
    return float((_redness(np.ascontiguousarray(img[:, :, :3])) >= SURE_RED).mean())


def normalize_contrast(gray: np.ndarray) -> np.ndarray:
    """Stretch so paper is white and ink is dark (1st/99.5th percentile)."""
    lo, hi = np.percentile(gray[:: 4, :: 4], (1, 99.5))
    if hi - lo < 30:  # flat page (blank or solid); leave as is
        return gray
    out = (gray.astype(np.float32) - lo) * (255.0 / (hi - lo))
    return out.clip(0, 255).astype(np.uint8)


def denoise(gray: np.ndarray) -> np.ndarray:
    """Remove salt-and-pepper specks without thinning strokes."""
    return cv2.medianBlur(gray, 3)


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark pixels (ink) as a bool mask; robust to uneven lighting."""
    thr = cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 25
    )
    return thr > 0


@dataclass(frozen=True)
class PageCheck:
    too_small: bool
    blank: bool
    ink_ratio: float


def check_page(gray: np.ndarray) -> PageCheck:
    """Decide whether a page is too small to read or blank (ignoring scanner edges)."""
    h, w = gray.shape[:2]
    if min(h, w) < MIN_SIDE_PX:
        return PageCheck(too_small=True, blank=False, ink_ratio=0.0)
    mh, mw = int(h * 0.04), int(w * 0.04)  # scanner edge shadows are not content
    inner = gray[mh : h - mh, mw : w - mw]
    small = cv2.resize(inner, (inner.shape[1] // 2, inner.shape[0] // 2), interpolation=cv2.INTER_AREA)
    mask = ink_mask(cv2.medianBlur(small, 3))
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    ratio = float(mask.mean())
    blank = ratio < BLANK_INK_RATIO and dense_ink_blocks(inner) < BLANK_TEXT_BLOCKS
    return PageCheck(too_small=False, blank=blank, ink_ratio=ratio)


def dense_ink_blocks(gray: np.ndarray) -> int:
    """How many blocks (~1/34 of the short side) of full-resolution ink hold over
    :data:`BLANK_BLOCK_INK` ink: printed text does, scanner noise does not."""
    h, w = gray.shape[:2]
    b = max(8, min(h, w) // 34)
    hh, ww = h // b * b, w // b * b
    if hh == 0 or ww == 0:
        return 0
    ink = ink_mask(gray[:hh, :ww]).astype(np.float32)
    blocks = ink.reshape(hh // b, b, ww // b, b).mean(axis=(1, 3))
    return int((blocks > BLANK_BLOCK_INK).sum())


def rotate_quadrant(gray: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate by a multiple of 90° counter-clockwise (exact, no interpolation)."""
    k = (degrees // 90) % 4
    return np.ascontiguousarray(np.rot90(gray, k)) if k else gray


def estimate_skew(gray: np.ndarray, max_deg: float = 5.0) -> float:
    """Skew of the page's text lines in degrees (positive = counter-clockwise).

    Used for pages without registration marks; forms are deskewed by alignment.
    """
    small = gray
    scale = 1000.0 / max(gray.shape)
    if scale < 1:
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    edges = cv2.Canny(small, 50, 150)
    lines = cv2.HoughLinesP(edges, 1, np.pi / 720, threshold=80,
                            minLineLength=small.shape[1] // 6, maxLineGap=5)
    if lines is None:
        return 0.0
    angles = []
    for x1, y1, x2, y2 in lines[:, 0, :]:
        ang = float(np.degrees(np.arctan2(y1 - y2, x2 - x1)))
        if abs(ang) <= max_deg:
            angles.append(ang)
    return float(np.median(angles)) if angles else 0.0


def deskew(gray: np.ndarray, angle_deg: float) -> np.ndarray:
    if abs(angle_deg) < 0.05:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle_deg, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255,))
