"""Skew of a blank form page from its printed lines (projection-profile search, pure numpy).

Forms are full of long horizontal rules and text lines: the angle at which the
row histogram of the ink is sharpest (largest sum of squares) is the skew. A
coarse search over ±max_deg in 0.1° steps is refined in 0.01° steps.
"""

from __future__ import annotations

import cv2
import numpy as np

MAX_POINTS = 250_000


def estimate_skew(gray: np.ndarray, max_deg: float = 3.0) -> float:
    """Counter-clockwise skew of the page content in degrees (ocr.preprocess.deskew's convention)."""
    ink = gray < min(200, int(np.percentile(gray, 50)) - 40)
    ys, xs = np.nonzero(ink)
    if ys.size < 100:
        return 0.0
    if ys.size > MAX_POINTS:
        pick = np.random.default_rng(0).choice(ys.size, MAX_POINTS, replace=False)
        ys, xs = ys[pick], xs[pick]
    yf, xf = ys.astype(np.float64), xs.astype(np.float64) - gray.shape[1] / 2

    def score(deg: float) -> float:
        y = yf + xf * np.tan(np.radians(deg))
        hist = np.bincount(np.clip(y - y.min(), 0, None).astype(np.int64))
        return float(np.dot(hist, hist))

    coarse = [float(a) for a in np.arange(-max_deg, max_deg + 1e-9, 0.1)]
    best = max(coarse, key=score)
    fine = max((best + 0.01 * k for k in range(-10, 11)), key=score)
    return round(float(fine), 2)


def deskew(gray: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate the content back by ``angle_deg`` (white fill)."""
    if abs(angle_deg) < 0.03:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle_deg, 1.0)
    out = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255,))
    return np.asarray(out, dtype=np.uint8)
