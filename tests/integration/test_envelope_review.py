"""The envelope check end to end with the real OCR models: a two-envelope stack scan is split,
its ID copies classified, the incomplete envelope shows its 不備 on the review screen, is listed
in the 不備一覧 and held back from the bot; the complete one is not."""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from config.settings import Settings
from domain.model import FormTemplate
from ocr.reader import Reader
from review.app import create_app
from services.worker import run_worker
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from store.envelopes import children_of
from synth.generate import SynthOptions, generate_document
from synth.id_copies import copy_page, who_from_truth

from review_data import PASSWORD, add_users  # isort: skip

pytestmark = [pytest.mark.model, pytest.mark.slow]
OPTS = SynthOptions(degrade=False, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0, style="printed")
TODAY = date(2026, 11, 20)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:300]
    return found[1]


@dataclass
class Stack:
    home: Path
    url: str
    repo: Repository
    first: Any  # the SynthDocument of the complete envelope's form
    complete: Any
    missing: Any


@pytest.fixture(scope="module")
def stack(templates: dict[str, FormTemplate], real_reader: Reader,
          tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """A two-envelope stack read by the real worker: card copies of the form's person, then a
    form with only a stranger's fax-quality licence."""
    tmp_path = tmp_path_factory.mktemp("stack")
    t = templates["onestop_2022"]
    rng, nrng = random.Random(5), np.random.default_rng(5)
    size = (1654, 2339)
    first, second = generate_document(t, 21, OPTS), generate_document(t, 22, OPTS)
    # the first envelope's card shows the form's own person; the licence someone else
    cards, _ = copy_page("mynumber_front+mynumber_back", size, nrng, rng, 200,
                         who=who_from_truth(first.truth["pages"][0]["fields"]))
    licence, _ = copy_page("license", size, nrng, rng, 200, fax=True)
    pages = [first.pages[0], cards, second.pages[0], licence]
    scan = tmp_path / "stack<script>.tiff"
    frames = [Image.fromarray(p) for p in pages]
    frames[0].save(scan, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate",
                   dpi=(200, 200))
    url = f"sqlite:///{tmp_path / 'yomitori.db'}"
    upgrade(url)
    repo = Repository(session_factory(make_engine(url)), ContentStore(tmp_path / "files"))
    parent = repo.receive(repo.create_batch("stack", "test"), scan.name, scan).document_id
    run_worker(repo, repo.files, real_reader, lease_seconds=600)
    complete, missing = children_of(repo.sessions, parent)
    assert [(c.first_page, c.last_page) for c in (complete, missing)] == [(0, 1), (2, 3)]
    copy_rows = [p for p in repo.pages(complete.id) if p.index == 1] + [p for p in repo.pages(missing.id)
                                                                         if p.index == 3]
    assert [p.copy_kind for p in copy_rows] == ["mynumber_front+mynumber_back", "license"]
    assert all((p.copy_confidence or 0) >= 0.75 for p in copy_rows)

    add_users(url)
    return Stack(tmp_path, url, repo, first, complete, missing)


def test_stack_copies_are_classified_and_the_incomplete_envelope_is_held_back(stack: Stack) -> None:
    tmp_path, url, repo, first = stack.home, stack.url, stack.repo, stack.first
    complete, missing = stack.complete, stack.missing
    # review screen: the guess on the page list, and the 不備 with its Japanese reason
    assert url
    app = create_app(Settings(home=tmp_path))
    seen = {}
    for user in ("rev1", "rev2"):  # a reviewer holds one document at a time
        c = TestClient(app, base_url="https://testserver", follow_redirects=False)
        r = c.post("/login", data={"username": user, "password": PASSWORD,
                                   "csrf_token": _csrf(c.get("/login").text)})
        assert r.status_code == 303
        token = _csrf(c.get("/review").text)
        r = c.post("/review/next", data={"csrf_token": token})
        doc = int(r.headers["location"].rsplit("/", 1)[1])
        seen[doc] = c.get(f"/review/doc/{doc}").text
    assert set(seen) == {complete.id, missing.id}
    assert "推定: マイナンバーカード（表面）・マイナンバーカード（裏面）" in seen[complete.id]
    assert "必要な写しがそろっています" in seen[complete.id] and "書類不備" not in seen[complete.id]
    assert "推定: 運転免許証" in seen[missing.id]
    assert "書類不備" in seen[missing.id] and "個人番号確認書類" in seen[missing.id]
    assert "<script>" not in seen[missing.id]
    # the cross-check hint: the card agrees with the form, the stranger's licence does not
    assert "氏名: 本人確認書類と一致</li>" in seen[complete.id]
    assert "個人番号: 本人確認書類と一致</li>" in seen[complete.id]
    assert 'class="mismatch">氏名: 本人確認書類と一致しません' in seen[missing.id]
    assert "個人番号: 本人確認書類に記載なし" in seen[missing.id]
    for html in seen.values():  # no value from a copy is put on this part of the screen
        section = html.split('<section id="envelope-check"')[1].split("</section>")[0]
        assert "本人確認書類" in section
        for key in ("my_number", "full_name"):
            assert str(first.truth["pages"][0]["fields"][key]["value"]) not in section

    # the 不備一覧 and the bot's hold
    from bots.runner import missing_copies
    from forms.copy_rules import load_copy_rules
    from reports.deficiencies import write_deficiency_list

    rules = load_copy_rules()
    out = write_deficiency_list(repo.sessions, tmp_path / "out" / "deficiencies.csv", rules)
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["受付番号"]) for r in rows] == [missing.id]
    assert "個人番号確認書類" in rows[0]["不備の内容"]
    with repo.sessions() as s:
        held = missing_copies(s, [(complete.id, "onestop_2022"), (missing.id, "onestop_2022")], rules)
    assert held == {missing.id}


def test_reviewer_sees_the_deficiency_and_the_mismatch_in_chromium(stack: Stack) -> None:
    from playwright.sync_api import sync_playwright

    from review_data import LiveServer  # isort: skip
    from test_review_browser import ARGS, SHOTS, login, open_next  # isort: skip

    app = create_app(Settings(home=stack.home))
    with LiveServer(app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        env = {"browser": browser, "url": server.url}
        shown = {}
        for user in ("rev1", "rev2"):
            page = login(env, user)
            doc = open_next(page)
            check = page.locator("#envelope-check")
            shown[doc] = (check.inner_text(), check.get_attribute("class") or "",
                          page.locator("#envelope-check li.mismatch").all_inner_texts(),
                          page.locator(".copy-guess").all_inner_texts())
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"envelope_check_{user}.png"), full_page=True)
        browser.close()
    assert set(shown) == {stack.complete.id, stack.missing.id}
    text, css, mismatches, guesses = shown[stack.missing.id]
    assert "書類不備" in text and "個人番号確認書類" in text and "deficient" in css
    assert "氏名: 本人確認書類と一致しません" in mismatches  # a stranger's licence
    assert any("運転免許証" in g for g in guesses)
    text, css, mismatches, guesses = shown[stack.complete.id]
    assert "必要な写しがそろっています" in text and "deficient" not in css and mismatches == []
    assert any("マイナンバーカード（表面）" in g for g in guesses)
