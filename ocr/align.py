"""Map an upright page image onto its template's coordinate frame.

Registration marks first (four filled corner squares); ORB feature matching with
a RANSAC homography against the rendered blank form as the fallback. Every
alignment reports a quality in 0..1; a page below ``MIN_QUALITY`` is refused
(a person looks at it) instead of being read as garbage.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from domain.model import Mark

MIN_QUALITY = 0.5
MM_PER_INCH = 25.4


@dataclass(frozen=True)
class Alignment:
    homography: np.ndarray  # 3x3, image px → canonical px
    quality: float
    method: str  # "marks" | "features"
    residual_mm: float
    scale: float  # recovered canonical/image scale
    rotation_deg: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.quality >= MIN_QUALITY


def _find_mark(binary: np.ndarray, expect: tuple[float, float], side_px: float,
               radius: float) -> tuple[float, float] | None:
    """Centroid of the filled square nearest ``expect`` within ``radius`` px."""
    h, w = binary.shape
    x0, y0 = max(0, int(expect[0] - radius)), max(0, int(expect[1] - radius))
    x1, y1 = min(w, int(expect[0] + radius)), min(h, int(expect[1] + radius))
    if x1 - x0 < side_px or y1 - y0 < side_px:
        return None
    win = binary[y0:y1, x0:x1]
    n, _, stats, cents = cv2.connectedComponentsWithStats(win, connectivity=8)
    best: tuple[float, tuple[float, float]] | None = None
    for i in range(1, n):
        _, _, bw, bh, area = stats[i]
        if not (0.6 * side_px <= bw <= 1.6 * side_px and 0.6 * side_px <= bh <= 1.6 * side_px):
            continue
        if area < 0.75 * bw * bh or not 0.75 <= bw / bh <= 1.33:
            continue
        cx, cy = cents[i][0] + x0, cents[i][1] + y0
        dist = float(np.hypot(cx - expect[0], cy - expect[1]))
        if best is None or dist < best[0]:
            best = (dist, (float(cx), float(cy)))
    return best[1] if best else None


def _describe(h: np.ndarray) -> tuple[float, float]:
    """Scale and rotation (degrees) of the linear part of a homography."""
    a = h[:2, :2] / h[2, 2]
    scale = float(np.sqrt(abs(np.linalg.det(a))))
    rot = float(np.degrees(np.arctan2(a[1, 0], a[0, 0])))
    return scale, rot


def align_by_marks(gray: np.ndarray, marks: list[Mark], page_mm: tuple[float, float],
                   dpi: int) -> Alignment | None:
    """Find the corner marks and fit image → canonical (``dpi``) homography."""
    w = gray.shape[1]
    px_per_mm = w / page_mm[0]  # first guess of the scan's resolution
    binary = (gray < 110).astype(np.uint8)
    found_img, found_tpl = [], []
    for mark in marks:
        cx, cy = mark.center
        hit = _find_mark(binary, (cx * px_per_mm, cy * px_per_mm), mark.size * px_per_mm,
                         radius=22 * px_per_mm)
        if hit is not None:
            found_img.append(hit)
            found_tpl.append((cx * dpi / MM_PER_INCH, cy * dpi / MM_PER_INCH))
    if len(found_img) < 3:
        return None
    src = np.array(found_img, np.float64)
    dst = np.array(found_tpl, np.float64)
    if len(found_img) == 4:
        hom = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))
    else:
        hom = np.vstack([cv2.getAffineTransform(src.astype(np.float32), dst.astype(np.float32)),
                         [0, 0, 1]])
    # consistency: an affine fit through all marks should leave a tiny residual
    aff, _ = cv2.estimateAffine2D(src, dst, method=cv2.LMEDS)
    if aff is None:
        return None
    pred = src @ aff[:, :2].T + aff[:, 2]
    residual_mm = float(np.sqrt(((pred - dst) ** 2).sum(axis=1).mean())) * MM_PER_INCH / dpi
    scale, rot = _describe(hom)
    expected_scale = dpi / MM_PER_INCH / px_per_mm
    scale_err = abs(scale / expected_scale - 1.0)
    quality = 1.0
    quality -= min(1.0, residual_mm / 2.0)  # 1 mm of disagreement costs half the score
    quality -= 0.15 * (4 - len(found_img))
    if scale_err > 0.12 or abs(rot) > 6:
        quality = min(quality, 0.2)
    return Alignment(hom, max(0.0, quality), "marks", residual_mm, scale, rot,
                     f"{len(found_img)}/4 marks")


def align_by_features(gray: np.ndarray, reference: np.ndarray, page_width_mm: float,
                      n_features: int = 5000) -> Alignment | None:
    """ORB + ratio test + RANSAC homography onto the rendered blank ``reference``."""
    orb = cv2.ORB_create(nfeatures=n_features)  # type: ignore[attr-defined]
    k1, d1 = orb.detectAndCompute(gray, None)
    k2, d2 = orb.detectAndCompute(reference, None)
    if d1 is None or d2 is None or len(k1) < 20 or len(k2) < 20:
        return None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    good = []
    for pair in matcher.knnMatch(d1, d2, k=2):
        if len(pair) == 2 and pair[0].distance < 0.75 * pair[1].distance:
            good.append(pair[0])
    if len(good) < 20:
        return None
    src = np.array([k1[m.queryIdx].pt for m in good], np.float32)
    dst = np.array([k2[m.trainIdx].pt for m in good], np.float32)
    hom, inliers = cv2.findHomography(src, dst, cv2.RANSAC, 4.0)
    if hom is None or inliers is None:
        return None
    inl = inliers.ravel().astype(bool)
    ratio = float(inl.mean())
    proj = cv2.perspectiveTransform(src[inl].reshape(-1, 1, 2), hom).reshape(-1, 2)
    err_px = float(np.sqrt(((proj - dst[inl]) ** 2).sum(axis=1).mean()))
    scale, rot = _describe(hom)
    expected = reference.shape[1] / gray.shape[1]
    quality = min(1.0, ratio * 2.0) * max(0.0, 1.0 - err_px / 8.0)
    if abs(scale / expected - 1) > 0.15 or abs(rot) > 8 or int(inl.sum()) < 25:
        quality = min(quality, 0.2)
    dpmm = reference.shape[1] / page_width_mm
    return Alignment(hom, quality, "features", err_px / dpmm, scale, rot,
                     f"{int(inl.sum())} inliers of {len(good)}")


def warp(gray: np.ndarray, alignment: Alignment, size: tuple[int, int]) -> np.ndarray:
    """Resample the page into the canonical frame (``size`` = width, height)."""
    return cv2.warpPerspective(gray, alignment.homography, size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=(255,))
