from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.model import RuleResult
from domain.normalize import (
    collapse_spaces,
    hiragana_to_katakana,
    is_valid_phone,
    normalize_amount,
    normalize_digits,
    normalize_email,
    normalize_kana,
    normalize_my_number,
    normalize_phone,
    normalize_postal,
    normalize_text,
    to_halfwidth,
)
from domain.status import IssueCode

RULES: list[Callable[[str], RuleResult]] = [
    normalize_text,
    normalize_kana,
    normalize_digits,
    normalize_amount,
    normalize_postal,
    normalize_phone,
    normalize_email,
    normalize_my_number,
]


def codes(result: RuleResult) -> list[IssueCode]:
    return [i.code for i in result.issues]


# ---------------------------------------------------------------- to_halfwidth


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("０１２３４５６７８９", "0123456789"),
        ("ＡＢＣＸＹＺａｂｃｘｙｚ", "ABCXYZabcxyz"),
        ("－，．＠（）！～", "-,.@()!~"),
        ("￥３０，０００", "¥30,000"),
        ("ｱｲｳｴｵ", "アイウエオ"),
        ("ｶﾞｷﾞﾊﾟﾋﾟｳﾞ", "ガギパピヴ"),
        ("ｺｰﾋｰ･ﾐﾙｸ", "コーヒー・ミルク"),
        ("ｧｨｩｪｫｯｬｭｮ", "ァィゥェォッャュョ"),
        ("ﾞ", "゛"),
        ("カ\u3099", "ガ"),
        ("山田　太郎", "山田　太郎"),
        ("ひらがな漢字カタカナ", "ひらがな漢字カタカナ"),
        ("髙﨑", "髙﨑"),
        ("\ufa30", "\ufa30"),  # compatibility kanji are not silently replaced
    ],
)
def test_to_halfwidth(raw: str, expected: str) -> None:
    assert to_halfwidth(raw) == expected


@given(st.text())
def test_to_halfwidth_is_idempotent(s: str) -> None:
    once = to_halfwidth(s)
    assert to_halfwidth(once) == once
    assert not re.search(r"[\uff01-\uff5e\uff61-\uff9f]", once)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("  山田   太郎  ", "山田　太郎"),
        ("山田\u3000\u3000太郎", "山田　太郎"),
        ("a \t\n b", "a　b"),
        ("\u3000", ""),
        ("", ""),
    ],
)
def test_collapse_spaces(raw: str, expected: str) -> None:
    assert collapse_spaces(raw) == expected


@given(st.text())
def test_collapse_spaces_properties(s: str) -> None:
    out = collapse_spaces(s)
    assert out == out.strip()
    assert "\u3000\u3000" not in out
    assert all(not c.isspace() or c == "\u3000" for c in out)


# ---------------------------------------------------------------- text


def test_normalize_text() -> None:
    assert normalize_text(" ＡＢＣ商店　 ｶﾌﾞｼｷｶﾞｲｼｬ ").value == "ABC商店　カブシキガイシャ"
    assert normalize_text("a\u200bb\x00c").value == "abc"


@pytest.mark.parametrize("raw", ["", " ", "\u3000\n", "\u200b"])
def test_normalize_text_empty(raw: str) -> None:
    result = normalize_text(raw)
    assert result.value is None
    assert codes(result) == [IssueCode.EMPTY]


# ---------------------------------------------------------------- kana


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("ヤマダ　タロウ", "ヤマダ　タロウ"),
        ("やまだ たろう", "ヤマダ　タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ　タロウ"),
        ("ｻﾄｳ  ﾕｳｺ", "サトウ　ユウコ"),
        ("スミス・ジョン", "スミス・ジョン"),
        ("ヴァイオリン", "ヴァイオリン"),
        ("ジョー", "ジョー"),
        ("ジョ-", "ジョー"),
        ("ジョ－ジ", "ジョージ"),
        ("ジョ―ジ", "ジョージ"),
        ("きゃっしゅ", "キャッシュ"),
        ("ヵヶヮ", "ヵヶヮ"),
    ],
)
def test_normalize_kana(raw: str, expected: str) -> None:
    result = normalize_kana(raw)
    assert result.ok, result.issues
    assert result.value == expected


@pytest.mark.parametrize("raw", ["山田", "Yamada", "ヤマダ1", "-ヤマダ", "ヤマダ!", "ヤマダ太郎"])
def test_normalize_kana_rejects(raw: str) -> None:
    result = normalize_kana(raw)
    assert result.value is None
    assert codes(result) == [IssueCode.NOT_KATAKANA]
    assert result.issues[0].message == "フリガナはカタカナで記入してください"


