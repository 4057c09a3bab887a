"""The template editor's actions in real Chromium (Debian's /usr/bin/chromium, no downloads).

An admin fixes a drafted scan through the editor's action panel, by click and keyboard:
title (a hostile one stays text), allowed characters, mark style, reference image
replaced and partly whited out, a row copied with an offset, checkboxes merged into a
choice and into a grid, and undo. After each action the saved template is read back
with the project's loader; a form edited this way still goes live (運用開始) and is then
identified. A reviewer, a post without the CSRF token, and a stale version change nothing.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Dialog, Page, sync_playwright

from config.settings import Settings
from domain.model import FormTemplate
from forms.loader import load_template, load_template_versions
from forms.render import qr_box, render_page
from forms.versions import save_new_version
from ocr.engines.fake import FakeRecognizer
from ocr.reader import Reader, usable_templates
from review.app import create_app
from services.compose import render_blank

from editor_actions_data import (  # isort: skip
    LIKERT, YES_NO, csrf, drafted_survey, grey_png, open_actions, pick, submit, unfold)
from review_data import PASSWORD, LiveServer, add_users, make_repo  # isort: skip

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
REPO = Path(__file__).resolve().parents[2]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
HOSTILE = "<script>alert(1)</script>アンケート"
ACTIONS = ("title", "charset", "mark_style", "reference", "mask", "copy", "merge_choice", "merge_grid",
           "undo")


@pytest.fixture(scope="module")
def env(templates: dict[str, FormTemplate], tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("editor_actions")
    tdir = home / "templates"
    shutil.copytree(REPO / "templates" / "onestop_2022", tdir / "onestop_2022")
    buf = io.BytesIO()
    render_page(templates["onestop_2022"], 1, 100).save(buf, format="PNG")
    for tid in ("act_title", "act_merge", "act_copy", "act_image", "act_guard"):
        save_new_version(tdir, drafted_survey(tid), reference_images={1: buf.getvalue()})
    _repo, url = make_repo(home)
    add_users(url)
    app = create_app(Settings(home=home, templates_dir=tdir))
    with LiveServer(app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        yield {"url": server.url, "browser": browser, "tdir": tdir, "app": app, "errors": [], "dialogs": [],
               "confirms": [], "accept": True}
        browser.close()


def login(env: dict[str, Any], user: str = "admin1") -> Page:
    page = env["browser"].new_context(locale="ja-JP", viewport={"width": 1400, "height": 950}).new_page()
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda exc: env["errors"].append(str(exc)))
    page.on("console", lambda m: env["errors"].append(m.text) if m.type == "error" else None)

    def dialog(d: Dialog) -> None:  # the activation asks (confirm); an alert would be injected script
        if d.type == "confirm":
            env["confirms"].append(d.message)
            if env["accept"]:
                d.accept()
            else:
                d.dismiss()
        else:
            env["dialogs"].append(d.message)
            d.dismiss()

    page.on("dialog", dialog)
    page.goto(env["url"] + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda u: "/login" not in u)
    return page


@pytest.fixture(autouse=True)
def no_script_errors(env: dict[str, Any]) -> Iterator[None]:
    env["errors"].clear()
    env["dialogs"].clear()
    env["confirms"].clear()
    env["accept"] = True
    yield
    assert env["dialogs"] == []
    assert [e for e in env["errors"] if not any(f"status of {s}" in e for s in (403, 404, 409, 422))] == []


def current(env: dict[str, Any], tid: str) -> FormTemplate:
    """The template as the project's loader reads it now (every version must load too)."""
    assert (tid, 1) in load_template_versions(env["tdir"])
    return load_template(env["tdir"] / tid / "template.yaml")


def error_text(page: Page) -> str:
    return page.locator("#te-save-error").inner_text()


