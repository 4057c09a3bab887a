"""Formula injection through every export: UTF-8 CSV, CP932 CSV, Excel, 受付一覧, excluded.csv.

Hostile text comes from OCR fields (住所, 氏名, 整理番号, the survey's free comment) and from
file names (原本ファイル). Every CSV cell read back must be inert; every risky Excel cell must
be text with the quote prefix and keep its value exactly. Plain numbers stay numbers.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from domain.model import FormTemplate
from domain.status import FieldStatus
from reports import export
from reports.data import DocumentInput, Forms, build_forms, frame_from_readings
from reports.run import export_forms
from reports.truth import pages_from_values

# (raw value, what a CSV cell must hold)
HOSTILE = [
    ('=HYPERLINK("http://127.0.0.2/x","開く")', '\'=HYPERLINK("http://127.0.0.2/x","開く")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("-1+1", "'-1+1"),
    ("\t=1+2", "'\t=1+2"),
    ("\r=1+2", "'\r=1+2"),
    ("  =1+2", "'  =1+2"),
    ("\u3000=1+2", "'\u3000=1+2"),
    ("\n@A1", "'\n@A1"),
    ("＝1+2", "'＝1+2"),
    ("\tplain", "'\tplain"),
    ("+81-3-1234-5678", "'+81-3-1234-5678"),  # Excel would compute 81-3-1234-5678
]
INERT = ["-1200", "+81", "-1,200", "0.5", "岩手県久慈市川崎町1-1", "a=b", "", "東京 -1+1"]
FILE_NAMES = ["=1+2.pdf", "+cmd|' calc'!A0.png", "@SUM(A1).tif", "-2+3.jpg", "\t=1.pdf"]
_NUMBER = re.compile(r"[+-]?[0-9][0-9,]*(\.[0-9]+)?")


def executable(cell: str) -> bool:
    """The test's own oracle (independent of reports.export): could a spreadsheet run it?"""
    head = cell.lstrip()
    return bool(cell) and (cell[0] in "\t\r" or (
        head[:1] in set("=+-@＝＋－＠−") and _NUMBER.fullmatch(cell) is None))


@pytest.mark.parametrize(("raw", "safe"), HOSTILE)
def test_each_prefix_is_neutralised(raw: str, safe: str) -> None:
    assert executable(raw) and not executable(safe)
    assert export.formula_risk(raw)
    assert export.neutralise(raw) == safe


@pytest.mark.parametrize("value", [*INERT, -1200, 10000, 0.5, None, 1])
def test_plain_numbers_and_ordinary_text_are_left_alone(value: Any) -> None:
    assert not (isinstance(value, str) and executable(value))
    assert not export.formula_risk(value)
    assert export.neutralise(value) == value


def _onestop(t: FormTemplate) -> Forms:
    """One document per hostile value (in 住所, 氏名 and 整理番号), one per hostile file name."""
    docs = []
    rows = [(raw, "scan.pdf") for raw, _ in HOSTILE]
    rows += [("岩手県久慈市", name) for name in FILE_NAMES]
    for i, (raw, name) in enumerate(rows, start=1):
        values: dict[str, Any] = {f.id: {"value": None, "marks": []} for f in t.fields}
        values.update({"full_name": {"value": raw}, "address": {"value": raw},
                       "reference_no": {"value": raw}, "amount": {"value": -1200 if i == 1 else 10000},
                       "phone": {"value": "+81" if i == 2 else "0194-52-1111"},
                       "eligibility_1": {"value": True}, "eligibility_2": {"value": False}})
        docs.append(DocumentInput(i, pages_from_values(t, values), source_name=name, status="reviewed",
                                  received_at=datetime(2026, 1, 9, 1, 0, tzinfo=UTC)))
    # a form still waiting for staff: its file name goes to excluded.csv
    values = {f.id: {"value": "x", "marks": []} for f in t.fields}

    def pending(fid: str, _t: dict[str, Any]) -> FieldStatus:
        return FieldStatus.NEEDS_REVIEW if fid == "address" else FieldStatus.AUTO_ACCEPTED

    docs.append(DocumentInput(999, pages_from_values(t, values, pending), source_name="=EXCLUDED()+1.pdf",
                              status="needs_review"))
    return build_forms(frame_from_readings(docs), t)


