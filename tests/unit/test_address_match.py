"""Addresses on the form vs on an ID copy (domain.address_match) and in the cross-check."""

from __future__ import annotations

import random

import pytest

from domain.address_match import address_key, same_address
from domain.crosscheck import Agreement, copy_values, cross_check
from synth.id_copies import card_address
from synth.people import make_address


@pytest.mark.parametrize(("form", "copy"), [
    ("東京都千代田区永田町1-2-3", "東京都千代田区永田町一丁目２番３号"),
    ("東京都千代田区永田町1丁目2番3号", "東京都千代田区永田町1-2-3"),
    ("岩手県盛岡市大字中野字東12番地3", "岩手県盛岡市中野東12-3"),
    ("大阪府大阪市北区中之島4丁目39番12号", "大阪府大阪市北区中之島四丁目39番12号 メゾン中之島301"),
    ("千代田区永田町1-2-3", "東京都千代田区永田町1ー2ー3"),  # the form omits the prefecture
    ("札幌市中央区北一条西十二丁目3番地", "札幌市中央区北一条西12-3"),
])
def test_the_same_place_in_other_notations_agrees(form: str, copy: str) -> None:
    assert same_address(form, copy), (address_key(form), address_key(copy))


@pytest.mark.parametrize(("form", "copy"), [
    ("東京都千代田区永田町1-2-3", "東京都千代田区永田町1-2-34"),  # another house number
    ("東京都千代田区永田町1-2-3", "東京都千代田区永田町1-2"),
    ("東京都千代田区永田町1-2-3", "東京都千代田区平河町1-2-3"),
    ("東京都千代田区永田町2丁目2番3号", "東京都千代田区永田町一丁目2番3号"),
    ("", "東京都千代田区永田町1-2-3"),
    ("<script>alert(1)</script>", "東京都千代田区永田町1-2-3"),
])
def test_a_different_place_disagrees(form: str, copy: str) -> None:
    assert not same_address(form, copy)


def test_every_synthesised_card_notation_agrees_with_the_form() -> None:
    rng = random.Random(7)
    for _ in range(300):
        address = make_address(rng).text
        assert same_address(address, card_address(address, rng)), address


def test_the_cross_check_reads_the_copy_address_line() -> None:
    lines = ["運転免許証", "氏名　高橋　一郎　昭和59年12月2日生", "住所　東京都千代田区永田町一丁目２番３号"]
    values = copy_values(lines)
    assert values.addresses == ["東京都千代田区永田町一丁目2番3号"]
    agree = cross_check({"address": "東京都千代田区永田町1-2-3"}, values)
    assert agree["address"] is Agreement.AGREE
    assert cross_check({"address": "東京都千代田区永田町1-2-4"}, values)["address"] is Agreement.DISAGREE
    assert cross_check({"address": "東京都千代田区永田町1-2-3"}, copy_values(["氏名 高橋"]))["address"] \
        is Agreement.ABSENT


def test_recogniser_slips_on_printed_addresses_that_do_not_change_the_place_are_folded() -> None:
    assert same_address("大阪府大阪市北区梅田4-37-1", "大阪府大阪市北区梅田四J37-1")  # 丁 read as J
    assert same_address("沖縄県那覇市松尾6-17-2", "沖縄県那霸市松尾6-17-2")  # 異体字
    assert not same_address("大阪府大阪市北区梅田4-37-1", "大阪府大阪市北区梅田四J37-7")
    assert not same_address("東京都千代田区麹町5-24-30", "東京都千代田区魏町5-24-30")  # another kanji: no


def test_an_address_line_without_its_label_is_still_found() -> None:
    values = copy_values(["個人番号カード", "氏名 高橋 一郎", "東京都千代田区永田町1丁目2番3号"])
    assert values.addresses == ["東京都千代田区永田町1丁目2番3号"]
    assert copy_values(["交付 令和7年1月2日", "公安委員会"]).addresses == []


def test_lookalike_kana_in_the_building_name_are_folded_but_not_the_room_number() -> None:
    form = "石川県金沢市広坂40番地13　ハイツ青葉301"
    assert same_address(form, "石川県金沢市広坂40番地13 八イツ青葉301")
    assert not same_address(form, "石川県金沢市広坂40番地13 ハイツ青葉302")
