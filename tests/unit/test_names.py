"""ocr.names: the surname / given-name space is kept, repaired with evidence, or sent to a person."""

from __future__ import annotations

import logging

import pytest

from ocr.names import SPACE, NameCheck, NameEvidence, NameReason, check_name

# Common surnames and given names with their readings, written from general knowledge.
# None of them is in synth/people.py (that generator must not be what we tune on).
SURNAMES: tuple[tuple[str, str], ...] = (
    ("西村", "ニシムラ"), ("福田", "フクダ"), ("太田", "オオタ"), ("三浦", "ミウラ"),
    ("藤井", "フジイ"), ("岡本", "オカモト"), ("松田", "マツダ"), ("中川", "ナカガワ"),
    ("中野", "ナカノ"), ("原田", "ハラダ"), ("小野", "オノ"), ("竹内", "タケウチ"),
    ("金子", "カネコ"), ("和田", "ワダ"), ("中山", "ナカヤマ"), ("石田", "イシダ"),
    ("上田", "ウエダ"), ("森田", "モリタ"), ("柴田", "シバタ"), ("酒井", "サカイ"),
    ("横山", "ヨコヤマ"), ("宮崎", "ミヤザキ"), ("宮本", "ミヤモト"), ("内田", "ウチダ"),
    ("高木", "タカギ"), ("安藤", "アンドウ"), ("谷口", "タニグチ"), ("大野", "オオノ"),
    ("丸山", "マルヤマ"), ("今井", "イマイ"), ("河野", "コウノ"), ("藤原", "フジワラ"),
    ("村田", "ムラタ"), ("武田", "タケダ"), ("上野", "ウエノ"), ("杉山", "スギヤマ"),
    ("増田", "マスダ"), ("小山", "コヤマ"), ("大塚", "オオツカ"), ("平野", "ヒラノ"),
    ("菅野", "カンノ"), ("久保", "クボ"), ("野口", "ノグチ"), ("千田", "チダ"),
    # one and three (or four) kanji: the hard lengths
    ("東", "アズマ"), ("堀", "ホリ"), ("辻", "ツジ"), ("関", "セキ"), ("原", "ハラ"), ("南", "ミナミ"),
    ("五十嵐", "イガラシ"), ("久保田", "クボタ"), ("大久保", "オオクボ"), ("小笠原", "オガサワラ"),
    ("宇佐美", "ウサミ"), ("長谷部", "ハセベ"), ("佐久間", "サクマ"), ("東海林", "ショウジ"),
    ("勅使河原", "テシガワラ"), ("一ノ瀬", "イチノセ"),
)
GIVEN: tuple[tuple[str, str], ...] = (
    ("大翔", "ヒロト"), ("陽翔", "ハルト"), ("湊", "ミナト"), ("樹", "イツキ"), ("翼", "ツバサ"),
    ("颯太", "ソウタ"), ("海斗", "カイト"), ("優太", "ユウタ"), ("亮", "リョウ"), ("剛", "ツヨシ"),
    ("聡", "サトシ"), ("学", "マナブ"), ("稔", "ミノル"), ("勉", "ツトム"), ("昭", "アキラ"),
    ("健二", "ケンジ"), ("浩二", "コウジ"), ("和也", "カズヤ"), ("慎太郎", "シンタロウ"),
    ("健太郎", "ケンタロウ"), ("龍之介", "リュウノスケ"), ("正樹", "マサキ"), ("康弘", "ヤスヒロ"),
    ("俊介", "シュンスケ"), ("結衣", "ユイ"), ("葵", "アオイ"), ("凛", "リン"), ("芽依", "メイ"),
    ("莉子", "リコ"), ("美月", "ミツキ"), ("優子", "ユウコ"), ("由紀子", "ユキコ"), ("美智子", "ミチコ"),
    ("洋子", "ヨウコ"), ("京子", "キョウコ"), ("奈々", "ナナ"), ("麻美", "アサミ"), ("香織", "カオリ"),
    ("恵", "メグミ"), ("薫", "カオル"), ("舞", "マイ"), ("ひかり", "ヒカリ"), ("あやか", "アヤカ"),
    ("沙織", "サオリ"), ("千夏", "チナツ"),
)