def _survey(t: FormTemplate) -> Forms:
    docs = []
    for i, (raw, _) in enumerate(HOSTILE, start=1):
        values: dict[str, Any] = {f.id: {"value": None, "marks": []} for f in t.fields}
        values["comment"] = {"value": raw}
        docs.append(DocumentInput(500 + i, pages_from_values(t, values), source_name=f"s{i}.pdf",
                                  status="read"))
    return build_forms(frame_from_readings(docs), t)


@pytest.fixture(scope="module")
def exported(templates: dict[str, FormTemplate], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile")
    forms = {"onestop_2022": _onestop(templates["onestop_2022"]),
             "citizen_survey": _survey(templates["citizen_survey"])}
    export_forms(forms, out / "exports", out, actor="test")
    return out / "exports"


def _csv_cells(path: Path, encoding: str) -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.reader(f))


CSV_FILES = ["onestop_2022.csv", "onestop_2022_cp932.csv", "onestop_receipts.csv",
             "onestop_receipts_cp932.csv", "citizen_survey.csv", "citizen_survey_cp932.csv", "excluded.csv"]


@pytest.mark.parametrize("name", CSV_FILES)
def test_no_csv_cell_can_run_as_a_formula(exported: Path, name: str) -> None:
    encoding = "cp932" if name.endswith("_cp932.csv") else "utf-8-sig"
    cells = _csv_cells(exported / name, encoding)
    assert len(cells) > 1
    risky = [c for row in cells for c in row if executable(c)]
    assert risky == []
    flat = {c for row in cells for c in row}
    if name.startswith("onestop"):
        for raw, safe in HOSTILE:  # from OCR fields (氏名, 住所)
            assert safe in flat, (name, raw)
        for file_name in FILE_NAMES:  # from file names
            assert "'" + file_name in flat, (name, file_name)
    if name.startswith("citizen_survey"):
        assert {safe for _, safe in HOSTILE} <= flat  # free comment of the survey
    if name == "excluded.csv":
        assert "'=EXCLUDED()+1.pdf" in flat


@pytest.mark.parametrize("name", ["onestop_2022_cp932.csv", "onestop_receipts_cp932.csv"])
def test_cp932_csv_is_neutralised_exactly_like_the_utf8_one(exported: Path, name: str) -> None:
    utf8 = _csv_cells(exported / name.replace("_cp932", ""), "utf-8-sig")
    cp932 = _csv_cells(exported / name, "cp932")
    assert cp932 == utf8  # every hostile value here is CP932-encodable


def test_numbers_stay_numbers(exported: Path) -> None:
    back = pd.read_csv(exported / "onestop_receipts_cp932.csv", encoding="cp932", dtype=str,
                       keep_default_na=False)
    assert back["寄附金額"][0] == "-1200"  # a negative amount is not quoted
    assert back["受付番号"][0] == "1"
    data = pd.read_csv(exported / "onestop_2022.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert data["電話番号"][1] == "+81"  # a plain signed number is inert: as written
    assert data["電話番号"][0] == "0194-52-1111"
    wb = openpyxl.load_workbook(exported / "onestop_receipts.xlsx")
    ws = wb.active
    assert ws is not None
    header = [c.value for c in ws[1]]
    amount = ws.cell(row=2, column=header.index("寄附金額") + 1)
    assert amount.value == -1200 and amount.data_type == "n"


@pytest.mark.parametrize("name", ["onestop_2022.xlsx", "onestop_receipts.xlsx", "citizen_survey.xlsx"])
def test_excel_cells_keep_the_value_as_quoted_text(exported: Path, name: str) -> None:
    wb = openpyxl.load_workbook(exported / name)
    seen: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and executable(c.value):
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate, c.value)
                    seen.add(c.value)
    expected = {raw for raw, _ in HOSTILE}
    if name.startswith("onestop"):
        expected |= set(FILE_NAMES)
    # the value itself is kept (a bare CR reads back as LF: XML end-of-line normalisation)
    assert {v.replace("\r", "\n") for v in expected} <= seen


def test_header_cells_are_neutralised_too(tmp_path: Path) -> None:
    frame = pd.DataFrame({"=evil()": ["a"], "ok": [1]})
    path = export.write_csv_utf8(frame, tmp_path / "h.csv")
    assert _csv_cells(path, "utf-8-sig")[0] == ["'=evil()", "ok"]
    xlsx = export.write_excel([("t", frame)], tmp_path / "h.xlsx")
    ws = openpyxl.load_workbook(xlsx).active
    assert ws is not None and ws["A1"].value == "=evil()" and ws["A1"].data_type == "s"
    assert ws["A1"].quotePrefix
