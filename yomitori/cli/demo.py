"""The main job on embedded defaults: sample scans → inbox → pipeline → work store.

The demo runs in its own data directory (``<home>/demo``, made anew each time):
it writes generated scans (PDF, multi-page TIFF, PNG, JPEG) plus one broken file
into the inbox, runs the Prefect ``pipeline`` flow (intake, then recognition) on a
local ephemeral Prefect, then compares the stored readings with the synthesiser's
ground truth, writes the reports, confirms the one-stop forms (a stand-in for
staff, from ground truth) and lets the bot enter them into the demo back-office
system, and says where everything is.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from config.settings import Settings, get_settings
from domain.model import DocumentReading, FieldReading, PageReading
from domain.status import REVIEW_REASON_JA, FieldStatus
from yomitori.cli.demo_stack import STACK_NAME, make_stack, stack_line, top_level_documents

# one file format per template, so the demo exercises every intake path
FORMATS = {
    "onestop_2022": "pdf",
    "onestop_legacy": "jpg",
    "furusato_application": "png",
    "citizen_survey": "tiff",
}


def _demo_settings(base: Settings) -> Settings:
    """Point YOMITORI_* at a fresh demo home; keep the installed models and templates."""
    home = base.home / "demo"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    os.environ.update({
        "YOMITORI_HOME": str(home),
        "YOMITORI_MODELS_DIR": str(base.model_root),
        "YOMITORI_TEMPLATES_DIR": str(base.templates_dir),
        "YOMITORI_STABLE_SECONDS": "0.5",
        "YOMITORI_DATABASE_URL": f"sqlite:///{home / 'yomitori.db'}",
    })
    return get_settings()


def make_samples(settings: Settings, count: int, seed: int, echo: Callable[[str], None]) -> dict[str, dict]:
    """Generate ``count`` documents per template into the inbox; truth into ``<home>/truth``."""
    from services.compose import load_templates
    from synth.generate import SynthOptions, generate_samples

    templates = load_templates(settings)
    staging, truth_dir = settings.home / "generated", settings.home / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    truths: dict[str, dict] = {}
    for n, (tid, fmt) in enumerate(sorted(FORMATS.items())):
        if tid not in templates:
            continue
        echo(f"  サンプル作成: {templates[tid].title}（{tid}）× {count} [{fmt}]")
        for p in generate_samples(tid, count, seed + 1000 * n, staging, SynthOptions(), fmt=fmt,
                                  templates_dir=settings.templates_dir):
            if p.suffix == ".json":
                truth = json.loads(p.read_text(encoding="utf-8"))
                truths[truth["document_id"]] = truth
                p.rename(truth_dir / p.name)
            else:
                p.rename(settings.inbox_root / p.name)
    truths.update(make_stack(settings, staging, echo))  # several envelopes in one file
    (settings.inbox_root / "破損したファイル.pdf").write_bytes(b"%PDF-1.7\nthis scan was cut off")
    shutil.rmtree(staging, ignore_errors=True)
    return truths


def _run_direct(settings: Settings) -> None:
    """The same work as the pipeline flow, without Prefect."""
    from intake import build_repository, intake_once
    from services.compose import build_reader
    from services.worker import run_worker

    repo = build_repository(settings)
    intake_once(repo, settings)
    run_worker(repo, repo.files, build_reader(settings), lease_seconds=settings.lease_seconds)


def stored_readings(settings: Settings) -> dict[str, DocumentReading]:
    """Readings back from the work store, keyed by source file name."""
    from intake import build_repository

    repo = build_repository(settings)
    out: dict[str, DocumentReading] = {}
    for doc_id, name, _ in repo.list_documents():
        fields_by_page: dict[int, list[FieldReading]] = {}
        for f in repo.fields(doc_id):
            fields_by_page.setdefault(f.page_id, []).append(FieldReading(
                field_id=f.field_id, kind=f.kind, value=json.loads(f.value_json), raw=f.raw,
                confidence=f.confidence, probability=f.probability, status=f.status, reason=f.reason))
        pages = [PageReading(index=p.index, status=p.status, template_id=p.template_id,
                             template_version=p.template_version, page_number=p.page_number,
                             fields=fields_by_page.get(p.id, []))
                 for p in sorted(repo.pages(doc_id), key=lambda p: p.index)]
        out[name] = DocumentReading(source=name, pages=pages)
    return out


def _document_for(truth_id: str, readings: dict[str, DocumentReading]) -> DocumentReading | None:
    """A truth document's reading: one multi-page file, or one image file per page (``_p<k>``),
    or an envelope cut from the stack scan (named like its document)."""
    if truth_id in readings:
        return readings[truth_id]
    whole = [r for name, r in readings.items() if Path(name).stem == truth_id]
    if whole:
        return whole[0]
    parts = sorted(((int(Path(n).stem.rsplit("_p", 1)[1]), r) for n, r in readings.items()
                    if Path(n).stem.startswith(truth_id + "_p")), key=lambda t: t[0])
    pages = [p.model_copy(update={"index": i}) for i, p in enumerate(pg for _, r in parts for pg in r.pages)]
    return DocumentReading(source=truth_id, pages=pages) if pages else None


def run_demo(count: int, seed: int, use_prefect: bool, echo: Callable[[str], None]) -> int:
    from services.evaluate import compare, summarize

    settings = _demo_settings(get_settings())
    settings.inbox_root.mkdir(parents=True, exist_ok=True)
    echo("yomitori デモ: サンプル帳票を受付フォルダに置き、取り込みと読み取りを行います")
    truths = make_samples(settings, count, seed, echo)
    files = sorted(p for p in settings.inbox_root.iterdir() if p.is_file())
    echo(f"  受付フォルダ: {settings.inbox_root}（{len(files)} ファイル）")
    started = time.perf_counter()
    if use_prefect:
        from flows.pipeline import pipeline

        echo("  Prefect の pipeline フロー（取り込み → 読み取り）を実行します（初回は起動に数十秒）")
        pipeline()
    else:
        _run_direct(settings)
    elapsed = time.perf_counter() - started
    readings = stored_readings(settings)
    outcomes: list[Any] = []
    page_out: list[Any] = []
    for doc_id, truth in sorted(truths.items()):
        doc = _document_for(doc_id, readings)
        if doc is None:
            continue
        pages, fields = compare(doc, truth)
        page_out += pages
        outcomes += fields
    n_pages = len(page_out)
    ok_pages = sum(p.identified for p in page_out)
    _report(settings, readings, page_out, outcomes, elapsed, echo)
    from reports import make_reports

    entry_ok = _review_and_enter(settings, truths, echo)
    make_reports(settings, echo)
    echo(summarize_line(n_pages, ok_pages, summarize(outcomes, "kind").get("ALL")))
    echo(stack_line(settings, {k: t for k, t in truths.items() if k.startswith(STACK_NAME)}))
    # success: every dropped file is in the store (the broken one quarantined), every page identified,
    # every confirmed record entered
    stored = top_level_documents(settings)
    return 0 if n_pages and ok_pages == n_pages and stored == len(files) and entry_ok else 1


def _review_and_enter(settings: Settings, truths: dict[str, dict], echo: Callable[[str], None]) -> bool:
    """Stand-in review from ground truth, then bot entry into the sandbox; True when nothing failed."""
    from yomitori.cli.demo_entry import DEMO_REVIEWER, enter_into_admin, enter_into_sandbox, review_with_truth

    echo("\n確認とシステム入力:")
    rv = review_with_truth(settings, truths)
    echo(f"  デモでは職員の確認を正解データで代行します（操作者 {DEMO_REVIEWER}、"
         "本番は確認画面で職員が行います）:\n"
         f"    書類 {rv.confirmed_documents} 件、確認 {rv.confirmed_fields} 項目・"
         f"修正 {rv.corrected_fields} 項目")
    if rv.left_for_staff:
        echo(f"  記入内容そのものに誤りがある {rv.left_for_staff} 件は確認待ちのまま残します"
             "（確認画面で試せます）")
    echo("  ワンストップ特例申請書をロボットが基幹システムに入力します")
    summary = enter_into_sandbox(settings, truths, echo)
    echo(f"  入力 {summary['entered']} 件、登録済み {summary['already_entered']} 件、"
         f"差し戻し {summary['rejected']} 件、失敗 {summary['failed']} 件、"
         f"再試行 {summary['retried']} 回（{summary['seconds']} 秒）")
    echo(f"  証跡（入力前・保存後のスクリーンショット、ハッシュ連鎖）: {summary['evidence_dir']}")
    echo(f"  失敗時のスクリーンショットとトレース: {summary['failures_dir']}")
    echo(f"  基幹システム（sandbox）のデータ: {summary['sandbox_db']}")
    echo(f"ENTRY entered={summary['entered']} already={summary['already_entered']} "
         f"rejected={summary['rejected']} failed={summary['failed']}")
    echo("  寄附申込書を、形の違う二つ目の基幹システムにロボットが登録します")
    second = enter_into_admin(settings, echo)
    echo(f"  入力 {second['entered']} 件、登録済み {second['already_entered']} 件、"
         f"差し戻し {second['rejected']} 件、失敗 {second['failed']} 件、再試行 {second['retried']} 回"
         f"（{second['seconds']} 秒）")
    echo(f"  寄附管理システムのデータ: {second['admin_db']}")
    echo(f"ENTRY2 target=admin_demo entered={second['entered']} already={second['already_entered']} "
         f"rejected={second['rejected']} failed={second['failed']}")
    return not any(s["failed"] or s["stopped"] for s in (summary, second))


def _report(settings: Settings, readings: dict[str, DocumentReading], page_out: list[Any],
            outcomes: list[Any], elapsed: float, echo: Callable[[str], None]) -> None:
    from services.evaluate import summarize

    n_pages = len(page_out)
    echo(f"\n結果: {len(readings)} 書類 / {n_pages} ページ、帳票の判別が正しいページ "
         f"{sum(p.identified for p in page_out)}/{n_pages}")
    for name, s in sorted(summarize(outcomes, "template_id").items()):
        echo(f"  {name:<22} 項目 {s.n:>4}  正解率 {s.accuracy:6.1%}  自動確定 {s.straight_through:6.1%}"
             f"  自動確定中の誤り {s.auto_error:6.2%}")
    reasons: Counter[str] = Counter(
        REVIEW_REASON_JA[f.reason] for r in readings.values() for p in r.pages for f in p.fields
        if f.status is not FieldStatus.AUTO_ACCEPTED and f.reason)
    if reasons:
        echo("  職員の確認が必要な項目（理由別）:")
        for text, n in reasons.most_common():
            echo(f"    {n:>4}  {text}")
    quarantined = sorted(settings.quarantine_root.rglob("*.txt")) if settings.quarantine_root.exists() else []
    echo(f"  隔離されたファイル: {len(quarantined)}（理由は同じ名前の .txt に日本語と英語で記載）")
    echo(f"  処理時間 {elapsed:.1f} 秒（Prefect の起動を含む）")
    echo("\n保存場所:")
    echo(f"  データベース   {settings.home / 'yomitori.db'}")
    echo(f"  原本・画像     {settings.home / 'files'}")
    echo(f"  取り込み済み   {settings.archive_root}")
    echo(f"  隔離           {settings.quarantine_root}")
    echo("  状況の確認     YOMITORI_HOME=" + str(settings.home) + " .venv/bin/yomitori status")


def summarize_line(n_pages: int, ok_pages: int, s: Any) -> str:
    if s is None:
        return f"DEMO pages={n_pages} identified={ok_pages} fields=0"
    return (f"DEMO pages={n_pages} identified={ok_pages} fields={s.n} exact={s.accuracy:.4f} "
            f"straight_through={s.straight_through:.4f} auto_error={s.auto_error:.4f}")
