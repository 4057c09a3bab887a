"""Which form a page is: template, version, page and the quarter turns that make it upright.

QR first (it names the version), then a form's own QR code or barcode when its
template declares one (:mod:`ocr.own_code`), else the page's printed structure
against every usable template page. A page that is none of them comes back as a PageReading
saying why:

* ``unknown_form``: positive evidence of a form we do not know (its yomitori QR names no
  usable template; or our corner marks are there but the layout matches none);
* ``non_form``: positive evidence that it is not a form at all (a card-shaped ID
  copy, or little ink and no form structure: :mod:`ocr.page_kind`);
* ``separator``: a printed yomitori separator sheet between envelopes (domain.envelope);
* ``unidentified``: everything else. A form photographed with its corners cut off
  looks like "no QR, no marks, no print match" too, so it goes to a person.
"""

from __future__ import annotations

import logging

import numpy as np

from domain.envelope import SEPARATOR_PAYLOAD
from domain.model import FormTemplate, PageReading
from domain.status import PageStatus
from ocr import identify, page_kind
from ocr.own_code import identify_by_own_code
from ocr.reader import Reader

log = logging.getLogger(__name__)


def page_status(index: int, status: PageStatus, reason: str, **kw: object) -> PageReading:
    """A page that was not read, and why (logged in English, shown in Japanese by code)."""
    log.info("page %d: %s (%s)", index, status, reason)
    return PageReading(index=index, status=status, reason=reason, **kw)


MIN_STRUCTURE_SCORE = 0.45  # correlation of printed structure with the blank form
MIN_STRUCTURE_MARGIN = 0.08  # over the best other template page


def identify_page(gray: np.ndarray, reader: Reader, index: int = 0
                  ) -> tuple[FormTemplate, identify.Identity, int] | PageReading:
    """Which template, version and page, and the quarter turns that make it upright.

    QR first (it names the version); else the print of every usable template page.
    A page that is not one of them comes back as a PageReading saying why.
    """
    qr = identify.find_qr(gray)
    if qr is not None and qr.text.strip() == SEPARATOR_PAYLOAD:
        return page_status(index, PageStatus.SEPARATOR, "yomitori separator sheet",
                           orientation=qr.rotation)
    ident = identify.parse_payload(qr.text) if qr is not None else None
    if ident is None:
        # a form's own QR code / barcode, when its template declares it (domain.identifier)
        own = identify_by_own_code(gray, qr, reader, index)
        if own is not None:
            return own
    if qr is not None and ident is None:
        # someone else's QR code (a survey service's sheet id, a city's own code) is print
        # like any other: the page is matched on its layout
        log.info("page %d: a QR code that is not yomitori's; matching the layout", index)
    if qr is not None and ident is not None:
        template = reader.lookup(ident.template_id, ident.version)
        if template is None:
            return page_status(index, PageStatus.UNKNOWN_FORM, "form identifier not among the templates")
        if not 1 <= ident.page <= len(template.pages):
            return page_status(index, PageStatus.UNKNOWN_FORM, f"template has no page {ident.page}")
        return template, ident, qr.rotation
    match = identify.match_structure(gray, reader.structure_candidates())
    if match is not None and match.by_marks and match.score < MIN_STRUCTURE_SCORE:
        return page_status(index, PageStatus.UNKNOWN_FORM,
                           f"marks found but layout matches no template (score {match.score:.2f})")
    if match is None or match.score < MIN_STRUCTURE_SCORE:
        return not_identified(gray, index, None if match is None else match.score)
    if match.margin < MIN_STRUCTURE_MARGIN:
        return page_status(index, PageStatus.UNIDENTIFIED,
                           f"layout matches more than one template page (score {match.score:.2f}, "
                           f"margin {match.margin:.2f})")
    log.info("identified by structure: %s v%d page %d (score %.2f, margin %.2f)",
             match.identity.template_id, match.identity.version, match.identity.page,
             match.score, match.margin)
    template = reader.all_versions()[(match.identity.template_id, match.identity.version)]
    return template, match.identity, match.rotation


def not_identified(gray: np.ndarray, index: int, structure_score: float | None) -> PageReading:
    """No QR, no marks, no print match: ``non_form`` only on positive evidence, else ``unidentified``."""
    kind = page_kind.assess(gray, structure_score)
    status = PageStatus.NON_FORM if kind.non_form else PageStatus.UNIDENTIFIED
    return page_status(index, status, f"no form identifier and no template match: {kind.reason}")
