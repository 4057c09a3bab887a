"""Reports over a real SQLite work store filled through ``store.repository``.

Readings are built from synthetic ground truth (no OCR), saved with a mix of
auto-accepted and needs-review fields; staff then review some of them, so the
exports, the survey report and the operations report read real rows and real
ReviewAction timestamps.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from config.settings import Settings
from domain.lifecycle import ReviewActionKind
from domain.model import FormTemplate
from domain.status import FieldStatus
from reports.run import run_export, run_operations_report, run_survey_report
from reports.survey import MULTIPLE, NO_ANSWER
from reports.truth import pages_from_truth
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from synth.generate import SynthOptions, generate_document

REPO = Path(__file__).resolve().parents[2]
N_SURVEY, PENDING = 16, {2, 9}
REVIEW_GAP = 40  # seconds between two review actions of the same clerk


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Store:
    settings: Settings
    repo: Repository
    survey_truths: dict[int, dict[str, Any]]  # document id → truth
    counted: set[int]  # survey documents that count
    yoshida: int  # onestop document whose name has 𠮷
    my_numbers: list[str]
    actions: int
    fields: int
    auto: int


def _needs_person(fid: str, ft: dict[str, Any], pending: bool) -> FieldStatus:
    if (pending and fid == "q2") or len(ft.get("marks") or []) > 1 or fid == "my_number":
        return FieldStatus.NEEDS_REVIEW
    return FieldStatus.AUTO_ACCEPTED


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, templates: dict[str, FormTemplate]) -> Store:
    home = tmp_path_factory.mktemp("home")
    url = f"sqlite:///{home / 'yomitori.db'}"
    settings = Settings(home=home, templates_dir=REPO / "templates", database_url=url)
    upgrade(url)
    clock = Clock()
    repo = Repository(session_factory(make_engine(url)), ContentStore(home / "files"), clock=clock)
    batch = repo.create_batch("テスト", "test")
    opts = SynthOptions(dpi=100, degrade=False, rotate180_prob=0.0)
    docs: list[tuple[FormTemplate, dict[str, Any], bool]] = []
    for i in range(N_SURVEY):
        docs.append((templates["citizen_survey"], generate_document(templates["citizen_survey"], 500 + i,
                                                                     opts).truth, i in PENDING))
    for i in range(3):
        truth = generate_document(templates["onestop_2022"], 800 + i, opts).truth
        if i == 0:
            name = truth["pages"][0]["fields"]["full_name"]
            name["value"] = "𠮷" + name["value"][1:]
        docs.append((templates["onestop_2022"], truth, False))
    ids = []
    for k, (_, truth, _) in enumerate(docs):
        path = home / "in" / f"{truth['document_id']}.tiff"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"scan {k}".encode())
        ids.append(repo.receive(batch, path.name, path).document_id)
    assert sorted(repo.claim("w", 100, 600)) == ids
    for doc_id, (t, truth, pending) in zip(ids, docs, strict=True):
        repo.save_reading(doc_id, "w", pages_from_truth(
            truth, t, lambda fid, ft, p=pending: _needs_person(fid, ft, p)))

    actions = 0
    onestop = ids[N_SURVEY:]
    for k, doc_id in enumerate(ids):
        waiting = [f for f in repo.fields(doc_id) if f.status == FieldStatus.NEEDS_REVIEW.value]
        if (k < N_SURVEY and k in PENDING) or doc_id == onestop[2]:
            continue  # left for later: these forms must not count
        for f in waiting:
            clock.now += timedelta(seconds=REVIEW_GAP)
            kind = ReviewActionKind.CORRECT if doc_id == onestop[0] else ReviewActionKind.CONFIRM
            repo.record_review(f.id, "clerk-1", f.value, kind)
            actions += 1
        if waiting:
            repo.complete_review(doc_id)
    all_fields = [f for d in ids for f in repo.fields(d)]
    return Store(settings, repo, {d: docs[k][1] for k, d in enumerate(ids[:N_SURVEY])},
                 {d for k, d in enumerate(ids[:N_SURVEY]) if k not in PENDING}, onestop[0],
                 [docs[N_SURVEY + i][1]["pages"][0]["fields"]["my_number"]["value"] for i in range(3)],
                 actions, len(all_fields),
                 sum(f.status == FieldStatus.AUTO_ACCEPTED.value for f in all_fields))


def _category(truth: dict[str, Any], fid: str) -> str:
    ft = next(p["fields"][fid] for p in truth["pages"] if fid in p["fields"])
    if ft["value"] is not None:
        return str(ft["value"])
    return MULTIPLE if len(ft["marks"]) > 1 else NO_ANSWER


def test_survey_report_from_the_store(store: Store, tmp_path: Path) -> None:
    [run] = run_survey_report(store.settings, tmp_path)
    assert (run.result.total_forms, run.result.counted) == (N_SURVEY, len(store.counted))
    page = run.html.read_text(encoding="utf-8")
    assert "集計対象外 2 件（職員の確認待ちの項目がある 2 件）" in page
    expected = Counter(_category(store.survey_truths[d], "q1") for d in store.counted)
    q1 = run.result.table("q1").frame.set_index("回答")["件数"]
    assert {k: int(v) for k, v in q1.items() if v and k != "合計"} == dict(expected)
    assert run.charts["q1"].is_file() and run.pdf is not None and run.pdf.is_file()
    assert "満足度" in openpyxl.load_workbook(run.xlsx).sheetnames


def test_export_files_cp932_and_unencodable_list(store: Store, tmp_path: Path) -> None:
    run = run_export(store.settings, tmp_path, actor="clerk-2")
    assert run.records == {"citizen_survey": len(store.counted), "onestop_2022": 2, "onestop_receipts": 2}
    assert run.excluded["citizen_survey"] == {"pending_fields": 2}
    names = {p.name for p in run.files}
    for stem in ("citizen_survey", "onestop_2022", "onestop_receipts"):
        assert {f"{stem}.csv", f"{stem}_cp932.csv", f"{stem}.xlsx"} <= names
    assert {"excluded.csv", "cp932_unencodable.csv"} <= names
    survey = pd.read_csv(tmp_path / "citizen_survey_cp932.csv", encoding="cp932", dtype=str)
    assert list(survey.columns[:6]) == ["受付番号", "帳票順", "原本ファイル", "様式", "版", "年齢"]
    assert sorted(survey["受付番号"].astype(int)) == sorted(store.counted)
    receipts = pd.read_csv(tmp_path / "onestop_receipts_cp932.csv", encoding="cp932", dtype=str)
    assert "個人番号" not in receipts.columns and set(receipts["個人番号確認済み"]) == {"済"}
    assert receipts["受付日"].tolist() == ["2026-04-01"] * 2
    listed = {(u.document_id, u.field_id, u.chars) for u in run.unencodable}
    assert listed == {(store.yoshida, "full_name", "𠮷")}
    assert receipts.set_index("受付番号").loc[str(store.yoshida), "氏名"].startswith("〓")
    excluded = pd.read_csv(tmp_path / "excluded.csv", encoding="utf-8-sig")
    assert len(excluded) == 3 and set(excluded["理由"]) == {"職員の確認待ちの項目がある"}
    wb = openpyxl.load_workbook(tmp_path / "citizen_survey.xlsx")
    assert wb.sheetnames[:3] == ["回答データ", "年齢", "地区"] and "満足度" in wb.sheetnames
    audit = json.loads((store.settings.home / "audit" / "exports.log").read_text().splitlines()[-1])
    assert (audit["actor"], audit["my_number"]) == ("clerk-2", False)


def test_my_number_only_when_asked_and_audited(store: Store, tmp_path: Path) -> None:
    run = run_export(store.settings, tmp_path, ["onestop_2022"], include_my_number=True, actor="admin-1")
    receipts = pd.read_csv(tmp_path / "onestop_receipts.csv", encoding="utf-8-sig", dtype=str)
    assert set(receipts["個人番号"]) == set(store.my_numbers[:2])
    log = (store.settings.home / "audit" / "exports.log").read_text(encoding="utf-8")
    last = json.loads(log.splitlines()[-1])
    assert (last["actor"], last["my_number"], last["records"]) == ("admin-1", True, sum(run.records.values()))
    assert not any(n in log for n in store.my_numbers)


def test_operations_report(store: Store, tmp_path: Path) -> None:
    run = run_operations_report(store.settings, tmp_path)
    t = run.result.totals
    assert (t["書類"], t["項目"], t["自動確定"]) == (N_SURVEY + 3, store.fields, store.auto)
    assert t["自動確定率(%)"] == round(store.auto / store.fields * 100, 1)
    assert t["確認作業(分)"] == round((store.actions - 1) * REVIEW_GAP / 60, 1)
    assert t["修正"] == 1  # the My Number of the first onestop form
    kinds = run.result.by_kind.set_index("項目の種類")
    assert int(kinds.loc["個人番号", "修正"]) == 1 and int(kinds.loc["個人番号", "確認"]) == 1
    assert run.result.per_day["日付"].tolist() == ["2026-04-01"]
    assert int(run.result.per_batch["帳票:citizen_survey"][0]) == N_SURVEY
    page = run.html.read_text(encoding="utf-8")
    assert "EntryAttempt" in page and "manual_seconds_per_field" in page


def test_cli_export_and_report(store: Store, tmp_path: Path) -> None:
    from yomitori.cli.main import app

    env = {"YOMITORI_HOME": str(store.settings.home),
           "YOMITORI_DATABASE_URL": store.settings.database_url or "",
           "YOMITORI_TEMPLATES_DIR": str(REPO / "templates")}
    out = CliRunner().invoke(app, ["export", "--out", str(tmp_path / "e"), "--cp932-strict"], env=env)
    assert out.exit_code == 3, out.output  # 𠮷 cannot be written in strict mode
    assert not (tmp_path / "e" / "onestop_receipts_cp932.csv").exists()
    assert (tmp_path / "e" / "cp932_unencodable.csv").exists()
    out = CliRunner().invoke(app, ["export", "--out", str(tmp_path / "e2")], env=env)
    assert out.exit_code == 0, out.output
    assert "〓" in out.output and "出力先" in out.output and "𠮷" not in out.output
    out = CliRunner().invoke(app, ["report", "all", "--out", str(tmp_path / "r"), "--no-pdf"], env=env)
    assert out.exit_code == 0, out.output
    assert "集計対象外 2 件" in out.output and (tmp_path / "r" / "operations_report.html").exists()
