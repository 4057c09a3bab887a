"""``yomitori review`` (run the staff app) and ``yomitori users add`` (create accounts).

Registered on the main command by ``yomitori.cli._register_operations``: the ``review``
command from ``app.registered_commands`` and the ``users`` group from ``users_app``.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts of the review app.", no_args_is_help=True)


@users_app.callback()
def users() -> None:
    """Staff accounts of the review app (``yomitori users add NAME --role admin``)."""


@app.command("review")
def review(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
) -> None:
    """Run the review app (confirm fields, upload, status) on HOST:PORT."""
    import uvicorn

    from config.settings import get_settings
    from review.app import create_app

    uvicorn.run(create_app(get_settings()), host=host, port=port, log_level="info",
                access_log=False)  # access logs would carry document ids only, but keep them quiet


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="clerk, reviewer or admin.")] = "reviewer",
    display_name: Annotated[str, typer.Option(help="Name shown in the app.")] = "",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Create a staff account (the password is asked for; there is no default)."""
    from config.settings import get_settings
    from domain.errors import BusinessError
    from store.db import database_url, make_engine, session_factory, upgrade
    from store.users import Role, UserStore

    if role not in {r.value for r in Role}:
        typer.echo("role must be clerk, reviewer or admin", err=True)
        raise typer.Exit(2)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("パスワード", hide_input=True, confirmation_prompt=True)
    url = database_url(get_settings())
    upgrade(url)
    users = UserStore(session_factory(make_engine(url)))
    try:
        user_id = users.add_user(username, password, Role(role), display_name)
    except BusinessError as exc:
        typer.echo(exc.message_ja, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"user {user_id} added ({role})")
