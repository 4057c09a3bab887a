"""Read a stored original: every page's reading, its image (PNG) and its fields' review crops.

Split from :mod:`services.worker`, which decides what happens to the document; this module
only reads. A page read as a form is stored aligned to its template; any other page upright
as scanned and classified as an attachment (ID copy, blank, ...).
"""

from __future__ import annotations

import numpy as np

from domain.errors import ApplicationError, BusinessError
from domain.model import PageReading
from intake.pages import DEFAULT_LIMITS, PageLimits, iter_pages
from ocr import preprocess
from ocr.reader import Reader
from services.attachments import classify_attachment
from services.forced_read import read_one
from store.files import ContentStore
from store.page_decisions import Forced

PNG_COMPRESSION = 3  # 0-9: 3 is ~3x faster than the default 6 for ~5 % more bytes


def encode_png(gray: np.ndarray) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".png", gray, [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
    if not ok:  # pragma: no cover - cv2 fails only on absurd input
        raise ApplicationError("PNG encoding failed")
    return bytes(buf)


CROP_MARGIN_PX = 8  # context around a field's box in its review crop


def field_crops(index: int, reading: PageReading, aligned: np.ndarray) -> dict[tuple[int, str], bytes]:
    """PNG crops of every field, cut from the aligned page (what the reviewer sees)."""
    out: dict[tuple[int, str], bytes] = {}
    h, w = aligned.shape[:2]
    for f in reading.fields:
        if f.bbox_px is None:
            continue
        x, y, bw, bh = f.bbox_px
        x0, y0 = max(0, x - CROP_MARGIN_PX), max(0, y - CROP_MARGIN_PX)
        x1, y1 = min(w, x + bw + CROP_MARGIN_PX), min(h, y + bh + CROP_MARGIN_PX)
        if x1 > x0 and y1 > y0:
            out[(index, f.field_id)] = encode_png(aligned[y0:y1, x0:x1])
    return out


def read_document(files: ContentStore, reader: Reader, document_id: int, original_path: str | None,
                  limits: PageLimits = DEFAULT_LIMITS, forced: dict[int, Forced] | None = None,
                  outcomes: dict[int, str | None] | None = None,
                  page_range: tuple[int, int] | None = None, copy_lines: dict[int, list[str]] | None = None,
                  copy_boxes: dict[int, list[tuple[int, int, int, int] | None]] | None = None,
                  copy_scores: dict[int, list[float | None]] | None = None
                  ) -> tuple[list[PageReading], list[bytes], dict[tuple[int, str], bytes]]:
    """Read every page of a stored original: readings, page images (PNG) and field crops.

    A page read as a form is stored aligned to its template (the field boxes fit it);
    any other page upright as scanned. ``forced``: pages a person said to read as a
    given template (:mod:`services.forced_read`); their result (None, or a failure code)
    goes into ``outcomes``. ``page_range``: only source pages first..last (an envelope
    cut from a stack scan, :mod:`store.envelopes`); indexes stay the file's.
    """
    if not original_path:
        raise ApplicationError(f"document {document_id} has no stored original")
    path = files.path(original_path)
    if not path.is_file():
        raise ApplicationError(f"document {document_id}: original missing from the content store")
    pages: list[PageReading] = []
    images: list[bytes] = []
    crops: dict[tuple[int, str], bytes] = {}
    for i, image in enumerate(iter_pages(path, limits=limits, colour=True)):
        if page_range is not None and not page_range[0] <= i <= page_range[1]:
            continue
        reading, aligned, failure = read_one(image, reader, i, (forced or {}).get(i))
        if forced and i in forced and outcomes is not None:
            outcomes[i] = failure
        if aligned is not None:
            images.append(encode_png(aligned))
            crops.update(field_crops(i, reading, aligned))
        else:
            upright = preprocess.rotate_quadrant(preprocess.to_gray(image), reading.orientation)
            reading = classify_attachment(reading, upright, reader, copy_lines, copy_boxes, copy_scores)
            images.append(encode_png(upright))
        pages.append(reading)
    if not pages:  # iter_pages raises for empty files; an image with no frame ends here
        raise BusinessError("no pages", "ページがありません", "no_pages")
    return pages, images, crops
