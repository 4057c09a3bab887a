"""From structure and text lines to proposed fields (pixels; pure, no OCR or I/O).

One proposal per writable area:

* an empty ruled cell → a text-like field (kind from its label, see :mod:`authoring.kinds`);
  a big one with a little text in it (writing on a scan, its label inside) too;
* a row of small empty equal cells → one field with ``cells: N``; also with a letter or
  digit written in each (:mod:`authoring.combs`);
* a cell holding only 年/月/日 (and an era) → a date field;
* a cell or a line of text holding only circle-one options (明・大・昭・平・令, 男・女)
  → a choice with ``mark_style: circle``;
* check squares: grouped into rows (same height, no foreign text or box between),
  rows stacked when close and left-aligned → a choice (≥ 2) or a checkbox (1); one
  answer or several is decided for the whole form later (:mod:`authoring.answers`);
* an underline with room above → a text field on it.

Labels: the nearest text line to the left on the same row (an era name or a
circled era choice in between is skipped and noted), else the line just above.
"""

from __future__ import annotations

from dataclasses import replace

from authoring import answers, kinds
from authoring.choices import free_circles, square_groups, text_cell
from authoring.combs import written_combs
from authoring.geometry import Rect, union_all
from authoring.grids import group_grids
from authoring.labels import TextLine
from authoring.lattice import propose_lattices
from authoring.proposal import LEFT_REACH_MM, Page, Proposal, inside, is_japanese, row_overlap
from authoring.structure import Structure, char_box_rows
from domain.status import FieldKind

__all__ = ["Proposal", "propose"]

ABOVE_REACH_MM = 7.0
QUESTION_REACH_MM = 12.0
UNDERLINE_WRITE_MM = 8.0
MIN_WRITABLE_MM = (8.0, 4.0)  # width, height of the smallest empty cell taken as a field
WRITTEN_MIN_MM = (40.0, 18.0)  # a cell with some text in it is a field from this size
WRITTEN_FREE_SHARE = 0.5


def propose(structure: Structure, lines: list[TextLine]) -> list[Proposal]:
    """Every writable area of one page, labelled, in reading order."""
    pg = Page(structure, lines, japanese=is_japanese(lines))
    cell_lines = {i: [k for k, ln in enumerate(lines) if inside(ln.rect, inner)]
                  for i, inner in enumerate(structure.inners)}
    cell_squares = {i: [q for q in structure.squares if inside(q, inner)]
                    for i, inner in enumerate(structure.inners)}
    props: list[Proposal] = []
    in_rows: set[int] = set()
    combs = written_combs(pg, [i for i in cell_lines if not cell_squares[i]])  # filled in (a scan)
    empty = [i for i in cell_lines if not cell_lines[i] and not cell_squares[i]
             and not any(i in c for c in combs)]
    combs += [[empty[g] for g in group]
              for group in char_box_rows([structure.cells[i] for i in empty], structure.px_per_mm)]
    for idx in combs:
        in_rows.update(idx)
        props.append(Proposal(union_all([structure.cells[i] for i in idx]), FieldKind.DIGITS,
                              "char-boxes", cells=len(idx)))
    min_w, min_h = pg.mm(MIN_WRITABLE_MM[0]), pg.mm(MIN_WRITABLE_MM[1])
    for i in empty:
        c = structure.cells[i]
        if i not in in_rows and c.w >= min_w and c.h >= min_h:
            props.append(Proposal(c, FieldKind.TEXT, "cell"))
    for i, ks in cell_lines.items():
        if ks and not cell_squares[i] and i not in in_rows:
            props += text_cell(pg, structure.cells[i], ks) or written_cell(pg, structure.cells[i], ks)
    bubbled, used = propose_lattices(pg)  # blocks of bubbles first: numbers, grids, columns
    props += bubbled
    pg.s = replace(structure, squares=[q for q in structure.squares if id(q) not in used])
    props += square_groups(pg, props)
    props += free_circles(pg, {k for ks in cell_lines.values() for k in ks})
    for ul in structure.underlines:
        top = max(0, ul.y0 - pg.mm(UNDERLINE_WRITE_MM))
        props.append(Proposal(Rect(ul.x0, top, ul.x1, ul.y1), FieldKind.TEXT, "underline",
                              box_drawn=False))
    for p in props:
        _label_and_kind(pg, p, props)
    # an underline is a place to write only with a label printed before it
    props = [p for p in props if p.source != "underline" or p.label_position == "left"]
    props = group_grids(pg, props)
    props.sort(key=lambda p: (round(p.rect.y0 / pg.mm(3.0)), p.rect.x0))
    return props


def written_cell(pg: Page, cell: Rect, ks: list[int]) -> list[Proposal]:
    """A big ruled area with a little text in it is still a place to write: the text is
    writing on a filled form, or the field's own label printed in its top-left corner.

    Big: at least WRITTEN_MIN_MM wide and high; a little: a band across the cell with
    no text in it is at least half its height (a box of printed notes has a line every
    few mm)."""
    if cell.w < pg.mm(WRITTEN_MIN_MM[0]) or cell.h < pg.mm(WRITTEN_MIN_MM[1]):
        return []
    edges = sorted([(cell.y0, cell.y0)] + [(pg.lines[k].rect.y0, pg.lines[k].rect.y1) for k in ks]
                   + [(cell.y1, cell.y1)])
    free, bottom = 0, cell.y0
    for y0, y1 in edges:
        free, bottom = max(free, y0 - bottom), max(bottom, y1)
    if free < WRITTEN_FREE_SHARE * cell.h:
        return []
    pg.used.update(ks)
    p = Proposal(cell, FieldKind.TEXT, "cell")
    corner = [k for k in ks if pg.lines[k].rect.y0 - cell.y0 <= pg.mm(4.0)
              and pg.lines[k].rect.x0 - cell.x0 <= pg.mm(4.0)]
    if corner:  # a label printed inside, at the top left (備考, ご意見 ...)
        ln = pg.lines[corner[0]]
        p.label, p.label_conf, p.label_position = kinds.clean_label(ln.text), ln.confidence, "above"
    return [p]


