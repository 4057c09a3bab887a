"""Review app upload limits: every file accounted for, size refused while streaming.

* 52 files against ``upload_max_files=50``: 50 go through the intake checks (received,
  duplicate or quarantined), 2 are refused with a Japanese reason; nothing is silently dropped.
* a 400 MB upload (a generator, never in the test's memory) to a real ``yomitori review``
  process: refused once it passes ``upload_max_mb``, while the server's peak memory stays
  far below the file size, the spooled file never grows past the limit, and no temporary
  file remains.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from config.settings import Settings
from review.app import create_app

from review_data import PASSWORD, add_users, make_repo, review_process  # isort: skip

MB = 1024 * 1024
FORM_MAX_BYTES = 16 * MB  # review.app.FORM_MAX_BYTES


def png(n: int) -> bytes:
    """A distinct 600×600 page (big enough for the intake checks)."""
    img = Image.new("L", (600, 600), 255)
    for k in range(12):  # n in binary as black squares: every file has its own content
        if n >> k & 1:
            img.paste(0, (20 + 40 * k, 20, 50 + 40 * k, 50))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def csrf(page_html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert m
    return m[1]


def login(app: Any, user: str = "clerk1") -> TestClient:
    c = TestClient(app, base_url="https://testserver", follow_redirects=False)
    token = csrf(c.get("/login").text)
    r = c.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.text
    return c


def rows(page_html: str) -> list[tuple[str, ...]]:
    """The result table: (file name, outcome, reason) per row."""
    body = page_html.split("<tbody>")[1].split("</tbody>")[0]
    return [tuple(re.findall(r"<td>(.*?)</td>", tr, re.S)) for tr in re.findall(r"<tr.*?</tr>", body, re.S)]


def leftovers(inbox: Path) -> list[Path]:
    return list(inbox.iterdir()) if inbox.exists() else []


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("upload_limits")
    _, url = make_repo(home)
    add_users(url)
    return create_app(Settings(home=home, upload_max_files=50))


def test_52_files_every_one_accounted_for(app: Any) -> None:
    c = login(app)
    token = csrf(c.get("/upload").text)
    files = [("files", (f"scan{n:02d}.png", png(n), "image/png")) for n in range(1, 48)]
    files += [("files", ("scan01-again.png", png(1), "image/png")),  # same content as scan01
              ("files", ("broken.pdf", b"%PDF-1.4 not really", "application/pdf")),
              ("files", ("empty.png", b"", "image/png")),
              ("files", ("=1+2.png", png(100), "image/png")),
              ("files", ("scan52.png", png(52), "image/png"))]
    assert len(files) == 52
    r = c.post("/upload", data={"csrf_token": token}, files=files)
    assert r.status_code == 200
    got = rows(r.text)
    assert [row[0] for row in got] == [name for _, (name, _, _) in files]  # all 52, in order
    by_name = {row[0]: row[1:] for row in got}
    assert all(by_name[f"scan{n:02d}.png"] == ("受付", "受け付けました") for n in range(1, 48))
    assert by_name["scan01-again.png"] == ("受付（重複）", "受付済みのファイルと同じ内容です")
    assert by_name["broken.pdf"][0] == "隔離" and by_name["broken.pdf"][1]
    assert by_name["empty.png"] == ("隔離", "ファイルが空です（0バイト）")
    for name in ("=1+2.png", "scan52.png"):  # 51st and 52nd
        assert by_name[name][0] == "受付不可"
        assert "一度に受け付けられるのは 50 件までです" in by_name[name][1]
    assert "送信されたファイル 52 件" in r.text and "受付不可 2 件" in r.text
    batch = int(re.search(r"受付単位 (\d+) の結果", r.text)[1])  # type: ignore[index]
    repo = app.state.ctx.repo
    counts = repo.counts_by_status()
    assert counts.get("received", 0) == 47 and counts.get("quarantined", 0) == 2
    assert batch > 0
    assert leftovers(app.state.ctx.settings.inbox_root) == []  # the spool folder is gone


def test_a_file_before_the_csrf_token_is_refused_unwritten(app: Any) -> None:
    c = login(app)
    csrf(c.get("/upload").text)
    r = c.post("/upload", files=[("files", ("a.png", png(7), "image/png"))])
    assert r.status_code == 403
    r = c.post("/upload", data={"csrf_token": "forged"}, files=[("files", ("a.png", png(7), "image/png"))])
    assert r.status_code == 403
    assert leftovers(app.state.ctx.settings.inbox_root) == []


def test_a_body_cut_off_inside_a_file_is_said(app: Any) -> None:
    c = login(app)
    token = csrf(c.get("/upload").text)
    b = "cutBoundary"

    def head(name: str, file: str | None = None) -> bytes:
        extra = f'; filename="{file}"' if file else ""
        return f'--{b}\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n\r\n'.encode()

    body = head("csrf_token") + token.encode() + b"\r\n" + head("files", "whole.png") + png(300)
    body += b"\r\n" + head("files", "cut.png")
    body += png(301)[:500]  # no closing boundary
    r = c.post("/upload", content=body, headers={"Content-Type": f"multipart/form-data; boundary={b}"})
    assert r.status_code == 200
    assert rows(r.text) == [("whole.png", "受付", "受け付けました"),
                            ("cut.png", "受付不可", "送信が途中で切れたため、受け付けていません。"
                                                  "もう一度アップロードしてください")]
    assert leftovers(app.state.ctx.settings.inbox_root) == []


def test_anonymous_upload_is_refused_before_the_body_is_read(app: Any) -> None:
    anon = TestClient(app, base_url="https://testserver", follow_redirects=False)
    r = anon.post("/upload", files=[("files", ("a.png", png(8), "image/png"))])
    assert r.status_code == 401


def test_other_posts_cannot_spool_big_files_either(app: Any) -> None:
    """POST /login parses its form before any check: its body is capped (413), even anonymous."""
    anon = TestClient(app, base_url="https://testserver", follow_redirects=False)
    big = [("files", ("x.bin", b"\0" * (FORM_MAX_BYTES + 1), "application/octet-stream"))]
    r = anon.post("/login", data={"username": "a", "password": "b"}, files=big)
    assert r.status_code == 413 and "大きすぎます" in r.text

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted while read
        for _ in range(FORM_MAX_BYTES // MB + 2):
            yield b"a=" + b"b" * (MB - 2)

    r = anon.post("/login", content=chunked(),
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code in (400, 413)
    assert anon.post("/login", data={"username": "a", "password": "b"}).status_code in (401, 403)


# --- a real server process: streaming and memory ------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("upload_server")
    _, url = make_repo(home)
    add_users(url)
    port = _free_port()
    env = {"YOMITORI_HOME": str(home), "YOMITORI_UPLOAD_MAX_MB": "20",
           "YOMITORI_REVIEW_COOKIE_SECURE": "false"}  # plain http on 127.0.0.1 with httpx's cookie jar
    base = f"http://127.0.0.1:{port}"
    with review_process(["--port", str(port)], env, home / "server.log", base + "/login") as proc:
        yield {"base": base, "pid": proc.pid, "home": home}


BOUNDARY = "yomitoriTestBoundary7MA4YWxk"


def _multipart(token: str, name: str, size: int, boundary: str = BOUNDARY) -> Iterator[bytes]:
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
           f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
           "Content-Type: application/pdf\r\n\r\n").encode()
    chunk = b"%PDF-1.4\n" + b"\0" * (MB - 9)
    sent = 0
    while sent < size:
        part = chunk[: min(MB, size - sent)]
        sent += len(part)
        yield part
        chunk = b"\0" * MB
    yield f"\r\n--{boundary}--\r\n".encode()


@pytest.mark.slow
def test_400_mb_upload_is_refused_while_streaming(server: dict[str, Any]) -> None:
    base, pid, home = server["base"], server["pid"], server["home"]
    with httpx.Client(base_url=base, timeout=120) as c:
        r = c.post("/login", data={"username": "clerk1", "password": PASSWORD,
                                   "csrf_token": csrf(c.get("/login").text)})
        assert r.status_code == 303
        token = csrf(c.get("/upload").text)
        before = _peak_rss_mb(pid)
        spooled: list[int] = []
        stop = threading.Event()

        def watch_spool() -> None:
            while not stop.is_set():
                sizes = [f.stat().st_size for f in (home / "inbox").glob(".upload-*/*") if f.is_file()]
                spooled.append(max(sizes, default=0))
                time.sleep(0.02)

        watcher = threading.Thread(target=watch_spool, daemon=True)
        watcher.start()
        try:
            r = c.post("/upload", content=_multipart(token, "huge.pdf", 400 * MB),
                       headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        finally:
            stop.set()
            watcher.join()
        after = _peak_rss_mb(pid)
    assert r.status_code == 200, r.text[:500]
    assert after - before < 100, (before, after)  # 400 MB went through; the server did not hold it
    assert max(spooled) <= 21 * MB  # never more than the limit (+ one chunk) on disk
    assert leftovers(home / "inbox") == []  # nothing left behind
    too_large = "ファイルが大きすぎます（上限 20 MB）。受け付けていません。ページを分けてスキャンしてください"
    assert rows(r.text) == [("huge.pdf", "受付不可", too_large)]
