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


def find_qr(gray: np.ndarray) -> QrHit | None:
    """Decode the page's QR code, trying a few scales (scans vary from 150 to 600 dpi)."""
    detector = cv2.QRCodeDetector()
    h, w = gray.shape[:2]
    for target in (1400, 2000, 1000, max(h, w)):
        scale = min(1.0, target / max(h, w))
        img = gray if scale == 1.0 else cv2.resize(
            gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
        )
        for candidate in (img, cv2.threshold(img, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]):
            try:
                text, points, _ = detector.detectAndDecode(candidate)
            except cv2.error:
                continue
            if text and points is not None:
                return QrHit(text=text, corners=points.reshape(4, 2).astype(np.float64) / scale)
    return None
