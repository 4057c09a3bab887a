"""``yomitori learn``: learn from staff confirmations (a typer sub-app).

    yomitori learn [--dry-run] [--days 56] [--exclude-batch N]   fit, gate, promote
    yomitori learn rollback                                      previous version current again
    yomitori learn report [--out FILE]                           corrections report (Markdown)
    yomitori learn history                                       every version and why

Output is Japanese, counts, rates and versions only: no value is printed.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Learn from staff confirmations: recalibrate, tune per-field thresholds, report "
                  "(確認結果からの学習).", invoke_without_command=True, pretty_exceptions_enable=False)

Days = Annotated[int, typer.Option(help="Learn from documents received in the last DAYS days (0: all).",
                                   min=0)]


def _above(score: float | None) -> str:
    return "なし" if score is None else f"スコア>{score:.6g}"


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


@app.callback()
def learn(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Fit and judge, but store nothing.")] = False,
    days: Days = 56,
    exclude_batch: Annotated[list[int] | None, typer.Option(
        help="Leave out a batch whose confirmations are unreliable (repeatable).")] = None,
    actor: Annotated[str | None, typer.Option(help="Who runs it, for the record (default: OS user).")] = None,
) -> None:
    """Refit the calibration from confirmed fields and promote it if the gate passes."""
    if ctx.invoked_subcommand is not None:
        return
    from config.settings import get_settings
    from learning.run import run_learning

    r = run_learning(get_settings(), dry_run=dry_run, days=days or None,
                     exclude_batches=exclude_batch or [], actor=_actor(actor))
    lt, g = r.learnt, r.learnt.gate
    typer.echo(f"使用中の較正: {r.current_version or '(なし)'}")
    typer.echo(f"書類 {lt.counts.documents} 件、項目 {lt.counts.fields} 件、職員の確認 {lt.counts.checked} 件"
               f"（訂正・読めない {lt.counts.misses} 件、自動確定後の訂正 {lt.counts.escaped} 件）")
    typer.echo(f"判定用に取り分けた確認済み項目 {g.heldback_checked} 件（必要 {g.needed_checked} 件）")
    typer.echo(f"自動確定率        {g.before.share:7.2%} → {g.after.share:7.2%}")
    typer.echo(f"自動確定の誤り    {g.before.error:7.3%} → {g.after.error:7.3%}"
               f"（新たに自動確定: 確認済み {g.newly.checked} 件、誤り {g.newly.errors} 件）")
    for c in lt.candidate.changed:
        typer.echo(f"  {c.level:<5} {c.key:<36} {c.change.value:<8} 自動確定: {_above(c.above_before)} → "
                   f"{_above(c.above_after)}  ({c.detail})")
    if r.promoted:
        typer.echo(f"昇格しました: {r.version}"
                   "（次の読み取りから使われます。戻すには yomitori learn rollback）")
        return
    head = "試行のみ（保存していません）" if dry_run else f"見送りました: {r.version}（記録済み）"
    typer.echo(head if g.passed else f"{head}。理由:")
    for reason in r.reasons:
        typer.echo(f"  - {reason}")


@app.command("rollback")
def rollback(
    actor: Annotated[str | None, typer.Option(help="Who rolls back (default: OS user).")] = None,
) -> None:
    """Make the previously promoted calibration current again (or the shipped file)."""
    from config.settings import get_settings
    from store.calibrations import CalibrationStore
    from store.db import database_url, make_engine, session_factory, upgrade

    url = database_url(get_settings())
    upgrade(url)
    try:
        old, now = CalibrationStore(session_factory(make_engine(url))).rollback(_actor(actor))
    except LookupError as err:
        typer.echo("昇格した較正がありません（出荷時の較正を使用中です）", err=True)
        raise typer.Exit(1) from err
    typer.echo(f"{old} を取り消しました。現在の較正: {now or '出荷時の較正 (calibration/current.json)'}")


@app.command("report")
def report(
    out: Annotated[Path | None, typer.Option(help="Write the report (Markdown) to FILE.")] = None,
    days: Days = 56,
) -> None:
    """Corrections report for admins: most corrected fields, confusions, alignment, calibrations."""
    from config.settings import get_settings
    from learning.run import report_text

    text = report_text(get_settings(), days=days or None)
    if out is None:
        typer.echo(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"出力先: {out}")


@app.command("history")
def history(limit: Annotated[int, typer.Option(min=1, help="How many versions.")] = 20) -> None:
    """Every calibration version, newest first: state, who promoted it, the gate's figures."""
    from config.settings import get_settings
    from store.calibrations import CalibrationStore
    from store.db import database_url, make_engine, session_factory, upgrade

    url = database_url(get_settings())
    upgrade(url)
    rows = CalibrationStore(session_factory(make_engine(url))).history(limit)
    current = next((h.version for h in rows if h.state.value == "promoted"), None)
    if not rows:
        typer.echo("まだありません（出荷時の較正を使用中）")
    for h in rows:
        g = h.gate
        figs = ""
        if isinstance(g.get("before"), dict) and isinstance(g.get("after"), dict):
            figs = (f"自動確定率 {g['before']['share']:.1%}→{g['after']['share']:.1%}、"
                    f"誤り {g['before']['error']:.2%}→{g['after']['error']:.2%}")
        mark = "*" if h.version == current else " "
        who = f" {h.promoted_by}" if h.promoted_by else ""
        typer.echo(f"{mark} {h.version:<28} {h.state.value:<11} {h.created_at:%Y-%m-%d %H:%M}{who}  {figs}")
        for r in h.reasons:
            typer.echo(f"      {r.split(':', 1)[0]}")
