"""Comb fields already written in: a row of character cells with handwriting in them.

A blank form's comb (one character per cell) is a row of small, equal, empty cells
(:func:`authoring.structure.char_box_rows`). On a filled scan standing in for a blank,
the cells hold the writer's characters; the writing does not make them label cells.
A row of at least :data:`MIN_CELLS` cells, each no wider than high (a cell for one
handwritten character), is still a comb when what is read inside is at most one
letter or digit per cell. Printed labels in a row of cells (an era list 明・大・昭,
words) fail that test; a printed row of single digits in narrow cells would pass it,
which is why the result stays a guess like every drafted kind.
"""

from __future__ import annotations

import unicodedata

from authoring.geometry import Rect
from authoring.proposal import Page, inside
from authoring.structure import char_box_rows

MIN_CELLS = 4
MAX_ASPECT = 1.1  # cell width / height


def _writing(text: str) -> bool:
    """Letters or digits only (what a comb takes), no kanji word, no era name."""
    t = "".join(unicodedata.normalize("NFKC", text).split())
    return all(c.isascii() and c.isalnum() for c in t)


def written_combs(pg: Page, candidates: list[int]) -> list[list[int]]:
    """Groups (indices into the page's cells) of written-in comb rows among ``candidates``.

    ``candidates`` are cells with text and no squares; a group may also take empty
    cells of the same row (they are not candidates: the caller passes them too)."""
    cells = pg.s.cells
    groups = char_box_rows([cells[i] for i in candidates], pg.s.px_per_mm)
    out: list[list[int]] = []
    for g in groups:
        idx = [candidates[k] for k in g]
        if len(idx) < MIN_CELLS or any(cells[i].w > MAX_ASPECT * cells[i].h for i in idx):
            continue
        span = Rect(min(cells[i].x0 for i in idx), min(cells[i].y0 for i in idx),
                    max(cells[i].x1 for i in idx), max(cells[i].y1 for i in idx))
        ks = [k for k, ln in enumerate(pg.lines) if inside(ln.rect, span)]
        text = "".join(pg.lines[k].text for k in ks)
        if not ks or not _writing(text) or len(text.replace(" ", "")) > len(idx):
            continue
        pg.used.update(ks)
        out.append(idx)
    return out
