"""Scan conditions: each changes the pixels the way its name says, and the truth stays true."""

from __future__ import annotations

import copy

import cv2
import numpy as np
import pytest

from domain.model import FormTemplate
from forms.loader import load_templates
from synth.conditions import CONDITIONS, apply_condition
from synth.generate import SynthDocument, SynthOptions, generate_document

DPI = 100
CLEAN = SynthOptions(dpi=DPI, degrade=False, rotate180_prob=0.0, id_copy_prob=1.0, blank_page_prob=1.0)


@pytest.fixture(scope="module")
def templates() -> dict[str, FormTemplate]:
    return load_templates()


@pytest.fixture(scope="module")
def doc(templates: dict[str, FormTemplate]) -> SynthDocument:
    """One form page, an ID copy and a blank page, clean."""
    d = generate_document(templates["onestop_2022"], 21, CLEAN)
    assert sorted(p["kind"] for p in d.truth["pages"]) == ["blank", "form", "id_copy"]
    return d


def _form(d: SynthDocument) -> tuple[np.ndarray, dict]:
    [k] = [k for k, p in enumerate(d.truth["pages"]) if p["kind"] == "form"]
    return d.pages[k], d.truth["pages"][k]


def _gray(img: np.ndarray) -> np.ndarray:
    return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


@pytest.mark.parametrize("name", sorted(CONDITIONS))
def test_condition_keeps_truth_and_input(doc: SynthDocument, name: str) -> None:
    pages = [p.copy() for p in doc.pages]
    truth = copy.deepcopy(doc.truth)
    out = apply_condition(name, doc, np.random.default_rng(3))
    assert all(np.array_equal(a, b) for a, b in zip(pages, doc.pages, strict=True)), "input untouched"
    assert doc.truth == truth
    assert out.truth["condition"] == name and out.document_id == doc.document_id
    assert len(out.pages) == len(doc.pages)
    for img, before, p, q in zip(out.pages, doc.pages, out.truth["pages"], truth["pages"], strict=True):
        assert img.shape[:2] == before.shape[:2] and img.dtype == np.uint8
        assert not np.array_equal(_gray(img), before)
        for key in ("kind", "template_page", "index"):
            assert p[key] == q[key]
        values = {f: v["value"] for f, v in p["fields"].items()}
        assert values == {f: v["value"] for f, v in q["fields"].items()}
        assert p["degradations"]["condition"]["name"] == name
    again = apply_condition(name, doc, np.random.default_rng(3))
    assert all(np.array_equal(a, b) for a, b in zip(again.pages, out.pages, strict=True))
    assert again.truth == out.truth


