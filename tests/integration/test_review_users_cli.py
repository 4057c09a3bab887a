"""``yomitori users`` (yomitori/cli/users.py) on a real SQLite store: list, unlock,
disable, enable, passwd, and ``add`` as before; registered on the main command."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.settings import Settings
from store import make_engine, session_factory
from store.db import database_url
from store.users import UserStore
from yomitori.cli.users import users_app

from review_data import PASSWORD  # isort: skip

NEW_PASSWORD = "a brand new passphrase 7"


@pytest.fixture()
def users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UserStore:
    monkeypatch.setenv("YOMITORI_HOME", str(tmp_path))
    monkeypatch.delenv("YOMITORI_DATABASE_URL", raising=False)
    for name, role in (("boss", "admin"), ("rev", "reviewer")):
        r = CliRunner().invoke(users_app, ["add", name, "--role", role, "--password-stdin"],
                               input=PASSWORD + "\n")
        assert r.exit_code == 0, r.output
    return UserStore(session_factory(make_engine(database_url(Settings(home=tmp_path)))))


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    r = CliRunner().invoke(users_app, list(args), input=stdin)
    return r.exit_code, r.output


def lines(output: str) -> dict[str, list[str]]:
    return {line.split("\t")[0]: line.split("\t")[1:] for line in output.splitlines() if "\t" in line}


def test_list_shows_roles_states_and_locks(users: UserStore) -> None:
    for _ in range(users.max_failures):
        users.authenticate("rev", "wrong password 123")
    code, out = run("list")
    assert code == 0
    rows = lines(out)
    assert rows["boss"] == ["admin", "active", "-"]
    assert rows["rev"][:2] == ["reviewer", "active"] and rows["rev"][2].startswith("locked until ")
    assert rows["rev"][2].endswith(" JST") and PASSWORD not in out


def test_unlock_lets_a_locked_out_owner_back_in(users: UserStore) -> None:
    for _ in range(users.max_failures):
        users.authenticate("boss", "wrong password 123")
    assert users.authenticate("boss", PASSWORD).locked
    assert run("unlock", "boss") == (0, "boss unlocked\n")
    assert users.authenticate("boss", PASSWORD).account is not None
    assert lines(run("list")[1])["boss"][2] == "-"
    code, out = run("unlock", "nobody")
    assert code == 1 and "nobody" in out


def test_disable_and_enable_keep_the_last_admin(users: UserStore) -> None:
    assert run("disable", "rev") == (0, "rev disabled\n")
    assert users.authenticate("rev", PASSWORD).account is None
    assert lines(run("list")[1])["rev"][1] == "disabled"
    code, out = run("disable", "boss")  # the only active admin
    assert code == 1 and "管理者" in out
    assert users.authenticate("boss", PASSWORD).account is not None
    assert run("enable", "rev") == (0, "rev enabled\n")
    assert users.authenticate("rev", PASSWORD).account is not None


def test_passwd_asks_twice_needs_twelve_characters_and_lifts_a_lock(users: UserStore) -> None:
    code, out = run("passwd", "rev", stdin="short\nshort\n")
    assert code == 1 and "12文字以上" in out
    code, _ = run("passwd", "rev", stdin=NEW_PASSWORD + "\n" + NEW_PASSWORD + "x\n")  # no second match
    assert code != 0
    assert users.authenticate("rev", PASSWORD).account is not None  # nothing changed so far
    for _ in range(users.max_failures):
        users.authenticate("rev", "wrong password 123")
    code, out = run("passwd", "rev", stdin=NEW_PASSWORD + "\n" + NEW_PASSWORD + "\n")
    assert code == 0 and "Repeat for confirmation" in out and NEW_PASSWORD not in out  # asked twice, hidden
    assert users.authenticate("rev", PASSWORD).account is None
    assert users.authenticate("rev", NEW_PASSWORD).account is not None
    code, _ = run("passwd", "nobody", stdin=NEW_PASSWORD + "\n" + NEW_PASSWORD + "\n")
    assert code == 1


def test_the_main_command_has_the_users_group() -> None:
    from yomitori.cli.main import app

    r = CliRunner().invoke(app, ["users", "--help"])
    assert r.exit_code == 0
    for command in ("add", "list", "unlock", "disable", "enable", "passwd"):
        assert command in r.output
