"""The ``yomitori`` command."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="yomitori (読み取り): offline AI-OCR + RPA for municipal paper forms.",
    no_args_is_help=True,
)


@app.command()
def version() -> None:
    """Print the version."""
    from importlib.metadata import version as _v

    typer.echo(_v("yomitori"))
