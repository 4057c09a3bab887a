"""Optical mark reading for checkbox, choice and multi-choice fields.

Each option box of the aligned page is compared with the same box of the
rendered blank form: only ink that the blank form does not have counts. Two
regions are measured: the box interior (ticks, crosses, fills) and a ring
around it (circles drawn around a square or around a printed era label).
Every option gets a probability of being marked, not only a yes/no.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

PxBox = tuple[int, int, int, int]  # x0, y0, x1, y1 on the canonical page

# Logistic parameters, set from 3,586 synthetic option boxes (seeds 300-339, three
# templates): empty boxes reached fill 0.0125 / ring 0.0059 at most; the faintest
# real marks had fill 0.092 (pencil tick) or ring 0.056 (pencil circle).
FILL_MID, FILL_SLOPE = 0.035, 200.0
RING_MID, RING_SLOPE = 0.025, 240.0
CORRECTION_CONFIDENCE = 0.6  # a cancelled box is read, but a person confirms it
FILLED = 0.55  # interior this dark = a filled box (a correction when another box is clearly marked)
# Another box must be clearly marked for a filled box to be a correction: an empty box
# with a little noise or spill sits near 0.5 (measured 0.515 beside a solid fill) and
# must not turn a person's filled mark into "cancelled".
CLEAR_MARK = 0.9
REGISTER_GAIN = 0.8  # a box is moved only when that leaves under 80 % of the mismatch


@dataclass(frozen=True)
class MarkMeasure:
    fill: float  # share of the interior covered by new ink, darkness-weighted
    ring: float  # same for the ring around the box
    probability: float

    @property
    def filled(self) -> bool:
        return self.fill >= FILLED


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def _new_ink(page: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """Darkness (0..1) present on the page but not on the blank form (dilated for slack)."""
    printed = cv2.erode(blank, np.ones((5, 5), np.uint8))  # widen printed strokes
    diff = printed.astype(np.int16) - page.astype(np.int16)
    # count only clearly darker pixels; faint pencil (~70 levels) still counts
    return np.clip((diff - 35) / 120.0, 0.0, 1.0).astype(np.float32)


def register_box(page: np.ndarray, blank: np.ndarray, window: PxBox, radius: int) -> tuple[int, int]:
    """The shift (dx, dy), at most ``radius`` px, that lays the page's print over the blank's.

    The printed square and its label dominate the window, so the best match of the
    page around the blank's window is where the page's own box lies; a mark inside
    it costs the same at every nearby shift and does not move the match. A window
    with no print to match (flat blank) stays where it is.
    """
    x0, y0, x1, y1 = window
    tpl = blank[y0:y1, x0:x1].astype(np.float32)
    if radius <= 0 or tpl.size == 0 or float(tpl.std()) < 8.0:
        return 0, 0
    padded = cv2.copyMakeBorder(page, radius, radius, radius, radius, cv2.BORDER_CONSTANT, value=(255,))
    area = padded[y0: y1 + 2 * radius, x0: x1 + 2 * radius].astype(np.float32)
    cost = cv2.matchTemplate(area, tpl, cv2.TM_SQDIFF)
    _, _, (bx, by), _ = cv2.minMaxLoc(cost)
    # keep the aligned position unless moving clearly fits the print better
    if cost[by, bx] > REGISTER_GAIN * cost[radius, radius]:
        return 0, 0
    return bx - radius, by - radius


def measure_box(page: np.ndarray, blank: np.ndarray, box: PxBox, ring_scale: float = 0.6,
                shrink: float = 0.12, register: int = 0) -> MarkMeasure:
    """Measure one option box.

    ``ring_scale`` is the ring's width as a share of the box side (0: no ring);
    ``shrink`` trims the interior so the printed square's edge is not counted.
    ``register`` > 0: the page's box is first found within that many px of where the
    alignment put it (:func:`register_box`), so a page aligned a millimetre off (a
    photo's perspective left by an affine fit) does not count the printed square's
    own edge as new ink.
    """
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    pad = round(max(w, h) * ring_scale)
    H, W = page.shape
    rx0, ry0 = max(0, x0 - pad), max(0, y0 - pad)
    rx1, ry1 = min(W, x1 + pad), min(H, y1 + pad)
    dx, dy = register_box(page, blank, (rx0, ry0, rx1, ry1), register)
    if dx or dy:
        padded = cv2.copyMakeBorder(page, register, register, register, register, cv2.BORDER_CONSTANT,
                                    value=(255,))
        window = padded[ry0 + register + dy: ry1 + register + dy, rx0 + register + dx: rx1 + register + dx]
    else:
        window = page[ry0:ry1, rx0:rx1]
    ink = _new_ink(window, blank[ry0:ry1, rx0:rx1])
    ix0, iy0 = x0 - rx0, y0 - ry0
    shrink_x, shrink_y = int(w * shrink), int(h * shrink)
    interior = ink[iy0 + shrink_y : iy0 + h - shrink_y, ix0 + shrink_x : ix0 + w - shrink_x]
    fill = float(interior.mean()) if interior.size else 0.0
    ring = _ring_score(ink, ix0, iy0, w, h) if pad else 0.0
    p = _sigmoid(FILL_SLOPE * (fill - FILL_MID))
    if pad:
        p = max(p, _sigmoid(RING_SLOPE * (ring - RING_MID)))
    return MarkMeasure(fill=fill, ring=ring, probability=p)


def _ring_score(ink: np.ndarray, ix0: int, iy0: int, w: int, h: int) -> float:
    """New ink around the box, as a circle leaves it: on at least three of four sides.

    A neighbour's mark spilling over reaches one side only, so the score is the
    second-weakest side's ink share, not the ring's mean.
    """
    top = ink[:iy0, ix0 : ix0 + w]
    bottom = ink[iy0 + h :, ix0 : ix0 + w]
    left = ink[iy0 : iy0 + h, :ix0]
    right = ink[iy0 : iy0 + h, ix0 + w :]
    sides = sorted(float(s.mean()) if s.size else 0.0 for s in (top, bottom, left, right))
    return sides[1]


@dataclass(frozen=True)
class MarkDecision:
    marked: list[int]  # indices of options taken as marked
    probabilities: list[float]  # per option, after the correction rule
    corrected: list[int]  # filled boxes read as "cancelled"
    confidence: float  # probability that the whole decision is right
    single: bool = True  # one answer expected (checkbox, choice); False: multi-choice

    @property
    def margin(self) -> float:
        """How far the decision is from its nearest alternative, 0..1 (for the calibration).

        Choice: best minus second-best option probability. Checkbox (one box):
        ``|p - 0.5| * 2``. Multi-choice (every option its own yes/no): the smallest
        ``|p - 0.5| * 2`` over the options. Same definition as ``domain.signals.OMR_MARGIN``.
        """
        probs = sorted(self.probabilities, reverse=True)
        if not probs:
            return 0.0
        if len(probs) == 1 or not self.single:
            return min(abs(p - 0.5) * 2 for p in probs)
        return probs[0] - probs[1]


def decide(measures: list[MarkMeasure], single: bool, relative: float = 0.0,
           contrast: float = 0.0) -> MarkDecision:
    """Apply the correction rule and turn per-box measures into a decision.

    A filled box is a correction (people fill a box to cancel it, the SDAPS
    convention) only when another box is *clearly* marked (probability at least
    :data:`CLEAR_MARK`, and not itself filled); a filled box beside boxes that are
    empty or only borderline is a person's mark. Both facts are the boxes' own ink:
    the filled box's interior dark enough to be a fill (:data:`FILLED`), the other
    box's ink well above anything an empty box shows.
    ``relative`` > 0 (circled labels set side by side): an option whose new ink
    is under ``relative`` x the strongest option's is the strongest circle's
    spill, not a mark of its own.
    ``contrast`` > 0 (printed bubbles): an option counts only when its ink is at least
    ``contrast`` x the median of the other options' ink, so the printed ○ and digits
    of a column read against a blank that lacks them (or a misregistered one) are
    not marks, and a column where nothing stands out is empty.
    """
    probs = [m.probability for m in measures]
    if contrast > 0 and len(measures) > 1:
        probs = [0.0 if m.fill < contrast * _median_of_others(measures, i) else p
                 for i, (m, p) in enumerate(zip(measures, probs, strict=True))]
    if relative > 0 and measures:
        top = max(m.fill for m in measures)
        probs = [0.0 if m.fill < relative * top else p for m, p in zip(measures, probs, strict=True)]
    clear = [i for i, m in enumerate(measures) if probs[i] >= CLEAR_MARK and not m.filled]
    filled = [i for i, m in enumerate(measures) if m.filled]
    corrected: list[int] = []
    if clear and filled:
        corrected = filled
        for i in filled:
            probs[i] = 0.0 if measures[i].fill > 0.8 else min(probs[i], 0.3)
    marked = [i for i, p in enumerate(probs) if p >= 0.5]
    confidence = 1.0
    for p in probs:
        confidence *= max(p, 1.0 - p)
    if single and len(marked) > 1:
        confidence = min(confidence, 0.5)
    if corrected:
        confidence = min(confidence, CORRECTION_CONFIDENCE)
    return MarkDecision(marked, probs, corrected, confidence, single and len(measures) > 0)


def _median_of_others(measures: list[MarkMeasure], i: int) -> float:
    return float(np.median([m.fill for j, m in enumerate(measures) if j != i]))
