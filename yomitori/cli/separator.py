"""``yomitori separator --out sep.pdf``: print the sheet that splits envelopes in a scan stack."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer()


@app.command("separator")
def separator(
    out: Annotated[Path, typer.Option(help="PDF (or PNG) to write.")] = Path("separator.pdf"),
    copies: Annotated[int, typer.Option(min=1, max=500, help="Pages in the PDF.")] = 1,
    dpi: Annotated[int, typer.Option(min=100, max=600)] = 300,
) -> None:
    """Write the 区切り用紙: put one between envelopes when scanning a stack (optional)."""
    from forms.separator import write_separator

    path = write_separator(out, dpi=dpi, copies=copies)
    typer.echo(f"区切り用紙を書き出しました: {path}")
