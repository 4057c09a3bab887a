"""Choice fields: check squares grouped into options, and printed circle-one options.

* check squares are grouped into rows (same height, no foreign text or box between),
  rows stacked when close and left-aligned with no row label of their own → a
  choice (≥ 2 squares) or a checkbox (1); an option's label is the text right after
  its square, else a column header above it, else its number;
* a cell or a line of text holding only circle-one options (明・大・昭・平・令, 男・女)
  → a choice with ``mark_style: circle``; a cell holding only 年/月/日 → a date field.
"""

from __future__ import annotations

import itertools

from authoring import kinds
from authoring.geometry import Rect, union_all
from authoring.proposal import LEFT_REACH_MM, Option, Page, Proposal, inside, row_overlap
from domain.status import FieldKind

ATTACH_MM = 3.5  # an option's label starts within this distance right of its square
CHOICE_MARGIN_MM = 1.0  # a choice field's box: its squares and labels plus this margin
STACK_GAP = 2.0  # rows of one option list are at most this many box heights apart (blank between)


def text_cell(pg: Page, cell: Rect, ks: list[int]) -> list[Proposal]:
    """A cell holding only circle-one options or a 年 月 日 frame; else a label cell (nothing)."""
    ks = sorted(ks, key=lambda k: pg.lines[k].rect.x0)
    text = " ".join(pg.lines[k].text for k in ks)
    opts = kinds.circle_options(text)
    if opts:
        pg.used.update(ks)
        rects = _split(cell, len(opts)) if len(ks) == len(opts) else _token_rects(pg, ks, len(opts))
        options = [Option(v, _short(v), r) for v, r in zip(opts, rects, strict=True)]
        return [Proposal(cell, FieldKind.CHOICE, "circle", options=options, mark_style="circle",
                         kind_reason="circle-one options printed", kind_sure=True)]
    if kinds.is_date_frame(text):
        pg.used.update(ks)
        era = next((e for e in kinds.ERA_NAMES if e in kinds.norm(text)), None)
        return [Proposal(cell, FieldKind.WAREKI_DATE, "date-cell", fixed_era=era,
                         kind_reason="年月日 printed in the box", kind_sure=True)]
    return []


def _short(value: str) -> str:
    """The printed label of an era option (明 for 明治); other options print as they are."""
    for ch, name in kinds.ERAS.items():
        if value == name:
            return ch
    return value


