"""Comb fields read cell by cell, and numbers bubbled in columns.

A comb field (``cells`` with ``read_cells``) is split into its cells by the
template's geometry; a cell is empty when it holds no ink the blank form lacks,
and every other cell is read on its own with the field's alphabet (one recogniser
batch for the page). ``raw`` keeps one character per cell, an empty cell as a
space: "  43" stays right-aligned, and "PERSON" never becomes "PERSO N" unless a
cell between was left empty.

A bubbled number (``bubbles``) is read by OMR column by column: the marked row of
each column is its digit, an empty column a space, a column with two marks "?"
(and the field goes to a person).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from domain import signals as sig
from domain.model import FieldReading, FieldSpec, Issue, Value
from domain.status import IssueCode
from domain.validate import alphabet_for, normalize_field
from ocr import omr
from ocr.crop import tight_ink_bbox
from ocr.reader import Reader
from ocr.recognizer import TextResult

MSG_CELL = "1つのマスに読めない文字か複数の文字があります"
MSG_COLUMN = "同じ桁に複数の印があります"
CELL_INSET = 0.12  # share of the cell trimmed on each side (its printed walls)
MIN_CELL_INK = 0.015  # share of the cell's pixels that must be new ink for it to hold a character
UNSURE = "?"
BUBBLE_RELATIVE, BUBBLE_SHRINK, BUBBLE_CONTRAST = 0.5, 0.18, 2.0  # as ocr.fields reads printed bubbles


@dataclass
class CombPlan:
    spec: FieldSpec
    bbox: tuple[int, int, int, int]  # x, y, w, h on the aligned page
    crops: list[np.ndarray | None]  # per cell: the ink to read, None = empty


def plan_comb(page: np.ndarray, blank: np.ndarray, spec: FieldSpec, reader: Reader) -> CombPlan:
    """Split the field into its cells and keep the ones with new ink."""
    cells = spec.cells or 1
    x0, y0, x1, y1 = reader.box_px(spec.box.x, spec.box.y, spec.box.w, spec.box.h)
    step = (x1 - x0) / cells
    crops: list[np.ndarray | None] = []
    for i in range(cells):
        a, b = round(x0 + i * step), round(x0 + (i + 1) * step)
        ix, iy = round((b - a) * CELL_INSET), round((y1 - y0) * CELL_INSET)
        region = page[y0 + iy: y1 - iy, a + ix: b - ix]
        base = blank[y0 + iy: y1 - iy, a + ix: b - ix]
        if region.size == 0 or region.shape != base.shape:
            crops.append(None)
            continue
        printed = cv2.erode(base, np.ones((3, 3), np.uint8)) < 160
        new = cv2.morphologyEx(((region < 150) & ~printed).astype(np.uint8), cv2.MORPH_OPEN,
                               np.ones((2, 2), np.uint8))
        if float(new.mean()) < MIN_CELL_INK:
            crops.append(None)
            continue
        clean = np.where(new > 0, region, 255).astype(np.uint8)
        tight = tight_ink_bbox(clean, margin_px=max(2, reader.px(0.6)))
        if tight is None:
            crops.append(None)
            continue
        tx0, ty0, tx1, ty1 = tight
        crops.append(cv2.copyMakeBorder(clean[ty0:ty1, tx0:tx1], 6, 6, 6, 6, cv2.BORDER_CONSTANT,
                                        value=(255,)))
    return CombPlan(spec, (x0, y0, x1 - x0, y1 - y0), crops)


def finish_comb(plan: CombPlan, results: list[TextResult]) -> tuple[FieldReading, dict[str, float]]:
    """The reading from the cells' results (in order of the non-empty cells)."""
    spec = plan.spec
    alphabet = alphabet_for(spec)
    chars: list[str] = []
    confs: list[float] = []
    it = iter(results)
    for crop in plan.crops:
        if crop is None:
            chars.append(" ")
            continue
        r = next(it)
        text = "".join(c for c in r.text if not c.isspace() and (alphabet is None or c in alphabet))
        if len(text) != 1:  # nothing or two characters in one cell: a person looks
            chars.append(UNSURE)
            confs.append(0.0)
        else:
            chars.append(text)
            confs.append(float(r.confidence))
    raw = "".join(chars)
    res_value, issues = _value(spec, raw, IssueCode.AMBIGUOUS_MARK, MSG_CELL)
    conf = float(np.prod(confs)) if confs else 0.99
    reading = FieldReading(field_id=spec.id, kind=spec.kind, value=res_value, raw=raw,
                           confidence=min(1.0, max(0.0, conf)), bbox_px=plan.bbox, issues=issues)
    signals = {sig.MIN_CHAR: round(min(confs), 5) if confs else 0.0,
               sig.MEAN_CHAR: round(float(np.mean(confs)), 5) if confs else 0.0,
               sig.N_CHARS: float(len(confs))}
    return reading, signals


