"""Rules of domain/copy_evidence.py: where a cross-checked value was printed, My Number by evidence.

Pure-domain (``domain`` and pytest only) so it runs under ``make mutate``; the reader side
(boxes cut from real page images) is in ``test_copy_evidence.py``. Expected values follow
the module doc: a field rests on the *first* line whose own comparison gives the overall
answer and has a box; a form's My Number counts as confirmed only when it agrees with the
copy, has 12 digits and a valid check digit, the copy is a card back or 通知カード, and
that kind is sure (confidence ≥ SURE = 0.75) or a person confirmed it.
"""

from __future__ import annotations

import pytest

from domain.copy_evidence import CopyLine, Located, digits, evidence_accepts, lines_of, locate
from domain.crosscheck import Agreement
from domain.id_copy import SURE
from domain.mynumber import make_my_number

NUMBER = make_my_number("12345678901")
FORM = {"full_name": "髙橋 一郎", "birth_date": {"iso": "1984-12-02"}, "my_number": NUMBER}
SPACED = f"個人番号 {NUMBER[:4]} {NUMBER[4:8]} {NUMBER[8:]}"


def test_rule_each_field_rests_on_the_line_it_was_compared_with() -> None:
    lines = [CopyLine(1, "個人番号カード", (5, 5, 50, 10)),
             CopyLine(1, "氏名 高橋 次郎", (5, 20, 80, 10)),  # a different given name
             CopyLine(2, SPACED, (7, 9, 90, 12)),
             CopyLine(2, "生年月日 昭和59年12月2日", None)]  # agrees, but there is no box to show
    found = locate(FORM, lines)
    assert found.agreement == {"full_name": Agreement.DISAGREE, "birth_date": Agreement.AGREE,
                               "my_number": Agreement.AGREE, "address": Agreement.ABSENT}
    assert found.where == {"full_name": (1, (5, 20, 80, 10)), "my_number": (2, (7, 9, 90, 12))}
    assert found.codes() == {"full_name": "disagree", "birth_date": "agree", "my_number": "agree",
                             "address": "absent"}


def test_rule_when_one_copy_agrees_the_field_rests_on_the_agreeing_line() -> None:
    lines = [CopyLine(1, "氏名 高橋 次郎", (5, 20, 80, 10)), CopyLine(3, "氏名 高橋 一郎", (1, 2, 3, 4))]
    found = locate(FORM, lines)
    assert found.agreement["full_name"] is Agreement.AGREE
    assert found.where["full_name"] == (3, (1, 2, 3, 4))


def test_rule_the_first_matching_line_with_a_box_is_chosen() -> None:
    lines = [CopyLine(1, "氏名 高橋 一郎", None),  # no box: skipped
             CopyLine(2, "氏名 高橋 一郎", (2, 2, 2, 2)),
             CopyLine(3, "氏名 高橋 一郎", (3, 3, 3, 3))]
    assert locate(FORM, lines).where == {"full_name": (2, (2, 2, 2, 2))}


def test_rule_an_absent_value_points_nowhere_and_hostile_text_agrees_with_nothing() -> None:
    hostile = CopyLine(1, "<script>alert(1)</script>", (0, 0, 9, 9))
    found = locate(FORM, [hostile])
    assert found == Located({"full_name": Agreement.ABSENT, "birth_date": Agreement.ABSENT,
                             "address": Agreement.ABSENT, "my_number": Agreement.ABSENT}, {},
                            (hostile,))  # the compared lines are kept (memory only), as read
    assert locate(FORM, []).where == {}


def test_rule_lines_pair_each_text_with_its_box_and_drop_boxes_that_do_not_pair() -> None:
    texts = {1: ["a", "b"], 2: ["c"], 5: ["x"]}
    boxes = {1: [(0, 0, 1, 1), (0, 2, 1, 1)], 2: [(0, 0, 1, 1), (9, 9, 9, 9)]}
    got = lines_of(texts, boxes, [2, 1])  # in the order of the indexes asked for
    assert got == [CopyLine(2, "c", None), CopyLine(1, "a", (0, 0, 1, 1)), CopyLine(1, "b", (0, 2, 1, 1))]
    assert lines_of(texts, {}, [5]) == [CopyLine(5, "x", None)]  # no boxes recorded for the page
    assert lines_of(texts, boxes, [7]) == []  # a page without texts has no lines
    assert lines_of(texts, boxes, []) == []


