"""Survey aggregation (pure pandas over :class:`reports.data.Forms`).

Only forms that count (see :mod:`reports.data`) are aggregated; the result says how
many were left out and why. Conventions, as in municipal survey reports:

* single choice: every option, then 複数回答 (two or more marks that staff confirmed
  as such, i.e. no single answer) and 無回答 (nothing marked, or unreadable as decided
  by staff), then 合計; percentages of all counted forms (n), one decimal, so a
  question's rows add up to n and to 100 %;
* multiple choice: every option and 無回答 (nothing marked); percentages of n, so they
  may add up to more than 100 %;
* 満足度 grid: the choice fields whose options are the five-point scale
  満足 … 不満, one row per item; mean score (満足=5 … 不満=1) over the single answers
  only (複数回答 and 無回答 are not scores);
* cross-tabulations of every single-choice question by age bracket and by area
  (counts; each row adds up to the forms in that bracket, 合計 row and column);
* free comments: every non-empty one with its document id and file name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from domain.model import FieldSpec, FormTemplate
from domain.status import FieldKind, FieldStatus, IssueCode
from reports.data import EXCLUSION_JA, Exclusion, Forms

NO_ANSWER = "無回答"
MULTIPLE = "複数回答"
TOTAL = "合計"
COUNT = "件数"
PERCENT = "割合(%)"
SCALE: tuple[str, ...] = ("満足", "やや満足", "普通", "やや不満", "不満")
SCORES: dict[str, int] = {v: 5 - i for i, v in enumerate(SCALE)}
MEAN = "平均点"
VALID = "有効回答数"
CROSS_BY: tuple[str, ...] = ("age_bracket", "area")


@dataclass(frozen=True)
class Table:
    """One table of a report: ``key`` names files and sheets, ``title`` is Japanese."""

    key: str
    title: str
    kind: str  # single | multi | grid | cross | comments
    frame: pd.DataFrame
    note: str = ""
    field_id: str | None = None


@dataclass(frozen=True)
class SurveyResult:
    template: FormTemplate
    total_forms: int
    counted: int
    excluded: dict[Exclusion, int]
    tables: list[Table] = field(default_factory=list)

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())

    def exclusion_text(self) -> str:
        """E.g. '集計対象外 3 件（職員の確認待ちの項目がある 2 件、…）' or '集計対象外 0 件'."""
        if not self.excluded:
            return "集計対象外 0 件"
        parts = "、".join(f"{EXCLUSION_JA[e]} {n} 件" for e, n in self.excluded.items())
        return f"集計対象外 {self.excluded_total} 件（{parts}）"


def is_survey(template: FormTemplate) -> bool:
    """A survey: choice questions and no personal fields."""
    return any(f.is_mark for f in template.fields) and not any(f.personal for f in template.fields)


def scale_fields(template: FormTemplate) -> list[FieldSpec]:
    return [f for f in template.fields
            if f.kind is FieldKind.CHOICE and tuple(o.value for o in f.options) == SCALE]


def single_fields(template: FormTemplate) -> list[FieldSpec]:
    grid = {f.id for f in scale_fields(template)}
    return [f for f in template.fields if f.kind is FieldKind.CHOICE and f.id not in grid]


def answers(forms: Forms, spec: FieldSpec) -> pd.Series:
    """A single-choice field as categories: the options, 複数回答, 無回答 (template order)."""
    values = forms.values[spec.id]
    options = [o.value for o in spec.options]
    multiple = [_is_multiple(v, i, s) for v, i, s in
                zip(values, forms.issues[spec.id], forms.status[spec.id], strict=True)]
    cats = [MULTIPLE if m else (v if v in options else NO_ANSWER)
            for v, m in zip(values, multiple, strict=True)]
    return pd.Series(pd.Categorical(cats, categories=[*options, MULTIPLE, NO_ANSWER]),
                     index=forms.values.index, name=spec.label)


def _is_multiple(value: object, issues: object, status: object) -> bool:
    if isinstance(value, list):  # staff kept both marks
        return len(value) > 1
    return (value is None and status != FieldStatus.CORRECTED.value
            and isinstance(issues, tuple) and IssueCode.MULTIPLE_MARKS.value in issues)


def _with_percent(counts: pd.Series, n: int, label: str) -> pd.DataFrame:
    pct = (counts / n * 100).round(1) if n else counts * 0.0
    return pd.DataFrame({label: counts.index.astype(str), COUNT: counts.to_numpy().astype(int),
                         PERCENT: pct.to_numpy().astype(float)})


def single_counts(forms: Forms, spec: FieldSpec) -> pd.DataFrame:
    counts = answers(forms, spec).value_counts(sort=False)
    n = len(forms.meta)
    table = _with_percent(counts, n, "回答")
    total = pd.DataFrame({"回答": [TOTAL], COUNT: [n], PERCENT: [100.0 if n else 0.0]})
    return pd.concat([table, total], ignore_index=True)


def multi_counts(forms: Forms, spec: FieldSpec) -> pd.DataFrame:
    options = [o.value for o in spec.options]
    chosen = [v if isinstance(v, list) else [] for v in forms.values[spec.id]]
    counts = pd.Series(0, index=[*options, NO_ANSWER], dtype=int)
    exploded = pd.Series([x for c in chosen for x in c if x in options], dtype=object)
    counts.update(exploded.value_counts())
    counts[NO_ANSWER] = sum(1 for c in chosen if not any(x in options for x in c))
    n = len(forms.meta)
    table = _with_percent(counts, n, "選択肢")
    base = pd.DataFrame({"選択肢": ["回答者数（n）"], COUNT: [n], PERCENT: [100.0 if n else 0.0]})
    return pd.concat([table, base], ignore_index=True)


def satisfaction(forms: Forms, specs: Sequence[FieldSpec]) -> pd.DataFrame:
    """One row per grid item: counts per scale point, 複数回答, 無回答, valid n, mean score."""
    rows = []
    for spec in specs:
        counts = answers(forms, spec).value_counts(sort=False)
        valid = int(counts[list(SCALE)].sum())
        score = sum(SCORES[v] * int(counts[v]) for v in SCALE)
        rows.append({"項目": spec.label, **{c: int(counts[c]) for c in (*SCALE, MULTIPLE, NO_ANSWER)},
                     VALID: valid, MEAN: round(score / valid, 2) if valid else np.nan})
    return pd.DataFrame(rows, columns=["項目", *SCALE, MULTIPLE, NO_ANSWER, VALID, MEAN])


def crosstab(forms: Forms, by: FieldSpec, spec: FieldSpec) -> pd.DataFrame:
    """Counts of ``spec``'s answers per category of ``by`` (rows), with 合計 row and column."""
    rows, cols = answers(forms, by), answers(forms, spec)
    table = pd.crosstab(rows, cols, dropna=False, margins=True, margins_name=TOTAL)
    order_r = [c for c in [*rows.cat.categories, TOTAL] if c in table.index]
    order_c = [c for c in [*cols.cat.categories, TOTAL] if c in table.columns]
    table = table.reindex(index=order_r, columns=order_c, fill_value=0).astype(int)
    table.index.name, table.columns.name = by.label, None
    return table.reset_index()


