"""A form that prints its own QR code: the template declares the code as its identifier.

Rendered pages (one of our forms drawn without our QR code, a foreign QR printed on
it instead, filled in with strokes and scanned at a slant) and the real OMRChecker
hotel survey photo, whose QR code "7VAE0001" is the survey service's own.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from domain.errors import TemplateError
from domain.model import FormTemplate, PageReading
from domain.status import PageStatus
from forms.loader import load_template, load_templates
from forms.render import blank_page, qr_box
from ocr import identify
from ocr.page_identity import identify_page
from ocr.pipeline import read_page

from realforms import fake_reader, gray_pages, print_qr, scanned_template  # isort: skip

pytestmark = pytest.mark.slow
DPI = 150
SURVEY = {"kind": "qr", "pattern": "^SURVEY-2026-"}
HOTEL = "omrchecker/samples/community/DomBrzezinski/photos"




def scanned(img: np.ndarray, seed: int) -> np.ndarray:
    """Filled in (pen strokes), rescaled to 200 dpi, slanted and shifted like a sheet-fed scan."""
    rng = np.random.default_rng(seed)
    out = img.copy()
    h, w = out.shape
    for _ in range(12):
        x, y = int(rng.uniform(0.15, 0.8) * w), int(rng.uniform(0.2, 0.8) * h)
        cv2.line(out, (x, y), (x + int(rng.uniform(20, 90)), y + int(rng.uniform(-8, 8))), 20, 2)
    s = 200 / DPI
    out = cv2.resize(out, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
    h, w = out.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 1.2, 1.0)
    m[:, 2] += (14, -9)
    return cv2.warpAffine(out, m, (w, h), borderValue=255)


@pytest.fixture(scope="module")
def form_blank() -> np.ndarray:
    """A city's own survey: our 寄附申込書 layout printed without our QR code."""
    furusato = load_templates(Path("templates"))["furusato_application"]
    img = np.asarray(blank_page(furusato, 1, DPI), np.uint8).copy()
    q, ppm = qr_box(furusato), DPI / 25.4
    img[round(q.y * ppm): round(q.y2 * ppm), round(q.x * ppm): round(q.x2 * ppm)] = 255
    assert identify.find_qr(img) is None
    return img


def _templates(tmp: Path, blank: np.ndarray, **identifiers: dict[str, str] | None) -> dict[str, FormTemplate]:
    """Our other three forms plus one scanned template per keyword, all printing ``blank``."""
    found = dict(load_templates(Path("templates")))
    del found["furusato_application"]  # the city's form borrowed its layout
    for name, ident in identifiers.items():
        body = {"identifier": ident} if ident else {}
        found[name] = scanned_template(name, [print_qr(blank, "SURVEY-2026-0000", 165, 12)], tmp / name, body)
    return found


def _name(found: tuple[FormTemplate, identify.Identity, int] | PageReading) -> str:
    if isinstance(found, PageReading):
        return found.status.value
    return f"{found[0].id} p{found[1].page} rot{found[2]}"


def test_a_page_is_identified_by_the_code_its_template_declares(tmp_path: Path,
                                                                form_blank: np.ndarray) -> None:
    # two templates print the same page (this year's form and last year's, still in use):
    # the print alone cannot tell them apart, the code each declares can
    reader = fake_reader(_templates(tmp_path, form_blank,
                                    city_survey={"kind": "qr", "pattern": "^SURVEY-2026-[0-9]{4}$"},
                                    city_survey_2025={"kind": "qr", "pattern": "^SURVEY-2025-"}))
    page = scanned(print_qr(form_blank, "SURVEY-2026-0042", 165, 12), seed=1)
    assert identify.find_qr(page) is not None
    assert _name(identify_page(page, reader)) == "city_survey p1 rot0"
    read = read_page(page, reader)
    assert read.status is PageStatus.READ and read.template_id == "city_survey"
    assert read.alignment_quality is not None and read.alignment_quality > 0.5
    last_year = scanned(print_qr(form_blank, "SURVEY-2025-0007", 165, 12), seed=2)
    assert _name(identify_page(last_year, reader)) == "city_survey_2025 p1 rot0"
    upside_down = np.ascontiguousarray(np.rot90(page, 2))
    assert _name(identify_page(upside_down, reader)) == "city_survey p1 rot180"
    # without the code, the same page goes through layout matching: two templates fit it
    no_code = scanned(form_blank, seed=1)
    found = identify_page(no_code, reader)
    assert isinstance(found, PageReading) and found.status is PageStatus.UNIDENTIFIED
    assert "more than one template" in found.reason
    # a foreign code matching neither pattern is print: layout matching again
    foreign = scanned(print_qr(form_blank, "COOP-SHEET-12345", 165, 12), seed=3)
    assert "more than one template" in str(identify_page(foreign, reader).reason)


