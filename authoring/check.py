"""Check a template on a city's own filled test scans before it goes live (issue 8).

Every sample page is read *as this template* (forced, so a draft can be
checked), and the report says per page how well it aligned and whether the
production reader would identify it as this form, and per field what was read
in each sample (My Numbers masked: the admin is looking at the city's own test
scans), with flags for what usually means the template needs work:

- ``often_empty``: no value in at least half the pages (the box may sit beside
  where people write);
- ``often_low_confidence``: a value, but breaking its rule or with a calibrated
  probability under 0.9, in at least half of the pages that have one;
- ``cuts_text``: written ink runs into the edge of the field's crop, so the box
  cuts through the writing (share of ink pixels on the crop's border);
- ``guessed``: attributes the drafting guessed and nobody has confirmed.

The verdict is 使えます when nothing is flagged, else 要修正 with the reasons.
Pure over images and a :class:`~ocr.reader.Reader`: the CLI is yomitori/cli/check.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np

from authoring.explain import explain_page, explanation_ja
from domain.model import FieldReading, FieldSpec, FormTemplate, PageReading
from domain.status import FieldKind, FieldStatus, IssueCode, PageStatus, ReviewReason
from intake.pages import DEFAULT_LIMITS, PageLimits
from ocr import preprocess
from ocr.identify_explain import difference_image
from ocr.page_identity import identify_page
from ocr.pipeline import read_page_with_image
from ocr.reader import Reader

OFTEN = 0.5  # share of the pages read at which a field is flagged
GOOD_ALIGNMENT = 0.8  # below: the page aligned, but not well enough to trust the boxes
# Written ink on the crop's border: boxes that fit left 0.000-0.004 (16 synthetic
# scans of a city test form); boxes cut short through the writing 0.02-0.31.
CUT_SHARE = 0.02
LOW_CONFIDENCE = 0.9  # probability (or raw score) under which a value is "low" (see _is_low)
BORDER_MM = 0.3


NAME_VALUE_ISSUES = frozenset({IssueCode.NAME_KANA, IssueCode.VARIANT_KANJI})


class Flag(StrEnum):
    OFTEN_EMPTY = "often_empty"
    OFTEN_LOW_CONFIDENCE = "often_low_confidence"
    CUTS_TEXT = "cuts_text"
    GUESSED = "guessed"


FLAG_JA: dict[Flag, str] = {
    Flag.OFTEN_EMPTY: "空欄になりやすい（枠の位置を確認してください）",
    Flag.OFTEN_LOW_CONFIDENCE: "確信度が低いか形式に合わない読み取りが多い",
    Flag.CUTS_TEXT: "枠が文字にかかっている（枠を広げてください）",
    Flag.GUESSED: "推定のまま未確認の設定がある",
}
OK_JA = "使えます"
FIX_JA = "要修正"


@dataclass(frozen=True)
class PageResult:
    """One sample page read as the template."""

    source: str  # sample file name
    index: int  # page index in the file
    reading: PageReading
    identified_as: str | None  # what the production reader would take it for ("id@v p")
    identify_note: str  # English detail (score, margin) when it is not this template
    # Japanese: closest and competing template pages, scores, differing regions, advice
    explanation: list[str] = field(default_factory=list)
    difference: np.ndarray | None = None  # BGR picture of the differing print (refused pages)

    @property
    def read(self) -> bool:
        return self.reading.status is PageStatus.READ

    @property
    def identified(self) -> bool:
        r = self.reading
        return self.identified_as == f"{r.template_id}@{r.template_version} p{r.page_number}"


@dataclass
class FieldResult:
    spec: FieldSpec
    readings: list[tuple[str, FieldReading]] = field(default_factory=list)  # (page label, reading)
    border: list[float] = field(default_factory=list)  # per written text field: ink on the crop edge
    flags: list[Flag] = field(default_factory=list)

    @property
    def empty(self) -> int:
        return sum(_is_empty(r) for _, r in self.readings)

    low: int = 0  # readings with a value that breaks its rule or is unsure (see _is_low)

    @property
    def auto(self) -> int:
        return sum(r.status is FieldStatus.AUTO_ACCEPTED for _, r in self.readings)

    @property
    def cut(self) -> int:
        return sum(b >= CUT_SHARE for b in self.border)


@dataclass
class CheckReport:
    template: FormTemplate
    pages: list[PageResult]
    fields: list[FieldResult]
    reasons: list[str]  # Japanese, one per problem; empty = usable

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def verdict(self) -> str:
        return OK_JA if self.ok else FIX_JA

    def field(self, field_id: str) -> FieldResult:
        for f in self.fields:
            if f.spec.id == field_id:
                return f
        raise KeyError(field_id)

    def render_text(self) -> str:
        from authoring.check_text import render_text

        return render_text(self)


def _is_empty(r: FieldReading) -> bool:
    return r.value in (None, "", [])


def _is_low(r: FieldReading) -> bool:
    """A value was read, but it breaks its rule or its probability is under LOW_CONFIDENCE.

    Not "not auto-accepted": the calibration's thresholds are per kind and strict
    (a right name at p=0.97 still goes to staff on every template), so they would
    flag fields of any template; how many readings were auto-accepted is shown beside.
    """
    if _is_empty(r) or r.status is FieldStatus.AUTO_ACCEPTED or r.reason is ReviewReason.POLICY:
        return False
    # a name its フリガナ cannot confirm, or one holding a 異体字-prone kanji, goes to staff on
    # any template: the value's, not the box's, so it says nothing about the template
    if any(i.code not in NAME_VALUE_ISSUES for i in r.issues):
        return True
    score = r.probability if r.probability is not None else r.confidence
    return score < LOW_CONFIDENCE


def border_ink(page: np.ndarray, blank: np.ndarray, bbox: tuple[int, int, int, int],
               px_per_mm: float) -> float:
    """Share of the crop's edge covered by written ink, on its worst side (0..1).

    Ink is what the page has and the blank form has not (as the reader sees it),
    so printed rules and labels on the edge do not count.
    """
    x, y, w, h = bbox
    region, base = page[y:y + h, x:x + w], blank[y:y + h, x:x + w]
    if region.size == 0 or region.shape != base.shape:
        return 0.0
    printed = cv2.erode(base, np.ones((5, 5), np.uint8)) < 160
    ink = cv2.morphologyEx(((region < 150) & ~printed).astype(np.uint8), cv2.MORPH_OPEN,
                           np.ones((2, 2), np.uint8)).astype(bool)
    s = max(1, round(BORDER_MM * px_per_mm))
    sides = (ink[:s, :], ink[-s:, :], ink[:, :s], ink[:, -s:])
    return max(float(side.mean()) for side in sides if side.size)


def _production_view(reader: Reader, template: FormTemplate) -> Reader:
    """The production reader as it would be with ``template`` activated."""
    active = template.model_copy(update={"status": "active"})
    versions = {**reader.all_versions(), (template.id, template.version): active}
    return replace(reader, force=None, include_drafts=False, versions=versions,
                   _blanks={}, _candidates=None)


def _identity_of(gray: np.ndarray, reader: Reader) -> tuple[str | None, str]:
    found = identify_page(gray, reader)
    if isinstance(found, PageReading):
        return None, found.reason
    t, ident, _ = found
    return f"{t.id}@{t.version} p{ident.page}", ""


def check_template(template: FormTemplate, samples: Iterable[tuple[str, np.ndarray]],
                   reader: Reader) -> CheckReport:
    """Read every ``(name, page image)`` as ``template`` and judge the template.

    ``reader`` is the production reader (its recogniser, calibration and the other
    templates, against which identification is checked); ``template`` may be a draft.
    """
    forced = reader.forcing(template)
    production = _production_view(reader, template)
    pages: list[PageResult] = []
    results = {f.id: FieldResult(f) for f in template.fields}
    counters: dict[str, int] = {}
    for name, image in samples:
        index = counters.get(name, 0)
        counters[name] = index + 1
        reading, aligned = read_page_with_image(image, forced, index)
        gray = preprocess.to_gray(image)
        ident, note = _identity_of(gray, production)
        result = PageResult(name, index, reading, ident, note)
        if not result.identified:
            wanted = (f"{reading.template_id}@{reading.template_version} p{reading.page_number}"
                      if reading.page_number else None)
            ex = explain_page(gray, production)
            result = replace(result, explanation=explanation_ja(ex, wanted), difference=difference_image(ex))
        pages.append(result)
        if aligned is None or reading.page_number is None:
            continue
        blank = forced.blank(template, reading.page_number)
        label = f"{name} p{index + 1}"
        for r in reading.fields:
            fr = results[r.field_id]
            fr.readings.append((label, r))
            if not r.kind.is_mark and r.bbox_px is not None and r.raw:  # something was written
                fr.border.append(border_ink(aligned, blank, r.bbox_px, forced.px(1.0)))
    for fr in results.values():
        fr.low = sum(_is_low(r) for _, r in fr.readings)
        fr.flags = _flags(fr)
    fields = list(results.values())
    return CheckReport(template, pages, fields, _reasons(template, pages, fields))


def _flags(fr: FieldResult) -> list[Flag]:
    flags: list[Flag] = []
    n = len(fr.readings)
    if n and fr.spec.kind is not FieldKind.CHECKBOX and fr.empty >= OFTEN * n:
        flags.append(Flag.OFTEN_EMPTY)  # an unticked checkbox is an answer, not a miss
    filled = n - fr.empty
    if filled and fr.low >= OFTEN * filled:
        flags.append(Flag.OFTEN_LOW_CONFIDENCE)
    if fr.border and fr.cut >= max(1, OFTEN * len(fr.border) / 2):
        flags.append(Flag.CUTS_TEXT)  # a quarter of the filled pages is already a pattern
    if fr.spec.guessed:
        flags.append(Flag.GUESSED)
    return flags


def _reasons(template: FormTemplate, pages: list[PageResult], fields: list[FieldResult]) -> list[str]:
    reasons: list[str] = []
    if not pages:
        return ["確認用のスキャンがありません"]
    unread = [p for p in pages if not p.read]
    if unread:
        reasons.append(f"読み取れないページがあります（{len(unread)}/{len(pages)}ページ）")
    weak = [p for p in pages if p.read and (p.reading.alignment_quality or 0.0) < GOOD_ALIGNMENT]
    if weak:
        reasons.append(f"位置合わせの品質が低いページがあります（{len(weak)}ページ）")
    wrong = [p for p in pages if p.read and not p.identified]
    if wrong:
        first = next((p for p in wrong if p.explanation), None)
        detail = f"。{first.source} p{first.index + 1}: " + "。".join(first.explanation) if first else ""
        reasons.append(f"本番では別の帳票と識別されるか識別できないページがあります（{len(wrong)}ページ）"
                       + detail)
    for flag in Flag:
        hit = [f.spec.id for f in fields if flag in f.flags]
        if hit:
            reasons.append(f"{FLAG_JA[flag]}: {', '.join(hit)}")
    return reasons


# ---- files -------------------------------------------------------------------------

def sample_pages(paths: Sequence[Path], limits: PageLimits = DEFAULT_LIMITS
                 ) -> Iterator[tuple[str, np.ndarray]]:
    """Every page of every sample file as ``(file name, gray image)`` (BusinessError if bad)."""
    from intake.pages import iter_pages

    for path in paths:
        for image in iter_pages(path, limits=limits):
            yield path.name, image


def check_files(template: FormTemplate, paths: Sequence[Path], reader: Reader,
                limits: PageLimits = DEFAULT_LIMITS) -> CheckReport:
    """:func:`check_template` over scan files (PDF, TIFF, PNG, JPEG) within ``limits``."""
    return check_template(template, sample_pages(paths, limits), reader)
