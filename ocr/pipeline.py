"""read_page: one page image in, one PageReading out. No file I/O here.

orient (QR) → check blank/size → identify (:mod:`ocr.page_identity`) → align (marks,
then features) → read fields (:mod:`ocr.fields`: crop → OCR / OMR → normalise +
validate → calibrate + triage). The :class:`~ocr.reader.Reader` carries templates,
recogniser and calibration.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from domain import signals as sig
from domain.model import FormTemplate, PageReading
from domain.status import PageStatus
from ocr import align, paper, preprocess, quality
from ocr.fields import read_fields
from ocr.page_identity import identify_page, page_status
from ocr.reader import Reader


def read_page(image: np.ndarray, reader: Reader, index: int = 0) -> PageReading:
    """Read one page image (any orientation, 1-bit, gray or colour)."""
    return read_page_with_image(image, reader, index)[0]


def read_page_with_image(image: np.ndarray, reader: Reader, index: int = 0
                         ) -> tuple[PageReading, np.ndarray | None]:
    """Like :func:`read_page`, plus the page aligned to the template (None if not a form).

    Every field's ``bbox_px`` refers to this aligned image, so review crops and the
    highlighted box come from it.
    """
    started = time.perf_counter()
    result, aligned = _read(image, reader, index)
    return result.model_copy(update={"seconds": time.perf_counter() - started}), aligned


def _read(image: np.ndarray, reader: Reader, index: int) -> tuple[PageReading, np.ndarray | None]:
    if image is None or image.size == 0:
        return page_status(index, PageStatus.UNREADABLE_IMAGE, "empty image"), None
    # scanner black edges and the desk under a photo are not the form (ocr.paper)
    gray = paper.whiten_outside_paper(preprocess.to_gray(image))
    check = preprocess.check_page(gray)
    if check.too_small:
        return page_status(index, PageStatus.UNREADABLE_IMAGE,
                           f"image too small {gray.shape[1]}x{gray.shape[0]}"), None
    if check.blank:
        return page_status(index, PageStatus.BLANK, f"ink ratio {check.ink_ratio:.4f}"), None
    found = identify_page(gray, reader, index)
    if isinstance(found, PageReading):
        return found, None
    template, ident, rotation = found
    upright = preprocess.rotate_quadrant(gray, rotation)
    upright = preprocess.normalize_contrast(upright)
    base = {"template_id": template.id, "template_version": template.version,
            "page_number": ident.page, "orientation": rotation}
    al = align_page(upright, template, ident.page, reader)
    if al is None or not al.ok:
        q = al.quality if al else 0.0
        return page_status(index, PageStatus.UNALIGNED, f"alignment quality {q:.2f}",
                           alignment_quality=q, **base), None
    return read_aligned(image, gray, upright, al, template, ident.page, reader, index, rotation)


def read_aligned(image: np.ndarray, gray: np.ndarray, upright: np.ndarray, al: align.Alignment,
                 template: FormTemplate, page_no: int, reader: Reader, index: int, rotation: int
                 ) -> tuple[PageReading, np.ndarray]:
    """Warp an aligned page onto its template and read every field (identified or forced)."""
    width = reader.px(template.page_size_mm[0])
    height = reader.px(template.page_size_mm[1])
    page = preprocess.denoise(align.warp(upright, al, (width, height)))
    # every box is compared with a blank of white paper: grey, shaded or photographed
    # paper must be white too, or it reads as "new ink" (a city's scanned blank, a photo)
    page = flatten_paper(page)
    page_signals = {**quality.page_quality(image, gray), sig.ALIGN_QUALITY: round(al.quality, 4),
                    sig.ALIGN_BY_MARKS: 1.0 if al.method == "marks" else 0.0}
    fields = read_fields(page, template, page_no, reader, page_signals)
    reading = PageReading(index=index, status=PageStatus.READ, reason=al.detail,
                          skew_deg=round(al.rotation_deg, 2), alignment_quality=round(al.quality, 3),
                          fields=fields, template_id=template.id, template_version=template.version,
                          page_number=page_no, orientation=rotation)
    return reading, page


def align_page(upright: np.ndarray, template: FormTemplate, page_no: int,
               reader: Reader) -> align.Alignment | None:
    """The page's homography onto the template: corner marks first, else the blank's print.

    A city's own form has no marks, and marks can be lost (a torn corner, a stamp):
    then the page is aligned on its printed structure, and the better of the two wins.
    Three marks are not enough on their own: they fix an affine exactly, with nothing
    left to check it (a photo's perspective, a blob taken for a mark: measured 2.5 mm
    off at quality 0.85), so the print is tried too and the better alignment kept.
    """
    page_spec = template.page(page_no)
    al = None
    if page_spec.anchor_kind == "marks":
        al = align.align_by_marks(upright, page_spec.marks, template.page_size_mm, reader.dpi)
    if al is None or not al.ok or not al.checked:
        blank = reader.blank(template, page_no)
        feat = align.align_to_reference(upright, blank, template.page_size_mm, reader.dpi,
                                        preprocess.estimate_skew(upright))
        if feat is not None and (al is None or feat.quality > al.quality):
            al = feat
    return al


def flatten_paper(gray: np.ndarray) -> np.ndarray:
    """Divide out the paper level (grey or unevenly lit paper → white), ink kept in proportion.

    A city form's blank is a cleaned scan with white paper; a filled page read
    against it must have white paper too, or every box holds "new ink".
    """
    k = max(15, (min(gray.shape) // 60) | 1)  # wider than any stroke
    paper = cv2.GaussianBlur(cv2.dilate(gray, np.ones((k, k), np.uint8)), (0, 0), k)
    flat = gray.astype(np.float32) * (255.0 / np.maximum(paper.astype(np.float32), 1.0))
    return np.clip(flat, 0, 255).astype(np.uint8)
