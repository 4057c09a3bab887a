"""HTML reports a clerk can open and print (Jinja2, autoescaped: comments are user text).

Charts are embedded as PNG data URIs, so the report is one file that can be mailed or
moved; every chart has its numbers in a table beside it.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from reports.operations import JST, OperationsResult
from reports.survey import TOTAL, SurveyResult

TEMPLATES = Path(__file__).resolve().parent / "templates"
_TOTAL_LABELS = {TOTAL, "回答者数（n）"}


@dataclass(frozen=True)
class Cell:
    text: str
    css: str


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def _fmt(value: Any, column: str) -> Cell:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Cell("—", "num")
    if isinstance(value, bool):
        return Cell("○" if value else "", "num")
    if isinstance(value, int) or (hasattr(value, "dtype") and value.dtype.kind in "iu"):
        return Cell(f"{int(value):,}", "num")
    if isinstance(value, float):
        digits = 1 if "%" in column or "分" in column else 2
        return Cell(f"{value:,.{digits}f}", "num")
    return Cell(str(value), "text")


def table_view(frame: pd.DataFrame) -> dict[str, Any]:
    """Columns and formatted rows of a frame; rows whose first cell is 合計 are marked."""
    columns = [str(c) for c in frame.columns]
    rows = []
    for row in frame.itertuples(index=False):
        cells = [_fmt(v, c) for v, c in zip(row, columns, strict=True)]
        rows.append({"cells": cells, "total": bool(cells) and cells[0].text in _TOTAL_LABELS})
    return {"columns": columns, "rows": rows}


def data_uri(png: Path | bytes) -> str:
    data = png if isinstance(png, bytes) else png.read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _now() -> str:
    return datetime.now(JST).strftime("%Y-%m-%d %H:%M")


def survey_html(result: SurveyResult, charts: Mapping[str, Path | bytes]) -> str:
    """The survey report: summary with the excluded count and why, then every table."""
    t = result.template
    sections = [{"key": tb.key, "title": tb.title, "kind": tb.kind, "note": tb.note,
                 "table": table_view(tb.frame),
                 "chart": data_uri(charts[tb.key]) if tb.key in charts else None}
                for tb in result.tables]
    return _env().get_template("survey.html").render(
        title=f"{t.title} 集計結果", template_title=f"{t.title} {t.edition}（{t.id} 版{t.version}）",
        total=result.total_forms, counted=result.counted, excluded_total=result.excluded_total,
        exclusion_text=result.exclusion_text(), sections=sections, created=_now())


def operations_html(result: OperationsResult, method: list[str]) -> str:
    totals = result.totals
    shown = [("書類", f"{int(totals.get('書類', 0)):,}"), ("ページ", f"{int(totals.get('ページ', 0)):,}"),
             ("項目", f"{int(totals.get('項目', 0)):,}"),
             ("自動確定率", f"{totals.get('自動確定率(%)', 0.0):.1f} %"),
             ("確認作業", f"{totals.get('確認作業(分)', 0.0):.1f} 分"),
             ("ロボット入力", f"{int(totals.get('ロボット入力', 0)):,} 件"),
             ("手入力換算", f"{totals.get('手入力換算(時間)', 0.0):.2f} 時間"),
             ("削減時間（見込み）", f"{totals.get('削減時間(時間)', 0.0):.2f} 時間")]
    sections = [{"title": "バッチ別", "table": table_view(result.per_batch)},
                {"title": "日別", "table": table_view(result.per_day)},
                {"title": "項目の種類別（職員の確認・修正）", "table": table_view(result.by_kind)}]
    sections += [{"title": title, "table": table_view(frame)} for title, frame in result.extra]
    return _env().get_template("operations.html").render(
        title="業務実績レポート", totals=shown, notes=result.notes, sections=sections, method=method,
        created=_now())

