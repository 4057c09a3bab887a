"""No unread page unseen, end to end: real OCR models, real worker, the review app in real Chromium.

A filled ワンストップ form is photographed with its corner marks and QR code painted out
(4° turn, uneven light, JPEG): the reader cannot tell which form it is, so the page is
未判定 and its batch is 未完了. A reviewer sees its thumbnail on the document, cannot
finish the document before deciding, chooses "read it as onestop_2022"; the worker reads
it again with that form forced (real PP-OCRv6 recogniser, production calibration) and its
fields appear for review / auto-accept; only then is the batch complete.
Screenshots go to var/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from playwright.sync_api import Page, sync_playwright

from config.settings import Settings
from domain.model import FormTemplate
from domain.status import FieldStatus
from review.app import create_app
from review.routes_pages import UNRESOLVED_JA
from services.compose import build_reader
from services.worker import run_worker
from store.page_decisions import PageDecisionStore
from synth.generate import generate_document

from review_data import TODAY, LiveServer, add_users, make_repo  # isort: skip
from test_review_browser import ARGS, SHOTS, login, open_next  # isort: skip
from test_unidentified import OPTS, photograph, without_identity  # isort: skip

SEED = 1450


def batch_state(page: Page, url: str, batch: int) -> tuple[str, str]:
    page.goto(url + "/status")
    row = page.locator(f"#batch-{batch}")
    return row.locator("td.unresolved").inner_text(), row.locator("td.state").inner_text()


@pytest.mark.model
def test_an_unidentified_filled_form_is_seen_re_read_as_a_chosen_form_and_completes_its_batch(
        templates: dict[str, FormTemplate], tmp_path: Path) -> None:
    t = templates["onestop_2022"]
    synth = generate_document(t, SEED, OPTS)
    scan = tmp_path / "photo.png"
    cv2.imwrite(str(scan), photograph(without_identity(synth.pages[0], t, 1), seed=7))
    repo, url = make_repo(tmp_path)
    add_users(url)
    batch = repo.create_batch("photos", "test")
    doc = repo.receive(batch, scan.name, scan).document_id
    reader = build_reader(today=TODAY)  # the production reader: real models, shipped calibration
    run_worker(repo, repo.files, reader, lease_seconds=900)
    assert [p.status for p in repo.pages(doc)] == ["unidentified"] and not repo.fields(doc)
    app = create_app(Settings(home=tmp_path))
    with LiveServer(app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        env = {"browser": browser, "url": server.url}
        admin = login(env, "admin1")
        assert batch_state(admin, server.url, batch) == ("1", "未完了")
        rev = login(env, "rev1")
        assert open_next(rev) == doc
        thumb = rev.locator("#unread-1 .thumb img")
        rev.wait_for_function("document.querySelector('#unread-1 .thumb img').naturalWidth > 0")
        assert thumb.evaluate("img => img.naturalWidth") == 240
        assert "判断が必要です" in rev.locator("#unread-1").inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        rev.screenshot(path=str(SHOTS / "review_unread_page.png"), full_page=True)
        rev.locator("#submit").click()  # finishing the document first is refused
        rev.wait_for_selector("#message")
        assert UNRESOLVED_JA in rev.locator("#message").inner_text()
        rev.select_option("#unread-1 select[name=template]", "onestop_2022:1:1")
        rev.locator("#unread-1 form.read-as button").click()
        rev.wait_for_url("**/review/pages/sent*")
        assert "読み取り直しを依頼しました" in rev.locator("h1").inner_text()
        assert batch_state(admin, server.url, batch)[1] == "未完了"  # waiting to be read again

        run_worker(repo, repo.files, reader, lease_seconds=900)  # real OCR, template forced

        pages = repo.pages(doc)
        assert [(p.status, p.template_id) for p in pages] == [("read", "onestop_2022")]
        fields = repo.fields(doc)
        assert {f.field_id for f in fields} == {f.id for f in t.fields}
        statuses = {f.status for f in fields}
        assert statuses <= {FieldStatus.AUTO_ACCEPTED.value, FieldStatus.NEEDS_REVIEW.value,
                            FieldStatus.UNREADABLE.value}
        last = PageDecisionStore(repo.sessions).history(doc)[-1][1]
        assert (last.kind, last.reason) == ("read_done", None)
        assert batch_state(admin, server.url, batch) == ("0", "完了")
        flagged = [f for f in fields if f.status != FieldStatus.AUTO_ACCEPTED.value]
        status = repo.document(doc).status  # type: ignore[union-attr]
        assert status == ("needs_review" if flagged else "read")
        if flagged:  # the fields wait for staff on the usual screen, with their crops
            rev.goto(server.url + "/review")
            assert open_next(rev) == doc
            assert rev.locator("#unread-pages").count() == 0
            assert 1 <= rev.locator("input.rv-flagged").count() <= len(flagged)
            rev.wait_for_function("Array.from(document.querySelectorAll('.field.flagged .crop img'))"
                                  ".every(i => i.complete && i.naturalWidth > 0)")
            rev.screenshot(path=str(SHOTS / "review_forced_fields.png"), full_page=True)
        truth = synth.truth["pages"][0]["fields"]
        exact = sum(1 for f in fields if f.value == truth[f.field_id]["value"])
        assert exact >= len(fields) - 2, exact  # really read as that form (measured: 13 of 13)
        browser.close()
