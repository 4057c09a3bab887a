"""The demo back-office system: TestClient (unit speed) and one pass with real Chromium."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sandbox.app import create_app
from sandbox.config import Chaos, SandboxConfig
from sandbox.db import BackOfficeDB

GOOD_MN = "123456789018"
APPLICANT = {"full_name": "山田 太郎", "full_name_kana": "ヤマダ タロウ", "address": "岩手県久慈市1-2-3",
             "phone": "0194-52-2111", "birth_date": "1980-04-01", "my_number": GOOD_MN,
             "submitted_on": "2026-10-01"}


class Clock:
    """Epoch seconds that move only when the test says so."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _client(tmp_path: Path, clock: Callable[[], float] = time.time, **kw: object) -> TestClient:
    return TestClient(create_app(SandboxConfig(data_dir=tmp_path, **kw), clock=clock))  # type: ignore[arg-type]


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def _login(c: TestClient) -> None:
    r = c.post("/login", data={"user": "clerk", "password": "sandbox-pass"})
    assert r.status_code == 200 and "メニュー" in r.text


def test_login_required_and_bad_password(tmp_path: Path) -> None:
    c = _client(tmp_path)
    r = c.get("/onestop")
    assert r.url.path == "/login"
    r = c.post("/login", data={"user": "clerk", "password": "wrong"})
    assert r.status_code == 401 and "パスワードが正しくありません" in r.text
    _login(c)
    assert c.get("/onestop").url.path == "/onestop"


def test_onestop_confirm_then_save_and_validation(tmp_path: Path) -> None:
    c = _client(tmp_path)
    no = c.app.state.db.add_donation("山田 太郎", "2026-05-01", 30000, "ヤマダ タロウ")  # type: ignore[attr-defined]
    _login(c)
    page = c.get("/onestop", params={"receipt_no": no})
    assert "受付登録" in page.text and "未受付" in page.text
    donation_id = re.search(r'href="/onestop/(\d+)/new"', page.text).group(1)  # type: ignore[union-attr]
    form = c.get(f"/onestop/{donation_id}/new")
    token = _csrf(form.text)
    assert c.post(f"/onestop/{donation_id}/new", data=APPLICANT).status_code == 403  # no CSRF token
    bad = c.post(f"/onestop/{donation_id}/new", data={**APPLICANT, "my_number": "123456789012",
                                                         "csrf_token": token})
    assert bad.status_code == 422 and "個人番号が正しくありません" in bad.text
    assert "123456789012" not in bad.text.split('role="alert"')[1].split("</div>")[0]
    confirm = c.post(f"/onestop/{donation_id}/new", data={**APPLICANT, "csrf_token": token})
    assert "登録する" in confirm.text and c.app.state.db.onestop_count() == 0  # type: ignore[attr-defined]
    saved = c.post(f"/onestop/{donation_id}/new", data={**APPLICANT, "csrf_token": token, "step": "save"})
    assert "登録しました（受付番号 OS-000001）" in saved.text
    assert c.app.state.db.onestop_count() == 1  # type: ignore[attr-defined]
    by_name = c.get("/onestop", params={"donor_name": "山田　太郎", "donation_date": "2026-05-01",
                                        "amount": "30,000"})
    assert "OS-000001" in by_name.text
    assert "該当する寄附が見つかりません" in c.get("/onestop", params={"receipt_no": "nope"}).text


