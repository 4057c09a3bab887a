"""Merge drafted checkboxes into one choice field, or into one grid (rows × columns).

The draft often finds the □ of a question as separate checkboxes; an admin selects them
in the editor and merges them. Pure functions like :mod:`authoring.edits`: template in,
edited template out, refused with :class:`EditRefused` (Japanese for the admin).
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence
from typing import Any

from authoring.edits import FIELD_ID, EditRefused, _own_fields, rebuild
from domain.model import Box, FieldSpec, FormTemplate
from domain.status import FieldKind

PAD_MM = 1.0  # the merged field's box: the marks plus this much
ALIGN_MM = 1.5  # marks of one column (or one row) sit within this of each other
PITCH_MM = 0.75  # rows of a grid follow each other at a steady pitch within this
GRID_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _checkboxes(template: FormTemplate, field_ids: Sequence[str]) -> list[FieldSpec]:
    """The selected fields: at least two distinct checkboxes on one page, no two overlapping."""
    ids = list(dict.fromkeys(field_ids))
    if len(ids) < 2:
        raise EditRefused(f"template {template.id}: fewer than 2 boxes to merge",
                          "まとめるチェック欄を2つ以上選んでください")
    by_id = {f.id: f for f in template.fields}
    boxes = []
    for i in ids:
        f = by_id.get(i)
        if f is None:
            raise EditRefused(f"template {template.id}: no field with the posted id",
                              "指定した項目がありません")
        if f.kind is not FieldKind.CHECKBOX or f.grid is not None:
            raise EditRefused(f"template {template.id}: field {f.id} is not a checkbox",
                              f"項目「{f.label}」（{f.id}）はチェック欄ではありません。まとめられるのはチェック欄だけです")
        boxes.append(f)
    if len({f.page for f in boxes}) > 1:
        raise EditRefused(f"template {template.id}: boxes on different pages",
                          "別々のページのチェック欄は1つにまとめられません")
    for n, a in enumerate(boxes):
        for b in boxes[n + 1:]:
            if _overlap(a.box, b.box):
                raise EditRefused(f"template {template.id}: boxes {a.id} and {b.id} overlap",
                                  f"チェック欄「{a.label}」と「{b.label}」の枠が重なっています。"
                                  "先に枠を直してください")
    return boxes


def _overlap(a: Box, b: Box) -> bool:
    return a.x < b.x2 and b.x < a.x2 and a.y < b.y2 and b.y < a.y2


def _new_id(template: FormTemplate, new_id: str, merged: set[str], pattern: re.Pattern[str]) -> str:
    if not pattern.match(new_id):
        raise EditRefused(f"template {template.id}: bad new id",
                          "IDは半角英小文字で始め、半角英小文字・数字・_ だけで書いてください")
    if any(f.id == new_id and f.id not in merged for f in template.fields) \
            or any(g.id == new_id for g in template.grids):
        raise EditRefused(f"template {template.id}: id {new_id} is taken",
                          f"ID「{new_id}」は既に使われています")
    return new_id


def _label(label: str) -> str:
    clean = " ".join(label.split())
    if not clean:
        raise EditRefused("empty label", "項目名（設問）を入力してください")
    return clean[:120]


def merge_into_choice(template: FormTemplate, field_ids: Sequence[str], new_id: str, label: str,
                      mark_style: str = "box", multiple: bool = False) -> FormTemplate:
    """One choice (or multi-choice) field whose options are the selected checkboxes.

    Each option keeps its checkbox's box; its value and label are the checkbox's label
    (its id when two labels are the same). The new field takes the place of the first
    selected checkbox in the field list; its guesses count as confirmed (an admin chose).
    """
    boxes = _checkboxes(template, field_ids)
    merged = {f.id for f in boxes}
    new_id = _new_id(template, new_id, merged, FIELD_ID)
    if mark_style not in ("box", "bubble", "circle"):
        raise EditRefused(f"template {template.id}: unknown mark style", "印の形の指定が正しくありません")
    boxes.sort(key=lambda f: (round(f.box.y / ALIGN_MM), f.box.x))  # reading order
    labels = [" ".join(f.label.split()) for f in boxes]
    values = labels if len(set(labels)) == len(labels) and all(labels) else [f.id for f in boxes]
    width, height = template.page_size_mm
    x0 = max(0.0, min(f.box.x for f in boxes) - PAD_MM)
    y0 = max(0.0, min(f.box.y for f in boxes) - PAD_MM)
    x1 = min(width, max(f.box.x2 for f in boxes) + PAD_MM)
    y1 = min(height, max(f.box.y2 for f in boxes) + PAD_MM)
    field: dict[str, Any] = {
        "id": new_id, "label": _label(label),
        "kind": (FieldKind.MULTI_CHOICE if multiple else FieldKind.CHOICE).value, "page": boxes[0].page,
        "box": {"x": round(x0, 2), "y": round(y0, 2), "w": round(x1 - x0, 2), "h": round(y1 - y0, 2)},
        "required": any(f.required for f in boxes), "mark_style": mark_style,
        "options": [{"value": v, "label": lab or v, "box": f.box.model_dump(mode="json")}
                    for v, lab, f in zip(values, labels, boxes, strict=True)]}
    own = _own_fields(template)
    at = next(n for n, d in enumerate(own) if d["id"] in merged)  # the first merged box's place
    fields = [d for d in own[:at] if d["id"] not in merged] + [field] \
        + [d for d in own[at:] if d["id"] not in merged]
    return rebuild(template, fields=fields)


def _clusters(values: list[float], reach: float) -> list[list[int]]:
    """Indices of ``values`` grouped where they lie within ``reach`` of the group's first."""
    order = sorted(range(len(values)), key=values.__getitem__)
    groups: list[list[int]] = []
    for i in order:
        if groups and values[i] - values[groups[-1][0]] <= reach:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def merge_into_grid(template: FormTemplate, field_ids: Sequence[str], grid_id: str, label: str,
                    columns: Sequence[str] = (), mark_style: str = "box", multiple: bool = False
                    ) -> FormTemplate:
    """One grid from checkboxes laid out in rows × columns (a Likert block, an answer grid).

    Rows must follow each other at a steady pitch and every row must have a mark in
    every column. Columns take ``columns`` as values (one per column), else 1, 2, 3 …, and
    the first row's checkbox labels (the text printed after each mark) as labels; rows are
    numbered 1, 2, 3 … (each row's field is labelled "<label> <n>").
    """
    boxes = _checkboxes(template, field_ids)
    merged = {f.id for f in boxes}
    grid_id = _new_id(template, grid_id, merged, GRID_ID)
    if mark_style not in ("box", "bubble"):
        raise EditRefused(f"template {template.id}: unknown grid mark style",
                          "グリッドの印は □ か ○ だけです")
    rows = [sorted((boxes[i] for i in group), key=lambda f: f.box.x)
            for group in _clusters([f.box.center[1] for f in boxes], ALIGN_MM)]
    n_cols = len(rows[0])
    if any(len(r) != n_cols for r in rows) or n_cols < 2:
        raise EditRefused(f"template {template.id}: grid rows of unequal length",
                          "行ごとのチェック欄の数が揃っていません（どの行も同じ数、2つ以上にしてください）")
    col_x = [statistics.fmean(r[c].box.x for r in rows) for c in range(n_cols)]
    if any(abs(r[c].box.x - col_x[c]) > ALIGN_MM for r in rows for c in range(n_cols)):
        raise EditRefused(f"template {template.id}: grid columns not aligned",
                          "チェック欄が列ごとに縦に揃っていません")
    row_y = [statistics.fmean(f.box.y for f in r) for r in rows]
    steps = [b - a for a, b in itertools.pairwise(row_y)]
    pitch_y = statistics.fmean(steps) if steps else 0.0
    if any(abs(s - pitch_y) > PITCH_MM for s in steps):
        raise EditRefused(f"template {template.id}: grid rows not evenly spaced",
                          "行の間隔が一定ではありません。間隔の違う行は別のグリッドにしてください")
    values = [" ".join(c.split()) for c in columns if c.strip()]
    if values and len(values) != n_cols:
        raise EditRefused(f"template {template.id}: {len(values)} column values for {n_cols} columns",
                          f"列の値の数（{len(values)}）が列の数（{n_cols}）と違います")
    values = values or [str(c + 1) for c in range(n_cols)]
    steps_x = [b - a for a, b in itertools.pairwise(col_x)]
    even = all(abs(s - statistics.fmean(steps_x)) <= PITCH_MM for s in steps_x)
    grid: dict[str, Any] = {
        "id": grid_id, "label": _label(label), "page": boxes[0].page, "multiple": multiple,
        "mark_style": mark_style, "required": any(f.required for f in boxes),
        "origin": {"x": round(col_x[0], 2), "y": round(row_y[0], 2)},
        "mark": {"w": round(statistics.fmean(f.box.w for f in boxes), 2),
                 "h": round(statistics.fmean(f.box.h for f in boxes), 2)},
        "pitch": {"x": round(statistics.fmean(steps_x), 2) if even else 0.0, "y": round(pitch_y, 2)},
        "rows": [{"id": str(n + 1)} for n in range(len(rows))],
        "columns": [{"value": v, "label": " ".join(f.label.split()) or v,
                     **({} if even else {"x": round(x, 2)})}
                    for v, x, f in zip(values, col_x, rows[0], strict=True)]}
    fields = [d for d in _own_fields(template) if d["id"] not in merged]
    grids = [*template.model_dump(mode="json")["grids"], grid]
    return rebuild(template, fields=fields, grids=grids)
