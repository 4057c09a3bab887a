"""The review app on the city LAN: https (self-signed or the city's), the start-up warning,
and the login page's explanation on plain http.

"Non-localhost" is simulated on loopback only: Chromium maps the name
``yomitori.city.lg.jp`` to 127.0.0.2 (``--host-resolver-rules``). Observed in Debian's
Chromium 156 (see ``test_chromium_keeps_secure_cookies_only_on_loopback_or_https``):
plain http to 127.0.0.1, 127.0.0.2 or localhost is a secure context and keeps Secure
cookies; plain http to a host *name*, even one resolving to 127.0.0.2, is not and drops
them. So the LAN case is tested through the mapped name, never through a 127.x literal.
The self-signed certificate is trusted by its public key only
(``--ignore-certificate-errors-spki-list``), not by ignoring every certificate error.
"""

from __future__ import annotations

import logging
import re
import socket
import stat
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from typer.testing import CliRunner

from config.settings import Settings
from review import tls
from review.app import create_app
from review.lan import bind_warning, is_loopback_host

from review_data import PASSWORD, add_users, make_repo, review_process  # isort: skip

LAN_NAME = "yomitori.city.lg.jp"
LAN_IP = "127.0.0.2"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        f"--host-resolver-rules=MAP {LAN_NAME} {LAN_IP}"]
EXPIRED_JA = "フォームの有効期限が切れたか、不正な送信です"
NOTICE_JA = "暗号化されていない http で開かれているため、ログインできません"


# --- fast checks (TestClient, no browser) -------------------------------------------------
@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("review_lan")
    _, url = make_repo(home)
    add_users(url)
    return home


@pytest.mark.parametrize(("host", "loopback"), [
    ("localhost", True), ("app.localhost", True), ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
    ("[::1]", True), (LAN_NAME, False), ("10.1.2.3", False), ("192.168.0.5", False), ("0.0.0.0", False),
    ("::", False), ("", False), (None, False)])
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(("base", "secure", "shown"), [
    (f"http://{LAN_NAME}", True, True), ("http://yomitori:8080", True, True),
    ("http://127.0.0.1", True, False), ("http://localhost:8080", True, False),
    (f"http://{LAN_IP}", True, False), (f"https://{LAN_NAME}", True, False),
    (f"http://{LAN_NAME}", False, False)])
def test_login_page_explains_plain_http(home: Path, base: str, secure: bool, shown: bool) -> None:
    c = TestClient(create_app(Settings(home=home, review_cookie_secure=secure)), base_url=base,
                   follow_redirects=False)
    assert (NOTICE_JA in c.get("/login").text) is shown
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    c.cookies.clear()  # what the browser does with a Secure cookie over plain http to a LAN name
    r = c.post("/login", data={"username": "rev1", "password": PASSWORD, "csrf_token": token[1]})
    if shown:
        assert r.status_code == 400 and NOTICE_JA in r.text and EXPIRED_JA not in r.text
        assert "YOMITORI_REVIEW_COOKIE_SECURE=false" in r.text and "--https" in r.text
    else:
        assert r.status_code == 403 and EXPIRED_JA in r.text and NOTICE_JA not in r.text


def test_bind_warning() -> None:
    assert bind_warning("127.0.0.1", https=False, cookie_secure=True) is None
    assert bind_warning("0.0.0.0", https=True, cookie_secure=True) is None
    english, japanese = bind_warning("0.0.0.0", https=False, cookie_secure=True) or ("", "")
    assert "Secure" in english and "--https" in english and "YOMITORI_REVIEW_COOKIE_SECURE=false" in english
    assert "ログインできません" in japanese and "--self-signed" in japanese
    english, japanese = bind_warning("10.1.2.3", https=False, cookie_secure=False) or ("", "")
    assert "unencrypted" in english and "暗号化されずに" in japanese


def test_self_signed_certificate(tmp_path: Path) -> None:
    first = tls.self_signed(tmp_path / "tls", [LAN_NAME, "10.1.2.3"])
    assert first.created and first.names == (LAN_NAME, "10.1.2.3")
    assert stat.S_IMODE(first.key.stat().st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(first.cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [LAN_NAME]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["10.1.2.3"]
    assert cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value == LAN_NAME
    again = tls.self_signed(tmp_path / "tls", [LAN_NAME, "10.1.2.3"])
    assert not again.created and again.sha256 == first.sha256  # PCs that trust it keep trusting it
    later = tls.self_signed(tmp_path / "tls", [LAN_NAME, "10.1.2.3"],
                            now=datetime.now(UTC) + timedelta(days=tls.VALID_DAYS - 10))
    assert later.created  # renewed before it expires
    other = tls.self_signed(tmp_path / "tls", ["review.example.lg.jp"])
    assert other.created and other.sha256 != later.sha256


@pytest.fixture
def cli(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    import uvicorn

    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: runs.append(kw))
    monkeypatch.setenv("YOMITORI_HOME", str(home))
    yield runs


def _invoke(args: list[str]) -> Any:
    from yomitori.cli.main import app

    return CliRunner().invoke(app, ["review", *args])


def test_cli_warns_when_lan_clients_could_not_log_in(cli: list[dict[str, Any]],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="yomitori.cli.review"):
        result = _invoke(["--host", "0.0.0.0", "--port", "8443"])
    assert result.exit_code == 0, result.output
    assert "他の PC のブラウザからはログインできません" in result.output
    assert any("nobody can log in" in r.getMessage() for r in _warnings(caplog))
    assert cli[-1]["ssl_certfile"] is None
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="yomitori.cli.review"):
        result = _invoke(["--host", "127.0.0.1"])
    assert result.exit_code == 0 and "注意" not in result.output and not _warnings(caplog)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "yomitori.cli.review" and r.levelno >= logging.WARNING]