def _value(spec: FieldSpec, raw: str, code: IssueCode, message: str) -> tuple[Value, list[Issue]]:
    """The normalised value of a positional reading (outer empty cells dropped), or an issue."""
    if UNSURE in raw:
        return None, [Issue(code=code, message=message, field_id=spec.id)]
    res = normalize_field(spec, raw.strip())
    return res.value, list(res.issues)


def read_bubbled_number(page: np.ndarray, blank: np.ndarray, spec: FieldSpec,
                        reader: Reader) -> tuple[FieldReading, dict[str, float]]:
    """A number bubbled in columns: one OMR decision per column, positions kept in ``raw``."""
    bub = spec.bubbles
    if bub is None:
        raise ValueError(f"field {spec.id} has no bubbles")
    chars: list[str] = []
    confidence = 1.0
    margins: list[float] = []
    for col in range(bub.columns):
        boxes = [reader.box_px(*bub.mark_box(col, row)) for row in range(len(bub.values))]
        measures = [omr.measure_box(page, blank, b, ring_scale=0.0, shrink=BUBBLE_SHRINK) for b in boxes]
        decision = omr.decide(measures, single=True, relative=BUBBLE_RELATIVE, contrast=BUBBLE_CONTRAST)
        confidence *= decision.confidence
        margins.append(decision.margin)
        if not decision.marked:
            chars.append(" ")
        elif len(decision.marked) > 1:
            chars.append(UNSURE)
        else:
            chars.append(bub.values[decision.marked[0]])
    raw = "".join(chars)
    value, issues = _value(spec, raw, IssueCode.MULTIPLE_MARKS, MSG_COLUMN)
    x0, y0, x1, y1 = reader.box_px(spec.box.x, spec.box.y, spec.box.w, spec.box.h)
    reading = FieldReading(field_id=spec.id, kind=spec.kind, value=value, raw=raw,
                           confidence=min(1.0, max(0.0, confidence)), bbox_px=(x0, y0, x1 - x0, y1 - y0),
                           issues=issues)
    return reading, {sig.OMR_MARGIN: round(min(margins), 5) if margins else 0.0}


MSG_COPY = "塗りつぶした番号と手書きの番号が一致しません"


def cross_check_copies(specs: list[FieldSpec], readings: dict[str, FieldReading]) -> None:
    """A bubbled number and its handwritten copy (``copy_of``) must agree, digit for digit.

    When both were read and differ, both fields get a cross-field issue (a person
    decides); when either is empty nothing is said.
    """
    for spec in specs:
        if spec.copy_of is None or spec.id not in readings or spec.copy_of not in readings:
            continue
        mine, other = readings[spec.id], readings[spec.copy_of]
        a = "".join(c for c in str(mine.value or "") if c.isdigit())
        b = "".join(c for c in str(other.value or "") if c.isdigit())
        if a and b and a != b:
            for fid, r in ((spec.id, mine), (spec.copy_of, other)):
                issue = Issue(code=IssueCode.CROSS_FIELD, message=MSG_COPY, field_id=fid)
                readings[fid] = r.model_copy(update={"issues": [*r.issues, issue]})
