"""Prefect flow: read a set of scan files and write one JSON result per file.

Thin orchestration: the work is in ocr.pipeline / services.reading. Business
errors (a corrupt scan) are results, not retries. Result files are the data
store (they keep the My Number staff must enter); logs and the flow's artifact
carry counts only.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from domain.status import FieldStatus, PageStatus
from intake.scan import name_hash
from ocr.reader import Reader


@lru_cache(maxsize=1)
def _reader() -> Reader:
    from services.compose import build_reader

    return build_reader()


@task(cache_policy=NO_CACHE)
def read_one(path: str, out_dir: str) -> dict[str, Any]:
    from config.settings import get_settings
    from intake.pages import PageLimits
    from services.reading import read_file, to_json

    src = Path(path)
    doc, error = read_file(src, _reader(), PageLimits.from_settings(get_settings()))
    # the result file is the data store, not a screen: it keeps the value staff must enter
    data = to_json(src, doc, error, unmask=True)
    out = Path(out_dir) / f"{src.stem}.json"
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    pages = doc.pages if doc else []
    fields = [f for p in pages for f in p.fields]
    return {
        "file": src.name,
        "error": data.get("error"),
        "pages": len(pages),
        "forms": sum(p.status is PageStatus.READ for p in pages),
        "page_statuses": {s.value: n for s in PageStatus if (n := sum(p.status is s for p in pages))},
        "fields": len(fields),
        "auto": sum(f.status is FieldStatus.AUTO_ACCEPTED for f in fields),
        "seconds": round(sum(p.seconds for p in pages), 2),
    }


@flow(name="read-scans", log_prints=False)
def read_scans(paths: list[str], out_dir: str) -> list[dict[str, Any]]:
    """Read every file in ``paths``; write ``<stem>.json`` results to ``out_dir``."""
    logger = get_run_logger()
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    summaries = []
    for i, p in enumerate(paths, 1):
        s = read_one(p, out_dir)
        logger.info("read %d/%d: file %s pages=%s forms=%s auto=%s/%s", i, len(paths),
                    name_hash(s["file"]), s["pages"], s["forms"], s["auto"], s["fields"])
        summaries.append(s)
    total = sum(s["fields"] for s in summaries)
    auto = sum(s["auto"] for s in summaries)
    # artifacts are shown to every Prefect user: file names (which may hold a person's
    # name) appear only as short hashes
    rows = "\n".join(f"| {name_hash(s['file'])} | {s['pages']} | {s['forms']} | "
                     f"{s['auto']}/{s['fields']} | {s['error'] or ''} |" for s in summaries)
    create_markdown_artifact(
        key="read-summary",
        markdown=f"# 読み取り結果\n\n自動確定 {auto}/{total} 項目\n\n"
                 f"| file | pages | forms | auto/fields | error |\n|---|---|---|---|---|\n{rows}\n",
    )
    return summaries
