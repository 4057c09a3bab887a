"""Rules of the address part of domain/crosscheck.py: the address printed on an ID copy.

Pure-domain (``domain`` and pytest only) so it runs under ``make mutate``. A copy line
labelled 住所 gives the text after the label when it has at least 4 characters; a line
whose label was lost counts when it starts like an address (prefecture, municipality,
a number) and is not the name line; the form's ``address`` then agrees when it is the
same place (:func:`domain.address_match.same_address`), and is absent when either side
has none.
"""

from __future__ import annotations

import pytest

from domain.crosscheck import Agreement, copy_values, cross_check

CARD = "住所　東京都千代田区永田町一丁目２番３号"


def test_rule_the_text_after_the_jusho_label_is_the_copy_address() -> None:
    assert copy_values(["運転免許証", CARD]).addresses == ["東京都千代田区永田町一丁目2番3号"]
    # without a prefecture only the label tells it is an address
    assert copy_values(["住 所 千代田区永田町1-2-3"]).addresses == ["千代田区永田町1-2-3"]


def test_rule_a_labelled_address_needs_at_least_four_characters() -> None:
    assert copy_values(["住所 中野町1"]).addresses == ["中野町1"]
    assert copy_values(["住所 中野1"]).addresses == []
    assert copy_values(["住所"]).addresses == []


def test_rule_an_address_line_without_its_label_counts_unless_it_is_the_name_line() -> None:
    assert copy_values(["個人番号カード", "東京都千代田区永田町1丁目2番3号"]).addresses == \
        ["東京都千代田区永田町1丁目2番3号"]
    assert copy_values(["本籍 大阪府大阪市北区梅田1-2"]).addresses == ["大阪府大阪市北区梅田1-2"]
    assert copy_values(["氏名 高橋 一郎 東京都千代田区永田町1-2-3"]).addresses == []
    assert copy_values(["交付 令和7年1月2日", "公安委員会", "<script>alert(1)</script>"]).addresses == []


@pytest.mark.parametrize(("form", "expected"), [
    ("東京都千代田区永田町1-2-3", Agreement.AGREE),  # the same place in another notation
    ("千代田区永田町1-2-3", Agreement.AGREE),  # the form omits the prefecture
    ("東京都千代田区永田町1-2-4", Agreement.DISAGREE),
    ("None", Agreement.DISAGREE),
    ("", Agreement.ABSENT),  # the form has no address: nothing to compare
    (None, Agreement.ABSENT),
])
def test_rule_the_forms_address_agrees_when_the_copy_names_the_same_place(
        form: str | None, expected: Agreement) -> None:
    assert cross_check({"address": form}, copy_values([CARD]))["address"] is expected


def test_rule_a_copy_without_an_address_leaves_the_address_unchecked() -> None:
    agreement = cross_check({"address": "東京都千代田区永田町1-2-3"}, copy_values(["氏名 高橋 一郎"]))
    assert agreement["address"] is Agreement.ABSENT
    assert cross_check({}, copy_values([CARD]))["address"] is Agreement.ABSENT
    assert cross_check({"ADDRESS": "東京都千代田区永田町1-2-3"}, copy_values([CARD]))["address"] \
        is Agreement.ABSENT  # only the field named address is compared
