"""A city's own form (no corner marks, no QR): blank from its scan, identification by
print, alignment by print, versions and drafts, synthetic fills. Fake recogniser only.

The form is drawn here (a ruled table, labels inside cells, a date line
令和　年　月　日, a 7-cell postal row, circled 男・女, a □ checkbox) and "scanned"
with :func:`synth.degrade.office_scan`: grey, unevenly lit, grainy, JPEG.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import yaml
from PIL import Image, ImageDraw

from domain.model import FormTemplate
from domain.status import PageStatus
from forms.fonts import form_font, pil_font
from forms.loader import default_templates_dir, load_template_versions, load_templates
from forms.render import blank_page, reference_page
from forms.versions import save_new_version
from ocr import align
from ocr.engines.fake import FakeRecognizer
from ocr.pipeline import read_page
from ocr.reader import Reader, usable_templates
from services.compose import render_blank
from synth import degrade
from synth.fill import _printed_slots
from synth.generate import SynthOptions, generate_document

DPI = 200
TODAY = date(2026, 11, 20)
CLEAN = SynthOptions(degrade=False, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0,
                     style="printed")
SCANNED = SynthOptions(rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0)


def _mm(v: float) -> int:
    return round(v * DPI / 25.4)


def draw_form(variant: str = "a") -> np.ndarray:
    """みなと町 住所変更届: clean drawing at 200 dpi. Variant "b" adds a 委任状 table below."""
    im = Image.new("L", (_mm(210), _mm(297)), 255)
    d = ImageDraw.Draw(im)
    spec = form_font()

    def text(x: float, y: float, s: str, pt: float = 10.0, anchor: str = "lm") -> None:
        d.text((_mm(x), _mm(y)), s, font=pil_font(spec, round(pt * DPI / 72)), fill=0, anchor=anchor)

    def line(x1: float, y1: float, x2: float, y2: float, w: float = 0.3) -> None:
        d.line((_mm(x1), _mm(y1), _mm(x2), _mm(y2)), fill=0, width=max(1, _mm(w)))

    def rect(x: float, y: float, w: float, h: float, lw: float = 0.3) -> None:
        d.rectangle((_mm(x), _mm(y), _mm(x + w), _mm(y + h)), outline=0, width=max(1, _mm(lw)))

    text(105, 16, "みなと町　住所変更届", 16, "mm")
    for x, s in ((125, "令和"), (143, "年"), (160, "月"), (177, "日")):
        text(x, 32, s, 11)
    rect(15, 42, 180, 68, 0.5)
    line(45, 42, 45, 110)
    for y in (54, 64, 76, 86, 98):
        line(15, y, 195, y)
    for y, s in ((48, "氏　名"), (59, "郵便番号"), (70, "住　所"), (81, "電話番号"), (92, "性　別"),
                 (104, "届出")):
        text(17, y, s, 10)
    for i in range(8):
        line(50 + 5 * i, 56, 50 + 5 * i, 63, 0.45 if i in (0, 3, 7) else 0.15)
    line(50, 56, 85, 56)
    line(50, 63, 85, 63)
    text(60, 92, "男", 11, "mm")
    text(70, 92, "・", 11, "mm")
    text(80, 92, "女", 11, "mm")
    rect(48, 102, 4, 4)
    text(54, 104, "転入届も提出済みです", 10)
    text(15, 125, "注意事項", 10)
    for i, s in enumerate(["1　転居した日から14日以内に届け出てください。",
                           "2　本人確認書類をお持ちください。"]):
        text(18, 132 + 6 * i, s, 9)
    if variant == "b":
        text(15, 160, "委任状（代理人が届け出る場合）", 11)
        rect(15, 166, 180, 36, 0.5)
        line(45, 166, 45, 202)
        for y in (178, 190):
            line(15, y, 195, y)
        for y, s in ((172, "代理人氏名"), (184, "代理人住所"), (196, "委任者署名")):
            text(17, y, s, 9)
    text(195, 285, "みなと町 住民課", 7, "rm")
    return np.asarray(im, dtype=np.uint8)


FIELDS: list[dict[str, Any]] = [
    {"id": "applied_on", "label": "届出日", "kind": "wareki_date", "fixed_era": "令和",
     "box": {"x": 123, "y": 27, "w": 62, "h": 10}, "sample": "submitted_on"},
    {"id": "full_name", "label": "氏名", "kind": "text", "box": {"x": 45, "y": 42, "w": 150, "h": 12},
     "personal": True, "sample": "full_name"},
    {"id": "postal_code", "label": "郵便番号", "kind": "postal_code", "cells": 7,
     "box": {"x": 50, "y": 56, "w": 35, "h": 7}, "sample": "postal_code"},
    {"id": "address", "label": "住所", "kind": "text", "box": {"x": 45, "y": 64, "w": 150, "h": 12},
     "sample": "address"},
    {"id": "phone", "label": "電話番号", "kind": "phone", "box": {"x": 45, "y": 76, "w": 70, "h": 10},
     "sample": "phone"},
    {"id": "note", "label": "備考", "kind": "text", "box": {"x": 116, "y": 76, "w": 78, "h": 10}},
    {"id": "sex", "label": "性別", "kind": "choice", "mark_style": "circle",
     "box": {"x": 54, "y": 87, "w": 32, "h": 10}, "sample": "sex",
     "options": [{"value": "男", "label": "男", "box": {"x": 54, "y": 87, "w": 12, "h": 10}},
                 {"value": "女", "label": "女", "box": {"x": 74, "y": 87, "w": 12, "h": 10}}]},
    {"id": "moved_in", "label": "転入届提出済み", "kind": "checkbox",
     "box": {"x": 48, "y": 102, "w": 4, "h": 4}},
]


def template_data(version: int = 1, status: str = "active") -> dict[str, Any]:
    return {"id": "minato_jusho", "family": "minato_jusho", "version": version,
            "title": "住所変更届", "source": "scanned", "status": status,
            "pages": [{"number": 1, "form_code": "MINATO-JUSHO-1",
                       "reference_image": "reference/page1.png"}],
            "fields": FIELDS}


def scan_png(variant: str, seed: int = 0) -> bytes:
    img, _ = degrade.office_scan(draw_form(variant), np.random.default_rng(seed))
    return cv2.imencode(".png", img)[1].tobytes()


def write_city(folder: Path, variant: str = "a") -> FormTemplate:
    (folder / "minato_jusho" / "reference").mkdir(parents=True)
    (folder / "minato_jusho" / "reference" / "page1.png").write_bytes(scan_png(variant))
    (folder / "minato_jusho" / "template.yaml").write_text(
        yaml.safe_dump(template_data(), allow_unicode=True), encoding="utf-8")
    return load_templates(folder)["minato_jusho"]


@pytest.fixture(scope="module")
def city_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("city")
    write_city(folder)
    return folder


@pytest.fixture(scope="module")
def city(city_dir: Path) -> FormTemplate:
    return load_templates(city_dir)["minato_jusho"]


def _reader(templates: dict[str, FormTemplate], **kw: Any) -> Reader:
    fake = FakeRecognizer(lambda i, crop, alphabet: ("X", 0.9))
    return Reader(templates=templates, recognizer=fake, blank_renderer=render_blank, today=TODAY, **kw)


def test_blank_of_a_scanned_form_is_its_cleaned_reference(city: FormTemplate) -> None:
    raw = np.asarray(reference_page(city, 1, DPI))
    blank = np.asarray(blank_page(city, 1, DPI))
    assert np.array_equal(render_blank(city, 1, DPI), blank)  # what the composition root supplies
    assert raw.shape == blank.shape == (_mm(297), _mm(210))
    assert 195 < np.median(raw) < 240  # the scan: grey paper
    assert (blank == 255).mean() > 0.9  # cleaned: white paper, no grain
    clean = draw_form()
    assert ((blank < 128) == (clean < 128)).mean() > 0.99  # same print as drawn
    thin = blank[_mm(59), _mm(55) - 3: _mm(55) + 4]  # a 0.15 mm cell divider stays dark
    assert thin.min() < 160


def test_synth_fills_the_reference_scan(city: FormTemplate) -> None:
    doc = generate_document(city, 3, CLEAN)
    page, truth = doc.pages[0], doc.truth["pages"][0]["fields"]
    raw = np.asarray(reference_page(city, 1, DPI), dtype=np.int16)
    changed = np.abs(page.astype(np.int16) - raw) > 40
    outside = changed.copy()
    for f in city.fields:  # nothing drawn outside the fields (marks may overshoot a little)
        for b in [f.box, *[o.box for o in f.options]]:
            g = 1.5 * max(b.w, b.h) if f.is_mark else 0.0
            outside[max(0, _mm(b.y - g)):_mm(b.y2 + g), max(0, _mm(b.x - g)):_mm(b.x2 + g)] = False
    assert outside.sum() == 0
    # the date line: one number in each printed gap, the printed 年/月/日 untouched
    box = city.field("applied_on").box
    slots = _printed_slots(raw[_mm(box.y):_mm(box.y2), _mm(box.x):_mm(box.x2)].astype(np.uint8), DPI)
    assert len(slots) == 3
    region = changed[_mm(box.y):_mm(box.y2), _mm(box.x):_mm(box.x2)]
    for a, b in slots:
        assert region[:, a:b].sum() > 20
    cols = np.flatnonzero(region.any(axis=0))
    assert all(any(a <= c < b for a, b in slots) for c in cols)
    assert truth["applied_on"]["value"] and truth["note"]["value"] is None


def _corner_error_mm(al: align.Alignment, affine: np.ndarray, shape: tuple[int, ...]) -> float:
    h, w = shape[:2]
    pts = np.array([[0.1 * w, 0.1 * h], [0.9 * w, 0.1 * h], [0.1 * w, 0.9 * h], [0.9 * w, 0.9 * h]])
    seen = pts @ affine[:, :2].T + affine[:, 2]
    back = cv2.perspectiveTransform(seen.reshape(-1, 1, 2), al.homography).reshape(-1, 2)
    return float(np.linalg.norm(back - pts, axis=1).max()) * 25.4 / DPI


def test_alignment_by_print_is_accurate(city: FormTemplate) -> None:
    blank = render_blank(city, 1, DPI)
    for seed in range(4):
        doc = generate_document(city, 40 + seed, SCANNED)
        affine = np.array(doc.truth["pages"][0]["affine"])
        al = align.align_to_reference(doc.pages[0], blank, city.page_size_mm, DPI)
        assert al is not None and al.ok and al.quality > 0.9, (seed, al)
        assert _corner_error_mm(al, affine, blank.shape) < 0.5, seed


def test_alignment_without_features_falls_back_to_coarse_ecc(city: FormTemplate) -> None:
    """12 mm off and turned 4°: phase correlation + ECC still land within half a millimetre."""
    blank = render_blank(city, 1, DPI)
    doc = generate_document(city, 7, CLEAN)
    m = cv2.getRotationMatrix2D((blank.shape[1] / 2, blank.shape[0] / 2), 4.0, 1.0)
    m[:, 2] += (_mm(12), -_mm(6))
    moved = cv2.warpAffine(doc.pages[0], m, (blank.shape[1], blank.shape[0]), borderValue=(255,))
    hom = align.coarse_alignment(moved, blank, DPI, skew_deg=4.0)
    assert hom is not None
    al = align.Alignment(hom, 1.0, "ecc", 0.0, 1.0, 0.0)
    assert _corner_error_mm(al, m, blank.shape) < 0.5


def test_bad_alignments_score_low(city: FormTemplate) -> None:
    blank = render_blank(city, 1, DPI)
    noise = np.random.default_rng(1).integers(0, 256, blank.shape, dtype=np.uint8)
    al = align.align_to_reference(noise, blank, city.page_size_mm, DPI)
    assert al is None or not al.ok
    page = generate_document(city, 8, CLEAN).pages[0]
    px_mm = DPI / 25.4
    assert align.print_agreement(page, blank, px_mm) > 0.97
    shifted = np.roll(page, _mm(2), axis=0)  # the table grid one rule off: repeated structure
    assert align.print_agreement(shifted, blank, px_mm) < 0.65  # quality 0 (AGREE_BAD)


def test_markless_page_is_identified_aligned_and_read(city: FormTemplate) -> None:
    templates = {**load_templates(default_templates_dir()), city.id: city}
    reader = _reader(templates)
    for seed, flip in ((50, False), (51, True)):
        doc = generate_document(city, seed, SCANNED)
        image = np.ascontiguousarray(np.rot90(doc.pages[0], 2)) if flip else doc.pages[0]
        page = read_page(image, reader)
        assert page.status is PageStatus.READ, page.reason
        assert (page.template_id, page.template_version, page.page_number) == ("minato_jusho", 1, 1)
        assert page.orientation == (180 if flip else 0)
        assert page.alignment_quality is not None and page.alignment_quality >= 0.9
        truth = doc.truth["pages"][0]["fields"]
        assert page.field("sex").value == truth["sex"]["value"]
        assert page.field("moved_in").value == truth["moved_in"]["value"]
        assert page.field("note").raw == ""  # empty box on a grainy grey scan: never sent to OCR
        assert page.field("full_name").raw.startswith("X")  # written boxes are


def test_non_forms_and_other_forms_are_not_taken_for_the_city_form(city: FormTemplate) -> None:
    reader = _reader({city.id: city})
    rng = np.random.default_rng(5)
    idc, _ = degrade.id_copy_page((_mm(210), _mm(297)), rng, DPI, ["氏名　山田　太郎", "住所　みなと町1-1"])
    assert read_page(idc, reader).status is PageStatus.NON_FORM
    survey = generate_document(load_templates(default_templates_dir())["citizen_survey"], 3, CLEAN)
    assert read_page(survey.pages[0], reader).status in (PageStatus.UNKNOWN_FORM, PageStatus.NON_FORM)


# ---- versions and drafts -------------------------------------------------------------

@pytest.fixture(scope="module")
def versioned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v1 prints A; v2 prints B; v3 prints B (a box moved, active); v4 prints B (draft)."""
    folder = tmp_path_factory.mktemp("versions")
    base = FormTemplate.model_validate(template_data()).with_source_dir(folder / "minato_jusho")
    v1 = save_new_version(folder, base, {1: scan_png("a", 1)})
    v2 = save_new_version(folder, v1, {1: scan_png("b", 2)})
    moved = [f.model_copy(update={"box": f.box.model_copy(update={"w": 60.0})})
             if f.id == "phone" else f for f in v2.fields]
    v3 = save_new_version(folder, v2.model_copy(update={"fields": moved}))
    save_new_version(folder, v3.model_copy(update={"status": "draft"}))
    return folder


