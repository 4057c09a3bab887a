"""Red dropout: a red 朱肉 seal is not a mark; black, blue and pencil ink stay.

Measured before: a seal pressed on an empty Likert cell was read as a mark at 0.99.
"""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np
import pytest

from domain.model import FormTemplate
from ocr.engines.fake import FakeRecognizer
from ocr.omr import measure_box
from ocr.pipeline import read_page
from ocr.preprocess import colour_ink_ratio, red_dropout, to_gray
from ocr.reader import Reader
from services.compose import render_blank
from synth.conditions import press_seal
from synth.generate import SynthOptions, generate_document

BOX = (80, 80, 120, 120)  # a 40 px square (5 mm at 200 dpi)
DPI = 200
BLUE_PEN = (170, 60, 20)  # BGR
PENCIL = (120, 120, 120)


def _blank() -> np.ndarray:
    img = np.full((200, 200), 255, np.uint8)
    cv2.rectangle(img, BOX[:2], BOX[2:], (0,), 2)
    return img


def _colour(gray: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def _tick(img: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    out = img.copy()
    cv2.polylines(out, [np.array([[86, 100], [96, 112], [116, 84]])], False, colour, 3)
    return out


def _seal(img: np.ndarray, seed: int, text: str = "山田") -> np.ndarray:
    return press_seal(img, np.random.default_rng(seed), DPI, (100.0, 100.0), text)[0]


@pytest.mark.parametrize("seed", range(5))
def test_a_red_seal_on_an_empty_box_reads_empty(seed: int) -> None:
    page = _seal(_colour(_blank()), seed)
    assert measure_box(to_gray(page, drop_red=False), _blank(), BOX).probability > 0.9  # the old failure
    m = measure_box(to_gray(page), _blank(), BOX)
    assert m.probability < 0.1, m


@pytest.mark.parametrize("colour", [BLUE_PEN, PENCIL, (30, 30, 30)], ids=["blue", "pencil", "black"])
def test_pen_and_pencil_ticks_still_read_as_marks(colour: tuple[int, int, int]) -> None:
    page = _tick(_colour(_blank()), colour)
    assert measure_box(to_gray(page), _blank(), BOX).probability > 0.9


@pytest.mark.parametrize("colour", [BLUE_PEN, PENCIL], ids=["blue", "pencil"])
def test_a_tick_under_a_seal_still_reads_as_a_mark(colour: tuple[int, int, int]) -> None:
    page = _seal(_tick(_colour(_blank()), colour), 3, "印")
    assert measure_box(to_gray(page), _blank(), BOX).probability > 0.9


def test_black_print_and_gray_input_are_unchanged() -> None:
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (120, 160), dtype=np.uint8)
    assert np.array_equal(to_gray(gray), gray)
    neutral = _colour(gray)
    assert np.array_equal(to_gray(neutral), cv2.cvtColor(neutral, cv2.COLOR_BGR2GRAY))
    bluish = _tick(neutral, BLUE_PEN)
    assert np.array_equal(to_gray(bluish), cv2.cvtColor(bluish, cv2.COLOR_BGR2GRAY))
    bgra = cv2.cvtColor(bluish, cv2.COLOR_BGR2BGRA)
    assert np.array_equal(to_gray(bgra), cv2.cvtColor(bluish, cv2.COLOR_BGR2GRAY))
    assert colour_ink_ratio(gray) == colour_ink_ratio(bluish) == 0.0


def test_colour_ink_ratio_measures_what_was_removed() -> None:
    page = _seal(_colour(np.full((600, 600), 255, np.uint8)), 1)
    ratio = colour_ink_ratio(page)
    gray, removed = red_dropout(page)
    assert removed == pytest.approx(ratio) and 0.005 < ratio < 0.1
    assert int(gray.min()) > 200  # nothing of the seal is left as ink


def test_a_seal_over_an_empty_likert_cell_on_a_page_reads_empty(templates: dict[str, FormTemplate]) -> None:
    t = templates["citizen_survey"]
    opts = SynthOptions(degrade=False, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0,
                        style="printed")
    doc = generate_document(t, 21, opts)
    truth = doc.truth["pages"][1]["fields"]
    reader = Reader(templates=templates, recognizer=FakeRecognizer(lambda i, c, a: ("", 0.0)),
                    blank_renderer=render_blank, today=date(2026, 11, 20))
    spec = next(f for f in t.fields_on(2) if f.id.startswith("sat_") and truth[f.id]["marks"])
    empty = next(o for o in spec.options if o.value not in truth[spec.id]["marks"])
    x0, y0, x1, y1 = reader.box_px(empty.box.x, empty.box.y, empty.box.w, empty.box.h)
    page = press_seal(_colour(doc.pages[1]), np.random.default_rng(5), DPI,
                      ((x0 + x1) / 2, (y0 + y1) / 2), "山田")[0]
    read = read_page(page, reader, index=1)
    field = read.field(spec.id)
    assert field.value == truth[spec.id]["value"], field
    assert field.option_scores[empty.value] < 0.1, field.option_scores


def test_a_phone_photo_on_a_desk_is_not_red_ink(templates: dict[str, FormTemplate]) -> None:
    """Warm light and a brown desk are not a seal: the page signal tells the two apart."""
    from synth.conditions import condition_page

    t = templates["onestop_2022"]
    opts = SynthOptions(degrade=False, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0)
    doc = generate_document(t, 8000, opts)
    fields = doc.truth["pages"][0]["fields"]
    photo, _ = condition_page("phone", doc.pages[0], np.random.default_rng(0), DPI)
    sealed, _ = condition_page("seal", doc.pages[0], np.random.default_rng(0), DPI, fields)
    assert colour_ink_ratio(photo) < 0.0001 < 0.0004 < colour_ink_ratio(sealed)
    changed = np.abs(to_gray(photo).astype(int) - cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)) > 10
    assert changed.mean() < 0.0005
