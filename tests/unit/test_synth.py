"""Scan synthesiser: deterministic, truthful about what it drew, degradations in bounds."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from domain.model import Box, FormTemplate
from forms.loader import load_templates
from forms.render import PageGeometry, render_page
from synth import degrade
from synth.generate import SynthOptions, generate_document, generate_samples, write_document

DPI = 100
CLEAN = SynthOptions(dpi=DPI, degrade=False, rotate180_prob=0.0, id_copy_prob=0.0,
                     blank_page_prob=0.0)
FORMS = ["onestop_2022", "onestop_legacy", "furusato_application", "citizen_survey"]


@pytest.fixture(scope="module")
def templates() -> dict[str, FormTemplate]:
    return load_templates()


def _region(img: np.ndarray, box: Box, geo: PageGeometry, grow_mm: float = 0.0,
            shrink: float = 0.0) -> np.ndarray:
    g = grow_mm - min(box.w, box.h) * shrink
    x0, y0 = geo.px(box.x - g), geo.px(box.y - g)
    x1, y1 = geo.px(box.x2 + g), geo.px(box.y2 + g)
    return img[max(0, y0):y1, max(0, x0):x1]


@pytest.mark.parametrize("form", FORMS)
def test_every_template_generates(templates: dict[str, FormTemplate], form: str) -> None:
    t = templates[form]
    doc = generate_document(t, 1, SynthOptions(dpi=DPI))
    geo = PageGeometry.for_template(t, DPI)
    assert all(p.shape == (geo.height_px, geo.width_px) and p.dtype == np.uint8 for p in doc.pages)
    forms = [p for p in doc.truth["pages"] if p["kind"] == "form"]
    assert [p["template_page"] for p in forms] == [p.number for p in t.pages]
    assert {f for p in forms for f in p["fields"]} == {f.id for f in t.fields}
    assert [p["index"] for p in doc.truth["pages"]] == list(range(len(doc.pages)))
    json.dumps(doc.truth)  # JSON-able


def test_same_seed_same_bytes(templates: dict[str, FormTemplate], tmp_path: Path) -> None:
    t = templates["onestop_2022"]
    opts = SynthOptions(dpi=DPI, id_copy_prob=1.0, blank_page_prob=1.0)
    a, b = generate_document(t, 42, opts), generate_document(t, 42, opts)
    assert a.truth == b.truth and len(a.pages) == len(b.pages) == 3
    assert all(np.array_equal(x, y) for x, y in zip(a.pages, b.pages, strict=True))
    for fmt in ("png", "pdf", "tiff", "jpg"):
        pa = write_document(a, tmp_path / f"a_{fmt}", fmt)
        pb = write_document(b, tmp_path / f"b_{fmt}", fmt)
        assert [p.read_bytes() for p in pa] == [p.read_bytes() for p in pb], fmt
    c = generate_document(t, 43, opts)
    assert c.truth != a.truth and not np.array_equal(c.pages[0], a.pages[0])


def test_written_files(templates: dict[str, FormTemplate], tmp_path: Path) -> None:
    doc = generate_document(templates["citizen_survey"], 3, CLEAN)
    pngs = write_document(doc, tmp_path / "png", "png")
    assert [p.name for p in pngs] == [f"{doc.document_id}_p1.png", f"{doc.document_id}_p2.png",
                                      f"{doc.document_id}.json"]
    tiff = write_document(doc, tmp_path / "tiff", "tiff")[0]
    with Image.open(tiff) as im:
        assert im.n_frames == 2
    pdf = write_document(doc, tmp_path / "pdf", "pdf")[0]
    assert pdf.read_bytes().count(b"/Type /Page\n") + pdf.read_bytes().count(b"/Type /Page ") >= 2
    truth = json.loads(pngs[-1].read_text(encoding="utf-8"))
    assert truth == doc.truth


def test_document_i_independent_of_count(tmp_path: Path) -> None:
    opts = SynthOptions(dpi=DPI, degrade=False)
    one = generate_samples("furusato_application", 1, 5, tmp_path / "one", opts)
    two = generate_samples("furusato_application", 2, 5, tmp_path / "two", opts)
    assert [p.name for p in two[: len(one)]] == [p.name for p in one]
    assert [p.read_bytes() for p in two[: len(one)]] == [p.read_bytes() for p in one]
    assert two[-1].read_bytes() != one[-1].read_bytes()


@pytest.mark.parametrize("style", ["handwriting", "printed"])
@pytest.mark.parametrize("form", FORMS)
def test_ink_where_truth_says(templates: dict[str, FormTemplate], form: str, style: str) -> None:
    """On a clean page, ink differs from the blank form exactly in filled fields and marks."""
    t = templates[form]
    geo = PageGeometry.for_template(t, DPI)
    for seed in range(3):
        opts = SynthOptions(dpi=DPI, style=style, degrade=False, rotate180_prob=0.0,
                            id_copy_prob=0.0, blank_page_prob=0.0)
        doc = generate_document(t, seed, opts)
        for page, pt in zip(doc.pages, doc.truth["pages"], strict=True):
            blank = np.asarray(render_page(t, pt["template_page"], DPI), dtype=np.int16)
            diff = np.abs(page.astype(np.int16) - blank) > 40
            for f in t.fields_on(pt["template_page"]):
                ft = pt["fields"][f.id]
                if not f.is_mark:
                    inked = _region(diff, f.box, geo).sum()
                    assert bool(inked > 3) is (ft["text"] is not None), (seed, f.id, ft)
                    _region(diff, f.box, geo)[:] = False
                    continue
                boxes = {"checked": f.box} if not f.options else {o.value: o.box for o in f.options}
                for value, box in boxes.items():
                    drawn = value in ft["marks"] or value in ft["corrections"]
                    if drawn:
                        assert _region(diff, box, geo, grow_mm=1.5).sum() > 5, (seed, f.id, value)
                    else:
                        assert _region(diff, box, geo, shrink=0.3).sum() == 0, (seed, f.id, value)
            for f in t.fields_on(pt["template_page"]):  # marks may overshoot their square
                for box in [f.box] if not f.options else [o.box for o in f.options]:
                    _region(diff, box, geo, grow_mm=1.5 * max(box.w, box.h))[:] = False
            assert diff.sum() == 0, "ink outside every field box"


def test_dates_and_my_numbers_in_truth(templates: dict[str, FormTemplate]) -> None:
    from domain.mynumber import is_valid_my_number
    from domain.wareki import parse_wareki

    t = templates["onestop_2022"]
    seen_invalid = False
    for seed in range(12):
        opts = SynthOptions(dpi=DPI, degrade=False, invalid_my_number_prob=0.4)
        fields = generate_document(t, seed, opts).truth["pages"][0]["fields"]
        mn = fields["my_number"]
        assert is_valid_my_number(mn["value"]) is mn["valid"]
        seen_invalid |= not mn["valid"]
        era = fields["birth_era"]["value"]
        assert parse_wareki(fields["birth_date"]["text"], era).value.isoformat() == (
            fields["birth_date"]["value"])
        for fid in ("donation_date", "submitted_on"):
            assert parse_wareki(fields[fid]["text"], "令和").value.isoformat() == fields[fid]["value"]
    assert seen_invalid


def test_id_copy_page_has_no_qr(templates: dict[str, FormTemplate]) -> None:
    t = templates["onestop_2022"]
    opts = SynthOptions(dpi=150, degrade=False, rotate180_prob=0.0, id_copy_prob=1.0,
                        blank_page_prob=0.0)
    doc = generate_document(t, 9, opts)
    kinds = [p["kind"] for p in doc.truth["pages"]]
    assert kinds == ["form", "id_copy"]
    qr = cv2.QRCodeDetector()
    assert qr.detectAndDecode(doc.pages[0])[0] == "yomitori:onestop_2022:1:1"
    assert qr.detectAndDecode(doc.pages[1])[0] == ""
    geo = PageGeometry.for_template(t, 150)
    for m in t.page(1).marks:  # no registration mark where the form has them
        spot = _region(doc.pages[1], Box(x=m.x, y=m.y, w=m.size, h=m.size), geo)
        assert spot.mean() > 200
    assert doc.pages[1].min() < 100  # but it is not blank


def test_blank_page(templates: dict[str, FormTemplate]) -> None:
    opts = SynthOptions(dpi=DPI, blank_page_prob=1.0, id_copy_prob=0.0)
    doc = generate_document(templates["furusato_application"], 2, opts)
    [(i, page)] = [(i, p) for i, p in enumerate(doc.truth["pages"]) if p["kind"] == "blank"]
    img = doc.pages[i]
    assert i >= 1 and page["fields"] == {} and img.mean() > 200
    assert (img < 128).mean() < 0.01


def test_rotation_recorded_matches_image(templates: dict[str, FormTemplate]) -> None:
    t = templates["citizen_survey"]
    upright = generate_document(t, 4, CLEAN)
    flipped = generate_document(t, 4, SynthOptions(dpi=DPI, degrade=False, rotate180_prob=1.0,
                                                   id_copy_prob=0.0, blank_page_prob=0.0))
    for a, b, pt in zip(upright.pages, flipped.pages, flipped.truth["pages"], strict=True):
        assert pt["rotation"] == 180
        assert np.array_equal(np.rot90(a, 2), b)
    assert all(p["rotation"] == 0 for p in upright.truth["pages"])


def test_degraded_geometry_is_recorded(templates: dict[str, FormTemplate]) -> None:
    """The recorded affine maps the clean registration marks onto dark pixels of the scan."""
    t = templates["onestop_legacy"]
    geo = PageGeometry.for_template(t, DPI)
    for seed in range(6):
        doc = generate_document(t, seed, SynthOptions(dpi=DPI, rotate180_prob=0.5))
        pt = doc.truth["pages"][0]
        m = np.array(pt["affine"])
        img = doc.pages[0]
        for mark in t.page(1).marks:
            x, y = geo.px(mark.center[0]), geo.px(mark.center[1])
            u, v = (m @ np.array([x, y, 1.0])).round().astype(int)
            if 3 <= u < img.shape[1] - 3 and 3 <= v < img.shape[0] - 3:
                assert img[v - 1: v + 2, u - 1: u + 2].mean() < 110, (seed, mark)


def test_degradations_stay_in_bounds() -> None:
    img = np.full((300, 200), 255, np.uint8)
    cv2.rectangle(img, (50, 50), (150, 250), 0, 3)
    for s in range(60):
        rng = np.random.default_rng(s)
        out, p = degrade.scan(img, rng, dpi=DPI)
        assert out.shape == img.shape and out.dtype == np.uint8
        assert abs(p["skew_deg"]) <= degrade.SKEW_MAX_DEG
        assert degrade.SCALE_RANGE[0] <= p["scale"] <= degrade.SCALE_RANGE[1]
        max_px = degrade.OFFSET_MAX_MM * DPI / 25.4
        assert all(abs(v) <= max_px for v in p["offset_px"])
        if "jpeg_quality" in p:
            assert degrade.JPEG_QUALITY[0] <= p["jpeg_quality"] <= degrade.JPEG_QUALITY[1]
        if "blur_sigma" in p:
            assert degrade.BLUR_SIGMA[0] <= p["blur_sigma"] <= degrade.BLUR_SIGMA[1]
        if p.get("binarized"):
            assert set(np.unique(out)) <= {0, 255}
    rot, p = degrade.rotate180(img)
    assert p["rotation"] == 180 and np.array_equal(rot[::-1, ::-1], img)


def test_wrapped_comment_truth_has_line_breaks(templates: dict[str, FormTemplate]) -> None:
    from domain.validate import normalize_field

    t = templates["citizen_survey"]
    spec = t.field("comment")
    wrapped = 0
    for seed in range(12):
        doc = generate_document(t, seed, CLEAN)
        ft = doc.truth["pages"][1]["fields"]["comment"]
        if ft["text"] is None:
            continue
        wrapped += "\n" in ft["text"]
        assert ft["value"] == ft["text"] == normalize_field(spec, ft["text"]).value
    assert wrapped >= 1