def test_without_a_twin_the_page_without_its_code_is_still_identified_by_layout(
        tmp_path: Path, form_blank: np.ndarray) -> None:
    reader = fake_reader(_templates(tmp_path, form_blank, city_survey=SURVEY))
    assert _name(identify_page(scanned(form_blank, seed=4), reader)) == "city_survey p1 rot0"


def test_an_unknown_form_with_a_foreign_qr_code_is_still_refused(tmp_path: Path, realdata: Path,
                                                                form_blank: np.ndarray) -> None:
    reader = fake_reader(_templates(tmp_path, form_blank, city_survey=SURVEY))
    other = gray_pages(realdata / "sdaps" / "example.tif")[0]
    found = identify_page(print_qr(other, "QUESTIONNAIRE-0042", 170, 10), reader)
    assert isinstance(found, PageReading) and found.status is PageStatus.UNIDENTIFIED
    # our own QR code naming a form we do not have stays positive evidence of an unknown form
    ours = identify_page(scanned(print_qr(form_blank, "yomitori:no_such_form:1:1", 165, 12), 5), reader)
    assert isinstance(ours, PageReading) and ours.status is PageStatus.UNKNOWN_FORM


def test_the_real_hotel_survey_is_identified_by_its_own_qr_code(tmp_path: Path, realdata: Path) -> None:
    photo, other_photo = (gray_pages(realdata / HOTEL / f"omr_survey_{i}.jpg")[0] for i in (1, 2))
    qr = identify.find_qr(photo)
    assert qr is not None and qr.text == "7VAE0001"
    base = dict(load_templates(Path("templates")))
    body = {"page_size_mm": [210.0, 280.0]}
    plain = scanned_template("hotel_survey", [other_photo], tmp_path / "plain", body)
    found = identify_page(photo, fake_reader({**base, "hotel_survey": plain}))
    assert isinstance(found, PageReading)  # two phone photos: the layout alone is not enough
    declared = scanned_template("hotel_survey", [other_photo], tmp_path / "declared",
                                {**body, "identifier": {"kind": "qr", "pattern": r"^7VAE[0-9]{4}$"}})
    reader = fake_reader({**base, "hotel_survey": declared})
    assert _name(identify_page(photo, reader)) == "hotel_survey p1 rot0"
    read = read_page(photo, reader)  # then aligned and quality-checked like any page
    assert read.template_id == "hotel_survey" and read.alignment_quality is not None


def test_page_group_of_the_pattern_names_the_page(tmp_path: Path, form_blank: np.ndarray) -> None:
    pages = [print_qr(form_blank, "SURVEY-2026-P1", 165, 12), print_qr(form_blank, "SURVEY-2026-P2", 165, 12)]
    two = scanned_template("two_pages", pages, tmp_path / "two",
                           {"identifier": {"pattern": "^SURVEY-2026-P(?P<page>[0-9])$"}})
    reader = fake_reader({"two_pages": two})
    assert _name(identify_page(scanned(pages[1], 6), reader)) == "two_pages p2 rot0"
    assert _name(identify_page(scanned(pages[0], 7), reader)) == "two_pages p1 rot0"
    found = identify_page(scanned(print_qr(form_blank, "SURVEY-2026-P3", 165, 12), 8), reader)
    assert isinstance(found, PageReading) and found.status is PageStatus.UNKNOWN_FORM


