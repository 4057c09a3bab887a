"""No silent drops: a form nobody could identify goes to a person as ``unidentified``.

Measured before this rule: filled form pages photographed with a phone (corners cut off,
4° skew) were filed as ``non_form`` and nobody was told. Now ``non_form`` needs positive
evidence (an ID card copy, little ink and no structure); everything else that cannot be
identified is ``unidentified``, keeps its document in review, and is counted in the
run summary and the operations report.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from domain.lifecycle import DocumentStatus
from domain.model import FormTemplate
from domain.status import PAGE_STATUS_JA, PageStatus
from forms.render import qr_box
from ocr.engines.fake import FakeRecognizer
from ocr.pipeline import read_page
from ocr.reader import Reader
from services.compose import render_blank
from services.worker import WorkerStats, run_worker
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from synth import degrade
from synth.generate import SynthOptions, generate_document

DPI = 200
A4 = (1654, 2339)
OPTS = SynthOptions(degrade=False, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0)
NOT_DROPPED = (PageStatus.UNIDENTIFIED, PageStatus.READ)


def _px(mm: float) -> int:
    return round(mm * DPI / 25.4)


def without_identity(img: np.ndarray, template: FormTemplate, page: int) -> np.ndarray:
    """Corner marks and QR code painted out with white rectangles."""
    out = img.copy()
    for m in template.page(page).marks:
        out[max(0, _px(m.y - 2)):_px(m.y + m.size + 2), max(0, _px(m.x - 2)):_px(m.x + m.size + 2)] = 255
    b = qr_box(template)
    out[max(0, _px(b.y - 2)):_px(b.y2 + 2), max(0, _px(b.x - 2)):_px(b.x2 + 2)] = 255
    return out


def photograph(img: np.ndarray, angle: float = 4.0, seed: int = 0) -> np.ndarray:
    """A phone photo: turned by ``angle``, darker away from the light, soft, JPEG."""
    rng = np.random.default_rng(seed)
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(250,)).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    light = 1.0 - 0.45 * np.clip(np.hypot((xx - cx) / w, (yy - cy) / h) / 0.9, 0, 1) ** 1.5
    out = cv2.GaussianBlur(out * light * 0.9, (0, 0), 0.9) + rng.normal(0, 4, out.shape)
    _, buf = cv2.imencode(".jpg", np.clip(out, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 70])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def _id_copy(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    front = ["個人番号カード", "氏名　山田　太郎", "住所　みどり市中央1-1"]
    back = ["個人番号　1234 5678 9012", "氏名　山田　太郎"] if seed % 2 else None
    img, _ = degrade.id_copy_page(A4, rng, DPI, front, back)
    return img


@pytest.mark.model
@pytest.mark.parametrize("angle", [4.0, -4.0])
def test_photographed_forms_without_corners_are_never_filed_as_non_forms(
        templates: dict[str, FormTemplate], real_reader: Reader, angle: float) -> None:
    """Issue 14 "done when": every page of our own forms, marks and QR painted out, 4° and shaded."""
    seen = []
    for n, tid in enumerate(sorted(templates)):
        t = templates[tid]
        doc = generate_document(t, 1400 + n, OPTS)
        for k, image in enumerate(doc.pages, 1):
            page = read_page(photograph(without_identity(image, t, k), angle, seed=n * 10 + k), real_reader)
            seen.append((tid, k, page.status.value))
            assert page.status in NOT_DROPPED, (tid, k, page.status, page.reason)
            if page.status is PageStatus.READ:  # read only as itself
                assert (page.template_id, page.page_number) == (tid, k), page.reason
            else:
                assert not page.fields and "looks like a form" in page.reason
    assert len(seen) == sum(len(t.pages) for t in templates.values())


@pytest.mark.model
def test_id_copies_and_blank_pages_are_still_non_form_and_blank(real_reader: Reader) -> None:
    for seed in (1, 2):
        img = _id_copy(seed)
        assert read_page(img, real_reader).status is PageStatus.NON_FORM
        scanned, _ = degrade.scan(img, np.random.default_rng(seed), DPI)
        assert read_page(scanned, real_reader).status is PageStatus.NON_FORM
    blank, _ = degrade.blank_page(A4, np.random.default_rng(3), DPI)
    assert read_page(blank, real_reader).status is PageStatus.BLANK


@pytest.fixture
def worked(tmp_path: Path, templates: dict[str, FormTemplate]
           ) -> tuple[Repository, sessionmaker[Session], int, WorkerStats]:
    """One received file: a photographed form without corners, an ID copy, a blank page."""
    t = templates["onestop_2022"]
    form = photograph(without_identity(generate_document(t, 1450, OPTS).pages[0], t, 1), seed=7)
    blank, _ = degrade.blank_page(A4, np.random.default_rng(4), DPI)
    path = tmp_path / "scan.tiff"
    images = [Image.fromarray(p) for p in (form, _id_copy(2), blank)]
    images[0].save(path, "TIFF", save_all=True, append_images=images[1:], compression="tiff_deflate",
                   dpi=(DPI, DPI))
    url = f"sqlite:///{tmp_path / 'yomitori.db'}"
    upgrade(url)
    sf = session_factory(make_engine(url))
    repo = Repository(sf, ContentStore(tmp_path / "files"), max_attempts=3)
    doc_id = repo.receive(repo.create_batch("test", "test"), path.name, path).document_id
    reader = Reader(templates=templates, recognizer=FakeRecognizer(lambda i, crop, alphabet: ("1", 0.5)),
                    blank_renderer=render_blank, today=date(2026, 11, 20))
    stats = run_worker(repo, repo.files, reader, lease_seconds=60)
    return repo, sf, doc_id, stats


def test_an_unidentified_page_keeps_its_document_in_review_and_is_counted(
        worked: tuple[Repository, sessionmaker[Session], int, WorkerStats]) -> None:
    from flows.recognize import recognize_markdown
    from store.review_queue import ReviewQueue

    repo, sf, doc_id, stats = worked
    doc = repo.document(doc_id)
    assert doc is not None and doc.status == DocumentStatus.NEEDS_REVIEW
    assert [p.status for p in repo.pages(doc_id)] == ["unidentified", "non_form", "blank"]
    assert all(p.image_path for p in repo.pages(doc_id))  # the reviewer sees the page as scanned
    assert [r.document_id for r in ReviewQueue(sf).rows()] == [doc_id]  # a person gets it
    assert dict(stats.page_statuses) == {"unidentified": 1, "non_form": 1, "blank": 1}
    md = recognize_markdown({None: stats}, stats)
    assert "種類を判定できない 1" in md and "帳票以外 1" in md and "白紙 1" in md
    assert PAGE_STATUS_JA[PageStatus.UNIDENTIFIED] == "帳票の種類を判定できませんでした（職員が確認します）"


def test_the_operations_report_counts_unidentified_pages(
        worked: tuple[Repository, sessionmaker[Session], int, WorkerStats]) -> None:
    from reports.data import load_activity
    from reports.operations import operations

    _, sf, _, _ = worked
    result = operations(load_activity(sf))
    row = result.per_batch.iloc[0]
    counts = [row[c] for c in ("ページ", "ページ:種類を判定できない", "ページ:帳票以外", "ページ:白紙")]
    assert counts == [3, 1, 1, 1]
    assert result.per_day.iloc[0]["ページ:種類を判定できない"] == 1


def test_the_review_screen_says_which_page_needs_a_person(
        worked: tuple[Repository, sessionmaker[Session], int, WorkerStats]) -> None:
    """A document held only for an unidentified page must not look like "nothing to do"."""
    import re

    from fastapi.testclient import TestClient

    from config.settings import Settings
    from review.app import create_app

    from review_data import PASSWORD, add_users  # isort: skip

    repo, _, doc_id, _ = worked
    home = repo.files.root.parent  # the worked fixture's tmp_path: database and files
    add_users(f"sqlite:///{home / 'yomitori.db'}")
    c = TestClient(create_app(Settings(home=home)), base_url="https://testserver", follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    assert c.post("/login", data={"username": "rev1", "password": PASSWORD, "csrf_token": token[1]}
                  ).status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/review").text)
    assert token
    r = c.post("/review/next", data={"csrf_token": token[1]})
    assert r.headers["location"] == f"/review/doc/{doc_id}"
    page = c.get(r.headers["location"]).text
    assert "確認が必要なページ" in page and f"1ページ目: {PAGE_STATUS_JA[PageStatus.UNIDENTIFIED]}" in page
    notes = page.split('class="page-notes"')[1].split("</ul>")[0]
    assert "2ページ目" not in notes and "3ページ目" not in notes  # the ID copy and the blank page: no one
    # ... but every page not read as a form is listed with its thumbnail (issue 15)
    for n, pid in enumerate(p.id for p in repo.pages(doc_id)):
        assert f'id="unread-{n + 1}"' in page and f"/pages/{pid}/thumb?doc={doc_id}" in page
    pid = repo.pages(doc_id)[0].id
    assert c.get(f"/pages/{pid}/image?doc={doc_id}").headers["content-type"] == "image/png"
