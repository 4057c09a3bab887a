"""``yomitori export`` and ``yomitori report``: CSV / Excel exports and reports (a typer sub-app).

Output is Japanese, counts and paths only: values (names, My Numbers) are never printed
or logged. ``--include-my-number`` adds the My Number column and is written to the
audit log with the actor (``--actor`` or the OS user).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Exports and reports (出力と集計).", no_args_is_help=True,
                  pretty_exceptions_enable=False)


@app.command("export")
def export_command(
    out: Annotated[Path | None, typer.Option(
        help="Output folder (default: <home>/reports/export-<time>).")] = None,
    template: Annotated[list[str] | None, typer.Option(
        help="Template id (repeatable; default: all).")] = None,
    include_my_number: Annotated[bool, typer.Option(
        "--include-my-number", help="Add the My Number column (audited).")] = False,
    actor: Annotated[str | None, typer.Option(help="Who asks, for the audit log (default: OS user).")] = None,
    cp932_strict: Annotated[bool, typer.Option(
        "--cp932-strict", help="Refuse to write CP932 files when a character cannot be encoded "
        "(default: write 〓 and list every replacement).")] = False,
) -> None:
    """Export confirmed forms: CSV (UTF-8 with BOM, CP932) and Excel, per template + 受付一覧."""
    from config.settings import get_settings
    from reports.export import Cp932Error
    from reports.run import run_export

    settings = get_settings()
    try:
        run = run_export(settings, out, template or None, include_my_number=include_my_number,
                         actor=actor, strict_cp932=cp932_strict)
    except Cp932Error as err:
        typer.echo(err.message_ja, err=True)
        typer.echo("CP932 のファイルは作成していません（--cp932-strict）。", err=True)
        raise typer.Exit(3) from err
    except KeyError as err:
        typer.echo(f"unknown template: {err}", err=True)
        raise typer.Exit(2) from err
    for name, n in run.records.items():
        typer.echo(f"{name}: {n} 件")
    for tid, reasons in run.excluded.items():
        if reasons:
            typer.echo(f"{tid}: 確認が終わっていない帳票 {sum(reasons.values())} 件は出力していません"
                       f"（excluded.csv）")
    if run.unencodable:
        typer.echo(f"CP932 で表せない文字 {len(run.unencodable)} か所を〓に置き換えました: "
                   f"{run.unencodable_report}")
    if include_my_number:
        typer.echo(f"個人番号を含めて出力しました（記録: {run.audit_log}）")
    typer.echo(f"出力先: {run.out_dir}")


@app.command("report")
def report_command(
    kind: Annotated[str, typer.Argument(help="survey, operations or all.")] = "all",
    out: Annotated[Path | None, typer.Option(
        help="Output folder (default: <home>/reports/<kind>-<time>).")] = None,
    template: Annotated[str | None, typer.Option(help="Survey template id (default: every survey).")] = None,
    pdf: Annotated[bool, typer.Option(help="Also write the charts as one PDF.")] = True,
) -> None:
    """Write the survey report (HTML + charts + Excel) and/or the operations report."""
    from config.settings import get_settings
    from reports.run import run_operations_report, run_survey_report

    if kind not in ("survey", "operations", "all"):
        typer.echo("kind must be survey, operations or all", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    if kind in ("survey", "all"):
        try:
            runs = run_survey_report(settings, out, template, pdf=pdf)
        except KeyError as err:
            typer.echo(f"not a survey template: {err}", err=True)
            raise typer.Exit(2) from err
        for run in runs:
            typer.echo(f"{run.result.template.title}: 集計対象 {run.result.counted} 件、"
                       f"{run.result.exclusion_text()}")
            typer.echo(f"  HTML: {run.html}")
            typer.echo(f"  Excel: {run.xlsx}")
            if run.pdf:
                typer.echo(f"  PDF: {run.pdf}")
    if kind in ("operations", "all"):
        ops = run_operations_report(settings, out)
        t = ops.result.totals
        typer.echo(f"業務実績: 項目 {int(t.get('項目', 0))}、自動確定率 {t.get('自動確定率(%)', 0.0):.1f} %、"
                   f"削減時間（見込み） {t.get('削減時間(時間)', 0.0):.2f} 時間")
        for note in ops.result.notes:
            if note.startswith("警告"):
                typer.echo(note)  # an audit alarm (issue 15): kind and counts, no value
        batches = ops.result.per_batch
        if "状態" in batches.columns:  # pages not read as a form that still wait for a person (issue 15)
            bad = batches[batches["状態"] == "未完了"]
            typer.echo(f"受付単位: {len(batches)} 件、未完了 {len(bad)} 件"
                       f"（未判断のページ {int(bad['未判断ページ'].sum())}）")
        typer.echo(f"  HTML: {ops.html}")
