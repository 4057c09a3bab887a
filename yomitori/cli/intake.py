"""``yomitori watch``: the watched-folder intake as a command (a typer sub-app).

Prints one Japanese summary line per pass that did something, e.g.
「取り込み: 3件（重複 1件、隔離 1件）」; file names are never printed or logged.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Watched-folder intake (受付フォルダの取り込み).", no_args_is_help=True,
                  pretty_exceptions_enable=False)


@app.command("watch")
def watch_command(
    poll: Annotated[bool, typer.Option("--poll", help="Poll instead of filesystem events "
                                       "(network shares deliver no events).")] = False,
    once: Annotated[bool, typer.Option("--once", help="Take what is in the inbox now "
                                       "(waiting for files still being written), then exit.")] = False,
    stable_seconds: Annotated[float | None, typer.Option(
        "--stable-seconds", min=0.0, help="Seconds a file must stay unchanged before it is taken.")] = None,
    inbox: Annotated[Path | None, typer.Option("--inbox", file_okay=False,
                                               help="Inbox folder (default: <home>/inbox).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Watch the inbox: stable scans are stored, then archived; unusable ones quarantined."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    from config.settings import get_settings
    from intake import IntakeReport, build_repository, intake_once, watch

    updates: dict[str, object] = {}
    if stable_seconds is not None:
        updates["stable_seconds"] = stable_seconds
    if inbox is not None:
        updates["inbox_dir"] = inbox
    settings = get_settings().model_copy(update=updates)
    repo = build_repository(settings)

    def show(report: IntakeReport) -> None:
        if report.outcomes or report.errors:
            typer.echo(report.summary_ja())

    if once:
        reports = intake_once(repo, settings)
        for r in reports:
            show(r)
        if not any(r.outcomes for r in reports):
            typer.echo("取り込み: 0件")
        if reports[-1].pending:
            typer.echo(f"書き込み中のため後回し: {reports[-1].pending}件")
        raise typer.Exit(1 if any(r.errors for r in reports) else 0)

    typer.echo(f"受付フォルダを監視しています（{'ポーリング' if poll else '自動'}）。Ctrl+C で終了します。")
    watch(lambda: repo, settings, threading.Event(), mode="poll" if poll else "auto", on_report=show)
    typer.echo("監視を終了しました。")
