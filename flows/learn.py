"""Prefect flow ``learn``: recalibrate from staff confirmations, weekly (thin).

The work is :func:`learning.run.run_learning`: fit on the training documents, gate on
the held-back ones, promote into the work store or store the refusal with its reasons.
Only reading the store retries (locked or unreachable database). The artifact carries
counts, rates, versions and reason codes, never a value or a person's name.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import OperationalError

from domain.errors import ApplicationError
from flows.intake import retry_on, run_name, settings


@task(name="learn", retries=2, retry_delay_seconds=[10, 60], cache_policy=NO_CACHE,
      retry_condition_fn=retry_on(OperationalError, ApplicationError))
def learn_task(dry_run: bool, days: int | None, exclude_batches: list[int]) -> dict[str, Any]:
    from learning.run import run_learning

    r = run_learning(settings(), dry_run=dry_run, days=days, exclude_batches=exclude_batches,
                     actor="prefect:learn")
    g = r.learnt.gate
    return {"dry_run": r.dry_run, "promoted": r.promoted, "version": r.version,
            "current_before": r.current_version, "documents": r.learnt.counts.documents,
            "fields": r.learnt.counts.fields, "checked": r.learnt.counts.checked,
            "corrected": r.learnt.counts.misses, "heldback_checked": g.heldback_checked,
            "needed_checked": g.needed_checked, "codes": g.codes(), "figures": g.figures(),
            "changed_keys": [f"{c.level} {c.key}: {c.change.value}" for c in r.learnt.candidate.changed]}


def learn_markdown(summary: dict[str, Any]) -> str:
    """Counts and gate figures only (keys are template:field ids, never values)."""
    f = summary["figures"]
    before, after, newly = f["before"], f["after"], f["newly_accepted"]
    if summary["promoted"]:
        outcome = f"昇格しました: {summary['version']}"
    elif summary["dry_run"]:
        outcome = f"試行のみ（dry run）: 判定は{'合格' if f['passed'] else '不合格'}"
    else:
        outcome = f"見送りました（{summary['version']}）"
    lines = ["# 学習 (learn)", "", f"- {outcome}",
             f"- 使用中だった較正: {summary['current_before'] or '(なし)'}",
             f"- 書類 {summary['documents']} 件、項目 {summary['fields']} 件、"
             f"職員の確認 {summary['checked']} 件（訂正 {summary['corrected']} 件）",
             f"- 判定用に取り分けた確認済み項目 {summary['heldback_checked']} 件"
             f"（必要 {summary['needed_checked']} 件）",
             f"- 自動確定率 {before['share']:.1%} → {after['share']:.1%}",
             f"- 自動確定した項目の誤り {before['error']:.2%} → {after['error']:.2%}",
             f"- 新たに自動確定になる確認済み項目 {newly['checked']} 件、誤り {newly['errors']} 件",
             ]
    if summary["codes"]:
        lines.append(f"- 見送り理由: {', '.join(summary['codes'])}")
    lines += [f"- 変更: {c}" for c in summary["changed_keys"]]
    return "\n".join(lines) + "\n"


@flow(name="learn", flow_run_name=lambda: run_name("learn"), log_prints=False)
def learn(dry_run: bool = False, days: int | None = 56, exclude_batches: list[int] | None = None
          ) -> dict[str, Any]:
    """Refit calibration and per-field thresholds from confirmed fields; promote if the gate passes."""
    summary = learn_task(dry_run, days, exclude_batches or [])
    get_run_logger().info("learn: %s %s (%s)", summary["version"],
                          "promoted" if summary["promoted"] else "not promoted",
                          ", ".join(summary["codes"]) or "gate passed")
    create_markdown_artifact(key="learn-summary", markdown=learn_markdown(summary),
                             description="learning from corrections (counts and gate figures only)")
    return summary