def test_donation_registration_and_paging(tmp_path: Path) -> None:
    c = _client(tmp_path, page_size=3)
    _login(c)
    token = _csrf(c.get("/donations/new").text)
    bad = c.post("/donations/new", data={"csrf_token": token, "donor_name": "", "donation_date": "2999-01-01",
                                         "amount": "-5"})
    assert bad.status_code == 422
    assert all(m in bad.text for m in ("寄附者氏名を入力してください", "未来の日付", "寄附金額は1円以上"))
    for i in range(7):
        v = {"csrf_token": token, "donor_name": f"寄附 {i}", "donor_kana": "キフ",
             "donation_date": "2026-06-01",
             "amount": "10000"}
        assert "以下の内容で登録します" in c.post("/donations/new", data=v).text
        done = c.post("/donations/new", data={**v, "step": "save"})
        assert "登録しました" in done.text
    assert "7件中 1 / 3 ページ" in c.get("/donations").text
    last = c.get("/donations", params={"page": 3}).text
    assert "前へ" in last and "次へ" not in last
    assert "3件中" not in c.get("/donors", params={"q": "寄附 6"}).text and "2026-000007" in last


def test_session_expiry_and_changed_ids(tmp_path: Path) -> None:
    """A session lasts exactly ``session_seconds`` on the sandbox's clock (no waiting)."""
    clock = Clock()
    c = _client(tmp_path, clock, session_seconds=300, chaos=Chaos(changed_ids=True))
    _login(c)
    html = c.get("/donations/new").text
    ids = re.findall(r'<input id="([^"]+)" name="donor_name"', html)
    assert ids and ids[0] != "donor_name" and f'<label for="{ids[0]}">寄附者氏名</label>' in html
    clock.now += 299.5
    assert c.get("/donations/new").url.path == "/donations/new"  # still inside the session
    clock.now += 0.5
    r = c.get("/donations/new")
    assert r.url.path == "/login" and "セッションの有効期限が切れました" in r.text
    _login(c)  # a new session, timed from now
    assert c.get("/donations/new").url.path == "/donations/new"


def test_sessions_expire_on_demand_mid_form(tmp_path: Path) -> None:
    """``expire_sessions`` (the hook bot tests use, through their own connection to the
    sandbox's file) ends the session between two requests: the confirmed form's save goes
    to the login page and nothing is saved."""
    c = _client(tmp_path)
    db = BackOfficeDB(SandboxConfig(data_dir=tmp_path).db_path)  # not the server's instance
    no = db.add_donation("山田 太郎", "2026-05-01", 30000, "ヤマダ タロウ")
    _login(c)
    donation_id = re.search(r'href="/onestop/(\d+)/new"',  # type: ignore[union-attr]
                            c.get("/onestop", params={"receipt_no": no}).text).group(1)
    token = _csrf(c.get(f"/onestop/{donation_id}/new").text)
    assert "登録する" in c.post(f"/onestop/{donation_id}/new", data={**APPLICANT, "csrf_token": token}).text
    assert db.expire_sessions() == 1
    r = c.post(f"/onestop/{donation_id}/new", data={**APPLICANT, "csrf_token": token, "step": "save"})
    assert r.url.path == "/login" and "セッションの有効期限が切れました" in r.text
    assert db.onestop_count() == 0 and db.expire_sessions() == 0


def test_chaos_errors_are_seeded(tmp_path: Path) -> None:
    c = _client(tmp_path, chaos=Chaos(error_rate=0.5, seed=3))
    codes = [c.get("/healthz").status_code for _ in range(3)]
    codes += [c.get("/login").status_code for _ in range(20)]
    assert codes[:3] == [200] * 3 and 500 in codes and 200 in codes


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_real_chromium_login_by_labels(tmp_path: Path) -> None:
    from bots.session import launch_browser
    from sandbox.server import running

    with running(SandboxConfig(data_dir=tmp_path, chaos=Chaos(changed_ids=True))) as url, \
            launch_browser(headless=True) as browser:
        page = browser.new_page()
        page.goto(url + "/login")
        page.get_by_label("利用者ID", exact=True).fill("clerk")
        page.get_by_label("パスワード", exact=True).fill("sandbox-pass")
        page.get_by_role("button", name="ログイン").click()
        page.get_by_role("link", name="ワンストップ受付登録").first.click()
        assert page.get_by_role("heading", name="ワンストップ受付登録").is_visible()
        assert page.get_by_label("寄附受付No", exact=True).is_editable()
