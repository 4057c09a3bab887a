"""Drafting from a filled scan: boxes under crosses, written-in areas and combs (no OCR model).

Pages drawn with OpenCV at the drafting resolution: a cross that runs past its box,
handwriting-like scribbles inside a box, a notes box, a comb with digits written in,
rows of one option list a little apart.
"""

from __future__ import annotations

import cv2
import numpy as np

from authoring import kinds
from authoring.combs import written_combs
from authoring.fields import propose, written_cell
from authoring.frames import find_frame
from authoring.geometry import MM_PER_INCH, WORK_DPI, Rect
from authoring.labels import TextLine, find_text_lines
from authoring.proposal import Page, is_japanese
from authoring.structure import analyse
from domain.status import FieldKind

PPM = WORK_DPI / MM_PER_INCH


def mm(v: float) -> int:
    return round(v * PPM)


def page(w_mm: float = 150, h_mm: float = 80) -> np.ndarray:
    return np.full((mm(h_mm), mm(w_mm)), 255, np.uint8)


def box(img: np.ndarray, x: float, y: float, side: float = 3.6) -> None:
    cv2.rectangle(img, (mm(x), mm(y)), (mm(x + side), mm(y + side)), 0, 2)


def cross_past(img: np.ndarray, x: float, y: float, side: float = 3.6, over: float = 1.5) -> None:
    """A pen's cross through the box at (x, y), its strokes running ``over`` mm past it."""
    cv2.line(img, (mm(x + 0.5), mm(y + 0.5)), (mm(x + side + over), mm(y - over)), 0, 3)
    cv2.line(img, (mm(x + 0.5), mm(y + side - 0.5)), (mm(x + side - 0.5), mm(y + 0.5)), 0, 3)


def lines_read_as(img_structure: object, text: str = "Option") -> list[TextLine]:
    return [TextLine(r, text, 1.0) for r in find_text_lines(img_structure)]  # type: ignore[arg-type]


def test_the_frame_is_found_inside_a_bigger_blob() -> None:
    blob = np.zeros((40, 46), bool)
    cv2.rectangle(blob.view(np.uint8), (4, 8), (32, 36), 1, 2)  # a 29 px box
    cv2.line(blob.view(np.uint8), (6, 34), (45, 0), 1, 3)  # a stroke running out at the top right
    hit = find_frame(blob, 29, 29)
    assert hit is not None and abs(hit[0] - 4) <= 1 and abs(hit[1] - 8) <= 1 and hit[2] >= 0.85
    assert find_frame(np.ones((40, 40), bool), 29, 29) is None  # a solid block is no box
    broken = np.zeros((40, 40), bool)
    cv2.line(broken.view(np.uint8), (2, 2), (30, 2), 1, 2)
    cv2.line(broken.view(np.uint8), (2, 2), (2, 30), 1, 2)  # two sides only: an L, not a box
    assert find_frame(broken, 29, 29) is None


