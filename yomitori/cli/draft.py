"""``yomitori templates draft``: a city's blank form scan → a draft template (issue 8)."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


def _dpi_hint(path: Path) -> float | None:
    """The resolution a scan file declares (PDFs are rendered at a known one)."""
    from PIL import Image

    from intake.pages import PDF_RENDER_DPI, sniff

    head = path.read_bytes()[:8]
    if sniff(head) == "pdf":
        return float(PDF_RENDER_DPI)
    try:
        with Image.open(path) as im:
            dpi = im.info.get("dpi")
    except OSError:
        return None
    if isinstance(dpi, tuple) and dpi and float(dpi[0]) >= 50:
        return float(dpi[0])
    return None


def draft_command(
    blank_scan: Annotated[Path, typer.Argument(help="Scan of the BLANK form (PNG/JPEG/TIFF/PDF, any pages).",
                                               exists=True, dir_okay=False)],
    template_id: Annotated[str, typer.Option("--id", help="Template id, e.g. tenkyo_todoke (a-z, 0-9, _).")],
    out: Annotated[Path | None, typer.Option(
        help="Output folder (default: <templates>/<id>/); gets template.yaml + reference/.")] = None,
    paper: Annotated[str | None, typer.Option(
        "--paper", help="Paper size when the scan's cannot be guessed: A4, A3, A5, B4, B5, Letter.")] = None,
    title: Annotated[str | None, typer.Option(help="Form title (default: the largest printed line).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Draft a template from a blank form: boxes, character boxes, □ and ○ choices, labels, kinds.

    Everything found is a guess (status: draft, each field's 'guessed' list); an
    admin checks it before the template is used.
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not ID_PATTERN.match(template_id):
        typer.echo(f"IDは半角英小文字・数字・_ で指定してください (id must match {ID_PATTERN.pattern}): "
                   f"{template_id!r}", err=True)
        raise typer.Exit(2)
    from authoring.draft import draft_template, write_draft
    from authoring.report import render
    from config.settings import get_settings
    from domain.errors import ApplicationError, BusinessError
    from intake.pages import PageLimits, load_pages
    from services.compose import build_recognizer

    settings = get_settings()
    try:
        recognizer = build_recognizer(settings)
    except ApplicationError:
        typer.echo(f"OCRモデルがありません (OCR model not found at {settings.rec_model_dir}; "
                   "run scripts/setup.sh)", err=True)
        raise typer.Exit(1) from None
    target = out or settings.templates_dir / template_id
    try:
        pages = load_pages(blank_scan, limits=PageLimits.from_settings(settings))
        draft = draft_template(pages, template_id, recognizer, dpi_hint=_dpi_hint(blank_scan),
                               paper=paper, title=title)
        saved = write_draft(draft, target)
    except BusinessError as exc:
        typer.echo(f"{exc.message_ja} ({exc})", err=True)
        raise typer.Exit(1) from None
    typer.echo(render(draft))
    typer.echo(f"\n書き出し先 written: {target / 'template.yaml'} (version {saved.version}, "
               f"{len(saved.pages)} reference image(s) under {target / 'reference'})")
