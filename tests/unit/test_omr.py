"""OMR on small synthetic images: ticks, crosses, circles, fills, pencil, corrections."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.omr import decide, measure_box

BOX = (40, 40, 80, 80)  # a 40 px square (5 mm at 200 dpi)


def _blank() -> np.ndarray:
    img = np.full((120, 120), 255, np.uint8)
    cv2.rectangle(img, (40, 40), (80, 80), 0, 2)
    return img


def _mark(kind: str, ink: int = 30) -> np.ndarray:
    img = _blank()
    if kind == "tick":
        cv2.polylines(img, [np.array([[46, 60], [56, 72], [76, 44]])], False, ink, 3)
    elif kind == "cross":
        cv2.line(img, (46, 46), (74, 74), ink, 3)
        cv2.line(img, (74, 46), (46, 74), ink, 3)
    elif kind == "circle":
        cv2.ellipse(img, (60, 60), (32, 30), 0, 0, 360, ink, 2)
    elif kind == "fill":
        cv2.rectangle(img, (42, 42), (78, 78), ink, -1)
    return img


@pytest.mark.parametrize("kind", ["tick", "cross", "circle", "fill"])
def test_marks_are_detected(kind: str) -> None:
    m = measure_box(_mark(kind), _blank(), BOX)
    assert m.probability > 0.9, m


def test_faint_pencil_tick_is_detected() -> None:
    m = measure_box(_mark("tick", ink=150), _blank(), BOX)
    assert m.probability > 0.5, m


def test_empty_box_and_noise_are_not_marks() -> None:
    assert measure_box(_blank(), _blank(), BOX).probability < 0.05
    rng = np.random.default_rng(0)
    noisy = np.clip(_blank().astype(int) + rng.normal(0, 12, (120, 120)), 0, 255).astype(np.uint8)
    assert measure_box(noisy, _blank(), BOX).probability < 0.2


def test_slightly_misregistered_print_is_not_a_mark() -> None:
    shifted = np.full((120, 120), 255, np.uint8)
    cv2.rectangle(shifted, (41, 41), (81, 81), 0, 2)
    assert measure_box(shifted, _blank(), BOX).probability < 0.2


def test_two_marks_in_single_choice_lower_confidence() -> None:
    tick = measure_box(_mark("tick"), _blank(), BOX)
    d = decide([tick, tick, measure_box(_blank(), _blank(), BOX)], single=True)
    assert d.marked == [0, 1] and d.confidence <= 0.5


def test_filled_box_next_to_a_tick_is_a_correction() -> None:
    fill = measure_box(_mark("fill"), _blank(), BOX)
    tick = measure_box(_mark("tick"), _blank(), BOX)
    d = decide([fill, tick], single=True)
    assert d.marked == [1] and d.corrected == [0]
    lone = decide([fill, measure_box(_blank(), _blank(), BOX)], single=True)
    assert lone.marked == [0] and not lone.corrected


def test_probabilities_are_per_option() -> None:
    d = decide([measure_box(_mark("cross"), _blank(), BOX), measure_box(_blank(), _blank(), BOX)],
               single=False)
    assert len(d.probabilities) == 2 and d.probabilities[0] > 0.9 > 0.1 > d.probabilities[1]
