"""``templates check``: flags and verdict on a city form's filled test scans (fake recogniser)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from authoring.check import (
    CUT_SHARE,
    FIX_JA,
    OK_JA,
    Flag,
    border_ink,
    check_files,
    check_template,
)
from authoring.check_text import shown_value
from domain.model import Box, FieldReading, FormTemplate
from domain.status import FieldKind
from forms.loader import load_templates
from ocr.engines.fake import FakeRecognizer
from ocr.reader import Reader
from services.compose import render_blank
from synth.generate import SynthOptions, generate_document, write_document

from test_scanned_forms import write_city  # isort: skip

OPTS = SynthOptions(rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0)


def _answer(i: int, crop: np.ndarray, alphabet: str | None) -> tuple[str, float]:
    """A plausible reading per kind, told apart by the alphabet the pipeline asks for."""
    answers = {"年": "8年4月1日", "(": "0312345678", "〒": "1234567"}
    for key, text in answers.items():
        if alphabet and key in alphabet:
            return text, 0.99
    # any other text: a valid address, so the address field passes its rule too (a name
    # field has no format rule that this would break)
    return "岩手県久慈市川崎町1-1", 0.99


@pytest.fixture(autouse=True)
def no_third_digit_vote(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake recogniser answers a fixed value per kind, not what is written; the third
    digit classifier reads the real crop and would rightly doubt it (ocr.digit_check). The
    check is about the boxes, so these tests switch that vote off."""
    import ocr.digit_check

    monkeypatch.setattr(ocr.digit_check, "VETO_BELOW", 0.0)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> FormTemplate:
    t = write_city(tmp_path_factory.mktemp("check"))
    return t.model_copy(update={"fields": [f for f in t.fields if f.id != "note"]})  # never filled


@pytest.fixture(scope="module")
def samples(city: FormTemplate) -> list[tuple[str, np.ndarray]]:
    return [(f"test{i}.png", generate_document(city, 80 + i, OPTS).pages[0]) for i in range(3)]


def _reader(city: FormTemplate) -> Reader:
    return Reader(templates={city.id: city}, recognizer=FakeRecognizer(_answer),
                  blank_renderer=render_blank, today=date(2026, 11, 20))


def test_a_good_template_is_usable(city: FormTemplate, samples: list) -> None:  # type: ignore[type-arg]
    report = check_template(city, samples, _reader(city))
    assert [p.read and p.identified for p in report.pages] == [True] * 3
    assert all((p.reading.alignment_quality or 0) >= 0.9 for p in report.pages)
    assert all(not f.flags for f in report.fields), [(f.spec.id, f.flags) for f in report.fields]
    assert all(b < CUT_SHARE for f in report.fields for b in f.border)
    assert report.ok and report.verdict == OK_JA and report.reasons == []
    text = report.render_text()
    assert "位置合わせ品質 1.00" in text or "位置合わせ品質 0.9" in text
    assert text.endswith(f"判定: {OK_JA}")


def test_problems_are_flagged_with_reasons(city: FormTemplate, samples: list) -> None:  # type: ignore[type-arg]
    fields = []
    for f in city.fields:
        if f.id == "address":  # 70 mm of a 150 mm cell: the box cuts through the writing
            f = f.model_copy(update={"box": Box(x=45, y=64, w=70, h=12)})
        elif f.id == "phone":  # a box nobody writes in
            f = f.model_copy(update={"box": Box(x=150, y=100, w=40, h=8)})
        elif f.id == "full_name":
            f = f.model_copy(update={"guessed": ["kind", "label"]})
        fields.append(f)
    draft = city.model_copy(update={"fields": fields, "status": "draft"})
    report = check_template(draft, samples, _reader(city))
    assert all(p.read for p in report.pages)  # a draft is read when it is checked
    assert Flag.CUTS_TEXT in report.field("address").flags
    assert max(report.field("address").border) >= CUT_SHARE
    assert Flag.OFTEN_EMPTY in report.field("phone").flags
    assert report.field("full_name").flags == [Flag.GUESSED]
    assert not report.ok and report.verdict == FIX_JA
    joined = " ".join(report.reasons)
    assert "address" in joined and "phone" in joined and "full_name" in joined
    text = report.render_text()
    assert "下書き" in text and f"判定: {FIX_JA} — " in text and "推定のまま: kind, label" in text


def test_unreadable_pages_make_it_need_work(city: FormTemplate) -> None:
    white = np.full((2339, 1654), 255, np.uint8)
    report = check_template(city, [("blank.png", white)], _reader(city))
    assert not report.ok and "読み取れないページ" in report.reasons[0]
    assert not check_template(city, [], _reader(city)).ok


def test_values_are_shown_but_my_numbers_masked() -> None:
    mn = FieldReading(field_id="my_number", kind=FieldKind.MY_NUMBER, value="123456789018")
    assert shown_value(mn) == "****-****-****"
    name = FieldReading(field_id="n", kind=FieldKind.TEXT, value="山田　太郎")
    assert shown_value(name) == "山田　太郎"
    assert shown_value(FieldReading(field_id="c", kind=FieldKind.CHECKBOX, value=True)) == "✓"
    assert shown_value(FieldReading(field_id="e", kind=FieldKind.TEXT)) == "（空欄）"


def test_border_ink_counts_only_written_ink_on_the_edge() -> None:
    blank = np.full((60, 200), 255, np.uint8)
    blank[0:2, :] = 0  # a printed rule along the top edge does not count
    page = blank.copy()
    page[20:40, 50:80] = 0  # writing inside
    assert border_ink(page, blank, (0, 0, 200, 60), 8.0) == 0.0
    page[20:40, 185:200] = 0  # writing running out of the right edge
    assert border_ink(page, blank, (0, 0, 200, 60), 8.0) >= 20 / 60 - 1e-6


def test_check_files_reads_scan_files(city: FormTemplate, tmp_path: Path) -> None:
    doc = generate_document(city, 90, OPTS)
    paths = [p for p in write_document(doc, tmp_path, "pdf") if p.suffix == ".pdf"]
    report = check_files(city, paths, _reader(city))
    assert [(p.source, p.read) for p in report.pages] == [(paths[0].name, True)]


def test_cli_arguments(city: FormTemplate, tmp_path: Path) -> None:
    from yomitori.cli.check import resolve_template
    from yomitori.cli.main import app

    folder = tmp_path / "t"
    write_city(folder)
    assert resolve_template("minato_jusho", folder).key == "minato_jusho@1"
    yaml_path = folder / "minato_jusho" / "template.yaml"
    assert resolve_template(str(yaml_path), folder).id == "minato_jusho"
    with pytest.raises(KeyError):
        resolve_template("nope", folder)
    with pytest.raises(KeyError):
        resolve_template("minato_jusho", folder, version=9)
    assert load_templates(folder)["minato_jusho"].status == "active"
    runner = CliRunner()
    res = runner.invoke(app, ["templates", "check", "minato_jusho", "--templates-dir", str(folder)])
    assert res.exit_code == 2 and "--samples" in res.output
    res = runner.invoke(app, ["templates", "check", "nope", "--templates-dir", str(folder),
                              "--samples", str(yaml_path)])
    assert res.exit_code == 2 and "unknown template" in res.output
