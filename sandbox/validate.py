"""Server-side validation with Japanese messages. Messages never repeat the entered value."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_KATAKANA = re.compile(r"[ァ-ヶー\s　]+")
_PHONE = re.compile(r"[0-9]{2,5}-?[0-9]{1,4}-?[0-9]{3,4}")
_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def clean(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip() if value else ""


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(clean(value))
    except ValueError:
        return None


def my_number_ok(value: str) -> bool:
    if not re.fullmatch(r"[0-9]{12}", value):
        return False
    r = sum(int(c) * w for c, w in zip(value[:11], _WEIGHTS, strict=True)) % 11
    return int(value[11]) == (0 if r <= 1 else 11 - r)


def _date_errors(label: str, value: str, errors: dict[str, str], key: str) -> None:
    d = parse_date(value)
    if not value:
        errors[key] = f"{label}を入力してください。"
    elif d is None:
        errors[key] = f"{label}の形式が正しくありません（例: 2026-04-01）。"
    elif d > date.today():
        errors[key] = f"{label}に未来の日付は入力できません。"


def onestop_errors(v: dict[str, str]) -> dict[str, str]:
    """Field name → message for a ワンストップ申請 (empty dict: valid)."""
    e: dict[str, str] = {}
    if not v.get("full_name"):
        e["full_name"] = "氏名を入力してください。"
    elif len(v["full_name"]) > 40:
        e["full_name"] = "氏名は40文字以内で入力してください。"
    if not v.get("full_name_kana"):
        e["full_name_kana"] = "フリガナを入力してください。"
    elif not _KATAKANA.fullmatch(v["full_name_kana"]):
        e["full_name_kana"] = "フリガナは全角カタカナで入力してください。"
    if not v.get("address"):
        e["address"] = "住所を入力してください。"
    phone = v.get("phone", "")
    digits = phone.replace("-", "")
    if not phone:
        e["phone"] = "電話番号を入力してください。"
    elif not _PHONE.fullmatch(phone) or len(digits) not in (10, 11):
        e["phone"] = "電話番号の形式が正しくありません。"
    _date_errors("生年月日", v.get("birth_date", ""), e, "birth_date")
    mn = v.get("my_number", "").replace("-", "").replace(" ", "")
    if not mn:
        e["my_number"] = "個人番号を入力してください。"
    elif not my_number_ok(mn):
        e["my_number"] = "個人番号が正しくありません（検査用数字が一致しません）。"
    _date_errors("申請年月日", v.get("submitted_on", ""), e, "submitted_on")
    return e


def donation_errors(v: dict[str, str]) -> dict[str, str]:
    e: dict[str, str] = {}
    if not v.get("donor_name"):
        e["donor_name"] = "寄附者氏名を入力してください。"
    if v.get("donor_kana") and not _KATAKANA.fullmatch(v["donor_kana"]):
        e["donor_kana"] = "フリガナは全角カタカナで入力してください。"
    _date_errors("寄附年月日", v.get("donation_date", ""), e, "donation_date")
    amount = v.get("amount", "").replace(",", "")
    if not amount.isdigit() or not 1 <= int(amount) <= 100_000_000:
        e["amount"] = "寄附金額は1円以上の整数で入力してください。"
    return e
