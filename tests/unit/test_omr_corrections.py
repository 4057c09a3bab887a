"""Corrections (a filled box = cancelled) need a clearly marked other box; the OMR margin.

Measured before: a person's solid fill was read as "cancelled" (訂正) because an EMPTY
neighbour with a small smudge scored 0.515.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr.omr import CLEAR_MARK, CORRECTION_CONFIDENCE, MarkMeasure, decide, measure_box
from synth.fill import _mark as synth_mark

BOX = (40, 40, 80, 80)  # a 40 px square (5 mm at 200 dpi)


def _blank() -> np.ndarray:
    img = np.full((120, 120), 255, np.uint8)
    cv2.rectangle(img, (40, 40), (80, 80), (0,), 2)
    return img


def _solid() -> np.ndarray:
    img = _blank()
    cv2.rectangle(img, (42, 42), (78, 78), (30,), -1)
    return img


def _smudged(side: int = 6) -> np.ndarray:
    """An empty box with a small smudge: new ink right at the logistic's midpoint."""
    img = _blank()
    cv2.rectangle(img, (55, 55), (55 + side - 1, 55 + side - 1), (40,), -1)
    return img


def _tick(ink: int = 30) -> np.ndarray:
    img = _blank()
    cv2.polylines(img, [np.array([[46, 60], [56, 72], [76, 44]])], False, (ink,), 3)
    return img


def _synth(kind: str, seed: int) -> np.ndarray:
    """A box marked the way the synthesiser draws it (``fill`` is also how it draws a correction)."""
    img = Image.fromarray(_blank())
    synth_mark(ImageDraw.Draw(img), kind, (40.0, 40.0, 80.0, 80.0), 30, 3, random.Random(seed))
    return np.asarray(img)


def _m(img: np.ndarray) -> MarkMeasure:
    return measure_box(img, _blank(), BOX)


def test_a_solid_fill_beside_a_borderline_empty_box_is_a_mark_not_a_correction() -> None:
    """The failing pattern: the neighbour's 0.5 is not "clearly marked"."""
    smudge = _m(_smudged())
    assert 0.5 <= smudge.probability < CLEAR_MARK, smudge  # the measured ~0.515
    for neighbour in (smudge, MarkMeasure(fill=0.0351, ring=0.0, probability=0.515)):
        d = decide([_m(_solid()), neighbour, _m(_blank())], single=True)
        assert d.corrected == [] and 0 in d.marked, d
        assert d.probabilities[0] > 0.99
        # the smudge still counts for what it is: a possible second mark, so a person looks
        assert d.confidence <= 0.5


def test_a_solid_fill_beside_an_empty_box_is_a_mark() -> None:
    d = decide([_m(_solid()), _m(_blank())], single=True)
    assert d.marked == [0] and d.corrected == [] and d.confidence > 0.9


@pytest.mark.parametrize("seed", range(6))
def test_the_synthesisers_correction_beside_a_clear_tick_is_cancelled(seed: int) -> None:
    fill, tick = _m(_synth("fill", seed)), _m(_synth("tick", seed))
    assert fill.filled and tick.probability >= CLEAR_MARK
    d = decide([fill, tick, _m(_blank())], single=True)
    assert d.marked == [1] and d.corrected == [0]
    assert d.probabilities[0] <= 0.3 and d.confidence <= CORRECTION_CONFIDENCE


def test_a_faint_pencil_tick_is_clear_enough_to_cancel_a_fill() -> None:
    pencil = _m(_tick(ink=150))
    assert pencil.probability >= CLEAR_MARK
    d = decide([_m(_solid()), pencil], single=True)
    assert d.marked == [1] and d.corrected == [0]


def test_two_fills_in_a_multi_choice_are_two_marks() -> None:
    d = decide([_m(_synth("fill", 1)), _m(_synth("fill", 2)), _m(_blank())], single=False)
    assert d.marked == [0, 1] and d.corrected == []


def test_margin_of_a_choice_is_best_minus_second_best() -> None:
    d = decide([_m(_tick()), _m(_blank()), _m(_smudged(5))], single=True)
    p = sorted(d.probabilities, reverse=True)
    assert d.margin == pytest.approx(p[0] - p[1]) and d.margin > 0.8
    close = decide([_m(_tick()), _m(_tick())], single=True)
    assert close.margin < 0.01


def test_margin_of_a_checkbox_and_a_multi_choice_is_distance_from_half() -> None:
    box = decide([_m(_smudged())], single=True)
    assert box.margin == pytest.approx(abs(box.probabilities[0] - 0.5) * 2) and box.margin < 0.1
    assert decide([_m(_tick())], single=True).margin > 0.95
    multi = decide([_m(_tick()), _m(_smudged()), _m(_blank())], single=False)
    assert multi.margin == pytest.approx(min(abs(p - 0.5) * 2 for p in multi.probabilities))
    assert multi.margin < 0.1  # the smudge is the one decision that could go either way
    assert decide([], single=True).margin == 0.0
