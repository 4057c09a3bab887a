"""The Japanese/English summary of a drafted template: what was found and how sure."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from authoring.draft import Draft
from authoring.fields import Proposal
from domain.model import FieldSpec

SURE_JA = {"high": "高", "medium": "中", "low": "低"}
LABEL_SURE = 0.9
LABEL_DOUBT = 0.6


@dataclass(frozen=True)
class Row:
    field: FieldSpec
    sure: str  # high / medium / low
    why: str  # English reason, e.g. "label has 電話"


def sureness(p: Proposal) -> str:
    """high: the kind came from an explicit word or shape and the label read cleanly;
    low: the kind is the fallback, or no label / a doubtful reading; else medium."""
    if not p.kind_sure or not p.label or p.label_conf < LABEL_DOUBT:
        return "low"
    if p.label_conf >= LABEL_SURE and p.box_drawn:
        return "high"
    return "medium"


def rows(draft: Draft) -> list[Row]:
    """One row per drafted field (a grid: one per grid row), in the order proposed."""
    out: list[Row] = []
    fields = draft.template.fields
    by_id = {f.id: f for f in fields}
    for pg, ids in zip(draft.pages, draft.field_ids, strict=True):
        for p, fid in zip(pg.proposals, ids, strict=True):
            made = [f for f in fields if f.grid == fid] if p.source == "grid" else [by_id[fid]]
            why = p.kind_reason or "-"
            if not p.label:
                why += "; no label found"
            elif p.label_conf < LABEL_SURE:
                why += f"; label read at {p.label_conf:.2f}"
            if not p.box_drawn:
                why += "; box inferred"
            out += [Row(f, sureness(p), why + (f"; grid {fid}" if f.grid else "")) for f in made]
    return out


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, width: int) -> str:
    out = ""
    for c in text:
        if _width(out + c) > width - (1 if _width(text) > width else 0):
            return out + "…" + " " * (width - _width(out) - 1)
        out += c
    return out + " " * (width - _width(out))


def _detail(f: FieldSpec) -> str:
    if f.cells:
        return f"cells {f.cells}"
    if f.options:
        style = {"circle": "○", "bubble": "◯"}.get(f.mark_style, "□")
        return f"{style} " + "/".join(o.label for o in f.options)
    if f.fixed_era:
        return f"era {f.fixed_era}"
    if f.era_field:
        return f"era ← {f.era_field}"
    return ""


def render(draft: Draft) -> str:
    """The summary table (one line per field) and totals, Japanese with English."""
    t = draft.template
    lines = [f"下書きテンプレート draft template: {t.id}  「{t.title}」  status={t.status} source={t.source}"]
    for pg in draft.pages:
        lines.append(f"  {pg.number}ページ page {pg.number}: {pg.size.name} {pg.size.width_mm:g}×"
                     f"{pg.size.height_mm:g} mm, ~{pg.size.dpi:.0f} dpi, 傾き skew {pg.skew_deg:+.2f}°, "
                     f"罫線枠 cells {len(pg.structure.cells)}, □ {len(pg.structure.squares)}, "
                     f"下線 underlines {len(pg.structure.underlines)}, 文字行 text lines {len(pg.lines)}")
    head = (f"{'頁':<3}{_fit('項目ID id', 20)} {_fit('種類 kind', 13)} {_fit('ラベル label', 26)} "
            f"{_fit('位置 box x,y,w,h mm', 24)} {_fit('詳細 detail', 26)} 確度 sure")
    lines += ["", head, "-" * _width(head)]
    table = rows(draft)
    for r in table:
        f = r.field
        box = f"{f.box.x:.0f},{f.box.y:.0f},{f.box.w:.0f},{f.box.h:.0f}"
        lines.append(f"{f.page:<3}{_fit(f.id, 20)} {_fit(str(f.kind), 13)} {_fit(f.label, 26)} "
                     f"{_fit(box, 24)} {_fit(_detail(f), 26)} {SURE_JA[r.sure]} {r.sure:<6} {r.why}")
    counts = {s: sum(r.sure == s for r in table) for s in SURE_JA}
    lines += ["", f"検出 {len(table)} 項目 (fields found): 確度 高 {counts['high']} / "
              f"中 {counts['medium']} / 低 {counts['low']} (high / medium / low)",
              "すべて推定です。管理者が確認してから status: active にしてください "
              "(every attribute is a guess, listed in each field's 'guessed'; confirm before activating)."]
    return "\n".join(lines)