def test_title_and_allowed_characters_then_undo_twice(env: dict[str, Any]) -> None:
    page = login(env)
    open_actions(page, env["url"], "act_title")
    assert page.locator("#te-undo").is_disabled()
    page.click("#te-act-title-input")  # keyboard: select the old title, type the new one, Enter
    page.keyboard.press("Control+A")
    page.keyboard.type(HOSTILE)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#te-editor[data-ready='1']")
    assert "第2版として保存しました" in page.locator("#te-save-status").inner_text()
    assert page.locator("#te-title").inner_text() == HOSTILE  # shown as text, no script ran
    assert page.locator("script").count() == 2
    assert current(env, "act_title").title == HOSTILE

    unfold(page)
    page.select_option("#te-act-charset select[name=field_id]", "q1")
    page.select_option("#te-act-charset select[name=alphabet]", "digits")
    page.fill("#te-act-charset input[name=allowed_chars]", "0123456789-")
    submit(page, "#te-act-charset button[type=submit]")
    q1 = current(env, "act_title").field("q1")
    assert (q1.alphabet, q1.allowed_chars, current(env, "act_title").version) == ("digits", "0123456789-", 3)
    assert page.locator("#te-f-id").input_value() == "q1"  # the edited field is selected

    unfold(page)
    assert page.locator("#te-undo").inner_text() == "元に戻す（使える文字の変更）"
    submit(page, "#te-undo")
    t = current(env, "act_title")
    assert (t.version, t.title, t.field("q1").alphabet) == (4, HOSTILE, None)
    unfold(page)
    assert page.locator("#te-undo").inner_text() == "元に戻す（様式名の変更）"
    submit(page, "#te-undo")
    t = current(env, "act_title")
    assert (t.version, t.title) == (5, "市民アンケート（読み取った様式）")
    assert t.model_dump(exclude={"version"}) == load_template_versions(env["tdir"])[("act_title", 1)] \
        .model_dump(exclude={"version"})
    unfold(page)
    assert page.locator("#te-undo").is_disabled()  # nothing left to undo
    # a forged undo now is refused in Japanese, nothing written
    resp = page.request.post(f"{env['url']}/admin/templates/act_title/edit/undo", max_redirects=0,
                             form={"csrf_token": csrf(page), "base_version": "5"})
    assert resp.status == 422 and "元に戻せる操作がありません" in resp.text()
    assert current(env, "act_title").version == 5


def test_merge_into_choice_and_grid_then_the_form_goes_live(env: dict[str, Any]) -> None:
    page = login(env)
    open_actions(page, env["url"], "act_merge")
    pick(page, "te-act-merge_choice", ["yes"])  # one box is not a choice
    page.fill("#te-act-merge_choice input[name=new_id]", "q2")
    page.fill("#te-act-merge_choice input[name=label]", "参加したいですか")
    submit(page, "#te-act-merge_choice button[type=submit]")
    assert "2つ以上選んでください" in error_text(page)
    assert current(env, "act_merge").version == 1

    unfold(page)
    pick(page, "te-act-merge_choice", YES_NO)
    page.fill("#te-act-merge_choice input[name=new_id]", "q2")
    page.fill("#te-act-merge_choice input[name=label]", "参加したいですか")
    page.select_option("#te-act-merge_choice select[name=mark_style]", "bubble")
    submit(page, "#te-act-merge_choice button[type=submit]")
    q2 = current(env, "act_merge").field("q2")
    assert (q2.kind, q2.mark_style, q2.guessed) == ("choice", "bubble", [])
    assert [(o.value, o.box.x) for o in q2.options] == [("はい", 30), ("いいえ", 55), ("わからない", 80)]
    assert page.locator(".te-box[data-id='q2']").count() == 1  # drawn over the blank page

    unfold(page)
    page.select_option("#te-act-mark select[name=target_id]", "q2")
    page.select_option("#te-act-mark select[name=mark_style]", "box")
    submit(page, "#te-act-mark button[type=submit]")
    assert current(env, "act_merge").field("q2").mark_style == "box"

    unfold(page)
    pick(page, "te-act-merge_grid", LIKERT)
    page.fill("#te-act-merge_grid input[name=new_id]", "q3")
    page.fill("#te-act-merge_grid input[name=label]", "満足度")
    page.fill("#te-act-merge_grid input[name=columns]", "3、2、1")
    submit(page, "#te-act-merge_grid button[type=submit]")
    t = current(env, "act_merge")
    assert t.version == 4 and [g.id for g in t.grids] == ["q3"]
    assert [f.id for f in t.fields if f.grid] == ["q3_1", "q3_2"]
    assert [o.value for o in t.field("q3_2").options] == ["3", "2", "1"]
    assert (t.grids[0].pitch.x, t.grids[0].pitch.y) == (14, 9)
    assert "q3" in page.locator("#te-grids").inner_text()

    assert page.locator("#te-unconfirmed").inner_text() == "0"  # merging confirmed the guesses
    with page.expect_navigation():
        page.click("#te-activate")
    page.wait_for_selector("#te-editor[data-ready='1']")
    versions = load_template_versions(env["tdir"])
    live = versions[("act_merge", 5)]
    assert live.status == "active" and usable_templates(versions)["act_merge"].version == 5
    reader = Reader(templates=usable_templates(versions), recognizer=FakeRecognizer({}),
                    blank_renderer=render_blank, versions=versions, today=date(2026, 12, 1))
    candidates = {(c.identity.template_id, c.identity.version) for c in reader.structure_candidates()}
    assert ("act_merge", 5) in candidates


