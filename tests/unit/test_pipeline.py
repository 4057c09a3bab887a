"""read_page end to end with a scripted recogniser: identification, orientation, bad pages, OMR."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import cv2
import numpy as np
import pytest

from domain.model import FormTemplate
from domain.status import FieldKind, FieldStatus, PageStatus, ReviewReason
from ocr.engines.fake import FakeRecognizer
from ocr.pipeline import read_page
from ocr.reader import Reader
from services.compose import render_blank
from synth import degrade
from synth.generate import SynthOptions, generate_document

TODAY = date(2026, 11, 20)  # after every synthetic date

CLEAN = SynthOptions(degrade=False, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0,
                     style="printed")


def _reader(templates: dict[str, FormTemplate], answer: Callable | None = None) -> Reader:
    fake = FakeRecognizer(answer or (lambda i, crop, alphabet: ("", 0.0)))
    return Reader(templates=templates, recognizer=fake, blank_renderer=render_blank, today=TODAY)


@pytest.fixture(scope="module")
def onestop(templates: dict[str, FormTemplate]) -> tuple[np.ndarray, dict]:
    doc = generate_document(templates["onestop_2022"], 11, CLEAN)
    return doc.pages[0], doc.truth


def _marks_match(page_reading, truth_page: dict) -> None:  # type: ignore[no-untyped-def]
    for f in page_reading.fields:
        if f.kind.is_mark:
            assert f.value == truth_page["fields"][f.field_id]["value"], f.field_id


def test_clean_page_is_identified_and_marks_read(templates, onestop) -> None:  # type: ignore[no-untyped-def]
    image, truth = onestop
    reader = _reader(templates)
    page = read_page(image, reader)
    assert page.status is PageStatus.READ
    assert (page.template_id, page.template_version, page.page_number) == ("onestop_2022", 1, 1)
    assert page.alignment_quality is not None and page.alignment_quality > 0.9
    _marks_match(page, truth["pages"][0])
    fake = reader.recognizer
    assert isinstance(fake, FakeRecognizer)
    alphabets = {a for _, a in fake.calls}
    assert "0123456789" in alphabets  # my_number / digits crops are constrained


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_page_is_turned_upright(templates, onestop, rotation: int) -> None:  # type: ignore[no-untyped-def]
    image, truth = onestop
    turned = np.ascontiguousarray(np.rot90(image, -rotation // 90))  # clockwise by `rotation`
    page = read_page(turned, _reader(templates))
    assert page.status is PageStatus.READ and page.template_id == "onestop_2022"
    assert page.orientation == rotation
    _marks_match(page, truth["pages"][0])


def test_skewed_3_degrees(templates, onestop) -> None:  # type: ignore[no-untyped-def]
    image, truth = onestop
    h, w = image.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 3.0, 1.0)
    skewed = cv2.warpAffine(image, m, (w, h), borderValue=(255,))
    page = read_page(skewed, _reader(templates))
    assert page.status is PageStatus.READ
    assert abs(abs(page.skew_deg) - 3.0) < 0.5
    _marks_match(page, truth["pages"][0])


def test_fax_like_1bit_scan(templates, onestop) -> None:  # type: ignore[no-untyped-def]
    image, _ = onestop
    small = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # ~100 dpi
    bits = (small > 160).astype(bool)
    page = read_page(bits, _reader(templates))
    assert page.status is PageStatus.READ and page.template_id == "onestop_2022"


def test_blank_tiny_and_id_copy_pages(templates) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    reader = _reader(templates)
    blank, _ = degrade.blank_page((1654, 2339), rng, 200)
    assert read_page(blank, reader).status is PageStatus.BLANK
    assert read_page(np.full((40, 30), 255, np.uint8), reader).status is PageStatus.UNREADABLE_IMAGE
    assert read_page(np.zeros((0, 0), np.uint8), reader).status is PageStatus.UNREADABLE_IMAGE
    idc, _ = degrade.id_copy_page((1654, 2339), rng, 200, ["氏名　山田　太郎", "住所　東京都千代田区1-1"])
    page = read_page(idc, reader)
    assert page.status is PageStatus.NON_FORM and not page.fields


def test_unknown_form_with_marks_is_not_read(templates) -> None:  # type: ignore[no-untyped-def]
    survey = generate_document(templates["citizen_survey"], 5, CLEAN).pages[0]
    # a reader that does not know the survey: the QR names an unknown template...
    others = {k: v for k, v in templates.items() if k != "citizen_survey"}
    page = read_page(survey, _reader(others))
    assert page.status is PageStatus.UNKNOWN_FORM and not page.fields
    # ...and without the QR the marks are there but the layout matches nothing
    no_qr = survey.copy()
    h = no_qr.shape[0]
    no_qr[h - 300 :, :400] = 255
    no_qr[h - 300 :, -400:] = 255
    no_qr[:300, :400] = 255
    no_qr[:300, -400:] = 255
    cv2.rectangle(no_qr, (63, 63), (110, 110), 0, -1)  # keep marks (8 mm, 6 mm square)
    page = read_page(no_qr, _reader(others))
    # a form we cannot name goes to a person: never filed as "not a form"
    assert page.status in (PageStatus.UNKNOWN_FORM, PageStatus.UNIDENTIFIED) and not page.fields


def test_page_without_qr_is_identified_by_structure(templates) -> None:  # type: ignore[no-untyped-def]
    legacy = generate_document(templates["onestop_legacy"], 8, CLEAN).pages[0].copy()
    h = legacy.shape[0]
    legacy[h - 280 : h - 60, 100:280] = 255  # the QR area only (marks stay)
    page = read_page(legacy, _reader(templates))
    assert page.status is PageStatus.READ
    assert page.template_id == "onestop_legacy"  # not onestop_2022: versions told apart


def test_hostile_text_is_kept_as_data_and_goes_to_review(templates, onestop) -> None:  # type: ignore[no-untyped-def]
    image, _ = onestop
    page = read_page(image, _reader(templates, lambda i, c, a: ("<script>alert(1)</script>", 0.99)))
    kana = page.field("full_name_kana")
    assert kana.value is None and kana.status is FieldStatus.NEEDS_REVIEW
    assert kana.reason is ReviewReason.INVALID_FORMAT
    name = page.field("full_name")
    assert isinstance(name.value, str)
    assert name.value.startswith("<script>alert(1)</script>")  # verbatim; escaping is the UI's job
    assert name.status is FieldStatus.NEEDS_REVIEW  # no calibration: nothing auto-accepted
    mn = page.field("my_number")
    assert mn.kind is FieldKind.MY_NUMBER and mn.status is FieldStatus.NEEDS_REVIEW


def test_page_without_marks_is_aligned_by_features(templates, onestop) -> None:  # type: ignore[no-untyped-def]
    image, truth = onestop
    no_marks = image.copy()
    for mk in templates["onestop_2022"].pages[0].marks:  # a form printed without corner marks
        x0, y0 = round(mk.x * 200 / 25.4) - 6, round(mk.y * 200 / 25.4) - 6
        s = round(mk.size * 200 / 25.4) + 12
        no_marks[y0 : y0 + s, x0 : x0 + s] = 255
    page = read_page(no_marks, _reader(templates))
    assert page.status is PageStatus.READ and page.template_id == "onestop_2022"
    assert page.alignment_quality is not None and page.alignment_quality >= 0.5
    _marks_match(page, truth["pages"][0])
