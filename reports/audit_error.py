"""The measured error among auto-accepted fields, from blind audits: tables for the
受付状況 dashboard and the operations report (the same numbers in both).

Per field kind, per template and overall, over a window: this week (the last 7 days),
this month (the last 30 days), or one batch (by default the latest batch with audits).
Columns: audits, disagreements, measured error, its one-sided 95 % Wilson upper bound,
the target, and the state (:class:`domain.audit_measure.AuditState`). The alarm is
computed over :data:`domain.audit_measure.ALARM_WINDOW_DAYS` whatever window is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from domain.audit_measure import (
    ALARM_ALPHA,
    ALARM_WINDOW_DAYS,
    AUDIT_STATE_JA,
    MIN_ALARM_AUDITS,
    MIN_ALARM_DISAGREEMENTS,
    AuditOutcome,
    Measured,
    alarms,
    measure,
    overall,
)
from domain.status import FIELD_KIND_JA, FieldKind

JST = timezone(timedelta(hours=9), "JST")
WINDOWS_JA = {"week": "今週（直近7日）", "month": "今月（直近30日）", "batch": "バッチ"}
COLUMNS = ["検査数", "不一致", "測定誤り率(%)", "上限95%(%)", "目標(%)", "判定"]
METHOD_JA = [
    "抜き取り検査: 自動確定した項目から無作為に選んだもの（既定 2 %、種類ごとに週の最低件数あり）を、"
    "職員が読み取り結果を見ずに入力し、一致・不一致を記録します。",
    "測定誤り率 = 不一致 ÷ 検査数。自動確定した項目のうち実際に誤っていた割合の推定です。",
    "上限95%: 測定誤り率の片側 95 % 信頼上限（Wilson）。目標以下なら、目標を守れていることが確認できます。",
    f"警告: 直近 {ALARM_WINDOW_DAYS} 日の検査が {MIN_ALARM_AUDITS} 件以上・不一致が "
    f"{MIN_ALARM_DISAGREEMENTS} 件以上で、信頼下限までもが目標を超え、さらに誤り率がちょうど目標なら"
    f"これだけの不一致が出る確率が {ALARM_ALPHA:.1%} 未満の種類（毎週すべての種類を見るため、"
    "1回ごとの判定を厳しくして誤警報を抑えています）。",
]


def kind_ja(kind: str) -> str:
    try:
        return FIELD_KIND_JA[FieldKind(kind)]
    except ValueError:
        return kind


@dataclass
class AuditTables:
    window: str
    window_ja: str
    by_kind: pd.DataFrame
    by_template: pd.DataFrame
    overall: pd.DataFrame
    alarms: list[Measured] = field(default_factory=list)
    alarm_lines: list[str] = field(default_factory=list)  # Japanese, for the dashboard and the report
    audited_total: int = 0


def _frame(rows: Sequence[Measured], label: str, target: float, name: str = "") -> pd.DataFrame:
    data = [{label: name or r.key, "検査数": r.audited, "不一致": r.disagreements,
             "測定誤り率(%)": round(r.error * 100, 2), "上限95%(%)": round(r.upper * 100, 2),
             "目標(%)": round(target * 100, 2), "判定": AUDIT_STATE_JA[r.state(target)]} for r in rows]
    return pd.DataFrame(data, columns=[label, *COLUMNS])


def select_window(outcomes: Sequence[AuditOutcome], now: datetime, window: str,
                  batch_id: int | None = None) -> tuple[list[AuditOutcome], str]:
    if window == "batch":
        batch = batch_id if batch_id is not None else max((o.batch_id for o in outcomes), default=None)
        return [o for o in outcomes if o.batch_id == batch], (f"バッチ {batch}" if batch is not None
                                                              else WINDOWS_JA["batch"])
    days = 30 if window == "month" else 7
    recent = [o for o in outcomes if o.at >= now - timedelta(days=days)]
    return recent, WINDOWS_JA.get(window, WINDOWS_JA["week"])


def audit_tables(outcomes: Sequence[AuditOutcome], now: datetime, target: float, window: str = "week",
                 batch_id: int | None = None) -> AuditTables:
    window = window if window in WINDOWS_JA else "week"
    chosen, label = select_window(outcomes, now, window, batch_id)
    by_kind = _frame(measure(chosen, lambda o: o.kind), "項目の種類", target)
    by_kind["項目の種類"] = by_kind["項目の種類"].map(kind_ja)
    fired = alarms(outcomes, now, target)
    lines = [f"警告: 「{kind_ja(m.key)}」の自動確定の誤り率が目標（{target * 100:.2f} %）を超えています"
             f"（直近 {ALARM_WINDOW_DAYS} 日: 検査 {m.audited} 件中 不一致 {m.disagreements} 件、"
             f"測定 {m.error * 100:.2f} %、下限 {m.lower * 100:.2f} %）。"
             "`yomitori learn` で閾値を見直してください。" for m in fired]
    return AuditTables(window, label, by_kind,
                       _frame(measure(chosen, lambda o: o.template_id), "帳票", target),
                       _frame([overall(chosen)], "範囲", target, name="全体"), fired, lines, len(chosen))


def load_outcomes(sf: sessionmaker[Session]) -> list[AuditOutcome]:
    from store.audits import AuditStore

    return AuditStore(sf).outcomes()


def threshold_changes(sf: sessionmaker[Session], limit: int = 20) -> pd.DataFrame:
    """Calibration versions `yomitori learn` promoted: what changed and why (from the stored gate)."""
    from store.calibrations import CalibrationState, CalibrationStore

    rows = []
    for rec in CalibrationStore(sf).history(limit):
        if rec.state is not CalibrationState.PROMOTED and rec.promoted_at is None:
            continue
        for c in rec.gate.get("changes", []):
            at = rec.promoted_at.astimezone(JST).strftime("%Y-%m-%d %H:%M") if rec.promoted_at else ""
            rows.append({"版": rec.version, "適用日時": at, "対象": c.get("key"),
                         "変更": CHANGE_JA.get(str(c.get("change")), str(c.get("change"))),
                         "自動確定の下限(前)": c.get("above_before"),
                         "自動確定の下限(後)": c.get("above_after"),
                         "理由": c.get("detail")})
    return pd.DataFrame(rows, columns=["版", "適用日時", "対象", "変更", "自動確定の下限(前)",
                                       "自動確定の下限(後)", "理由"])


CHANGE_JA = {"stricter": "厳しく", "looser": "緩く", "new": "新規"}


def report_sections(sf: sessionmaker[Session], target: float, now: datetime
                    ) -> tuple[list[tuple[str, pd.DataFrame]], list[str]]:
    """Sections (title, table) and notes of the operations report about audits."""
    outcomes = load_outcomes(sf)
    week = audit_tables(outcomes, now, target, "week")
    month = audit_tables(outcomes, now, target, "month")
    latest = audit_tables(outcomes, now, target, "batch")
    sections = [(f"抜き取り検査: 項目の種類別（{month.window_ja}）", month.by_kind),
                (f"抜き取り検査: 帳票別（{month.window_ja}）", month.by_template),
                ("抜き取り検査: 全体", pd.concat([week.overall.assign(範囲=week.window_ja),
                                                  month.overall.assign(範囲=month.window_ja),
                                                  latest.overall.assign(範囲=latest.window_ja)])),
                ("閾値の変更（yomitori learn）", threshold_changes(sf))]
    notes = list(month.alarm_lines) or ["抜き取り検査の警告はありません。"]
    return sections, [*notes, *METHOD_JA]