def test_copy_a_row_with_an_offset_and_refuse_one_off_the_page(env: dict[str, Any]) -> None:
    page = login(env)
    open_actions(page, env["url"], "act_copy")
    pick(page, "te-act-copy", ["q1", "q1_note"])
    page.fill("#te-act-copy input[name=dy]", "100")
    page.fill("#te-act-copy input[name=count]", "3")  # the third copy would be below the paper
    submit(page, "#te-act-copy button[type=submit]")
    assert "3個目の複製" in error_text(page) and "用紙の外" in error_text(page)
    assert current(env, "act_copy").version == 1

    unfold(page)
    page.locator("#te-list button[data-id='q1']").click()  # a box moved with → is not saved yet
    page.keyboard.press("ArrowRight")
    assert page.locator("#te-dirty").is_visible()
    pick(page, "te-act-copy", ["q1", "q1_note"])
    page.fill("#te-act-copy input[name=dy]", "12")
    env["accept"] = False  # the admin keeps the unsaved edit: nothing is posted
    page.click("#te-act-copy button[type=submit]")
    assert env["confirms"] == ["保存していない枠の変更は失われます。この操作を続けますか？"]
    assert page.locator("#te-dirty").is_visible() and current(env, "act_copy").version == 1
    env["accept"] = True
    page.fill("#te-act-copy input[name=count]", "2")
    submit(page, "#te-act-copy button[type=submit]")
    t = current(env, "act_copy")
    assert [f.id for f in t.fields][:2] + [f.id for f in t.fields][-4:] == \
        ["q1", "q1_note", "q2", "q1_note_2", "q3", "q1_note_3"]
    assert [(t.field(i).label, t.field(i).box.y) for i in ("q2", "q3")] == [("問2", 52), ("問3", 64)]
    assert page.locator("#te-f-id").input_value() == "q2"
    assert page.locator(".te-box[data-id='q1_note_3']").count() == 1


def test_a_copy_over_the_qr_code_of_our_own_form_is_refused_by_the_loader(env: dict[str, Any]) -> None:
    folder: Path = env["tdir"] / "onestop_2022"
    before = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    t = current(env, "onestop_2022")
    box, qr = t.field("reference_no").box, qr_box(t)
    page = login(env)
    open_actions(page, env["url"], "onestop_2022")
    assert page.locator("#te-act-reference").count() == 0  # a form we draw has no reference scan
    pick(page, "te-act-copy", ["reference_no"])
    page.fill("#te-act-copy input[name=dx]", f"{qr.x - box.x:g}")
    page.fill("#te-act-copy input[name=dy]", f"{qr.y - box.y:g}")
    submit(page, "#te-act-copy button[type=submit]")
    assert "QRコード" in error_text(page) and "保存できませんでした" in error_text(page)
    after = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before


