"""No unread page unseen (issue 15): thumbnails, decisions, forced reading and batch completeness.

Real SQLite, real content store, the real pipeline and worker, the review app over HTTP
(TestClient); the recogniser is scripted for speed (tests/integration/test_unread_pages_browser.py
does the same end to end with the real OCR models in Chromium).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from config.settings import Settings
from domain.errors import BusinessError
from domain.lifecycle import DocumentStatus
from domain.model import FormTemplate
from domain.page_review import FORCED_FAILURE_JA, ForcedFailure, PageDecisionKind
from domain.status import PageStatus
from ocr.engines.fake import FakeRecognizer
from ocr.reader import Reader
from review.app import create_app
from review.routes_pages import UNRESOLVED_JA
from services.compose import render_blank
from services.worker import run_worker
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from store.models import AuditTrailViolation
from store.page_decisions import Forced, PageDecision, PageDecisionStore
from synth import degrade
from synth.generate import generate_document

from pg import PgCluster, pg_cluster  # isort: skip
from review_data import PASSWORD, add_users  # isort: skip
from test_unidentified import A4, DPI, OPTS, _id_copy, photograph, without_identity  # isort: skip

XSS = "<script>alert(1)</script>"
FIXTURES = (pg_cluster,)  # imported from pg.py


@dataclass
class World:
    home: Path
    repo: Repository
    reader: Reader
    store: PageDecisionStore
    a: int  # unidentified form, ID copy, blank page
    b: int  # one unidentified form page
    users: dict[str, int]

    def work(self) -> None:
        run_worker(self.repo, self.repo.files, self.reader, lease_seconds=60)

    def pages(self, doc: int) -> list[tuple[int, str]]:
        return [(p.id, p.status) for p in self.repo.pages(doc)]


def _tiff(path: Path, images: list[np.ndarray]) -> Path:
    frames = [Image.fromarray(p) for p in images]
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate",
                   dpi=(DPI, DPI))
    return path


@pytest.fixture
def world(tmp_path: Path, templates: dict[str, FormTemplate]) -> World:
    t = templates["onestop_2022"]
    form_a = photograph(without_identity(generate_document(t, 1450, OPTS).pages[0], t, 1), seed=7)
    form_b = photograph(without_identity(generate_document(t, 1451, OPTS).pages[0], t, 1), seed=8)
    blank, _ = degrade.blank_page(A4, np.random.default_rng(4), DPI)
    url = f"sqlite:///{tmp_path / 'yomitori.db'}"
    upgrade(url)
    sf = session_factory(make_engine(url))
    repo = Repository(sf, ContentStore(tmp_path / "files"), max_attempts=3)
    batch = repo.create_batch("test", "test")
    a = repo.receive(batch, "a.tiff", _tiff(tmp_path / "a.tiff", [form_a, _id_copy(2), blank])).document_id
    b = repo.receive(batch, "b.tiff", _tiff(tmp_path / "b.tiff", [form_b])).document_id
    reader = Reader(templates=templates, recognizer=FakeRecognizer(lambda i, crop, alphabet: ("1", 0.5)),
                    blank_renderer=render_blank, today=date(2026, 11, 20))
    w = World(tmp_path, repo, reader, PageDecisionStore(sf), a, b, add_users(url))
    w.work()
    assert [s for _, s in w.pages(a)] == ["unidentified", "non_form", "blank"]
    assert [s for _, s in w.pages(b)] == ["unidentified"]
    return w


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found[1]


def client(w: World) -> TestClient:
    app = create_app(Settings(home=w.home))
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def login(w: World, user: str) -> tuple[TestClient, str]:
    c = client(w)
    r = c.post("/login", data={"username": user, "password": PASSWORD,
                               "csrf_token": _csrf(c.get("/login").text)})
    assert r.status_code == 303
    token = _csrf(c.get("/status" if user == "clerk1" else "/review").text)
    return c, token


def lease_next(c: TestClient, token: str) -> int:
    r = c.post("/review/next", data={"csrf_token": token})
    return int(r.headers["location"].rsplit("/", 1)[1])


def test_every_unread_page_is_listed_with_a_thumbnail_under_the_image_rules(world: World) -> None:
    w = world
    rev1, t1 = login(w, "rev1")
    assert lease_next(rev1, t1) == w.a
    html = rev1.get(f"/review/doc/{w.a}").text
    (p0, _), (p1, _), (p2, _) = w.pages(w.a)
    for n, pid in enumerate((p0, p1, p2), 1):
        assert f'id="unread-{n}"' in html and f"/pages/{pid}/thumb?doc={w.a}" in html
    assert "判断が必要です" in html.split('id="unread-1"')[1].split('id="unread-2"')[0]
    assert "判断が必要です" not in html.split('id="unread-2"')[1]  # ID copy and blank need nobody
    thumb = rev1.get(f"/pages/{p0}/thumb?doc={w.a}")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/png"
    img = cv2.imdecode(np.frombuffer(thumb.content, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert img.shape[1] == 240 and img.shape[0] > 300  # a portrait page, shrunk
    # a page of another document, named with this document's lease: refused
    (pb, _), = w.pages(w.b)
    assert rev1.get(f"/pages/{pb}/thumb?doc={w.a}").status_code == 403
    assert rev1.get(f"/pages/{pb}/thumb?doc={w.b}").status_code == 403  # no lease on b
    rev2, _ = login(w, "rev2")
    assert rev2.get(f"/pages/{p0}/thumb?doc={w.a}").status_code == 403  # rev1 holds a
    clerk, _ = login(w, "clerk1")
    assert clerk.get(f"/pages/{p0}/thumb?doc={w.a}").status_code == 403
    admin, _ = login(w, "admin1")
    assert admin.get(f"/pages/{pb}/thumb?doc={w.b}").status_code == 200  # admins see any page
    r = client(w).get(f"/pages/{p0}/thumb?doc={w.a}")
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_decisions_refuse_wrong_roles_forged_templates_and_other_documents_pages(world: World) -> None:
    w = world
    (p0, _), _, _ = w.pages(w.a)
    (pb, _), = w.pages(w.b)
    rev1, t1 = login(w, "rev1")
    assert lease_next(rev1, t1) == w.a
    url = f"/review/doc/{w.a}/pages/{p0}"
    assert rev1.post(url, data={"action": "attachment"}).status_code == 403  # no CSRF token
    assert rev1.post(url, data={"action": "attachment", "csrf_token": "x" * 40}).status_code == 403
    clerk, tc = login(w, "clerk1")
    assert clerk.post(url, data={"action": "attachment", "csrf_token": tc}).status_code == 403
    rev2, t2 = login(w, "rev2")
    assert rev2.post(url, data={"action": "attachment", "csrf_token": t2}).status_code == 409  # no lease
    for forged in (f"{XSS}:1:1", "onestop_2022:99:1", "onestop_2022:1:7", "", "onestop_2022"):
        r = rev1.post(url, data={"action": "read_as", "template": forged, "csrf_token": t1})
        assert r.status_code == 422 and XSS not in r.text, forged
    r = rev1.post(url, data={"action": XSS, "csrf_token": t1})
    assert r.status_code == 422 and XSS not in r.text
    # a page of another document under this document's id (and lease)
    r = rev1.post(f"/review/doc/{w.a}/pages/{pb}", data={"action": "attachment", "csrf_token": t1})
    assert r.status_code == 403
    r = rev1.post(f"/review/doc/{w.a}/pages/{pb}",
                  data={"action": "read_as", "template": "onestop_2022:1:1", "csrf_token": t1})
    assert r.status_code == 403
    assert w.store.count() == 0  # nothing recorded by any refused request
    assert w.repo.document(w.a).status == "needs_review"  # type: ignore[union-attr]
    assert w.repo.document(w.b).status == "needs_review"  # type: ignore[union-attr]


def test_confirming_pages_is_audited_append_only_and_completes_the_batch(world: World) -> None:
    w = world
    (p0, _), (p1, _), (p2, _) = w.pages(w.a)
    admin, _ = login(w, "admin1")
    status = admin.get("/status").text
    assert "未完了" in status and re.search(r'id="incomplete-batches">[^<]*<b>1</b>', status)
    rev1, t1 = login(w, "rev1")
    assert lease_next(rev1, t1) == w.a
    r = rev1.post(f"/review/doc/{w.a}", data={"csrf_token": t1, "version": "0"})
    assert r.status_code == 409 and UNRESOLVED_JA in r.text  # the unidentified page comes first
    assert w.repo.document(w.a).status == "needs_review"  # type: ignore[union-attr]
    # the rule lives in the store, not only in the screen: no caller can finish it either
    with pytest.raises(BusinessError) as refused:
        w.repo.complete_review(w.a)
    assert refused.value.code == "pages_undecided" and "判断が必要です" in refused.value.message_ja
    assert w.repo.document(w.a).status == "needs_review"  # type: ignore[union-attr]
    for pid, action in ((p0, "attachment"), (p1, "attachment"), (p2, "blank")):
        r = rev1.post(f"/review/doc/{w.a}/pages/{pid}", data={"action": action, "csrf_token": t1})
        assert r.status_code == 303 and r.headers["location"].startswith(f"/review/doc/{w.a}")
    html = rev1.get(f"/review/doc/{w.a}").text
    assert "判断が必要です" not in html and "rev1: 添付書類として確認" in html and "白紙として確認" in html
    hist = w.store.history(w.a)
    assert [(i, d.kind, d.actor) for i, d in hist] == [(0, "attachment", "rev1"), (1, "attachment", "rev1"),
                                                       (2, "blank", "rev1")]
    shown = rev1.get(f"/review/doc/{w.a}/history").text  # the lease holder's history page lists them
    assert "rev1</td><td>3ページ目</td><td>白紙として確認" in shown
    assert all(d.at is not None for _, d in hist)
    assert rev1.post(f"/review/doc/{w.a}", data={"csrf_token": t1, "version": "0"}).status_code == 303
    assert w.repo.document(w.a).status == "reviewed"  # type: ignore[union-attr]
    # b still has its unidentified page: the batch stays 未完了 ...
    assert re.search(r'class="unresolved">1<', admin.get("/status").text)
    # ... and so says the operations report
    from reports.data import load_activity
    from reports.operations import operations

    row = operations(load_activity(w.repo.sessions)).per_batch.iloc[0]
    assert (row["未判断ページ"], row["状態"]) == (1, "未完了")
    from typer.testing import CliRunner

    from yomitori.cli.main import app as cli

    res = CliRunner().invoke(cli, ["report", "operations", "--out", str(w.home / "ops")],
                             env={"YOMITORI_HOME": str(w.home)})
    assert res.exit_code == 0 and "受付単位: 1 件、未完了 1 件（未判断のページ 1）" in res.output, res.output
    rev2, t2 = login(w, "rev2")
    assert lease_next(rev2, t2) == w.b
    (pb, _), = w.pages(w.b)
    assert rev2.post(f"/review/doc/{w.b}/pages/{pb}", data={"action": "attachment", "csrf_token": t2}
                     ).status_code == 303
    status = admin.get("/status").text
    assert re.search(r'id="incomplete-batches">[^<]*<b>0</b>', status) and "完了" in status
    assert operations(load_activity(w.repo.sessions)).per_batch.iloc[0]["状態"] == "完了"
    # a decided page cannot be decided again once the document left review
    r = rev1.post(f"/review/doc/{w.a}/pages/{p0}", data={"action": "blank", "csrf_token": t1})
    assert r.status_code == 409
    # the trail is append-only: in the ORM and in the database
    sessions = w.repo.sessions
    with sessions() as s:
        row_ = s.query(PageDecision).first()
        assert row_ is not None
        row_.actor = "someone else"
        with pytest.raises(AuditTrailViolation):
            s.commit()
    with sessions() as s:
        s.delete(s.query(PageDecision).first())
        with pytest.raises(AuditTrailViolation):
            s.commit()
    engine = make_engine(f"sqlite:///{w.home / 'yomitori.db'}")
    for sql in ("UPDATE page_decisions SET actor = 'x'", "DELETE FROM page_decisions"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    assert [d.actor for _, d in w.store.history(w.a)] == ["rev1"] * 3


def test_read_as_a_chosen_form_goes_back_to_reading_and_its_fields_come_back(world: World) -> None:
    w = world
    (p0, _), _, _ = w.pages(w.a)
    rev1, t1 = login(w, "rev1")
    assert lease_next(rev1, t1) == w.a
    html = rev1.get(f"/review/doc/{w.a}").text
    assert 'value="onestop_2022:1:1"' in html and 'value="citizen_survey:1:2"' in html
    r = rev1.post(f"/review/doc/{w.a}/pages/{p0}",
                  data={"action": "read_as", "template": "onestop_2022:1:1", "csrf_token": t1})
    assert r.status_code == 303 and r.headers["location"] == f"/review/pages/sent?doc={w.a}"
    assert "読み取り直しを依頼しました" in rev1.get(r.headers["location"]).text
    assert w.repo.document(w.a).status == "processing"  # type: ignore[union-attr]
    assert rev1.get(f"/review/doc/{w.a}").status_code == 403  # the lease ended with the review
    admin, _ = login(w, "admin1")
    assert re.search(r'class="state">未完了<', admin.get("/status").text)  # waiting to be read
    w.work()
    doc = w.repo.document(w.a)
    assert doc is not None and doc.template_id == "onestop_2022"
    assert [s for _, s in w.pages(w.a)] == ["read", "non_form", "blank"]
    fields = w.repo.fields(w.a)
    assert len(fields) >= 10 and all(f.crop_path for f in fields if f.bbox)
    first = w.store.history(w.a)[0][1]
    assert (first.kind, first.actor, first.template_id) == ("read_as", "rev1", "onestop_2022")
    assert w.store.history(w.a)[-1][1].kind == "read_done"
    # the fields wait for a person like any other reading, and the page is no longer unread
    assert lease_next(rev1, t1) == w.a
    html = rev1.get(f"/review/doc/{w.a}").text
    assert 'id="unread-1"' not in html and 'class="field flagged' in html
    r = rev1.post(f"/review/doc/{w.a}/pages/{p0}", data={"action": "attachment", "csrf_token": t1})
    assert r.status_code == 409 and "既に帳票として読み取られています" in r.text  # read pages stay read
    # a later re-read of the document keeps reading the page as the chosen form
    assert w.store.forced_pages(w.a)[0].template_id == "onestop_2022"
    w.repo.set_status(w.a, DocumentStatus.PROCESSING)  # as an admin's 「読み取り直す」 does
    w.work()
    assert w.pages(w.a)[0][1] == "read"


def test_a_forced_reading_that_cannot_align_comes_back_unidentified_with_a_japanese_reason(
        world: World) -> None:
    w = world
    (pb, _), = w.pages(w.b)
    rev1, t1 = login(w, "rev1")
    lease_next(rev1, t1)  # a
    rev2, t2 = login(w, "rev2")
    assert lease_next(rev2, t2) == w.b
    r = rev2.post(f"/review/doc/{w.b}/pages/{pb}",
                  data={"action": "read_as", "template": "citizen_survey:1:1", "csrf_token": t2})
    assert r.status_code == 303
    w.work()
    assert w.pages(w.b) == [(pb, PageStatus.UNIDENTIFIED.value)]
    last = w.store.history(w.b)[-1][1]
    assert (last.kind, last.reason) == ("read_failed", ForcedFailure.NOT_ALIGNED.value)
    assert w.store.forced_pages(w.b) == {}  # a person must choose again
    assert lease_next(rev2, t2) == w.b
    html = rev2.get(f"/review/doc/{w.b}").text
    assert FORCED_FAILURE_JA[ForcedFailure.NOT_ALIGNED] in html and "判断が必要です" in html
    admin, _ = login(w, "admin1")
    assert re.search(r'class="state">未完了<', admin.get("/status").text)


def _read_document_with_an_id_copy(w: World) -> int:
    """A document every field of which was auto-accepted (status read): a form page and an ID copy."""
    from domain.model import PageReading

    path = w.home / "c.png"
    cv2.imwrite(str(path), _id_copy(5))
    doc = w.repo.receive(w.repo.document(w.a).batch_id, path.name, path).document_id  # type: ignore[union-attr]
    assert w.repo.claim("w", 1, 60) == [doc]
    png = cv2.imencode(".png", _id_copy(5))[1].tobytes()
    status = w.repo.save_reading(doc, "w", [
        PageReading(index=0, status=PageStatus.READ, template_id="onestop_2022", template_version=1,
                    page_number=1),
        PageReading(index=1, status=PageStatus.NON_FORM)], [png, png])
    assert status == "read"
    return doc


def test_admins_see_unread_pages_of_documents_nobody_reviews_and_decide_them(world: World) -> None:
    w = world
    c = _read_document_with_an_id_copy(w)
    (_, _), (pc, _) = w.pages(c)
    (p0, _), _, _ = w.pages(w.a)
    for user in ("clerk1", "rev1"):
        cl, tok = login(w, user)
        assert cl.get("/admin/pages").status_code == 403
        assert cl.post(f"/admin/pages/{c}/{pc}", data={"action": "attachment", "csrf_token": tok}
                       ).status_code == 403
    admin, ta = login(w, "admin1")
    html = admin.get("/admin/pages").text
    assert f'id="page-{pc}"' in html and f'action="/admin/pages/{c}/{pc}"' in html
    assert f'id="page-{p0}"' in html and f'action="/admin/pages/{w.a}/{p0}"' not in html  # in review
    assert "確認待ち一覧の確認画面で判断します" in html
    assert admin.post(f"/admin/pages/{c}/{pc}", data={"action": "attachment"}).status_code == 403  # no CSRF
    r = admin.post(f"/admin/pages/{c}/{pc}", data={"action": "read_as", "template": XSS, "csrf_token": ta})
    assert r.status_code == 422 and XSS not in r.text
    r = admin.post(f"/admin/pages/{c}/{p0}", data={"action": "attachment", "csrf_token": ta})
    assert r.status_code == 403  # a page of another document
    r = admin.post(f"/admin/pages/{w.a}/{p0}", data={"action": "attachment", "csrf_token": ta})
    assert r.status_code == 409  # in review: decided on its confirmation screen
    assert w.store.count() == 0
    r = admin.post(f"/admin/pages/{c}/{pc}", data={"action": "attachment", "csrf_token": ta})
    assert r.status_code == 303
    assert [(i, d.kind, d.actor) for i, d in w.store.history(c)] == [(1, "attachment", "admin1")]
    assert f'id="page-{pc}"' not in admin.get("/admin/pages").text  # confirmed: hidden by default
    assert "admin1: 添付書類として確認" in admin.get("/admin/pages?all=1").text
    r = admin.post(f"/admin/pages/{c}/{pc}", data={"action": "read_as", "template": "onestop_2022:1:1",
                                                  "csrf_token": ta})
    assert r.status_code == 303 and w.repo.document(c).status == "processing"  # type: ignore[union-attr]


def test_page_decisions_are_append_only_and_checked_on_postgresql(pg_cluster: PgCluster,
                                                                   tmp_path: Path) -> None:
    """The same store on PostgreSQL: the trigger of migration 0005, and the status / page checks."""
    url = pg_cluster.new_database()
    try:
        upgrade(url)
        engine = make_engine(url)
        repo = Repository(session_factory(engine), ContentStore(tmp_path / "files"))
        path = tmp_path / "x.png"
        cv2.imwrite(str(path), _id_copy(3))
        doc = repo.receive(repo.create_batch("pg", "test"), path.name, path).document_id
        assert repo.claim("w", 1, 60) == [doc]
        from domain.model import PageReading

        repo.save_reading(doc, "w", [PageReading(index=0, status=PageStatus.UNIDENTIFIED)])
        store = PageDecisionStore(repo.sessions)
        (page,) = repo.pages(doc)
        with pytest.raises(BusinessError, match="not a page"):
            store.confirm(doc, page.id + 1000, PageDecisionKind.ATTACHMENT, "rev", None)
        store.request_read_as(doc, page.id, Forced("onestop_2022", 1, 1), "rev", None)
        assert repo.document(doc).status == "processing"  # type: ignore[union-attr]
        assert store.forced_pages(doc) == {0: Forced("onestop_2022", 1, 1)}
        with pytest.raises(BusinessError):  # no longer in review: a second decision is refused
            store.confirm(doc, page.id, PageDecisionKind.BLANK, "rev", None)
        for sql in ("UPDATE page_decisions SET actor = 'x'", "DELETE FROM page_decisions"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(sql))
        assert [d.actor for _, d in store.history(doc)] == ["rev"]
        engine.dispose()
    finally:
        pg_cluster.drop_database(url)


def test_a_forced_page_is_aligned_upside_down_and_refused_for_wrong_or_unusable_templates(
        templates: dict[str, FormTemplate]) -> None:
    from ocr.forced_page import read_forced_page

    t = templates["onestop_2022"]
    photo = photograph(without_identity(generate_document(t, 1452, OPTS).pages[0], t, 1), seed=9)
    reader = Reader(templates=templates, recognizer=FakeRecognizer(lambda i, crop, alphabet: ("1", 0.5)),
                    blank_renderer=render_blank, today=date(2026, 11, 20))
    upside_down = np.ascontiguousarray(np.rot90(photo, 2))
    page, aligned, failure = read_forced_page(upside_down, reader, 3, "onestop_2022", 1)
    assert (page.status, page.orientation, page.page_number, failure) == (PageStatus.READ, 180, 1, None)
    size = (reader.px(t.page_size_mm[1]), reader.px(t.page_size_mm[0]))
    assert aligned is not None and aligned.shape == size
    assert page.index == 3 and {f.field_id for f in page.fields} == {f.id for f in t.fields}
    for tid, version, number, code in (("furusato_application", 1, None, ForcedFailure.NOT_ALIGNED),
                                       ("onestop_2022", 2, None, ForcedFailure.NOT_AVAILABLE),
                                       (XSS, 1, None, ForcedFailure.NOT_AVAILABLE),
                                       ("onestop_2022", 1, 2, ForcedFailure.NO_SUCH_PAGE)):
        page, aligned, failure = read_forced_page(photo, reader, 0, tid, version, number)
        assert (page.status, aligned, failure) == (PageStatus.UNIDENTIFIED, None, code.value), tid
        assert not page.fields and XSS not in page.reason
    page, _, failure = read_forced_page(_id_copy(2), reader, 0, "onestop_2022", 1)
    assert (page.status, failure) == (PageStatus.UNIDENTIFIED, ForcedFailure.NOT_ALIGNED.value)
    page, _, failure = read_forced_page(np.zeros((20, 20), np.uint8), reader, 0, "onestop_2022", 1)
    assert failure == ForcedFailure.IMAGE.value


def test_the_status_page_keeps_every_incomplete_batch_and_shows_clerks_counts_only(world: World) -> None:
    from review.routes_pages import batches_context

    w = world
    first = w.repo.document(w.a).batch_id  # type: ignore[union-attr]
    newer = [w.repo.create_batch(f"later {i}", "test") for i in range(3)]  # empty: complete
    ctx = create_app(Settings(home=w.home)).state.ctx
    shown = batches_context(ctx, recent=1)
    assert [r["batch_id"] for r in shown["batch_rows"]] == [newer[-1], first]  # old but incomplete
    assert shown["incomplete_batches"] == 1
    row = shown["batch_rows"][1]
    assert (row["unresolved"], row["waiting"], row["by_status"]) == (
        2, 0, {"unidentified": 2, "non_form": 1, "blank": 1})
    clerk, _ = login(w, "clerk1")
    html = clerk.get("/status").text
    assert f'id="batch-{first}" class="incomplete"' in html and "a.tiff" not in html
    assert f"/review/doc/{w.a}" not in html and "/pages/" not in html  # no document links for clerks
