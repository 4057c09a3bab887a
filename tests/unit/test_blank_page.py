"""The page check's blank test: sparse noise is blank, a small thin-lined copy is not.

A fax of a 通知カード (a card-sized box of thin text on an A4 page) once stayed under the
ink ratio and was filed as a blank page (白紙), so the envelope looked incomplete.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr import preprocess

H, W = 2339, 1654  # A4 at 200 dpi


def _noisy_paper(seed: int, specks: int = 3000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = np.full((H, W), 245, np.uint8)
    ys, xs = rng.integers(0, H, specks), rng.integers(0, W, specks)
    page[ys, xs] = 40  # single-pixel fax noise
    return page


def _thin_card(seed: int) -> np.ndarray:
    page = _noisy_paper(seed)
    x0, y0 = 420, 250
    cv2.rectangle(page, (x0, y0), (x0 + 560, y0 + 340), 60, 1)
    for k, text in enumerate(["TSUCHI CARD", "1234 5678 9012", "OIKAWA YUKO", "NAGANO 1-3", "S5.5.12"]):
        cv2.putText(page, text, (x0 + 20, y0 + 50 + 40 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 40, 1)
    return page


def test_sparse_noise_is_blank() -> None:
    for seed in range(3):
        check = preprocess.check_page(_noisy_paper(seed))
        assert check.blank, check


def test_a_small_thin_lined_copy_is_not_blank_though_its_ink_ratio_is_low() -> None:
    page = _thin_card(7)
    check = preprocess.check_page(page)
    assert check.ink_ratio < preprocess.BLANK_INK_RATIO  # the ratio alone would call it blank
    assert not check.blank
    assert preprocess.dense_ink_blocks(page) >= preprocess.BLANK_TEXT_BLOCKS


def test_one_speck_of_dust_does_not_make_a_page_not_blank() -> None:
    page = _noisy_paper(3)
    cv2.circle(page, (800, 1200), 6, 30, -1)  # a blot a few pixels wide
    assert preprocess.check_page(page).blank
