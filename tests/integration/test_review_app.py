"""Review app over HTTP (TestClient, real SQLite, real generated documents): login, lock-out,
CSRF, roles, leases, optimistic versions, My Number audit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config.settings import Settings
from domain.model import FormTemplate
from review.app import create_app
from store import Repository

from review_data import GOOD_SEEDS, PASSWORD, add_users, fill_onestop, make_repo  # isort: skip


@pytest.fixture(scope="module")
def env(templates: dict[str, FormTemplate], tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("review_app")
    repo, url = make_repo(home)
    docs = fill_onestop(repo, templates, home / "scans", GOOD_SEEDS[:4])
    users = add_users(url)
    app = create_app(Settings(home=home, review_max_failed_logins=3))
    yield {"repo": repo, "docs": docs, "users": users, "app": app}


def client(env: dict[str, Any], user: str | None = None) -> TestClient:
    c = TestClient(env["app"], base_url="https://testserver", follow_redirects=False)
    if user:
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        r = c.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token[1]})
        assert r.status_code == 303, r.text
    return c


def csrf(page_html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert m
    return m[1]


def test_session_cookie_is_secure_httponly_strict(env: dict[str, Any]) -> None:
    c = TestClient(env["app"], base_url="https://testserver", follow_redirects=False)
    token = csrf(c.get("/login").text)
    r = c.post("/login", data={"username": "rev1", "password": PASSWORD, "csrf_token": token})
    cookie = r.headers["set-cookie"].lower()
    assert "yomitori_session=" in cookie and "httponly" in cookie and "secure" in cookie
    assert "samesite=strict" in cookie
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_post_without_csrf_token_is_rejected(env: dict[str, Any]) -> None:
    c = client(env, "rev1")
    assert c.post("/review/next").status_code == 403
    assert c.post("/review/next", data={"csrf_token": "forged"}).status_code == 403
    anon = TestClient(env["app"], base_url="https://testserver", follow_redirects=False)
    anon.get("/login")
    r = anon.post("/login", data={"username": "rev1", "password": PASSWORD})
    assert r.status_code in (403, 422) and "yomitori_session" not in r.headers.get("set-cookie", "")


def test_clerk_is_denied_review_pages_and_anonymous_is_sent_to_login(env: dict[str, Any]) -> None:
    c = client(env, "clerk1")
    assert c.get("/review").status_code == 403
    assert c.get(f"/review/doc/{env['docs'][0]}").status_code == 403
    field_id = env["repo"].fields(env["docs"][0])[0].id
    assert c.get(f"/crops/{field_id}").status_code == 403
    assert c.get("/status").status_code == 200
    anon = TestClient(env["app"], base_url="https://testserver", follow_redirects=False)
    assert anon.get("/review").headers["location"] == "/login"


def test_lockout_after_repeated_failures(env: dict[str, Any]) -> None:
    def attempt(address: str, password: str) -> Any:
        c = TestClient(env["app"], base_url="https://testserver", follow_redirects=False,
                       client=(address, 50000))
        return c.post("/login", data={"username": "rev3", "password": password,
                                      "csrf_token": csrf(c.get("/login").text)})

    wrong = [attempt("192.0.2.10", "wrong password!!") for _ in range(3)]
    assert {r.status_code for r in wrong} == {401}
    locked = attempt("192.0.2.11", PASSWORD)  # the right password, from another desk: still locked
    assert locked.status_code == 401 and "yomitori_session" not in locked.headers.get("set-cookie", "")
    # … but the page does not say so: the same answer as a wrong password
    assert "ロック" not in locked.text
    assert locked.text.split('class="error"')[1].split("</p>")[0] == \
        wrong[0].text.split('class="error"')[1].split("</p>")[0]


def test_lease_keeps_documents_apart_and_ids_do_not_leak(env: dict[str, Any]) -> None:
    repo: Repository = env["repo"]
    a, b = client(env, "rev1"), client(env, "rev2")
    ra = a.post("/review/next", data={"csrf_token": csrf(a.get("/review").text)})
    rb = b.post("/review/next", data={"csrf_token": csrf(b.get("/review").text)})
    doc_a, doc_b = ra.headers["location"], rb.headers["location"]
    assert doc_a != doc_b
    assert b.get(doc_a).status_code == 403  # someone else's lease
    fr = repo.fields(int(doc_a.rsplit("/", 1)[1]))[0]
    assert b.get(f"/crops/{fr.id}").status_code == 403
    assert a.get(f"/crops/{fr.id}").headers["content-type"] == "image/png"


def submission(repo: Repository, doc_id: int, page: str) -> dict[str, str]:
    """What the confirmation form sends when every field is accepted as shown."""
    data = dict(re.findall(r'name="((?:v|a)_\d+|version|csrf_token)"\s+(?:id="[^"]*"\s+)?value="([^"]*)"',
                           page))
    for fr in repo.fields(doc_id):  # the blind My Number: type what is on the form
        if fr.kind == "my_number" and data.get(f"v_{fr.id}") == "":
            data[f"v_{fr.id}"] = str(fr.value)
    return data


def test_two_tabs_cannot_both_confirm(env: dict[str, Any]) -> None:
    repo: Repository = env["repo"]
    c = client(env, "admin1")
    doc = c.post("/review/next", data={"csrf_token": csrf(c.get("/review").text)}).headers["location"]
    tab1, tab2 = c.get(doc).text, c.get(doc).text
    doc_id = int(doc.rsplit("/", 1)[1])
    first = c.post(doc, data=submission(repo, doc_id, tab1))
    assert first.status_code == 303, first.text
    actions = len(repo.fields(doc_id))
    second = c.post(doc, data=submission(repo, doc_id, tab2))
    assert second.status_code == 409 and "別の画面" in second.text
    assert repo.document(doc_id).status == "reviewed"  # type: ignore[union-attr]
    assert len(repo.fields(doc_id)) == actions
    history = c.get(f"{doc}/history").text
    assert "****-****-****" in history and "確認" in history


def test_history_is_for_the_lease_holder_and_admins_only(env: dict[str, Any]) -> None:
    repo: Repository = env["repo"]
    queue = env["app"].state.ctx.queue
    holder, other, admin = client(env, "rev1"), client(env, "rev2"), client(env, "admin1")
    token = csrf(holder.get("/review").text)
    doc = holder.post("/review/next", data={"csrf_token": token}).headers["location"]
    doc_id = int(doc.rsplit("/", 1)[1])
    first_field = repo.fields(doc_id)[0].id
    assert holder.get(f"{doc}/history").status_code == 200  # the lease holder
    refused = other.get(f"{doc}/history")  # leased to someone else
    assert refused.status_code == 403 and "割り当てられていません" in refused.text
    assert 'class="history"' not in refused.text
    assert (env["users"]["rev2"], "history_refused") in queue.sensitive_views(first_field)  # audited
    missing = other.get("/review/doc/999999/history")  # an unknown id looks the same
    assert missing.status_code == 403 and "割り当てられていません" in missing.text
    # finished: the holder confirms and gives the lease back; now only admins see the history
    assert holder.post(doc, data=submission(repo, doc_id, holder.get(doc).text)).status_code == 303
    assert repo.document(doc_id).status == "reviewed"  # type: ignore[union-attr]
    for reviewer, name in ((holder, "rev1"), (other, "rev2")):
        r = reviewer.get(f"{doc}/history")
        assert r.status_code == 403 and 'class="old"' not in r.text
        assert (env["users"][name], "history_refused") in queue.sensitive_views(first_field)
    shown = admin.get(f"{doc}/history")
    assert shown.status_code == 200 and 'class="old"' in shown.text and "rev1" in shown.text


def test_users_cli_has_no_default_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from yomitori.cli.users import users_app

    monkeypatch.setenv("YOMITORI_HOME", str(tmp_path))
    runner = CliRunner()
    weak = runner.invoke(users_app, ["add", "boss", "--role", "admin", "--password-stdin"], input="short\n")
    assert weak.exit_code == 1
    ok = runner.invoke(users_app, ["add", "boss", "--role", "admin", "--password-stdin"],
                       input=PASSWORD + "\n")
    assert ok.exit_code == 0 and "admin" in ok.output


def test_clerk_upload_uses_the_intake_checks(env: dict[str, Any], tmp_path: Path) -> None:
    repo: Repository = env["repo"]
    c = client(env, "clerk1")
    token = csrf(c.get("/upload").text)
    doc = repo.document(env["docs"][0])
    assert doc is not None and doc.original_path
    scan = repo.files.path(doc.original_path).read_bytes()
    files = [("files", ("../../etc/<i>x.png", scan, "image/png")),
             ("files", ("empty.png", b"", "image/png"))]
    r = c.post("/upload", data={"csrf_token": token}, files=files)
    assert r.status_code == 200
    assert "受付済みのファイルと同じ内容です" in r.text and "&lt;i&gt;x.png" in r.text
    assert "etc" not in r.text.split("<tbody>")[1]  # only the base name is kept
    assert c.post("/upload", files=files).status_code == 403  # no CSRF token
    assert client(env, "rev1").get("/upload").status_code == 403


def test_status_dashboard_shows_the_operations_numbers(env: dict[str, Any]) -> None:
    page = client(env, "clerk1").get("/status")
    assert page.status_code == 200
    assert "項目の種類別" in page.text and "自動確定" in page.text
    assert "削減時間(時間)" in page.text  # hours saved, with how it is computed
    assert "manual_seconds_per_field" in page.text
