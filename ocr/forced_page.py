"""Read one page as a template a person chose: identification skipped, alignment still required.

A reviewer looked at a page the reader could not identify (its QR and marks lost, a
photo, a city form printed without them) and said "this is form T, version V". The
page is aligned to that template's blank (corner marks first, else its print), trying
the quarter turns that fit the page's shape, and, when no template page was named,
every page of the template. If nothing aligns, the page stays ``unidentified`` and the
failure code (:class:`domain.page_review.ForcedFailure`) says why, so staff are told in
Japanese and can choose again. A forced page is read even if it looks blank to the
blank check (a faint form); an image too small to read is still refused.
"""

from __future__ import annotations

import logging

import numpy as np

from domain.model import FormTemplate, PageReading
from domain.page_review import ForcedFailure
from domain.status import PageStatus
from ocr import align, preprocess
from ocr.pipeline import align_page, read_aligned
from ocr.reader import Reader

log = logging.getLogger(__name__)


def _turns(gray: np.ndarray, template: FormTemplate) -> list[int]:
    """Quarter turns to try, the ones that keep the page's shape like the template's first."""
    h, w = gray.shape[:2]
    tw, th = template.page_size_mm
    same_shape = (h >= w) == (th >= tw)
    return [0, 180, 90, 270] if same_shape else [90, 270, 0, 180]


def _failed(index: int, failure: ForcedFailure, detail: str, template: FormTemplate | None = None,
            quality: float | None = None) -> tuple[PageReading, None, str]:
    log.info("page %d: forced reading failed (%s): %s", index, failure.value, detail)
    extra = {"template_id": template.id, "template_version": template.version} if template else {}
    reading = PageReading(index=index, status=PageStatus.UNIDENTIFIED,
                          reason=f"forced template: {detail}", alignment_quality=quality, **extra)
    return reading, None, failure.value


def read_forced_page(image: np.ndarray, reader: Reader, index: int, template_id: str, version: int,
                     page_number: int | None = None
                     ) -> tuple[PageReading, np.ndarray | None, str | None]:
    """(reading, aligned page or None, failure code or None) for a page read as a chosen template."""
    template = reader.lookup(template_id, version)
    if template is None:
        return _failed(index, ForcedFailure.NOT_AVAILABLE, "template version not usable")
    if page_number is not None and not 1 <= page_number <= len(template.pages):
        return _failed(index, ForcedFailure.NO_SUCH_PAGE, f"template has no page {page_number}", template)
    if image is None or image.size == 0:
        return _failed(index, ForcedFailure.IMAGE, "empty image", template)
    gray = preprocess.to_gray(image)
    if preprocess.check_page(gray).too_small:
        return _failed(index, ForcedFailure.IMAGE, f"image too small {gray.shape[1]}x{gray.shape[0]}",
                       template)
    numbers = [page_number] if page_number is not None else [p.number for p in template.pages]
    best: tuple[float, int, int, np.ndarray, align.Alignment] | None = None
    for turn in _turns(gray, template):
        upright = preprocess.normalize_contrast(preprocess.rotate_quadrant(gray, turn))
        for no in numbers:
            al = align_page(upright, template, no, reader)
            if al is not None and (best is None or al.quality > best[0]):
                best = (al.quality, turn, no, upright, al)
        if best is not None and best[4].ok:
            break  # the first quarter turn that aligns wins: the others are only for upside-down pages
    if best is None or not best[4].ok:
        q = round(best[0], 3) if best else None
        return _failed(index, ForcedFailure.NOT_ALIGNED, f"alignment quality {q}", template, q)
    quality, turn, no, upright, al = best
    log.info("page %d: forced as %s v%d page %d (turn %d, quality %.2f)", index, template.id,
             template.version, no, turn, quality)
    reading, page = read_aligned(image, gray, upright, al, template, no, reader, index, turn)
    return reading.model_copy(update={"reason": f"forced template; {reading.reason}"}), page, None
