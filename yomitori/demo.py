"""The main job on embedded defaults: make sample scans, read them, show the result.

Later stages (review, bot entry, reports) extend this same command.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from domain.model import DocumentReading, PageReading
from yomitori.settings import get_settings

# one file format per template, so the demo exercises every intake path
FORMATS = {
    "onestop_2022": "pdf",
    "onestop_legacy": "jpg",
    "furusato_application": "png",
    "citizen_survey": "tiff",
}


def make_samples(home: Path, count: int, seed: int, echo: Callable[[str], None]) -> dict[str, dict]:
    """Generate ``count`` documents per template into ``home/inbox``; truth into ``home/truth``."""
    from flows.deps import load_templates
    from synth.generate import SynthOptions, generate_samples

    settings = get_settings()
    templates = load_templates(settings)
    truths: dict[str, dict] = {}
    for n, (tid, fmt) in enumerate(sorted(FORMATS.items())):
        if tid not in templates:
            continue
        echo(f"  サンプル作成: {templates[tid].title}（{tid}）× {count} [{fmt}]")
        paths = generate_samples(tid, count, seed + 1000 * n, home / "generated",
                                 SynthOptions(), fmt=fmt, templates_dir=settings.templates_dir)
        for p in paths:
            if p.suffix == ".json":
                truth = json.loads(p.read_text(encoding="utf-8"))
                truths[truth["document_id"]] = truth
                p.rename(home / "truth" / p.name)
            else:
                p.rename(home / "inbox" / p.name)
    return truths


def run_demo(count: int, seed: int, use_prefect: bool, echo: Callable[[str], None]) -> int:
    from yomitori.evaluate import compare, summarize

    home = get_settings().home / "demo"
    shutil.rmtree(home, ignore_errors=True)
    inbox, results = home / "inbox", home / "results"
    for d in (inbox, results, home / "truth", home / "generated"):
        d.mkdir(parents=True, exist_ok=True)
    echo("yomitori デモ: サンプル帳票を作成して読み取ります")
    truths = make_samples(home, count, seed, echo)
    files = sorted(p for p in inbox.iterdir() if p.is_file())
    echo(f"  読み取り: {len(files)} ファイル")
    started = time.perf_counter()
    if use_prefect:
        from flows.read import read_scans

        read_scans([str(p) for p in files], str(results))
    else:
        from flows.deps import build_reader
        from yomitori.reading import read_file, to_json

        reader = build_reader()
        for i, p in enumerate(files, 1):
            echo(f"    {i}/{len(files)} {p.name}")
            doc, err = read_file(p, reader)
            (results / f"{p.stem}.json").write_text(
                json.dumps(to_json(p, doc, err, unmask=True), ensure_ascii=False), encoding="utf-8")
    elapsed = time.perf_counter() - started
    outcomes, page_out = [], []
    for doc_id, truth in sorted(truths.items()):
        doc = _load_result(results, doc_id)
        if doc is None:
            continue
        pages, fields = compare(doc, truth)
        page_out += pages
        outcomes += fields
    n_pages = len(page_out)
    ok_pages = sum(p.identified for p in page_out)
    echo(f"\n結果（{results}）")
    echo(f"  ページ: {n_pages}、帳票の判別が正しいページ: {ok_pages}/{n_pages}")
    for kind, s in sorted(summarize(outcomes, "template_id").items()):
        echo(f"  {kind:<22} 項目 {s.n:>4}  正解率 {s.accuracy:6.1%}  自動確定 {s.straight_through:6.1%}"
             f"  自動確定中の誤り {s.auto_error:6.2%}")
    reasons = _review_reasons(results)
    if reasons:
        echo("  職員の確認が必要な項目（理由別）:")
        for text, n in reasons.most_common():
            echo(f"    {n:>4}  {text}")
    echo(f"  処理時間 {elapsed:.1f} 秒（{n_pages / max(elapsed, 1e-9) * 60:.1f} ページ/分、"
         "初回はPrefectの起動を含みます）")
    return 0 if n_pages and ok_pages == n_pages else 1


def _load_result(results: Path, doc_id: str) -> DocumentReading | None:
    """One document's reading: a multi-page file, or one image file per page (``_p<k>``)."""
    single = results / f"{doc_id}.json"
    parts = [single] if single.exists() else sorted(
        results.glob(f"{doc_id}_p*.json"), key=lambda p: int(p.stem.rsplit("_p", 1)[1]))
    pages: list[PageReading] = []
    for part in parts:
        data = json.loads(part.read_text(encoding="utf-8"))
        for p in data.get("pages", []):
            pages.append(PageReading.model_validate({**p, "index": len(pages)}))
    return DocumentReading(source=doc_id, pages=pages) if pages else None


def _review_reasons(results: Path) -> Counter[str]:
    """How many fields wait for staff, by the Japanese reason they will see."""
    counts: Counter[str] = Counter()
    for part in results.glob("*.json"):
        data = json.loads(part.read_text(encoding="utf-8"))
        for page in data.get("pages", []):
            for f in page.get("fields", []):
                if f.get("status") != "auto_accepted" and f.get("reason_ja"):
                    counts[f["reason_ja"]] += 1
    return counts