def test_a_cross_running_past_its_box_keeps_the_box_and_the_row() -> None:
    img = page()
    xs = [20, 50, 80, 110]
    for x in xs:
        box(img, x, 30)
        cv2.putText(img, "Ab", (mm(x + 5.5), mm(33.5)), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    cross_past(img, 50, 30)
    # handwriting inside a box that touches its sides
    cv2.polylines(img, [np.array([(mm(80), mm(31)), (mm(81.5), mm(33.8)), (mm(82.5), mm(30.5)),
                                  (mm(83.6), mm(33))], np.int32)], False, 0, 3)
    s = analyse(img, PPM)
    found = sorted(s.squares, key=lambda q: q.x0)
    assert len(found) == 4
    for q, x in zip(found, xs, strict=True):  # each at its printed place, the clean box's size
        assert abs(q.x0 - mm(x)) <= 3 and abs(q.y0 - mm(30)) <= 3
        assert abs(q.w - found[0].w) <= 2 and abs(q.h - found[0].h) <= 2
    lines = lines_read_as(s)
    assert len(lines) == 4  # the cross's strokes are no text line between the options
    marks = [p for p in propose(s, lines) if p.kind.is_mark]
    assert len(marks) == 1 and len(marks[0].options) == 4


def test_option_rows_a_little_apart_are_one_list_unless_a_note_lies_between() -> None:
    img = page()
    for y in (20, 30):  # rows 6.4 mm apart: a gap of 1.8 box heights
        for x in (20, 80):
            box(img, x, y)
            cv2.putText(img, "Ab", (mm(x + 5.5), mm(y + 3.5)), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    s = analyse(img, PPM)
    marks = [p for p in propose(s, lines_read_as(s)) if p.kind.is_mark]
    assert [len(p.options) for p in marks] == [4]
    cv2.putText(img, "note", (mm(26), mm(27.5)), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 2)  # under a label
    s = analyse(img, PPM)
    marks = [p for p in propose(s, lines_read_as(s)) if p.kind.is_mark]
    assert marks and all(len(p.options) == 2 for p in marks)  # two questions (or a grid), not one list


def _cell_page(lines_y: list[float]) -> tuple[Page, Rect]:
    img = page(200, 90)
    cv2.rectangle(img, (mm(10), mm(10)), (mm(190), mm(60)), 0, 2)
    for y in lines_y:
        cv2.putText(img, "writing here", (mm(30), mm(y)), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    s = analyse(img, PPM)
    cell = max(s.cells, key=lambda c: c.area)
    return Page(s, lines_read_as(s, "Everything is good!")), cell


def test_a_big_box_with_writing_in_it_is_a_field_a_box_of_notes_is_not() -> None:
    pg, cell = _cell_page([20])
    ks = list(range(len(pg.lines)))
    got = written_cell(pg, cell, ks)
    assert len(got) == 1 and got[0].rect == cell and got[0].label == ""  # labelled from outside
    assert set(ks) <= pg.used  # the writing is no one's label
    props = propose(pg.s, pg.lines)
    assert [p.kind for p in props] == [FieldKind.FREE_TEXT]  # 50 mm high
    notes, cell = _cell_page([17, 24, 31, 38, 45, 52])  # a line every 7 mm
    assert written_cell(notes, cell, list(range(len(notes.lines)))) == []


def test_the_height_of_a_box_tells_one_line_from_free_text() -> None:
    assert kinds.guess_kind("And textboxes with a fixed height", height_mm=21.4).kind is FieldKind.FREE_TEXT
    assert kinds.guess_kind("Sonstiges", height_mm=15.9).kind is FieldKind.TEXT


def _comb_page(n: int) -> Page:
    img = page(120, 40)
    x0, w, h = 20.0, 4.3, 7.2
    cv2.rectangle(img, (mm(x0 - 10), mm(10)), (mm(x0 + n * w + 10), mm(10 + h)), 0, 2)
    for i in range(n + 1):
        cv2.line(img, (mm(x0 + i * w), mm(10)), (mm(x0 + i * w), mm(10 + h)), 0, 2)
    for i in range(n):  # a handwritten-ish digit in every cell
        cv2.putText(img, str(i % 10), (mm(x0 + i * w + 1), mm(15.5)), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
    return Page(analyse(img, PPM), [])


def test_a_comb_with_digits_written_in_is_still_a_comb() -> None:
    pg = _comb_page(7)
    narrow = [i for i, c in enumerate(pg.s.cells) if c.w < mm(6)]
    assert len(narrow) == 7
    pg.lines = [TextLine(r, "7", 0.9) for r in find_text_lines(pg.s)]
    assert written_combs(pg, narrow) == [sorted(narrow, key=lambda i: pg.s.cells[i].x0)]
    props = propose(pg.s, pg.lines)
    comb = [p for p in props if p.cells]
    assert len(comb) == 1 and comb[0].cells == 7
    assert comb[0].kind is FieldKind.POSTAL_CODE  # no label: on a Japanese form, 7 boxes are a 〒
    latin = propose(pg.s, [TextLine(ln.rect, ln.text, 0.9) for ln in pg.lines]
                    + [TextLine(Rect(0, 0, mm(8), mm(3)), "Student number", 0.9)] * 3)
    assert next(p for p in latin if p.cells).kind is FieldKind.DIGITS  # not on an English one
    kanji = _comb_page(5)
    kanji.lines = [TextLine(r, "昭和", 0.9) for r in find_text_lines(kanji.s)]
    assert written_combs(kanji, [i for i, c in enumerate(kanji.s.cells) if c.w < mm(6)]) == []


def test_japanese_pages_and_box_count_conventions() -> None:
    r = Rect(0, 0, 10, 10)
    assert is_japanese([TextLine(r, "氏名", 1.0), TextLine(r, "Name", 1.0)])
    assert not is_japanese([TextLine(r, "Name", 1.0)] * 4 + [TextLine(r, "〒", 1.0)])
    assert is_japanese([])  # nothing read: the old convention holds
    assert kinds.guess_kind("", cells=7, japanese=False).kind is FieldKind.DIGITS
    assert kinds.guess_kind("", cells=12, japanese=False).kind is FieldKind.DIGITS
    assert kinds.guess_kind("郵便番号", cells=7, japanese=False).kind is FieldKind.POSTAL_CODE


def test_two_scales_with_a_question_between_are_no_grid() -> None:
    def rows(question_between: bool) -> list[int]:
        img = page()
        for y in (20, 30):  # rows 10 mm apart: within a grid's reach
            cv2.putText(img, "Label", (mm(10), mm(y + 3.5)), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
            for k in range(5):
                box(img, 50 + 8 * k, y)
        if question_between:
            cv2.putText(img, "2.9 Next question", (mm(10), mm(27.5)), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 2)
        s = analyse(img, PPM)
        props = propose(s, lines_read_as(s, "Label"))
        return sorted(len(p.rows) for p in props if p.kind.is_mark)

    assert rows(question_between=False) == [2]  # a matrix: one grid of two rows
    assert rows(question_between=True) == [0, 0]  # two questions


def test_a_cross_running_into_the_next_box_keeps_both_boxes() -> None:
    img = page()
    for y in (20, 25):  # two rows of a matrix, 1.4 mm apart
        for k in range(4):
            box(img, 30 + 8 * k, y)
    # the lower box's cross runs up through the box above it
    cv2.line(img, (mm(38.5), mm(28.5)), (mm(41.5), mm(21)), 0, 3)
    cv2.line(img, (mm(38.3), mm(25.5)), (mm(41.3), mm(28.3)), 0, 3)
    s = analyse(img, PPM)
    assert len(s.squares) == 8
    assert sum(abs(q.x0 - mm(38)) <= 3 for q in s.squares) == 2
    assert find_text_lines(s) == []  # the strokes are the marks', not a line of text


def test_a_legends_example_cross_is_no_field_a_ticked_option_is() -> None:
    img = page()
    for x in (20, 60, 100):  # an option list further down (gives the page's box size)
        box(img, x, 50)
        cv2.putText(img, "Ab", (mm(x + 5.5), mm(53.5)), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    cv2.putText(img, "Check:", (mm(10), mm(18.5)), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    box(img, 35, 15)
    cross_past(img, 35, 15, over=0.3)  # the legend shows how to mark: nothing names this box
    box(img, 20, 30)
    cross_past(img, 20, 30, over=0.3)  # a ticked lone option, its label right after it
    cv2.putText(img, "Yes", (mm(25.5), mm(33.5)), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    s = analyse(img, PPM)
    assert len(s.squares) == 5 and len(s.marked) == 2
    props = propose(s, lines_read_as(s))
    boxes = sorted((p for p in props if p.kind is FieldKind.CHECKBOX), key=lambda p: p.rect.y0)
    assert len(boxes) == 1 and abs(boxes[0].rect.cy - mm(31.8)) <= 5  # the ticked option


def test_a_qr_code_holds_no_boxes() -> None:
    """A QR code is one blob of ink the size of a few boxes with square rings in it (its
    finder patterns): the frame search must not find boxes there."""
    img = page()
    for x in (20, 50, 80):  # the page's boxes (their size is what the search looks for)
        box(img, x, 60, side=5.0)
        cv2.putText(img, "Ab", (mm(x + 7), mm(64.5)), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    qr = cv2.QRCodeEncoder.create().encode("YOMITORI-TEST-P1")  # 21 x 21 modules + quiet zone
    side = mm(16)
    code = cv2.resize(qr, (side, side), interpolation=cv2.INTER_NEAREST)
    img[mm(20):mm(20) + side, mm(20):mm(20) + side] = code
    s = analyse(img, PPM)
    assert len(s.squares) == 3 and all(q.y0 > mm(55) for q in s.squares)