def _people(step: int) -> list[tuple[str, str, str, str]]:
    """Surname i with given name i*step: every surname, a spread of given names."""
    return [(s, sk, GIVEN[(i * step) % len(GIVEN)][0], GIVEN[(i * step) % len(GIVEN)][1])
            for i, (s, sk) in enumerate(SURNAMES)]


PEOPLE = _people(1) + _people(7)


def outcome(check: NameCheck, truth: str) -> str:
    if check.review:
        return "unsure"
    return "right" if check.value == truth else "wrong"


# ---------------------------------------------------------------- clear cases


@pytest.mark.parametrize(("name", "kana", "truth"), [
    ("小野寺悠斗", "オノデラ　ユウト", "小野寺　悠斗"),  # the measured failure
    ("長谷川真由美", "ハセガワ マユミ", "長谷川　真由美"),  # half-width space in the kana
    ("山田さくら", "やまだ　さくら", "山田　さくら"),  # hiragana given name, hiragana kana
    ("五十嵐翼", "イガラシ　ツバサ", "五十嵐　翼"),
    ("東健太郎", "アズマ　ケンタロウ", "東　健太郎"),
])
def test_a_lost_space_comes_back_with_evidence(name: str, kana: str, truth: str) -> None:
    c = check_name(name, kana)
    assert c.value == truth
    assert c.inferred and c.supported and not c.review
    assert c.evidence in (NameEvidence.KANA, NameEvidence.LEXICON, NameEvidence.STATISTICS)


def test_variant_kanji_keep_their_glyph() -> None:
    c = check_name("髙橋一郎", "タカハシ　イチロウ")
    assert c.value == "髙橋　一郎"  # looked up as 高橋, kept as written
    assert not c.review


def test_katakana_only_name_splits_where_its_kana_does() -> None:
    c = check_name("スミスジョン", "スミス　ジョン")
    assert (c.value, c.evidence, c.review) == ("スミス　ジョン", NameEvidence.KANA, False)


def test_already_spaced_is_unchanged() -> None:
    spaced = (("佐藤　花子", "サトウ　ハナコ"), ("佐藤 花子", None), ("John Smith", "ジョン スミス"))
    for name, kana in spaced:
        c = check_name(name, kana)
        assert c.value == name.replace(" ", SPACE)
        assert (c.reason, c.supported, c.review, c.inferred) == (NameReason.SPACED, True, False, False)


def test_a_written_middle_dot_counts_as_the_space() -> None:
    c = check_name("ジョン・スミス", "ジョン　スミス")
    assert (c.value, c.reason, c.review, c.inferred) == ("ジョン・スミス", NameReason.SPACED, False, False)


def test_a_written_space_the_kana_contradicts_goes_to_a_person() -> None:
    c = check_name("小野　寺悠斗", "オノデラ　ユウト")  # the reader split inside the surname
    assert c.value == "小野　寺悠斗"
    assert (c.reason, c.review) == (NameReason.SPACE_CONFLICTS_KANA, True)


def test_two_gaps_are_resolved_by_the_kana() -> None:
    c = check_name("小野　寺　悠斗", "オノデラ　ユウト")
    assert (c.value, c.review, c.inferred) == ("小野寺　悠斗", False, True)


def test_two_gaps_without_evidence_go_to_a_person_unchanged() -> None:
    c = check_name("鬼瓦　権　蔵", None)
    assert (c.value, c.review, c.inferred, c.reason) == ("鬼瓦　権　蔵", True, False, NameReason.EXTRA_SPACES)


def test_latin_names_of_three_words_are_kept() -> None:
    c = check_name("Jean Paul Sartre", None)
    assert (c.value, c.review) == ("Jean\u3000Paul\u3000Sartre", False)


# ---------------------------------------------------------------- unsure and missing evidence


def test_kana_that_fits_no_split_is_flagged() -> None:
    c = check_name("林愛", "ハヤシハヤシ　アイ")  # six kana for one kanji
    assert (c.value, c.review, c.inferred, c.reason) == ("林愛", True, False, NameReason.KANA_CONFLICT)


@pytest.mark.parametrize(("name", "kana"), [
    ("久保田稔", "クボ　タミノル"),  # 久保 = クボ, but the space belongs after タ
    ("佐藤一郎", "サ　トウイチロウ"),  # 佐 = サ in the lexicon
])
def test_a_stray_kana_space_matching_a_reading_is_overruled_by_statistics(name: str, kana: str) -> None:
    c = check_name(name, kana)
    assert (c.value, c.review, c.inferred, c.reason) == (name, True, False, NameReason.EVIDENCE_CONFLICT)


