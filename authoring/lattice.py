"""Blocks of printed bubbles: answer grids, numbers bubbled in columns, letter columns.

Bubbles of one size that sit a steady pitch apart, left-right or up-down, form a
lattice. In a lattice:

* columns of exactly ten bubbles, side by side, are a number bubbled in columns of
  0-9 (a student or member number): one ``digits`` field with ``bubbles``;
* what remains, when every row is full and there are at least two rows and two
  columns, is a grid whose rows are questions (a Likert block): one choice row per
  row, labelled and joined into a grid later (:mod:`authoring.grids`);
* anything else is read down its columns: neighbouring columns are one choice
  (a column of letters, U/A/HT/NT).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from authoring.geometry import Rect, union_all
from authoring.proposal import Option, Page, Proposal
from domain.status import FieldKind

LINK = 2.2  # neighbours are at most this many bubble sizes apart (centre to centre)
ALIGN = 0.3  # ... and off their row / column by at most this share of a size
DIGITS = 10


@dataclass
class Lattice:
    bubbles: list[Rect]
    size: float
    columns: list[list[Rect]]  # left to right, each top to bottom


def _linked(a: Rect, b: Rect) -> bool:
    size = (a.w + a.h + b.w + b.h) / 4
    if abs(a.w - b.w) > 0.2 * size or abs(a.h - b.h) > 0.2 * size:
        return False
    dx, dy = abs(a.cx - b.cx), abs(a.cy - b.cy)
    return (dy <= ALIGN * size and 0 < dx <= LINK * size) or (dx <= ALIGN * size and 0 < dy <= LINK * size)


def lattices(bubbles: Sequence[Rect]) -> list[Lattice]:
    """Connected blocks (≥ 4 bubbles) of same-size bubbles at bubble pitch."""
    n = len(bubbles)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if _linked(bubbles[i], bubbles[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[Rect]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(bubbles[i])
    out = []
    for members in groups.values():
        if len(members) < 4:
            continue
        size = statistics.median((b.w + b.h) / 2 for b in members)
        cols: list[list[Rect]] = []
        for b in sorted(members, key=lambda r: r.cx):
            if cols and abs(statistics.median(c.cx for c in cols[-1]) - b.cx) <= ALIGN * size:
                cols[-1].append(b)
            else:
                cols.append([b])
        out.append(Lattice(members, size, [sorted(c, key=lambda r: r.cy) for c in cols]))
    return out


def _rows(lat: Lattice, columns: list[list[Rect]]) -> list[list[Rect]]:
    rows: list[list[Rect]] = []
    for b in sorted((b for c in columns for b in c), key=lambda r: r.cy):
        if rows and abs(statistics.median(r.cy for r in rows[-1]) - b.cy) <= ALIGN * lat.size:
            rows[-1].append(b)
        else:
            rows.append([b])
    return [sorted(r, key=lambda q: q.cx) for r in rows]


def _side_label(pg: Page, b: Rect) -> str | None:
    """The text printed just left of a bubble on its row (U, A, HT ...), if any."""
    best = None
    for k, ln in enumerate(pg.lines):
        r = ln.rect
        if r.v_overlap(b) >= 0.5 * b.h and 0 <= b.x0 - r.x1 <= pg.mm(2.0) and r.w <= pg.mm(12):
            best = k
    return pg.lines[best].clean if best is not None else None


def propose_lattices(pg: Page) -> tuple[list[Proposal], set[int]]:
    """Proposals from bubble blocks, and the ids of the bubbles they used."""
    props: list[Proposal] = []
    used: set[int] = set()
    for lat in lattices(pg.s.bubbles):
        cols = lat.columns
        digit = _digit_columns(cols, lat.size)
        runs: list[list[int]] = []
        for i in digit:
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        in_number: set[int] = set()
        for run in runs:
            if len(run) < 2 and len(cols) > 1:
                continue
            in_number.update(run)
            number = [cols[i] for i in run]
            props.append(Proposal(union_all([b for c in number for b in c]), FieldKind.DIGITS,
                                  "bubbled-number", kind_reason=f"{len(run)} columns of 10 bubbles",
                                  kind_sure=True, mark_style="bubble", box_drawn=False,
                                  bubble_columns=number))
        rest = [c for i, c in enumerate(cols) if i not in in_number]
        rows = _rows(lat, rest)
        full = len(rows) >= 2 and len({len(r) for r in rows}) == 1 and len(rows[0]) >= 2
        if full and not in_number:
            for r in rows:
                opts = [Option(str(k), str(k), b) for k, b in enumerate(r, start=1)]
                props.append(Proposal(union_all(r), FieldKind.CHOICE, "squares", options=opts,
                                      mark_style="bubble", box_drawn=False,
                                      kind_reason=f"{len(r)} bubbles", kind_sure=True))
        else:
            for block in _adjacent(rest, lat.size):
                marks = [b for c in block for b in c]
                opts = [Option(lab or str(k), lab or str(k), b)
                        for k, b in enumerate(marks, start=1) for lab in [_side_label(pg, b)]]
                seen: set[str] = set()
                for o in opts:  # values must be unique
                    if o.value in seen:
                        o.value = f"{o.value}_{len(seen)}"
                    seen.add(o.value)
                kind = FieldKind.CHOICE if len(marks) > 1 else FieldKind.CHECKBOX
                props.append(Proposal(union_all(marks), kind, "bubble-column",
                                      options=opts if len(marks) > 1 else [], mark_style="bubble",
                                      box_drawn=False, kind_reason=f"{len(marks)} bubbles in columns",
                                      kind_sure=True))
        used.update(id(b) for b in lat.bubbles)
    return props, used


def _digit_columns(cols: list[list[Rect]], size: float) -> list[int]:
    """Columns of ten bubbles, and columns whose bubbles all sit on those ten rows (a
    filled or crossed bubble the structure missed leaves a gap, not a shorter column)."""
    full = [c for c in cols if len(c) == DIGITS]
    if not full:
        return []
    rows = [statistics.median(c[r].cy for c in full) for r in range(DIGITS)]
    whole = [i for i, c in enumerate(cols) if len(c) == DIGITS]
    out = []
    for i, c in enumerate(cols):
        on_rows = all(min(abs(b.cy - y) for y in rows) <= ALIGN * size for b in c)
        # a gappy column between two whole ones (filled or crossed bubbles missed)
        between = any(j < i for j in whole) and any(j > i for j in whole)
        if len(c) == DIGITS or (len(c) >= DIGITS // 2 and on_rows and between):
            out.append(i)
    return out


def _adjacent(columns: list[list[Rect]], size: float) -> list[list[list[Rect]]]:
    """Columns next to each other (one bubble pitch apart) go together."""
    out: list[list[list[Rect]]] = []
    for c in columns:
        if out and c[0].cx - out[-1][-1][0].cx <= LINK * size:
            out[-1].append(c)
        else:
            out.append([c])
    return out
