"""Identification on real third-party scans: scanner black edges, foreign QR codes.

SDAPS's debug questionnaire (blank PDF + 1-bit 300 dpi scans filled by hand) and
OMRChecker's sample6 answer sheet (blank + three filled document scans) are read
as city forms (``source: scanned``) beside our own four templates. Black edges are
drawn onto the real scans and onto the blank (a scanner's lid and feeder
shadow); a foreign QR code is printed onto the real blank and scans.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from domain.model import FormTemplate, PageReading
from domain.status import PageStatus
from forms.loader import load_templates
from forms.render import render_page
from ocr import identify, paper
from ocr.page_identity import identify_page
from ocr.reader import Reader

from realforms import (  # isort: skip
    NUS_BLANK, NUS_FILLED, SDAPS_BLANK, SDAPS_FILLED, black_border, fake_reader, gray_pages,
    print_qr, scanned_template,
)

pytestmark = pytest.mark.slow


def _qr(img: np.ndarray, text: str, x_mm: float, y_mm: float, side_mm: float = 16.0) -> np.ndarray:
    return print_qr(img, text, x_mm, y_mm, side_mm, border=1)


@pytest.fixture(scope="module")
def sdaps_blank(realdata: Path) -> list[np.ndarray]:
    return gray_pages(realdata / SDAPS_BLANK)


@pytest.fixture(scope="module")
def sdaps_scans(realdata: Path) -> list[np.ndarray]:
    return gray_pages(realdata / SDAPS_FILLED)[:4]  # page 1, page 2, then both upside down


@pytest.fixture(scope="module")
def nus_scans(realdata: Path) -> list[np.ndarray]:
    return [gray_pages(p)[0] for p in sorted((realdata / NUS_FILLED).glob("*.jpg"))]


def _reader(tmp: Path, realdata: Path, sdaps: list[np.ndarray], **extra: FormTemplate) -> Reader:
    templates = dict(load_templates(Path("templates")))
    templates["sdaps_debug"] = scanned_template("sdaps_debug", sdaps, tmp / "sdaps")
    templates["nus_sheet"] = scanned_template("nus_sheet", gray_pages(realdata / NUS_BLANK), tmp / "nus")
    templates.update(extra)
    return fake_reader(templates)


def _name(found: tuple[FormTemplate, identify.Identity, int] | PageReading) -> str:
    if isinstance(found, PageReading):
        return f"{found.status.value}: {found.reason}"
    t, ident, rot = found
    return f"{t.id} p{ident.page} rot{rot}"


EXPECTED_SDAPS = ["sdaps_debug p1 rot0", "sdaps_debug p2 rot0", "sdaps_debug p1 rot180",
                  "sdaps_debug p2 rot180"]


def test_a_page_that_is_paper_edge_to_edge_is_left_as_it_is(sdaps_blank: list[np.ndarray]) -> None:
    ours = np.asarray(render_page(load_templates(Path("templates"))["citizen_survey"], 1, 100))
    for page in (ours, sdaps_blank[0]):
        assert paper.find_paper(page) is None
        assert paper.whiten_outside_paper(page) is page


def test_black_edges_are_whitened_and_the_print_kept(sdaps_blank: list[np.ndarray]) -> None:
    page = sdaps_blank[0]
    edged = black_border(page)
    found = paper.find_paper(edged)
    assert found is not None and 0.08 < found.outside < 0.2
    clean = paper.whiten_outside_paper(edged)
    h, w = page.shape
    assert clean[: int(h * 0.03)].min() == 255 and clean[:, w - int(w * 0.025):].min() == 255
    inner = (slice(int(h * 0.06), int(h * 0.94)), slice(int(w * 0.05), int(w * 0.95)))
    assert np.array_equal(clean[inner], page[inner])  # no print inside the paper touched


def test_real_sdaps_scans_with_black_edges_are_identified(tmp_path: Path, realdata: Path,
                                                          sdaps_blank: list[np.ndarray],
                                                          sdaps_scans: list[np.ndarray]) -> None:
    # the blank itself was scanned with black edges too
    reader = _reader(tmp_path, realdata, [black_border(p) for p in sdaps_blank])
    for scan, expected in zip(sdaps_scans, EXPECTED_SDAPS, strict=True):
        assert _name(identify_page(scan, reader)) == expected
        edged = black_border(scan, top=0.02, left=0.035, bottom=0.03, right=0.015)
        assert _name(identify_page(edged, reader)) == expected


def test_real_answer_sheets_with_black_edges_are_identified(tmp_path: Path, realdata: Path,
                                                            sdaps_blank: list[np.ndarray],
                                                            nus_scans: list[np.ndarray]) -> None:
    reader = _reader(tmp_path, realdata, [black_border(p) for p in sdaps_blank])
    for scan in nus_scans:
        assert _name(identify_page(black_border(scan, left=0.05, right=0.04), reader)) == "nus_sheet p1 rot0"


def test_other_real_forms_are_refused_not_taken_for_a_template(tmp_path: Path, realdata: Path,
                                                               sdaps_blank: list[np.ndarray]) -> None:
    reader = _reader(tmp_path, realdata, [black_border(p) for p in sdaps_blank])
    others = [gray_pages(realdata / "sdaps" / "example.tif")[0],
              gray_pages(realdata / "sdaps" / "test_with_ids.tif")[0],
              gray_pages(realdata / "omrchecker/samples/sample2/AdrianSample/adrian_omr.png")[0]]
    for page in others:
        for variant in (page, black_border(page)):
            found = identify_page(variant, reader)
            assert isinstance(found, PageReading), _name(found)
            assert found.status is PageStatus.UNIDENTIFIED


def test_a_form_with_its_own_qr_code_is_matched_on_its_layout(tmp_path: Path, realdata: Path,
                                                              sdaps_blank: list[np.ndarray],
                                                              sdaps_scans: list[np.ndarray]) -> None:
    payload = "7VAE0001"  # a survey service's sheet id, as on OMRChecker's hotel survey
    blank = [_qr(p, payload, 180, 270) for p in sdaps_blank]
    reader = _reader(tmp_path, realdata, blank)
    for scan, expected in zip(sdaps_scans[:2], EXPECTED_SDAPS[:2], strict=True):
        marked = _qr(scan, payload, 180, 270)
        assert identify.find_qr(marked) is not None  # the QR is there and readable
        assert _name(identify_page(marked, reader)) == expected
    # our own identifier naming a form we do not have is still positive evidence
    ours = _qr(sdaps_scans[0], "yomitori:no_such_form:1:1", 180, 270)
    found = identify_page(ours, reader)
    assert isinstance(found, PageReading) and found.status is PageStatus.UNKNOWN_FORM


def test_the_real_hotel_survey_with_its_qr_code_goes_to_layout_matching(tmp_path: Path, realdata: Path,
                                                                        sdaps_blank: list[np.ndarray]
                                                                        ) -> None:
    photo = gray_pages(realdata / "omrchecker/samples/community/DomBrzezinski/photos/omr_survey_1.jpg")[0]
    qr = identify.find_qr(photo)
    assert qr is not None and identify.parse_payload(qr.text) is None  # not ours
    found = identify_page(photo, _reader(tmp_path, realdata, sdaps_blank))
    assert isinstance(found, PageReading)
    assert found.status is not PageStatus.UNKNOWN_FORM  # it was compared, not rejected on sight


def test_check_names_the_competing_template_and_the_differing_regions(
        tmp_path: Path, realdata: Path, sdaps_blank: list[np.ndarray], sdaps_scans: list[np.ndarray]) -> None:
    from authoring.check import check_template
    from yomitori.cli.check import write_differences

    # an old copy of the same form, still active: every page now matches two templates
    copy = scanned_template("sdaps_old", sdaps_blank, tmp_path / "old")
    reader = _reader(tmp_path, realdata, sdaps_blank, sdaps_old=copy)
    mine = reader.templates["sdaps_debug"]
    report = check_template(mine, [("debug.tif", sdaps_scans[0]),
                                   ("example.tif", gray_pages(realdata / "sdaps" / "example.tif")[0])],
                            reader)
    twin, other = report.pages
    assert not twin.identified and not report.ok
    said = "\n".join(twin.explanation)
    assert "sdaps_old v1 1枚目" in said and "sdaps_debug v1 1枚目" in said  # best and runner-up
    assert "次点" in said and "差 0.0" in said and "必要 0.08 以上" in said
    assert "運用を停止" in said  # what to do
    assert "見本と違いの大きい場所" in said and "mm" in said
    # a different questionnaire read as this one: the print differs, and the check says so
    assert not other.identified
    said_other = " ".join(other.explanation)
    assert "印刷が大きく違います" in said_other or "識別されます" in said_other, said_other
    text = report.render_text()
    assert "次点" in text and "sdaps_old" in " ".join(report.reasons)
    pictures = write_differences(report, tmp_path / "why")
    assert [p.name for p in pictures] == ["debug-p1-difference.png", "example-p1-difference.png"]
    assert all(p.stat().st_size > 1000 for p in pictures)


def test_many_scanned_templates_are_prefiltered_and_the_right_one_kept(
        tmp_path: Path, realdata: Path, sdaps_blank: list[np.ndarray], sdaps_scans: list[np.ndarray]) -> None:
    others = [("sdaps/example.tif", 0), ("sdaps/example.tif", 1), ("sdaps/example-2.tif", 1),
              ("sdaps/test_with_ids.tif", 0), ("omrchecker/samples/community/Shamanth/omr_sheet_01.png", 0),
              ("omrchecker/samples/community/dxuian/omrcollegesheet.jpg", 0)]
    extra = {f"other{i}": scanned_template(f"other{i}", [gray_pages(realdata / rel)[p]], tmp_path / f"o{i}")
             for i, (rel, p) in enumerate(others)}
    reader = _reader(tmp_path, realdata, sdaps_blank, **extra)
    candidates = reader.structure_candidates()
    scanned = [c for c in candidates if not c.has_marks]
    assert len(scanned) == 9
    kept = identify._prefilter(sdaps_scans[0], candidates)
    kept_scanned = [c.identity.template_id for c in kept if not c.has_marks]
    assert len(kept_scanned) == identify.PREFILTER_KEEP and "sdaps_debug" in kept_scanned
    assert len(kept) - len(kept_scanned) == len(candidates) - len(scanned)  # marks: all kept
    for scan, expected in zip(sdaps_scans[:2], EXPECTED_SDAPS, strict=False):
        assert _name(identify_page(black_border(scan), reader)) == expected
