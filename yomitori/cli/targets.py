"""``yomitori targets check NAME`` and ``yomitori targets draft URL``: connect a city's own system."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Target files: which back-office system the bot types into, and how.",
                  no_args_is_help=True)


def _sample(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"--sample は 項目=値 の形式です: {key}")
        out[key.strip()] = value.strip()
    return out


@app.command("check")
def check(
    name: Annotated[str, typer.Argument(help="Target name or a YAML path.")],
    url: Annotated[str | None, typer.Option(help="Base URL (default: YOMITORI_TARGET_URL).")] = None,
    sample: Annotated[list[str] | None, typer.Option(help="field=value of the sample (repeat).")] = None,
) -> None:
    """Log in, walk every screen up to (not including) saving, and print a checklist; exit 1 on a miss."""
    from bots.check import check_target
    from bots.credentials import load_credentials
    from bots.target_files import TargetFileError, load_target
    from config.settings import get_settings

    s = get_settings()
    try:
        loaded = load_target(name, s.targets_dir)
    except TargetFileError as exc:
        typer.echo(exc.message_ja, err=True)
        raise typer.Exit(2) from None
    cl = check_target(loaded, url or s.target_url, load_credentials(s.target_secret_block), s.evidence_root,
                      sample=_sample(sample or []), timeout_ms=min(s.bot_timeout_ms, 8000))
    typer.echo(cl.render(f"{loaded.target.title or loaded.target.target}（{loaded.path}）"))
    raise typer.Exit(0 if cl.ok else 1)


@app.command("draft")
def draft(
    url: Annotated[str, typer.Argument(help="The screen to describe (e.g. the system's entry form).")],
    out: Annotated[Path | None, typer.Option(help="Write the YAML here instead of printing it.")] = None,
    login: Annotated[str | None, typer.Option(help="Log in first at this URL (YOMITORI_TARGET_USER/PASSWORD: "
                                                   "first text box, password box, first button).")] = None,
) -> None:
    """List a page's labelled inputs, buttons and tables as a starting target file."""
    from bots.credentials import load_credentials
    from bots.draft import draft_yaml, scan
    from bots.session import launch_browser

    with launch_browser() as browser:
        page = browser.new_page(locale="ja-JP")
        if login:
            creds = load_credentials()
            page.goto(login)
            page.locator("input:not([type=hidden]):not([type=password]):not([type=submit])").first.fill(creds.user)
            page.locator("input[type=password]").first.fill(creds.password)
            with page.expect_navigation():
                page.locator("button, input[type=submit]").first.click()
        page.goto(url)
        text = draft_yaml(url, scan(page))
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"下書きを書き出しました: {out}")
    else:
        typer.echo(text)
