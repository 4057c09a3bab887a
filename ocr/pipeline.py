"""read_page: one page image in, one PageReading out. No file I/O here.

orient (QR) → check blank/size → identify → align (marks, then features) →
crop fields → OCR / OMR → normalise + validate → calibrate + triage.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

import cv2
import numpy as np

from domain.calibration import Calibration
from domain.model import FieldReading, FieldSpec, FormTemplate, PageReading
from domain.status import FieldKind, PageStatus
from domain.triage import triage
from domain.validate import alphabet_for, cross_field_issues, normalize_field, normalize_marks
from ocr import align, identify, omr, preprocess, segment
from ocr.crop import remove_box_lines, tight_ink_bbox
from ocr.recognizer import Recognizer

log = logging.getLogger(__name__)
MM_PER_INCH = 25.4
CHECKED = "checked"


@dataclass
class Reader:
    """Everything read_page needs, built once by the composition root.

    ``templates`` holds one version of each form, keyed by id as callers look them
    up (flows.deps: the latest usable one, see :func:`usable_templates`);
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


def _status(index: int, status: PageStatus, reason: str, **kw: object) -> PageReading:
    log.info("page %d: %s (%s)", index, status, reason)
    return PageReading(index=index, status=status, reason=reason, **kw)


def _read(image: np.ndarray, reader: Reader, index: int) -> tuple[PageReading, np.ndarray | None]:
    if image is None or image.size == 0:
        return _status(index, PageStatus.UNREADABLE_IMAGE, "empty image"), None
    gray = preprocess.to_gray(image)
    check = preprocess.check_page(gray)
    if check.too_small:
        return _status(index, PageStatus.UNREADABLE_IMAGE,
                       f"image too small {gray.shape[1]}x{gray.shape[0]}"), None
    if check.blank:
        return _status(index, PageStatus.BLANK, f"ink ratio {check.ink_ratio:.4f}"), None
    found = identify_page(gray, reader, index)
    if isinstance(found, PageReading):
        return found, None
    template, ident, rotation = found
    upright = preprocess.rotate_quadrant(gray, rotation)
    upright = preprocess.normalize_contrast(upright)
    page_spec = template.page(ident.page)
    base = {"template_id": template.id, "template_version": template.version,
            "page_number": ident.page, "orientation": rotation}
    al = None
    if page_spec.anchor_kind == "marks":
        al = align.align_by_marks(upright, page_spec.marks, template.page_size_mm, reader.dpi)
    if al is None or not al.ok:
        # no marks (a city's own form), or marks not found: align on the blank page's print
        blank = reader.blank(template, ident.page)
        feat = align.align_to_reference(upright, blank, template.page_size_mm, reader.dpi,
                                        preprocess.estimate_skew(upright))
        if feat is not None and (al is None or feat.quality > al.quality):
            al = feat
    if al is None or not al.ok:
        q = al.quality if al else 0.0
        return _status(index, PageStatus.UNALIGNED, f"alignment quality {q:.2f}",
                       alignment_quality=q, **base), None
    width = reader.px(template.page_size_mm[0])
    height = reader.px(template.page_size_mm[1])
    page = preprocess.denoise(align.warp(upright, al, (width, height)))
    if page_spec.reference_image is not None:  # compared with a cleaned scan: white paper too
        page = flatten_paper(page)
    fields = read_fields(page, template, ident.page, reader)
    reading = PageReading(index=index, status=PageStatus.READ, reason=al.detail,
                          skew_deg=round(al.rotation_deg, 2), alignment_quality=round(al.quality, 3),
                          fields=fields, **base)
    return reading, page


