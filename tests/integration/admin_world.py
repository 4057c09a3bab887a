"""The second demo system (寄附管理) for bot tests: server, store and 寄附申込書 records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bots.credentials import Credentials
from bots.entry import RunStats
from bots.runner import run_entry
from bots.target_files import load_target
from bots.values import FieldRecord
from sandbox.admin_db import AdminDB
from sandbox.config import SandboxConfig
from sandbox.server import running
from store import ContentStore, entries, make_engine, session_factory, upgrade
from store.models import Batch, Document

CREDS = Credentials("clerk", "sandbox-pass")
PAYMENTS = ("郵便振替", "銀行振込", "現金書留", "クレジットカード")
PURPOSES = ("子育て支援", "教育・文化", "福祉・医療", "環境保全", "産業振興", "防災・まちづくり",
            "市長におまかせ")


@dataclass
class AdminWorld:
    url: str
    db_url: str
    sf: sessionmaker[Session]
    files: ContentStore
    admin: AdminDB
    tmp: Path

    def enter(self, records: list[FieldRecord], **kw: Any) -> RunStats:
        opts: dict[str, Any] = {"timeout_ms": 30_000, "backoff_s": 0.05, "trace": True,
                                "target": load_target("admin_demo"), "credentials": CREDS}
        opts.update(kw)
        return run_entry(records, base_url=self.url, sf=self.sf, files=self.files,
                         failures_dir=self.tmp / "failures", **opts)

    def statuses(self, records: list[FieldRecord]) -> list[str | None]:
        return [entries.document_status(self.sf, r.document_id) for r in records]


def application(i: int) -> dict[str, Any]:
    """A confirmed 寄附申込書 as the store holds it (made-up people)."""
    return {"full_name": f"申込 次郎{i}", "full_name_kana": "モウシコミ ジロウ",
            "postal_code": f"{280 + i:03d}0013",
            "address": f"千葉県みどり市中央{i}-2-3", "phone": "043-222-1111",
            "email": f"jiro{i}@example.jp" if i % 2 else None, "amount": 10000 + 500 * i,
            "payment_method": PAYMENTS[i % 4], "purpose": PURPOSES[i % 7],
            "publish_name": "可" if i % 3 == 0 else "否", "onestop_wish": i % 2 == 0}


def make_applications(world: AdminWorld, n: int, start: int = 0) -> list[FieldRecord]:
    with world.sf() as s, s.begin():
        batch = Batch(name="admin", source="test")
        s.add(batch)
        s.flush()
        docs = [Document(batch_id=batch.id, source_name=f"a{start + i}.pdf", sha256=f"a{start + i:063x}",
                         status="read", template_id="furusato_application") for i in range(n)]
        s.add_all(docs)
        s.flush()
        ids = [d.id for d in docs]
    return [FieldRecord(doc_id, "furusato_application",
                        {k: v for k, v in application(i).items() if v is not None})
            for i, doc_id in enumerate(ids, start)]


@pytest.fixture
def admin_factory(tmp_path: Path) -> Iterator[Any]:
    stack = []

    def make(**cfg: Any) -> AdminWorld:
        config = SandboxConfig(data_dir=tmp_path / "admin", **cfg)
        cm = running(config, system="admin")
        url = cm.__enter__()
        stack.append(cm)
        db_url = f"sqlite:///{tmp_path / 'work.db'}"
        upgrade(db_url)
        return AdminWorld(url, db_url, session_factory(make_engine(db_url)), ContentStore(tmp_path / "files"),
                          AdminDB(config.admin_db_path), tmp_path)

    yield make
    for cm in stack:
        cm.__exit__(None, None, None)
