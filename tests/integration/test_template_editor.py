"""The admin's template editor in real Chromium (Debian's /usr/bin/chromium, no downloads).

The app runs on a temporary copy of the templates (never the repository's templates/):
two of our own forms and scanned drafts made from a rendered blank page, with machine
guesses to confirm. A screenshot of the editor is written to
var/screenshots/template-editor.png
(``pytest tests/integration/test_template_editor.py -k keyboard_and_mouse``).
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from config.settings import Settings
from domain.model import FieldSpec, FormTemplate
from domain.status import FieldKind
from forms.loader import load_template
from forms.render import render_page
from forms.versions import save_new_version
from review.app import create_app

from editor_page import TemplateEditorPage  # isort: skip
from review_data import PASSWORD, LiveServer, add_users, make_repo  # isort: skip

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "var" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
XSS_LABEL = "<script>alert(1)</script>"
XSS_TITLE = '<img src=x onerror="alert(2)">申請書'
# onestop_2022 fields a drafting machine "found", with what it guessed
GUESSES: dict[str, list[str]] = {"reference_no": [], "address": ["kind", "label", "box"],
                                 "phone": ["kind", "label"], "full_name_kana": ["label"],
                                 "full_name": ["label"], "birth_era": ["kind", "options", "box"],
                                 "amount": ["box"], "eligibility_1": ["kind"]}


def _png(template: FormTemplate) -> bytes:
    buf = io.BytesIO()
    render_page(template, 1, 100).save(buf, format="PNG")
    return buf.getvalue()


def make_draft(base: FormTemplate, template_id: str, title: str, hostile: bool = False) -> FormTemplate:
    """A scanned draft such as `yomitori templates draft` writes: no marks, guesses left open."""
    fields: list[FieldSpec] = []
    for f in base.fields:
        if f.id not in GUESSES:
            continue
        update: dict[str, Any] = {"guessed": GUESSES[f.id]}
        if f.id == "address":
            update |= {"label": "住所欄", "kind": FieldKind.FREE_TEXT}
        if f.id == "phone":
            update |= {"kind": FieldKind.DIGITS}
        if f.id == "full_name" and hostile:
            update |= {"label": XSS_LABEL}
        fields.append(f.model_copy(update=update))
    page = base.pages[0].model_copy(update={"marks": [], "texts": [], "rects": [], "lines": [],
                                            "reference_image": "reference/page1.png",
                                            "form_code": "DRAFT-" + template_id.upper().replace("_", "-")})
    return FormTemplate(id=template_id, family=template_id, version=1, title=title, source="scanned",
                        status="draft", pages=[page], fields=fields)


@pytest.fixture(scope="module")
def env(templates: dict[str, FormTemplate], tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("template_editor")
    tdir = home / "templates"
    for tid in ("onestop_2022", "citizen_survey"):
        shutil.copytree(REPO / "templates" / tid, tdir / tid)
    blank = _png(templates["onestop_2022"])
    base = templates["onestop_2022"]
    for tid, title in (("draft_form", "申告特例申請書（読み取った様式）"), ("draft_two", XSS_TITLE),
                       ("linked_form", "参照画像がリンクの様式")):
        save_new_version(tdir, make_draft(base, tid, title, hostile=tid == "draft_two"),
                         reference_images={1: blank})
    # a reference image that is a symlink out of the templates folder is never served
    outside = home / "outside.png"
    outside.write_bytes(blank)
    ref = next((tdir / "linked_form" / "reference").glob("*.png"))
    ref.unlink()
    ref.symlink_to(outside)
    _repo, url = make_repo(home)
    users = add_users(url)
    from store import make_engine, session_factory
    from store.users import UserStore

    UserStore(session_factory(make_engine(url))).add_user("admin2", PASSWORD, "admin", "admin2さん")
    app = create_app(Settings(home=home, templates_dir=tdir))
    with LiveServer(app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        yield {"url": server.url, "browser": browser, "tdir": tdir, "app": app, "users": users,
               "js_errors": []}
        browser.close()


def login(env: dict[str, Any], user: str) -> Page:
    browser: Browser = env["browser"]
    page = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 950}).new_page()
    page.set_default_timeout(30_000)  # the whole suite shares 2 cores with OCR tests
    # script errors and CSP violations fail the test (see the autouse fixture below)
    page.on("pageerror", lambda exc: env["js_errors"].append(str(exc)))
    page.on("console", lambda m: env["js_errors"].append(m.text) if m.type == "error" else None)
    page.goto(env["url"] + "/login")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(user)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/login" not in u)
    return page


@pytest.fixture(autouse=True)
def no_script_errors(env: dict[str, Any]) -> Iterator[None]:
    env["js_errors"] = []
    yield
    # the 403/404 pages a test asks for on purpose are logged by Chromium as failed loads
    errors = [e for e in env["js_errors"] if "status of 403" not in e and "status of 404" not in e
              and "status of 422" not in e and "status of 409" not in e]
    assert errors == []


def editor(env: dict[str, Any], user: str = "admin1") -> TemplateEditorPage:
    return TemplateEditorPage(login(env, user), env["url"])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def rounded(data: Any) -> Any:
    if isinstance(data, float):
        return round(data, 3)
    if isinstance(data, dict):
        return {k: rounded(v) for k, v in data.items()}
    if isinstance(data, list):
        return [rounded(v) for v in data]
    return data


def post_save(page: Page, env: dict[str, Any], template_id: str, **fields: str) -> tuple[int, str]:
    form: dict[str, str | float | bool] = dict(fields)
    resp = page.request.post(f"{env['url']}/admin/templates/{template_id}/save", form=form,
                             max_redirects=0)
    return resp.status, resp.text()


def test_keyboard_and_mouse_edit_saves_a_new_version(env: dict[str, Any]) -> None:
    folder: Path = env["tdir"] / "draft_form"
    before = (folder / "template.yaml").read_bytes()
    old = load_template(folder / "template.yaml")
    ed = editor(env)
    ed.open("draft_form")
    assert ed.focused_box_id() == "reference_no"  # the first field has the focus
    assert ed.unconfirmed() == 7
    assert ed.tab() == "address"  # Tab selects the next field, Shift+Tab the previous one
    assert ed.tab(backwards=True) == "reference_no"
    assert ed.tab() == "address" and ed.page.locator("#te-f-id").input_value() == "address"
    assert "te-guessed" in (ed.page.locator(".te-box[data-id='address']").get_attribute("class") or "")
    ed.move(1.0, 5.0)  # → → Shift+↓
    ed.resize(1.5, 0.5)  # Alt+→ ×3, Alt+↓
    ed.resize(-0.5, 0)  # Alt+← shrinks (and is no "back" in the browser)
    assert ed.page.url.endswith("/admin/templates/draft_form")
    ed.set_label("住所（番地まで）")
    ed.set_kind("text")
    assert ed.box("address") == {"x": old.field("address").box.x + 1.0, "y": old.field("address").box.y + 5.0,
                                 "w": old.field("address").box.w + 1.0, "h": old.field("address").box.h + 0.5}
    assert "推測はすべて確認済み" in ed.page.locator("#te-f-guessed").inner_text()  # box, label, kind edited
    SHOTS.mkdir(parents=True, exist_ok=True)
    ed.page.screenshot(path=str(SHOTS / "template-editor.png"), full_page=True)
    # the mouse: drag the amount box right and down
    start = ed.box("amount")
    scale = ed.px_per_mm()
    ed.drag("amount", 12 * scale, 6 * scale)
    moved = ed.box("amount")
    assert moved["x"] == pytest.approx(start["x"] + 12, abs=0.6)
    assert moved["y"] == pytest.approx(start["y"] + 6, abs=0.6)
    assert (moved["w"], moved["h"]) == (start["w"], start["h"])
    assert ed.focused_box_id() == "amount"
    ed.confirm_all()
    assert ed.unconfirmed() == 0
    message = ed.save()
    assert "第2版として保存しました" in message
    assert ed.version_text() == "第2版"

    # on disk: the old version frozen byte for byte, the new one with exactly these changes
    assert (folder / "versions" / "v1.yaml").read_bytes() == before
    new = load_template(folder / "template.yaml")
    expected = old.model_dump(mode="json")
    expected["version"] = 2
    for f in expected["fields"]:
        f["guessed"] = []
        if f["id"] == "address":
            b = f["box"]
            f.update(label="住所（番地まで）", kind="text",
                     box={"x": b["x"] + 1.0, "y": b["y"] + 5.0, "w": b["w"] + 1.0, "h": b["h"] + 0.5})
        if f["id"] == "amount":
            f["box"] = moved
    assert rounded(new.model_dump(mode="json")) == rounded(expected)
    assert new.status == "draft" and new.field("full_name").label == old.field("full_name").label
    # the running app sees the new version at once
    forms = env["app"].state.ctx.forms
    assert forms[("draft_form", 2)].field("address").label == "住所（番地まで）"


def test_activation_needs_every_guess_confirmed(env: dict[str, Any]) -> None:
    folder: Path = env["tdir"] / "draft_two"
    before = snapshot(folder)
    ed = editor(env)
    ed.open("draft_two")
    assert ed.page.locator("#te-activate").is_disabled()
    # the server checks too: a forged activation with guesses left is refused, nothing written
    data = ed.loaded_template()
    csrf = ed.page.locator("#te-save-form input[name=csrf_token]").get_attribute("value") or ""
    status, text = post_save(ed.page, env, "draft_two", csrf_token=csrf, base_version="1", activate="1",
                             template=json.dumps(data, ensure_ascii=False))
    assert status == 422 and "運用開始できません" in text
    assert snapshot(folder) == before
    ed.confirm_all()
    assert ed.page.locator("#te-activate").is_enabled()
    assert "第2版として運用を開始しました" in ed.save(activate=True)
    assert ed.page.locator("#te-status").inner_text() == "運用中"
    assert ed.page.locator("#te-activate").is_hidden()
    saved = load_template(folder / "template.yaml")
    assert saved.version == 2 and saved.status == "active" and not any(f.guessed for f in saved.fields)


def test_reviewer_and_clerk_are_denied(env: dict[str, Any]) -> None:
    for user in ("rev1", "clerk1"):
        page = login(env, user)
        token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
        assert page.locator("a[href='/admin/templates']").count() == 0  # no nav link for them
        for path in ("/admin/templates", "/admin/templates/draft_form",
                     "/admin/templates/draft_form/pages/1/image"):
            response = page.goto(env["url"] + path)
            assert response is not None and response.status == 403, (user, path)
        assert "権限がありません" in page.content()
        status, _ = post_save(page, env, "draft_form", csrf_token=token, base_version="1", template="{}")
        assert status == 403


def test_save_without_csrf_token_is_rejected(env: dict[str, Any]) -> None:
    folder: Path = env["tdir"] / "onestop_2022"
    before = snapshot(folder)
    ed = editor(env)
    ed.open("onestop_2022")
    body = json.dumps(ed.loaded_template(), ensure_ascii=False)
    assert post_save(ed.page, env, "onestop_2022", base_version="1", template=body)[0] == 403
    assert post_save(ed.page, env, "onestop_2022", csrf_token="forged", base_version="1",
                     template=body)[0] == 403
    assert snapshot(folder) == before


def test_hostile_text_renders_inert(env: dict[str, Any]) -> None:
    ed = editor(env)
    dialogs: list[str] = []

    def seen(d: Dialog) -> None:
        dialogs.append(d.message)
        d.dismiss()

    ed.page.on("dialog", seen)
    ed.page.goto(env["url"] + "/admin/templates")
    assert XSS_TITLE in ed.page.locator("table.te-list").inner_text()
    assert ed.page.locator("table.te-list img").count() == 0
    ed.open("draft_two")
    assert ed.page.locator("#te-title").inner_text() == XSS_TITLE
    ed.select_field("full_name")
    assert ed.page.locator("#te-f-label").input_value() == XSS_LABEL
    assert XSS_LABEL in ed.page.locator(".te-box[data-id='full_name'] .te-tag").inner_text()
    assert XSS_LABEL in ed.page.locator("#te-list").inner_text()
    assert ed.page.locator("script").count() == 2  # /static/review.js and /static/template_editor.js
    assert ed.page.locator("#te-editor img").count() == 1  # only the blank page
    assert dialogs == []


def test_box_outside_the_page_shows_a_japanese_error_and_writes_nothing(env: dict[str, Any]) -> None:
    folder: Path = env["tdir"] / "onestop_2022"
    before = snapshot(folder)
    ed = editor(env)
    ed.open("onestop_2022")
    ed.select_field("phone")
    ed.set_id("Phone-1")
    assert "保存できませんでした" in ed.save()
    assert "項目IDは半角英小文字で始め" in ed.field_error()
    assert ed.page.locator("#te-f-id").input_value() == "Phone-1"  # the edit is still there
    ed.set_id("phone")
    ed.select_field("address")
    ed.set_box(200, 69, 145, 11)
    assert "保存できませんでした" in ed.save()
    assert "枠が用紙の外にはみ出しています" in ed.field_error()
    assert "枠が用紙の外にはみ出しています" in ed.page.locator("#te-list li.te-current").inner_text()
    assert "te-invalid" in (ed.page.locator(".te-box[data-id='address']").get_attribute("class") or "")
    # a box over the printed QR code is caught when the new file is checked: still no 500
    ed.set_box(48, 69, 145, 11)
    ed.select_field("reference_no")
    ed.set_box(15, 265, 10, 8)
    assert "保存できませんでした" in ed.save()
    assert "QRコード" in ed.field_error()
    assert snapshot(folder) == before
    assert load_template(folder / "template.yaml").version == 1


def test_stale_version_is_refused(env: dict[str, Any]) -> None:
    folder: Path = env["tdir"] / "citizen_survey"
    first, second = editor(env, "admin1"), editor(env, "admin2")
    first.open("citizen_survey")
    second.open("citizen_survey")
    first.move(0.5, 0)
    assert "第2版として保存しました" in first.save()
    saved = (folder / "template.yaml").read_bytes()
    second.show_page(2)  # multi-page: the page selector shows page 2's fields
    assert second.page.locator(".te-box[data-id='comment']").count() == 1
    assert second.page.locator(".te-box[data-id='age_bracket']").count() == 0
    second.select_field("comment")
    second.move(0, -0.5)
    message = second.save()
    assert "別の管理者が更新しました" in message and "第2版" in message
    assert (folder / "template.yaml").read_bytes() == saved
    assert sorted(p.name for p in (folder / "versions").iterdir()) == ["v1.yaml"]


def test_image_route_serves_only_known_pages(env: dict[str, Any]) -> None:
    page = login(env, "admin1")

    def get(path: str) -> tuple[int, str]:
        r = page.request.get(env["url"] + path, max_redirects=0)
        return r.status, r.headers.get("content-type", "")

    assert get("/admin/templates/draft_form/pages/1/image") == (200, "image/png")
    assert get("/admin/templates/citizen_survey/pages/2/image") == (200, "image/png")  # rendered blank
    for bad in ("/admin/templates/draft_form/pages/2/image", "/admin/templates/draft_form/pages/0/image",
                "/admin/templates/nothing/pages/1/image", "/admin/templates/linked_form/pages/1/image",
                "/admin/templates/..%2F..%2Fetc/pages/1/image", "/admin/templates/Draft_Form/pages/1/image"):
        assert get(bad)[0] == 404, bad


def test_mouse_adds_a_field_moves_an_option_and_delete_removes_one(env: dict[str, Any]) -> None:
    folder: Path = env["tdir"] / "onestop_2022"
    old = load_template(folder / "template.yaml")
    ed = editor(env)
    ed.open("onestop_2022")
    ed.draw(60, 262, 40, 10)  # drag on an empty part of the page
    assert ed.page.evaluate("document.activeElement.id") == "te-f-label"  # name it at once
    ed.page.keyboard.type("備考")
    ed.page.keyboard.press("Enter")
    new_id = ed.focused_box_id()
    assert new_id is not None and new_id.startswith("field_")
    drawn = ed.box(new_id)
    assert drawn == {"x": 60.0, "y": 262.0, "w": 40.0, "h": 10.0}
    ed.select_field("eligibility_2")
    ed.delete()  # Delete asks first
    assert ed.page.locator(".te-box[data-id='eligibility_2']").count() == 0
    assert ed.focused_box_id() is not None  # the focus stays on a field
    option = ed.option_box("birth_era", "昭和")
    ed.drag_option("birth_era", "昭和", 0, 4 * ed.px_per_mm())
    moved = ed.option_box("birth_era", "昭和")
    assert moved["y"] == pytest.approx(option["y"] + 4, abs=0.6) and moved["x"] == option["x"]
    assert "第2版として保存しました" in ed.save()
    new = load_template(folder / "template.yaml")
    assert [f.id for f in new.fields] == [*(f.id for f in old.fields if f.id != "eligibility_2"), new_id]
    added = new.field(new_id)
    assert (added.label, added.kind, added.box.model_dump()) == ("備考", "text", drawn)
    era_old, era_new = old.field("birth_era"), new.field("birth_era")
    assert era_new.box == era_old.box
    for a, b in zip(era_old.options, era_new.options, strict=True):
        assert b.box == (a.box.model_copy(update={"y": moved["y"]}) if a.value == "昭和" else a.box)
