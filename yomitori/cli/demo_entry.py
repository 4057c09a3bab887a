"""The demo's last mile: confirm the one-stop forms, then let the bot enter them into the sandbox.

A real city has staff confirm flagged fields in the review app. The demo has no
staff, so a clearly named stand-in (``demo-reviewer``) confirms each flagged field
with the synthesiser's ground truth, through the same audited repository call the
review app uses. Forms whose ground truth is itself invalid (a wrong check digit, a
missing required mark) are left in the review queue, as a person would leave them.
The demo back-office system (sandbox) is started on a free localhost port, given
the donations the forms refer to, and the bot enters every confirmed record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.settings import Settings
from domain.errors import BusinessError
from domain.lifecycle import DocumentStatus, ReviewActionKind
from domain.status import FieldStatus

DEMO_REVIEWER = "demo-reviewer"
ONESTOP = ("onestop_2022", "onestop_legacy")


@dataclass
class DemoReview:
    confirmed_documents: int = 0
    corrected_fields: int = 0
    confirmed_fields: int = 0
    left_for_staff: int = 0


def _truth_fields(truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for page in truth.get("pages", []):
        out.update(page.get("fields", {}))
    return out


def review_with_truth(settings: Settings, truths: dict[str, dict[str, Any]]) -> DemoReview:
    """Confirm flagged fields from ground truth (the demo's stand-in for staff), every template."""
    from intake import build_repository

    repo = build_repository(settings)
    by_truth: dict[str, list[int]] = {}
    for doc_id, name, _ in repo.list_documents():
        stem = Path(name).stem  # one file per form, or one image file per page ("<id>_p<k>")
        key = name if name in truths else stem if stem in truths else stem.rsplit("_p", 1)[0]
        by_truth.setdefault(key, []).append(doc_id)  # an envelope of a stack scan: its document name
    result = DemoReview()
    for truth_id, truth in sorted(truths.items()):
        expected = _truth_fields(truth)
        for doc_id in by_truth.get(truth_id, []):
            _review_document(repo, doc_id, expected, result)
    return result


def _review_document(repo: Any, doc_id: int, expected: dict[str, dict[str, Any]], result: DemoReview) -> None:
    doc = repo.document(doc_id)
    if doc is not None and doc.status == DocumentStatus.NEEDS_REVIEW.value:
        flagged = [f for f in repo.fields(doc_id)
                   if f.status in (FieldStatus.NEEDS_REVIEW.value, FieldStatus.UNREADABLE.value)]
        if not flagged or any(not expected.get(f.field_id, {}).get("valid", False) for f in flagged):
            result.left_for_staff += 1  # a person would call the applicant; so does the demo
            return
        for f in flagged:
            value = expected[f.field_id]["value"]
            same = json.loads(f.value_json) == value
            action = ReviewActionKind.CONFIRM if same else ReviewActionKind.CORRECT
            repo.record_review(f.id, DEMO_REVIEWER, value, action, reason="demo: ground truth")
            result.confirmed_fields += same
            result.corrected_fields += not same
        try:
            repo.complete_review(doc_id)
        except BusinessError:  # e.g. a page not read as a form waits for a person's decision
            result.left_for_staff += 1
            return
        result.confirmed_documents += 1


def seed_donations(sandbox_db: Any, truths: dict[str, dict[str, Any]]) -> int:
    """Give the back office the donations the one-stop forms refer to (as the city's system has them)."""
    n = 0
    for truth in truths.values():
        if truth.get("template_id") not in ONESTOP:
            continue
        f = _truth_fields(truth)
        name, day, amount = (f.get(k, {}).get("value") for k in ("full_name", "donation_date", "amount"))
        if not (name and day and amount):
            continue
        receipt = f.get("reference_no", {}).get("value") or None
        kana = f.get("full_name_kana", {}).get("value") or ""
        sandbox_db.add_donation(str(name), str(day), int(amount), str(kana), receipt_no=receipt)
        n += 1
    return n


def enter_into_sandbox(settings: Settings, truths: dict[str, dict[str, Any]],
                       echo: Callable[[str], None]) -> dict[str, Any]:
    """Start the sandbox, seed it, and run the bot over every confirmed record; returns the summary."""
    from bots.credentials import Credentials
    from bots.runner import records_from_store, run_entry
    from bots.target_files import load_target
    from forms.copy_rules import load_copy_rules
    from intake import build_repository
    from sandbox.config import SandboxConfig
    from sandbox.db import BackOfficeDB
    from sandbox.server import running
    from store.db import database_url, make_engine, session_factory

    cfg = SandboxConfig.from_settings(settings)
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    seeded = seed_donations(BackOfficeDB(cfg.db_path), truths)
    repo = build_repository(settings)
    sf = session_factory(make_engine(database_url(settings)))
    target = load_target("sandbox")  # the demo's own system, whatever YOMITORI_TARGET_NAME says
    records, unusable = records_from_store(sf, target, rules=load_copy_rules(settings.templates_dir))
    with running(cfg) as url:
        echo(f"  デモ用の基幹システム（sandbox）: {url}（寄附 {seeded} 件を登録済み）")
        echo(f"  ロボットが {len(records)} 件を入力します（ヘッドレスの Chromium）")
        if unusable:
            echo(f"  入力しない {len(unusable)} 件: 本人確認書類の不備などで職員の判断を待ちます"
                 "（書類不備の一覧は下の「書類不備の一覧」）")
        stats = run_entry(records, base_url=url, target=target,
                          credentials=Credentials(cfg.user, cfg.password), sf=sf, files=repo.files,
                          failures_dir=settings.evidence_root, headless=True,
                          timeout_ms=settings.bot_timeout_ms, max_retries=settings.bot_max_retries,
                          breaker=settings.bot_circuit_breaker)
    summary = stats.summary()
    summary.update(unusable=len(unusable), evidence_dir=str(repo.files.root / "evidence"),
                   failures_dir=str(settings.evidence_root), sandbox_db=str(cfg.db_path))
    return summary


def enter_into_admin(settings: Settings, echo: Callable[[str], None]) -> dict[str, Any]:
    """The second demo system (寄附管理): the bot registers every confirmed 寄附申込書 through the
    ``admin_demo`` target file (no seeding: each application becomes a new donation)."""
    from bots.credentials import Credentials
    from bots.runner import records_from_store, run_entry
    from bots.target_files import load_target
    from forms.copy_rules import load_copy_rules
    from intake import build_repository
    from sandbox.config import SandboxConfig
    from sandbox.server import running
    from store.db import database_url, make_engine, session_factory

    cfg = SandboxConfig.from_settings(settings)
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    repo = build_repository(settings)
    sf = session_factory(make_engine(database_url(settings)))
    target = load_target("admin_demo")
    records, unusable = records_from_store(sf, target, rules=load_copy_rules(settings.templates_dir))
    with running(cfg, system="admin") as url:
        echo(f"  デモ用の寄附管理システム（管理画面型）: {url}")
        echo(f"  ロボットが寄附申込書 {len(records)} 件を登録します（画面定義 admin_demo.yaml のみ）")
        stats = run_entry(records, base_url=url, target=target,
                          credentials=Credentials(cfg.user, cfg.password), sf=sf, files=repo.files,
                          failures_dir=settings.evidence_root, headless=True,
                          timeout_ms=settings.bot_timeout_ms, max_retries=settings.bot_max_retries,
                          breaker=settings.bot_circuit_breaker)
    summary = stats.summary()
    summary.update(unusable=len(unusable), admin_db=str(cfg.admin_db_path))
    return summary
