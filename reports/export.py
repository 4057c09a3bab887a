"""Export tables: CSV in UTF-8 with BOM (Excel) and CP932 (legacy systems), and .xlsx.

Column order (stable, per template): 受付番号 (document id), 帳票順 (1 = first form in
the file; a stack of forms scanned into one PDF gives 2, 3, …), 原本ファイル, 様式
(template id), 版 (template version), then every field in template order, named by
its Japanese label. Values: lists joined with '、', check boxes 1/0, dates ISO
(YYYY-MM-DD), empty = empty cell. Only forms that count (``reports.data``) are exported.

個人番号 (My Number) is never exported by default: its column becomes 個人番号確認済み
(済 when a person confirmed or corrected it, else 未); the number itself is added only
when asked (``include_my_number``), and every export is written to the audit log
``<home>/audit/exports.log`` (who, when, which export, how many records, whether My
Numbers were included — never a value).

CP932: characters with a different Unicode mapping in Shift_JIS and CP932 (〜 U+301C,
− U+2212, ‖ U+2016, ¢ £ ¬, — U+2014) are the same JIS character and are written as
their CP932 form. Any other character CP932 cannot encode (e.g. 𠮷) is written as
〓 (geta, the customary mark for a missing character) and *every* replacement is
listed with its document, form and field (returned, and written to a report file),
so staff can key the real character into the legacy system. ``strict=True`` refuses to
write the file instead.

Formula injection (CSV/DDE injection): every export path goes through one decision,
:func:`formula_risk`, so a value read from a form or a file name (``=HYPERLINK(…)``,
``+cmd|' /C calc'!A0``, ``@SUM(…)``, ``-1+1``, ``=1+2.pdf``) never runs in a spreadsheet.
A text value is *risky* when it starts with tab or CR, or when its first character
after any leading whitespace (space, tab, CR, LF, 全角空白) is one of ``= + - @``, their
full-width forms ``＝ ＋ － ＠`` (Japanese Excel turns full-width input into formulas),
or ``−`` U+2212 (the CP932 file writes it as ``－``). The exception, so that data people
need is not changed: a text value that is a plain signed decimal number (``-1200``,
``+81``, ``-1,200``, ``0.5``) cannot be a formula and stays as written. Numbers
(int/float cells: 受付番号, 帳票順, 版, 寄附金額, check boxes) are never touched and stay
numeric. What happens to a risky value:

* both CSV files (UTF-8 with BOM, and CP932: Japanese Excel opens a BOM-less CSV as
  CP932, so the two are treated alike), header cells included: :func:`neutralise`
  prefixes one ``'`` (the OWASP advice). Excel then shows the text instead of running
  it; a legacy import sees the quote and can strip it. A phone number written
  ``+81-3-1234-5678`` gets the quote too, which also stops Excel computing 81−3−1234−5678;
* Excel (.xlsx): the cell is written as text with Excel's own "quote prefix" flag (what
  Excel sets when a person types ``'=…``): the value stays as read, is shown as text,
  and stays text when someone edits the cell.
"""

from __future__ import annotations

import csv
import getpass
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from domain.errors import BusinessError
from domain.model import FieldSpec
from domain.status import FieldKind, FieldStatus
from reports.data import Forms
from reports.operations import JST

GETA = "〓"
CP932_EQUIVALENTS = str.maketrans({"\u301c": "\uff5e", "\u2212": "\uff0d", "\u2016": "\u2225",
                                   "\u00a2": "\uffe0", "\u00a3": "\uffe1", "\u00ac": "\uffe2",
                                   "\u2014": "\u2015"})
KEY_COLUMNS = ["受付番号", "帳票順", "原本ファイル", "様式", "版"]
CONFIRMED = "確認済み"
_BY_PERSON = {FieldStatus.CONFIRMED.value, FieldStatus.CORRECTED.value}
# = + - @ tab CR; full-width ＝ ＋ － ＠; − (U+2212, which the CP932 file writes as －)
_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20\u2212")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class ExportTable:
    """A table to write, with the field id behind each data column (for the CP932 report)."""

    name: str  # file stem, ASCII
    title: str  # Japanese (sheet name)
    frame: pd.DataFrame
    field_of: dict[str, str]  # column label → field id


@dataclass(frozen=True)
class Unencodable:
    """A character CP932 cannot encode, replaced by 〓 in ``file``."""

    file: str
    document_id: int
    form_seq: int
    column: str
    field_id: str
    chars: str  # the characters themselves, e.g. '𠮷'

    @property
    def codes(self) -> str:
        return " ".join(f"U+{ord(c):04X}" for c in self.chars)


