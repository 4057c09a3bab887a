"""Bot entry speed into the sandbox (headless Chromium), and the cost of read-back verification.

    .venv/bin/python bench/entry.py [--records 20]

Starts the sandbox on a free localhost port in a temporary directory, enters N records
with read-back verification and N others without, timing each whole run from the call
(Chromium launch and login included) to its return, and prints records per minute with
and without read-back and the time ratio verified / unverified (the baseline is the
unverified run in the same process). Ends with one SUMMARY line.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bots.credentials import Credentials
from bots.records import EntryRecord
from bots.runner import run_entry
from bots.target_files import load_target
from domain.mynumber import check_digit
from sandbox.config import SandboxConfig
from sandbox.db import BackOfficeDB
from sandbox.server import running
from store import ContentStore, make_engine, session_factory, upgrade
from store.models import Batch, Document


def _records(sf: object, backoffice: BackOfficeDB, n: int, start: int) -> list[EntryRecord]:
    with sf() as s, s.begin():  # type: ignore[operator]
        batch = Batch(name="bench", source="bench")
        s.add(batch)
        s.flush()
        docs = [Document(batch_id=batch.id, source_name=f"b{start + i}", sha256=f"{start + i:064x}",
                         status="read", template_id="onestop_2022") for i in range(n)]
        s.add_all(docs)
        s.flush()
        ids = [d.id for d in docs]
    out = []
    for i, doc_id in enumerate(ids, start):
        body = f"{27182818000 + i * 7919:011d}"
        receipt = backoffice.add_donation(f"試験 太郎{i}", "2026-05-01", 10000 + i, "シケン タロウ")
        out.append(EntryRecord(document_id=doc_id, receipt_no=receipt, full_name=f"試験 太郎{i}",
                               full_name_kana="シケン タロウ", address=f"岩手県久慈市{i}",
                               phone="0194-52-2111",
                               birth_date=date(1975, 1, 1), my_number=body + str(check_digit(body)),
                               submitted_on=date(2026, 10, 1)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--records", type=int, default=20)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-entry-"))
    cfg = SandboxConfig(data_dir=tmp / "sandbox")
    db_url = f"sqlite:///{tmp / 'work.db'}"
    upgrade(db_url)
    sf = session_factory(make_engine(db_url))
    files, backoffice = ContentStore(tmp / "files"), BackOfficeDB(cfg.db_path)
    secs: dict[bool, float] = {}
    with running(cfg) as url:
        for n, verify in enumerate((True, False)):
            recs = _records(sf, backoffice, args.records, n * 100_000)
            started = time.perf_counter()  # before the browser launches: launch is part of a run
            stats = run_entry(recs, base_url=url, target=load_target("sandbox"),
                              credentials=Credentials(cfg.user, cfg.password), sf=sf, files=files,
                              failures_dir=tmp / "failures", verify=verify)
            assert stats.count("entered") == args.records, stats.summary()
            secs[verify] = time.perf_counter() - started
    rate = 60 * args.records / secs[True]
    plain = 60 * args.records / secs[False]
    print(f"entry: {args.records} records/run, {rate:.1f} records/min with read-back "
          f"({secs[True] / args.records:.2f} s/record), {plain:.1f} without; "
          f"read-back cost ratio {secs[True] / secs[False]:.2f} (browser launch and login included)")
    print(f"SUMMARY records={args.records} per_min_verified={rate:.1f} per_min_unverified={plain:.1f} "
          f"readback_ratio={secs[True] / secs[False]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
