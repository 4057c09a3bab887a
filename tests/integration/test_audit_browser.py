"""抜き取り検査 in real Chromium: a reviewer audits auto-accepted fields blind (the machine
value is in neither the page nor any network response), agreement and disagreement are
recorded, the admins' dashboard counts change, and injected wrong auto-accepts raise the alarm."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response, sync_playwright

from config.settings import Settings
from domain.audit_sampling import AuditPolicy
from domain.lifecycle import DocumentStatus
from domain.model import FieldReading, FormTemplate, PageReading
from domain.status import FieldKind, FieldStatus, PageStatus, ReviewReason
from review.app import create_app
from review.confirm import display
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from store.audits import AuditStore, Outcome
from store.models import dumps

from review_data import GOOD_SEEDS, PASSWORD, LiveServer, add_users, fill_onestop  # isort: skip

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
TYPABLE = {"text", "kana", "digits", "amount", "postal_code", "phone"}
HOSTILE = "<script>window.__pwned=1</script>"
WRONG = {"amount": "1", "digits": "0", "postal_code": "100-0001", "phone": "03-0000-0000",
         "text": "ア", "kana": "ア"}  # valid values no scan here holds
EVERYTHING = AuditPolicy(share=0.0, weekly_minimum=0, everything={"onestop_2022": date(2099, 12, 31)})


@pytest.fixture(scope="module")
def env(templates: dict[str, FormTemplate], tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("audit_e2e")
    url = f"sqlite:///{home / 'yomitori.db'}"
    upgrade(url)
    sf = session_factory(make_engine(url))
    repo = Repository(sf, ContentStore(home / "files"), audit_policy=EVERYTHING)
    docs = fill_onestop(repo, templates, home / "scans", GOOD_SEEDS[:2], batch_name="audit")
    users = add_users(url)
    app = create_app(Settings(home=home))
    with LiveServer(app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        yield {"repo": repo, "audits": AuditStore(sf), "docs": docs, "users": users, "url": server.url,
               "browser": browser, "templates": templates, "home": home}
        browser.close()


def login(env: dict[str, Any], user: str) -> tuple[Page, list[Response]]:
    browser: Browser = env["browser"]
    page = browser.new_context(locale="ja-JP").new_page()
    page.set_default_timeout(30_000)
    seen: list[Response] = []
    page.on("response", lambda r: seen.append(r))
    page.goto(env["url"] + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/login" not in u)
    return page, seen


def machine(env: dict[str, Any], sample_id: int) -> tuple[Any, str, str, str]:
    """(value, display text, raw OCR text, kind) of a sample's field, from the store."""
    task = env["audits"].task(sample_id)
    fr = next(f for f in env["repo"].fields(task.document_id) if f.id == task.field_result_id)
    spec = env["templates"]["onestop_2022"].field(fr.field_id)
    return fr.value, display(spec, fr.value), fr.raw, fr.kind


def open_next(page: Page, env: dict[str, Any]) -> int:
    page.goto(env["url"] + "/audit")
    page.click("#audit-next")
    page.wait_for_url(lambda u: "/audit/" in u or "empty=1" in u)
    assert "empty=1" not in page.url, "no audit task left"
    return int(page.url.rsplit("/", 1)[1])


def texts(responses: list[Response]) -> str:
    out = []
    for r in responses:
        try:
            out.append(r.body().decode("utf-8", errors="replace"))
        except Exception:
            continue
    return "\n".join(out)


