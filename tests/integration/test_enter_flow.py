"""The ``enter`` Prefect flow end to end: store → records → real Chromium → sandbox → artifact.

Also ``records_from_store``: which documents become entry records, and that the
values reach the record unchanged (dates from ISO text, amounts as integers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bots.runner import records_from_store
from bots.target_files import load_target
from domain.mynumber import check_digit
from forms.copy_rules import load_copy_rules
from sandbox.config import SandboxConfig
from sandbox.db import BackOfficeDB
from sandbox.server import running
from store import make_engine, session_factory, upgrade
from store.models import Batch, Document, FieldResult, Page, dumps

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def _my_number(i: int) -> str:
    body = f"{31415926535 + i:011d}"
    return body + str(check_digit(body))


def _values(i: int) -> dict[str, Any]:
    return {"reference_no": f"2026-{900 + i:06d}", "full_name": f"入力　試験{i}",
            "full_name_kana": "ニュウリョク　シケン", "address": f"岩手県久慈市川崎町{i}-1",
            "phone": "0194-52-2111", "birth_date": f"1980-04-{1 + i:02d}",
            "my_number": _my_number(i), "submitted_on": "2026-10-01", "donation_date": "2026-05-01",
            "amount": 10000 + 1000 * i}


def add_document(sf: sessionmaker[Session], status: str, template_id: str, values: dict[str, Any]) -> int:
    with sf() as s, s.begin():
        batch = Batch(name="enter", source="test")
        s.add(batch)
        s.flush()
        doc = Document(batch_id=batch.id, source_name=f"{template_id}-{status}.pdf", sha256=None,
                       status=status, template_id=template_id, template_version=1)
        s.add(doc)
        s.flush()
        page = Page(document_id=doc.id, index=0, status="read", template_id=template_id, page_number=1)
        s.add(page)
        s.flush()
        for field_id, value in values.items():
            s.add(FieldResult(page_id=page.id, field_id=field_id, kind="text", value_json=dumps(value),
                              status="auto_accepted"))
        return int(doc.id)


@pytest.fixture
def store(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'home' / 'yomitori.db'}"
    (tmp_path / "home").mkdir()
    upgrade(url)
    return session_factory(make_engine(url))


def test_records_from_store_takes_only_complete_confirmed_onestop_documents(
        store: sessionmaker[Session]) -> None:
    read = add_document(store, "read", "onestop_2022", _values(1))
    reviewed = add_document(store, "reviewed", "onestop_legacy", _values(2))
    add_document(store, "needs_review", "onestop_2022", _values(3))  # staff not done yet
    add_document(store, "entered", "onestop_2022", _values(4))  # already in the target
    add_document(store, "read", "furusato_application", _values(5))  # not a one-stop form
    incomplete = {k: v for k, v in _values(6).items() if k != "my_number"}
    missing = add_document(store, "reviewed", "onestop_2022", incomplete)

    records, unusable = records_from_store(store, load_target("sandbox"), rules=load_copy_rules())

    assert [r.document_id for r in records] == [read, reviewed]
    assert unusable == [missing]
    first = records[0]
    v = _values(1)
    got = first.data()
    assert got["receipt_no"] == v["reference_no"] and got["donor_name"] == v["full_name"]
    assert got["birth_date"] == "1980-04-02" and got["amount"] == v["amount"]
    assert got["my_number"] == v["my_number"]
    assert v["my_number"] not in repr(first) and v["full_name"] not in str(first)  # personal data stays out
    assert len(records_from_store(store, load_target("sandbox"), limit=1, rules=load_copy_rules())[0]) == 1


def test_records_from_store_for_the_admin_target_take_application_fields_as_they_are(
        store: sessionmaker[Session]) -> None:
    app = {"full_name": "申込 次郎", "full_name_kana": "モウシコミ ジロウ", "postal_code": "2800013",
           "address": "千葉県みどり市中央1-2-3", "phone": "043-222-1111", "amount": 12000,
           "payment_method": "銀行振込", "purpose": "環境保全", "publish_name": "否", "onestop_wish": True}
    ok = add_document(store, "reviewed", "furusato_application", app)
    no_purpose = add_document(store, "read", "furusato_application",
                              {k: v for k, v in app.items() if k != "purpose"})
    add_document(store, "read", "onestop_2022", _values(1))  # not what this target takes

    records, unusable = records_from_store(store, load_target("admin_demo"), rules=load_copy_rules())

    assert [r.document_id for r in records] == [ok] and unusable == [no_purpose]
    assert records[0].data() == app and "申込" not in repr(records[0])


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[str, BackOfficeDB]]:
    cfg = SandboxConfig(data_dir=tmp_path / "sandbox")
    with running(cfg) as url:
        yield url, BackOfficeDB(cfg.db_path)


@pytest.mark.model
def test_enter_flow_enters_once_and_publishes_counts_only(
        prefect_server: str, store: sessionmaker[Session], sandbox: tuple[str, BackOfficeDB], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.enter import enter

    url, backoffice = sandbox
    monkeypatch.setenv("YOMITORI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("YOMITORI_TARGET_URL", url)
    monkeypatch.setenv("YOMITORI_TARGET_USER", "clerk")
    monkeypatch.setenv("YOMITORI_TARGET_PASSWORD", "sandbox-pass")
    docs = []
    for i in range(3):
        v = _values(i)
        receipt = v["reference_no"] if i != 2 else None  # the third is found by name + date + amount
        backoffice.add_donation(v["full_name"], v["donation_date"], v["amount"], "ニュウリョク　シケン",
                                receipt_no=receipt)
        docs.append(add_document(store, "reviewed", "onestop_2022", v if receipt else
                                 {k: x for k, x in v.items() if k != "reference_no"}))
    bad = _values(7)
    bad["donation_date"] = "2026-05-02"  # no such donation in the target: sent back, not guessed
    rejected = add_document(store, "read", "onestop_2022", bad)

    summary = enter()

    assert summary["entered"] == 3 and summary["rejected"] == 1 and summary["failed"] == 0
    assert summary["rejected_documents"] == [rejected]
    with store() as s:
        statuses = {d: s.get(Document, d).status for d in [*docs, rejected]}  # type: ignore[union-attr]
    assert statuses == {**dict.fromkeys(docs, "entered"), rejected: "needs_review"}
    assert backoffice.onestop_count() == 3 and set(backoffice.onestop_per_receipt().values()) == {1}
    evidence = list(Path(summary["evidence_dir"]).rglob("*.png"))
    assert len(evidence) >= 2 * 3  # before-submit and after-save per entered record

    again = enter()
    assert again["entered"] == 0 and again["failed"] == 0  # nothing is entered twice
    assert backoffice.onestop_count() == 3

    with get_client(sync_client=True) as client:
        key = ArtifactFilterKey(any_=["enter-summary"])
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(key=key))
    assert arts, "the flow publishes an enter-summary artifact"
    md = "\n".join(str(a.data) for a in arts)
    assert "| 入力済み (entered) | 3 |" in md and "| 差し戻し (rejected) | 1 |" in md
    for i in range(3):  # counts and paths only: no name, no My Number
        assert _values(i)["my_number"] not in md and _values(i)["full_name"] not in md
    assert json.dumps(summary, ensure_ascii=False).count("試験") == 0
