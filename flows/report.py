"""Prefect flow ``report``: survey reports, exports and the operations report (thin).

The work is :mod:`reports.run`; the tasks only wrap it. Loading from the store retries
on a locked or unreachable database (``ApplicationError`` / ``OperationalError``);
nothing else is retried. The return value and the artifact carry counts and paths,
never values. The flow never includes My Numbers: that is an explicit, audited
``yomitori export --include-my-number``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import OperationalError

from domain.errors import ApplicationError
from flows.intake import retry_on, run_name, settings


@task(name="survey-report", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE,
      retry_condition_fn=retry_on(OperationalError, ApplicationError, OSError))
def survey_task(out: Path) -> list[dict[str, Any]]:
    from reports.run import run_survey_report

    return [{"template": r.result.template.id, "counted": r.result.counted,
             "excluded": r.result.excluded_total, "html": str(r.html), "xlsx": str(r.xlsx)}
            for r in run_survey_report(settings(), out)]


@task(name="export", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE,
      retry_condition_fn=retry_on(OperationalError, ApplicationError, OSError))
def export_task(out: Path) -> dict[str, Any]:
    from reports.run import run_export

    run = run_export(settings(), out, actor="prefect:report")
    return {"records": run.records, "cp932_replaced": len(run.unencodable), "folder": str(run.out_dir)}


@task(name="operations-report", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE,
      retry_condition_fn=retry_on(OperationalError, ApplicationError, OSError))
def operations_task(out: Path) -> dict[str, Any]:
    from reports.run import run_operations_report

    run = run_operations_report(settings(), out)
    return {"totals": run.result.totals, "html": str(run.html)}


def report_markdown(summary: dict[str, Any]) -> str:
    lines = ["# 集計・出力 (report)", ""]
    for s in summary.get("survey", []):
        lines.append(f"- アンケート {s['template']}: 集計対象 {s['counted']} 件、対象外 {s['excluded']} 件")
    for name, n in summary.get("export", {}).get("records", {}).items():
        lines.append(f"- 出力 {name}: {n} 件")
    if "operations" in summary:
        t = summary["operations"]["totals"]
        lines.append(f"- 自動確定率 {t.get('自動確定率(%)', 0.0):.1f} %、"
                     f"削減時間 {t.get('削減時間(時間)', 0.0):.2f} 時間")
    lines.append(f"\n出力先: {summary['folder']}")
    return "\n".join(lines) + "\n"


@flow(name="report", flow_run_name=lambda: run_name("report"), log_prints=False)
def report(kind: str = "all", out: str | None = None) -> dict[str, Any]:
    """Write the reports of ``kind`` (survey, export, operations or all) into one folder."""
    from reports.run import default_out

    folder = Path(out) if out else default_out(settings(), "report")
    summary: dict[str, Any] = {"folder": str(folder)}
    if kind in ("survey", "all"):
        summary["survey"] = survey_task(folder)
    if kind in ("export", "all"):
        summary["export"] = export_task(folder)
    if kind in ("operations", "all"):
        summary["operations"] = operations_task(folder)
    get_run_logger().info("report: %s written to %s", kind, folder)
    create_markdown_artifact(key="report-summary", markdown=report_markdown(summary),
                             description="reports and exports (counts only)")
    return summary