# ------------------------------------------------------------------ labels and kinds


def _left_line(pg: Page, p: Proposal, props: list[Proposal], start: int) -> int | None:
    """Nearest unused text line left of x=start on p's row, with no other field in between."""
    best: int | None = None
    for k, ln in enumerate(pg.lines):
        r = ln.rect
        if k in pg.used or not row_overlap(r, p.rect) or r.x1 > start + pg.mm(1.0):
            continue
        if start - r.x1 > pg.mm(LEFT_REACH_MM) or inside(r, p.rect):
            continue
        if best is None or r.x1 > pg.lines[best].rect.x1:
            best = k
    if best is None:
        return None
    gap = Rect(pg.lines[best].rect.x1, p.rect.y0, start, p.rect.y1)
    for o in props:
        if o is not p and o.mark_style != "circle" and o.rect.intersection(gap) > 0.3 * max(1, o.rect.area):
            return None
    return best


def _above_line(pg: Page, p: Proposal, reach_mm: float) -> int | None:
    best: int | None = None
    for k, ln in enumerate(pg.lines):
        r = ln.rect
        if k in pg.used or r.y1 > p.rect.y0 + pg.mm(0.5) or p.rect.y0 - r.y1 > pg.mm(reach_mm):
            continue
        if not p.rect.x0 - pg.mm(10.0) <= r.x0 <= p.rect.x0 + p.rect.w // 2 or not r.h_overlap(p.rect):
            continue
        if best is None or r.y1 > pg.lines[best].rect.y1:
            best = k
    return best


def _row_text(pg: Page, k: int) -> tuple[str, float]:
    """Line k joined with the lines continuing it on its row (a sentence split at a wide gap)."""
    row = [k]
    for direction in (-1, 1):
        while True:
            edge = pg.lines[row[0 if direction < 0 else -1]].rect
            nxt = [j for j, ln in enumerate(pg.lines) if j not in row and j not in pg.used
                   and row_overlap(ln.rect, edge)
                   and 0 <= (edge.x0 - ln.rect.x1 if direction < 0 else ln.rect.x0 - edge.x1) <= pg.mm(6.0)]
            if not nxt:
                break
            row = [nxt[0], *row] if direction < 0 else [*row, nxt[0]]
    text = kinds.clean_label("".join(pg.lines[j].text for j in row))
    return text, min(pg.lines[j].confidence for j in row)


def _label_and_kind(pg: Page, p: Proposal, props: list[Proposal]) -> None:
    if p.kind is FieldKind.CHECKBOX and p.label:
        return
    start = p.rect.x0
    era_box = next((o for o in props if o is not p and o.mark_style == "circle"
                    and o.options and kinds.era_value(o.options[0].value)
                    and row_overlap(o.rect, p.rect) and 0 <= p.rect.x0 - o.rect.x1 <= pg.mm(6.0)), None)
    if era_box is not None and p.kind is not FieldKind.CHOICE:
        p.era_from = era_box
        start = era_box.rect.x0
    k = _left_line(pg, p, props, start) if not p.label else None  # (a label printed inside is kept)
    if k is not None:
        label, era = kinds.split_fixed_era(kinds.clean_label(pg.lines[k].text))
        if era and not label:  # the era alone: the label is further left
            k2 = _left_line(pg, p, props, pg.lines[k].rect.x0)
            label = kinds.clean_label(pg.lines[k2].text) if k2 is not None else ""
            label = kinds.split_fixed_era(label)[0]
            k = k2 if k2 is not None else k
        if era and p.source in ("cell", "underline") and p.era_from is None:
            p.fixed_era = era
        p.label, p.label_conf, p.label_position = label, pg.lines[k].confidence, "left"
    elif not p.label:
        reach = QUESTION_REACH_MM if p.kind.is_mark else ABOVE_REACH_MM
        k = _above_line(pg, p, reach)
        if k is not None:
            p.label, p.label_conf = _row_text(pg, k)
            p.label_position = "above"
    if p.kind.is_mark:
        q = _above_line(pg, p, QUESTION_REACH_MM)
        p.question = _row_text(pg, q)[0] if q is not None else ""
        if p.kind is FieldKind.CHOICE and p.mark_style == "box" and answers.says(p.question + p.label):
            p.kind = FieldKind.MULTI_CHOICE  # grids take their rows' kind; the form's legend comes later
        if p.mark_style == "circle" and kinds.era_value(p.options[0].value):
            p.label = f"{p.label}（元号）" if p.label else "元号"
        if p.kind is FieldKind.CHECKBOX or p.label_position != "left":
            p.label_position = "none"
        return
    yen = any(ln.clean == "円" and row_overlap(ln.rect, p.rect)
              and 0 <= ln.rect.x0 - p.rect.x1 <= pg.mm(3.0) for ln in pg.lines)
    if p.kind is FieldKind.WAREKI_DATE or p.source == "bubbled-number":  # the shape decided it
        return
    g = kinds.guess_kind(p.label, cells=p.cells, fixed_era=p.fixed_era, yen_after=yen,
                         height_mm=p.rect.h / pg.s.px_per_mm, japanese=pg.japanese)
    if p.era_from is not None:
        g = kinds.KindGuess(FieldKind.WAREKI_DATE, "circled era choice before it", True)
    p.kind, p.kind_reason, p.kind_sure = g.kind, g.reason, g.sure
