"""The reaction to measured error: blind audits find wrong auto-accepted amounts that nobody
noticed, the alarm fires, and `yomitori learn` then tightens the amount threshold through
the promotion gate; the operations report says what changed and why."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from learning_data import PERSONAL_VALUES, fill
from typer.testing import CliRunner

from config.settings import Settings
from domain.audit_sampling import AuditPolicy
from domain.lifecycle import DocumentStatus, ReviewActionKind
from domain.model import FormTemplate
from learning.run import shipped_calibration
from reports.audit_error import audit_tables
from reports.run import run_operations_report
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from store.audits import AuditStore, Outcome
from store.calibrations import CalibrationStore
from store.models import dumps
from store.users import Role, UserStore
from yomitori.cli.main import app

REPO = Path(__file__).resolve().parents[2]
TARGET = 0.02  # a small town's target: the gate needs less data (as in test_learning_store)
AMOUNTS = AuditPolicy(share=0.0, weekly_minimum=0, everything={"amount": date(2099, 12, 31)})


def _accepts_amount(home: Path) -> bool:
    url = f"sqlite:///{home / 'yomitori.db'}"
    stored = CalibrationStore(session_factory(make_engine(url))).current()
    cal = stored.calibration if stored else shipped_calibration(Settings(home=home))
    assert cal is not None
    return cal.assess("amount", 0.99999)[1]


def _learn(home: Path, *args: str) -> str:
    env = {"YOMITORI_HOME": str(home), "YOMITORI_TARGET_ERROR": str(TARGET),
           "YOMITORI_MODELS_DIR": str(REPO / "var" / "models")}
    result = CliRunner().invoke(app, ["learn", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_audits_raise_the_alarm_and_learn_tightens_the_kind(
        tmp_path: Path, templates: dict[str, FormTemplate]) -> None:
    home = tmp_path
    url = f"sqlite:///{home / 'yomitori.db'}"
    upgrade(url)
    sf = session_factory(make_engine(url))
    repo = Repository(sf, ContentStore(home / "files"))
    shipped = shipped_calibration(Settings(home=home))
    # 5 % of amounts are read wrong with a near-perfect score, and nobody notices (notice=0)
    filled = fill(repo, templates, shipped, home / "scans", onestop=240, survey=20, seed=3, notice=0.0)
    assert filled.escaped == 0 and _accepts_amount(home)
    _learn(home)  # without audits: no evidence against the amount threshold
    assert _accepts_amount(home)

    audits = AuditStore(sf)
    rev = UserStore(sf).add_user("auditor", "correct horse battery staple", Role.REVIEWER, "auditor")
    for doc_id, _, _ in repo.list_documents():
        audits.draw(doc_id, AMOUNTS)
    wrong = 0
    while (sample := audits.claim_next(rev)) is not None:
        outcome = audits.record(sample, rev, "auditor", dumps(12000))  # the amount on every form
        assert outcome in (Outcome.AGREE, Outcome.DISAGREE)
        if outcome is Outcome.DISAGREE:  # the correction task: a person fixes the field
            wrong += 1
            task = audits.task(sample)
            assert task is not None
            assert repo.document(task.document_id).status == DocumentStatus.NEEDS_REVIEW.value  # type: ignore[union-attr]
            repo.record_review(task.field_result_id, "rev2", 12000, ReviewActionKind.CORRECT)
            repo.complete_review(task.document_id)
    assert wrong >= 5
    tables = audit_tables(audits.outcomes(), datetime.now(UTC), TARGET)
    assert [m.key for m in tables.alarms] == ["amount"]

    out = _learn(home)
    assert not _accepts_amount(home), out  # the kind's threshold was tightened and promoted
    stored = CalibrationStore(sf).current()
    assert stored is not None
    changes = [c for c in stored.gate["changes"] if c["key"] == "amount"]
    assert changes and changes[0]["change"] == "stricter" and "blind audits" in changes[0]["detail"]

    report = run_operations_report(Settings(home=home, target_error=TARGET), home / "ops")
    html = report.html.read_text(encoding="utf-8")
    assert "閾値の変更" in html and "blind audits" in html and "金額" in html
    assert any(n.startswith("警告") for n in report.result.notes)
    for value in PERSONAL_VALUES:
        assert value not in html


@pytest.mark.parametrize("share", [0.02])
def test_replay_of_every_draw(tmp_path: Path, templates: dict[str, FormTemplate], share: float) -> None:
    """An external auditor's check: every stored draw is recomputed from its seed alone."""
    url = f"sqlite:///{tmp_path / 'yomitori.db'}"
    upgrade(url)
    sf = session_factory(make_engine(url))
    repo = Repository(sf, ContentStore(tmp_path / "files"))
    fill(repo, templates, shipped_calibration(Settings(home=tmp_path)), tmp_path / "scans", onestop=30,
         seed=5)
    audits = AuditStore(sf)
    policy = AuditPolicy(share=share, weekly_minimum=3)
    for doc_id, _, _ in repo.list_documents():
        audits.draw(doc_id, policy)
    ids = audits.draw_ids()
    assert len(ids) == 30
    drawn = 0
    for draw_id in ids:
        stored, again = audits.replay(draw_id)
        assert stored == again
        drawn += len(stored)
    assert drawn >= 3  # the weekly minimum at least