def test_blind_audit_agree_and_disagree(env: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    page, seen = login(env, "rev1")
    secrets_seen: set[str] = set()
    assert env["audits"].open_count() > 10  # every auto-accepted field of the new form is drawn
    agreed = disagreed = 0
    checked_blind = 0
    while agreed < 1 or disagreed < 1:
        seen.clear()
        sample = open_next(page, env)
        value, shown, raw, kind = machine(env, sample)
        page.wait_for_selector("#audit-crop")
        page.wait_for_function("document.getElementById('audit-crop').complete")
        html, network = page.content(), texts(seen)
        assert any("/crop" in r.url and r.status == 200 for r in seen)  # the crop is shown
        for secret in {shown, raw, str(value)} - {""}:
            if len(secret) >= 3:
                if kind in TYPABLE:  # option codes ("checked", ...) are words, not personal values
                    secrets_seen.add(secret)
                checked_blind += 1
                assert secret not in html and secret not in network, (kind, "machine value leaked")
        text_input = page.locator("input#audit-value[name=v]:not([type])").count() == 1
        if kind not in TYPABLE or (agreed and kind not in WRONG):
            if text_input:
                page.fill("#audit-value", shown)  # answered as read: moves on
            page.click("#audit-submit")
            page.wait_for_url("**/audit?done=*")
            agreed += "done=agree" in page.url and kind in TYPABLE
            continue
        if agreed == 0:
            page.fill("#audit-value", shown)
            page.click("#audit-submit")
            page.wait_for_url("**/audit?done=*")
            assert "done=agree" in page.url and "一致しました" in page.inner_text("#audit-done")
            agreed += 1
            continue
        page.fill("#audit-value", HOSTILE)  # hostile text: refused or recorded, never run
        page.click("#audit-submit")
        page.wait_for_load_state()
        assert page.evaluate("window.__pwned") is None
        if "/audit?done=" not in page.url:
            assert page.locator("#message").is_visible()
            page.fill("#audit-value", WRONG[kind])
            page.click("#audit-submit")
            page.wait_for_url("**/audit?done=*")
        assert "done=disagree" in page.url
        disagreed += 1
        task = env["audits"].task(sample)
        fr = next(f for f in env["repo"].fields(task.document_id) if f.id == task.field_result_id)
        assert (fr.status, fr.reason) == (FieldStatus.NEEDS_REVIEW.value, ReviewReason.AUDIT_MISMATCH.value)
        assert fr.value == value  # the machine value stays until a person corrects it
        doc = env["repo"].document(task.document_id)
        assert doc.status == DocumentStatus.NEEDS_REVIEW.value
    assert checked_blind >= 2
    assert "audit sample" in caplog.text  # the server's log lines were captured ...
    for secret in secrets_seen | {HOSTILE, *WRONG.values()} - {"0", "1", "ア"}:
        assert secret not in caplog.text  # ... and carry no value, machine's or typed
    outcomes = env["audits"].outcomes()
    assert sum(not o.agreed for o in outcomes) >= 1 and sum(o.agreed for o in outcomes) >= 1


def test_roles_and_leases(env: dict[str, Any]) -> None:
    page, _ = login(env, "rev2")
    sample = open_next(page, env)
    other, _ = login(env, "rev3")
    for path in (f"/audit/{sample}", f"/audit/{sample}/crop"):
        assert other.goto(env["url"] + path).status == 403  # leased to rev2
    clerk, _ = login(env, "clerk1")
    assert clerk.goto(env["url"] + "/audit").status == 403
    assert clerk.goto(env["url"] + f"/audit/{sample}/crop").status == 403
    anon = env["browser"].new_context().new_page()
    anon.goto(env["url"] + f"/audit/{sample}")
    assert "/login" in anon.url
    # a forged post without the CSRF token changes nothing
    before = len(env["audits"].outcomes())
    resp = page.request.post(env["url"] + f"/audit/{sample}", form={"v": "x"})
    assert resp.status == 403 and len(env["audits"].outcomes()) == before


def _panel_numbers(page: Page) -> tuple[int, int]:
    cells = page.locator("#audit-3 tbody tr td").all_inner_texts()  # 全体: 範囲, 検査数, 不一致, ...
    return int(cells[1]), int(cells[2])


def test_dashboard_counts_and_alarm(env: dict[str, Any]) -> None:
    admin, _ = login(env, "admin1")
    admin.goto(env["url"] + "/status")
    audited, disagreements = _panel_numbers(admin)
    outcomes = env["audits"].outcomes()
    assert (audited, disagreements) == (len(outcomes), sum(not o.agreed for o in outcomes))
    assert admin.locator("#audit-alarm").count() == 0
    clerk, _ = login(env, "clerk1")
    clerk.goto(env["url"] + "/status")
    assert clerk.locator("#audit-panel").count() == 0  # measured error is for admins

    # an injected series of wrong auto-accepts on one kind (phone): 30 audits, 6 wrong
    repo: Repository = env["repo"]
    batch = repo.create_batch("drift", "test")
    rev = env["users"]["rev1"]
    for i in range(30):
        path = Path(env["home"]) / f"drift-{i}.png"
        path.write_bytes(f"drift {i}".encode())
        doc = repo.receive(batch, path.name, path).document_id
        assert repo.claim("w", 1, 60) == [doc]
        repo.save_reading(doc, "w", [PageReading(
            index=0, status=PageStatus.READ, template_id="onestop_2022", template_version=1, page_number=1,
            fields=[FieldReading(field_id="phone", kind=FieldKind.PHONE, value="03-1234-5678",
                                 raw="03-1234-5678", confidence=0.999, status=FieldStatus.AUTO_ACCEPTED)])])
        assert len(env["audits"].draw(doc, EVERYTHING)) == 1
        (sample,) = env["audits"].samples_of(doc)
        typed = dumps("03-1234-9999" if i % 5 == 0 else "03-1234-5678")
        assert env["audits"].record(sample, rev, "rev1", typed) in (Outcome.AGREE, Outcome.DISAGREE)
    admin.goto(env["url"] + "/status")
    alarm = admin.locator("#audit-alarm")
    assert alarm.count() == 1 and "電話番号" in alarm.inner_text()
    after = _panel_numbers(admin)
    assert after == (audited + 30, disagreements + 6)
    admin.goto(env["url"] + "/status?window=batch")
    assert _panel_numbers(admin) == (30, 6)  # this batch only
    assert "03-1234" not in admin.content()
