"""Charts draw Japanese with a CJK font (no tofu); the HTML report escapes user text."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import pytest
from matplotlib.text import Text
from PIL import Image

from domain.model import FormTemplate, PageReading
from reports import charts
from reports.data import DocumentInput, build_forms, frame_from_readings
from reports.html import survey_html
from reports.survey import SurveyResult, Table, aggregate
from reports.truth import pages_from_values

CJK_FONTS = {"IPAexGothic", "IPAGothic", "Noto Sans CJK JP"}


def _pages(t: FormTemplate, k: int, comment: str | None = None) -> list[PageReading]:
    values: dict[str, Any] = {f.id: {"value": None, "marks": []} for f in t.fields}
    for f in t.fields:
        if f.options:
            values[f.id]["value"] = f.options[k % len(f.options)].value
    values["q7"]["value"] = [t.field("q7").options[k % 8].value]
    values["comment"]["value"] = comment
    return pages_from_values(t, values)


@pytest.fixture(scope="module")
def result(templates: dict[str, FormTemplate]) -> SurveyResult:
    t = templates["citizen_survey"]
    docs = [DocumentInput(i + 1, _pages(t, i, "<script>alert('x')</script> & 道路" if i == 3 else None),
                          source_name=f"<b>scan{i}</b>.tiff") for i in range(12)]
    docs.append(DocumentInput(99, _pages(t, 0), status="needs_review"))
    return aggregate(build_forms(frame_from_readings(docs), t))


def _png(fig: Any, font: str) -> bytes:
    path = io.BytesIO()
    with charts._style(font):
        fig.savefig(path, format="png", dpi=80)
    return path.getvalue()


def test_the_font_is_a_japanese_font_taken_from_a_file() -> None:
    assert charts.japanese_font() in CJK_FONTS
    with pytest.raises(charts.FontNotFound):
        charts.japanese_font(Path("/nonexistent/font.ttf"))


def test_bar_chart_draws_japanese_text_without_missing_glyphs(result: SurveyResult) -> None:
    font = charts.japanese_font()
    table = result.table("q1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font" would fail here
        fig = charts.bar_figure(table, font)
        png = _png(fig, font)
    texts = [t for t in fig.findobj(Text) if t.get_text()]
    assert any("居住年数" in t.get_text() for t in texts)
    assert {t.get_fontname() for t in texts} == {font}
    blank = table.frame.copy()
    blank["回答"] = ""
    empty = _png(charts.bar_figure(Table(table.key, "", table.kind, blank), font), font)
    assert png != empty and len(png) > len(empty)  # the labels drew ink
    assert Image.open(io.BytesIO(png)).size[0] > 300


def test_grid_chart_and_files(result: SurveyResult, tmp_path: Path) -> None:
    font = charts.japanese_font()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = charts.render_charts(result.tables, tmp_path, font)
    assert set(paths) == {"age_bracket", "area", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "satisfaction"}
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths.values())
    fig = charts.grid_figure(result.table("satisfaction"), font)
    labels = {t.get_text() for t in fig.findobj(Text)}
    assert {"満足", "不満", "無回答", "① ごみ収集・リサイクル"} <= labels
    pdf = charts.write_pdf(result.tables, tmp_path / "c.pdf", font)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_html_escapes_user_text_and_states_the_exclusions(result: SurveyResult) -> None:
    page = survey_html(result, {"q1": b"\x89PNG fake"})
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; 道路" in page
    assert "<b>scan" not in page and "&lt;b&gt;scan3&lt;/b&gt;.tiff" in page
    assert "集計対象外 1 件（書類に確認待ちのページがある 1 件）" in page
    assert "data:image/png;base64," in page
    assert "問1 居住年数" in page and "平均点" in page