def _versions_reader(folder: Path, **kw: Any) -> Reader:
    """As services.compose.build_reader makes it: every version, the latest usable one per id."""
    versions = load_template_versions(folder)
    return _reader(usable_templates(versions, kw.get("include_drafts", False)), versions=versions, **kw)


def test_structure_tells_versions_apart_and_takes_the_latest_active(versioned: Path) -> None:
    versions = load_template_versions(versioned)
    assert sorted(v for _, v in versions) == [1, 2, 3, 4]
    assert load_templates(versioned)["minato_jusho"].status == "draft"  # the current file
    assert usable_templates(versions)["minato_jusho"].version == 3  # what the reader reads as
    assert usable_templates(versions, include_drafts=True)["minato_jusho"].version == 4
    reader = _versions_reader(versioned)
    kept = [c.identity.version for c in reader.structure_candidates()]
    assert kept == [3, 1]  # v2 prints like v3 (the latest active); v4 is a draft
    page_a = generate_document(versions[("minato_jusho", 1)], 60, SCANNED).pages[0]
    page_b = generate_document(versions[("minato_jusho", 2)], 61, SCANNED).pages[0]
    assert read_page(page_a, reader).template_version == 1
    read_b = read_page(page_b, reader)
    assert read_b.status is PageStatus.READ and read_b.template_version == 3
    assert read_b.field("phone").bbox_px is not None
    # drafts only when asked, or when forced
    assert read_page(page_b, _versions_reader(versioned, include_drafts=True)).template_version == 4
    forced = reader.forcing(versions[("minato_jusho", 2)])
    assert read_page(page_b, forced).template_version == 2
    # v2 does not print A: A's print lacks v2's 委任状 table, so the page is refused
    # (by identification, or by alignment quality: the print agreement is only ~0.7)
    assert read_page(page_a, forced).status in (PageStatus.UNKNOWN_FORM, PageStatus.UNALIGNED)


def test_qr_names_the_version_and_drafts_are_not_identified(tmp_path: Path) -> None:
    shutil.copytree(default_templates_dir() / "onestop_2022", tmp_path / "onestop_2022")
    v1 = load_templates(tmp_path)["onestop_2022"]
    v2 = save_new_version(tmp_path, v1.model_copy(update={"title": v1.title + "（改）"}))
    reader = _versions_reader(tmp_path)
    old = generate_document(v1, 5, CLEAN).pages[0]  # its QR says version 1
    page = read_page(old, reader)
    assert page.status is PageStatus.READ and page.template_version == v1.version
    new = generate_document(v2, 5, CLEAN).pages[0]
    assert read_page(new, reader).template_version == v2.version
    draft = save_new_version(tmp_path, v2.model_copy(update={"status": "draft"}))
    page3 = generate_document(draft, 5, CLEAN).pages[0]
    reader = _versions_reader(tmp_path)
    assert read_page(page3, reader).status is PageStatus.UNKNOWN_FORM
    assert read_page(page3, _versions_reader(tmp_path, include_drafts=True)).template_version == 3
