"""Blank-form rendering: sizes, marks, QR, determinism, PDF; and the font registry."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from domain.model import Box, FormTemplate
from forms import fonts
from forms.loader import default_templates_dir, load_templates
from forms.render import (
    PageGeometry,
    mm_to_px,
    qr_box,
    qr_text,
    render_page,
    render_pdf,
    render_png,
)

PAGES = [
    ("citizen_survey", 1),
    ("citizen_survey", 2),
    ("furusato_application", 1),
    ("onestop_2022", 1),
    ("onestop_legacy", 1),
]


@pytest.fixture(scope="module")
def templates() -> dict[str, FormTemplate]:
    return load_templates(default_templates_dir())


@pytest.fixture(scope="module")
def pages200(templates: dict[str, FormTemplate]) -> dict[tuple[str, int], np.ndarray]:
    return {(t, p): np.asarray(render_page(templates[t], p, 200)) for t, p in PAGES}


def test_geometry() -> None:
    assert mm_to_px(25.4, 200) == pytest.approx(200)
    geo = PageGeometry(dpi=300)
    assert (geo.width_px, geo.height_px) == (2480, 3508)
    assert geo.box_px(Box(x=25.4, y=50.8, w=25.4, h=2.54)) == (300, 600, 600, 630)


@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize(("template_id", "page"), PAGES)
def test_page_size_and_mode(
    templates: dict[str, FormTemplate], template_id: str, page: int, dpi: int
) -> None:
    im = render_page(templates[template_id], page, dpi)
    assert im.mode == "L"
    assert im.size == (round(210 / 25.4 * dpi), round(297 / 25.4 * dpi))
    assert np.asarray(im).mean() > 200  # mostly white paper


@pytest.mark.parametrize(("template_id", "page"), PAGES)
def test_qr_decodes(
    templates: dict[str, FormTemplate],
    pages200: dict[tuple[str, int], np.ndarray],
    template_id: str,
    page: int,
) -> None:
    t = templates[template_id]
    expected = f"yomitori:{t.id}:{t.version}:{page}"
    assert qr_text(t, page) == expected
    image = pages200[(template_id, page)]
    text, points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text == expected
    x0, y0, x1, y1 = PageGeometry.for_template(t, 200).box_px(qr_box(t))
    assert points is not None
    assert np.all((points[..., 0] >= x0) & (points[..., 0] <= x1))
    assert np.all((points[..., 1] >= y0) & (points[..., 1] <= y1))


@pytest.mark.parametrize(("template_id", "page"), PAGES)
def test_marks_where_template_says(
    templates: dict[str, FormTemplate],
    pages200: dict[tuple[str, int], np.ndarray],
    template_id: str,
    page: int,
) -> None:
    t = templates[template_id]
    image = pages200[(template_id, page)]
    geo = PageGeometry.for_template(t, 200)
    for mark in t.page(page).marks:
        cx, cy = mark.center
        x0, y0, x1, y1 = geo.box_px(Box(x=mark.x, y=mark.y, w=mark.size, h=mark.size))
        assert image[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].max() < 50  # solid black
        ring = mark.size / 2 + 1.0
        for dx, dy in [(-ring, 0), (ring, 0), (0, -ring), (0, ring), (ring, ring)]:
            assert image[geo.px(cy + dy), geo.px(cx + dx)] > 200, (mark, dx, dy)


def test_render_is_deterministic(templates: dict[str, FormTemplate]) -> None:
    for template_id, page in PAGES:
        a = render_page(templates[template_id], page, 200).tobytes()
        b = render_page(templates[template_id], page, 200).tobytes()
        assert a == b


def _dark(image: np.ndarray, geo: PageGeometry, x_mm: float, y_mm: float) -> bool:
    x, y = geo.px(x_mm), geo.px(y_mm)
    return bool(image[y - 1 : y + 2, x - 1 : x + 2].min() < 128)


def test_field_furniture(
    templates: dict[str, FormTemplate], pages200: dict[tuple[str, int], np.ndarray]
) -> None:
    t = templates["onestop_2022"]
    image = pages200[("onestop_2022", 1)]
    geo = PageGeometry.for_template(t, 200)
    mn = t.field("my_number").box
    for i in range(1, 12):  # 11 cell dividers
        assert _dark(image, geo, mn.x + mn.w * i / 12, mn.y + mn.h / 2)
    box = t.field("eligibility_1").box
    assert _dark(image, geo, box.x, box.y + box.h / 2)  # checkbox square
    era = t.field("birth_era").options
    # era options are circled: a printed character, no square between them
    assert not _dark(image, geo, era[1].box.x, era[1].box.y + era[1].box.h / 2)
    ex, ey = era[1].box.center
    assert image[geo.px(ey) - 8 : geo.px(ey) + 8, geo.px(ex) - 8 : geo.px(ex) + 8].min() < 128


def test_choice_squares_and_header_grid(
    templates: dict[str, FormTemplate], pages200: dict[tuple[str, int], np.ndarray]
) -> None:
    t = templates["citizen_survey"]
    geo = PageGeometry.for_template(t, 200)
    p1, p2 = pages200[("citizen_survey", 1)], pages200[("citizen_survey", 2)]
    opt = t.field("q1").options[0]
    assert _dark(p1, geo, opt.box.x, opt.box.y + opt.box.h / 2)
    x0 = geo.px(opt.box.x2 + 1.2)
    y0, y1 = geo.px(opt.box.y), geo.px(opt.box.y2)
    assert p1[y0:y1, x0 : x0 + geo.px(8)].min() < 128  # label printed right of the square
    for f in (f for f in t.fields if f.id.startswith("sat_")):
        for o in f.options:
            assert _dark(p2, geo, o.box.x, o.box.y + o.box.h / 2)
            x0 = geo.px(o.box.x2 + 1.0)
            region = p2[geo.px(o.box.y) : geo.px(o.box.y2), x0 : x0 + geo.px(6)]
            assert region.min() > 200  # the column header replaces the per-row label


def test_render_pdf_and_png(templates: dict[str, FormTemplate], tmp_path: Path) -> None:
    survey = templates["citizen_survey"]
    pdf_path = render_pdf(survey, tmp_path / "survey.pdf", dpi=150)
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        assert len(doc) == 2
        w_pt, h_pt = doc[0].get_size()
        assert w_pt == pytest.approx(595.3, abs=1.5) and h_pt == pytest.approx(841.9, abs=1.5)
    finally:
        doc.close()
    one = render_pdf(templates["onestop_2022"], tmp_path / "os.pdf")
    doc = pdfium.PdfDocument(str(one))
    try:
        assert len(doc) == 1
    finally:
        doc.close()
    paths = render_png(survey, tmp_path / "png", dpi=100)
    assert [p.name for p in paths] == ["citizen_survey_v1_p1.png", "citizen_survey_v1_p2.png"]
    with Image.open(paths[1]) as im:
        assert im.size == (827, 1169)


def test_render_page_rejects_missing_page(templates: dict[str, FormTemplate]) -> None:
    with pytest.raises(ValueError, match="no page 2"):
        render_page(templates["onestop_2022"], 2)


# -- fonts -------------------------------------------------------------------------------
def test_fonts_available() -> None:
    printed = fonts.available_fonts("printed")
    hand = fonts.available_fonts("handwriting")
    assert [f.name for f in printed][:1] == ["IPAexGothic"]
    assert {f.name for f in hand} >= {"Kiloji", "KleeOne"}
    assert fonts.form_font().name == "IPAexGothic"
    noto = fonts.font_by_name("NotoSansCJKJP")
    if noto.exists():
        assert fonts.pil_font(noto, 20).getname()[0] == "Noto Sans CJK JP"
    assert fonts.pil_font(printed[0], 24) is fonts.pil_font(printed[0], 24)  # cached


def test_missing_font_names_package(tmp_path: Path) -> None:
    ghost = fonts.FontSpec("Ghost", tmp_path / "ghost.ttf", package="fonts-ghost")
    with pytest.raises(fonts.FontMissingError, match="apt-get install -y fonts-ghost"):
        fonts.pil_font(ghost, 12)