class Cp932Error(BusinessError):
    def __init__(self, problems: list[Unencodable]) -> None:
        super().__init__(f"{len(problems)} cells contain characters CP932 cannot encode",
                         f"CP932（Shift_JIS）で表せない文字が {len(problems)} か所にあります。"
                         "一覧を確認してください", "cp932_unencodable")
        self.problems = problems


def cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return value


def formula_risk(value: Any) -> bool:
    """Would a spreadsheet take this cell for a formula (see the module docstring)?"""
    if not isinstance(value, str) or not value:
        return False
    if value[0] in "\t\r":
        return True
    head = value.lstrip()
    if not head or head[0] not in _TRIGGERS:
        return False
    return _PLAIN_NUMBER.fullmatch(value) is None


def neutralise(value: Any) -> Any:
    """The CSV form of a cell: a risky text value gets a leading ``'``; anything else as is."""
    return "'" + value if formula_risk(value) else value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as every CSV writer must write it: cells and headers through :func:`neutralise`."""
    out = frame.map(neutralise)
    out.columns = [neutralise(c) for c in frame.columns]
    return out


def _key_frame(forms: Forms) -> pd.DataFrame:
    m = forms.meta
    return pd.DataFrame({"受付番号": m["document_id"].astype(int).to_numpy(),
                         "帳票順": m["form_seq"].astype(int).to_numpy(),
                         "原本ファイル": m["source_name"].astype(str).to_numpy(),
                         "様式": m["template_id"].astype(str).to_numpy(),
                         "版": m["template_version"].astype(int).to_numpy()})


def _my_number_columns(forms: Forms, spec: FieldSpec, include: bool) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {}
    if include:
        cols[spec.label] = [cell(v) for v in forms.values[spec.id]]
    cols[spec.label + CONFIRMED] = ["済" if s in _BY_PERSON else "未" for s in forms.status[spec.id]]
    return cols


def data_table(forms: Forms, include_my_number: bool = False) -> ExportTable:
    """Every counted form of one template, one row each, in the documented column order."""
    ok = forms.included
    frame = _key_frame(ok)
    field_of: dict[str, str] = {}
    for spec in forms.template.fields:
        if spec.kind is FieldKind.MY_NUMBER:
            cols = _my_number_columns(ok, spec, include_my_number)
        else:
            cols = {spec.label: [cell(v) for v in ok.values[spec.id]]}
        for label, values in cols.items():
            name = label if label not in frame.columns else f"{label}（{spec.id}）"
            frame[name] = pd.Series(values, dtype=object)
            field_of[name] = spec.id
    t = forms.template
    return ExportTable(t.id, f"{t.title}（{t.edition}）" if t.edition else t.title, frame, field_of)


RECEIPT_FIELDS = (("寄附受付No", "reference_no"), ("氏名", "full_name"), ("フリガナ", "full_name_kana"),
                  ("住所", "address"), ("寄附金額", "amount"))


def receipts_table(forms_list: Sequence[Forms], include_my_number: bool = False) -> ExportTable:
    """ワンストップ受付一覧 over every onestop version: one row per counted application.

    寄附受付No is the 整理番号 the municipality wrote on the form (empty if none);
    受付番号 (the document id) is always there. 受付日 = the date the scan was received (JST).
    """
    frames = []
    for forms in forms_list:
        ok = forms.included
        frame = _key_frame(ok)
        ids = {f.id for f in forms.template.fields}
        received = pd.to_datetime(ok.meta["received_at"], utc=True).dt.tz_convert(JST)
        frame["受付日"] = received.dt.strftime("%Y-%m-%d").to_numpy()
        for label, fid in RECEIPT_FIELDS:
            frame[label] = pd.Series([cell(v) for v in ok.values[fid]] if fid in ids else None,
                                     index=frame.index, dtype=object)
        spec = next((f for f in forms.template.fields if f.kind is FieldKind.MY_NUMBER), None)
        if spec is not None:
            for label, values in _my_number_columns(ok, spec, include_my_number).items():
                frame["個人番号" + label.removeprefix(spec.label)] = pd.Series(values, index=frame.index,
                                                                              dtype=object)
        frames.append(frame)
    columns = [*KEY_COLUMNS, "寄附受付No", "受付日", *(lab for lab, _ in RECEIPT_FIELDS[1:]),
               *(["個人番号"] if include_my_number else []), "個人番号" + CONFIRMED]
    frame = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame())
    frame = frame.reindex(columns=columns).sort_values(["受付番号", "帳票順"], ignore_index=True)
    field_of = {lab: fid for lab, fid in RECEIPT_FIELDS} | {"個人番号": "my_number",
                                                           "個人番号" + CONFIRMED: "my_number"}
    return ExportTable("onestop_receipts", "ワンストップ受付一覧", frame, field_of)


def write_csv_utf8(frame: pd.DataFrame, path: Path) -> Path:
    """UTF-8 with BOM and CRLF, so Excel opens Japanese text correctly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_safe(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n",
                           quoting=csv.QUOTE_MINIMAL)
    return path