def flatten_paper(gray: np.ndarray) -> np.ndarray:
    """Divide out the paper level (grey or unevenly lit paper → white), ink kept in proportion.

    A city form's blank is a cleaned scan with white paper; a filled page read
    against it must have white paper too, or every box holds "new ink".
    """
    k = max(15, (min(gray.shape) // 60) | 1)  # wider than any stroke
    paper = cv2.GaussianBlur(cv2.dilate(gray, np.ones((k, k), np.uint8)), (0, 0), k)
    flat = gray.astype(np.float32) * (255.0 / np.maximum(paper.astype(np.float32), 1.0))
    return np.clip(flat, 0, 255).astype(np.uint8)


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
            return _status(index, PageStatus.UNKNOWN_FORM, "form identifier not among the templates")
        if not 1 <= ident.page <= len(template.pages):
            return _status(index, PageStatus.UNKNOWN_FORM, f"template has no page {ident.page}")
        return template, ident, qr.rotation
    match = identify.match_structure(gray, reader.structure_candidates())
    if match is None:
        return _status(index, PageStatus.NON_FORM, "no form identifier and no registration marks")
    if not match.by_marks and match.score < MIN_FORMLIKE_SCORE:
        return _status(index, PageStatus.NON_FORM,
                       f"no form identifier and the print matches no form (score {match.score:.2f})")
    if match.score < MIN_STRUCTURE_SCORE or match.margin < MIN_STRUCTURE_MARGIN:
        found = "marks found but layout" if match.by_marks else "layout"
        return _status(index, PageStatus.UNKNOWN_FORM,
                       f"{found} matches no template (score {match.score:.2f}, "
                       f"margin {match.margin:.2f})")
    log.info("identified by structure: %s v%d page %d (score %.2f, margin %.2f)",
             match.identity.template_id, match.identity.version, match.identity.page,
             match.score, match.margin)
    template = reader.all_versions()[(match.identity.template_id, match.identity.version)]
    return template, match.identity, match.rotation


def read_fields(page: np.ndarray, template: FormTemplate, page_no: int, reader: Reader) -> list[FieldReading]:
    """Read every field of one aligned page, then apply cross-field rules and triage."""
    specs = template.fields_on(page_no)
    blank = reader.blank(template, page_no)
    readings: dict[str, FieldReading] = {}
    for spec in specs:
        if spec.is_mark:
            readings[spec.id] = _read_marks(page, blank, spec, reader)
    text_specs = [s for s in specs if not s.is_mark]
    crops: list[np.ndarray] = []
    alphabets: list[str | None] = []
    plans: list[tuple[FieldSpec, tuple[int, int, int, int], list[list[int]]]] = []
    for spec in text_specs:
        crop, bbox = _text_crop(page, blank, spec, reader, keep_printed=_printed_part(template, spec))
        if crop is None:
            readings[spec.id] = _finish_text(spec, "", 0.99, bbox, readings)
            continue
        lines = []
        for piece_line in _pieces(crop, spec.kind):
            idx = []
            for piece in piece_line:
                idx.append(len(crops))
                crops.append(piece)
                alphabets.append(alphabet_for(spec))
            lines.append(idx)
        plans.append((spec, bbox, lines))
    if crops:
        results = reader.recognizer.recognize(crops, alphabets)
        for spec, bbox, lines in plans:
            text = "\n".join("\u3000".join(results[i].text for i in line) for line in lines)
            conf = float(np.prod([results[i].confidence for line in lines for i in line]))
            readings[spec.id] = _finish_text(spec, text, conf, bbox, readings)
    values = {k: r.value for k, r in readings.items()}
    for issue in cross_field_issues(template, values, reader.today):
        if issue.field_id in readings:
            r = readings[issue.field_id]
            readings[issue.field_id] = r.model_copy(update={"issues": [*r.issues, issue]})
    out = []
    for spec in specs:
        out.append(triage(readings[spec.id], spec, reader.calibration))
    return out


MIN_NEW_INK_PX_PER_MM2 = 0.02  # new-ink pixels per mm² of box at 200 dpi, below = empty


def _printed_part(template: FormTemplate, spec: FieldSpec) -> bool:
    """A city form's date line (令和　年　月　日): printed characters are part of the value.

    People write only the numbers into its gaps; erasing the printed 年/月 would
    leave "8 2 26". The era before the numbers is the field's ``fixed_era`` and
    日 after them is optional, so only what lies between the written parts stays.
    Our own forms print the era outside the box and nothing inside.
    """
    return template.source == "scanned" and spec.kind is FieldKind.WAREKI_DATE


def _text_crop(page: np.ndarray, blank: np.ndarray, spec: FieldSpec, reader: Reader,
               keep_printed: bool = False) -> tuple[np.ndarray | None, tuple[int, int, int, int]]:
    """The field's handwriting, with the printed form (box lines, labels) removed.

    Emptiness is decided against the blank form: only ink the blank form does not
    have counts, so leftovers of a printed box never read as "一" or "_".
    ``keep_printed``: printed characters between the written parts stay (rules go).
    """
    margin = reader.px(1.2)
    x0, y0, x1, y1 = reader.box_px(spec.box.x, spec.box.y, spec.box.w, spec.box.h)
    x0, y0 = max(0, x0 - margin), max(0, y0 - margin)
    x1, y1 = min(page.shape[1], x1 + margin), min(page.shape[0], y1 + margin)
    bbox = (x0, y0, x1 - x0, y1 - y0)
    region = page[y0:y1, x0:x1]
    printed = cv2.erode(blank[y0:y1, x0:x1], np.ones((5, 5), np.uint8)) < 160
    new_ink = cv2.morphologyEx(((region < 150) & ~printed).astype(np.uint8), cv2.MORPH_OPEN,
                               np.ones((2, 2), np.uint8))
    area_mm2 = spec.box.w * spec.box.h
    if int(new_ink.sum()) < max(30, MIN_NEW_INK_PX_PER_MM2 * area_mm2 * (reader.dpi / 200) ** 2):
        return None, bbox
    cleaned = remove_box_lines(region)
    erase = printed & (cleaned < 200) & ~_near(new_ink)
    written = np.flatnonzero(new_ink.any(axis=0)) if keep_printed else np.zeros(0, np.intp)
    if written.size:  # printed characters between the written parts stay (年, 月)
        inset = reader.px(0.5)
        by0, by1 = reader.px(spec.box.y) + inset - y0, reader.px(spec.box.y2) - inset - y0
        erase[max(0, by0): max(0, by1), written[0]: written[-1] + 1] = False
    cleaned = np.where(erase, 255, cleaned).astype(np.uint8)
    tight = tight_ink_bbox(cleaned, margin_px=reader.px(1.0))
    if tight is None:
        return None, bbox
    tx0, ty0, tx1, ty1 = tight
    if written.size:  # not the printed era before the numbers nor 日 after them
        tx0 = max(tx0, written[0] - reader.px(1.0))
        tx1 = min(tx1, written[-1] + 1 + reader.px(1.0))
    return cleaned[ty0:ty1, tx0:tx1], bbox


def _near(mask: np.ndarray) -> np.ndarray:
    """Pixels within a stroke width of new ink (keep handwriting that touches a printed line)."""
    return cv2.dilate(mask, np.ones((3, 3), np.uint8)).astype(bool)


WORD_KINDS = (FieldKind.TEXT, FieldKind.KANA)  # free text keeps its own spacing


def _pieces(crop: np.ndarray, kind: FieldKind) -> list[list[np.ndarray]]:
    """What the recogniser reads: lines (free text only) of words (text, kana)."""
    if kind is FieldKind.FREE_TEXT:
        spans = segment.split_lines(crop) or [(0, crop.shape[0])]
        lines = [crop[a:b] for a, b in spans]
    else:
        lines = [crop]
    out = []
    for line in lines:
        if kind in WORD_KINDS:
            words = segment.split_words(line) or [(0, line.shape[1])]
            pad = 4
            out.append([line[:, max(0, a - pad): b + pad] for a, b in words])
        else:
            out.append([line])
    return out


def _finish_text(spec: FieldSpec, raw: str, confidence: float,
                 bbox: tuple[int, int, int, int], done: dict[str, FieldReading]) -> FieldReading:
    era: str | None = None
    if spec.era_field and spec.era_field in done:
        v = done[spec.era_field].value
        era = v if isinstance(v, str) else None
    res = normalize_field(spec, raw, era=era)
    value = res.value.isoformat() if isinstance(res.value, date) else res.value
    return FieldReading(field_id=spec.id, kind=spec.kind, value=value, raw=raw,
                        confidence=float(min(1.0, max(0.0, confidence))), bbox_px=bbox,
                        issues=list(res.issues))


def _read_marks(page: np.ndarray, blank: np.ndarray, spec: FieldSpec, reader: Reader) -> FieldReading:
    if spec.kind is FieldKind.CHECKBOX:
        boxes = [reader.box_px(spec.box.x, spec.box.y, spec.box.w, spec.box.h)]
        names = [CHECKED]
    else:
        boxes = [reader.box_px(o.box.x, o.box.y, o.box.w, o.box.h) for o in spec.options]
        names = [o.value for o in spec.options]
    if spec.is_circled_choice:  # a printed 明・大・昭・平・令 that people circle
        measures = [omr.measure_box(page, blank, b, ring_scale=0.0, shrink=0.0) for b in boxes]
        decision = omr.decide(measures, single=True, relative=0.4)
    else:
        measures = [omr.measure_box(page, blank, b) for b in boxes]
        decision = omr.decide(measures, single=spec.kind is not FieldKind.MULTI_CHOICE)
    marked = [names[i] for i in decision.marked]
    res = normalize_marks(spec, marked)
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[2] for b in boxes)
    y1 = max(b[3] for b in boxes)
    return FieldReading(
        field_id=spec.id, kind=spec.kind, value=res.value, raw=",".join(marked),
        confidence=decision.confidence, bbox_px=(x0, y0, x1 - x0, y1 - y0),
        option_scores={n: round(p, 4) for n, p in zip(names, decision.probabilities, strict=True)},
        issues=list(res.issues),
    )