def test_cli_https_options(cli: list[dict[str, Any]], home: Path, tmp_path: Path) -> None:
    result = _invoke(["--host", "0.0.0.0", "--self-signed", "--name", LAN_NAME, "--name", "10.1.2.3"])
    assert result.exit_code == 0, result.output
    assert "注意" not in result.output and "SHA-256" in result.output
    assert cli[-1]["ssl_certfile"] == str(home / "tls" / tls.CERT_FILE)
    assert cli[-1]["ssl_keyfile"] == str(home / "tls" / tls.KEY_FILE)
    city = tls.self_signed(tmp_path / "city", ["review.city.example"])  # stands in for the city's
    result = _invoke(["--host", "0.0.0.0", "--https", "--cert", str(city.cert), "--key", str(city.key)])
    assert result.exit_code == 0, result.output
    assert cli[-1]["ssl_certfile"] == str(city.cert) and city.sha256 in result.output
    for bad in (["--https"], ["--cert", str(city.cert)], ["--self-signed", "--cert", str(city.cert),
                                                          "--key", str(city.key)], ["--name", LAN_NAME]):
        assert _invoke(bad).exit_code == 2, bad


# --- real Chromium ------------------------------------------------------------------------
def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ThreadServer:
    """uvicorn in a thread on ``host`` (plain http)."""

    def __init__(self, app: Any, host: str) -> None:
        import uvicorn

        self.port = _free_port(host)
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=self.port, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def pw() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(pw: Playwright) -> Iterator[Browser]:
    b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
    yield b
    b.close()


def _login(page: Page, base: str, user: str) -> None:
    page.set_default_timeout(30_000)
    page.goto(base + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")


def test_chromium_keeps_secure_cookies_only_on_loopback_or_https(browser: Browser, home: Path) -> None:
    """What the module docstring says about Chromium, measured with the app's own login cookie."""
    app = create_app(Settings(home=home))
    with ThreadServer(app, LAN_IP) as server:
        for host, kept in ((LAN_IP, True), (LAN_NAME, False)):
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"http://{host}:{server.port}/login")
            assert page.evaluate("window.isSecureContext") is kept
            assert [c["name"] for c in context.cookies()] == (["yomitori_login_csrf"] if kept else [])
            context.close()


def test_plain_http_on_a_lan_name_explains_instead_of_form_expired(browser: Browser, home: Path) -> None:
    app = create_app(Settings(home=home))
    with ThreadServer(app, LAN_IP) as server:
        page = browser.new_context(locale="ja-JP").new_page()
        base = f"http://{LAN_NAME}:{server.port}"
        _login(page, base, "rev1")
        text = page.inner_text("main")
        assert NOTICE_JA in text and "https" in text and EXPIRED_JA not in text
        assert page.url.endswith("/login")
        page.goto(base + "/login")
        assert NOTICE_JA in page.inner_text(".lan-notice")  # said before anyone types a password


def test_cookie_secure_false_is_the_documented_plain_http_fallback(browser: Browser, home: Path) -> None:
    app = create_app(Settings(home=home, review_cookie_secure=False))
    with ThreadServer(app, LAN_IP) as server:
        page = browser.new_context(locale="ja-JP").new_page()
        _login(page, f"http://{LAN_NAME}:{server.port}", "clerk1")
        page.wait_for_url("**/status")
        assert "受付状況" in page.inner_text("main") and page.locator(".lan-notice").count() == 0


@pytest.fixture(scope="module")
def https_server(home: Path) -> Iterator[dict[str, Any]]:
    """``yomitori review --self-signed`` as documented, listening on 127.0.0.2 for the LAN name."""
    port = _free_port(LAN_IP)
    log = home / "https-server.log"
    with review_process(["--host", LAN_IP, "--port", str(port), "--self-signed", "--name", LAN_NAME],
                        {"YOMITORI_HOME": str(home)}, log, f"https://{LAN_IP}:{port}/login"):
        yield {"port": port, "cert": home / "tls" / tls.CERT_FILE, "log": log}


@pytest.mark.slow
def test_https_with_a_self_signed_certificate_works_from_a_lan_name(
        pw: Playwright, browser: Browser, https_server: dict[str, Any], tmp_path: Path) -> None:
    from PIL import Image

    _, spki = tls.describe(https_server["cert"])
    base = f"https://{LAN_NAME}:{https_server['port']}"
    with pytest.raises(PlaywrightError, match="ERR_CERT_AUTHORITY_INVALID"):
        browser.new_page().goto(base + "/login")  # not trusted until the PC is told to
    trusting = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                  args=[*ARGS, f"--ignore-certificate-errors-spki-list={spki}"])
    try:
        context = trusting.new_context(locale="ja-JP")
        page = context.new_page()
        _login(page, base, "clerk1")
        page.wait_for_url("**/status")
        assert page.evaluate("window.isSecureContext") is True
        assert "受付状況" in page.inner_text("main")
        session = [c for c in context.cookies() if c["name"] == "yomitori_session"]
        assert session and session[0]["secure"] and session[0]["httpOnly"]
        # a POST with the session's CSRF token works too: upload a scan through the browser
        page.goto(base + "/upload")
        scan = tmp_path / "lan.png"
        Image.new("L", (600, 600), 255).save(scan)
        page.set_input_files("input[type=file]", str(scan))
        with page.expect_navigation():
            page.click("form[action='/upload'] button[type=submit]")
        row = page.inner_text("table.upload tbody tr")
        assert "lan.png" in row and "受け付けました" in row
    finally:
        trusting.close()
    log_text = https_server["log"].read_text(errors="replace")
    assert "self-signed certificate" in log_text and "注意" not in log_text  # 127.0.0.2 is loopback
