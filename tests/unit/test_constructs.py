"""Template constructs: answer grids, comb fields read cell by cell, bubbled numbers.

Validation (Japanese messages for what an admin writes by hand), the YAML round trip
(a grid is saved as a grid, never as its expanded rows), and reading on a synthetic
render of our own kind of page (marks + QR) filled here: grid rows by OMR into one value
per row, combs with positions kept, a bubbled number read as one value and checked
against its handwritten copy. Real sheets: tests/unit/test_real_constructs.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from PIL import Image, ImageDraw
from pydantic import ValidationError

from domain.errors import TemplateError
from domain.model import FormTemplate
from domain.status import FieldKind, IssueCode
from forms.fonts import form_font, pil_font
from forms.loader import load_template
from forms.render import render_page
from forms.versions import template_yaml
from ocr.engines.fake import FakeRecognizer
from ocr.pipeline import read_page
from ocr.reader import Reader
from services.compose import render_blank

DPI = 200
MARKS = [{"x": 8, "y": 8, "size": 6}, {"x": 196, "y": 8, "size": 6}, {"x": 8, "y": 283, "size": 6},
         {"x": 196, "y": 283, "size": 6}]


def _grid(**over: Any) -> dict[str, Any]:
    g: dict[str, Any] = {"id": "q", "label": "満足度", "origin": {"x": 120, "y": 40},
                         "mark": {"w": 4, "h": 4}, "pitch": {"x": 10, "y": 8},
                         "rows": [{"id": "staff", "label": "職員の対応"}, "speed", "clean"],
                         "columns": [{"value": "5", "label": "とても良い"}, "4", "3", "2"]}
    g.update(over)
    return g


def _template(**over: Any) -> dict[str, Any]:
    t: dict[str, Any] = {
        "id": "constructs", "family": "constructs", "version": 1, "title": "構成要素の試験",
        "pages": [{"number": 1, "form_code": "YMT-CT-1", "marks": MARKS}],
        "fields": [
            {"id": "amount", "label": "金額", "kind": "digits", "box": {"x": 20, "y": 100, "w": 40, "h": 10},
             "cells": 4, "read_cells": True, "alphabet": "digits"},
            {"id": "name", "label": "氏名（ローマ字）", "kind": "text",
             "box": {"x": 20, "y": 120, "w": 60, "h": 10}, "cells": 6, "read_cells": True,
             "alphabet": "latin"},
            {"id": "member_written", "label": "会員番号", "kind": "digits",
             "box": {"x": 110, "y": 100, "w": 30, "h": 10}, "cells": 3},
            {"id": "member", "label": "会員番号（塗りつぶし）", "kind": "digits",
             "box": {"x": 110, "y": 115, "w": 30, "h": 62},
             "bubbles": {"origin": {"x": 111, "y": 116}, "mark": {"w": 4, "h": 4},
                         "pitch": {"x": 9, "y": 6}, "columns": 3},
             "copy_of": "member_written"},
        ],
        "grids": [_grid()],
    }
    t.update(over)
    return t


def test_a_grid_becomes_one_choice_field_per_row() -> None:
    t = FormTemplate.model_validate(_template())
    rows = [f for f in t.fields if f.grid == "q"]
    assert [f.id for f in rows] == ["q_staff", "q_speed", "q_clean"]
    staff = t.field("q_staff")
    assert staff.kind is FieldKind.CHOICE and staff.label == "満足度 職員の対応"
    assert [(o.value, o.label) for o in staff.options] == [("5", "とても良い"), ("4", "4"), ("3", "3"),
                                                           ("2", "2")]
    assert (t.field("q_clean").options[2].box.x, t.field("q_clean").options[2].box.y) == (140.0, 56.0)
    many = FormTemplate.model_validate(_template(grids=[_grid(multiple=True)]))
    assert many.field("q_speed").kind is FieldKind.MULTI_CHOICE


def test_a_grid_is_saved_as_a_grid_and_survives_round_trips(tmp_path: Path) -> None:
    t = FormTemplate.model_validate(_template())
    text = template_yaml(t)
    assert "q_staff" not in text and "grids:" in text
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    again = load_template(path)
    assert [f.id for f in again.fields] == [f.id for f in t.fields]
    # the editor's path: dump everything, validate again; rows are not doubled
    twice = FormTemplate.model_validate(FormTemplate.model_validate(t.model_dump(mode="json")).model_dump())
    assert [f.id for f in twice.fields] == [f.id for f in t.fields]


@pytest.mark.parametrize(("grid", "message"), [
    (_grid(columns=["5", "4", "4"]), "列の値が重複しています: 4"),
    (_grid(rows=["a", "a"]), "行のIDが重複しています: a"),
    (_grid(rows=[]), "行（rows）を1つ以上指定してください"),
    (_grid(columns=["1"]), "列（columns）は2つ以上必要です"),
    (_grid(pitch={"x": 3, "y": 8}), "列の間隔 3.0 mm が印の幅 4.0 mm より狭く"),
    (_grid(columns=["5", {"value": "4", "x": 122}]), "列の間隔 2.0 mm が印の幅 4.0 mm より狭く"),
    (_grid(pitch={"x": 10, "y": 2}), "行の間隔 2.0 mm が印の高さ 4.0 mm より狭く"),
    (_grid(origin={"x": 190, "y": 40}), "印がページの外にはみ出しています"),
    (_grid(id="amount_x", rows=["x"]), None),  # fine: no clash
    (_grid(id="member", rows=["written"]), "項目ID 'member_written' が他の項目と重複しています"),
])
def test_bad_grids_are_refused_in_japanese(tmp_path: Path, grid: dict[str, Any], message: str | None) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(yaml.safe_dump(_template(grids=[grid]), allow_unicode=True), encoding="utf-8")
    if message is None:
        load_template(path)
        return
    with pytest.raises(TemplateError) as err:
        load_template(path)
    assert message in str(err.value) and "template.yaml" in str(err.value)


@pytest.mark.parametrize(("change", "message"), [
    ({"cells": None}, "read_cells（1マスずつ読む）には cells（マスの数）が必要です"),
    ({"kind": "checkbox"}, "read_cells・alphabet は文字の項目にだけ使えます"),
])
def test_bad_combs_are_refused(change: dict[str, Any], message: str) -> None:
    data = _template()
    data["fields"][0].update(change)
    with pytest.raises(ValidationError, match=message):
        FormTemplate.model_validate(data)


def test_bad_bubbled_numbers_are_refused() -> None:
    data = _template()
    data["fields"][3]["kind"] = "text"
    with pytest.raises(ValidationError, match="kind: digits の項目にだけ使えます"):
        FormTemplate.model_validate(data)
    data = _template()
    data["fields"][3]["box"]["h"] = 20
    with pytest.raises(ValidationError, match="バブルが項目の枠（box）からはみ出しています"):
        FormTemplate.model_validate(data)
    data = _template()
    data["fields"][3]["bubbles"]["values"] = "0120"
    with pytest.raises(ValidationError, match="重複"):
        FormTemplate.model_validate(data)


# ---- reading a filled synthetic page --------------------------------------------------

def _px(mm: float) -> int:
    return round(mm * DPI / 25.4)


def _fill(t: FormTemplate, grid_answers: dict[str, str], cells: dict[str, str], bubbled: str) -> np.ndarray:
    """The rendered blank with marks filled and characters written, as a person would."""
    im = render_page(t, 1, DPI).convert("L")
    d = ImageDraw.Draw(im)
    for row, value in grid_answers.items():  # a tick: a filled blob inside the square
        box = next(o.box for o in t.field(f"q_{row}").options if o.value == value)
        d.ellipse((_px(box.x + 0.8), _px(box.y + 0.8), _px(box.x2 - 0.8), _px(box.y2 - 0.8)), fill=20)
    font = pil_font(form_font(), _px(6))
    for fid, text in cells.items():
        f = t.field(fid)
        step = f.box.w / (f.cells or 1)
        for i, ch in enumerate(text):
            if ch != " ":
                d.text((_px(f.box.x + (i + 0.5) * step), _px(f.box.y + f.box.h / 2)), ch, font=font,
                       fill=0, anchor="mm")
    bub = t.field("member").bubbles
    assert bub is not None
    for col in range(bub.columns):  # the printed ○ with the digit in it, on every bubble
        for row, v in enumerate(bub.values):
            x, y, w, h = bub.mark_box(col, row)
            d.ellipse((_px(x), _px(y), _px(x + w), _px(y + h)), outline=0, width=2)
            d.text((_px(x + w / 2), _px(y + h / 2)), v, font=pil_font(form_font(), _px(2.5)), fill=0,
                   anchor="mm")
            if bubbled[col] == v:
                d.ellipse((_px(x + 0.3), _px(y + 0.3), _px(x + w - 0.3), _px(y + h - 0.3)), fill=30)
    return np.asarray(im)


def _reader(t: FormTemplate, answers: dict[int, str]) -> tuple[Reader, FakeRecognizer]:
    fake = FakeRecognizer(answers, default="")
    return Reader(templates={t.id: t}, recognizer=fake, blank_renderer=render_blank,
                  today=date(2026, 11, 20)), fake


def test_grid_rows_comb_cells_and_a_bubbled_number_are_read() -> None:
    t = FormTemplate.model_validate(_template())
    page = _fill(t, {"staff": "5", "speed": "3", "clean": "2"},
                 {"amount": "  43", "name": "PERSON", "member_written": "305"}, "305")
    # crops in reading order: amount's 2 written cells, then name's 6 cells, then the
    # handwritten member number (one crop, read as a line)
    answers = {0: "4", 1: "3", 2: "P", 3: "E", 4: "R", 5: "S", 6: "O", 7: "N", 8: "305"}
    reader, fake = _reader(t, answers)
    r = read_page(page, reader)
    assert r.status.value == "read", r.reason
    assert [r.field(f"q_{row}").value for row in ("staff", "speed", "clean")] == ["5", "3", "2"]
    amount = r.field("amount")
    assert amount.raw == "  43" and amount.value == "43"  # positions kept in raw
    name = r.field("name")
    assert name.raw == "PERSON" and name.value == "PERSON"  # no spurious space
    assert [a for _, a in fake.calls[:8]] == ["0123456789"] * 2 + ["ABCDEFGHIJKLMNOPQRSTUVWXYZ"] * 6
    member = r.field("member")
    assert member.raw == "305" and member.value == "305" and not member.issues
    assert not r.field("member_written").issues


def test_a_bubbled_number_that_disagrees_with_its_written_copy_goes_to_a_person() -> None:
    t = FormTemplate.model_validate(_template())
    page = _fill(t, {}, {"amount": "", "name": "", "member_written": "305"}, "3 8")
    reader, _ = _reader(t, {0: "305"})
    r = read_page(page, reader)
    member = r.field("member")
    assert member.raw == "3 8"  # the empty middle column is a gap, not a zero
    assert [i.code for i in member.issues] == [IssueCode.CROSS_FIELD]
    assert [i.code for i in r.field("member_written").issues] == [IssueCode.CROSS_FIELD]
    assert r.field("amount").raw == "    " and r.field("amount").value is None  # nothing written
    assert all(row.value is None for row in r.fields if row.field_id.startswith("q_"))


def test_two_marks_in_one_bubble_column_are_not_guessed() -> None:
    t = FormTemplate.model_validate(_template())
    page = _fill(t, {}, {"amount": "", "name": "", "member_written": ""}, "305")
    bub = t.field("member").bubbles
    assert bub is not None
    img = Image.fromarray(page)
    x, y, w, h = bub.mark_box(1, 7)  # a second mark in the middle column
    ImageDraw.Draw(img).ellipse((_px(x + 0.3), _px(y + 0.3), _px(x + w - 0.3), _px(y + h - 0.3)), fill=30)
    reader, _ = _reader(t, {})
    member = read_page(np.asarray(img), reader).field("member")
    assert member.raw == "3?5" and member.value is None
    assert [i.code for i in member.issues] == [IssueCode.MULTIPLE_MARKS]
