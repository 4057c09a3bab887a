"""Exports: CP932 round trip, un-encodable characters reported, Excel sheets, My Number audit."""

from __future__ import annotations

import json
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
from reports.export import GETA, KEY_COLUMNS, Cp932Error, Unencodable
from reports.truth import pages_from_values

MY_NUMBER = "123456789018"
PEOPLE = [  # (name, kana, address) — 𠮷 is outside CP932, 髙 is in it (IBM extension)
    ("𠮷田　太郎", "ヨシダ　タロウ", "岩手県久慈市川崎町1-1"),
    ("髙橋　花子", "タカハシ　ハナコ", "岩手県久慈市長内町2〜3"),
    ("山田　一郎", "ヤマダ　イチロウ", "=HYPERLINK(\"x\")"),
]


def _onestop(t: FormTemplate, people: list[tuple[str, str, str]], confirmed_my_number: set[int]) -> Forms:
    docs = []
    for i, (name, kana, address) in enumerate(people, start=1):
        values: dict[str, Any] = {f.id: {"value": None, "marks": []} for f in t.fields}
        values.update({"full_name": {"value": name}, "full_name_kana": {"value": kana},
                       "address": {"value": address}, "amount": {"value": 10000 * i},
                       "my_number": {"value": MY_NUMBER}, "reference_no": {"value": f"00{i}"},
                       "eligibility_1": {"value": True}, "eligibility_2": {"value": False}})

        def status(fid: str, _ft: dict[str, Any], i: int = i) -> FieldStatus:
            if fid == "my_number" and i in confirmed_my_number:
                return FieldStatus.CORRECTED
            return FieldStatus.AUTO_ACCEPTED

        docs.append(DocumentInput(100 + i, pages_from_values(t, values, status), source_name=f"scan{i}.pdf",
                                  status="reviewed", received_at=datetime(2026, 1, 9, 16, 0, tzinfo=UTC)))
    return build_forms(frame_from_readings(docs), t)


@pytest.fixture
def forms(templates: dict[str, FormTemplate]) -> Forms:
    return _onestop(templates["onestop_2022"], PEOPLE, confirmed_my_number={2})


def test_columns_follow_the_template_and_my_number_is_withheld(forms: Forms) -> None:
    table = export.data_table(forms)
    labels = [f.label for f in forms.template.fields]
    expected = [*KEY_COLUMNS, *(lab if lab != "個人番号" else "個人番号確認済み" for lab in labels)]
    assert list(table.frame.columns) == expected
    assert MY_NUMBER not in table.frame.to_string()
    assert list(table.frame["個人番号確認済み"]) == ["未", "済", "未"]
    with_number = export.data_table(forms, include_my_number=True).frame
    assert list(with_number["個人番号"]) == [MY_NUMBER] * 3
    assert list(with_number["申告特例対象寄附者である"]) == [1, 1, 1]


def test_cp932_round_trip_and_unencodable_characters_are_listed(forms: Forms, tmp_path: Path) -> None:
    table = export.receipts_table([forms])
    assert list(table.frame.columns) == [*KEY_COLUMNS, "寄附受付No", "受付日", "氏名", "フリガナ", "住所",
                                         "寄附金額", "個人番号確認済み"]
    path = tmp_path / "receipts_cp932.csv"
    problems = export.write_csv_cp932(table, path)
    assert problems == [Unencodable(path.name, 101, 1, "氏名", "full_name", "𠮷")]
    assert problems[0].codes == "U+20BB7"
    back = pd.read_csv(path, encoding="cp932", dtype=str, keep_default_na=False)
    assert list(back.columns) == list(table.frame.columns)
    assert list(back["氏名"]) == [GETA + "田　太郎", "髙橋　花子", "山田　一郎"]
    assert back["住所"][1] == "岩手県久慈市長内町2～3"  # WAVE DASH written as its CP932 form
    assert list(back["寄附金額"]) == ["10000", "20000", "30000"]
    assert list(back["受付日"]) == ["2026-01-10"] * 3  # 16:00 UTC is the next day in Japan
    assert list(back["寄附受付No"]) == ["001", "002", "003"]

    report = export.write_unencodable_report(problems, tmp_path / "cp932_unencodable.csv")
    listed = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    assert listed.loc[0, "文字"] == "𠮷" and listed.loc[0, "受付番号"] == "101"
    assert listed.loc[0, "項目ID"] == "full_name"

    with pytest.raises(Cp932Error) as err:
        export.write_csv_cp932(table, tmp_path / "strict.csv", strict=True)
    assert [(p.document_id, p.field_id, p.chars) for p in err.value.problems] == [(101, "full_name", "𠮷")]
    assert not (tmp_path / "strict.csv").exists()


def test_utf8_csv_keeps_every_character_and_defuses_formulas(forms: Forms, tmp_path: Path) -> None:
    path = export.write_csv_utf8(export.receipts_table([forms]).frame, tmp_path / "r.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    assert back["氏名"][0] == "𠮷田　太郎"
    assert back["住所"][2] == "'=HYPERLINK(\"x\")"


def test_excel_has_one_sheet_per_table(forms: Forms, tmp_path: Path) -> None:
    data = export.data_table(forms)
    receipts = export.receipts_table([forms])
    long_title = "年齢別 問1 居住年数についての非常に長い表の題名です（三十一文字を超える）"
    path = export.write_excel([(data.title, data.frame), (receipts.title, receipts.frame),
                               (long_title, data.frame), (long_title, data.frame)], tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(path)
    first = "寄附金税額控除に係る申告特例申請書（令和4年4月以降の様式）"[:31]
    assert wb.sheetnames == [first, "ワンストップ受付一覧", long_title[:31], long_title[:28] + "(2)"]
    ws = wb["ワンストップ受付一覧"]
    header = [c.value for c in ws[1]]
    assert header == list(receipts.frame.columns)
    assert ws.cell(row=2, column=header.index("氏名") + 1).value == "𠮷田　太郎"
    formula = ws.cell(row=4, column=header.index("住所") + 1)
    assert formula.value == "=HYPERLINK(\"x\")" and formula.data_type == "s"


def test_audit_line_names_who_and_how_many_never_the_numbers(tmp_path: Path) -> None:
    log = export.audit_export(tmp_path, "export:onestop_receipts", 3, True, [tmp_path / "a.csv"],
                              actor="clerk1")
    export.audit_export(tmp_path, "export:onestop_receipts", 3, False, [tmp_path / "a.csv"])
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert log == tmp_path / "audit" / "exports.log"
    assert lines[0]["actor"] == "clerk1" and lines[0]["records"] == 3 and lines[0]["my_number"] is True
    assert lines[1]["actor"] and lines[1]["my_number"] is False
    assert MY_NUMBER not in log.read_text(encoding="utf-8")


def test_sheet_names_are_valid() -> None:
    assert export.sheet_names(["a/b", "a/b", "[x]*?"]) == ["a・b", "a・b(2)", "・x・・・"]
