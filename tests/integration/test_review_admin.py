"""Review app, admin side (TestClient, real SQLite, real generated documents): the users page,
sent-back documents, what a clerk may reach, and starting the enter deployment after a
confirmation (against a real temporary Prefect server)."""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from config.settings import Settings
from domain.errors import BusinessError
from domain.model import FormTemplate
from review.app import create_app
from review.entry_trigger import EntryTrigger, prefect_start
from store import Repository, make_engine, session_factory, upgrade
from store.users import Role, UserStore

from review_data import GOOD_SEEDS, PASSWORD, add_users, fill_onestop, make_repo  # isort: skip

NEW_PASSWORD = "another long passphrase 42"


@pytest.fixture(scope="module")
def env(templates: dict[str, FormTemplate], tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("review_admin")
    repo, url = make_repo(home)
    docs = {"returns": fill_onestop(repo, templates, home / "scans", GOOD_SEEDS[:2], batch_name="returns"),
            "entry": fill_onestop(repo, templates, home / "scans", GOOD_SEEDS[2:5], batch_name="entry")}
    users = add_users(url)
    settings = Settings(home=home, review_max_failed_logins=3)
    yield {"repo": repo, "url": url, "docs": docs, "users": users, "settings": settings,
           "app": create_app(settings), "home": home,
           "batches": {k: repo.document(v[0]).batch_id for k, v in docs.items()}}  # type: ignore[union-attr]


def _login(app: Any, user: str, password: str, address: str = "testclient") -> tuple[TestClient, bool]:
    c = TestClient(app, base_url="https://testserver", follow_redirects=False, client=(address, 50000))
    token = csrf(c.get("/login").text)
    r = c.post("/login", data={"username": user, "password": password, "csrf_token": token})
    return c, r.status_code == 303


def login(app: Any, user: str, password: str = PASSWORD) -> TestClient:
    c, ok = _login(app, user, password)
    assert ok
    return c


def can_login(app: Any, user: str, password: str = PASSWORD, address: str = "testclient") -> bool:
    return _login(app, user, password, address)[1]


def csrf(page_html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert m
    return m[1]


def user_id(env: dict[str, Any], username: str) -> int:
    users = UserStore(session_factory(make_engine(env["url"])))
    return next(u.id for u in users.list_users() if u.username == username)


def add_account(admin: TestClient, username: str, role: str = "reviewer") -> int:
    token = csrf(admin.get("/admin/users").text)
    r = admin.post("/admin/users", data={"csrf_token": token, "username": username, "display_name": username,
                                         "role": role, "password": PASSWORD, "password_confirm": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/admin/users?done=added", r.text
    m = re.search(rf'<tr id="user-(\d+)"[^>]*>\s*<td>{re.escape(username)}<', admin.get("/admin/users").text)
    assert m
    return int(m[1])


# --- users page ----------------------------------------------------------------------------
def test_users_page_is_for_admins_only(env: dict[str, Any]) -> None:
    for name in ("rev1", "clerk1"):
        c = login(env["app"], name)
        assert c.get("/admin/users").status_code == 403
        token = csrf(c.get("/", follow_redirects=True).text)
        assert c.post("/admin/users", data={"csrf_token": token}).status_code == 403
    page = login(env["app"], "admin1").get("/admin/users")
    assert page.status_code == 200
    text = page.text
    for label in ("管理者", "確認担当", "受付担当", "rev2さん", "有効"):
        assert label in text
    assert "password_hash" not in text and "$argon2" not in text


def test_add_account_needs_a_long_password_and_a_csrf_token(env: dict[str, Any]) -> None:
    admin = login(env["app"], "admin1")
    token = csrf(admin.get("/admin/users").text)
    base = {"csrf_token": token, "username": "newbie", "display_name": "新人さん", "role": "reviewer"}
    short = admin.post("/admin/users", data={**base, "password": "short", "password_confirm": "short"})
    assert short.status_code == 422 and "12文字以上" in short.text
    assert 'value="newbie"' in short.text and "short" not in short.text.split("<main>")[1]  # never echoed
    differ = admin.post("/admin/users", data={**base, "password": PASSWORD,
                                              "password_confirm": PASSWORD + "x"})
    assert differ.status_code == 422 and "一致しません" in differ.text
    bad_role = admin.post("/admin/users", data={**base, "role": "root", "password": PASSWORD,
                                                "password_confirm": PASSWORD})
    assert bad_role.status_code == 422
    no_token = admin.post("/admin/users", data={**base, "csrf_token": "forged", "password": PASSWORD,
                                                "password_confirm": PASSWORD})
    assert no_token.status_code == 403
    assert not can_login(env["app"], "newbie")
    ok = admin.post("/admin/users", data={**base, "password": PASSWORD, "password_confirm": PASSWORD})
    assert ok.status_code == 303
    assert "利用者を追加しました" in admin.get(ok.headers["location"]).text
    assert can_login(env["app"], "newbie")
    again = admin.post("/admin/users", data={**base, "password": PASSWORD, "password_confirm": PASSWORD})
    assert again.status_code == 409 and "既に使われています" in again.text


def test_disabling_ends_sessions_at_once_and_enabling_restores(env: dict[str, Any]) -> None:
    admin = login(env["app"], "admin1")
    uid = add_account(admin, "temp_reviewer")
    victim = login(env["app"], "temp_reviewer")
    assert victim.get("/review").status_code == 200
    token = csrf(admin.get("/admin/users").text)
    assert admin.post(f"/admin/users/{uid}/active", data={"active": "0"}).status_code == 403  # no CSRF
    r = admin.post(f"/admin/users/{uid}/active", data={"csrf_token": token, "active": "0"})
    assert r.status_code == 303
    assert victim.get("/review").headers["location"] == "/login"  # the open session is gone
    assert not can_login(env["app"], "temp_reviewer")
    assert "無効" in admin.get("/admin/users").text
    r = admin.post(f"/admin/users/{uid}/active", data={"csrf_token": token, "active": "1"})
    assert r.status_code == 303 and can_login(env["app"], "temp_reviewer")


def test_unlock_lifts_a_lockout(env: dict[str, Any]) -> None:
    admin = login(env["app"], "admin1")
    uid = add_account(admin, "forgetful")
    for _ in range(3):  # someone guessing from another PC (which then has to wait: back-off)
        assert not can_login(env["app"], "forgetful", "wrong password!!", address="192.0.2.66")
    assert not can_login(env["app"], "forgetful")  # locked, even with the right password
    row = re.search(rf'<tr id="user-{uid}".*?</tr>', admin.get("/admin/users").text, re.S)
    assert row and "までロック中" in row[0] and "ロックを解除" in row[0]
    token = csrf(admin.get("/admin/users").text)
    r = admin.post(f"/admin/users/{uid}/unlock", data={"csrf_token": token})
    assert r.status_code == 303 and "ロックを解除しました" in admin.get(r.headers["location"]).text
    assert can_login(env["app"], "forgetful")


def test_admin_sets_a_new_password(env: dict[str, Any]) -> None:
    admin = login(env["app"], "admin1")
    uid = add_account(admin, "pw_user")
    session = login(env["app"], "pw_user")
    token = csrf(admin.get("/admin/users").text)
    weak = admin.post(f"/admin/users/{uid}/password",
                      data={"csrf_token": token, "password": "tooshort", "password_confirm": "tooshort"})
    assert weak.status_code == 422 and can_login(env["app"], "pw_user")
    r = admin.post(f"/admin/users/{uid}/password",
                   data={"csrf_token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert r.status_code == 303
    assert session.get("/review").headers["location"] == "/login"  # the user's sessions ended
    assert not can_login(env["app"], "pw_user") and can_login(env["app"], "pw_user", NEW_PASSWORD)
    missing = admin.post("/admin/users/999999/password", data={"csrf_token": token, "password": NEW_PASSWORD,
                                                                "password_confirm": NEW_PASSWORD})
    assert missing.status_code == 409 and "見つかりません" in missing.text


def test_admin_cannot_disable_or_demote_themselves(env: dict[str, Any]) -> None:
    admin = login(env["app"], "admin1")
    me = env["users"]["admin1"]
    token = csrf(admin.get("/admin/users").text)
    r = admin.post(f"/admin/users/{me}/active", data={"csrf_token": token, "active": "0"})
    assert r.status_code == 409 and "自分自身" in r.text
    r = admin.post(f"/admin/users/{me}/role", data={"csrf_token": token, "role": "reviewer"})
    assert r.status_code == 409 and "自分自身" in r.text
    assert admin.get("/admin/users").status_code == 200  # still an active admin
    # another account's role can change, and takes effect on the next request
    uid = add_account(admin, "promoted", role="clerk")
    promoted = login(env["app"], "promoted")
    assert promoted.get("/review").status_code == 403
    r = admin.post(f"/admin/users/{uid}/role", data={"csrf_token": token, "role": "reviewer"})
    assert r.status_code == 303 and promoted.get("/review").status_code == 200
    # own password: the admin's own session stays
    r = admin.post(f"/admin/users/{me}/password",
                   data={"csrf_token": token, "password": PASSWORD, "password_confirm": PASSWORD})
    assert r.status_code == 303 and admin.get("/admin/users").status_code == 200


def test_the_last_active_admin_is_kept(env: dict[str, Any]) -> None:
    url = f"sqlite:///{env['home'] / 'solo.db'}"
    upgrade(url)
    users = UserStore(session_factory(make_engine(url)))
    boss = users.add_user("boss", PASSWORD, Role.ADMIN)
    other = users.add_user("other", PASSWORD, Role.REVIEWER)
    with pytest.raises(BusinessError) as exc:
        users.set_active(boss, False)
    assert exc.value.code == "last_admin"
    with pytest.raises(BusinessError):
        users.set_role(boss, Role.CLERK)
    users.set_role(other, Role.ADMIN)
    users.set_active(boss, False)  # another admin remains
    assert {u.username: u.active for u in users.list_users()} == {"boss": False, "other": True}


# --- sent-back documents -------------------------------------------------------------------
def test_returns_are_listed_and_resolved(env: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    repo: Repository = env["repo"]
    app, batch = env["app"], env["batches"]["returns"]
    rev = login(app, "rev2")
    sent: dict[int, str] = {}
    for reason in ("wrong_form", "unreadable_scan"):
        token = csrf(rev.get("/review").text)
        doc = rev.post("/review/next", data={"csrf_token": token, "batch": str(batch)}).headers["location"]
        doc_id = int(doc.rsplit("/", 1)[1])
        assert rev.post(f"{doc}/return", data={"csrf_token": token, "reason": reason}).status_code == 303
        sent[doc_id] = reason
    assert set(sent) == set(env["docs"]["returns"])
    queue = app.state.ctx.queue
    assert not [r for r in queue.rows(batch_id=batch)]  # both out of the queue

    admin = login(app, "admin1")
    status = admin.get("/status").text
    assert re.search(r'id="open-returns">差し戻された書類: <b>2</b> 件', status)
    assert "open-returns" not in login(app, "clerk1").get("/status").text  # admins only
    page = admin.get("/admin/returns").text
    for doc_id in sent:
        d = repo.document(doc_id)
        assert d is not None and html.escape(d.source_name) in page
    assert "帳票の種類が違う" in page and "画像が読めない" in page and "rev2さん" in page
    assert "寄附金税額控除に係る申告特例申請書" in page  # the template's title
    returns = {r.document_id: r.id for r in queue.open_returns()}
    by_reason = {why: d for d, why in sent.items()}
    wrong, unreadable = by_reason["wrong_form"], by_reason["unreadable_scan"]
    token = csrf(page)
    resolve = f"/admin/returns/{returns[wrong]}/resolve"

    assert admin.post(resolve, data={"action": "requeue"}).status_code == 403  # no CSRF token
    rev_token = csrf(rev.get("/review").text)
    assert rev.post(resolve, data={"csrf_token": rev_token, "action": "requeue"}).status_code == 403
    assert admin.post(resolve, data={"csrf_token": token, "action": "drop"}).status_code == 422

    r = admin.post(resolve, data={"csrf_token": token, "action": "requeue"})
    assert r.status_code == 303 and "確認待ちに戻しました" in admin.get(r.headers["location"]).text
    assert [row.document_id for row in queue.rows(batch_id=batch)] == [wrong]  # back in the queue
    assert repo.document(wrong).status == "needs_review"  # type: ignore[union-attr]

    with caplog.at_level(logging.INFO, logger="store.review_queue"):
        r = admin.post(f"/admin/returns/{returns[unreadable]}/resolve",
                       data={"csrf_token": token, "action": "reread"})
    assert r.status_code == 303 and "読み取り直しを依頼しました" in admin.get(r.headers["location"]).text
    d = repo.document(unreadable)
    assert d is not None and d.status == "processing" and d.lease_owner is None  # the next claim reads it
    resolved = [rec.getMessage() for rec in caplog.records if "resolved by user" in rec.getMessage()]
    assert resolved == [f"returns of document {unreadable} resolved by user {env['users']['admin1']}: reread"]

    again = admin.post(f"/admin/returns/{returns[unreadable]}/resolve",
                       data={"csrf_token": token, "action": "requeue"})
    assert again.status_code == 409 and "既に処理されています" in again.text
    assert queue.open_returns() == [] and queue.open_return_count() == 0
    assert "処理待ちの差し戻しはありません" in admin.get("/admin/returns").text


# --- clerks --------------------------------------------------------------------------------
def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those nested; no prefixes here)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (sub := getattr(route, "original_router", None)) is not None:
            yield from api_routes(sub.routes)


def test_clerk_reaches_no_admin_page_and_no_document_route(env: dict[str, Any]) -> None:
    repo: Repository = env["repo"]
    app = env["app"]
    clerk = login(app, "clerk1")
    token = csrf(clerk.get("/upload").text)
    doc_id = env["docs"]["entry"][0]
    field_id = repo.fields(doc_id)[0].id
    checked = []
    for route in api_routes(app.routes):
        if not (route.path.startswith("/admin") or "{" in route.path):
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: str(field_id if m[1] == "field_result_id" else doc_id),
                     route.path)
        for method in sorted(route.methods):
            if method == "GET":
                r = clerk.get(url, params={"doc": doc_id})
            else:
                r = clerk.request(method, url, data={"csrf_token": token, "action": "requeue", "active": "0"})
            assert r.status_code == 403, (method, route.path, r.status_code)
            checked.append(route.path)
    assert {"/admin/users", "/admin/returns", "/review/doc/{doc_id}", "/crops/{field_result_id}",
            "/pages/{page_id}/image"} <= set(checked)
    status = clerk.get("/status").text  # counts only: no document id, file name or link to one
    for doc, name, _ in repo.list_documents():
        assert html.escape(name) not in status
        assert f"/review/doc/{doc}" not in status
    assert "/admin/" not in status


# --- entry after confirmation ----------------------------------------------------------------
def confirm_next(app: Any, env: dict[str, Any], user: str = "rev1") -> int:
    """Claim the next document of the entry batch and confirm every flagged field as read."""
    repo: Repository = env["repo"]
    c = login(app, user)
    token = csrf(c.get("/review").text)
    doc = c.post("/review/next", data={"csrf_token": token, "batch": str(env["batches"]["entry"])})
    assert doc.headers["location"].startswith("/review/doc/"), doc.headers["location"]
    doc_id = int(doc.headers["location"].rsplit("/", 1)[1])
    page = c.get(doc.headers["location"]).text
    data = {k: html.unescape(v) for k, v in re.findall(
        r'name="((?:v|a)_\d+|version|csrf_token)"\s+(?:id="[^"]*"\s+)?value="([^"]*)"', page)}
    for fr in repo.fields(doc_id):  # the blind My Number: type what is on the form
        if fr.kind == "my_number" and data.get(f"v_{fr.id}") == "":
            data[f"v_{fr.id}"] = str(fr.value)
    r = c.post(doc.headers["location"], data=data)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/review?done={doc_id}"), r.text
    assert repo.document(doc_id).status == "reviewed"  # type: ignore[union-attr]
    return doc_id


@pytest.fixture(scope="module")
def enter_deployment(prefect_server: str) -> UUID:
    """The enter flow registered as ``enter/enter`` on the temporary server (no work pool)."""
    from flows.enter import enter

    return enter.to_deployment(name="enter").apply()


def flow_runs(deployment_id: UUID) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    with get_client(sync_client=True) as client:
        return list(client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))))


def test_debounce_one_start_per_window_and_one_trailing_run() -> None:
    calls: list[tuple[str, datetime | None]] = []
    now = [100.0]
    t = EntryTrigger("enter/enter", enabled=True, debounce_seconds=30,
                     starter=lambda name, when: calls.append((name, when)), clock=lambda: now[0])
    assert t.document_reviewed(1)
    t.wait()
    assert calls == [("enter/enter", None)]  # at once
    now[0] = 110.0
    before = datetime.now(UTC)
    assert t.document_reviewed(2)  # inside the window: one run at its end (t = 130), 20 s from now
    t.wait()
    after = datetime.now(UTC)
    when = calls[1][1]  # wall-clock "now" (taken between before and after) + 20 s, however slow
    assert when is not None and before + timedelta(seconds=20) <= when <= after + timedelta(seconds=20)
    now[0] = 115.0
    assert not t.document_reviewed(3)  # that scheduled run takes this document too
    now[0] = 200.0
    assert t.document_reviewed(4)
    t.wait()
    assert len(calls) == 3 and calls[2][1] is None and t.started == 3
    off = EntryTrigger("enter/enter", enabled=False, starter=lambda name, when: calls.append((name, when)))
    assert not off.document_reviewed(5) and len(calls) == 3

    def down(name: str, when: datetime | None) -> None:
        raise ConnectionError("prefect is down")

    broken = EntryTrigger("enter/enter", enabled=True, starter=down)
    assert broken.document_reviewed(6)  # never raises into the request
    broken.wait()
    assert broken.failed == 1 and broken.started == 0


def test_confirmation_without_the_setting_starts_nothing(env: dict[str, Any], enter_deployment: UUID) -> None:
    app = create_app(env["settings"])  # review_start_entry is off by default
    before = len(flow_runs(enter_deployment))
    confirm_next(app, env)
    trigger: EntryTrigger = app.state.entry_trigger
    trigger.wait()  # joins any start in flight: each ends counted as started or failed
    assert not trigger.enabled and trigger.started == 0 and trigger.failed == 0
    assert len(flow_runs(enter_deployment)) == before


def test_confirmation_starts_the_enter_deployment(env: dict[str, Any], enter_deployment: UUID) -> None:
    """The reviewer never waits for Prefect: the confirmation completes while the start is
    held back (here by the test, deterministically), and the run appears once it is let go."""
    settings = env["settings"].model_copy(update={"review_start_entry": True})
    app = create_app(settings)
    assert app.state.entry_trigger.enabled  # built from the setting
    release = threading.Event()

    def held_start(deployment: str, when: datetime | None) -> object:
        assert release.wait(120), "the start was never let go"  # a confirmation waiting here hangs
        return prefect_start(deployment, when)

    trigger = app.state.entry_trigger = EntryTrigger(settings.enter_deployment, enabled=True,
                                                     starter=held_start)
    before = {r.id for r in flow_runs(enter_deployment)}
    confirm_next(app, env)  # returned although the start has not happened yet
    assert trigger.started == 0 and trigger.failed == 0
    assert {r.id for r in flow_runs(enter_deployment)} == before
    release.set()
    trigger.wait(120)
    assert trigger.started == 1 and trigger.failed == 0
    new = [r for r in flow_runs(enter_deployment) if r.id not in before]  # created before the start returned
    assert len(new) == 1, "no flow run of enter/enter was created"
    assert "review-app" in new[0].tags


def test_a_missing_deployment_does_not_break_the_confirmation(
        env: dict[str, Any], enter_deployment: UUID, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(env["settings"].model_copy(update={"review_start_entry": True,
                                                        "enter_deployment": "enter/no-such-deployment"}))
    before = len(flow_runs(enter_deployment))
    with caplog.at_level(logging.WARNING, logger="review.entry_trigger"):
        doc_id = confirm_next(app, env)  # 303 and reviewed, asserted inside
        trigger: EntryTrigger = app.state.entry_trigger
        trigger.wait(120)
    assert trigger.failed == 1 and trigger.started == 0
    messages = [r.getMessage() for r in caplog.records if r.name == "review.entry_trigger"]
    assert messages and messages[0].startswith("could not start the entry deployment (")
    assert env["repo"].document(doc_id).status == "reviewed"
    assert len(flow_runs(enter_deployment)) == before


def test_admin_retries_a_document_that_failed_to_read(env: dict[str, Any], tmp_path: Path) -> None:
    from sqlalchemy import update

    from store.models import Document

    repo: Repository = env["repo"]
    scan = tmp_path / "crashed.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    batch = repo.create_batch("failed", "test")
    doc_id = repo.receive(batch, "壊れた読み取り.png", scan).document_id
    with make_engine(env["url"]).begin() as conn:  # as after max_read_attempts crashes
        conn.execute(update(Document).where(Document.id == doc_id).values(
            status="failed", attempts=3, error_code="crash", error_message_ja="読み取り中に異常終了しました"))
    admin = login(app := env["app"], "admin1")
    page = admin.get("/admin/returns").text
    assert f'id="failed-{doc_id}"' in page and "読み取り中に異常終了しました" in page
    assert admin.post(f"/admin/failed/{doc_id}/retry").status_code == 403  # no CSRF token
    r = admin.post(f"/admin/failed/{doc_id}/retry", data={"csrf_token": csrf(page)})
    assert r.status_code == 303
    doc = repo.document(doc_id)
    assert doc is not None and (doc.status, doc.attempts, doc.error_code) == ("received", 0, None)
    again = admin.post(f"/admin/failed/{doc_id}/retry", data={"csrf_token": csrf(page)})
    assert again.status_code == 409  # already handled: nothing changes twice
    clerk = login(app, "clerk1")
    assert clerk.post(f"/admin/failed/{doc_id}/retry",
                      data={"csrf_token": csrf(clerk.get("/status").text)}).status_code == 403
