"""Operations report (pure pandas over :class:`reports.data.Activity`): per batch and per day.

How each number is computed (also printed in the report, :data:`METHOD_JA`):

* 書類 / ページ: documents received and page rows stored; a day is the Japan-time date
  the document was received.
* 帳票: pages read as page 1 of a template (one filled form each), per template id.
* ページ:<状態>: pages not read as a form, by page status (白紙, 帳票以外, 種類を判定できない…);
  an unidentified page is counted here, never dropped silently.
* 自動確定率 (straight-through rate): auto-accepted fields / all fields.
* 修正 by field kind: ReviewAction rows with action ``correct``.
* 確認作業時間: per reviewer, the intervals between consecutive actions that are at
  most :data:`IDLE_MINUTES` apart (longer ones are breaks; the first field of each
  sitting is not measured, so this slightly under-counts); attributed to the batch of
  the field and the day of the action. No ReviewAction rows → 0, and the report says so.
* ロボット入力: EntryAttempt rows (by the day they started).
* 未判断ページ / 読み取り待ち書類 / 状態 (per batch): :mod:`reports.page_completeness`.
* 削減時間 (estimate): hand-typing every field would take fields × ``manual_seconds_per_field``;
  with yomitori people spend the measured review time plus, for fields still waiting,
  the same typing time. Saved = the difference. The 12 s default is an assumption, not a
  measurement (the report says so and shows the measured review seconds per field beside it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta, timezone

import pandas as pd

from domain.status import FIELD_KIND_JA as KIND_JA
from domain.status import PAGE_STATUS_SHORT_JA, FieldStatus, PageStatus
from reports.data import Activity
from reports.page_completeness import batch_completeness, incomplete_note

JST = timezone(timedelta(hours=9), "JST")
IDLE_MINUTES = 5.0
METHOD_JA: list[str] = [
    "書類・ページ: 受け付けた書類と保存されたページの数。日別は書類を受け付けた日（日本時間）で数えます。",
    "帳票: テンプレートの1ページ目として読み取ったページの数（記入済みの帳票1枚につき1件）。",
    "ページ:（状態）: 帳票として読み取らなかったページの数を状態別に数えたもの"
    "（白紙・帳票以外・種類を判定できない など。判定できないページは職員が確認します）。",
    "自動確定率: 自動確定した項目 ÷ 全項目。",
    "修正: 職員が値を修正した項目（確認記録 ReviewAction の「修正」）。",
    f"確認作業(分): 職員ごとに連続する操作の間隔のうち {IDLE_MINUTES:g} 分以内のものの合計"
    "（それより長い間隔は休憩とみなします。各作業の最初の1項目は測れないため、やや少なめになります）。",
    "ロボット入力: ロボットによるシステム入力の試行（EntryAttempt）の数。",
    "未判断ページ・状態: 帳票として読み取れなかったページ（種類を判定できない など）のうち職員の判断"
    "（帳票として読み取る／添付書類・白紙として確認）が済んでいないページの数。これが残るか、"
    "読み取り待ちの書類があるバッチは「未完了」です。",
    "手入力換算: 全項目を手で入力した場合の時間（項目数 × 1項目あたりの秒数 manual_seconds_per_field）。",
    "削減時間: 手入力換算から、確認作業時間と、まだ確認待ちの項目を手入力する時間を引いた見込み。",
]
COLUMNS = ["書類", "ページ", "項目", "自動確定", "自動確定率(%)", "確認待ち", "修正", "確認作業(分)",
           "ロボット入力", "手入力換算(時間)", "削減時間(時間)"]


@dataclass(frozen=True)
class OperationsResult:
    per_batch: pd.DataFrame
    per_day: pd.DataFrame
    by_kind: pd.DataFrame
    manual_seconds_per_field: float
    notes: list[str] = field(default_factory=list)
    extra: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # e.g. audit sampling (issue 15)

    @property
    def totals(self) -> dict[str, float]:
        t = self.per_batch[[c for c in COLUMNS if c != "自動確定率(%)"]].sum(numeric_only=True)
        out: dict[str, float] = {k: (float(v) if "(" in k else int(v)) for k, v in t.items()}
        out["自動確定率(%)"] = round(out["自動確定"] / out["項目"] * 100, 1) if out.get("項目") else 0.0
        return out


def _day(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True).dt.tz_convert(JST).dt.strftime("%Y-%m-%d")


def review_seconds(reviews: pd.DataFrame, idle_minutes: float = IDLE_MINUTES) -> pd.Series:
    """Seconds credited to each review action (same index as ``reviews``)."""
    if reviews.empty:
        return pd.Series(dtype=float)
    at = pd.to_datetime(reviews["at"], utc=True)
    order = at.sort_values(kind="stable").index
    gaps = (at.loc[order].groupby(reviews.loc[order, "actor"]).diff().dt.total_seconds())
    credited = gaps.where(gaps <= idle_minutes * 60, 0.0).fillna(0.0)
    return credited.reindex(reviews.index)


def measured_review_seconds_per_field(reviews: pd.DataFrame) -> float | None:
    """Median seconds a reviewer spent per field they acted on (idle gaps and first actions out)."""
    credited = review_seconds(reviews)
    timed = credited[credited > 0]
    return float(timed.median()) if not timed.empty else None


def _table(a: Activity, key: str, seconds: float) -> pd.DataFrame:
    """One row per ``key`` value (batch_id or day): every column of :data:`COLUMNS`."""
    docs, pages, fields = a.documents, a.pages, a.fields
    auto = fields["status"] == FieldStatus.AUTO_ACCEPTED.value
    pending = fields["status"].isin([FieldStatus.NEEDS_REVIEW.value, FieldStatus.UNREADABLE.value])
    corrected = a.reviews[a.reviews["action"] == "correct"]
    parts = {
        "書類": docs.groupby(key).size(),
        "ページ": pages.groupby(key).size(),
        "項目": fields.groupby(key).size(),
        "自動確定": auto.groupby(fields[key]).sum(),
        "確認待ち": pending.groupby(fields[key]).sum(),
        "修正": corrected.groupby(key).size(),
        "確認作業(分)": (review_seconds(a.reviews).groupby(a.reviews[key]).sum() / 60
                       if not a.reviews.empty else pd.Series(dtype=float)),
        "ロボット入力": a.entries.groupby(key).size(),
    }
    out = pd.DataFrame(parts).fillna(0)
    out = out.reindex(columns=[c for c in COLUMNS if c in parts], fill_value=0)
    for c in ("書類", "ページ", "項目", "自動確定", "確認待ち", "修正", "ロボット入力"):
        out[c] = out[c].astype(int)
    out["自動確定率(%)"] = _rate(out["自動確定"], out["項目"])
    out["確認作業(分)"] = out["確認作業(分)"].astype(float).round(1)
    manual_h = out["項目"] * seconds / 3600
    spent_h = out["確認作業(分)"] / 60 + out["確認待ち"] * seconds / 3600
    out["手入力換算(時間)"] = manual_h.round(2)
    out["削減時間(時間)"] = (manual_h - spent_h).round(2)
    return out[COLUMNS].sort_index()


def _rate(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (part / whole.where(whole > 0) * 100).round(1).fillna(0.0)


def _forms(a: Activity, key: str) -> pd.DataFrame:
    p = a.pages
    first = p[(p["page_status"] == PageStatus.READ.value) & (p["page_number"] == 1)]
    if first.empty:
        return pd.DataFrame(index=pd.Index([], name=key))
    table = first.groupby([key, "template_id"]).size().unstack(fill_value=0)
    table.columns = [f"帳票:{c}" for c in table.columns]
    return table


def _page_statuses(a: Activity, key: str) -> pd.DataFrame:
    """Pages not read as a form, per page status (columns ``ページ:<short Japanese label>``)."""
    p = a.pages[a.pages["page_status"] != PageStatus.READ.value]
    if p.empty:
        return pd.DataFrame(index=pd.Index([], name=key))
    table = p.groupby([key, "page_status"]).size().unstack(fill_value=0)
    order = {s.value: i for i, s in enumerate(PageStatus)}
    table = table[sorted(table.columns, key=lambda c: order.get(str(c), 99))]
    table.columns = [f"ページ:{_status_label(str(c))}" for c in table.columns]
    return table


def _status_label(code: str) -> str:
    try:
        return PAGE_STATUS_SHORT_JA[PageStatus(code)]
    except ValueError:  # a code this version does not know: shown as stored
        return code


def by_kind(a: Activity) -> pd.DataFrame:
    """Per field kind: fields, auto-accepted, and what reviewers did."""
    f = a.fields
    rows = pd.DataFrame({
        "項目": f.groupby("kind").size(),
        "自動確定": (f["status"] == FieldStatus.AUTO_ACCEPTED.value).groupby(f["kind"]).sum(),
    })
    for action, label in (("confirm", "確認"), ("correct", "修正"), ("unreadable", "判読不能")):
        rows[label] = a.reviews[a.reviews["action"] == action].groupby("kind").size()
    order = {k: i for i, k in enumerate(KIND_JA)}
    rows = rows.fillna(0).astype(int).sort_index(key=lambda idx: idx.map(lambda k: order.get(k, 99)))
    rows["自動確定率(%)"] = _rate(rows["自動確定"], rows["項目"])
    rows.index = [KIND_JA.get(k, str(k)) for k in rows.index]
    rows.index.name = "項目の種類"
    return rows.reset_index()


def operations(a: Activity, manual_seconds_per_field: float = 12.0) -> OperationsResult:
    """Per batch and per day tables, per field kind table, and the notes a reader needs."""
    docs = a.documents.assign(day=_day(a.documents["received_at"]))
    pages = a.pages.assign(day=_day(a.pages["received_at"]))
    fields = a.fields.assign(day=_day(a.fields["received_at"]))
    reviews = a.reviews.assign(day=_day(a.reviews["at"]))
    entries = a.entries.assign(day=_day(a.entries["started_at"]))
    dated = Activity(a.batches, docs, pages, fields, reviews, entries)
    s = manual_seconds_per_field

    per_batch = (_table(dated, "batch_id", s).join(_forms(dated, "batch_id"))
                 .join(_page_statuses(dated, "batch_id")).fillna(0)
                 .join(batch_completeness(docs, pages)))  # 未判断ページ, 読み取り待ち書類, 状態 (issue 15)
    names = a.batches.set_index("batch_id")
    per_batch.insert(0, "作成日時", [_local(names["created_at"].get(b)) for b in per_batch.index])
    per_batch.insert(0, "バッチ名", [str(names["name"].get(b, "")) for b in per_batch.index])
    per_batch.index.name = "バッチ"
    per_day = _table(dated, "day", s).join(_forms(dated, "day")).join(_page_statuses(dated, "day")).fillna(0)
    per_day.index.name = "日付"
    for t in (per_batch, per_day):
        for c in [c for c in t.columns if c.startswith(("帳票:", "ページ:"))]:
            t[c] = t[c].astype(int)
    notes = [f"削減時間は、全項目を手入力した場合の時間（項目数 × {s:g} 秒）から、確認作業時間と"
             f"確認待ち項目の手入力時間（件数 × {s:g} 秒）を引いた見込みです"
             "（設定 manual_seconds_per_field）。",
             f"1項目 {s:g} 秒は測定値ではなく仮定です。貴市の手入力の実測値（例: 1件の入力時間 ÷ 項目数）に"
             "設定し直してください。"]
    measured = measured_review_seconds_per_field(a.reviews)
    if measured is not None:
        notes.append(f"参考: 確認画面での実測は、確認した1項目あたり {measured:.1f} 秒でした"
                     f"（{IDLE_MINUTES:g} 分を超える間隔を除く）。")
    if a.reviews.empty:
        notes.append("職員による確認作業の記録（ReviewAction）はまだありません。"
                     "確認作業時間は 0 分としています。")
    else:
        notes.append(f"確認作業時間は、職員ごとに連続する操作の間隔（{IDLE_MINUTES:g} 分以内）を"
                     "合計したものです。")
    if a.entries.empty:
        notes.append("ロボットによるシステム入力の記録（EntryAttempt）はまだありません。")
    if (note := incomplete_note(per_batch)) is not None:
        notes.append(note)
    return OperationsResult(per_batch.reset_index(), per_day.reset_index(), by_kind(dated), s, notes)


def _local(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(pd.Timestamp(value).tz_convert(JST).strftime("%Y-%m-%d %H:%M"))