@pytest.mark.parametrize("name", ["office", "skew4", "fit", "dark_back", "jpeg25", "phone", "seal"])
def test_recorded_geometry_maps_the_clean_page_onto_the_result(doc: SynthDocument, name: str) -> None:
    """Warping the clean page with the truth's mapping lands on the conditioned page."""
    clean, _ = _form(doc)
    img, tp = _form(apply_condition(name, doc, np.random.default_rng(5)))
    h, w = clean.shape
    if "homography" in tp:
        warped = cv2.warpPerspective(clean, np.array(tp["homography"]), (w, h), borderValue=(255,))
    else:
        warped = cv2.warpAffine(clean, np.array(tp["affine"]), (w, h), borderValue=(255,))
    got = _gray(img).astype(np.float32)
    ink = cv2.dilate((warped < 128).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    inside = float(got[ink].mean())
    assert inside < float(np.median(got)) - 60, "the print is where the mapping says"
    box = tp["fields"]["full_name"]["box_px"]
    assert box[2] > 0 and box[3] > 0


def test_fax_is_one_bit(doc: SynthDocument) -> None:
    out = apply_condition("fax", doc, np.random.default_rng(1))
    for img in out.pages:
        assert img.ndim == 2 and set(np.unique(img)) <= {0, 255}
    img, _ = _form(out)
    assert (img == 0).mean() > 0.01


def test_phone_is_a_warm_colour_photo_with_uneven_light(doc: SynthDocument) -> None:
    out = apply_condition("phone", doc, np.random.default_rng(2))
    img, tp = _form(out)
    assert img.ndim == 3 and img.shape[2] == 3
    h, w = img.shape[:2]
    paper = img[h // 2 - 20: h // 2 + 20, w // 2 - 20: w // 2 + 20].reshape(-1, 3).astype(float)
    b, _, r = np.median(paper, axis=0)
    assert r > b + 10, "warm paper: more red than blue"
    corners = [img[:3, :3], img[:3, -3:], img[-3:, :3], img[-3:, -3:]]
    assert sum(float(c.mean()) < 150 for c in corners) >= 2, "the page is smaller than the photo"
    assert "homography" in tp and abs(tp["skew_deg"]) < 10
    lum = _gray(img).astype(float)
    quarters = [np.percentile(lum[y: y + h // 2, x: x + w // 2], 90)
                for y in (0, h // 2) for x in (0, w // 2)]
    assert max(quarters) - min(quarters) > 4, "light is uneven"


def test_seal_is_red_and_on_a_filled_field(doc: SynthDocument) -> None:
    out = apply_condition("seal", doc, np.random.default_rng(4))
    assert all(img.ndim == 3 for img in out.pages)
    img, tp = _form(out)
    b, g, r = (img[:, :, i].astype(int) for i in range(3))
    red = (r > g + 50) & (r > b + 50)
    assert red.sum() > 30
    seal = tp["degradations"]["condition"]["seal"]
    assert seal["text"] == "印" or all("\u4e00" <= c <= "\u9fff" for c in seal["text"])
    ys, xs = np.nonzero(red)
    centre = np.array([xs.mean(), ys.mean(), 1.0])
    mapped = np.array(tp["affine"]) @ np.array([*seal["centre_px"], 1.0])
    assert np.hypot(*(centre[:2] - mapped)) < seal["diameter_px"] / 2
    others = [p for p in out.truth["pages"] if p["kind"] != "form"]
    assert all("seal" not in p["degradations"]["condition"] for p in others)


def test_dark_back_is_upside_down_with_a_dark_border(doc: SynthDocument) -> None:
    out = apply_condition("dark_back", doc, np.random.default_rng(6))
    img, tp = _form(out)
    _, before = _form(doc)
    assert tp["rotation"] == (before["rotation"] + 180) % 360 == 180
    a = np.array(tp["affine"])
    assert a[0, 0] < -0.9 and a[1, 1] < -0.9
    level = tp["degradations"]["condition"]["background_level"]
    rim = np.concatenate([img[:2].ravel(), img[-2:].ravel(), img[:, :2].ravel(), img[:, -2:].ravel()])
    assert np.median(rim) < level + 30 < 130


def test_skew4_fit_and_jpeg25_parameters(doc: SynthDocument) -> None:
    for s in range(4):
        _, tp = _form(apply_condition("skew4", doc, np.random.default_rng(s)))
        assert 2.9 <= abs(tp["skew_deg"]) <= 5.1
        _, tp = _form(apply_condition("fit", doc, np.random.default_rng(s)))
        c = tp["degradations"]["condition"]
        assert 0.90 <= c["print_scale"] <= 0.95
        a = np.array(tp["affine"])
        assert 0.86 <= float(np.sqrt(abs(np.linalg.det(a[:, :2])))) <= 0.985
        _, tp = _form(apply_condition("jpeg25", doc, np.random.default_rng(s)))
        assert tp["degradations"]["condition"]["jpeg_quality"] == 25


def test_unknown_condition(doc: SynthDocument) -> None:
    with pytest.raises(ValueError):
        apply_condition("coffee_stain", doc, np.random.default_rng(0))
