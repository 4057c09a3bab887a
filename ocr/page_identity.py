"""Which form a page is: template, version, page and the quarter turns that make it upright.

QR first (it names the version), else the page's printed structure against every
usable template page. A page that is none of them comes back as a PageReading
saying why.
"""

from __future__ import annotations

import logging

import numpy as np

from domain.model import FormTemplate, PageReading
from domain.status import PageStatus
from ocr import identify
from ocr.reader import Reader

log = logging.getLogger(__name__)


def page_status(index: int, status: PageStatus, reason: str, **kw: object) -> PageReading:
    """A page that was not read, and why (logged in English, shown in Japanese by code)."""
    log.info("page %d: %s (%s)", index, status, reason)
    return PageReading(index=index, status=status, reason=reason, **kw)


MIN_STRUCTURE_SCORE = 0.45  # correlation of printed structure with the blank form
MIN_STRUCTURE_MARGIN = 0.08  # over the best other template page
# Below this a page aligned by its print alone is not form-like at all (an ID copy,
# a letter): measured 0.02-0.15 for ID copies against a ruled city form, 0.8+ for its scans.
MIN_FORMLIKE_SCORE = 0.25


def identify_page(gray: np.ndarray, reader: Reader, index: int = 0
                  ) -> tuple[FormTemplate, identify.Identity, int] | PageReading:
    """Which template, version and page, and the quarter turns that make it upright.

    QR first (it names the version); else the print of every usable template page.
    A page that is not one of them comes back as a PageReading saying why.
    """
    qr = identify.find_qr(gray)
    if qr is not None:
        ident = identify.parse_payload(qr.text)
        template = reader.lookup(ident.template_id, ident.version) if ident else None
        if ident is None or template is None:
            return page_status(index, PageStatus.UNKNOWN_FORM, "form identifier not among the templates")
        if not 1 <= ident.page <= len(template.pages):
            return page_status(index, PageStatus.UNKNOWN_FORM, f"template has no page {ident.page}")
        return template, ident, qr.rotation
    match = identify.match_structure(gray, reader.structure_candidates())
    if match is None:
        return page_status(index, PageStatus.NON_FORM, "no form identifier and no registration marks")
    if not match.by_marks and match.score < MIN_FORMLIKE_SCORE:
        return page_status(index, PageStatus.NON_FORM,
                       f"no form identifier and the print matches no form (score {match.score:.2f})")
    if match.score < MIN_STRUCTURE_SCORE or match.margin < MIN_STRUCTURE_MARGIN:
        found = "marks found but layout" if match.by_marks else "layout"
        return page_status(index, PageStatus.UNKNOWN_FORM,
                       f"{found} matches no template (score {match.score:.2f}, "
                       f"margin {match.margin:.2f})")
    log.info("identified by structure: %s v%d page %d (score %.2f, margin %.2f)",
             match.identity.template_id, match.identity.version, match.identity.page,
             match.score, match.margin)
    template = reader.all_versions()[(match.identity.template_id, match.identity.version)]
    return template, match.identity, match.rotation
