"""Login hardening over HTTP and in the store (TestClient, real SQLite, no documents needed):

* a failed login gives one answer, with one password verification, whether the name is
  unknown, disabled, locked or the password wrong (no username enumeration, no lock oracle);
* a client address that keeps failing waits, growing, before its next attempt is checked,
  while the owner logs in from their own desk;
* the account lock still opens by itself after ``review_lockout_minutes``.

No test measures time: the clock of the back-off and of the store are fakes, and the
"same work" is counted on a password hasher that records its calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from config.settings import Settings
from review.app import create_app
from review.auth import LoginBackoff
from store import make_engine, session_factory, upgrade
from store.users import Role, UserStore

from review_data import PASSWORD  # isort: skip

WRONG = "wrong password, twelve+"


class CountingHasher(PasswordHasher):
    """A cheap argon2 hasher that counts verifications (the work a login costs)."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified += 1
        return super().verify(hash, password)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    settings = Settings(home=tmp_path, review_max_failed_logins=3)
    app = create_app(settings)
    hasher, clock = CountingHasher(), Clock()
    ctx = app.state.ctx
    assert ctx.sessions is not None
    ctx.users = UserStore(ctx.sessions, max_failures=3, lockout=ctx.users.lockout, hasher=hasher)
    ctx.backoff = LoginBackoff(clock=clock)
    for name, role in (("admin1", Role.ADMIN), ("rev1", Role.REVIEWER), ("gone", Role.REVIEWER),
                       ("locked", Role.REVIEWER)):
        ctx.users.add_user(name, PASSWORD, role)
    gone = next(u.id for u in ctx.users.list_users() if u.username == "gone")
    ctx.users.set_active(gone, False)
    for _ in range(3):
        ctx.users.authenticate("locked", WRONG)
    assert ctx.users.authenticate("locked", PASSWORD).locked  # really locked
    yield {"app": app, "users": ctx.users, "hasher": hasher, "clock": clock, "settings": settings}


def attempt(env: dict[str, Any], address: str, username: str, password: str) -> Any:
    c = TestClient(env["app"], base_url="https://testserver", follow_redirects=False, client=(address, 50000))
    page = c.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return c.post("/login", data={"username": username, "password": password, "csrf_token": token[1]})


def _answer(text: str) -> str:
    """The page without its per-request CSRF token."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', text)


# --- row 11: the same answer and the same work for every failure --------------------------
def test_every_failed_login_gets_the_same_answer_and_the_same_work(env: dict[str, Any]) -> None:
    hasher: CountingHasher = env["hasher"]
    answers = {}
    for i, (name, password) in enumerate([("nobody", WRONG), ("gone", PASSWORD), ("locked", PASSWORD),
                                          ("locked", WRONG), ("rev1", WRONG)]):
        before = hasher.verified
        r = attempt(env, f"192.0.2.{i + 1}", name, password)  # own address each: no back-off here
        assert hasher.verified - before == 1, name  # one verification, known name or not
        answers[name, password] = (r.status_code, _answer(r.text))
    assert len(set(answers.values())) == 1, "a failed login told something about the name"
    status, page = next(iter(answers.values()))
    assert status == 401 and "ユーザー名またはパスワードが正しくありません" in page
    assert "ロック" not in page  # the lock is for admins to see, not for whoever is guessing
    before = hasher.verified
    assert attempt(env, "192.0.2.9", "rev1", PASSWORD).status_code == 303
    assert hasher.verified - before == 1


def test_the_store_verifies_exactly_once_on_every_path(env: dict[str, Any]) -> None:
    users: UserStore = env["users"]
    hasher: CountingHasher = env["hasher"]
    for name, password in [("nobody", WRONG), ("gone", PASSWORD), ("locked", PASSWORD), ("rev1", WRONG),
                           ("rev1", PASSWORD)]:
        before = hasher.verified
        users.authenticate(name, password)
        assert hasher.verified - before == 1, name


def test_locks_stay_visible_to_admins(env: dict[str, Any]) -> None:
    users: UserStore = env["users"]
    assert {u.username for u in users.list_users() if users.locked(u)} == {"locked"}
    admin = TestClient(env["app"], base_url="https://testserver", follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/login").text)
    assert token
    admin.post("/login", data={"username": "admin1", "password": PASSWORD, "csrf_token": token[1]})
    assert "までロック中" in admin.get("/admin/users").text


# --- row 10: per-client back-off; the owner is not locked out --------------------------------
def test_a_guessing_address_waits_longer_and_longer_while_the_owner_logs_in(env: dict[str, Any]) -> None:
    users: UserStore = env["users"]
    hasher: CountingHasher = env["hasher"]
    clock: Clock = env["clock"]
    for _ in range(2):
        assert attempt(env, "198.51.100.7", "rev1", WRONG).status_code == 401
    assert users.failures("rev1") == 2  # below the account lock (3)
    early = attempt(env, "198.51.100.7", "rev1", PASSWORD)  # the third try, a lucky guess …
    assert early.status_code == 303  # … is checked: three attempts are free
    # a sprayer trying many names from one address
    for name in ("a", "b", "c"):
        assert attempt(env, "198.51.100.8", name, WRONG).status_code == 401
    before = hasher.verified
    refused = attempt(env, "198.51.100.8", "rev1", PASSWORD)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert "待って" in refused.text
    assert hasher.verified == before  # not even checked: no hash, no count
    assert users.failures("rev1") == 0
    # the owner, at their own desk, is not held up by the guesser
    assert attempt(env, "203.0.113.20", "rev1", PASSWORD).status_code == 303
    waits = []
    for _ in range(3):
        r = attempt(env, "198.51.100.8", "rev1", WRONG)
        assert r.status_code == 429
        waits.append(int(r.headers["retry-after"]))
        clock.now += waits[-1]
        assert attempt(env, "198.51.100.8", "rev1", WRONG).status_code == 401  # checked after the wait
    assert waits == [1, 2, 4]
    clock.now += 1000  # an address quiet for long starts afresh
    assert attempt(env, "198.51.100.8", "rev1", WRONG).status_code == 401


def test_the_account_lock_opens_by_itself_after_the_lockout(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    upgrade(url)
    now = [datetime(2026, 11, 20, 9, 0, tzinfo=UTC)]
    settings = Settings(home=tmp_path)
    users = UserStore(session_factory(make_engine(url)), max_failures=settings.review_max_failed_logins,
                      lockout=timedelta(minutes=settings.review_lockout_minutes), clock=lambda: now[0],
                      hasher=CountingHasher())
    users.add_user("owner", PASSWORD, Role.ADMIN)
    for _ in range(settings.review_max_failed_logins):
        users.authenticate("owner", WRONG)
    assert users.authenticate("owner", PASSWORD).locked
    now[0] += timedelta(minutes=settings.review_lockout_minutes) - timedelta(seconds=1)
    assert users.authenticate("owner", PASSWORD).account is None
    now[0] += timedelta(seconds=2)
    assert users.authenticate("owner", PASSWORD).account is not None
    # and the review app builds its store with the configured lock-out
    app = create_app(Settings(home=tmp_path, review_lockout_minutes=7, review_max_failed_logins=4))
    assert app.state.ctx.users.lockout == timedelta(minutes=7) and app.state.ctx.users.max_failures == 4
