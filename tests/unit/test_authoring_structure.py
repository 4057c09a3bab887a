"""Template drafting: structure found on drawn and rendered blank pages (no OCR model)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from authoring.draft import draft_template, write_draft
from authoring.fields import propose
from authoring.geometry import MM_PER_INCH, WORK_DPI, Rect
from authoring.labels import TextLine, find_text_lines
from authoring.skew import deskew, estimate_skew
from authoring.structure import analyse, char_box_rows
from domain.model import FormTemplate
from domain.status import FieldKind
from forms.loader import load_template
from forms.render import render_page
from ocr.engines.fake import FakeRecognizer

PPM = WORK_DPI / MM_PER_INCH


def mm(v: float) -> int:
    return round(v * PPM)


def drawn_page() -> np.ndarray:
    """An A4 page at 200 dpi: a box, a row of 7 cells, two squares with text, an underline."""
    img = np.full((mm(297), mm(210)), 255, np.uint8)
    cv2.rectangle(img, (mm(50), mm(30)), (mm(150), mm(41)), 0, 2)  # a writing box
    cv2.rectangle(img, (mm(50), mm(60)), (mm(99), mm(70)), 0, 2)  # 7 character boxes
    for i in range(1, 7):
        cv2.line(img, (mm(50 + 7 * i), mm(60)), (mm(50 + 7 * i), mm(70)), 0, 1)
    for x in (50, 80):  # two check squares, each with a "label" blob right of it
        cv2.rectangle(img, (mm(x), mm(90)), (mm(x + 5), mm(95)), 0, 2)
        cv2.putText(img, "AB", (mm(x + 7), mm(94.5)), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    cv2.putText(img, "Name", (mm(20), mm(125)), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    cv2.line(img, (mm(45), mm(126)), (mm(120), mm(126)), 0, 2)  # an underline after a label
    return img


def test_structure_of_a_drawn_page() -> None:
    s = analyse(drawn_page(), PPM)
    wide = [c for c in s.cells if c.w > mm(90)]
    assert len(wide) == 1 and abs(wide[0].x0 - mm(50)) <= 3 and abs(wide[0].y1 - mm(41)) <= 4
    rows = char_box_rows(s.cells, PPM)
    assert [len(r) for r in rows] == [7]
    assert len(s.squares) == 2
    assert all(abs(q.w - mm(5)) <= 3 for q in s.squares)
    assert len(s.underlines) == 1 and s.underlines[0].w >= mm(70)


def test_proposals_on_a_drawn_page() -> None:
    s = analyse(drawn_page(), PPM)
    lines = [TextLine(r, "ラベル", 1.0) for r in find_text_lines(s)]
    props = propose(s, lines)
    by_source = sorted(p.source for p in props)
    assert by_source == ["cell", "char-boxes", "squares", "underline"]
    choice = next(p for p in props if p.source == "squares")
    assert choice.kind is FieldKind.CHOICE and len(choice.options) == 2
    assert next(p for p in props if p.source == "char-boxes").cells == 7


def test_printed_glyph_square_is_not_a_checkbox() -> None:
    """□ inside a line of text (該当する□に「レ」) has ink right against both sides."""
    img = np.full((mm(60), mm(120)), 255, np.uint8)
    x = mm(30)
    cv2.rectangle(img, (x, mm(20)), (x + mm(3.5), mm(23.5)), 0, 1)
    cv2.rectangle(img, (x - mm(2.5), mm(20.5)), (x - mm(0.4), mm(23)), 0, -1)
    cv2.rectangle(img, (x + mm(3.9), mm(20.5)), (x + mm(6), mm(23)), 0, -1)
    assert analyse(img, PPM).squares == []


@pytest.mark.parametrize("angle", [-0.8, 0.35, 1.0])
def test_skew_is_found_and_removed(angle: float) -> None:
    img = drawn_page()
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    skewed = cv2.warpAffine(img, m, (w, h), borderValue=255)
    found = estimate_skew(skewed)
    assert found == pytest.approx(angle, abs=0.05)
    assert abs(estimate_skew(deskew(skewed, found))) <= 0.03


def test_rect_inside_checks() -> None:
    assert Rect(0, 0, 4, 4).contains_point(2, 2)
    assert not Rect(0, 0, 4, 4).contains_point(4, 2)


def test_draft_of_a_rendered_form_without_ocr(templates: dict[str, FormTemplate], tmp_path: Path) -> None:
    """With a recogniser that reads nothing, boxes, cells and squares are still all found."""
    t = templates["furusato_application"]
    page = np.asarray(render_page(t, 1, 200), dtype=np.uint8)
    draft = draft_template([page], "city_form", FakeRecognizer({}), dpi_hint=200)
    got = draft.template
    assert got.status == "draft" and got.source == "scanned"
    assert got.page_size_mm == (210.0, 297.0)
    # every true box is matched by a drafted one (writing boxes exactly, choices by their squares)
    for f in t.fields:
        best = max(got.fields, key=lambda d: _iou(f.box, d.box))
        if f.kind.is_mark and f.kind is not FieldKind.CHECKBOX:
            assert len(best.options) == len(f.options), f.id
        else:
            assert _iou(f.box, best.box) >= 0.9, f.id
    postal = next(d for d in got.fields if d.cells == 7)
    assert postal.kind is FieldKind.POSTAL_CODE  # from the 7 boxes alone
    assert all({"kind", "label", "id"} <= set(d.guessed) for d in got.fields)
    assert all("box" in d.guessed for d in got.fields if d.kind is FieldKind.CHOICE)
    saved = write_draft(draft, tmp_path / "elsewhere")
    again = load_template(tmp_path / "elsewhere" / "template.yaml")
    assert again == saved and again.status == "draft"
    ref = again.reference_path(1)
    assert ref is not None and ref.exists()
    assert cv2.imread(str(ref), cv2.IMREAD_GRAYSCALE).shape == page.shape
    # written under templates/<id>/: a second draft becomes version 2, the first is kept
    first = write_draft(draft, tmp_path / "templates" / "city_form")
    second = write_draft(draft, tmp_path / "templates" / "city_form")
    assert (first.version, second.version) == (1, 2)
    assert (tmp_path / "templates" / "city_form" / "versions" / "v1.yaml").exists()


def _iou(a, b) -> float:  # type: ignore[no-untyped-def]
    w = min(a.x2, b.x2) - max(a.x, b.x)
    h = min(a.y2, b.y2) - max(a.y, b.y)
    inter = max(0.0, w) * max(0.0, h)
    return inter / (a.w * a.h + b.w * b.h - inter)