def _reference_pixels(env: dict[str, Any], tid: str) -> np.ndarray:
    t = current(env, tid)
    path = t.reference_path(1)
    assert path is not None
    return np.asarray(Image.open(path).convert("L"))


def test_replace_the_reference_image_and_white_out_a_region(env: dict[str, Any], tmp_path: Path) -> None:
    page = login(env)
    old = current(env, "act_image").page(1).reference_image
    bad = tmp_path / "landscape.png"
    bad.write_bytes(grey_png(1169, 827))
    open_actions(page, env["url"], "act_image")
    page.set_input_files("#te-act-reference input[name=image]", str(bad))
    submit(page, "#te-act-reference button[type=submit]")
    assert "縦横の比" in error_text(page) and current(env, "act_image").version == 1

    scan = tmp_path / "blank.png"
    scan.write_bytes(grey_png())
    unfold(page)
    page.set_input_files("#te-act-reference input[name=image]", str(scan))
    submit(page, "#te-act-reference button[type=submit]")
    t = current(env, "act_image")
    assert t.version == 2 and t.page(1).reference_image != old
    assert (_reference_pixels(env, "act_image") == 128).all()
    assert (env["tdir"] / "act_image" / str(old)).is_file()  # version 1 keeps its own image
    shown = page.request.get(f"{env['url']}/admin/templates/act_image/pages/1/image")
    assert np.asarray(Image.open(io.BytesIO(shown.body()))).mean() == 128

    unfold(page)
    for key, value in (("x", "10"), ("y", "20"), ("w", "50"), ("h", "10")):
        page.fill(f"#te-act-mask input[name={key}]", value)
    submit(page, "#te-act-mask button[type=submit]")
    px = _reference_pixels(env, "act_image")  # 827 px over 210 mm: 3.94 px/mm
    assert (px[79:118, 40:196] == 255).all() and px[200, 400] == 128 and px[70, 30] == 128
    assert current(env, "act_image").version == 3
    unfold(page)
    submit(page, "#te-undo")  # undo the mask: the grey scan again (a fourth version)
    assert current(env, "act_image").version == 4 and (_reference_pixels(env, "act_image") == 128).all()


def test_wrong_role_missing_csrf_and_stale_version_change_nothing(env: dict[str, Any]) -> None:
    folder: Path = env["tdir"] / "act_guard"
    before = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    form = {"base_version": "1", "title": "改ざん", "field_id": "q1", "alphabet": "digits",
            "target_id": "q1", "mark_style": "bubble", "page": "1", "x": "1", "y": "1", "w": "5", "h": "5",
            "field_ids": "q1", "dx": "0", "dy": "5", "count": "1", "new_id": "zz", "label": "x"}
    admin = login(env)
    open_actions(admin, env["url"], "act_guard")
    token = csrf(admin)
    for user in ("rev1", "clerk1"):
        other = login(env, user)
        assert other.goto(env["url"] + "/admin/templates/act_guard").status == 403  # type: ignore[union-attr]
        for action in ACTIONS:
            resp = other.request.post(f"{env['url']}/admin/templates/act_guard/edit/{action}",
                                      form={**form, "csrf_token": token}, max_redirects=0)
            assert resp.status == 403, (user, action)
    for action in ACTIONS:
        resp = admin.request.post(f"{env['url']}/admin/templates/act_guard/edit/{action}", form=form,
                                  max_redirects=0)
        assert resp.status == 403, action  # no CSRF token
        resp = admin.request.post(f"{env['url']}/admin/templates/act_guard/edit/{action}",
                                  form={**form, "csrf_token": "forged"}, max_redirects=0)
        assert resp.status == 403, action
    resp = admin.request.post(f"{env['url']}/admin/templates/act_guard/edit/title", max_redirects=0,
                              form={**form, "csrf_token": token, "base_version": "7"})
    assert resp.status == 409 and "別の管理者が更新しました" in resp.text()
    resp = admin.request.post(f"{env['url']}/admin/templates/act_guard/edit/drop_tables", max_redirects=0,
                              form={**form, "csrf_token": token})
    assert resp.status == 404
    after = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before
