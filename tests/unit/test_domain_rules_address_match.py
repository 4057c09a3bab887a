"""Rules of domain/address_match.py: is the form's address the place printed on the ID copy?

Pure-domain (``domain`` and pytest only) so it runs under ``make mutate``; the synthetic
card notations are checked in ``test_address_match.py``. Every expected key below is
worked out by hand from the steps in the module doc: NFKC and no spaces, dashes to '-',
kanji numerals before 丁目/番/号/地割 to digits, 大字/字 dropped, 丁目/番地/番/の between
numbers to '-', a trailing 号/番/番地/丁目 and '-' dropped, lookalike kana folded after
the house number only.
"""

from __future__ import annotations

import pytest

from domain.address_match import address_key, same_address


@pytest.mark.parametrize(("text", "key"), [
    ("東京都千代田区永田町一丁目２番３号", "東京都千代田区永田町1-2-3"),
    ("東京都千代田区永田町 1 - 2 - 3", "東京都千代田区永田町1-2-3"),  # spaces go
    ("東京都千代田区永田町\u30001-2-3", "東京都千代田区永田町1-2-3"),
    ("札幌市中央区北一条西十二丁目3番地", "札幌市中央区北一条西12-3"),  # 一 before 条 stays
    ("東京都八王子市元本郷町三丁目24番1号", "東京都八王子市元本郷町3-24-1"),  # 八 before the number stays
    ("永田町1丁目2番", "永田町1-2"),
    ("永田町1丁目", "永田町1"),
    ("永田町1番地", "永田町1"),
    ("永田町3号室", "永田町3室"),
    ("永田町1の2", "永田町1-2"),
    ("永田町1番地2", "永田町1-2"),
    ("永田町1-2-", "永田町1-2"),
    ("永田町1-2コーポX", "永田町1-2コ-ポX"),  # only hyphens are cut from the end
    ("岩手県二戸市堀野四地割", "岩手県二戸市堀野4地割"),  # 二 before 戸 stays
    ("梅田四J37-1", "梅田4-37-1"),  # 丁目 read as J
    ("梅田四J目37-1", "梅田4-37-1"),
    ("岩手県盛岡市大字中野字東12番地3", "岩手県盛岡市中野東12-3"),
    ("字東3", "字東3"),  # 字 at the start: not between two place-name characters
    ("東字3", "東字3"),  # 字 before a number stays
    ("沖縄県那霸市松尾6-17-2", "沖縄県那覇市松尾6-17-2"),
    ("石川県金沢市広坂40番地13 八イツ青葉301", "石川県金沢市広坂40-13ハイツ青葉301"),
])
def test_rule_the_address_key_follows_the_documented_steps(text: str, key: str) -> None:
    assert address_key(text) == key


@pytest.mark.parametrize(("kanji", "digits"), [
    ("一", "1"), ("九", "9"), ("十", "10"), ("十五", "15"), ("二十", "20"), ("二十三", "23"),
    ("九十九", "99"), ("一〇", "10"), ("三〇五", "305"),
])
def test_rule_kanji_numerals_become_their_value(kanji: str, digits: str) -> None:
    assert address_key(f"永田町{kanji}番") == f"永田町{digits}"
    assert address_key(f"永田町{kanji}号") == f"永田町{digits}"
    assert address_key(f"堀野{kanji}地割") == f"堀野{digits}地割"


@pytest.mark.parametrize("garbled", ["十十", "二三十", "十二三", "〇十", "十〇"])
def test_rule_a_garbled_kanji_numeral_is_kept_as_written_and_matches_no_number(garbled: str) -> None:
    key = address_key(f"東京都千代田区永田町{garbled}番")
    assert key == f"東京都千代田区永田町{garbled}番"
    assert not same_address(f"東京都千代田区永田町{garbled}番", "東京都千代田区永田町10")


@pytest.mark.parametrize("dash", list("-‐‑‒–—―−ｰー－"))
def test_rule_every_dash_like_mark_is_one_hyphen(dash: str) -> None:
    assert address_key(f"永田町1{dash}2") == "永田町1-2"


@pytest.mark.parametrize(("variant", "plain"), [
    ("霸", "覇"), ("舘", "館"), ("﨑", "崎"), ("髙", "高"), ("邊", "辺"), ("邉", "辺"), ("澤", "沢"),
    ("濱", "浜"), ("嶋", "島"), ("齋", "斎"), ("齊", "斉"), ("國", "国"), ("廣", "広"), ("櫻", "桜"),
])
def test_rule_variant_kanji_of_place_names_are_folded(variant: str, plain: str) -> None:
    assert address_key(f"{variant}町1-2") == f"{plain}町1-2"
    assert same_address(f"東京都{variant}町1-2-3", f"東京都{plain}町1-2-3")


