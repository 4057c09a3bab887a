"""The corrections report for admins (Markdown, Japanese headings; pure).

Most corrected fields, typical confusions (short character pairs, never from personal
fields or My Numbers), forms with alignment problems, and every calibration version
with the gate's before/after figures and what it did once in use. No value appears
here except the confusion pairs; document ids identify forms.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.calibration import Calibration
from learning.confusions import Confusion, top
from learning.dataset import Counts, Observation
from learning.extract import Extracted, PageInfo
from store.calibrations import StoredCalibration

WEAK_ALIGNMENT = 0.7  # aligned, but below this quality the page is worth a look
STATE_JA = {"promoted": "昇格", "refused": "見送り", "rolled_back": "取り消し"}


@dataclass(frozen=True)
class FieldStats:
    key: str
    kind: str
    read: int  # every reading of the field
    checked: int  # staff decided on it
    corrected: int

    @property
    def rate(self) -> float:
        return self.corrected / self.checked if self.checked else 0.0


def field_stats(observations: Sequence[Observation]) -> list[FieldStats]:
    """Per field: fields staff decided on and how many they corrected, most corrected first.

    Every decision counts here, also on fields that always go to a person (rule issue,
    policy): the admin wants to know where staff spend their corrections.
    """
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for o in observations:
        st = acc[(f"{o.template_id}:{o.field_id}", o.kind)]
        st[0] += 1
        st[1] += o.label is not None
        st[2] += o.label is False
    out = [FieldStats(k, kind, r, n, c) for (k, kind), (r, n, c) in acc.items()]
    return sorted(out, key=lambda s: (-s.corrected, -s.rate, s.key))


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _threshold(cal: Calibration | None, key: str, kind: str) -> str:
    if cal is None:
        return "-"
    entry, level = (cal.fields[key], "項目") if key in cal.fields else (cal.kinds.get(kind), "種類")
    if entry is None:
        return "未較正"
    above = entry.accepts_above()
    if above is None:
        return f"自動確定なし ({level})"
    if entry.model is not None:  # the cut is on the model's output, not the engine score
        return f"複合スコア>{above:.6g} ({level})"
    return f"スコア>{above:.6g} ({level})"


def _most_corrected(lines: list[str], obs: Sequence[Observation], cal: Calibration | None, n: int) -> None:
    lines += ["## 訂正の多い項目", "", "訂正率 = 訂正・読めない / 職員が確認した項目。", "",
              "| 帳票:項目 | 種類 | 読み取り | 確認 | 訂正 | 訂正率 | 自動確定の範囲 |",
              "|---|---|---:|---:|---:|---:|---|"]
    stats = [s for s in field_stats(obs) if s.corrected][:n]
    lines += [f"| {s.key} | {s.kind} | {s.read} | {s.checked} | {s.corrected} | {_pct(s.rate)} | "
              f"{_threshold(cal, s.key, s.kind)} |" for s in stats]
    if not stats:
        lines.append("| (訂正なし) | | | | | | |")
    lines.append("")


def _confusions(lines: list[str], confusions: Sequence[tuple[str, Confusion]], n: int) -> None:
    lines += ["## よくある読み違い", "",
              "個人情報の項目（personal）と個人番号は対象外です。", "",
              "| 読み取り→確定 | 回数 | 主な項目 |", "|---|---:|---|"]
    where: dict[Confusion, Counter[str]] = defaultdict(Counter)
    for key, c in confusions:
        where[c][key] += 1
    pairs = top((c for _, c in confusions), n)
    lines += [f"| {c.show()} | {k} | {', '.join(f for f, _ in where[c].most_common(2))} |" for c, k in pairs]
    if not pairs:
        lines.append("| (なし) | | |")
    lines.append("")


def _alignment(lines: list[str], pages: Sequence[PageInfo], obs: Sequence[Observation], n: int) -> None:
    lines += ["## 位置合わせに問題のある帳票", "",
              f"位置合わせの品質が {WEAK_ALIGNMENT} 未満のページと、位置合わせできなかったページ"
              "（unaligned）。訂正率は品質の低いページ / それ以外の確認済み項目。", "",
              "| 帳票 | ページ | 位置合わせ不可 | 品質低 | 訂正率（品質低 / 通常） |",
              "|---|---:|---:|---:|---|"]
    by_t: dict[str, list[PageInfo]] = defaultdict(list)
    for p in pages:
        by_t[p.template_id].append(p)
    for tid, ps in sorted(by_t.items()):
        unaligned = sum(p.status == "unaligned" for p in ps)
        weak = sum(p.status == "read" and (p.alignment_quality or 0.0) < WEAK_ALIGNMENT for p in ps)
        rates = []
        for is_weak in (True, False):
            sel = [o for o in obs if o.template_id == tid and o.checked
                   and ((o.alignment_quality or 0.0) < WEAK_ALIGNMENT) == is_weak]
            rates.append(_pct(sum(o.label is False for o in sel) / len(sel)) if sel else "-")
        lines.append(f"| {tid} | {len(ps)} | {unaligned} | {weak} | {rates[0]} / {rates[1]} |")
    poor = [p for p in pages if p.status == "unaligned" or (p.alignment_quality or 0.0) < WEAK_ALIGNMENT]
    worst = sorted(poor, key=lambda p: p.alignment_quality or 0.0)[:n]
    if worst:
        lines += ["", "確認したい書類（文書番号: 品質）: " + ", ".join(
            f"{p.document_id}: {p.alignment_quality or 0.0:.2f}" for p in worst)]
    lines.append("")


def _figures(gate: dict[str, object], side: str) -> tuple[str, str]:
    f = gate.get(side)
    if not isinstance(f, dict):
        return "-", "-"
    return _pct(float(f.get("share", 0.0))), f"{100 * float(f.get('error', 0.0)):.2f} %"


def _history(lines: list[str], history: Sequence[StoredCalibration], obs: Sequence[Observation]) -> None:
    lines += ["## 較正の履歴と効果", "",
              "評価は昇格判定用に取り分けた書類での値（自動確定率 / 自動確定した項目の誤り、"
              "確認されなかった自動確定は正しいものとして数えます）。実績はその版で読み取った項目です"
              "（自動確定の訂正 = 自動確定後に職員が直した件数）。", "",
              "| 版 | 状態 | 作成 | 評価: 自動確定率 前→後 | 評価: 誤り 前→後 "
              "| 実績: 項目 / 自動確定率 / 自動確定の訂正 | 理由 |",
              "|---|---|---|---|---|---|---|"]
    used: dict[str | None, list[Observation]] = defaultdict(list)
    for o in obs:
        used[o.calibration].append(o)
    for h in history:
        (sb, eb), (sa, ea) = _figures(h.gate, "before"), _figures(h.gate, "after")
        mine = used.get(h.version, [])
        c = Counts.of(mine)
        real = f"{c.fields} / {_pct(c.auto / c.fields)} / {c.escaped}" if mine else "-"
        why = "<br>".join(r.split(":", 1)[0] for r in h.reasons) or "-"
        state = STATE_JA.get(h.state.value, h.state.value)
        lines.append(f"| {h.version} | {state} | {h.created_at:%Y-%m-%d} "
                     f"| {sb} → {sa} | {eb} → {ea} | {real} | {why} |")
    if not history:
        lines.append("| (まだありません: 出荷時の較正を使用中) | | | | | | |")
    lines.append("")
    latest = next((h for h in history if h.reasons), None)
    if latest is not None:
        lines += [f"最新の見送り理由（{latest.version}）:", ""] + [f"- {r}" for r in latest.reasons] + [""]


def render_report(data: Extracted, history: Sequence[StoredCalibration], current: Calibration | None,
                  *, now: datetime, days: int | None, top_n: int = 15) -> str:
    obs = data.observations
    c = Counts.of(obs)
    period = f"直近 {days} 日" if days else "全期間"
    lines = ["# 学習レポート（職員の確認結果から）", "",
             f"作成 {now:%Y-%m-%d %H:%M} UTC、対象 {period}。"
             f"現在の較正: {current.version if current else '(なし)'}", "",
             f"- 書類 {c.documents} 件、項目 {c.fields} 件（自動確定 {c.auto} 件、"
             f"{_pct(c.auto / c.fields) if c.fields else '-'}）",
             f"- 職員が確認した項目 {c.checked} 件、うち訂正・読めない {c.misses} 件",
             f"- 自動確定の後で職員が直した項目 {c.escaped} 件", ""]
    _most_corrected(lines, obs, current, top_n)
    _confusions(lines, data.confusions, top_n)
    _alignment(lines, data.pages, obs, 10)
    _history(lines, history, obs)
    return "\n".join(lines) + "\n"
