"""``yomitori users``: staff accounts of the review app from the command line.

``add`` creates an account (the first admin comes from here), ``list`` shows every
account with its lock-out, ``unlock`` / ``disable`` / ``enable`` / ``passwd`` do what the
admin page (/admin/users) does, through the same :class:`store.users.UserStore` methods:
so an admin who locked themselves out (or was locked out by someone guessing) gets back
in without a second admin. Passwords are always asked for (twice) or read from stdin;
there is no default. Registered on the main command as ``users`` by ``yomitori.cli.main``.
"""

from __future__ import annotations

import sys
from datetime import timedelta, timezone
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from store.users import UserRow, UserStore

users_app = typer.Typer(help="Staff accounts of the review app.", no_args_is_help=True)
JST = timezone(timedelta(hours=9), "JST")


@users_app.callback()
def users() -> None:
    """Staff accounts of the review app (``yomitori users add NAME --role admin``)."""


def _store() -> UserStore:
    """The account store of the configured database (migrated to head), with the app's lock-out."""
    from config.settings import get_settings
    from store.db import database_url, make_engine, session_factory, upgrade
    from store.users import UserStore

    settings = get_settings()
    url = database_url(settings)
    upgrade(url)
    return UserStore(session_factory(make_engine(url)), max_failures=settings.review_max_failed_logins,
                     lockout=timedelta(minutes=settings.review_lockout_minutes))


def _row(users: UserStore, username: str) -> UserRow:
    row = next((u for u in users.list_users() if u.username == username.strip()), None)
    if row is None:
        typer.echo(f"no account named '{username}'", err=True)
        raise typer.Exit(1)
    return row


def _ask_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("パスワード", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="clerk, reviewer or admin.")] = "reviewer",
    display_name: Annotated[str, typer.Option(help="Name shown in the app.")] = "",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Create a staff account (the password is asked for; there is no default)."""
    from domain.errors import BusinessError
    from store.users import Role

    if role not in {r.value for r in Role}:
        typer.echo("role must be clerk, reviewer or admin", err=True)
        raise typer.Exit(2)
    password = _ask_password(password_stdin)
    try:
        user_id = _store().add_user(username, password, Role(role), display_name)
    except BusinessError as exc:
        typer.echo(exc.message_ja, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"user {user_id} added ({role})")


@users_app.command("list")
def users_list() -> None:
    """Every account: name, role, active or disabled, lock-out (until when, JST) or failed logins."""
    users = _store()
    for u in users.list_users():
        if users.locked(u) and u.locked_until is not None:
            lock = f"locked until {u.locked_until.astimezone(JST):%Y-%m-%d %H:%M} JST"
        else:
            lock = f"failed logins {u.failed_logins}" if u.failed_logins else "-"
        typer.echo(f"{u.username}\t{u.role.value}\t{'active' if u.active else 'disabled'}\t{lock}")


@users_app.command("unlock")
def users_unlock(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Lift a lock-out now and reset the count of failed logins."""
    users = _store()
    users.unlock(_row(users, username).id)
    typer.echo(f"{username.strip()} unlocked")


def _set_active(username: str, active: bool) -> None:
    from domain.errors import BusinessError

    users = _store()
    try:
        users.set_active(_row(users, username).id, active)
    except BusinessError as exc:  # e.g. the last active admin
        typer.echo(exc.message_ja, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{username.strip()} {'enabled' if active else 'disabled'}")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Disable an account; its open sessions end at once (the last active admin is kept)."""
    _set_active(username, False)


@users_app.command("enable")
def users_enable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Enable a disabled account again."""
    _set_active(username, True)


@users_app.command("passwd")
def users_passwd(
    username: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Set a new password (asked for twice, at least 12 characters); also lifts a lock-out
    and ends the account's open sessions."""
    from domain.errors import BusinessError

    users = _store()
    row = _row(users, username)
    password = _ask_password(password_stdin)
    try:
        users.set_password(row.id, password)
    except BusinessError as exc:
        typer.echo(exc.message_ja, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"password of {row.username} set")