def test_rule_lines_carry_their_own_confidence_and_scores_that_do_not_pair_are_unknown() -> None:
    """Rule: each line keeps the least character confidence read for it (the strict acceptance
    needs it); a page whose scores do not pair up with its texts gets None (never sure)."""
    texts = {1: ["a", "b"], 2: ["c"]}
    scores = {1: [0.9, 0.5], 2: [0.9, 0.8]}
    got = lines_of(texts, {}, [1, 2], scores)
    assert [(ln.page_index, ln.text, ln.confidence) for ln in got] == [
        (1, "a", 0.9), (1, "b", 0.5), (2, "c", None)]
    assert [ln.confidence for ln in lines_of(texts, {}, [1])] == [None, None]  # no scores recorded


@pytest.mark.parametrize(("value", "expected"), [
    ("1234 5678-9012", "123456789012"), (123, "123"), (None, ""), (0, ""), ("", ""), ("<b>1</b>", "1"),
])
def test_rule_only_the_digits_of_a_my_number_are_compared(value: object, expected: str) -> None:
    assert digits(value) == expected


@pytest.mark.parametrize(("value", "agreement", "kind", "conf", "confirmed", "ok"), [
    (NUMBER, Agreement.AGREE, "mynumber_back", 0.9, False, True),
    (NUMBER, Agreement.AGREE, "notification", 0.9, False, True),
    (SPACED, Agreement.AGREE, "mynumber_back", 0.9, False, True),  # written with spaces
    (int(NUMBER), Agreement.AGREE, "mynumber_back", 0.9, False, True),
    (NUMBER, Agreement.AGREE, "mynumber_front+mynumber_back", 0.8, False, True),
    (NUMBER, Agreement.AGREE, "other+notification", 0.8, False, True),
    (NUMBER, Agreement.AGREE, "mynumber_back", SURE, False, True),  # exactly sure
    (NUMBER, Agreement.AGREE, "mynumber_back", SURE - 0.001, False, False),
    (NUMBER, Agreement.AGREE, "mynumber_back", None, False, False),  # no confidence: not sure
    (NUMBER, Agreement.AGREE, "mynumber_back", None, True, True),  # ... a person confirmed the kind
    (NUMBER, Agreement.AGREE, "mynumber_back", 0.5, True, True),
    (NUMBER, Agreement.DISAGREE, "mynumber_back", 0.9, True, False),
    (NUMBER, Agreement.ABSENT, "mynumber_back", 0.9, True, False),
    (NUMBER, None, "mynumber_back", 0.9, True, False),
    (NUMBER[:11] + str((int(NUMBER[11]) + 1) % 10), Agreement.AGREE, "mynumber_back", 0.9, True, False),
    (NUMBER + "1", Agreement.AGREE, "mynumber_back", 0.9, True, False),
    (NUMBER[:11], Agreement.AGREE, "mynumber_back", 0.9, True, False),
    (NUMBER, Agreement.AGREE, "juminhyo", 0.9, True, False),  # not a card back / 通知カード
    (NUMBER, Agreement.AGREE, "mynumber_front", 0.9, True, False),
    (NUMBER, Agreement.AGREE, "other", 0.9, True, False),
    (NUMBER, Agreement.AGREE, None, None, True, False),
    (None, Agreement.AGREE, "mynumber_back", 0.9, True, False),
])
def test_rule_my_number_counts_as_confirmed_only_on_a_sure_card_back_with_a_valid_check_digit(
        value: object, agreement: Agreement | None, kind: str | None, conf: float | None, confirmed: bool,
        ok: bool) -> None:
    assert evidence_accepts(value, agreement, kind, conf, confirmed) is ok


def test_rule_evidence_is_not_confirmed_by_default() -> None:
    assert evidence_accepts(NUMBER, Agreement.AGREE, "mynumber_back", 0.5) is False
    assert evidence_accepts(NUMBER, Agreement.AGREE, "mynumber_back", 0.9) is True
