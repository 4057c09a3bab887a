"""Map an upright page image onto its template's coordinate frame.

Registration marks first (four filled corner squares). A page without marks (a
city's own form, or our form printed without them) is aligned on the blank
page's print: ORB + RANSAC (or, when features fail, phase correlation + ECC from
the page's skew) for a start, ECC on the print to refine, and the quality is how
much of the blank's print the aligned page reproduces (:func:`align_to_reference`).
Every alignment reports a quality in 0..1; a page below ``MIN_QUALITY`` is refused
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
    method: str  # "marks" | "features" | "structure" (align_to_reference)
    residual_mm: float
    scale: float  # recovered canonical/image scale
    rotation_deg: float
    detail: str = ""
    marks_found: int = 0  # corner marks the fit used (0: not a marks alignment)

    @property
    def checked(self) -> bool:
        """Whether the fit had data to spare: three marks fix an affine exactly, so
        their residual is always zero and a wrong or perspective-bent fit goes unseen."""
        return self.method != "marks" or self.marks_found >= 4

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
                     f"{len(found_img)}/4 marks", marks_found=len(found_img))


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


# ---- pages without marks: align onto the blank page's own print --------------------

ECC_DPI = 100  # scoring resolution (0.25 mm per pixel)
ECC_REFINE_DPI = 50  # ECC refinement resolution (sub-pixel: 0.1 mm typical)
AGREE_TOL_MM = 0.5  # printed ink counts as matched within this distance
AGREE_BAD, AGREE_GOOD = 0.65, 0.97  # print agreement mapped onto quality 0..1


def _small(img: np.ndarray, f: float) -> np.ndarray:
    return cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def _conj(h: np.ndarray, f: float) -> np.ndarray:
    """``h`` (full-size px → full-size px) expressed for both images scaled by ``f``."""
    d = np.diag([f, f, 1.0])
    return d @ h @ np.linalg.inv(d)


def print_agreement(aligned: np.ndarray, blank: np.ndarray, px_per_mm: float) -> float:
    """Share of the blank form's print that the aligned page also has (0..1).

    Handwriting adds ink but never removes print, so on a well aligned page
    nearly every printed pixel of the blank has ink within :data:`AGREE_TOL_MM`;
    a millimetre off, thin rules and small print stop matching.
    """
    solid = (blank < 128).astype(np.uint8)
    # only the outline of solid print counts: rules and characters decide, not a
    # registration mark or QR code the page may lack (a form printed without them)
    printed = (solid > 0) & ~cv2.erode(solid, np.ones((3, 3), np.uint8)).astype(bool)
    total = int(printed.sum())
    if total == 0:
        return 0.0
    paper = float(np.percentile(aligned[::3, ::3], 90))
    ink = (aligned < min(170.0, paper - 45.0)).astype(np.uint8)
    r = max(1, round(AGREE_TOL_MM * px_per_mm))
    near = cv2.dilate(ink, np.ones((2 * r + 1, 2 * r + 1), np.uint8)).astype(bool)
    return float((printed & near).sum()) / total


def _ecc(page: np.ndarray, blank: np.ndarray, h0: np.ndarray, motion: int,
         iterations: int = 60) -> np.ndarray | None:
    """Refine ``h0`` (page px → blank px, both at this scale) by ECC; None if it fails."""
    w0 = np.linalg.inv(h0)
    w0 = w0 / w0[2, 2]
    if motion != cv2.MOTION_HOMOGRAPHY:
        w0[2] = (0.0, 0.0, 1.0)  # scanners move paper affinely; drop perspective from ORB
    warp = w0.astype(np.float32) if motion == cv2.MOTION_HOMOGRAPHY else w0[:2].astype(np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, iterations, 1e-5)
    try:
        _, warp = cv2.findTransformECC(blank.astype(np.float32), page.astype(np.float32), warp,
                                       motion, criteria, None)
    except cv2.error:
        return None
    w = warp if warp.shape[0] == 3 else np.vstack([warp, [0, 0, 1]])
    try:
        h = np.linalg.inv(w.astype(np.float64))
    except np.linalg.LinAlgError:
        return None
    return h / h[2, 2]


def _sane(h: np.ndarray, expected_scale: float, max_rot: float = 8.0) -> bool:
    scale, rot = _describe(h)
    return bool(np.isfinite(h).all()) and abs(scale / expected_scale - 1) <= 0.15 and abs(rot) <= max_rot


def coarse_alignment(scaled: np.ndarray, reference: np.ndarray, dpi: int,
                     skew_deg: float = 0.0) -> np.ndarray | None:
    """A start without features or marks: scaled page → ``reference`` (both at ``dpi``).

    ``scaled`` is the page already scaled to the blank's width. The page's skew
    is undone, phase correlation finds the shift (scanner placement can be off
    by a centimetre), then ECC (affine) at ~25 and ~50 dpi refines.
    """
    h, w = reference.shape[:2]
    hom = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), -skew_deg, 1.0), [0, 0, 1]])
    f0 = min(1.0, 25 / dpi)
    ref0 = _small(reference, f0).astype(np.float32)
    turned = cv2.warpPerspective(_small(scaled, f0), _conj(hom, f0), (ref0.shape[1], ref0.shape[0]),
                                 flags=cv2.INTER_LINEAR, borderValue=(255,)).astype(np.float32)
    (dx, dy), _ = cv2.phaseCorrelate(255 - turned, 255 - ref0)
    hom = np.array([[1, 0, dx / f0], [0, 1, dy / f0], [0, 0, 1]]) @ hom
    for level_dpi in (25, 50):
        f = min(1.0, level_dpi / dpi)
        refined = _ecc(cv2.GaussianBlur(_small(scaled, f), (0, 0), 1.5),
                       cv2.GaussianBlur(_small(reference, f), (0, 0), 1.5),
                       _conj(hom, f), cv2.MOTION_AFFINE, 80)
        if refined is None:
            return None
        hom = _conj(refined, 1 / f)
    return hom


def _refine(scaled: np.ndarray, reference: np.ndarray, hom: np.ndarray, dpi: int) -> np.ndarray | None:
    """ECC (affine) at ECC_REFINE_DPI from ``hom`` (scaled → blank); result at ECC_DPI.

    Affine, not a homography: a flatbed or sheet-fed scan has no perspective, and
    perspective terms drift where the form has little print (measured: 0.6 mm at
    the page corners after a 4° skew, against 0.2 mm affine). At 100 dpi ECC took
    4x as long for no measurable gain.
    """
    f = ECC_REFINE_DPI / dpi
    refined = _ecc(cv2.GaussianBlur(_small(scaled, f), (0, 0), 1.0),
                   cv2.GaussianBlur(_small(reference, f), (0, 0), 1.0),
                   _conj(hom, f), cv2.MOTION_AFFINE, 50)
    return None if refined is None else _conj(refined, ECC_DPI / ECC_REFINE_DPI)


def align_to_reference(gray: np.ndarray, reference: np.ndarray, page_mm: tuple[float, float],
                       dpi: int, skew_deg: float = 0.0) -> Alignment | None:
    """Align a page that has no corner marks onto its blank ``reference`` (at ``dpi``).

    ORB + RANSAC gives a start (a coarse ECC from the page's skew when features
    fail or disagree), ECC on the print refines it, and the quality is how much
    of the blank's print the aligned page reproduces (:func:`print_agreement`),
    so a repeated table grid matched one row off scores low instead of passing.
    ``residual_mm`` is not measured on this path (0.0); the detail names the start.
    """
    s = reference.shape[1] / gray.shape[1]
    f = ECC_DPI / dpi
    px_mm = ECC_DPI / MM_PER_INCH
    scaled = _small(gray, s) if abs(s - 1) > 1e-3 else gray
    ref_small = _small(reference, f)
    page_small = _small(scaled, f)
    starts: list[tuple[str, np.ndarray, str]] = []
    feat = align_by_features(scaled, reference, page_mm[0])
    if feat is not None and _sane(feat.homography, 1.0):
        starts.append(("features", feat.homography, feat.detail))
    best: tuple[float, np.ndarray, str, str] | None = None
    for attempt in range(2):
        if attempt == 1:
            if best is not None and best[0] >= AGREE_GOOD:
                break
            coarse = coarse_alignment(scaled, reference, dpi, skew_deg)
            if coarse is None or not _sane(coarse, 1.0):
                break
            starts = [("ecc", coarse, "coarse ECC")]
        for method, hom, detail in starts:
            refined = _refine(scaled, reference, hom, dpi)
            for h_small, how in ((refined, "+ECC"), (_conj(hom, f), "")):
                if h_small is None or not _sane(h_small, 1.0):
                    continue
                warped = cv2.warpPerspective(page_small, h_small, (ref_small.shape[1], ref_small.shape[0]),
                                             flags=cv2.INTER_LINEAR, borderValue=(255,))
                agree = print_agreement(warped, ref_small, px_mm)
                if best is None or agree > best[0]:
                    best = (agree, _conj(h_small, 1 / f), method + how, detail)
    if best is None:
        return None
    agree, hom, method, detail = best
    quality = float(np.clip((agree - AGREE_BAD) / (AGREE_GOOD - AGREE_BAD), 0.0, 1.0))
    full = hom @ np.diag([s, s, 1.0])
    scale, rot = _describe(full)
    return Alignment(full, quality, "structure", 0.0, scale, rot,
                     f"{method}; print agreement {agree:.2f}; {detail}")