def test_hiragana_to_katakana() -> None:
    assert hiragana_to_katakana("ぁあゔゖ漢") == "ァアヴヶ漢"


# ---------------------------------------------------------------- digits


@pytest.mark.parametrize(
    "raw,expected", [("0123", "0123"), ("０１２３", "0123"), ("01-23 45", "012345"), ("1ー2", "12")]
)
def test_normalize_digits(raw: str, expected: str) -> None:
    assert normalize_digits(raw).value == expected


@pytest.mark.parametrize("raw", ["12a", "１２Ｏ", "①②", "٣"])
def test_normalize_digits_rejects(raw: str) -> None:
    result = normalize_digits(raw)
    assert result.value is None
    assert codes(result) == [IssueCode.INVALID_CHARACTERS]


# ---------------------------------------------------------------- amount


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("30,000円", 30000),
        ("￥30,000", 30000),
        ("¥30000", 30000),
        ("\\30,000", 30000),
        ("3万円", 30000),
        ("3万5千円", 35000),
        ("3万5,000円", 35000),
        ("3万5千200円", 35200),
        ("１０，０００円", 10000),
        ("30000", 30000),
        ("30.000", 30000),
        ("1.000.000円", 1000000),
        ("1,234,567", 1234567),
        ("金30,000円也", 30000),
        ("¥30,000-", 30000),
        ("￥３０，０００－", 30000),
        ("30 000 円", 30000),
        ("千円", 1000),
        ("35千円", 35000),
        ("1億2000万円", 120000000),
        ("5百円", 500),
        ("3万0円", 30000),
    ],
)
def test_normalize_amount(raw: str, expected: int) -> None:
    result = normalize_amount(raw)
    assert result.ok, result.issues
    assert result.value == expected
    assert type(result.value) is int


@pytest.mark.parametrize(
    "raw",
    [
        "30.5",
        "30,00",
        "3,0000",
        "30.0000",
        "1,000.000",
        "abc",
        "円",
        "¥",
        "万円",
        "3万12千円",
        "1千2000円",
        "5千3万円",
        "3万万",
        "0万円",
        "-5000",
        "1e5",
        "9" * 20,
        "三万円",
    ],
)
def test_normalize_amount_invalid(raw: str) -> None:
    result = normalize_amount(raw)
    assert result.value is None
    assert codes(result) == [IssueCode.INVALID_FORMAT]


@pytest.mark.parametrize("raw", ["0", "0円", "￥0", "000"])
def test_normalize_amount_zero(raw: str) -> None:
    result = normalize_amount(raw)
    assert result.value == 0
    assert codes(result) == [IssueCode.AMOUNT_NOT_POSITIVE]


@given(st.integers(1, 10**12))
def test_amount_round_trip(n: int) -> None:
    assert normalize_amount(f"{n:,}円").value == n
    assert normalize_amount(f"￥{n}").value == n
    assert normalize_amount(f"{n:,}".replace(",", ".")).value == n


@given(st.integers(1, 9999), st.integers(0, 9), st.integers(0, 999))
def test_amount_man_sen_round_trip(man: int, sen: int, rest: int) -> None:
    text = f"{man}万" + (f"{sen}千" if sen else "") + (str(rest) if rest else "") + "円"
    assert normalize_amount(text).value == man * 10000 + sen * 1000 + rest


# ---------------------------------------------------------------- postal


@pytest.mark.parametrize(
    "raw",
    [
        "〒123-4567",
        "1234567",
        "１２３－４５６７",
        "123 4567",
        "〒 123-4567",
        "123ー4567",
        "〒1234567",
    ],
)
def test_normalize_postal(raw: str) -> None:
    result = normalize_postal(raw)
    assert result.ok
    assert result.value == "123-4567"


@pytest.mark.parametrize("raw", ["123456", "12345678", "1234-567", "12-34567", "abc-defg", "〒"])
def test_normalize_postal_invalid(raw: str) -> None:
    result = normalize_postal(raw)
    assert result.value is None
    assert codes(result) == [IssueCode.POSTAL_INVALID]
    assert result.issues[0].message == "郵便番号は7桁で記入してください"


# ---------------------------------------------------------------- phone


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("03-1234-5678", "0312345678"),
        ("(03)1234-5678", "0312345678"),
        ("（０３）１２３４－５６７８", "0312345678"),
        ("0194-52-2111", "0194522111"),
        ("090-1234-5678", "09012345678"),
        ("080 1234 5678", "08012345678"),
        ("070-1234-5678", "07012345678"),
        ("050-1234-5678", "05012345678"),
        ("0120-123-456", "0120123456"),
        ("0800-123-4567", "08001234567"),
        ("+81 90-1234-5678", "09012345678"),
        ("+81(0)3-1234-5678", "0312345678"),
    ],
)
def test_normalize_phone(raw: str, expected: str) -> None:
    result = normalize_phone(raw)
    assert result.ok, result.issues
    assert result.value == expected


