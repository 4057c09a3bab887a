"""Template drafting with the real PP-OCRv6 recogniser: rendered blank forms, the CLI, a real scan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from authoring.draft import draft_template
from domain.model import Box, FormTemplate
from domain.status import FieldKind
from forms.loader import load_template
from forms.render import render_page

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def recognizer():  # type: ignore[no-untyped-def]
    from services.compose import build_recognizer

    return build_recognizer()


def _iou(a: Box, b: Box) -> float:
    w = min(a.x2, b.x2) - max(a.x, b.x)
    h = min(a.y2, b.y2) - max(a.y, b.y)
    inter = max(0.0, w) * max(0.0, h)
    return inter / (a.w * a.h + b.w * b.h - inter)


def test_onestop_2022_is_recovered(templates: dict[str, FormTemplate], recognizer) -> None:  # type: ignore[no-untyped-def]
    truth = templates["onestop_2022"]
    page = np.asarray(render_page(truth, 1, 200), dtype=np.uint8)
    got = draft_template([page], "city_onestop", recognizer, dpi_hint=200).template
    right = 0
    for f in truth.fields:
        best = max(got.fields, key=lambda d: _iou(f.box, d.box))
        right += _iou(f.box, best.box) >= 0.7 and best.kind == f.kind
    assert right >= 0.9 * len(truth.fields)
    by_kind = {f.kind: f for f in got.fields}
    assert by_kind[FieldKind.MY_NUMBER].cells == 12
    assert by_kind[FieldKind.MY_NUMBER].review == "blind_double_entry"
    assert by_kind[FieldKind.PHONE].label == "電話番号" and by_kind[FieldKind.PHONE].personal
    era = next(f for f in got.fields if f.mark_style == "circle")
    assert [o.value for o in era.options] == ["明治", "大正", "昭和", "平成", "令和"]
    assert any(f.era_field == era.id for f in got.fields)
    assert any(f.fixed_era == "令和" for f in got.fields)


def test_cli_drafts_a_pdf_into_a_template_folder(templates: dict[str, FormTemplate], tmp_path: Path) -> None:
    from forms.render import render_pdf
    from yomitori.cli.main import app

    pdf = render_pdf(templates["furusato_application"], tmp_path / "blank.pdf", dpi=200)
    out = tmp_path / "templates" / "city_furusato"
    result = CliRunner().invoke(app, ["templates", "draft", str(pdf), "--id", "city_furusato",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "draft template" in result.output and "postal_code" in result.output
    t = load_template(out / "template.yaml")
    assert t.status == "draft" and t.source == "scanned" and t.version == 1
    assert t.pages[0].form_code == "CITY-FURUSATO-P1"
    assert len(t.fields) >= 13
    bad = CliRunner().invoke(app, ["templates", "draft", str(pdf), "--id", "Bad-Id", "--out", str(out)])
    assert bad.exit_code == 2


def test_real_scan_yields_choices(recognizer, realdata: Path) -> None:  # type: ignore[no-untyped-def]
    """A real 300 dpi 1-bit survey scan (lightly filled): squares become choices, no crash."""
    from intake.pages import load_pages

    page = load_pages(realdata / "sdaps" / "example.tif")[0]
    draft = draft_template([page], "sdaps_example", recognizer, dpi_hint=300)
    assert draft.pages[0].size.name == "A4"
    choices = [f for f in draft.template.fields if f.kind is FieldKind.CHOICE]
    assert len(choices) >= 4
    assert any(f.label == "Other" for f in draft.template.fields)
