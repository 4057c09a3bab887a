"""Japanese messages for a template the editor could not save.

The pydantic model (domain/model.py) and the loader (forms/loader.py) speak English;
an admin sees each problem in Japanese next to the field it is about (by index in the
posted list, so two fields with the same id are told apart).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

# Names of the attributes an error can be about, for Japanese messages.
ATTR_JA = {"id": "項目ID", "label": "項目名", "kind": "種類", "page": "ページ", "box": "枠", "x": "横位置",
           "y": "縦位置", "w": "幅", "h": "高さ", "required": "必須", "cells": "マス数", "options": "選択肢",
           "value": "値", "personal": "個人情報", "review": "確認方法", "guessed": "未確認の推測",
           "era_field": "元号の項目", "fixed_era": "印刷された元号", "mark_style": "印の付け方",
           "allowed_chars": "使える文字", "label_position": "項目名の位置", "sample": "見本データ"}
# English validator messages (domain/model.py, forms/loader.py) → Japanese.
MESSAGE_JA = (
    ("needs at least 2 options", "選択の項目には選択肢が2つ以上必要です"),
    ("option values must be unique", "選択肢の値が重複しています"),
    ("only choice fields have options", "選択肢を持てるのは選択の項目だけです。選択肢を削除してください"),
    ("mark_style circle needs options", "丸で囲む選択には選択肢が必要です"),
    ("has 12 cells", "個人番号のマス数は12です"),
    ("use era_field or fixed_era", "元号の項目と印刷された元号は、どちらか一方だけ指定してください"),
    ("era settings only apply", "元号の設定は日付（和暦）の項目だけに使えます"),
    ("box lies outside the page", "枠が用紙の外にはみ出しています"),
    ("does not exist", "指定したページがありません"),
    ("must name a choice field", "元号の項目には選択の項目を指定してください"),
    ("duplicate field ids", "項目IDが他の項目と重複しています"),
    ("overlaps the QR code", "枠がQRコードの位置に重なっています"),
    ("overlaps a registration mark", "枠が位置合わせマークに重なっています"),
)
_FIELD_IN_MSG = re.compile(r"field '([a-z][a-z0-9_]*)'")
_DUPLICATES = re.compile(r"duplicate field ids: ([a-z0-9_]+)")


def _index_of(fields: Any, field_id: str, occurrence: int = 0) -> int | None:
    if not isinstance(fields, list):
        return None
    hits = [i for i, f in enumerate(fields) if isinstance(f, dict) and f.get("id") == field_id]
    return hits[min(occurrence, len(hits) - 1)] if hits else None


def _message_ja(msg: str) -> str | None:
    return next((ja for needle, ja in MESSAGE_JA if needle in msg), None)


def error_of_message(msg: str, fields: Any) -> dict[str, Any]:
    """A model- or loader-level message that names a field ("field 'x': ...")."""
    index: int | None = None
    field_id: str | None = None
    if (m := _DUPLICATES.search(msg)) is not None:
        field_id = m.group(1)
        index = _index_of(fields, field_id, occurrence=1)
    elif (m := _FIELD_IN_MSG.search(msg)) is not None:
        field_id = m.group(1)
        index = _index_of(fields, field_id)
    return {"index": index, "field_id": field_id,
            "message": _message_ja(msg) or "様式の定義に誤りがあります"}


def _where(loc: tuple[Any, ...]) -> str:
    """('box', 'x') → 枠の横位置; ('options', 1, 'box', 'w') → 選択肢2の枠の幅."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            if i > 0 and loc[i - 1] == "options":
                parts[-1] = f"選択肢{part + 1}"
            continue
        if part in ATTR_JA:
            parts.append(ATTR_JA[part])
    return "の".join(parts) or "項目"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _one_error(err: dict[str, Any]) -> str:
    loc: tuple[Any, ...] = tuple(err.get("loc", ()))
    kind = str(err.get("type", ""))
    limits = err.get("ctx") or {}
    what = _where(loc)
    if kind == "value_error":
        return _message_ja(str(err.get("msg", ""))) or f"{what}の値が正しくありません"
    if kind == "missing":
        return f"{what}がありません"
    if kind == "string_too_short":
        return f"{what}を入力してください"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return "項目IDは半角英小文字で始め、半角英小文字・数字・_ だけで書いてください"
    if kind in ("string_pattern_mismatch", "string_too_long"):
        return f"{what}の書き方が正しくありません"
    if kind == "greater_than":
        return f"{what}は{_num(limits.get('gt'))}より大きくしてください"
    if kind == "greater_than_equal":
        return f"{what}は{_num(limits.get('ge'))}以上にしてください"
    if kind == "less_than_equal":
        return f"{what}は{_num(limits.get('le'))}以下にしてください"
    if kind.startswith(("float_", "int_")):
        return f"{what}には数値を入力してください"
    if kind in ("enum", "literal_error"):
        return f"{what}に選べない値が指定されています"
    if kind == "too_short" and loc == ("fields",):
        return "項目が1つもありません"
    return f"{what}の値が正しくありません"


def errors_ja(exc: ValidationError, fields: Any) -> list[dict[str, Any]]:
    """One Japanese message per distinct problem, with the index and id of its field."""
    out: list[dict[str, Any]] = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        if len(loc) >= 2 and loc[0] == "fields" and isinstance(loc[1], int):
            raw = fields[loc[1]] if isinstance(fields, list) and loc[1] < len(fields) else None
            field_id = raw.get("id") if isinstance(raw, dict) else None
            entry = {"index": loc[1], "field_id": field_id if isinstance(field_id, str) else None,
                     "message": _one_error(dict(err) | {"loc": loc[2:]})}
        elif not loc or loc == ("fields",):
            msg = str(err.get("msg", ""))
            entry = error_of_message(msg, fields) if _FIELD_IN_MSG.search(msg) or _DUPLICATES.search(msg) \
                else {"index": None, "field_id": None, "message": _one_error(dict(err))}
        else:
            entry = {"index": None, "field_id": None, "message": _one_error(dict(err))}
        if entry not in out:
            out.append(entry)
    return out
