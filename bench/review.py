"""Review app benchmark: server-side latency at 1,000 and 10,000 documents, and keystrokes.

    .venv/bin/python bench/review.py [--small 1000 --large 10000 --rounds 30]

One onestop_2022 document is read by the real pipeline (scripted recogniser), then its
rows are cloned (same crops) until the store holds SMALL, then LARGE, documents waiting
for review. Each round, through the real app (TestClient, no network): claim the next
document, open the confirmation screen, submit it (every flagged field accepted, the
blind My Number typed). Prints the median milliseconds per step at both sizes and the
ratio large/small (should stay near 1), and the keystrokes a reviewer needs for a typical
document (open + Enter per flagged field + the digits of a blind entry).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "integration"))


def clone(url: str, source_doc: int, total: int) -> None:
    """Copy the source document's rows until ``total`` documents exist (bulk inserts)."""
    from sqlalchemy import func, insert, select

    from store import make_engine
    from store.models import Document, FieldResult, Page

    engine = make_engine(url)
    with engine.begin() as conn:
        have = conn.scalar(select(func.count()).select_from(Document)) or 0
        doc = conn.execute(select(Document).where(Document.id == source_doc)).mappings().one()
        pages = conn.execute(select(Page).where(Page.document_id == source_doc)).mappings().all()
        fields = conn.execute(select(FieldResult).join(Page).where(Page.document_id == source_doc)
                              ).mappings().all()
        next_doc = (conn.scalar(select(func.max(Document.id))) or 0) + 1
        next_page = (conn.scalar(select(func.max(Page.id))) or 0) + 1
        next_field = (conn.scalar(select(func.max(FieldResult.id))) or 0) + 1
        docs, pgs, frs = [], [], []
        for k in range(total - have):
            d = dict(doc, id=next_doc + k, sha256=f"{next_doc + k:064x}")
            docs.append(d)
            for p in pages:
                pid = next_page
                next_page += 1
                pgs.append(dict(p, id=pid, document_id=d["id"]))
                for f in fields:
                    if f["page_id"] == p["id"]:
                        frs.append(dict(f, id=next_field, page_id=pid))
                        next_field += 1
        for table, rows in ((Document, docs), (Page, pgs), (FieldResult, frs)):
            for i in range(0, len(rows), 2000):
                conn.execute(insert(table), rows[i:i + 2000])
    engine.dispose()


def _submission(page: str, fields: list[Any]) -> dict[str, str]:
    data = dict(re.findall(r'name="((?:v|a)_\d+|version|csrf_token)"\s+(?:id="[^"]*"\s+)?value="([^"]*)"',
                           page))
    for fr in fields:
        if fr.kind == "my_number" and data.get(f"v_{fr.id}") == "":
            data[f"v_{fr.id}"] = str(fr.value)
    return data


def measure(app: Any, repo: Any, rounds: int) -> dict[str, float]:
    from fastapi.testclient import TestClient
    from review_data import PASSWORD

    c = TestClient(app, base_url="https://testserver", follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    c.post("/login", data={"username": "rev1", "password": PASSWORD, "csrf_token": token[1]})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/review").text)
    assert csrf
    times: dict[str, list[float]] = {"claim": [], "open": [], "confirm": []}
    for _ in range(rounds):
        t0 = time.perf_counter()
        loc = c.post("/review/next", data={"csrf_token": csrf[1]}).headers["location"]
        t1 = time.perf_counter()
        page = c.get(loc).text
        t2 = time.perf_counter()
        doc_id = int(loc.rsplit("/", 1)[1])
        data = _submission(page, repo.fields(doc_id))
        t3 = time.perf_counter()
        r = c.post(loc, data=data)
        t4 = time.perf_counter()
        if r.status_code != 303:
            raise RuntimeError(f"confirm failed: {r.status_code}")
        times["claim"].append(t1 - t0)
        times["open"].append(t2 - t1)
        times["confirm"].append(t4 - t3)
    return {k: statistics.median(v) * 1000 for k, v in times.items()}


def keystrokes(repo: Any, doc_id: int) -> tuple[int, int]:
    """(flagged fields, keys): Enter to open, Enter per field, digits + Enter for a blind entry."""
    from review.confirm import needs_person

    flagged = [f for f in repo.fields(doc_id) if needs_person(f, set())]
    keys = 1 + sum(len(str(f.value)) + 1 if f.kind == "my_number" else 1 for f in flagged)
    return len(flagged), keys


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()

    from review_data import GOOD_SEEDS, add_users, fill_onestop, make_repo

    from config.settings import Settings
    from forms.loader import load_templates
    from review.app import create_app

    home = Path(tempfile.mkdtemp(prefix="bench_review_"))
    repo, url = make_repo(home)
    (source,) = fill_onestop(repo, load_templates(REPO / "templates"), home / "scans", GOOD_SEEDS[:1])
    add_users(url)
    n_flagged, keys = keystrokes(repo, source)
    app = create_app(Settings(home=home))
    results = {}
    for size in (args.small, args.large):
        t0 = time.perf_counter()
        clone(url, source, size + args.rounds)
        print(f"store filled to {size + args.rounds} documents in {time.perf_counter() - t0:.1f} s")
        results[size] = measure(app, repo, args.rounds)
        print(f"{size:>6} docs: " + ", ".join(f"{k} {v:.1f} ms" for k, v in results[size].items()))
    small, large = results[args.small], results[args.large]
    ratios = ", ".join(f"{k} x{large[k] / small[k]:.2f}" for k in small)
    print(f"SUMMARY latency {args.large}/{args.small} docs: {ratios}; "
          f"keystrokes for a onestop document with {n_flagged} flagged fields: {keys}")


if __name__ == "__main__":
    main()
