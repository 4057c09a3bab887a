"""Bot entry speed into both demo systems (headless Chromium), with read-back, and the look-up cost.

    .venv/bin/python bench/entry.py [--records 20]

Starts both demo systems (sandbox: ワンストップ受付登録; admin: 寄附管理) on free localhost
ports in a temporary directory and enters N records into each through its target file, with
read-back verification, timing each whole run from the call (Chromium launch and login
included) to its return. Prints records per minute per target (goal: ≥ 20) and the cost of
the exactly-once look-up as a ratio: seconds spent searching before writing / seconds spent
entering and reading back, both measured by the bot in the same run (``RunStats.phases``).
Ends with one SUMMARY line.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bots.credentials import Credentials
from bots.entry import RunStats
from bots.records import EntryRecord
from bots.runner import run_entry
from bots.target_files import load_target
from bots.values import FieldRecord
from domain.mynumber import check_digit
from sandbox.config import SandboxConfig
from sandbox.db import BackOfficeDB
from sandbox.server import running
from store import ContentStore, make_engine, session_factory, upgrade
from store.models import Batch, Document

GOAL = 20.0


def _documents(sf: Any, n: int, start: int, template: str) -> list[int]:
    with sf() as s, s.begin():
        batch = Batch(name="bench", source="bench")
        s.add(batch)
        s.flush()
        docs = [Document(batch_id=batch.id, source_name=f"b{start + i}", sha256=f"{start + i:064x}",
                         status="read", template_id=template) for i in range(n)]
        s.add_all(docs)
        s.flush()
        return [d.id for d in docs]


def onestop_records(sf: Any, backoffice: BackOfficeDB, n: int) -> list[EntryRecord]:
    out = []
    for i, doc_id in enumerate(_documents(sf, n, 0, "onestop_2022")):
        body = f"{27182818000 + i * 7919:011d}"
        receipt = backoffice.add_donation(f"試験 太郎{i}", "2026-05-01", 10000 + i)
        out.append(EntryRecord(document_id=doc_id, receipt_no=receipt, full_name=f"試験 太郎{i}",
                               full_name_kana="シケン タロウ", address=f"岩手県久慈市{i}",
                               phone="0194-52-2111",
                               birth_date=date(1975, 1, 1), my_number=body + str(check_digit(body)),
                               submitted_on=date(2026, 10, 1)))
    return out


def application_records(sf: Any, n: int) -> list[FieldRecord]:
    methods = ("郵便振替", "銀行振込", "現金書留", "クレジットカード")
    purposes = ("子育て支援", "環境保全", "産業振興")
    return [FieldRecord(doc_id, "furusato_application", {
        "full_name": f"試験 花子{i}", "full_name_kana": "シケン ハナコ",
        "postal_code": f"{100 + i:03d}0001",
        "address": f"千葉県みどり市{i}", "phone": "043-222-1111", "amount": 5000 + 1000 * i,
        "payment_method": methods[i % 4], "purpose": purposes[i % 3], "publish_name": "否",
        "onestop_wish": True})
        for i, doc_id in enumerate(_documents(sf, n, 500_000, "furusato_application"))]


def _report(name: str, n: int, secs: float, stats: RunStats) -> tuple[float, float]:
    rate = 60 * n / secs
    ph = stats.phases
    work = ph.get("entry", 0.0) + ph.get("readback", 0.0)
    ratio = ph.get("lookup", 0.0) / work if work else float("nan")
    print(f"{name}: {n} records, {rate:.1f} records/min with read-back ({secs / n:.2f} s/record, "
          f"browser launch and login included); look-up {ph.get('lookup', 0.0):.1f} s "
          f"vs entry+read-back {work:.1f} s "
          f"→ exactly-once look-up cost ratio {ratio:.2f}")
    return rate, ratio


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--records", type=int, default=20)
    args = ap.parse_args()
    n = args.records
    tmp = Path(tempfile.mkdtemp(prefix="bench-entry-"))
    cfg = SandboxConfig(data_dir=tmp / "systems")
    db_url = f"sqlite:///{tmp / 'work.db'}"
    upgrade(db_url)
    sf = session_factory(make_engine(db_url))
    files, creds = ContentStore(tmp / "files"), Credentials(cfg.user, cfg.password)
    results: dict[str, tuple[float, float]] = {}
    with running(cfg) as sandbox_url, running(cfg, system="admin") as admin_url:
        runs: list[tuple[str, str, list[Any]]] = [
            ("sandbox", sandbox_url, onestop_records(sf, BackOfficeDB(cfg.db_path), n)),
            ("admin_demo", admin_url, application_records(sf, n))]
        for name, url, recs in runs:
            started = time.perf_counter()  # before the browser launches: launch is part of a run
            stats = run_entry(recs, base_url=url, target=load_target(name), credentials=creds, sf=sf,
                              files=files, failures_dir=tmp / "failures")
            secs = time.perf_counter() - started
            assert stats.count("entered") == n, stats.summary()
            results[name] = _report(name, n, secs, stats)
    (s_rate, s_ratio), (a_rate, a_ratio) = results["sandbox"], results["admin_demo"]
    verdict = "met" if min(s_rate, a_rate) >= GOAL else "MISSED"
    print(f"SUMMARY records={n} sandbox_per_min={s_rate:.1f} admin_per_min={a_rate:.1f} "
          f"sandbox_lookup_ratio={s_ratio:.2f} admin_lookup_ratio={a_ratio:.2f} "
          f"goal_per_min={GOAL:.0f} {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
