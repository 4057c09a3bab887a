"""Template drafting: the label → kind / id rules and the page-size guess (pure tables)."""

from __future__ import annotations

import pytest

from authoring import kinds
from authoring.geometry import Rect, guess_page_size
from domain.status import FieldKind


@pytest.mark.parametrize(("label", "kind"), [
    ("電話番号", FieldKind.PHONE),
    ("連絡先（携帯）", FieldKind.PHONE),
    ("郵便番号", FieldKind.POSTAL_CODE),
    ("〒", FieldKind.POSTAL_CODE),
    ("フリガナ", FieldKind.KANA),
    ("個人番号", FieldKind.MY_NUMBER),
    ("マイナンバー", FieldKind.MY_NUMBER),
    ("生年月日", FieldKind.WAREKI_DATE),
    ("寄附年月日", FieldKind.WAREKI_DATE),
    ("提出日", FieldKind.WAREKI_DATE),
    ("寄附金額", FieldKind.AMOUNT),
    ("メールアドレス", FieldKind.EMAIL),
    ("E-mail", FieldKind.EMAIL),
    ("整理番号", FieldKind.DIGITS),
    ("返礼品コード", FieldKind.DIGITS),
    ("氏名", FieldKind.TEXT),
    ("住所", FieldKind.TEXT),
    ("ご意見・ご要望", FieldKind.FREE_TEXT),
])
def test_label_decides_the_kind(label: str, kind: FieldKind) -> None:
    g = kinds.guess_kind(label)
    assert g.kind is kind
    assert g.sure


def test_shape_decides_when_the_label_does_not() -> None:
    assert kinds.guess_kind("", cells=12).kind is FieldKind.MY_NUMBER
    assert kinds.guess_kind("", cells=7).kind is FieldKind.POSTAL_CODE
    assert kinds.guess_kind("", cells=4).kind is FieldKind.DIGITS
    assert kinds.guess_kind("", yen_after=True).kind is FieldKind.AMOUNT
    assert kinds.guess_kind("", fixed_era="令和").kind is FieldKind.WAREKI_DATE
    assert kinds.guess_kind("", height_mm=60).kind is FieldKind.FREE_TEXT
    fallback = kinds.guess_kind("勤め先の部署")
    assert fallback.kind is FieldKind.TEXT
    assert not fallback.sure
    # 個人番号 printed over 11 boxes is not a My Number (which has 12)
    assert kinds.guess_kind("個人番号", cells=11).kind is not FieldKind.MY_NUMBER


def test_head_noun_and_latin_words() -> None:
    assert kinds.guess_kind("氏名の公表").kind is FieldKind.TEXT
    assert not kinds.guess_kind("氏名の公表").sure  # about 公表, not a name
    # 'TEL' inside 'Fachschaft Elektro' is not a phone label
    assert kinds.guess_kind("Fachschaft Elektro- und Informationstechnik").kind is FieldKind.TEXT
    assert kinds.guess_kind("TEL").kind is FieldKind.PHONE


def test_ids_are_ascii_unique_and_readable() -> None:
    taken: set[str] = set()
    assert kinds.guess_id("電話番号", FieldKind.PHONE, taken) == "phone"
    assert kinds.guess_id("自宅電話", FieldKind.PHONE, taken) == "phone_2"
    assert kinds.guess_id("問3 今後も住み続けたいですか", FieldKind.CHOICE, taken) == "q3"
    assert kinds.guess_id("F1 年齢", FieldKind.CHOICE, taken) == "f1"
    assert kinds.guess_id("生年月日（元号）", FieldKind.CHOICE, taken) == "birth_era"
    assert kinds.guess_id("ふりがな", FieldKind.KANA, taken) == "full_name_kana"
    assert kinds.guess_id("がっこう", FieldKind.TEXT, taken) == "gakkou"
    assert kinds.guess_id("勤務先部署", FieldKind.TEXT, taken) == "text"
    assert kinds.guess_id("職業", FieldKind.TEXT, taken) == "text_2"
    assert all(i.isascii() and i[0].isalpha() for i in taken)


def test_circled_options_eras_and_date_frames() -> None:
    assert kinds.circle_options("明・大・昭・平・令") == ["明治", "大正", "昭和", "平成", "令和"]
    assert kinds.circle_options("昭和 平成 令和") == ["昭和", "平成", "令和"]
    assert kinds.circle_options("明大昭平令") == ["明治", "大正", "昭和", "平成", "令和"]
    assert kinds.circle_options("男・女") == ["男", "女"]
    assert kinds.circle_options("はい　いいえ") == ["はい", "いいえ"]
    assert kinds.circle_options("性別") is None
    assert kinds.circle_options("男・男") is None
    assert kinds.split_fixed_era("提出日 令和") == ("提出日", "令和")
    assert kinds.split_fixed_era("提出日") == ("提出日", None)
    assert kinds.is_date_frame("令和　　年　　月　　日")
    assert kinds.is_date_frame("年 月 日")
    assert not kinds.is_date_frame("生年月日")


def test_personal_data_is_flagged() -> None:
    assert kinds.is_personal("氏名", FieldKind.TEXT)
    assert kinds.is_personal("", FieldKind.MY_NUMBER)
    assert kinds.is_personal("生年月日", FieldKind.WAREKI_DATE)
    assert not kinds.is_personal("寄附金額", FieldKind.AMOUNT)


@pytest.mark.parametrize(("w", "h", "hint", "name", "dpi"), [
    (1654, 2339, None, "A4", 200),
    (2480, 3508, None, "A4", 300),
    (1433, 2024, None, "B5", 200),
    (2339, 1654, None, "A4 landscape", 200),
    (1654, 2339, 231.0, "B5", 231),
    (1700, 2200, None, "Letter", 200),
])
def test_page_size_from_aspect_and_resolution(w: int, h: int, hint: float | None, name: str,
                                              dpi: int) -> None:
    size = guess_page_size(w, h, hint)
    assert size.name == name
    assert size.dpi == pytest.approx(dpi, rel=0.01)
    assert (size.width_mm > size.height_mm) == (w > h)


def test_odd_aspect_is_taken_as_a4_wide() -> None:
    size = guess_page_size(1000, 1000)
    assert size.name == "custom"
    assert size.width_mm == 210.0


def test_rect_geometry() -> None:
    a, b = Rect(0, 0, 10, 10), Rect(5, 0, 15, 10)
    assert a.iou(b) == pytest.approx(50 / 150)
    assert a.union(b) == Rect(0, 0, 15, 10)
    assert a.v_overlap(b) == 10 and a.h_overlap(b) == 5
