"""``yomitori enter`` (bot entry into the back office) and ``yomitori sandbox`` (the demo system)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer()


@app.command()
def enter(
    max_records: Annotated[int | None, typer.Option(help="Stop after this many records.")] = None,
    prefect: Annotated[bool, typer.Option(help="Run through the Prefect 'enter' flow.")] = True,
    verify: Annotated[bool, typer.Option(help="Read every saved record back and compare.")] = True,
) -> None:
    """Type confirmed records into the back-office system of the target file (exactly once, with evidence)."""
    from bots.target_files import TargetFileError, load_target
    from config.settings import get_settings
    from flows.enter import enter as enter_flow
    from flows.enter import run_enter

    s = get_settings()
    try:
        load_target(s.target_name, s.targets_dir)  # a broken file: say so before starting anything
    except TargetFileError as exc:
        typer.echo(exc.message_ja, err=True)
        raise typer.Exit(2) from None
    summary = enter_flow(max_records, verify) if prefect else run_enter(max_records, verify)
    typer.echo(json.dumps({k: v for k, v in summary.items()}, ensure_ascii=False))
    typer.echo(f"証跡 (evidence): {summary['evidence_dir']}")
    if summary.get("stop_message_ja"):
        typer.echo(f"停止しました: {summary['stop_message_ja']}", err=True)
    if summary.get("stop_kind") in ("config", "login"):
        raise typer.Exit(2)  # the target file or the credentials need a person: nothing was sent back
    raise typer.Exit(1 if summary.get("stopped") or summary.get("failed") else 0)


@app.command()
def sandbox(
    port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1.")] = None,
    chaos: Annotated[bool, typer.Option(help="Inject failures (YOMITORI_SANDBOX_CHAOS_*).")] = False,
    system: Annotated[str, typer.Option(help="sandbox (ワンストップ) or admin (寄附管理).")] = "sandbox",
) -> None:
    """Run the demo back-office system on 127.0.0.1 (never for production use)."""
    from sandbox.server import main

    args = (["--port", str(port)] if port else []) + (["--chaos"] if chaos else []) + ["--system", system]
    raise typer.Exit(main(args))
