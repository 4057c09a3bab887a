"""A printed square found again near its aligned place: misregistration is not a mark (issue 14)."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.omr import measure_box, register_box

BOX = (40, 40, 80, 80)  # a 40 px square (5 mm at 200 dpi)
RADIUS = 8  # 1 mm at 200 dpi, as ocr.fields uses


def _page(dx: int = 0, dy: int = 0, tick: bool = False) -> np.ndarray:
    """A 120 px page: the printed square (and a label beside it) moved by (dx, dy)."""
    img = np.full((120, 160), 255, np.uint8)
    cv2.rectangle(img, (40 + dx, 40 + dy), (80 + dx, 80 + dy), 0, 2)
    cv2.line(img, (92 + dx, 58 + dy), (150 + dx, 58 + dy), 0, 3)  # the option's printed label
    if tick:
        cv2.polylines(img, [np.array([[46 + dx, 60 + dy], [56 + dx, 72 + dy], [76 + dx, 44 + dy]])],
                      False, 30, 3)
    return img


def test_an_empty_box_aligned_five_pixels_off_is_a_mark_without_registration() -> None:
    # the fault this guards: the square's own edge counts as new ink (read ticked at 1.0)
    assert measure_box(_page(dx=-5), _page(), BOX).probability > 0.9


def test_an_empty_box_aligned_off_is_not_a_mark_once_registered() -> None:
    for dx, dy in ((-5, 0), (6, -3), (0, 7), (-8, 8)):
        m = measure_box(_page(dx, dy), _page(), BOX, register=RADIUS)
        assert m.probability < 0.05, (dx, dy, m)


def test_a_tick_in_a_box_aligned_off_is_still_a_mark() -> None:
    for dx, dy in ((0, 0), (-5, 0), (4, 6)):
        m = measure_box(_page(dx, dy, tick=True), _page(), BOX, register=RADIUS)
        assert m.probability > 0.9, (dx, dy, m)


def test_the_shift_found_is_the_print_and_a_flat_blank_does_not_move() -> None:
    window = (16, 16, 104, 104)
    assert register_box(_page(dx=-5, dy=3), _page(), window, RADIUS) == (-5, 3)
    assert register_box(_page(dx=-5, dy=3, tick=True), _page(), window, RADIUS) == (-5, 3)
    assert register_box(_page(), _page(), window, RADIUS) == (0, 0)
    white = np.full((120, 160), 255, np.uint8)
    assert register_box(_page(dx=4), white, window, RADIUS) == (0, 0)  # nothing printed to match
    assert register_box(_page(dx=4), _page(), window, 0) == (0, 0)  # registration off
