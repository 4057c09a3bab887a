"""Answer grids and Likert matrices: rows of marks printed as one block → one grid.

Choice rows found by :mod:`authoring.choices` (one per row: a matrix keeps a label per
row) form a grid when they have the same number of marks, the marks sit in the same
columns (centres within :data:`COLUMN_MM`), are the same size, and the rows follow
each other at a steady pitch. The grid's columns take the first row's option values
(a column header above, the label after the mark, or its number), its rows the label
printed left of each row.
"""

from __future__ import annotations

import statistics

from authoring.geometry import Rect, union_all
from authoring.proposal import Page, Proposal
from domain.status import FieldKind

COLUMN_MM = 1.5  # a mark's centre may sit this far from its column's
ROW_REACH = 3.5  # the next row starts within this many mark heights
PITCH_TOLERANCE = 0.25  # rows keep their pitch within this share
ROW_LABEL_MM = 40.0  # a row's label is printed within this distance left of its marks
QUESTION_MM = 16.0  # a grid's question is printed at most this far above its first row


def _is_row(p: Proposal) -> bool:
    return p.source == "squares" and p.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) \
        and len(p.options) >= 2 and p.mark_style != "circle"


def widest(block: list[Proposal]) -> Proposal:
    """The row of a block with the most marks: its marks give the grid's columns."""
    return max(block, key=lambda b: len(b.options))


def _follows(pg: Page, block: list[Proposal], q: Proposal) -> bool:
    """``q`` is the block's next row: its marks in the block's columns (one may be missing,
    a filled mark the structure did not see), same size, at the block's row pitch."""
    last, ref = block[-1], widest(block)
    if q.mark_style != last.mark_style or abs(len(q.options) - len(ref.options)) > 1:
        return False
    tol = pg.mm(COLUMN_MM)
    wide, narrow = (q, ref) if len(q.options) > len(ref.options) else (ref, q)
    if not all(any(abs(a.rect.cx - b.rect.cx) <= tol for b in wide.options) for a in narrow.options):
        return False
    h = statistics.median(o.rect.h for o in last.options)
    if any(abs(o.rect.h - h) > 0.2 * h for o in q.options):
        return False
    dy = statistics.median(o.rect.cy for o in q.options) - statistics.median(o.rect.cy for o in last.options)
    if not h <= dy <= ROW_REACH * h or _text_between(pg, last, q):
        return False
    if len(block) >= 2:
        pitch = statistics.median(o.rect.cy for o in block[1].options) - \
            statistics.median(o.rect.cy for o in block[0].options)
        return abs(dy - pitch) <= PITCH_TOLERANCE * pitch
    return True


def _text_between(pg: Page, upper: Proposal, lower: Proposal) -> bool:
    """A printed line between two rows over their marks (the next question's text): the rows
    are two questions, not one grid (a matrix prints nothing between its rows)."""
    marks = [o.rect for o in upper.options + lower.options]
    left = min(r.x0 for r in marks) - pg.mm(ROW_LABEL_MM)  # over the marks or the row labels
    gap = Rect(left, max(o.rect.y1 for o in upper.options),
               max(r.x1 for r in marks), min(o.rect.y0 for o in lower.options))
    return gap.h > 0 and any(gap.y0 <= ln.rect.cy <= gap.y1 and ln.rect.h_overlap(gap) > 0 for ln in pg.lines)


def group_grids(pg: Page, props: list[Proposal]) -> list[Proposal]:
    """``props`` with every block of ≥ 2 aligned choice rows replaced by one grid proposal."""
    rows = sorted((p for p in props if _is_row(p)),
                  key=lambda p: statistics.median(o.rect.cy for o in p.options))
    taken: set[int] = set()
    grids: list[Proposal] = []
    for p in rows:
        if id(p) in taken:
            continue
        block = [p]
        for q in rows:
            if id(q) not in taken and all(q is not b for b in block) and _follows(pg, block, q):
                block.append(q)
        if len(block) < 2:
            continue
        taken.update(id(b) for b in block)
        first = block[0]
        columns = widest(block).options
        kind = FieldKind.MULTI_CHOICE if any(b.kind is FieldKind.MULTI_CHOICE for b in block) \
            else FieldKind.CHOICE
        question = _question(pg, block, {o.label for o in columns} | {o.value for o in columns})
        grids.append(Proposal(union_all([b.rect for b in block]), kind, "grid",
                              label=question or first.question or first.label,
                              label_conf=first.label_conf, kind_reason=f"{len(block)} rows x "
                              f"{len(first.options)} marks in columns", kind_sure=True,
                              options=columns, mark_style=first.mark_style, box_drawn=False,
                              rows=block, question=first.question))
    return [p for p in props if id(p) not in taken] + grids


def _question(pg: Page, block: list[Proposal], headers: set[str]) -> str:
    """The question printed above a grid: the nearest text line above its first row (within
    QUESTION_MM), starting left of the grid's right edge, that is not a column header."""
    top = min(b.rect.y0 for b in block)
    right = max(b.rect.x1 for b in block)
    best = None
    for ln in pg.lines:
        r = ln.rect
        if r.y1 > top or top - r.y1 > pg.mm(QUESTION_MM) or r.x0 >= right or not ln.text:
            continue
        if ln.text in headers or ln.clean in headers:
            continue
        if best is None or r.y1 > best.rect.y1:
            best = ln
    return best.text.strip() if best is not None else ""