def _split(r: Rect, n: int) -> list[Rect]:
    return [Rect(r.x0 + r.w * i // n, r.y0, r.x0 + r.w * (i + 1) // n, r.y1) for i in range(n)]


def _token_rects(pg: Page, ks: list[int], n: int) -> list[Rect]:
    """Option areas along the printed line(s): the lines' span cut into n equal parts."""
    span = union_all([pg.lines[k].rect for k in ks]).grow(pg.mm(0.8))
    return _split(span, n)


def free_circles(pg: Page, in_cells: set[int]) -> list[Proposal]:
    """Circle-one options printed in the open (one line, or single-token lines in a row)."""
    out: list[Proposal] = []
    free = sorted((k for k in range(len(pg.lines)) if k not in in_cells and k not in pg.used),
                  key=lambda k: (pg.lines[k].rect.y0, pg.lines[k].rect.x0))
    for k in free:
        if k in pg.used:
            continue
        run = [k]
        for j in free:  # single tokens further right in the same row, each ≤ 10 mm apart
            last = pg.lines[run[-1]].rect
            r = pg.lines[j].rect
            near = 0 <= r.x0 - last.x1 <= pg.mm(10)
            if j not in run and j not in pg.used and row_overlap(r, last) and near:
                run.append(j)
        for n in range(len(run), 0, -1):
            text = " ".join(pg.lines[j].text for j in run[:n])
            opts = kinds.circle_options(text)
            if opts and (n > 1 or len(pg.lines[k].clean) <= 12):
                pg.used.update(run[:n])
                rects = _token_rects(pg, run[:n], len(opts))
                options = [Option(v, _short(v), r) for v, r in zip(opts, rects, strict=True)]
                out.append(Proposal(union_all(rects), FieldKind.CHOICE, "circle", options=options,
                                    mark_style="circle", box_drawn=False,
                                    kind_reason="circle-one options printed", kind_sure=True))
                break
    return out


# ------------------------------------------------------------------ check squares


def _attached(pg: Page, sq: Rect) -> int | None:
    """The text line printed right after a square (its option label)."""
    best = None
    for k, ln in enumerate(pg.lines):
        r = ln.rect
        if row_overlap(r, sq) and 0 <= r.x0 - sq.x1 <= pg.mm(ATTACH_MM) and (
                best is None or r.x0 < pg.lines[best].rect.x0):
            best = k
    return best


def _blocked(pg: Page, a: Rect, b: Rect, attached: set[int], boxes: list[Rect]) -> bool:
    """True when foreign text or a writable box lies between squares a and b of one row."""
    gap = Rect(a.x1, min(a.y0, b.y0), b.x0, max(a.y1, b.y1))
    if gap.w <= 0:
        return False
    for k, ln in enumerate(pg.lines):
        if k not in attached and ln.rect.intersection(gap) > 0.3 * ln.rect.area:
            return True
    return any(bx.intersection(gap) > 0 for bx in boxes)


def _container(pg: Page, r: Rect) -> int | None:
    return next((i for i, inner in enumerate(pg.s.inners) if inside(r, inner)), None)


def square_groups(pg: Page, others: list[Proposal]) -> list[Proposal]:
    squares = sorted(pg.s.squares, key=lambda q: (q.cy, q.x0))
    labels = {id(q): _attached(pg, q) for q in squares}
    attached = {k for k in labels.values() if k is not None}
    boxes = [p.rect for p in others]
    rows: list[list[Rect]] = []
    for q in squares:
        row = next((r for r in rows if abs(r[0].cy - q.cy) <= 0.5 * q.h
                    and _container(pg, r[0]) == _container(pg, q)), None)
        if row is None:
            rows.append([q])
        else:
            row.append(q)
    groups: list[list[Rect]] = []
    for row in rows:
        row.sort(key=lambda q: q.x0)
        groups.append([row[0]])
        for a, b in itertools.pairwise(row):
            if _blocked(pg, a, b, attached, boxes):
                groups.append([b])
            else:
                groups[-1].append(b)
    groups = _stack(pg, groups, attached)
    out: list[Proposal] = []
    for g in groups:
        opts: list[Option] = []
        for n, q in enumerate(g, start=1):
            k = labels[id(q)]
            pitch = min((abs(o.cx - q.cx) for o in g if o is not q and abs(o.cy - q.cy) < q.h), default=0.0)
            header = _header(pg, q, round(pitch), attached) if k is None and pitch else None
            read = kinds.clean_label(pg.lines[k].text) if k is not None else ""
            text = read or header or str(n)
            if k is not None:
                pg.used.add(k)
            opts.append(Option(text, text, q, printed=k is not None))
        opts = _unique_values(opts)
        parts = [q for q in g] + [pg.lines[k].rect for q in g if (k := labels[id(q)]) is not None]
        cell = _container(pg, g[0])
        if len(g) == 1 and labels[id(g[0])] is None and any(g[0] is m for m in pg.s.marked):
            continue  # a lone box marked already, nothing naming it: a legend's "Check: ☒"
        if len(g) == 1:
            out.append(Proposal(g[0], FieldKind.CHECKBOX, "checkbox", options=[],
                                label=opts[0].label if labels[id(g[0])] is not None else "",
                                label_conf=pg.lines[k].confidence if (k := labels[id(g[0])]) is not None
                                else 0.0, kind_reason="one check square", kind_sure=True))
            continue
        rect = pg.s.cells[cell] if cell is not None else union_all(parts).grow(pg.mm(CHOICE_MARGIN_MM))
        bubble = all(any(q is b for b in pg.s.bubbles) for q in g)
        out.append(Proposal(rect, FieldKind.CHOICE, "squares", options=opts, box_drawn=cell is not None,
                            kind_reason=f"{len(g)} {'bubbles' if bubble else 'check squares'}",
                            kind_sure=True,
                            mark_style="bubble" if bubble else "box"))
    return out


def _stack(pg: Page, groups: list[list[Rect]], attached: set[int]) -> list[list[Rect]]:
    """Join rows of squares printed as one block (same left edge, close, nothing between)."""
    groups.sort(key=lambda g: (g[0].y0, g[0].x0))
    out: list[list[Rect]] = []
    for g in groups:
        prev = next((o for o in reversed(out) if _stackable(pg, o, g, attached)), None)
        if prev is None:
            out.append(list(g))
        else:
            prev.extend(g)
    return out


def _stackable(pg: Page, upper: list[Rect], lower: list[Rect], attached: set[int]) -> bool:
    a, b = upper[-1], lower[0]
    size = max(a.h, b.h)
    if abs(min(q.x0 for q in upper) - b.x0) > pg.mm(2.0) or not 0 < b.y0 - a.y1 <= STACK_GAP * size:
        return False
    if _container(pg, a) != _container(pg, b):
        return False
    right = max(q.x1 for q in upper + lower)
    for k in attached:  # ... and under the upper row's labels (a note printed under an option)
        r = pg.lines[k].rect
        if any(row_overlap(r, q) and 0 <= r.x0 - q.x1 <= pg.mm(ATTACH_MM) for q in upper):
            right = max(right, r.x1)
    between = Rect(min(q.x0 for q in upper), a.y1, right, b.y0)
    first = min(lower, key=lambda q: q.x0)
    for k, ln in enumerate(pg.lines):
        if k in attached:
            continue
        if ln.rect.intersection(between) > 0:
            return False
        if row_overlap(ln.rect, first) and 0 <= first.x0 - ln.rect.x1 <= pg.mm(LEFT_REACH_MM):
            return False  # the lower row has its own label: a matrix of questions, one per row
    return True


def _header(pg: Page, q: Rect, pitch: int, attached: set[int]) -> str | None:
    """A column header printed above a square (満足 / やや満足 ... over a grid of squares).

    The header must be centred over the square, fit in its column (no wider than
    the distance to the next square of the row), and have no other text between."""
    best: int | None = None
    for k, ln in enumerate(pg.lines):
        r = ln.rect
        if k not in attached and abs(r.cx - q.cx) <= pg.mm(4.0) and r.y1 <= q.y0 and (
                q.y0 - r.y1 <= pg.mm(80)) and r.w <= 1.1 * pitch and (
                best is None or r.y1 > pg.lines[best].rect.y1):
            best = k
    if best is None:
        return None
    top = pg.lines[best].rect
    if any(j != best and top.y1 <= ln.rect.cy <= q.y0 and ln.rect.h_overlap(q) > 0
           for j, ln in enumerate(pg.lines)):
        return None
    return kinds.clean_label(pg.lines[best].text) or None


def _unique_values(opts: list[Option]) -> list[Option]:
    seen: dict[str, int] = {}
    out = []
    for o in opts:
        n = seen.get(o.value, 0) + 1
        seen[o.value] = n
        out.append(Option(o.value if n == 1 else f"{o.value}_{n}", o.label, o.rect, o.printed))
    return out
