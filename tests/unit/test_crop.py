"""Field-crop helpers on small synthetic images drawn with cv2."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.crop import ink_mask, ink_ratio, remove_box_lines, split_cells, tight_ink_bbox

PAPER = 245
INK = 30
INK_C = (30.0,)  # cv2 colour for a gray image


def blank(h: int = 80, w: int = 400, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    img = np.full((h, w), PAPER, np.float64)
    if noise:
        img += np.random.default_rng(seed).normal(0, noise, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def boxed(h: int = 80, w: int = 400, thickness: int = 3, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    img = blank(h, w, noise, seed)
    cv2.rectangle(img, (2, 2), (w - 3, h - 3), INK_C, thickness)
    return img


def draw_strokes(img: np.ndarray, x: int = 60) -> np.ndarray:
    """Text-like strokes: a '十', a '口' and a slanted stroke, inside the box."""
    cv2.line(img, (x, 40), (x + 36, 40), INK_C, 3)
    cv2.line(img, (x + 18, 20), (x + 18, 60), INK_C, 3)
    cv2.rectangle(img, (x + 60, 22), (x + 92, 58), INK_C, 3)
    cv2.line(img, (x + 120, 58), (x + 140, 22), INK_C, 3)
    return img


def strokes_region(img: np.ndarray, x: int = 60) -> np.ndarray:
    return img[18:63, x - 2 : x + 143]


def test_remove_box_lines_erases_border_keeps_strokes() -> None:
    img = draw_strokes(boxed())
    clean = remove_box_lines(img)
    assert clean.shape == img.shape and clean.dtype == np.uint8
    assert not ink_mask(clean)[:6, :].any()  # top border gone
    assert not ink_mask(clean)[-6:, :].any()  # bottom border gone
    assert not ink_mask(clean)[:, :6].any() and not ink_mask(clean)[:, -6:].any()
    before, after = ink_mask(strokes_region(img)), ink_mask(strokes_region(clean))
    assert (before == after).mean() > 0.99  # strokes untouched
    assert img is not clean and ink_mask(img)[:6, :].any()  # input not modified


def test_remove_box_lines_erases_cell_dividers() -> None:
    img = boxed(80, 480)
    for i in range(1, 6):
        cv2.line(img, (i * 80, 2), (i * 80, 77), INK_C, 2)
    cv2.putText(img, "7", (20, 62), cv2.FONT_HERSHEY_SIMPLEX, 1.8, INK_C, 4)
    clean = remove_box_lines(img)
    for i in range(1, 6):
        assert not ink_mask(clean)[10:70, i * 80 - 3 : i * 80 + 4].any()
    assert ink_mask(clean)[:, 10:75].sum() > 200  # the digit stays


def test_stroke_crossing_a_line_stays_in_one_piece() -> None:
    img = blank(80, 400)
    cv2.line(img, (0, 60), (399, 60), INK_C, 3)  # an underline rule
    cv2.line(img, (200, 30), (200, 75), INK_C, 3)  # a stroke running through it
    cv2.line(img, (40, 56), (120, 56), INK_C, 2)  # a stroke lying on top of it
    clean = remove_box_lines(img)
    column = ink_mask(clean)[30:76, 199:202].all(axis=1)
    assert column.all()  # the crossing stroke is still one piece
    assert not ink_mask(clean)[59:62, 230:399].any()  # the rule itself is gone
    assert not ink_mask(clean)[59:62, 40:120].any()  # also under the lying stroke
    assert ink_mask(clean)[55:57, 42:118].all()  # which stays


def test_tight_ink_bbox_finds_strokes_with_margin() -> None:
    img = draw_strokes(blank(noise=4.0))
    bbox = tight_ink_bbox(img, margin_px=4)
    assert bbox is not None
    x0, y0, x1, y1 = bbox
    assert 52 <= x0 <= 58 and 14 <= y0 <= 20
    assert 202 <= x1 <= 208 and 62 <= y1 <= 68


def test_tight_ink_bbox_clips_margin_to_image() -> None:
    img = blank(40, 100)
    cv2.rectangle(img, (0, 0), (20, 39), INK_C, -1)
    assert tight_ink_bbox(img, margin_px=10) == (0, 0, 31, 40)


@pytest.mark.parametrize("noise", [0.0, 6.0, 12.0])
def test_empty_box_gives_none(noise: float) -> None:
    img = boxed(noise=noise, seed=3)
    clean = remove_box_lines(img)
    assert tight_ink_bbox(clean, margin_px=4) is None
    assert ink_ratio(clean) < 0.001
    assert tight_ink_bbox(blank(noise=noise)) is None


def test_specks_are_ignored() -> None:
    img = blank()
    img[10, 10] = img[70, 390] = img[40, 200:202] = INK  # dust
    assert tight_ink_bbox(img) is None
    cv2.circle(img, (100, 40), 6, INK_C, -1)
    assert tight_ink_bbox(img, margin_px=0) == (94, 34, 107, 47)


def test_small_marks_next_to_text_count_thin_strokes_in_tall_boxes_too() -> None:
    img = blank(160, 600)
    cv2.putText(img, "30", (40, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.2, INK_C, 3)
    img[96:100, 100:103] = INK  # a comma-sized mark (12 px) right after the digits
    img[20:23, 560:563] = INK  # the same mark far away: dust
    x0, _, x1, _ = tight_ink_bbox(img, margin_px=0) or (0, 0, 0, 0)
    assert x0 < 45 and x1 == 103
    thin = blank(160, 600)
    cv2.line(thin, (300, 60), (300, 95), INK_C, 1)  # a lone thin '1' (36 px) in a tall box
    assert tight_ink_bbox(thin, margin_px=0) == (300, 60, 301, 96)


def test_ink_ratio_grows_with_ink() -> None:
    img = blank()
    assert ink_ratio(img) == 0.0
    light = draw_strokes(blank())
    heavy = draw_strokes(draw_strokes(blank(), 60), 230)
    assert 0.0 < ink_ratio(light) < ink_ratio(heavy) < 0.2


def test_faint_pencil_is_ink() -> None:
    img = blank()
    cv2.line(img, (50, 40), (300, 45), (170.0,), 3)  # pencil: 75 levels darker than paper
    assert tight_ink_bbox(img) is not None


def test_split_cells_equal_and_snapped() -> None:
    img = boxed(60, 360, thickness=2)
    dividers = [62, 118, 180, 242, 300]  # hand-drawn form: not exactly every 60 px
    for x in dividers:
        cv2.line(img, (x, 2), (x, 57), INK_C, 2)
    cells = split_cells(img, 6, inset=0.0)
    assert len(cells) == 6
    widths = [c.shape[1] for c in cells]
    assert sum(widths) <= 360 and all(40 <= wd <= 70 for wd in widths)
    trimmed = split_cells(img, 6)
    for c in trimmed:
        assert c.shape[0] == 60
        assert not ink_mask(c)[8:52, :].any()  # no divider remnant inside a cell


def test_split_cells_without_dividers_is_equal_spacing() -> None:
    cells = split_cells(blank(50, 300), 5, inset=0.0)
    assert [c.shape[1] for c in cells] == [60] * 5


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError):
        tight_ink_bbox(np.zeros((10, 10), np.float32))
    with pytest.raises(ValueError):
        split_cells(blank(10, 3), 5)
    assert tight_ink_bbox(np.zeros((0, 0), np.uint8)) is None