@pytest.mark.parametrize(
    "raw",
    [
        "3-1234-5678",
        "090-1234-567",
        "0312345678901",
        "03-1234-56789",
        "00-1234-5678",
        "0012345678",
        "01234567890",
        "tel 03",
        "123-4567-8901",
    ],
)
def test_normalize_phone_invalid(raw: str) -> None:
    result = normalize_phone(raw)
    assert result.value is None
    assert codes(result) == [IssueCode.PHONE_INVALID]


@given(st.text(alphabet="0123456789", min_size=10, max_size=11))
def test_is_valid_phone_shape(digits: str) -> None:
    if is_valid_phone(digits):
        assert digits.startswith("0") and digits[1] != "0"
        assert (
            len(digits) == 10 or digits[:3] in {"050", "070", "080", "090"} or digits[:4] == "0800"
        )


# ---------------------------------------------------------------- email


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Taro.Yamada@Example.JP", "taro.yamada@example.jp"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ", "taro@example.co.jp"),
        (" taro @ example.com ", "taro@example.com"),
        ("taro..yamada.@docomo.ne.jp", "taro..yamada.@docomo.ne.jp"),
        ("a+b@sub-domain.example.org", "a+b@sub-domain.example.org"),
    ],
)
def test_normalize_email(raw: str, expected: str) -> None:
    result = normalize_email(raw)
    assert result.ok, result.issues
    assert result.value == expected


@pytest.mark.parametrize(
    "raw",
    [
        "taro",
        "taro@",
        "@example.com",
        "taro@example",
        "a@b@c.jp",
        "taro@-ex.jp",
        "taro@ex..jp",
        "taro@example.123",
        "たろう@example.jp",
        "taro@例え.jp",
    ],
)
def test_normalize_email_invalid(raw: str) -> None:
    result = normalize_email(raw)
    assert result.value is None
    assert codes(result) == [IssueCode.EMAIL_INVALID]


# ---------------------------------------------------------------- all rules


@settings(deadline=None)
@given(st.text())
def test_every_rule_total_on_arbitrary_text(raw: str) -> None:
    for rule in RULES:
        result = rule(raw)
        assert isinstance(result, RuleResult)
        for issue in result.issues:
            assert issue.message
            assert issue.field_id is None


@settings(deadline=None)
@given(st.text(alphabet="0123456789０１２３４５６７８９-－ 〒()円￥¥,.万千", min_size=3))
def test_messages_never_contain_the_value(raw: str) -> None:
    for rule in RULES:
        result = rule(raw)
        for issue in result.issues:
            assert raw.strip() not in issue.message
            assert not re.search(r"[0-9０-９]{3,}", issue.message)
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", issue.message)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("raw", ["", "   ", "\u3000\t"])
def test_every_rule_reports_empty(rule: Callable[[str], RuleResult], raw: str) -> None:
    result = rule(raw)
    assert result.value is None
    assert codes(result) == [IssueCode.EMPTY]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("コ一ポ若葉201", "コーポ若葉201"), ("セ一ル", "セール"), ("ア-ト", "アート"),
     ("メゾン一番館", "メゾン一番館"), ("東京一丁目", "東京一丁目")],
)
def test_text_long_vowel_between_katakana(raw: str, expected: str) -> None:
    assert normalize_text(raw).value == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("マュミ", "マユミ"), ("ヤマダ　ュウコ", "ヤマダ　ユウコ"), ("キョウコ", "キョウコ"),
     ("シュウジ", "シュウジ"), ("テュ", "テュ")],
)
def test_kana_small_yoon_only_after_i_row(raw: str, expected: str) -> None:
    assert normalize_kana(raw).value == expected


def test_text_maps_simplified_chinese_but_keeps_japanese_variants() -> None:
    assert normalize_text("宫城県那霸市").value == "宮城県那覇市"
    assert normalize_text("髙橋　﨑").value == "髙橋　﨑"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ケィコ", "ケイコ"), ("オォワダ", "オオワダ"), ("ァキ", "アキ"),
     ("ウェダ", "ウェダ"), ("ティム", "ティム"), ("フィリップ", "フィリップ"), ("シェフ", "シェフ")],
)
def test_kana_small_vowels_only_where_they_form_a_sound(raw: str, expected: str) -> None:
    assert normalize_kana(raw).value == expected
