"""The review app end to end in real Chromium (Debian's /usr/bin/chromium, no downloads).

Screenshots of the queue and the confirmation screen are written to var/screenshots/
(``pytest tests/integration/test_review_browser.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from config.settings import Settings
from domain.model import FormTemplate
from domain.mynumber import make_my_number
from review.app import create_app
from store import Repository

from review_data import (  # isort: skip
    GOOD_SEEDS, PASSWORD, LiveServer, add_users, fill_onestop, make_repo, truth_of)

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "var" / "screenshots"
XSS = '<script>alert(1)</script>" onmouseover="alert(2)'
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def env(templates: dict[str, FormTemplate], tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("review_e2e")
    repo, url = make_repo(home)
    seeds = {"main": GOOD_SEEDS[:3], "xss": GOOD_SEEDS[3:4], "blind": GOOD_SEEDS[4:5],
             "history": GOOD_SEEDS[5:6]}
    docs = {"main": fill_onestop(repo, templates, home / "scans", seeds["main"], batch_name="main"),
            "xss": fill_onestop(repo, templates, home / "scans", seeds["xss"], override={"address": XSS},
                                batch_name="xss"),
            "blind": fill_onestop(repo, templates, home / "scans", seeds["blind"], batch_name="blind"),
            "history": fill_onestop(repo, templates, home / "scans", seeds["history"], batch_name="history")}
    truth = {doc: truth_of(templates, seed) for key in docs for doc, seed in zip(docs[key], seeds[key],
                                                                                  strict=True)}
    users = add_users(url)
    app = create_app(Settings(home=home))
    with LiveServer(app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        yield {"repo": repo, "queue": app.state.ctx.queue, "docs": docs, "truth": truth, "users": users,
               "url": server.url, "browser": browser,
               "batches": {k: repo.document(v[0]).batch_id for k, v in docs.items()}}  # type: ignore[union-attr]
        browser.close()


def login(env: dict[str, Any], user: str) -> Page:
    browser: Browser = env["browser"]
    page = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(30_000)  # the whole suite shares 2 cores with OCR tests
    page.goto(env["url"] + "/login")
    # the user name field has autofocus; wait for it instead of racing the page load
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(user)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/review*")
    return page


def open_next(page: Page, batch: int | None = None) -> int:
    if batch is not None:
        page.select_option("select[name=batch]", str(batch))
    page.focus("#next")
    page.keyboard.press("Enter")
    page.wait_for_url("**/review/doc/*")
    return int(page.url.rsplit("/", 1)[1])


def flagged_kinds(page: Page) -> list[tuple[str, str]]:
    return [(el.get_attribute("id") or "", el.get_attribute("data-kind") or "")
            for el in page.query_selector_all("input.rv-flagged")]


def test_keyboard_confirmation_with_a_correction_and_audit(env: dict[str, Any]) -> None:
    repo: Repository = env["repo"]
    page = login(env, "rev1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "review_queue.png"), full_page=True)
    doc_id = open_next(page, env["batches"]["main"])
    page.screenshot(path=str(SHOTS / "review_confirm.png"), full_page=True)
    truth = env["truth"][doc_id]
    flagged = flagged_kinds(page)
    assert flagged and page.evaluate("document.activeElement.id") == flagged[0][0]
    corrected = None
    for input_id, kind in flagged:
        assert page.evaluate("document.activeElement.id") == input_id
        if kind == "my_number":  # blind double entry: type what the form says
            page.keyboard.type(truth["my_number"]["text"])
        elif kind == "text" and corrected is None:
            corrected = "東京都千代田区霞が関1丁目1番1号"
            page.keyboard.type(corrected)  # typing replaces the read value
        page.keyboard.press("Enter")  # accept and move on; the last Enter submits
    page.wait_for_url("**/review?done=*")
    assert "確認を登録しました" in page.content()
    assert repo.document(doc_id).status == "reviewed"  # type: ignore[union-attr]
    page = login(env, "admin1")  # finished: no lease any more, so only an admin sees the history
    page.goto(f"{env['url']}/review/doc/{doc_id}/history")
    rows = page.locator("table.history tbody tr")
    assert rows.count() == len(flagged)
    if corrected:
        fixed = page.locator("tr.action-correct")
        assert fixed.count() >= 1
        assert corrected in fixed.first.inner_text() and "rev1" in fixed.first.inner_text()
    text = page.locator("table.history").inner_text()
    assert truth["my_number"]["text"] not in text  # masked in the history
    mn = next(f for f in repo.fields(doc_id) if f.kind == "my_number")
    assert (env["users"]["rev1"], "crop") in env["queue"].sensitive_views(mn.id)  # audited view


def test_xss_payload_is_rendered_inert(env: dict[str, Any]) -> None:
    page = login(env, "rev2")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_next(page, env["batches"]["xss"])
    address = page.locator("input.rv-flagged[data-kind=text]").first
    assert address.input_value().startswith("<script>alert(1)</script>")
    address.hover()
    page.mouse.move(5, 5)
    assert page.locator("[onmouseover]").count() == 0
    assert page.locator("script").count() == 1  # only /static/review.js
    assert dialogs == []


def test_two_reviewers_get_different_documents(env: dict[str, Any]) -> None:
    a, b = login(env, "rev2"), login(env, "rev3")
    doc_a = open_next(a, env["batches"]["main"])
    doc_b = open_next(b, env["batches"]["main"])
    assert doc_a != doc_b


def test_clerk_is_denied_the_review_page(env: dict[str, Any]) -> None:
    page = env["browser"].new_page()
    page.goto(env["url"] + "/login")
    page.fill("#username", "clerk1")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/status")
    response = page.goto(env["url"] + "/review")
    assert response is not None and response.status == 403
    assert "権限がありません" in page.content()


def test_blind_double_entry_of_a_my_number(env: dict[str, Any]) -> None:
    repo: Repository = env["repo"]
    batch = env["batches"]["blind"]
    first = login(env, "rev1")
    doc_id = open_next(first, batch)
    number = env["truth"][doc_id]["my_number"]["text"]
    mn_input = first.locator("input[data-blind='1']")
    assert mn_input.input_value() == "" and number not in first.content()  # machine value hidden
    wrong = make_my_number("12345678901")
    for input_id, kind in flagged_kinds(first):
        assert first.evaluate("document.activeElement.id") == input_id
        if kind == "my_number":
            first.keyboard.type(wrong)
        first.keyboard.press("Enter")
    first.wait_for_url("**/review?done=*")
    assert "別の担当者が確認します" in first.content()
    assert repo.document(doc_id).status == "needs_review"  # type: ignore[union-attr]
    # the one who disagreed does not decide: the queue does not give it back to them
    first.select_option("select[name=batch]", str(batch))
    first.focus("#next")
    first.keyboard.press("Enter")
    first.wait_for_url("**/review?empty=*")
    second = login(env, "rev3")
    assert open_next(second, batch) == doc_id
    for _input_id, kind in flagged_kinds(second):
        if kind == "my_number":
            second.keyboard.type(number)
        second.keyboard.press("Enter")
    second.wait_for_url("**/review?done=*")
    assert repo.document(doc_id).status == "reviewed"  # type: ignore[union-attr]
    mn = next(f for f in repo.fields(doc_id) if f.kind == "my_number")
    assert mn.value == number and mn.status == "confirmed"


def test_f4_shows_the_whole_page_with_the_field_boxed(env: dict[str, Any]) -> None:
    page = login(env, "rev2")
    open_next(page, env["batches"]["main"])  # rev2's own lease if an earlier test gave one
    view = page.locator("#page-view")
    assert view.is_hidden()
    input_id = flagged_kinds(page)[0][0]
    assert page.evaluate("document.activeElement.id") == input_id
    bbox = page.get_attribute(f"#row-{input_id[2:]}", "data-bbox")
    assert bbox, "the flagged field has no box on the page"
    x, y, w, h = (float(v) for v in bbox.split(","))
    # the page image loads while hidden; wait for it as a person would see it arrive
    page.wait_for_function("() => { const i = document.querySelector('#page-view img');"
                           " return i !== null && i.complete && i.naturalWidth > 0; }")
    page.keyboard.press("F4")
    view.wait_for(state="visible")
    img, box = view.locator("img").first, view.locator(".box").first
    page.wait_for_function("() => document.querySelector('#page-view .box').offsetWidth > 0")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "review_page_view.png"), full_page=True)
    ib, bb = img.bounding_box(), box.bounding_box()
    assert ib is not None and bb is not None and ib["width"] > 0
    assert bb["width"] > 0 and bb["height"] > 0
    frame = 3  # the box's border (review.css) is drawn around the field, outside its bbox
    assert ib["x"] <= bb["x"] and bb["x"] + bb["width"] <= ib["x"] + ib["width"] + 2 * frame
    assert ib["y"] <= bb["y"] and bb["y"] + bb["height"] <= ib["y"] + ib["height"] + 2 * frame
    scale = ib["width"] / page.evaluate("document.querySelector('#page-view img').naturalWidth")
    assert abs(bb["x"] - ib["x"] - x * scale) <= 1.5 and abs(bb["y"] - ib["y"] - y * scale) <= 1.5
    assert abs(bb["width"] - (w * scale + 2 * frame)) <= 1.5
    assert abs(bb["height"] - (h * scale + 2 * frame)) <= 1.5
    assert page.evaluate("document.activeElement.id") == input_id  # still typing in the field
    page.keyboard.press("F4")
    view.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == input_id


def test_history_is_for_the_lease_holder_and_admins_only(env: dict[str, Any]) -> None:
    repo: Repository = env["repo"]
    holder, other = login(env, "rev2"), login(env, "rev3")
    doc_id = open_next(holder, env["batches"]["history"])
    truth = env["truth"][doc_id]
    history = f"{env['url']}/review/doc/{doc_id}/history"

    def refused(page: Page) -> None:
        response = page.goto(history)
        assert response is not None and response.status == 403
        assert "割り当てられていません" in page.content()
        assert page.locator("table.history").count() == 0
        text = page.content()
        assert truth["full_name"]["text"] not in text and truth["address"]["text"] not in text

    response = holder.goto(history)  # the reviewer holding the lease may look
    assert response is not None and response.status == 200 and holder.locator("table.history").count() == 1
    refused(other)  # someone else's document
    first_field = repo.fields(doc_id)[0].id
    assert (env["users"]["rev3"], "history_refused") in env["queue"].sensitive_views(first_field)
    holder.goto(f"{env['url']}/review/doc/{doc_id}")  # confirm it: the lease goes back
    for input_id, kind in flagged_kinds(holder):
        assert holder.evaluate("document.activeElement.id") == input_id
        if kind == "my_number":
            holder.keyboard.type(truth["my_number"]["text"])
        holder.keyboard.press("Enter")
    holder.wait_for_url("**/review?done=*")
    assert repo.document(doc_id).status == "reviewed"  # type: ignore[union-attr]
    refused(holder)  # finished: not even the one who confirmed it
    refused(other)
    admin = login(env, "admin1")
    response = admin.goto(history)
    assert response is not None and response.status == 200
    assert admin.locator("table.history tbody tr").count() >= 1 and "rev2" in admin.content()
