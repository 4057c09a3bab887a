"""A proposed field while drafting (pixels), and the page context the finders share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from authoring.geometry import Rect
from authoring.labels import TextLine
from authoring.structure import Structure
from domain.status import FieldKind

LEFT_REACH_MM = 90.0  # a table's label column can be far from its answer column


@dataclass
class Option:
    value: str
    label: str
    rect: Rect
    printed: bool = True  # False: no label printed after the mark (a number or a column header)


@dataclass
class Proposal:
    rect: Rect
    kind: FieldKind
    source: str  # cell, char-boxes, date-cell, circle, squares, checkbox, underline
    label: str = ""
    label_conf: float = 0.0
    label_position: Literal["left", "above", "none"] = "none"
    kind_reason: str = ""
    kind_sure: bool = False
    cells: int | None = None
    options: list[Option] = field(default_factory=list)
    fixed_era: str | None = None
    era_from: Proposal | None = None
    mark_style: Literal["box", "circle", "bubble"] = "box"
    rows: list[Proposal] = field(default_factory=list)  # a grid: its rows (each a choice)
    bubble_columns: list[list[Rect]] = field(default_factory=list)  # a bubbled number, 0-9 top down
    box_drawn: bool = True  # False: the box is inferred (no ruled rectangle around it)
    question: str = ""  # text above a choice (decides multi_choice)


@dataclass
class Page:
    """One page being drafted: its structure, its text lines, and the lines already used."""

    s: Structure
    lines: list[TextLine]
    used: set[int] = field(default_factory=set)  # lines consumed as option labels or options
    japanese: bool = True  # the page is printed in Japanese (its conventions apply: 7 boxes = 〒)

    def mm(self, v: float) -> int:
        return round(v * self.s.px_per_mm)


def inside(r: Rect, box: Rect) -> bool:
    return box.contains_point(r.cx, r.cy)


def row_overlap(a: Rect, b: Rect) -> bool:
    return a.v_overlap(b) >= 0.5 * min(a.h, b.h)


JAPANESE_SHARE = 0.3  # of a page's read lines holding kana or kanji


def is_japanese(lines: list[TextLine]) -> bool:
    """A page printed in Japanese: enough of its lines with letters in them hold kana or kanji
    (lines of digits only say nothing; a page with no letters read counts as Japanese)."""
    read = [ln for ln in lines if any(c.isalpha() for c in ln.text)]
    ja = sum(any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in ln.text) for ln in read)
    return not read or ja >= JAPANESE_SHARE * len(read)
