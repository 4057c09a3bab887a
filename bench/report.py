"""Survey report benchmark: aggregating N forms, as a ratio to reading them back from the store.

    .venv/bin/python bench/report.py --forms 10000

Fills a fresh SQLite work store with N citizen_survey forms (values drawn by
``synth.fake`` as the scan synthesiser would write them; 3 % of the forms keep a
field waiting for review, two marks in a single choice are stored as staff-confirmed
複数回答). The fill is a bulk insert and is timed but not part of any ratio. Then, on
the same store:

1. read: the field rows of every form fetched back (one SELECT, plain tuples) — the baseline;
2. load: the same rows into the reports DataFrame (``reports.data.load_fields``: JSON decoding);
3. aggregate: forms grouped and checked, every survey table (``build_forms`` + ``aggregate``);
4. report: charts (PNG), HTML and the tables workbook; export: CSV UTF-8 / CP932 / xlsx.

Ends with one summary line.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def fill(url: str, forms: int, seed: int) -> int:
    """Bulk-insert ``forms`` survey documents (2 pages each); returns the field rows written."""
    from sqlalchemy import insert

    from domain.model import FormTemplate
    from forms.loader import load_templates
    from store import make_engine, session_factory
    from store.models import Batch, Document, FieldResult, Page, dumps
    from synth.fake import fake_field, make_record

    t: FormTemplate = load_templates(REPO / "templates")["citizen_survey"]
    now = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    docs, pages, fields = [], [], []
    for i in range(forms):
        rng = random.Random(seed * 1_000_003 + i)
        record = make_record(rng)
        pending = rng.random() < 0.03
        doc_id = i + 1
        docs.append({"id": doc_id, "batch_id": 1 + i // 1000, "source_name": f"survey_{i:05d}.tiff",
                     "sha256": f"{doc_id:064x}", "status": "needs_review" if pending else "reviewed",
                     "template_id": t.id, "template_version": t.version, "received_at": now,
                     "updated_at": now, "attempts": 0, "page_count": 2})
        for p in t.pages:
            page_id = doc_id * 2 + p.number - 2
            pages.append({"id": page_id, "document_id": doc_id, "index": p.number - 1, "status": "read",
                          "template_id": t.id, "template_version": t.version, "page_number": p.number,
                          "orientation": 0, "reason": ""})
            for spec in t.fields_on(p.number):
                fv = fake_field(record, spec, rng)
                two = spec.kind.value == "choice" and len(fv.marks) > 1
                status = ("needs_review" if pending and spec.id == "q2"
                          else "confirmed" if two else "auto_accepted")
                issues = [{"code": "multiple_marks", "message": "2つ以上に印があります",
                           "field_id": spec.id}] if two else []
                fields.append({"page_id": page_id, "field_id": spec.id, "kind": spec.kind.value,
                               "value_json": dumps(fv.value), "raw": fv.text or "", "confidence": 0.99,
                               "status": status, "issues_json": dumps(issues)})
    engine = make_engine(url)
    with session_factory(engine)() as s, s.begin():
        s.execute(insert(Batch), [{"id": b, "name": f"bench {b}", "source": "bench", "created_at": now}
                                  for b in range(1, 1 + (forms + 999) // 1000)])
        s.execute(insert(Document), docs)
        s.execute(insert(Page), pages)
        s.execute(insert(FieldResult), fields)
    engine.dispose()
    return len(fields)


def read_rows(sf: Any) -> int:
    """The baseline: the rows load_fields asks for, fetched as plain tuples."""
    from sqlalchemy import select

    from store.models import Document, FieldResult, Page

    stmt = (select(Document.id, Document.batch_id, Document.source_name, Document.status,
                   Document.received_at, Page.index, Page.status, Page.template_id, Page.template_version,
                   Page.page_number, FieldResult.id, FieldResult.field_id, FieldResult.kind,
                   FieldResult.value_json, FieldResult.status, FieldResult.issues_json)
            .join(Page, Page.document_id == Document.id).join(FieldResult, FieldResult.page_id == Page.id)
            .where(Page.template_id.in_(["citizen_survey"]))
            .order_by(Document.id, Page.index, FieldResult.id))
    with sf() as s:
        return len(s.execute(stmt).all())


def aggregate_frame(frame: Any, template: Any) -> Any:
    from reports.data import build_forms
    from reports.survey import aggregate

    return aggregate(build_forms(frame, template))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--forms", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3, help="best of N for read / load / aggregate")
    args = ap.parse_args()

    from forms.loader import load_templates
    from reports import charts, export, html
    from reports.data import build_forms, load_fields
    from store import make_engine, session_factory, upgrade

    root = Path(tempfile.mkdtemp(prefix="yomitori-bench-report-"))
    try:
        url = f"sqlite:///{root / 'yomitori.db'}"
        upgrade(url)
        n_fields, fill_s = timed(lambda: fill(url, args.forms, args.seed))
        print(f"fill (bulk insert, not in the ratio): {args.forms} forms, {n_fields} fields "
              f"in {fill_s:.1f} s")
        sf = session_factory(make_engine(url))
        template = load_templates(REPO / "templates")["citizen_survey"]
        read_s = load_s = agg_s = float("inf")
        for _ in range(args.repeat):
            rows, s = timed(lambda: read_rows(sf))
            read_s = min(read_s, s)
            frame, s = timed(lambda: load_fields(sf, ["citizen_survey"]))
            load_s = min(load_s, s)
            result, s = timed(partial(aggregate_frame, frame, template))
            agg_s = min(agg_s, s)
        assert rows == n_fields == len(frame)
        print(f"read back (baseline):  {read_s:6.2f} s  ({rows} rows)")
        print(f"load into DataFrame:   {load_s:6.2f} s  ratio {load_s / read_s:.2f}")
        print(f"aggregate:             {agg_s:6.2f} s  ratio {agg_s / read_s:.2f}  "
              f"({result.counted} counted, {result.excluded_total} excluded, {len(result.tables)} tables)")

        def render() -> None:
            font = charts.japanese_font()
            pngs = charts.render_charts(result.tables, root / "charts", font)
            (root / "report.html").write_text(html.survey_html(result, pngs), encoding="utf-8")
            export.write_excel([(t.title, t.frame) for t in result.tables], root / "tables.xlsx")

        _, report_s = timed(render)
        forms = build_forms(frame, template)

        def write_exports() -> int:
            table = export.data_table(forms)
            export.write_csv_utf8(table.frame, root / "survey.csv")
            problems = export.write_csv_cp932(table, root / "survey_cp932.csv")
            export.write_excel([("回答データ", table.frame)], root / "survey.xlsx")
            return len(problems)

        replaced, export_s = timed(write_exports)
        print(f"report (charts+HTML+xlsx): {report_s:6.2f} s; export (CSV+CP932+xlsx): {export_s:6.2f} s "
              f"({replaced} CP932 replacements)")
        total = load_s + agg_s
        print(f"SUMMARY forms={args.forms} fields={n_fields} read={read_s:.2f}s load={load_s:.2f}s "
              f"aggregate={agg_s:.2f}s aggregate/read={agg_s / read_s:.2f} (load+aggregate)/read="
              f"{total / read_s:.2f} report={report_s:.2f}s export={export_s:.2f}s")
        return 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