@pytest.mark.parametrize(("identifier", "says"), [
    ("identifier: {kind: aztec, pattern: '^A-'}", "qr（QRコード）か barcode"),
    ("identifier: {kind: qr, pattern: '.*'}", "どんなコードにも一致"),
    ("identifier: {kind: qr, pattern: '^yomitori:'}", "yomitori 自身"),
    ("identifier: {kind: qr, pattern: '^SURVEY-(['}", "正規表現として正しくありません"),
    ("identifier: {kind: qr}", "pattern"),
    ("identifier: {kind: qr, pattern: '<script>alert(1)</script>', colour: red}", "colour"),
])
def test_a_bad_identifier_is_refused_with_the_line_and_a_japanese_reason(tmp_path: Path, identifier: str,
                                                                         says: str) -> None:
    text = Path("templates/citizen_survey/template.yaml").read_text(encoding="utf-8")
    (tmp_path / "citizen_survey").mkdir()
    path = tmp_path / "citizen_survey" / "template.yaml"
    path.write_text(text + identifier + "\n", encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        load_template(path)
    line = len(text.splitlines()) + 1
    assert f"line {line}" in str(err.value) and says in str(err.value), str(err.value)


def test_a_good_identifier_loads_and_matches_only_its_kind(tmp_path: Path) -> None:
    text = Path("templates/citizen_survey/template.yaml").read_text(encoding="utf-8")
    (tmp_path / "citizen_survey").mkdir()
    path = tmp_path / "citizen_survey" / "template.yaml"
    path.write_text(text + "identifier: {kind: barcode, pattern: '^4912345'}\n", encoding="utf-8")
    ident = load_template(path).identifier
    assert ident is not None and ident.match("barcode", "4912345678904") == 0
    assert ident.match("qr", "4912345678904") is None and ident.match("barcode", "4512345678906") is None


_L = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111",
      "0001011"]
_PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]


def ean13(digits12: str) -> str:
    """The 13 digits with their check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return digits12 + str((10 - total % 10) % 10)


def print_ean13(img: np.ndarray, code: str, x_mm: float, y_mm: float, module_mm: float = 0.4) -> np.ndarray:
    """``img`` (A4) with the EAN-13 barcode ``code`` printed at (x, y) mm, 15 mm high."""
    right = ["".join("1" if b == "0" else "0" for b in c) for c in _L]
    bits = "101"
    for d, parity in zip(code[1:7], _PARITY[int(code[0])], strict=True):
        bits += _L[int(d)] if parity == "L" else right[int(d)][::-1]
    bits += "01010" + "".join(right[int(d)] for d in code[7:]) + "101"
    out = img.copy()
    ppm = img.shape[1] / 210.0
    x0, y0, h = x_mm * ppm, round(y_mm * ppm), round(15 * ppm)
    step = module_mm * ppm
    out[y0 - 10: y0 + h + 10, round(x0 - 12 * step): round(x0 + (len(bits) + 12) * step)] = 255
    for i, b in enumerate(bits):
        if b == "1":
            out[y0: y0 + h, round(x0 + i * module_mm * ppm): round(x0 + (i + 1) * module_mm * ppm)] = 0
    return out


def test_a_form_named_by_its_own_barcode(tmp_path: Path, form_blank: np.ndarray) -> None:
    from ocr.codes import find_barcodes

    code = ean13("491234567890")
    sheet = print_ean13(form_blank, code, 140, 262)
    page = scanned(sheet, seed=9)
    assert find_barcodes(page) == [code]
    twins = {name: scanned_template(name, [print_ean13(form_blank, ean13(prefix + "00000"), 140, 262)],
                                    tmp_path / name, {"identifier": {"kind": "barcode",
                                                                     "pattern": "^" + prefix}})
             for name, prefix in (("city_survey", "4912345"), ("city_survey_old", "4912344"))}
    reader = fake_reader(twins)
    assert _name(identify_page(page, reader)) == "city_survey p1 rot0"
    assert _name(identify_page(np.ascontiguousarray(np.rot90(page, 2)), reader)) == "city_survey p1 rot180"
    other = scanned(print_ean13(form_blank, ean13("451234567890"), 140, 262), seed=10)
    found = identify_page(other, reader)  # a barcode naming neither: print, and the print fits both
    assert isinstance(found, PageReading) and "more than one template" in found.reason
