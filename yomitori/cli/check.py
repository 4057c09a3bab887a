"""``yomitori templates check``: read a city's filled test scans with one template (issue 8).

    yomitori templates check sakura_sodai --samples test1.pdf test2.png
    yomitori templates check templates/sakura_sodai/template.yaml --samples scans/*.png

TEMPLATE is a template id (its current version, or ``--version``; drafts too)
or the path of a template YAML file. Prints per page the alignment quality and
per field what was read (My Numbers masked), with flags, and ends with the
verdict 使えます or 要修正 and the reasons. Exit code 0 = usable, 1 = needs work,
2 = bad arguments.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from domain.model import FormTemplate

if TYPE_CHECKING:
    from authoring.check import CheckReport


def resolve_template(ref: str, templates_dir: Path, version: int | None = None) -> FormTemplate:
    """A template by id (current version or ``version``) or by the path of its YAML file.

    Raises TemplateError (a YAML path that does not load) or KeyError (unknown id/version).
    """
    from forms.loader import load_template, load_template_versions

    path = Path(ref)
    if ref.endswith((".yaml", ".yml")) or path.is_file():
        return load_template(path)
    versions = load_template_versions(templates_dir)
    mine = {v: t for (tid, v), t in versions.items() if tid == ref}
    if not mine:
        raise KeyError(f"unknown template '{ref}' (known: {', '.join(sorted({k[0] for k in versions}))})")
    if version is None:
        from forms.loader import load_templates

        return load_templates(templates_dir)[ref]  # the current file, draft or not
    if version not in mine:
        raise KeyError(f"template '{ref}' has no version {version} (has {sorted(mine)})")
    return mine[version]


def check_command(
    template: Annotated[str, typer.Argument(help="Template id, or the path of a template YAML.")],
    more: Annotated[list[Path] | None, typer.Argument(
        help="More sample files (after --samples).", show_default=False)] = None,
    samples: Annotated[list[Path] | None, typer.Option(
        "--samples", help="Filled scans of the form (PDF, TIFF, PNG, JPEG).")] = None,
    templates_dir: Annotated[Path | None, typer.Option(
        "--templates-dir", help="Template folder (default: YOMITORI_TEMPLATES_DIR or templates/).")] = None,
    version: Annotated[int | None, typer.Option(help="Template version (default: the current one).")] = None,
    explain_dir: Annotated[Path | None, typer.Option(
        "--explain-dir", help="Write a picture of the differing print for every refused page here.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Check a template (draft or not) on filled test scans: alignment, readings, flags, verdict."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    from authoring.check import check_files
    from config.settings import get_settings
    from domain.errors import BusinessError, TemplateError
    from intake.pages import PageLimits
    from services.compose import build_reader

    files = [*(samples or []), *(more or [])]
    if not files:
        typer.echo("give the filled test scans with --samples FILE...", err=True)
        raise typer.Exit(2)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        typer.echo(f"no such file: {', '.join(missing)}", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    if templates_dir is not None:
        settings = settings.model_copy(update={"templates_dir": templates_dir})
    try:
        target = resolve_template(template, settings.templates_dir, version)
    except (KeyError, TemplateError) as exc:
        typer.echo(str(exc).strip("'\""), err=True)
        raise typer.Exit(2) from exc
    reader = build_reader(settings)
    try:
        report = check_files(target, files, reader, PageLimits.from_settings(settings))
    except BusinessError as exc:
        typer.echo(f"読み取れないファイルがあります: {exc.message_ja}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(report.render_text())
    if explain_dir is not None:
        for path in write_differences(report, explain_dir):
            typer.echo(f"違いの図 difference picture: {path}")
    raise typer.Exit(0 if report.ok else 1)


def write_differences(report: CheckReport, folder: Path) -> list[Path]:
    """PNG per refused page: closest blank grey, page-only ink red, blank-only print blue."""
    import cv2
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for p in report.pages:
        if p.difference is None:
            continue
        path = folder / f"{Path(p.source).stem}-p{p.index + 1}-difference.png"
        cv2.imwrite(str(path), p.difference)
        written.append(path)
    return written
