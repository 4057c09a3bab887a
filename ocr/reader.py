"""The Reader: what reading a page needs (templates, recogniser, calibration), built once.

It also caches what is costly to make per template page: the blank page each field
is compared with, and the structure candidates identification matches against.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

import cv2
import numpy as np

from domain.calibration import Calibration
from domain.model import FormTemplate
from ocr import identify
from ocr.recognizer import Recognizer

log = logging.getLogger(__name__)
MM_PER_INCH = 25.4


@dataclass
class Reader:
    """Everything read_page needs, built once by the composition root.

    ``templates`` holds one version of each form, keyed by id as callers look them
    up (services.compose: the latest usable one, see :func:`usable_templates`);
    ``versions`` every version on disk, keyed by (id, version). A
    page's QR code names its version; a page without one is matched on its print
    against every active version (drafts only with ``include_drafts``), and
    versions that print the same page count once, as the latest. ``force`` reads
    every page as that one template (``yomitori templates check``).
    """

    templates: dict[str, FormTemplate]
    recognizer: Recognizer
    # the blank page (template, page, dpi) → gray image: rendered, or a scanned form's reference
    blank_renderer: Callable[[FormTemplate, int, int], np.ndarray]
    calibration: Calibration | None = None
    dpi: int = 200
    today: date = field(default_factory=date.today)
    versions: dict[tuple[str, int], FormTemplate] = field(default_factory=dict)
    include_drafts: bool = False
    force: FormTemplate | None = None
    # fields a printed ID copy's exact agreement may accept (domain.copy_accept; measured evidence only)
    copy_accept_fields: frozenset[str] = frozenset()
    _blanks: dict[tuple[str, int], np.ndarray] = field(default_factory=dict, repr=False)
    _candidates: list[identify.StructureCandidate] | None = field(default=None, repr=False)

    def blank(self, template: FormTemplate, page: int) -> np.ndarray:
        key = (template.key, page)
        if key not in self._blanks:
            self._blanks[key] = self.blank_renderer(template, page, self.dpi)
        return self._blanks[key]

    def all_versions(self) -> dict[tuple[str, int], FormTemplate]:
        found = {(t.id, t.version): t for t in self.templates.values()}
        found.update(self.versions)
        if self.force is not None:
            found[(self.force.id, self.force.version)] = self.force
        return found

    def identifiable(self) -> list[FormTemplate]:
        """The templates a page may be identified as, latest version of each id first."""
        if self.force is not None:
            return [self.force]
        usable = [t for t in self.all_versions().values()
                  if t.status == "active" or self.include_drafts]
        return sorted(usable, key=lambda t: (t.id, -t.version))

    def lookup(self, template_id: str, version: int) -> FormTemplate | None:
        """The template a page's QR code names, if the reader may use it."""
        for t in self.identifiable():
            if (t.id, t.version) == (template_id, version):
                return t
        return None

    def forcing(self, template: FormTemplate) -> Reader:
        """A reader that reads every page as ``template`` (any status), sharing the recogniser."""
        return replace(self, force=template, _blanks={}, _candidates=None)

    def structure_candidates(self) -> list[identify.StructureCandidate]:
        if self._candidates is None:
            dpi = identify.STRUCTURE_DPI
            kept: list[identify.StructureCandidate] = []
            for t in self.identifiable():
                for p in t.pages:
                    c = identify.StructureCandidate(
                        identify.Identity(t.id, t.version, p.number), p.marks, t.page_size_mm,
                        _downscale(self.blank_renderer(t, p.number, 2 * dpi)),
                    )
                    same = [k for k in kept if (k.identity.template_id, k.identity.page)
                            == (t.id, p.number) and identify.same_print(k, c)]
                    if same:  # an older version printing the same page: the latest is used
                        log.debug("%s page %d prints like version %d", t.key, p.number,
                                  same[0].identity.version)
                        continue
                    kept.append(c)
            self._candidates = kept
        return self._candidates

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / MM_PER_INCH)

    def box_px(self, x: float, y: float, w: float, h: float) -> tuple[int, int, int, int]:
        return (self.px(x), self.px(y), self.px(x + w), self.px(y + h))


def usable_templates(versions: dict[tuple[str, int], FormTemplate],
                     include_drafts: bool = False) -> dict[str, FormTemplate]:
    """Per template id, the latest version a reader may identify pages as.

    A template whose current file is a draft keeps its latest active version; one
    that exists only as a draft is left out (unless ``include_drafts``).
    """
    found: dict[str, FormTemplate] = {}
    for key in sorted(versions):  # (id, version): the latest usable one wins
        t = versions[key]
        if t.status == "active" or include_drafts:
            found[key[0]] = t
    return found


def _downscale(img: np.ndarray) -> np.ndarray:
    return cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)
