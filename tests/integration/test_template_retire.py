"""Template versions and drafted grids in the editor, in real Chromium (Debian's /usr/bin/chromium).

An admin opens the editor of a form with two active versions, presses 運用停止 on the
old one, and from then on the reader no longer identifies pages as that version (the
file stays for the documents read with it). The current version cannot be retired, a
reviewer cannot retire anything, and a post without the CSRF token changes nothing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from config.settings import Settings
from domain.model import FormTemplate
from forms.loader import load_template_versions
from forms.versions import save_new_version
from ocr.engines.fake import FakeRecognizer
from ocr.reader import Reader, usable_templates
from review.app import create_app
from services.compose import render_blank

from review_data import PASSWORD, LiveServer, add_users, make_repo  # isort: skip

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
REPO = Path(__file__).resolve().parents[2]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def env(templates: dict[str, FormTemplate], tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("template_retire")
    tdir = home / "templates"
    shutil.copytree(REPO / "templates" / "citizen_survey", tdir / "citizen_survey")
    old = templates["citizen_survey"]
    save_new_version(tdir, old.model_copy(update={"title": old.title + "（第2版）"}))  # v2, active
    # a draft with a drafted grid still to confirm (every field confirmed)
    grid = {"id": "q10", "label": "満足度<script>alert(1)</script>", "origin": {"x": 120, "y": 240},
            "mark": {"w": 4, "h": 4}, "pitch": {"x": 10, "y": 7}, "rows": ["a", "b"],
            "columns": ["1", "2", "3"],
            "guessed": ["options"]}
    data = old.model_dump(mode="json")
    data.update(id="grid_form", family="grid_form", status="draft", grids=[grid])
    save_new_version(tdir, FormTemplate.model_validate(data))
    _repo, url = make_repo(home)
    add_users(url)
    app = create_app(Settings(home=home, templates_dir=tdir))
    with LiveServer(app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        yield {"url": server.url, "browser": browser, "tdir": tdir}
        browser.close()


def login(env: dict[str, Any], user: str) -> Page:
    page = env["browser"].new_context(locale="ja-JP").new_page()
    page.set_default_timeout(30_000)
    page.goto(env["url"] + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda u: "/login" not in u)
    return page


def _reader(tdir: Path) -> Reader:
    versions = load_template_versions(tdir)
    return Reader(templates=usable_templates(versions), recognizer=FakeRecognizer({}),
                  blank_renderer=render_blank, versions=versions, today=date(2026, 11, 20))


def test_an_admin_retires_the_old_version_and_it_stops_competing(env: dict[str, Any]) -> None:
    tdir: Path = env["tdir"]
    assert {t.version for t in _reader(tdir).identifiable()} == {1, 2}  # both compete
    page = login(env, "admin1")
    page.goto(env["url"] + "/admin/templates/citizen_survey")
    page.click("#te-versions summary")
    rows = page.locator("#te-versions tbody tr")
    assert rows.count() == 2
    current = page.locator('#te-versions tr[data-version="2"]')
    assert "現在の版" in current.inner_text() and current.locator("button").count() == 0
    old = page.locator('#te-versions tr[data-version="1"]')
    assert old.locator(".te-vstatus").inner_text() == "運用中"
    old.locator("button.te-retire").click()
    page.wait_for_url(lambda u: "retired=1" in u)
    assert "第1版の運用を停止しました" in page.locator("#te-save-status").inner_text()
    page.click("#te-versions summary")
    assert page.locator('#te-versions tr[data-version="1"] .te-vstatus').inner_text() == "運用停止"
    versions = load_template_versions(tdir)
    assert versions[("citizen_survey", 1)].status == "retired"
    assert (tdir / "citizen_survey" / "versions" / "v1.yaml").is_file()  # kept for old documents
    reader = _reader(tdir)
    assert [t.version for t in reader.identifiable()] == [2]
    assert reader.lookup("citizen_survey", 1) is None  # its QR no longer identifies a page
    assert {c.identity.version for c in reader.structure_candidates()} == {2}


def test_the_current_version_cannot_be_retired_and_others_may_not_try(env: dict[str, Any]) -> None:
    tdir: Path = env["tdir"]
    before = (tdir / "citizen_survey").joinpath("retired.yaml").read_bytes() \
        if (tdir / "citizen_survey" / "retired.yaml").exists() else b""
    admin = login(env, "admin1")
    admin.goto(env["url"] + "/admin/templates/citizen_survey")
    token = admin.locator('#te-save-form input[name="csrf_token"]').input_value()
    resp = admin.request.post(f"{env['url']}/admin/templates/citizen_survey/versions/2/retire",
                              form={"csrf_token": token}, max_redirects=0)
    assert resp.status == 409 and "現在の版は運用停止できません" in resp.text()
    resp = admin.request.post(f"{env['url']}/admin/templates/citizen_survey/versions/9/retire",
                              form={"csrf_token": token}, max_redirects=0)
    assert resp.status == 409 and "第9版はありません" in resp.text()
    resp = admin.request.post(f"{env['url']}/admin/templates/citizen_survey/versions/1/retire",
                              form={}, max_redirects=0)
    assert resp.status == 403  # no CSRF token
    reviewer = login(env, "rev1")
    resp = reviewer.request.post(f"{env['url']}/admin/templates/citizen_survey/versions/1/retire",
                                 form={"csrf_token": token}, max_redirects=0)
    assert resp.status == 403  # a reviewer is not an admin
    after = (tdir / "citizen_survey" / "retired.yaml").read_bytes() \
        if (tdir / "citizen_survey" / "retired.yaml").exists() else b""
    assert after == before
    assert load_template_versions(tdir)[("citizen_survey", 2)].status == "active"


def test_a_drafted_grid_is_confirmed_before_the_form_goes_live(env: dict[str, Any]) -> None:
    tdir: Path = env["tdir"]
    page = login(env, "admin1")
    dialogs: list[str] = []  # alerts would be injected script; the activation confirm is accepted
    page.on("dialog", lambda d: d.accept() if d.type == "confirm"
            else (dialogs.append(d.message), d.dismiss()))
    page.goto(env["url"] + "/admin/templates/grid_form")
    row = page.locator('#te-grids tr[data-grid="q10"]')
    assert row.locator(".te-gstatus").inner_text() == "推定のまま"
    assert "<script>" in row.inner_text() and dialogs == []  # hostile label shown as text
    assert page.locator("#te-unconfirmed").inner_text() == "1"
    assert page.locator("#te-activate").is_disabled()
    token = page.locator('#te-save-form input[name="csrf_token"]').input_value()
    data = load_template_versions(tdir)[("grid_form", 1)].model_dump(mode="json")
    resp = page.request.post(f"{env['url']}/admin/templates/grid_form/save", max_redirects=0, form={
        "csrf_token": token, "base_version": "1", "activate": "1", "template": json.dumps(data)})
    assert resp.status == 422 and "グリッド「" in resp.text() and "未確認です" in resp.text()
    row.locator("button.te-grid-confirm").click()
    page.wait_for_url(lambda u: "saved=2" in u)
    assert page.locator('#te-grids tr[data-grid="q10"] .te-gstatus').inner_text() == "確認済み"
    saved = load_template_versions(tdir)[("grid_form", 2)]
    assert saved.grids[0].guessed == [] and all(not f.guessed for f in saved.fields)
    assert [f.id for f in saved.fields if f.grid] == ["q10_a", "q10_b"]
    page.click("#te-activate")
    page.wait_for_url(lambda u: "activated=1" in u)
    assert load_template_versions(tdir)[("grid_form", 3)].status == "active"
