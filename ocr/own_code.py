"""A page named by the form's own QR code or barcode (``identifier:`` in its template).

A code that matches a template's declared pattern decides the template (and
version); the page's print still chooses the page and the way up when the code
does not say, and the page is then aligned and quality-checked like any other.
A code matching no template is print: the caller goes on to layout matching.
"""

from __future__ import annotations

import logging

import numpy as np

from domain.model import FormTemplate, PageReading
from domain.status import PageStatus
from ocr import identify
from ocr.codes import find_barcodes
from ocr.reader import Reader

log = logging.getLogger(__name__)
Found = tuple[FormTemplate, identify.Identity, int]


def declaring(reader: Reader) -> list[FormTemplate]:
    """The templates a page may be identified as that declare a code of their own."""
    return [t for t in reader.identifiable() if t.identifier is not None]


def page_codes(gray: np.ndarray, qr: identify.QrHit | None, templates: list[FormTemplate]
               ) -> list[tuple[str, str, int | None]]:
    """(kind, text, rotation or None) of every code that could name one of ``templates``."""
    codes: list[tuple[str, str, int | None]] = []
    if qr is not None:
        codes.append(("qr", qr.text, qr.rotation))
    if any(t.identifier is not None and t.identifier.kind == "barcode" for t in templates):
        codes += [("barcode", text, None) for text in find_barcodes(gray)]
    return codes


def identify_by_own_code(gray: np.ndarray, qr: identify.QrHit | None, reader: Reader,
                         index: int = 0) -> Found | PageReading | None:
    """The template whose declared code the page carries; None when no code names one."""
    templates = declaring(reader)
    if not templates:
        return None
    for kind, text, rotation in page_codes(gray, qr, templates):
        named = [(t, page) for t in templates
                 if t.identifier is not None and (page := t.identifier.match(kind, text)) is not None]
        if named:
            return _choose(gray, named, rotation, reader, index)
    return None


def _choose(gray: np.ndarray, named: list[tuple[FormTemplate, int]], rotation: int | None,
            reader: Reader, index: int) -> Found | PageReading:
    wanted = {(t.id, t.version, p.number) for t, page in named for p in t.pages
              if page in (0, p.number)}
    if not wanted:
        log.info("page %d: its own code names a page the template does not have", index)
        return PageReading(index=index, status=PageStatus.UNKNOWN_FORM,
                           reason="form code names a page the template does not have")
    by_key = {(t.id, t.version): t for t, _ in named}
    if len(wanted) == 1 and rotation is not None:  # one page, and the QR says which way up
        tid, version, page = next(iter(wanted))
        log.info("identified by its own QR code: %s v%d page %d", tid, version, page)
        return by_key[(tid, version)], identify.Identity(tid, version, page), rotation
    candidates = [c for c in reader.structure_candidates()
                  if (c.identity.template_id, c.identity.version, c.identity.page) in wanted]
    match = identify.match_structure(gray, candidates, remember=False) if candidates else None
    if match is None:
        if len(wanted) > 1:  # the code names the form, but which page cannot be told
            log.info("page %d: own code names a form, its print matches none of its pages", index)
            return PageReading(index=index, status=PageStatus.UNIDENTIFIED,
                               reason="form code found but the page's print could not be aligned")
        tid, version, page = next(iter(wanted))
        log.info("page %d: own code names %s v%d, print not aligned; alignment decides", index, tid, version)
        return by_key[(tid, version)], identify.Identity(tid, version, page), rotation or 0
    ident = match.identity
    log.info("identified by its own code and print: %s v%d page %d (score %.2f)",
             ident.template_id, ident.version, ident.page, match.score)
    return by_key[(ident.template_id, ident.version)], ident, match.rotation if rotation is None else rotation