@pytest.mark.parametrize(("look", "kana"), [
    ("八", "ハ"), ("一", "ー"), ("力", "カ"), ("口", "ロ"), ("工", "エ"), ("二", "ニ"), ("卜", "ト"),
    ("夕", "タ"), ("ヘ", "へ"), ("べ", "ベ"), ("ぺ", "ペ"),
])
def test_rule_lookalikes_are_folded_in_the_building_name_only(look: str, kana: str) -> None:
    folded = "-" if kana == "ー" else kana  # ー is a dash-like mark, made '-' before the folding
    assert address_key(f"{look}町1-2{look}ビル") == f"{look}町1-2{folded}ビル"


@pytest.mark.parametrize(("form", "copy"), [
    ("東京都千代田区永田町1-2-3", "東京都千代田区永田町一丁目２番３号"),
    ("岩手県盛岡市大字中野字東12番地3", "岩手県盛岡市中野東12-3"),
    ("石川県金沢市広坂40番地13　ハイツ青葉301", "石川県金沢市広坂40番地13 八イツ青葉301"),
])
def test_rule_the_same_place_in_other_notations_agrees_both_ways(form: str, copy: str) -> None:
    assert same_address(form, copy) and same_address(copy, form)


@pytest.mark.parametrize(("with_pref", "without"), [
    ("東京都千代田区永田町1-2-3", "千代田区永田町1-2-3"),
    ("北海道札幌市中央区北一条西12-3", "札幌市中央区北一条西12-3"),
    ("京都府京都市上京区1-2", "京都市上京区1-2"),
    ("大阪府大阪市北区梅田1-2-3", "大阪市北区梅田1-2-3"),
    ("秋田県秋田市山王1-2-3", "秋田市山王1-2-3"),  # two characters before 県
    ("神奈川県横浜市中区1-2", "横浜市中区1-2"),  # three characters before 県
])
def test_rule_an_address_without_its_prefecture_agrees(with_pref: str, without: str) -> None:
    assert same_address(with_pref, without) and same_address(without, with_pref)


def test_rule_the_prefecture_is_only_dropped_at_the_start() -> None:
    # the 県 of a 4-character-long name is no prefecture: the keys stay different
    assert not same_address("北海道札幌市1-2", "南北海道札幌市1-2")
    assert not same_address("あいうえ県中町1-2", "中町1-2")


def test_rule_a_long_vowel_misread_as_ichi_in_the_building_name_is_folded() -> None:
    assert same_address("中野町1-2コーポ101", "中野町1-2コ一ポ101")
    assert not same_address("中野町1-2コーポ101", "中野町1-2コ二ポ101")


def test_rule_one_address_may_add_a_building_after_the_last_number() -> None:
    assert same_address("中野町1-2", "中野町1-2コーポ101")  # the shorter key is 6 characters
    assert same_address("中野町1-2コーポ101", "中野町1-2")
    assert not same_address("野町1-2", "野町1-2コーポ101")  # 5 characters: too little to go on


@pytest.mark.parametrize(("form", "copy"), [
    ("東京都千代田区永田町1-2-3", "東京都千代田区永田町1-2-34"),  # the number goes on
    ("東京都千代田区永田町1-2-3", "東京都千代田区永田町1-2-3-4"),
    ("東京都千代田区永田町1-2", "東京都千代田区永田町1-2"[:-1] + "3"),
    ("東京都千代田区永田町1-2-3", "東京都千代田区平河町1-2-3"),
    ("東京都千代田区永田町2丁目2番3号", "東京都千代田区永田町一丁目2番3号"),
    ("中野町1-2ハイツ", "中野町1-2ハイツ青葉"),  # the shorter one must end in its number
    ("大阪府大阪市北区梅田4-37-1", "大阪府大阪市北区梅田四J37-7"),
    ("東京都千代田区麹町5-24-30", "東京都千代田区魏町5-24-30"),
])
def test_rule_a_different_place_disagrees(form: str, copy: str) -> None:
    assert not same_address(form, copy) and not same_address(copy, form)


@pytest.mark.parametrize(("a", "b"), [
    ("", "東京都千代田区永田町1-2-3"),
    ("東京都千代田区永田町1-2-3", ""),
    (" \u3000", " "),  # both blank: nothing to agree on
    ("", ""),
    ("", "東京都"),  # a line with only a prefecture: blank once the prefecture is dropped
    ("東京都", ""),
    ("<script>alert(1)</script>", "東京都千代田区永田町1-2-3"),
])
def test_rule_a_blank_address_agrees_with_nothing(a: str, b: str) -> None:
    assert same_address(a, b) is False