def to_cp932(table: ExportTable, file: str) -> tuple[pd.DataFrame, list[Unencodable]]:
    """The frame with CP932-equivalent characters mapped and the rest replaced by 〓; the list."""
    problems: list[Unencodable] = []
    out = table.frame.copy()
    docs, seqs = table.frame["受付番号"].tolist(), table.frame["帳票順"].tolist()
    for column in out.columns:
        if out[column].dtype.kind in "iufb":
            continue
        values = out[column].tolist()
        for i, v in enumerate(values):
            if not isinstance(v, str):
                continue
            text = v.translate(CP932_EQUIVALENTS)
            try:
                text.encode("cp932")
            except UnicodeEncodeError:
                bad = "".join(dict.fromkeys(c for c in text if not _encodable(c)))
                problems.append(Unencodable(file, int(docs[i]), int(seqs[i]), str(column),
                                            table.field_of.get(str(column), ""), bad))
                text = "".join(c if _encodable(c) else GETA for c in text)
            values[i] = text
        out[column] = pd.Series(values, index=out.index, dtype=object)
    return out, problems


def _encodable(char: str) -> bool:
    try:
        char.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def write_csv_cp932(table: ExportTable, path: Path, strict: bool = False) -> list[Unencodable]:
    """Write the CP932 CSV (CRLF); returns every 〓 replacement. ``strict``: refuse instead."""
    frame, problems = to_cp932(table, path.name)
    if strict and problems:
        raise Cp932Error(problems)
    write_cp932_frame(frame, path)
    return problems


def write_cp932_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame already mapped by :func:`to_cp932` (CRLF, formulas neutralised)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_safe(frame).to_csv(path, index=False, encoding="cp932", errors="strict", lineterminator="\r\n")
    return path


def write_unencodable_report(problems: Sequence[Unencodable], path: Path) -> Path:
    """外字一覧: one row per replaced cell (UTF-8 with BOM, so the real characters show)."""
    rows = [{"出力ファイル": p.file, "受付番号": p.document_id, "帳票順": p.form_seq, "項目": p.column,
             "項目ID": p.field_id, "文字": p.chars, "文字コード": p.codes, "置き換え": GETA}
            for p in problems]
    columns = ["出力ファイル", "受付番号", "帳票順", "項目", "項目ID", "文字", "文字コード", "置き換え"]
    return write_csv_utf8(pd.DataFrame(rows, columns=columns), path)


def sheet_names(titles: Sequence[str]) -> list[str]:
    """Valid, unique Excel sheet names (≤ 31 characters, none of []:*?/\\)."""
    out: list[str] = []
    for title in titles:
        base = re.sub(r"[\[\]:*?/\\]", "・", title).strip("'")[:31] or "Sheet"
        name, k = base, 2
        while name in out:
            suffix = f"({k})"
            name, k = base[:31 - len(suffix)] + suffix, k + 1
        out.append(name)
    return out


def write_excel(sheets: Sequence[tuple[str, pd.DataFrame]], path: Path) -> Path:
    """One sheet per table; text is always text, and risky text carries Excel's quote prefix."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    if wb.active is not None:
        wb.remove(wb.active)
    for name, (_, frame) in zip(sheet_names([t for t, _ in sheets]), sheets, strict=True):
        ws = wb.create_sheet(name)
        for k, col in enumerate(frame.columns, start=1):
            _text_cell(ws.cell(row=1, column=k), str(col)).font = Font(bold=True)
            ws.column_dimensions[get_column_letter(k)].width = min(60, max(8, 2 * len(str(col)) + 2))
        for r, row in enumerate(frame.itertuples(index=False), start=2):
            for k, v in enumerate(row, start=1):
                v = cell(v)
                if isinstance(v, str):
                    _text_cell(ws.cell(row=r, column=k), v)
                else:
                    ws.cell(row=r, column=k, value=v)
        ws.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _text_cell(c: Any, value: str) -> Any:
    """A string cell that Excel never evaluates: type text, quote prefix when risky."""
    value = _ILLEGAL_XLSX.sub("", value)
    c.value = value
    c.data_type = "s"  # openpyxl would store a leading '=' as a formula
    if formula_risk(value):
        c.quotePrefix = True
    return c


def audit_export(home: Path, export: str, records: int, include_my_number: bool,
                 files: Sequence[Path], actor: str | None = None) -> Path:
    """Append one JSON line to ``<home>/audit/exports.log`` (no values, ever)."""
    path = home / "audit" / "exports.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"at": datetime.now(JST).isoformat(timespec="seconds"), "actor": actor or getpass.getuser(),
            "export": export, "records": records, "my_number": include_my_number,
            "files": [p.name for p in files]}
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path
