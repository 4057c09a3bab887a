"""Page clean-up before identification: gray, contrast, noise, blank and skew checks.

All functions take and return numpy arrays; no file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MIN_SIDE_PX = 500  # below this an A4 page is under ~60 dpi: unreadable
BLANK_INK_RATIO = 0.0015  # share of dark pixels under which a page is blank


def to_gray(image: np.ndarray) -> np.ndarray:
    """Any 1-bit/gray/BGR/BGRA image → uint8 gray."""
    img = image
    if img.dtype == bool:
        img = img.astype(np.uint8) * 255
    elif img.dtype != np.uint8:
        lo, hi = float(img.min()), float(img.max())
        scale = 255.0 / (hi - lo) if hi > lo else 1.0
        img = ((img.astype(np.float32) - lo) * scale).clip(0, 255).astype(np.uint8)
    if img.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if img.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        img = cv2.cvtColor(img, code)
    return np.ascontiguousarray(img)


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
    return PageCheck(too_small=False, blank=ratio < BLANK_INK_RATIO, ink_ratio=ratio)


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
