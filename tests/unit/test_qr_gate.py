"""The QR finder pre-test (ocr.qr_finder): copies skip the decoder, every QR code is still read.

The decoder's work is counted by a detector that records its calls (never by time):
a page of print without a QR code must not reach it at all; a page with one must, and
the code must come back whatever its size (down to 12 mm at 200 dpi and 150 dpi),
turn, contrast or blur.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from forms.loader import load_templates
from forms.render import blank_page, qr_box, render_page
from forms.separator import render_separator
from ocr import identify
from ocr.qr_finder import QrGate, finder_centres, qr_triples
from synth.id_copies import copy_page

from realforms import print_qr  # isort: skip

TEXT = "SURVEY-2026-0042"


class CountingDetector:
    """OpenCV's QR detector, counting the images it is asked to search."""

    def __init__(self) -> None:
        self.inner = cv2.QRCodeDetector()
        self.calls = 0

    def detectAndDecode(self, img: np.ndarray) -> Any:  # OpenCV's method name
        self.calls += 1
        return self.inner.detectAndDecode(img)


@pytest.fixture(scope="module")
def form_blank() -> np.ndarray:
    """A page of print (our 寄附申込書 layout) with our QR code painted out."""
    furusato = load_templates(Path("templates"))["furusato_application"]
    img = np.asarray(blank_page(furusato, 1, 200), np.uint8).copy()
    q, ppm = qr_box(furusato), 200 / 25.4
    img[round(q.y * ppm) - 4: round(q.y2 * ppm) + 4, round(q.x * ppm) - 4: round(q.x2 * ppm) + 4] = 255
    assert identify.find_qr(img) is None
    return img


def _copy(kind: str, seed: int, fax: bool = False) -> np.ndarray:
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    return copy_page(kind, (1654, 2339), nrng, rng, 200, fax=fax)[0]


def _turned(img: np.ndarray, degrees: float) -> np.ndarray:
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(img, m, (w, h), borderValue=255)


@pytest.mark.parametrize(("kind", "fax"), [("license", False), ("juminhyo", False), ("mynumber_back", True),
                                           ("notification+passport", False), ("passport", True)])
def test_a_copy_page_never_reaches_the_decoder(kind: str, fax: bool) -> None:
    counting = CountingDetector()
    assert identify.find_qr(_copy(kind, 3, fax), counting) is None
    assert counting.calls == 0


def test_a_blank_white_page_never_reaches_the_decoder() -> None:
    counting = CountingDetector()
    assert identify.find_qr(np.full((2339, 1654), 255, np.uint8), counting) is None
    assert counting.calls == 0


def test_our_form_qr_is_decoded_in_its_corner_only() -> None:
    onestop = load_templates(Path("templates"))["onestop_2022"]
    page = np.asarray(render_page(onestop, 1, 200).convert("L"), np.uint8).copy()
    counting = CountingDetector()
    hit = identify.find_qr(page, counting)
    assert hit is not None and hit.text == "yomitori:onestop_2022:1:1"
    # the other corners show no finder pattern: the bottom-left corner (tried first) decodes it
    assert counting.calls == 1


@pytest.mark.parametrize("side_mm", [12.0, 18.0, 30.0])
@pytest.mark.parametrize("where", [(12.0, 12.0), (165.0, 260.0), (95.0, 140.0)])
def test_a_qr_code_of_any_size_anywhere_is_still_found(form_blank: np.ndarray, side_mm: float,
                                                       where: tuple[float, float]) -> None:
    page = print_qr(form_blank, TEXT, *where, side_mm)
    hit = identify.find_qr(page)
    assert hit is not None and hit.text == TEXT


@pytest.mark.parametrize("degrees", [7.0, 30.0, 45.0, 135.0])
def test_a_turned_qr_code_is_still_found(form_blank: np.ndarray, degrees: float) -> None:
    page = _turned(print_qr(form_blank, TEXT, 95.0, 140.0, 18.0), degrees)
    hit = identify.find_qr(page)
    assert hit is not None and hit.text == TEXT


def test_a_low_contrast_blurred_or_small_scan_qr_code_is_still_found(form_blank: np.ndarray) -> None:
    page = print_qr(form_blank, TEXT, 165.0, 12.0, 18.0)
    faint = (255 - (255 - page.astype(np.float32)) * 0.35).astype(np.uint8)  # ink at ~165 on white
    grey = (page.astype(np.float32) * 0.6 + 60).astype(np.uint8)  # grey paper, grey ink
    blurred = cv2.GaussianBlur(page, (0, 0), 1.5)
    low_dpi = cv2.resize(page, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA)  # 150 dpi
    for img in (faint, grey, blurred, low_dpi):
        hit = identify.find_qr(img)
        assert hit is not None and hit.text == TEXT


def test_the_separator_sheet_is_found_at_every_resolution() -> None:
    for dpi in (150, 200, 300):
        sep = np.asarray(render_separator(dpi), np.uint8)
        hit = identify.find_qr(np.ascontiguousarray(np.rot90(sep)))
        assert hit is not None and hit.text.startswith("yomitori")


def test_the_gate_points_at_the_region_that_holds_the_code(form_blank: np.ndarray) -> None:
    page = print_qr(np.full_like(form_blank, 255), TEXT, 150.0, 240.0, 18.0)
    gate = QrGate.of(page)
    h, w = page.shape
    assert gate.allows() and not gate.anywhere
    assert gate.allows((w * 0.5, h * 0.6, w, h))  # bottom-right quarter
    assert not gate.allows((0, 0, w * 0.5, h * 0.5))  # top-left quarter holds no code
    assert len(finder_centres(page)) >= 3


def test_three_crosses_must_lie_as_finder_patterns_do() -> None:
    right = [(100.0, 100.0, 30.0), (200.0, 100.0, 30.0), (100.0, 200.0, 30.0)]
    assert len(qr_triples(right)) == 1
    in_a_row = [(100.0, 100.0, 30.0), (200.0, 100.0, 30.0), (300.0, 101.0, 30.0)]
    assert qr_triples(in_a_row) == []  # a line of print, not a code
    sizes = [(100.0, 100.0, 30.0), (200.0, 100.0, 90.0), (100.0, 200.0, 30.0)]
    assert qr_triples(sizes) == []  # one pattern three times the others' size
    touching = [(100.0, 100.0, 30.0), (120.0, 100.0, 30.0), (100.0, 120.0, 30.0)]
    assert qr_triples(touching) == []  # closer than one pattern's width
    assert qr_triples(right[:2]) == []


def test_hostile_input_is_refused_quietly() -> None:
    assert finder_centres(np.zeros((4, 4), np.uint8)) == []
    assert finder_centres(np.zeros((10, 10, 3), np.uint8)) == []
    assert not QrGate.of(np.zeros((300, 300), np.uint8)).allows()  # all black: no pattern
    noise = np.random.default_rng(0).integers(0, 256, (600, 600)).astype(np.uint8)
    counting = CountingDetector()
    identify.find_qr(noise, counting)  # may or may not search noise, must not fail
