"""Exact rules of the ID-copy classifier (domain.id_copy): fuzzy keywords, layout, confidence.

Pure domain: imports only ``domain`` and pytest (part of ``make mutate``). Expected values
are worked out by hand with difflib's ratio 2*M/T (M matching characters, T the two
lengths together): e.g. "個人番" against "個人番号" is 2*3/7 = 0.857. Confidence is
the winner's score less half the runner-up's, rounded to 3 places; without a photo the
card kinds are scaled (front and licence x0.85, passport x0.9), with one the 通知カード
x0.8; on a card the 住民票 x0.6; the back of the My Number card scores its 個人番号 match
(x0.7 with a photo).
"""

from __future__ import annotations

import pytest

from domain.id_copy import SURE, CopyKind, _norm, classify, fuzzy, parse_kinds

K = CopyKind


def guess(lines: list[str], *, photo: bool, card: bool, ink: float = 1.0) -> tuple[CopyKind, float]:
    g = classify(lines, photo=photo, card=card, ink=ink)
    return g.kind, g.confidence


def test_rule_text_is_compared_without_spaces_in_upper_case_with_one_kind_of_dash() -> None:
    assert _norm(" pass port ") == "PASSPORT"
    assert _norm("通知カ--ド") == "通知カード"
    assert _norm("A—‐B ｰ C") == "AーBーC"


@pytest.mark.parametrize(("text", "expected"), [
    ("XX個人番YY", 6 / 7),       # best window of 3: 個人番
    ("AB個人X番号CD", 8 / 9),     # best window of 5: 個人X番号
    ("ABCD個人X番号", 8 / 9),     # ... also at the very end of the text
    ("X個人", 4 / 7),             # text shorter than the keyword: the whole text only
    ("個人", 4 / 6),
    ("", 0.0),
    ("ZZ個人番号ZZ", 1.0),        # verbatim
])
def test_rule_a_keyword_is_matched_against_windows_one_shorter_to_one_longer(
        text: str, expected: float) -> None:
    assert fuzzy("個人番号", text) == pytest.approx(expected)


def test_rule_a_two_character_keyword_also_matches_one_character_windows() -> None:
    assert fuzzy("免許", "免X") == pytest.approx(2 / 3)  # window 免 (window 免X: 2*1/4)


def test_rule_a_blank_page_is_blank_only_below_the_ink_threshold() -> None:
    assert guess([], photo=False, card=False, ink=0.0) == (K.BLANK, 0.95)
    assert guess([], photo=False, card=False, ink=0.0019) == (K.BLANK, 0.95)
    assert guess([], photo=False, card=False, ink=0.002) == (K.OTHER, 0.5)  # no text, some ink


def test_rule_other_paper_is_surer_the_more_text_was_read() -> None:
    assert guess(["あいうえおかきく"], photo=False, card=False) == (K.OTHER, 0.9)  # 8 characters
    assert guess(["あいうえおかき"], photo=False, card=False) == (K.OTHER, 0.5)   # 7 characters


@pytest.mark.parametrize(("lines", "photo", "card", "expected"), [
    (["運転免許証", "公安委員会"], True, True, (K.LICENSE, 1.0)),
    (["運転免許証", "公安委員会"], False, True, (K.LICENSE, 0.85)),  # no photo: x0.85
    (["運転免", "許証"], True, True, (K.LICENSE, 1.0)),              # a keyword split over two lines
    (["運転免許語"], True, True, (K.LICENSE, 0.889)),                 # 運転免許 = 8/9, beats 免許 x0.75
    (["旅券"], False, True, (K.PASSPORT, 0.9)),                       # no photo: x0.9
    (["通知カード"], True, True, (K.NOTIFICATION, 0.8)),              # a photo: x0.8
    (["通知カード"], False, True, (K.NOTIFICATION, 1.0)),
    (["住民票"], False, True, (K.JUMINHYO, 0.6)),                     # a card: x0.6
    (["住民票"], False, False, (K.JUMINHYO, 1.0)),
    (["個人番号カード"], False, True, (K.MYNUMBER_FRONT, 0.85)),
    (["運転免許証", "旅券"], True, True, (K.LICENSE, 0.5)),           # tie: 1.0 - 0.5 x 1.0
])
def test_rule_the_kind_and_confidence_follow_the_words_and_the_layout(
        lines: list[str], photo: bool, card: bool, expected: tuple[CopyKind, float]) -> None:
    assert guess(lines, photo=photo, card=card) == expected


def test_rule_the_back_of_the_my_number_card_is_its_label_and_twelve_digits_on_a_card() -> None:
    assert guess(["個人番号 1234 5678 9012"], photo=False, card=True) == (K.MYNUMBER_BACK, 1.0)
    assert guess(["個人番号 1234 5678 9012"], photo=True, card=True) == (K.MYNUMBER_BACK, 0.7)
    # 個人X番: best window 個人X番 = 2*3/8 = 0.75, exactly the label threshold
    assert guess(["個人X番 1234 5678 9012"], photo=False, card=True) == (K.MYNUMBER_BACK, 0.75)
    assert guess(["個人X番 1234 5678 9012"], photo=False, card=True)[1] >= SURE


def test_rule_without_the_twelve_digits_the_label_alone_is_not_the_back() -> None:
    # "個人番号" against 個人番号カード: the whole text, 2*4/11 = 0.727, x0.85 without photo = 0.618
    assert guess(["個人番号"], photo=False, card=True) == (K.MYNUMBER_FRONT, 0.618)


def test_rule_the_front_of_the_card_with_its_number_is_not_taken_for_the_back() -> None:
    assert guess(["個人番号カード", "1234 5678 9012"], photo=True, card=True) == (K.MYNUMBER_FRONT, 1.0)


def test_rule_a_whole_page_with_a_my_number_is_a_juminhyo_not_a_card_back() -> None:
    assert guess(["住民票の写し", "個人番号 123456789012"], photo=False, card=False) == (K.JUMINHYO, 1.0)


def test_rule_unknown_stored_kinds_are_dropped_wherever_they_stand() -> None:
    assert parse_kinds("bogus+license") == [K.LICENSE]
    assert parse_kinds("license+bogus+passport") == [K.LICENSE, K.PASSPORT]
    assert parse_kinds(None) == [] and parse_kinds("") == []
