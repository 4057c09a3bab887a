"""Reports: survey aggregation, charts, HTML, CSV (UTF-8 / CP932) and Excel exports,
operations report. Importing this package loads nothing heavy and touches nothing.

Modules: ``data`` (store → DataFrames, which forms count), ``survey`` (aggregation),
``charts`` (PNG/PDF), ``html`` (printable HTML), ``export`` (CSV/CP932/xlsx, audit),
``operations`` (per batch / per day), ``run`` (the runs the CLI, flow and demo call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = ["make_reports"]


def make_reports(settings: Settings, echo: Callable[[str], None]) -> int:
    """The demo's last step: survey report, exports and operations report under ``<home>/reports``.

    Returns 0 (reports are informative; a missing font or an empty store is said, not fatal).
    """
    from reports.run import run_export, run_operations_report, run_survey_report

    base = settings.home / "reports"
    echo("\n集計・出力:")
    for run in run_survey_report(settings, base / "survey"):
        echo(f"  アンケート集計 {run.result.template.title}: 集計対象 {run.result.counted} 件、"
             f"{run.result.exclusion_text()}")
        echo(f"    報告書（HTML・印刷用） {run.html}")
        echo(f"    集計表（Excel）        {run.xlsx}")
    exported = run_export(settings, base / "exports")
    for name, n in exported.records.items():
        waiting = sum(exported.excluded.get(name, {}).values())
        note = f"、確認が終わっていない {waiting} 件は含みません" if waiting else ""
        echo(f"  出力 {name}: {n} 件（CSV UTF-8・CP932・Excel{note}）")
    if exported.unencodable_report:
        echo(f"  CP932 で表せない文字 {len(exported.unencodable)} か所を〓に置き換えました。"
             f"一覧: {exported.unencodable_report}")
    echo(f"  出力先フォルダ         {exported.out_dir}")
    ops = run_operations_report(settings, base / "operations")
    echo(f"  業務実績レポート       {ops.html}")
    echo(f"  書類不備の一覧         {ops.html.parent / 'deficiencies.csv'}")
    return 0
