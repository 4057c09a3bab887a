"""Page-quality measures the calibration weighs and the page gate checks.

Each measure is cheap (computed on a page scaled to ~1,000 px wide), returns a
plain float and means the same on any scanner: blur lowers ``sharpness``, a
1-bit fax-style page has ``binary`` near 1, a phone photo has high ``shading``,
a red seal raises ``colour``. Names are in :mod:`domain.signals`.
"""

from __future__ import annotations

import cv2
import numpy as np

from domain import signals as sig
from ocr import preprocess

WORK_WIDTH = 1000  # px: measures are taken on the page scaled to this width


def _small(gray: np.ndarray) -> np.ndarray:
    h, w = gray.shape[:2]
    if w <= WORK_WIDTH:
        return gray
    return cv2.resize(gray, (WORK_WIDTH, max(1, round(h * WORK_WIDTH / w))), interpolation=cv2.INTER_AREA)


def paper_level(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness around each pixel (ink removed by a wide max filter)."""
    k = max(15, (min(gray.shape) // 40) | 1)
    return cv2.GaussianBlur(cv2.dilate(gray, np.ones((k, k), np.uint8)), (0, 0), k / 2)


def page_quality(image: np.ndarray, gray: np.ndarray) -> dict[str, float]:
    """Quality signals of one page: ``image`` as scanned (gray or colour), ``gray`` its gray form."""
    g = _small(gray)
    paper = paper_level(g).astype(np.float32)
    lo, hi = np.percentile(paper, (2, 98))
    shading = float((hi - lo) / 255.0)
    flat = np.clip(g.astype(np.float32) * 255.0 / np.maximum(paper, 1.0), 0, 255)
    dark = flat < 160
    ink = float(np.percentile(flat[dark], 10)) if dark.sum() > 50 else 255.0
    contrast = max(0.0, (float(np.median(paper)) - ink) / 255.0)
    not_white = g < 225
    mid = (g > 30) & not_white
    binary = 1.0 - float(mid.sum()) / max(1.0, float(not_white.sum()))
    sharp = 0.0
    if dark.sum() > 50:
        lap = np.abs(cv2.Laplacian(flat, cv2.CV_32F, ksize=3))
        edge = cv2.dilate(dark.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~dark
        vals = lap[edge]
        sharp = float(np.percentile(vals, 90) / 255.0 / max(contrast, 0.05)) if vals.size else 0.0
    return {
        sig.SHARPNESS: round(sharp, 4),
        sig.CONTRAST: round(contrast, 4),
        sig.BINARY: round(binary, 4),
        sig.SHADING: round(shading, 4),
        sig.COLOUR_INK: round(preprocess.colour_ink_ratio(image), 5) if image.ndim == 3 else 0.0,
    }
