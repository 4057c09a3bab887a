"""Field reading on an aligned page: crop, OCR / OMR, normalise, cross-field rules, triage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache

import cv2
import numpy as np

from domain import signals as sig
from domain.address import check_addresses
from domain.model import FieldReading, FieldSpec, FormTemplate
from domain.status import FieldKind
from domain.triage import triage
from domain.validate import alphabet_for, cross_field_issues, normalize_field, normalize_marks
from domain.variant_kanji import check_variant_names
from ocr import comb, omr, segment
from ocr.crop import remove_box_lines, tight_ink_bbox
from ocr.digit_check import veto
from ocr.digits import DigitReader, DigitReading, agreement, exact_agreement
from ocr.name_fields import check_name_kana, check_names
from ocr.reader import Reader
from ocr.recognizer import TextResult

CHECKED = "checked"


def read_fields(page: np.ndarray, template: FormTemplate, page_no: int, reader: Reader,
                page_signals: Mapping[str, float] | None = None) -> list[FieldReading]:
    """Read every field of one aligned page, then apply cross-field rules and triage.

    ``page_signals`` (alignment and image quality, :mod:`ocr.quality`) are recorded on
    every field beside the field's own signals, for the calibration and the page gate.
    """
    specs = template.fields_on(page_no)
    blank = reader.blank(template, page_no)
    readings: dict[str, FieldReading] = {}
    field_signals: dict[str, dict[str, float]] = {}
    seconds: dict[str, DigitReading] = {}
    for spec in specs:
        if spec.is_mark:
            readings[spec.id] = _read_marks(page, blank, spec, reader)
            field_signals[spec.id] = _mark_signals(readings[spec.id])
        elif spec.bubbles is not None:
            readings[spec.id], field_signals[spec.id] = comb.read_bubbled_number(page, blank, spec, reader)
    text_specs = [s for s in specs if not s.is_mark and s.bubbles is None and not s.read_cells]
    crops: list[np.ndarray] = []
    alphabets: list[str | None] = []
    combs: list[tuple[comb.CombPlan, list[int]]] = []
    for spec in specs:
        if spec.read_cells:  # a comb read cell by cell, in the same recogniser batch
            plan = comb.plan_comb(page, blank, spec, reader)
            idx = []
            for cell in plan.crops:
                if cell is not None:
                    idx.append(len(crops))
                    crops.append(cell)
                    alphabets.append(alphabet_for(spec))
            combs.append((plan, idx))
    plans: list[tuple[FieldSpec, tuple[int, int, int, int], list[list[int]]]] = []
    for spec in text_specs:
        crop, bbox, edge = _text_crop(page, blank, spec, reader,
                                      keep_printed=_printed_part(template, spec))
        field_signals[spec.id] = {sig.EDGE_INK: edge}
        if crop is None:
            readings[spec.id] = _finish_text(spec, "", 0.99, bbox, readings)
            continue
        if spec.kind in SECOND_READ_KINDS:  # a second, independent reading of the digits
            second = _digit_reader().read(crop)
            seconds[spec.id] = second
            field_signals[spec.id][sig.SECOND_CONF] = round(second.min_confidence, 5)
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
        for plan, idx in combs:
            done = comb.finish_comb(plan, [results[i] for i in idx])
            readings[plan.spec.id], field_signals[plan.spec.id] = done
        for spec, bbox, lines in plans:
            text = "\n".join("\u3000".join(results[i].text for i in line) for line in lines)
            conf = float(np.prod([results[i].confidence for line in lines for i in line]))
            readings[spec.id] = _finish_text(spec, text, conf, bbox, readings)
            field_signals[spec.id].update(_text_signals([results[i] for line in lines for i in line]))
            if spec.id in seconds:
                second_text = seconds[spec.id].text
                field_signals[spec.id][sig.AGREE] = round(agreement(text, second_text), 4)
                field_signals[spec.id][sig.AGREE_EXACT] = float(exact_agreement(text, second_text))
                readings[spec.id] = veto(spec, readings[spec.id], text, seconds[spec.id],
                                         field_signals[spec.id])
    for plan, _ in combs:
        if plan.spec.id not in readings:  # nothing written in any cell
            readings[plan.spec.id], field_signals[plan.spec.id] = comb.finish_comb(plan, [])
    check_names(specs, readings)
    check_variant_names(specs, readings)
    check_name_kana(specs, readings)
    check_addresses(specs, readings)
    comb.cross_check_copies(specs, readings)
    values = {k: r.value for k, r in readings.items()}
    for issue in cross_field_issues(template, values, reader.today):
        if issue.field_id in readings:
            r = readings[issue.field_id]
            readings[issue.field_id] = r.model_copy(update={"issues": [*r.issues, issue]})
    out = []
    for spec in specs:
        r = readings[spec.id]
        found = {**(page_signals or {}), **field_signals.get(spec.id, {}), sig.SCORE: r.confidence}
        out.append(triage(r.model_copy(update={"signals": found}), spec, reader.calibration))
    return out


# digit-bearing kinds get a second, independent reading (ocr.digits, trained on real
# handwritten digits); its agreement with the recogniser is a calibration signal
SECOND_READ_KINDS = (FieldKind.DIGITS, FieldKind.AMOUNT, FieldKind.PHONE, FieldKind.POSTAL_CODE,
                     FieldKind.MY_NUMBER, FieldKind.WAREKI_DATE)


@cache
def _digit_reader() -> DigitReader:
    return DigitReader()


def _text_signals(results: Sequence[TextResult]) -> dict[str, float]:
    """Per-character evidence of a text reading (all pieces of the field together)."""
    chars = [c for r in results for c in r.char_confidences]
    return {
        sig.MIN_CHAR: round(min(chars), 5) if chars else 0.0,
        sig.MEAN_CHAR: round(float(np.mean(chars)), 5) if chars else 0.0,
        sig.N_CHARS: float(len(chars)),
        sig.OUTSIDE: round(max((r.outside_mass for r in results), default=0.0), 5),
    }


def _mark_signals(reading: FieldReading) -> dict[str, float]:
    """OMR margin: how far the decision is from its nearest alternative."""
    probs = sorted(reading.option_scores.values(), reverse=True)
    if len(probs) == 1:
        margin = abs(probs[0] - 0.5) * 2
    elif probs:
        margin = probs[0] - probs[1]
        if reading.kind is FieldKind.MULTI_CHOICE:  # every option is its own yes/no
            margin = min(abs(p - 0.5) * 2 for p in probs)
    else:
        margin = 0.0
    return {sig.OMR_MARGIN: round(float(margin), 5)}


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
               keep_printed: bool = False
               ) -> tuple[np.ndarray | None, tuple[int, int, int, int], float]:
    """The field's handwriting, with the printed form (box lines, labels) removed.

    Emptiness is decided against the blank form: only ink the blank form does not
    have counts, so leftovers of a printed box never read as "一" or "_".
    ``keep_printed``: printed characters between the written parts stay (rules go).
    Also returns the share of new ink outside the box itself (writing over the edge).
    """
    margin = reader.px(1.2)
    box = reader.box_px(spec.box.x, spec.box.y, spec.box.w, spec.box.h)
    x0, y0, x1, y1 = box
    x0, y0 = max(0, x0 - margin), max(0, y0 - margin)
    x1, y1 = min(page.shape[1], x1 + margin), min(page.shape[0], y1 + margin)
    bbox = (x0, y0, x1 - x0, y1 - y0)
    region = page[y0:y1, x0:x1]
    printed = cv2.erode(blank[y0:y1, x0:x1], np.ones((5, 5), np.uint8)) < 160
    new_ink = cv2.morphologyEx(((region < 150) & ~printed).astype(np.uint8), cv2.MORPH_OPEN,
                               np.ones((2, 2), np.uint8))
    area_mm2 = spec.box.w * spec.box.h
    ink_px = int(new_ink.sum())
    if ink_px < max(30, MIN_NEW_INK_PX_PER_MM2 * area_mm2 * (reader.dpi / 200) ** 2):
        return None, bbox, 0.0
    ix0, iy0, ix1, iy1 = (max(0, v - o) for v, o in zip(box, (x0, y0, x0, y0), strict=True))
    within = int(new_ink[iy0:iy1, ix0:ix1].sum())
    edge = round(1.0 - within / ink_px, 5)
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
        return None, bbox, edge
    tx0, ty0, tx1, ty1 = tight
    if written.size:  # not the printed era before the numbers nor 日 after them
        tx0 = max(tx0, written[0] - reader.px(1.0))
        tx1 = min(tx1, written[-1] + 1 + reader.px(1.0))
    return cleaned[ty0:ty1, tx0:tx1], bbox, edge


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


# A filled bubble against the printed value inside its neighbours (a blank scan without
# the print, a misregistered one): under half the darkest bubble's ink is not a mark.
BUBBLE_RELATIVE = 0.5
BUBBLE_CONTRAST = 2.0  # and at least twice the other bubbles' median ink (omr.decide)
BUBBLE_SHRINK = 0.18
# A printed square is looked for this far around its aligned place (a photo aligned
# affinely keeps ~0.7 mm of perspective at a page's edge); bubbles and circled labels
# sit too close to their neighbours to move.
REGISTER_MM = 1.0


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
    elif spec.mark_style == "bubble":  # printed ○ filled in: no rings (neighbours sit close)
        single = spec.kind is not FieldKind.MULTI_CHOICE
        measures = [omr.measure_box(page, blank, b, ring_scale=0.0, shrink=BUBBLE_SHRINK) for b in boxes]
        decision = omr.decide(measures, single=single, relative=BUBBLE_RELATIVE if single else 0.0,
                              contrast=BUBBLE_CONTRAST)
    else:  # printed squares: each found again near where the alignment put it
        radius = reader.px(REGISTER_MM)
        measures = [omr.measure_box(page, blank, b, register=radius) for b in boxes]
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
