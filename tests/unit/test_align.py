"""Alignment and identification geometry on rendered forms."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from domain.model import FormTemplate
from ocr import align, identify
from services.compose import render_blank


@pytest.fixture(scope="module")
def page(templates: dict[str, FormTemplate]) -> tuple[FormTemplate, np.ndarray]:
    t = templates["furusato_application"]
    return t, render_blank(t, 1, 200)


def _transform(img: np.ndarray, angle: float, scale: float, dx: float, dy: float
               ) -> tuple[np.ndarray, np.ndarray]:
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[:, 2] += (dx, dy)
    return cv2.warpAffine(img, m, (w, h), borderValue=(255,)), m


def _corner_error(al: align.Alignment, m: np.ndarray, shape: tuple[int, int]) -> float:
    """Mean distance (px) between where the page corners land and where they should."""
    h, w = shape
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    moved = corners @ m[:, :2].T + m[:, 2]
    back = cv2.perspectiveTransform(moved.reshape(-1, 1, 2), al.homography).reshape(-1, 2)
    return float(np.linalg.norm(back - corners, axis=1).mean())


@pytest.mark.parametrize(("angle", "scale", "dx", "dy"),
                         [(0, 1, 0, 0), (2.5, 0.98, 12, -9), (-2, 1.01, -10, 8)])
def test_marks_alignment_recovers_the_transform(page, angle, scale, dx, dy) -> None:  # type: ignore[no-untyped-def]
    t, img = page
    moved, m = _transform(img, angle, scale, dx, dy)
    al = align.align_by_marks(moved, t.pages[0].marks, t.page_size_mm, 200)
    assert al is not None and al.ok and al.method == "marks"
    assert _corner_error(al, m, img.shape) < 2.0  # px at 200 dpi (0.25 mm)


def test_features_fallback_without_marks(page) -> None:  # type: ignore[no-untyped-def]
    t, img = page
    moved, m = _transform(img, 1.5, 1.0, 8, 5)
    for mk in t.pages[0].marks:  # a form printed without corner marks
        x0, y0 = int(mk.x * 200 / 25.4) - 4, int(mk.y * 200 / 25.4) - 4
        s = int(mk.size * 200 / 25.4) + 8
        cv2.rectangle(moved, (x0 - 30, y0 - 30), (x0 + s + 30, y0 + s + 30), 255, -1)
    assert align.align_by_marks(moved, t.pages[0].marks, t.page_size_mm, 200) is None
    al = align.align_by_features(moved, img, t.page_size_mm[0])
    assert al is not None and al.ok and al.method == "features"
    assert _corner_error(al, m, img.shape) < 4.0


def test_garbage_does_not_align(page) -> None:  # type: ignore[no-untyped-def]
    t, img = page
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, img.shape, dtype=np.uint8)
    al = align.align_by_features(noise, img, t.page_size_mm[0])
    assert al is None or not al.ok


@pytest.mark.parametrize("quarter_turns", [0, 1, 2, 3])
def test_qr_gives_identity_and_rotation(page, quarter_turns: int) -> None:  # type: ignore[no-untyped-def]
    t, img = page
    turned = np.ascontiguousarray(np.rot90(img, -quarter_turns))  # clockwise
    hit = identify.find_qr(turned)
    assert hit is not None
    assert identify.parse_payload(hit.text) == identify.Identity("furusato_application", t.version, 1)
    assert hit.rotation == 90 * quarter_turns
    upright = np.rot90(turned, hit.rotation // 90)
    assert np.array_equal(upright, img)


def test_foreign_qr_payloads_are_rejected() -> None:
    assert identify.parse_payload("https://example.com") is None
    assert identify.parse_payload("yomitori:../../etc:1:1") is None
    assert identify.parse_payload("yomitori:onestop_2022:1:1") == identify.Identity("onestop_2022", 1, 1)