def satisfaction_by(forms: Forms, by: FieldSpec, grid: Sequence[FieldSpec]) -> pd.DataFrame:
    """Mean score of each grid item per category of ``by`` (rows), with the forms per row."""
    rows = answers(forms, by)
    out = pd.DataFrame(index=pd.Index([*rows.cat.categories, TOTAL], name=by.label))
    out["回答者数"] = [*rows.value_counts(sort=False).astype(int), len(rows)]
    for spec in grid:
        score = answers(forms, spec).astype(object).map(SCORES).astype(float)
        means = score.groupby(rows, observed=False).mean()
        out[spec.label] = [*means.round(2), round(score.mean(), 2) if score.notna().any() else np.nan]
    return out.reset_index()


def comments(forms: Forms, spec: FieldSpec) -> pd.DataFrame:
    """Every non-empty free comment with the document it came from (document order)."""
    rows = [(int(doc), str(src), str(v).strip())
            for (doc, _seq), src, v in zip(forms.meta.index, forms.meta["source_name"],
                                           forms.values[spec.id], strict=True)
            if isinstance(v, str) and v.strip()]
    return pd.DataFrame(rows, columns=["受付番号", "原本ファイル", spec.label])


def aggregate(forms: Forms, cross_by: Sequence[str] = CROSS_BY) -> SurveyResult:
    """Every table of the survey report, over the forms that count."""
    t = forms.template
    ok = forms.included
    n = len(ok.meta)
    tables: list[Table] = []
    for spec in single_fields(t):
        tables.append(Table(spec.id, spec.label, "single", single_counts(ok, spec),
                            f"n={n}（単一回答）", spec.id))
    for spec in (f for f in t.fields if f.kind is FieldKind.MULTI_CHOICE):
        tables.append(Table(spec.id, spec.label, "multi", multi_counts(ok, spec),
                            f"n={n}（複数回答可のため割合の合計は100%を超えることがあります）", spec.id))
    grid = scale_fields(t)
    if grid:
        tables.append(Table("satisfaction", "満足度", "grid", satisfaction(ok, grid),
                            f"n={n}。平均点は 満足=5・やや満足=4・普通=3・やや不満=2・不満=1 として、"
                            "複数回答・無回答を除いて計算"))
    by_specs = [t.field(b) for b in cross_by if b in {f.id for f in t.fields}]
    for by in by_specs:
        for spec in single_fields(t):
            if spec.id == by.id or spec.id in cross_by:
                continue
            tables.append(Table(f"cross_{by.id}_{spec.id}", f"{by.label}別 {spec.label}", "cross",
                                crosstab(ok, by, spec), f"件数（n={n}）", spec.id))
        if grid:
            tables.append(Table(f"mean_{by.id}", f"{by.label}別 満足度の平均点", "cross",
                                satisfaction_by(ok, by, grid), "平均点（満足=5 … 不満=1）と回答者数"))
    for spec in (f for f in t.fields if f.kind is FieldKind.FREE_TEXT):
        frame = comments(ok, spec)
        tables.append(Table(spec.id, spec.label, "comments", frame, f"{len(frame)} 件", spec.id))
    return SurveyResult(t, forms.total, n, forms.excluded_counts(), tables)
