"""The ``yomitori`` command: read scans, make sample scans, render forms, run the demo."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="yomitori (読み取り): offline AI-OCR + RPA for municipal paper forms.\n\n"
    "Reads scanned forms (PDF / TIFF / PNG / JPEG), checks every field by rule, "
    "and sends only uncertain fields to staff.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
samples_app = typer.Typer(help="Make synthetic filled-in scans (test data with ground truth).",
                          no_args_is_help=True)
templates_app = typer.Typer(help="List and print form templates.", no_args_is_help=True)
app.add_typer(samples_app, name="samples")
app.add_typer(templates_app, name="templates")
templates_app.command("check")(__import__("yomitori.cli.check", fromlist=["check_command"]).check_command)


def _register_operations() -> None:
    """Commands that live in their own modules: top-level ones, ``users`` and ``templates draft``."""
    from yomitori.cli import draft, entry, intake, learn, ops, report, review, separator, targets, users

    for sub in (intake.app, ops.app, report.app, review.app, entry.app, separator.app):
        for command in sub.registered_commands:
            app.registered_commands.append(command)
    app.add_typer(users.users_app, name="users")
    templates_app.command("draft")(draft.draft_command)
    app.add_typer(learn.app, name="learn")
    app.add_typer(targets.app, name="targets")


_register_operations()


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@app.command()
def version() -> None:
    """Print the version."""
    from importlib.metadata import version as _v

    typer.echo(_v("yomitori"))


@app.command()
def read(
    files: Annotated[list[Path], typer.Argument(help="Scan files to read.", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one object per file).")] = False,
    unmask: Annotated[bool, typer.Option(help="Show My Numbers unmasked (audit-relevant).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Read scans: per page the form and version (or why not), and every field."""
    _setup_logging(verbose)
    from config.settings import get_settings
    from intake.pages import PageLimits
    from services.compose import build_reader
    from services.reading import read_file, render_text, to_json

    settings = get_settings()
    reader = build_reader(settings)
    limits = PageLimits.from_settings(settings)
    failed = 0
    for path in files:
        doc, error = read_file(path, reader, limits)
        if as_json:
            typer.echo(json.dumps(to_json(path, doc, error, unmask=unmask), ensure_ascii=False))
        else:
            typer.echo(render_text(path, doc, error, unmask=unmask))
        failed += error is not None
    raise typer.Exit(1 if failed else 0)


@samples_app.command("generate")
def samples_generate(
    form: Annotated[str, typer.Option(help="Template id, e.g. onestop_2022.")],
    out: Annotated[Path, typer.Option(help="Output directory.")],
    count: Annotated[int, typer.Option(min=1, max=10000)] = 10,
    seed: Annotated[int, typer.Option()] = 1,
    fmt: Annotated[str, typer.Option("--format", help="png, pdf, tiff or jpg.")] = "png",
    dpi: Annotated[int, typer.Option(min=100, max=600)] = 200,
    style: Annotated[str, typer.Option(help="printed, handwriting or mixed.")] = "mixed",
    degrade: Annotated[bool, typer.Option(help="Apply scanner degradations.")] = True,
) -> None:
    """Generate COUNT filled forms with ground-truth JSON (deterministic by SEED)."""
    from config.settings import get_settings
    from services.compose import load_templates
    from synth.generate import SynthOptions, generate_samples

    settings = get_settings()
    templates = load_templates(settings)
    if form not in templates:
        typer.echo(f"unknown form '{form}'; known: {', '.join(sorted(templates))}", err=True)
        raise typer.Exit(2)
    opts = SynthOptions(dpi=dpi, style=style, degrade=degrade)
    paths = generate_samples(form, count, seed, out, opts, fmt=fmt, templates_dir=settings.templates_dir)
    typer.echo(f"wrote {len(paths)} files to {out}")


@templates_app.command("list")
def templates_list() -> None:
    """List the templates (id, version, pages, fields, title)."""
    from config.settings import get_settings
    from services.compose import load_templates

    for t in sorted(load_templates(get_settings()).values(), key=lambda t: t.id):
        typer.echo(f"{t.id}\tv{t.version}\t{len(t.pages)}p\t{len(t.fields)} fields\t{t.title} {t.edition}")


@templates_app.command("render")
def templates_render(
    template_id: Annotated[str, typer.Argument(help="Template id.")],
    out: Annotated[Path, typer.Option(help="Output directory.")],
    dpi: Annotated[int, typer.Option(min=100, max=600)] = 300,
) -> None:
    """Render the blank form as PDF (for printing) and PNG pages."""
    from config.settings import get_settings
    from forms.render import render_pdf, render_png
    from services.compose import load_templates

    t = load_templates(get_settings())[template_id]
    out.mkdir(parents=True, exist_ok=True)
    render_pdf(t, out / f"{t.id}.pdf", dpi=dpi)
    pngs = render_png(t, out, dpi)
    typer.echo(f"wrote {out / (t.id + '.pdf')} and {len(pngs)} PNG page(s)")


@app.command()
def calibrate(
    count: Annotated[int, typer.Option(help="Forms per template (times the condition mix).")] = 50,
    seed: Annotated[int, typer.Option()] = 5000,
    out: Annotated[Path | None, typer.Option(help="Calibration file to write.")] = None,
    rows: Annotated[Path | None, typer.Option(
        help="Rows CSV: refit from it when it exists, else read the set and save the rows there.")] = None,
) -> None:
    """Fit the confidence calibration on a synthetic set and write it."""
    _setup_logging(False)
    from services.calibrate import run_calibration

    path = run_calibration(count=count, seed=seed, out=out, progress=typer.echo, rows_file=rows)
    typer.echo(f"calibration written to {path}")


@app.command()
def demo(
    count: Annotated[int, typer.Option(help="Forms per template.")] = 3,
    seed: Annotated[int, typer.Option()] = 2026,
    prefect: Annotated[bool, typer.Option(help="Run through a local Prefect flow.")] = True,
) -> None:
    """Generate sample scans for every template and read them (the main job, on defaults)."""
    _setup_logging(False)
    from yomitori.cli.demo import run_demo

    raise typer.Exit(run_demo(count=count, seed=seed, use_prefect=prefect, echo=typer.echo))


if __name__ == "__main__":
    app()
