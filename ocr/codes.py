"""Barcodes printed on a page (a form's own identifier: domain.identifier).

QR codes are found by :func:`ocr.identify.find_qr` (every page is looked at for ours).
Linear barcodes are looked for only when some template declares one as its
identifier: OpenCV's detector (no model file) reads EAN-13, EAN-8, UPC-A and UPC-E.
Code 128 / Code 39 / NW-7 are not read by OpenCV 4.10 and so cannot identify a form yet.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)
MAX_SIDE = 2400  # px: barcodes on a 300 dpi A4 page stay readable, the detector stays fast


def find_barcodes(gray: np.ndarray) -> list[str]:
    """The texts of every linear barcode OpenCV decodes on the page (page order, no duplicates)."""
    detector = cv2.barcode.BarcodeDetector()
    scale = min(1.0, MAX_SIDE / max(gray.shape[:2]))
    img = gray if scale >= 1.0 else cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    found: list[str] = []
    for candidate in (img, cv2.threshold(img, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]):
        try:
            ok, texts, _kinds, _points = detector.detectAndDecodeWithType(candidate)
        except cv2.error:
            continue
        if ok:
            found += [t for t in texts if t and t not in found]
        if found:
            break
    log.debug("barcodes decoded: %d", len(found))
    return found
