"""Which template, version and page is this image, and which way up is it?

Every yomitori form page carries a QR code with ``yomitori:<id>:<version>:<page>``
(see forms/render.py). The QR's corner order also tells the page orientation, so
one decode gives identity and rotation. File names are never used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np

QR_PATTERN = re.compile(r"^yomitori:([a-z][a-z0-9_]*):(\d+):(\d+)$")


@dataclass(frozen=True)
class QrHit:
    text: str
    corners: np.ndarray  # 4x2 float, QR's own top-left, top-right, bottom-right, bottom-left

    @property
    def rotation(self) -> int:
        """Counter-clockwise quarter turns (degrees) that make the page upright."""
        tl, tr = self.corners[0], self.corners[1]
        dx, dy = tr[0] - tl[0], tr[1] - tl[1]
        angle = float(np.degrees(np.arctan2(dy, dx)))  # 0 = upright, 90 = page turned clockwise
        quadrant = round(angle / 90.0) % 4
        # a page turned clockwise by 90° needs a counter-clockwise quarter turn
        return int(quadrant * 90)


@dataclass(frozen=True)
class Identity:
    template_id: str
    version: int
    page: int


def parse_payload(text: str) -> Identity | None:
    m = QR_PATTERN.match(text.strip())
    if not m:
        return None
    return Identity(m.group(1), int(m.group(2)), int(m.group(3)))


def _corner_regions(h: int, w: int) -> list[tuple[int, int, int, int]]:
    """The four page corners (x0, y0, x1, y1): the QR sits in one, whatever the rotation."""
    cw, ch = int(w * 0.32), int(h * 0.32)
    return [(0, h - ch, cw, h), (w - cw, 0, w, ch), (0, 0, cw, ch), (w - cw, h - ch, w, h)]


def _decode(detector: cv2.QRCodeDetector, img: np.ndarray) -> tuple[str, np.ndarray] | None:
    # as scanned; Otsu-binarised; and thinned (1-bit fax scans bleed dark modules together)
    thinned = cv2.morphologyEx(img, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    otsu = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    for candidate in (img, otsu, thinned):
        try:
            text, points, _ = detector.detectAndDecode(candidate)
        except cv2.error:
            continue
        if text and points is not None:
            return text, points.reshape(4, 2).astype(np.float64)
    return None


def find_qr(gray: np.ndarray, detector: cv2.QRCodeDetector | None = None) -> QrHit | None:
    """Decode the page's QR code: corners first (fast, fewer false patterns), then the page.

    The decoder runs only on a region where :class:`ocr.qr_finder.QrGate` sees three
    finder-pattern-like crosses placed as a code's are, measured on the very image the
    decoder would get (a page of print with no QR code shows none: an ID copy no longer
    pays ~0.3 s for the decoder's search). ``detector``: for tests (counts its calls).
    """
    from ocr.qr_finder import QrGate

    detector = detector or cv2.QRCodeDetector()
    h, w = gray.shape[:2]
    scale = min(1.0, 2000 / max(h, w))  # scans vary from 150 to 600 dpi
    for x0, y0, x1, y1 in [*_corner_regions(h, w), (0, 0, w, h)]:
        region = gray[y0:y1, x0:x1]
        if scale < 1.0:
            region = cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if not QrGate.of(region).allows():
            continue
        hit = _decode(detector, region)
        if hit is not None:
            text, pts = hit
            return QrHit(text=text, corners=pts / scale + np.array([x0, y0], np.float64))
    return None


@dataclass(frozen=True)
class StructureCandidate:
    """A template page as the structure matcher sees it: marks and a low-res blank.

    A page without marks (a city's own form) is aligned onto ``blank`` by its
    print instead (phase correlation + ECC, see :func:`align_to_blank`).
    """

    identity: Identity
    marks: list  # list[domain.model.Mark]
    page_mm: tuple[float, float]
    blank: np.ndarray  # blank form at STRUCTURE_DPI

    @property
    def has_marks(self) -> bool:
        return len(self.marks) >= 3


STRUCTURE_DPI = 50
SAME_PRINT = 0.985  # two template pages whose blanks correlate this well print the same


@dataclass(frozen=True)
class StructureMatch:
    identity: Identity
    rotation: int
    score: float  # correlation of printed structure, -1..1
    margin: float  # score minus the best other template page's score
    by_marks: bool = True  # aligned by registration marks (else by the print alone)
    runner_up: Identity | None = None  # the best other template page (what the margin is over)
    runner_up_score: float | None = None


def _structure(gray: np.ndarray) -> np.ndarray:
    """Ink as float, blurred so a few mm of misregistration still correlate."""
    inv = (255.0 - gray.astype(np.float32)) / 255.0
    return cv2.GaussianBlur(inv, (0, 0), 1.2)


def correlation(a_img: np.ndarray, b_img: np.ndarray) -> float:
    """Correlation of two same-size pages' printed structure, -1..1."""
    a, b = _structure(a_img).ravel(), _structure(b_img).ravel()
    a, b = a - a.mean(), b - b.mean()
    denom = float(np.linalg.norm(a) * np.linalg.norm(b)) or 1.0
    return float(a @ b) / denom


def same_print(a: StructureCandidate, b: StructureCandidate) -> bool:
    """True when two template pages print the same (e.g. versions that changed only boxes)."""
    if a.blank.shape != b.blank.shape or a.has_marks != b.has_marks:
        return False
    return correlation(a.blank, b.blank) >= SAME_PRINT


def align_to_blank(gray: np.ndarray, blank: np.ndarray, skew_deg: float) -> np.ndarray | None:
    """Homography from ``gray`` (any resolution, upright) onto ``blank`` (STRUCTURE_DPI), or None."""
    from ocr.align import coarse_alignment

    s = blank.shape[1] / gray.shape[1]
    small = cv2.resize(gray, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    hom = coarse_alignment(small, blank, STRUCTURE_DPI, skew_deg)
    return None if hom is None else hom @ np.diag([s, s, 1.0])


def aligned_small(gray: np.ndarray, c: StructureCandidate, skew: float) -> np.ndarray | None:
    """An upright page resampled onto candidate ``c``'s blank (STRUCTURE_DPI), or None."""
    from ocr.align import align_by_marks, warp

    size = (c.blank.shape[1], c.blank.shape[0])
    if c.has_marks:
        al = align_by_marks(gray, c.marks, c.page_mm, STRUCTURE_DPI)
        return None if al is None or not al.ok else warp(gray, al, size)
    hom = align_to_blank(gray, c.blank, skew)
    if hom is None:
        return None
    return cv2.warpPerspective(gray, hom, size, flags=cv2.INTER_LINEAR, borderValue=(255,))


PREFILTER_KEEP = 3  # scanned candidates fully aligned per rotation (the best by fingerprint)
FINGERPRINT_SHRINK = 6  # 50 dpi blank → ~8 dpi fingerprint


def fingerprint(img: np.ndarray) -> np.ndarray:
    """A page's print at ~8 dpi, blurred: a few mm of placement still correlate."""
    size = (max(1, img.shape[1] // FINGERPRINT_SHRINK), max(1, img.shape[0] // FINGERPRINT_SHRINK))
    small = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur((255.0 - small.astype(np.float32)) / 255.0, (0, 0), 1.0)


def _page_fingerprint(gray: np.ndarray, blank_shape: tuple[int, ...]) -> np.ndarray:
    """``gray`` scaled to the blank's width (its top-left kept, the rest padded white)."""
    h, w = blank_shape[:2]
    s = w / gray.shape[1]
    small = cv2.resize(gray, (w, max(1, round(gray.shape[0] * s))), interpolation=cv2.INTER_AREA)
    canvas = np.full((h, w), 255, np.uint8)
    rows = min(h, small.shape[0])
    canvas[:rows] = small[:rows]
    return fingerprint(canvas)


def _prefilter(gray: np.ndarray, candidates: list[StructureCandidate]) -> list[StructureCandidate]:
    """Every candidate with marks, and the few scanned ones whose fingerprint is closest.

    Aligning onto a scanned form's print costs 0.3-1.4 s per template page; a fingerprint
    correlation costs well under a millisecond, so only the closest scanned pages are aligned.
    """
    from ocr.identify_bank import bank_for

    kept = set(bank_for(candidates).prefilter(gray, PREFILTER_KEEP))
    return [c for i, c in enumerate(candidates) if c.has_marks or i in kept]


def match_structure(gray: np.ndarray, candidates: list[StructureCandidate],
                    remember: bool = True) -> StructureMatch | None:
    """Identify a page without its QR code: align to each candidate, compare the print.

    Candidates with corner marks are aligned by their marks; candidates without
    (scanned city forms) by their print. Rotations 0/180 are tried for portrait
    scans and 90/270 for landscape ones. Returns the best match, or None when no
    candidate could be aligned. What depends only on the templates is prepared once per
    candidate list (``remember``: kept for the next page; :mod:`ocr.identify_bank`).
    """
    from ocr.identify_bank import bank_for
    from ocr.paper import whiten_outside_paper
    from ocr.preprocess import estimate_skew

    gray = whiten_outside_paper(gray)  # scanner edges and the desk are not print
    h, w = gray.shape[:2]
    rotations = (0, 180) if h >= w else (90, 270)
    skew = estimate_skew(gray) if any(not c.has_marks for c in candidates) else 0.0
    bank = bank_for(candidates, remember)
    scored: list[tuple[float, int, Identity, bool]] = []
    for rot in rotations:
        g = np.ascontiguousarray(np.rot90(gray, rot // 90)) if rot else gray
        for i, score in bank.score(g, skew, PREFILTER_KEEP):
            c = candidates[i]
            scored.append((score, rot, c.identity, c.has_marks))
    if not scored:
        return None
    scored.sort(key=lambda t: -t[0])
    best = scored[0]
    others = [s for s in scored if s[2] != best[2]]
    margin = best[0] - (others[0][0] if others else 0.0)
    return StructureMatch(best[2], best[1], best[0], margin, best[3],
                          others[0][2] if others else None, others[0][0] if others else None)
