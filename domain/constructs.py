"""Template constructs that stand for many marks: answer grids and bubbled numbers.

A **grid** (a Likert block, a 40 x 4 answer grid) is declared once: its rows (ids and
labels), its columns (values and labels) and the geometry of its marks (the first
mark's top-left corner, the mark size and the pitch between columns and rows). The
template expands it into one choice field per row (``<grid id>_<row id>``, several
answers per row with ``multiple: true``), read by OMR into one value per row.

A **bubbled number** (a student or member number whose digits are bubbled in columns
of 0-9) is a ``digits`` field with ``bubbles``: every column is one digit position,
read by OMR, and the field's value is the whole number, positions kept.

Errors are Japanese: an admin writes these by hand.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PosMm = Annotated[float, Field(ge=0, le=2000)]
SizeMm = Annotated[float, Field(gt=0, le=100)]
SizeMmWide = Annotated[float, Field(gt=0, le=2000)]
ROW_ID = r"^[a-z0-9][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GridRow(_Strict):
    """One row of a grid: its id (part of the field id) and its printed question."""

    id: str = Field(pattern=ROW_ID, max_length=30)
    label: str | None = None


class GridColumn(_Strict):
    """One column of a grid: the value stored when its mark is chosen, and its label."""

    value: str = Field(min_length=1)
    label: str | None = None
    x: PosMm | None = None  # left edge of this column's marks, when columns are not evenly spaced


class Pitch(_Strict):
    x: Annotated[float, Field(ge=0, le=300)] = 0.0  # column to column (mm)
    y: Annotated[float, Field(ge=0, le=300)] = 0.0  # row to row (mm)


class MarkSize(_Strict):
    w: SizeMm
    h: SizeMm


class RowBox(_Strict):
    x: PosMm
    w: SizeMmWide
    h: SizeMm


class Origin(_Strict):
    x: PosMm
    y: PosMm


def _rows_from_strings(value: Any) -> Any:
    if isinstance(value, list):
        return [{"id": str(v)} if isinstance(v, str | int) else v for v in value]
    return value


def _columns_from_strings(value: Any) -> Any:
    if isinstance(value, list):
        return [{"value": str(v)} if isinstance(v, str | int) else v for v in value]
    return value


class GridSpec(_Strict):
    """Rows x columns of marks, declared once (see the module docstring)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    label: str = Field(min_length=1)
    page: Annotated[int, Field(ge=1)] = 1
    multiple: bool = False  # several answers per row (multi_choice) or one (choice)
    mark_style: Literal["box", "bubble"] = "box"  # □ ticked, or printed ○ filled in
    required: bool = False
    origin: Origin  # top-left corner of the first row's first mark
    mark: MarkSize
    pitch: Pitch
    rows: list[GridRow]
    columns: list[GridColumn]
    # each row's field box when it is a ruled row wider than its marks: left edge, width,
    # height (centred on the marks); default: the marks plus 0.5 mm
    row_box: RowBox | None = None
    guessed: list[str] = []  # drafted and not yet confirmed (as FieldSpec.guessed)

    _rows = field_validator("rows", mode="before")(_rows_from_strings)
    _columns = field_validator("columns", mode="before")(_columns_from_strings)

    @model_validator(mode="after")
    def _check(self) -> GridSpec:
        name = f"グリッド '{self.id}'"
        if not self.rows:
            raise ValueError(f"{name}: 行（rows）を1つ以上指定してください")
        if len(self.columns) < 2:
            raise ValueError(f"{name}: 列（columns）は2つ以上必要です")
        _unique([r.id for r in self.rows], f"{name}: 行のIDが重複しています")
        _unique([c.value for c in self.columns], f"{name}: 列の値が重複しています")
        lefts = [self.column_x(c) for c in range(len(self.columns))]
        gaps = [b - a for a, b in itertools.pairwise(lefts)]
        if gaps and min(gaps) < self.mark.w:
            step = min(gaps)
            raise ValueError(f"{name}: 列の間隔 {step:.1f} mm が印の幅 {self.mark.w} mm より狭く、"
                             "印が重なります（pitch.x か列の x を確認してください）")
        if len(self.rows) > 1 and self.pitch.y < self.mark.h:
            raise ValueError(f"{name}: 行の間隔 {self.pitch.y} mm が印の高さ {self.mark.h} mm より狭く、"
                             "印が重なります（pitch.y を確認してください）")
        if self.row_box is not None:
            right = self.column_x(len(self.columns) - 1) + self.mark.w
            if self.row_box.x > self.column_x(0) or self.row_box.x + self.row_box.w < right \
                    or self.row_box.h < self.mark.h:
                raise ValueError(f"{name}: row_box（行の枠）が印を囲んでいません")
        return self

    def field_id(self, row: GridRow) -> str:
        return f"{self.id}_{row.id}"

    def column_x(self, column: int) -> float:
        x = self.columns[column].x
        return float(x) if x is not None else self.origin.x + column * self.pitch.x

    def mark_box(self, row: int, column: int) -> tuple[float, float, float, float]:
        """(x, y, w, h) in mm of one mark."""
        return (round(self.column_x(column), 2), round(self.origin.y + row * self.pitch.y, 2),
                self.mark.w, self.mark.h)

    @property
    def extent(self) -> tuple[float, float]:
        """Right and bottom edge (mm) of the last marks."""
        x, y, w, h = self.mark_box(len(self.rows) - 1, len(self.columns) - 1)
        return x + w, y + h


class BubbleColumns(_Strict):
    """A number bubbled in columns: column i is digit i, its rows are ``values`` top down."""

    origin: Origin  # top-left corner of the first column's first bubble
    mark: MarkSize
    pitch: Pitch
    columns: Annotated[int, Field(ge=1, le=20)]
    values: str = Field(default="0123456789", min_length=2)

    @model_validator(mode="after")
    def _check(self) -> BubbleColumns:
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"バブルの値 '{self.values}' に重複があります")
        if self.columns > 1 and self.pitch.x < self.mark.w:
            raise ValueError(f"バブルの列の間隔 {self.pitch.x} mm が印の幅 {self.mark.w} mm より狭く、"
                             "印が重なります")
        if self.pitch.y < self.mark.h:
            raise ValueError(f"バブルの行の間隔 {self.pitch.y} mm が印の高さ {self.mark.h} mm より狭く、"
                             "印が重なります")
        return self

    def mark_box(self, column: int, row: int) -> tuple[float, float, float, float]:
        return (round(self.origin.x + column * self.pitch.x, 2), round(self.origin.y + row * self.pitch.y, 2),
                self.mark.w, self.mark.h)

    @property
    def extent(self) -> tuple[float, float]:
        x, y, w, h = self.mark_box(self.columns - 1, len(self.values) - 1)
        return x + w, y + h


def _unique(items: list[str], message: str) -> None:
    dup = sorted({i for i in items if items.count(i) > 1})
    if dup:
        raise ValueError(f"{message}: {', '.join(dup)}")
