"""Where a cross-checked value was printed on the copies, and the My Number-by-evidence rule (issue 19)."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pytest

from domain.copy_evidence import CopyLine, evidence_accepts, lines_of, locate
from domain.crosscheck import Agreement
from domain.mynumber import make_my_number
from ocr.copy_lines import box_in, read_copy_located
from ocr.engines.fake import FakeRecognizer
from ocr.id_copy import read_copy

NUMBER = make_my_number("12345678901")
OTHER = make_my_number("98765432109")
FORM = {"full_name": "髙橋 一郎", "birth_date": {"iso": "1984-12-02"}, "my_number": NUMBER}


def test_locate_points_each_field_at_the_line_it_was_compared_with() -> None:
    lines = [CopyLine(1, "個人番号カード", (5, 5, 50, 10)),
             CopyLine(1, "氏名 高橋 次郎", (5, 20, 80, 10)),  # a different given name
             CopyLine(2, f"個人番号 {NUMBER[:4]} {NUMBER[4:8]} {NUMBER[8:]}", (7, 9, 90, 12)),
             CopyLine(2, "生年月日 昭和59年12月2日", None)]  # agrees, but nowhere to show it
    found = locate(FORM, lines)
    assert found.agreement == {"full_name": Agreement.DISAGREE, "birth_date": Agreement.AGREE,
                               "my_number": Agreement.AGREE, "address": Agreement.ABSENT}
    assert found.where == {"full_name": (1, (5, 20, 80, 10)), "my_number": (2, (7, 9, 90, 12))}
    assert found.codes()["full_name"] == "disagree"
    # two cards: one agrees, so the name agrees and its line is the agreeing one
    both = locate(FORM, [*lines, CopyLine(3, "氏名 高橋 一郎", (1, 2, 3, 4))])
    assert both.agreement["full_name"] is Agreement.AGREE and both.where["full_name"] == (3, (1, 2, 3, 4))
    nothing = locate(FORM, [CopyLine(1, "<script>alert(1)</script>", (0, 0, 9, 9))])
    assert nothing.where == {} and set(nothing.agreement.values()) == {Agreement.ABSENT}


def test_lines_of_pairs_texts_with_boxes_and_drops_boxes_that_do_not_pair() -> None:
    texts = {1: ["a", "b"], 2: ["c"], 5: ["x"]}
    boxes = {1: [(0, 0, 1, 1), (0, 2, 1, 1)], 2: [(0, 0, 1, 1), (9, 9, 9, 9)]}
    got = lines_of(texts, boxes, [1, 2])
    assert [(ln.page_index, ln.text, ln.box) for ln in got] == [
        (1, "a", (0, 0, 1, 1)), (1, "b", (0, 2, 1, 1)), (2, "c", None)]


@pytest.mark.parametrize(("value", "agreement", "kind", "conf", "confirmed", "ok"), [
    (NUMBER, Agreement.AGREE, "mynumber_back", 0.9, False, True),
    (NUMBER, Agreement.AGREE, "notification", 0.9, False, True),
    (NUMBER, Agreement.AGREE, "mynumber_front+mynumber_back", 0.8, False, True),
    (NUMBER, Agreement.DISAGREE, "mynumber_back", 0.9, False, False),
    (NUMBER, Agreement.ABSENT, "mynumber_back", 0.9, False, False),
    (NUMBER, None, "mynumber_back", 0.9, False, False),
    (NUMBER[:11] + str((int(NUMBER[11]) + 1) % 10), Agreement.AGREE, "mynumber_back", 0.9, False, False),
    (NUMBER + "1", Agreement.AGREE, "mynumber_back", 0.9, False, False),
    (NUMBER, Agreement.AGREE, "juminhyo", 0.9, False, False),  # not a card back / 通知カード
    (NUMBER, Agreement.AGREE, "mynumber_front", 0.9, False, False),
    (NUMBER, Agreement.AGREE, "mynumber_back", 0.5, False, False),  # the kind is a guess
    (NUMBER, Agreement.AGREE, "mynumber_back", 0.5, True, True),  # ... that a person confirmed
    (NUMBER, Agreement.AGREE, None, None, False, False),
    (None, Agreement.AGREE, "mynumber_back", 0.9, False, False),
])
def test_my_number_counts_as_confirmed_only_on_a_sure_card_back_with_a_valid_check_digit(
        value: object, agreement: Agreement | None, kind: str | None, conf: float | None, confirmed: bool,
        ok: bool) -> None:
    assert evidence_accepts(value, agreement, kind, conf, confirmed) is ok


def test_box_in_finds_a_slice_and_refuses_anything_else() -> None:
    page = np.arange(200 * 300, dtype=np.uint8).reshape(200, 300)
    assert box_in(page[40:60, 100:180], page) == (100, 40, 80, 20)
    assert box_in(page[40:60, 100:180].copy(), page) is None
    assert box_in(page[40:60:2, 100:180], page) is None  # strided: not a plain slice
    assert box_in(page[::-1][10:20], page) is None
    other = np.zeros_like(page)
    assert box_in(other[0:5, 0:5], page) is None


def test_read_copy_located_gives_the_box_each_line_was_read_from() -> None:
    from synth.id_copies import Who, copy_page

    who = Who("髙橋 一郎", date(1984, 12, 2), NUMBER)
    img, _ = copy_page("mynumber_back", (1654, 2339), np.random.default_rng(3), random.Random(3), 200,
                       who=who)
    seen: list[np.ndarray] = []

    def answer(i: int, crop: np.ndarray, alphabet: str | None) -> tuple[str, float]:
        seen.append(np.array(crop))
        return f"line {i}", 0.9

    reading, boxes = read_copy_located(img, FakeRecognizer(answer))  # type: ignore[arg-type]
    assert reading.lines == [f"line {i}" for i in range(len(seen))] and len(seen) >= 2
    assert len(boxes) == len(seen) and all(b is not None for b in boxes)
    for crop, box in zip(seen, boxes, strict=True):
        assert box is not None
        x, y, w, h = box
        assert np.array_equal(img[y:y + h, x:x + w], crop)  # the box cuts exactly what was read
    # the classification is read_copy's own
    plain = read_copy(img, FakeRecognizer(lambda i, c, a: (f"line {i}", 0.9)))  # type: ignore[arg-type, return-value]
    assert [g.kind for g in plain.guesses] == [g.kind for g in reading.guesses]
