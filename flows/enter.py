"""Prefect flow ``enter``: type confirmed records into the back-office system.

Takes read/reviewed documents of the templates the target file takes
(``YOMITORI_TARGET_NAME``; ``bots.runner.records_from_store``), runs one
bot session (``concurrency`` is 1: the target may allow a single session; a Prefect
global concurrency limit named ``target-<name>`` is honoured when it exists), and
publishes an artifact with entered / rejected / retried counts and where the evidence
is. Exactly-once, retries and the circuit breaker live in ``bots.entry``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.intake import repository, run_name, settings


def entry_markdown(summary: dict[str, Any], evidence_dir: Path, failures_dir: Path) -> str:
    rows = [("入力済み (entered)", summary["entered"]),
            ("登録済みを確認 (already entered)", summary["already_entered"]),
            ("差し戻し (rejected)", summary["rejected"]), ("失敗 (failed)", summary["failed"]),
            ("再試行 (retried)", summary["retried"])]
    table = "| 結果 | 件数 |\n|---|---:|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    stop = (f"\n\n**停止:** {summary.get('stop_message_ja') or summary['stopped']}"
            if summary.get("stopped") else "")
    return (f"# システム入力 (enter)\n\n{table}{stop}\n\n証跡 (evidence): `{evidence_dir}`  \n"
            f"失敗時のスクリーンショットとトレース: `{failures_dir}`\n")


def run_enter(max_records: int | None = None, verify: bool = True) -> dict[str, Any]:
    """The work of the flow, usable without Prefect (CLI ``--no-prefect``, bench)."""
    from bots.credentials import load_credentials
    from bots.runner import records_from_store, run_entry
    from bots.target_files import load_target
    from forms.copy_rules import load_copy_rules
    from store.db import database_url, make_engine, session_factory

    s = settings()
    repo = repository(s)
    sf = session_factory(make_engine(database_url(s)))
    target = load_target(s.target_name, s.targets_dir)
    records, unusable = records_from_store(sf, target, max_records, rules=load_copy_rules(s.templates_dir))
    stats = run_entry(records, base_url=s.target_url, target=target,
                      credentials=load_credentials(s.target_secret_block), sf=sf, files=repo.files,
                      failures_dir=s.evidence_root, headless=s.bot_headless, timeout_ms=s.bot_timeout_ms,
                      max_retries=s.bot_max_retries, breaker=s.bot_circuit_breaker, verify=verify)
    summary = stats.summary()
    summary.update(unusable=unusable, evidence_dir=str(repo.files.root / "evidence"),
                   failures_dir=str(s.evidence_root),
                   rejected_documents=[o.document_id for o in stats.outcomes
                                       if o.outcome in ("rejected", "mismatch")])
    return summary


@flow(name="enter", flow_run_name=lambda: run_name("enter"), log_prints=False)
def enter(max_records: int | None = None, verify: bool = True) -> dict[str, Any]:
    """Enter every confirmed record the target takes, not yet entered (one bot session)."""
    log = get_run_logger()
    summary = run_enter(max_records, verify)  # one browser session, records in order
    log.info("enter: %s", {k: v for k, v in summary.items() if k != "rejected_documents"})
    create_markdown_artifact(key="enter-summary", description="システム入力の結果",
                             markdown=entry_markdown(summary, Path(summary["evidence_dir"]),
                                                     Path(summary["failures_dir"])))
    return summary