def test_rare_names_without_lexicon_or_clear_statistics_are_flagged_unchanged() -> None:
    for name, kana in (("鬼瓦権蔵", "オニガワラ　ゴンゾウ"), ("百目鬼凪", "ドウメキ　ナギ")):
        c = check_name(name, kana)
        assert (c.value, c.review, c.inferred, c.reason) == (name, True, False, NameReason.SPLIT_UNSURE)


def test_unsure_statistics_are_flagged_unchanged() -> None:
    # katakana everywhere: no kanji statistics, kana without a space to match
    c = check_name("ジョンスミス", "ジョンスミス")
    assert (c.value, c.review, c.inferred, c.reason) == ("ジョンスミス", True, False, NameReason.NO_KANJI)


def test_no_space_and_no_kana_is_never_auto_accepted() -> None:
    for kana in (None, "", "オノデラユウト"):
        c = check_name("小野寺悠斗", kana)
        assert c.review and not c.supported
        assert c.reason in (NameReason.NO_KANA_SPLIT, NameReason.SPLIT_UNSURE)
        assert c.value in ("小野寺悠斗", "小野寺　悠斗")


@pytest.mark.parametrize("name", ["ジョン", "やまだはなこ", "JOHNSMITH", "Jean-Luc", "花"])
def test_kana_or_latin_only_names_do_not_break(name: str) -> None:
    c = check_name(name, None)
    assert c.value == name and c.review and not c.inferred


def test_empty_name() -> None:
    c = check_name("　 ", "ヤマダ　タロウ")
    assert (c.value, c.reason, c.review) == ("", NameReason.EMPTY, False)


@pytest.mark.parametrize(("name", "kana"), [
    ("<script>alert(1)</script>", "<script>"),
    ("山" * 10_000, "ヤ" * 5_000 + "　" + "マ" * 5_000),
    ("山田" + "\u200b" * 50 + "太郎", "ヤマダ\x00タロウ"),
    ("\ud800", "\ud800　\udfff"),
    ("𠮷野家𠮷", "ヨシノヤ　ヨシ"),
    ("1234", "12　34"),
    ("山田\n太郎", "ヤマダ\nタロウ"),
])
def test_hostile_input_does_not_crash(name: str, kana: str) -> None:
    c = check_name(name, kana)
    assert isinstance(c.value, str) and isinstance(c.reason, NameReason)


def test_no_name_appears_in_any_log_record(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cases = [("小野寺悠斗", "オノデラ　ユウト"), ("佐藤一郎", "サ　トウイチロウ"), ("小野寺悠斗", None),
             ("佐藤　花子", "サトウ　ハナコ"), ("スミスジョン", "スミス　ジョン")]
    for name, kana in cases:
        check_name(name, kana)
    assert caplog.records  # the checks do log their reasons
    pieces = {"小野", "悠斗", "佐藤", "一郎", "花子", "オノデラ", "ユウト", "サトウ", "スミス", "ジョン"}
    for record in caplog.records:
        text = record.getMessage()
        assert not any(p in text for p in pieces), record.msg
        assert all(ord(ch) < 0x3000 for ch in text)  # nothing Japanese at all


# ---------------------------------------------------------------- measured on a list we did not generate


def test_common_names_with_spaced_kana_are_never_split_wrong_unreviewed() -> None:
    counts = {"right": 0, "wrong": 0, "unsure": 0}
    for sur, sur_kana, given, given_kana in PEOPLE:
        c = check_name(sur + given, f"{sur_kana}{SPACE}{given_kana}")
        counts[outcome(c, f"{sur}{SPACE}{given}")] += 1
    assert counts["wrong"] == 0, counts
    assert counts["right"] >= 0.9 * len(PEOPLE), counts


def test_correctly_spaced_common_names_raise_no_false_conflicts() -> None:
    for sur, sur_kana, given, given_kana in PEOPLE:
        c = check_name(f"{sur}{SPACE}{given}", f"{sur_kana}{SPACE}{given_kana}")
        assert not c.review, c.reason
