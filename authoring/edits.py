"""Small edits an admin makes to a template in the editor: pure functions, template in, template out.

Every function takes a :class:`FormTemplate` and returns the edited copy, validated by
the model again; it never touches files (the review app saves the result as a new
version with :func:`forms.versions.save_new_version`). A refused edit raises
:class:`EditRefused` with the Japanese message an admin sees; its ``str()`` is English
and names only template ids, never anything read from a form.

Merging drafted checkboxes into one choice or one grid lives in :mod:`authoring.merge`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from domain.model import FieldSpec, FormTemplate
from domain.status import FieldKind

MAX_TITLE = 120
MAX_ALLOWED_CHARS = 400
MAX_COPIES = 50
ALPHABETS = ("digits", "latin", "latin_digits", "kana")
MARK_STYLES = ("box", "bubble", "circle")
FIELD_ID = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")
_TRAILING_LABEL_NUMBER = re.compile(r"^(.*?)([0-9０-９]+)$")


class EditRefused(ValueError):
    """An edit that cannot be made: ``message_ja`` for the admin, ``str()`` for the log."""

    def __init__(self, message: str, message_ja: str) -> None:
        super().__init__(message)
        self.message_ja = message_ja


def rebuild(template: FormTemplate, **changes: Any) -> FormTemplate:
    """``template`` with ``changes`` applied to its JSON form, validated by the model again."""
    data = template.model_dump(mode="json")
    data.update(changes)
    try:
        out = FormTemplate.model_validate(data)
    except ValidationError as exc:
        detail = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise EditRefused(f"template {template.id}: edit does not validate",
                          f"この変更では様式が成り立ちません（{detail}）") from exc
    return out.with_source_dir(template.source_dir) if template.source_dir is not None else out


def _field(template: FormTemplate, field_id: str) -> FieldSpec:
    for f in template.fields:
        if f.id == field_id:
            if f.grid is not None:
                raise EditRefused(f"template {template.id}: field {field_id} belongs to a grid",
                                  f"項目「{f.label}」（{f.id}）はグリッドの行です。グリッドの方を変更してください")
            return f
    raise EditRefused(f"template {template.id}: no field with the posted id", "指定した項目がありません")


def _own_fields(template: FormTemplate) -> list[dict[str, Any]]:
    """The fields as JSON without the rows that grids make (those are made anew on validation)."""
    return [f.model_dump(mode="json") for f in template.fields if f.grid is None]


# --- title -----------------------------------------------------------------------------------
def set_title(template: FormTemplate, title: str) -> FormTemplate:
    """A new title: one line of 1..120 printable characters (kept as text, never markup)."""
    clean = unicodedata.normalize("NFC", title).strip()
    if not clean:
        raise EditRefused(f"template {template.id}: empty title", "様式名を入力してください")
    if len(clean) > MAX_TITLE:
        raise EditRefused(f"template {template.id}: title too long",
                          f"様式名は{MAX_TITLE}文字以内にしてください")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") for c in clean):
        raise EditRefused(f"template {template.id}: control characters in the title",
                          "様式名に改行や制御文字は使えません")
    if clean == template.title:
        raise EditRefused(f"template {template.id}: title unchanged", "様式名が変わっていません")
    return rebuild(template, title=clean)


# --- allowed characters --------------------------------------------------------------------
def set_allowed_chars(template: FormTemplate, field_id: str, alphabet: str | None,
                      allowed_chars: str | None) -> FormTemplate:
    """The characters a text field may hold: a named ``alphabet``, or exactly ``allowed_chars``.

    ``allowed_chars`` (duplicates dropped, order kept) wins over ``alphabet`` when reading
    (:func:`domain.validate.alphabet_for`); both None goes back to the kind's own set.
    """
    f = _field(template, field_id)
    if f.kind.is_mark:
        raise EditRefused(f"template {template.id}: charset on the mark field {f.id}",
                          f"項目「{f.label}」はチェック・選択の項目です。使える文字は文字の項目にだけ設定できます")
    if alphabet is not None and alphabet not in ALPHABETS:
        raise EditRefused(f"template {template.id}: unknown alphabet", "文字の種類の指定が正しくありません")
    chars: str | None = None
    if allowed_chars:
        text = unicodedata.normalize("NFC", allowed_chars)
        if any((c.isspace() and c != " ") or unicodedata.category(c) in ("Cc", "Cf") for c in text):
            raise EditRefused(f"template {template.id}: control characters in allowed_chars",
                              "使える文字に改行や制御文字は入れられません")
        chars = "".join(dict.fromkeys(text))
        if len(chars) > MAX_ALLOWED_CHARS:
            raise EditRefused(f"template {template.id}: allowed_chars too long",
                              f"使える文字は{MAX_ALLOWED_CHARS}文字以内にしてください")
    if (alphabet, chars) == (f.alphabet, f.allowed_chars):
        raise EditRefused(f"template {template.id}: charset unchanged", "使える文字が変わっていません")
    fields = [{**d, "alphabet": alphabet, "allowed_chars": chars} if d["id"] == f.id else d
              for d in _own_fields(template)]
    return rebuild(template, fields=fields)


# --- mark style ------------------------------------------------------------------------------
def set_mark_style(template: FormTemplate, target_id: str, style: str) -> FormTemplate:
    """How a choice field's or a grid's marks are printed: □ ``box``, ○ ``bubble``, or ``circle``
    (printed labels people circle; choice fields only)."""
    if style not in MARK_STYLES:
        raise EditRefused(f"template {template.id}: unknown mark style", "印の形の指定が正しくありません")
    grids = template.model_dump(mode="json")["grids"]
    for g in grids:
        if g["id"] == target_id:
            if style == "circle":
                raise EditRefused(f"template {template.id}: circle on grid {target_id}",
                                  "グリッドの印は □ か ○ だけです")
            if g.get("mark_style", "box") == style:
                raise EditRefused(f"template {template.id}: mark style unchanged", "印の形が変わっていません")
            return rebuild(template, grids=[{**d, "mark_style": style} if d["id"] == target_id else d
                                            for d in grids])
    f = _field(template, target_id)
    if f.kind not in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE):
        raise EditRefused(f"template {template.id}: mark style on field {f.id} without options",
                          f"項目「{f.label}」には選択肢がありません。印の形は選択の項目とグリッドに設定できます")
    if f.mark_style == style:
        raise EditRefused(f"template {template.id}: mark style unchanged", "印の形が変わっていません")
    fields = [{**d, "mark_style": style} if d["id"] == f.id else d for d in _own_fields(template)]
    return rebuild(template, fields=fields)


# --- copy with an offset ---------------------------------------------------------------------
def _shift(d: dict[str, Any], dx: float, dy: float) -> dict[str, Any]:
    def box(b: dict[str, Any]) -> dict[str, Any]:
        return {**b, "x": round(b["x"] + dx, 2), "y": round(b["y"] + dy, 2)}

    out = {**d, "box": box(d["box"]), "options": [{**o, "box": box(o["box"])} for o in d.get("options", [])]}
    if d.get("bubbles"):
        origin = d["bubbles"]["origin"]
        out["bubbles"] = {**d["bubbles"], "origin": {"x": round(origin["x"] + dx, 2),
                                                     "y": round(origin["y"] + dy, 2)}}
    return out


def _next_id(field_id: str, k: int, taken: set[str]) -> str:
    """The k-th copy's id: a trailing number counts on (q1 → q2), else ``<id>_<k+1>``; never taken."""
    m = _TRAILING_NUMBER.match(field_id)
    first = f"{m.group(1)}{int(m.group(2)) + k}" if m else f"{field_id}_{k + 1}"
    if first not in taken and FIELD_ID.match(first):
        return first
    n = k + 1
    while f"{field_id}_{n}" in taken:
        n += 1
    found = f"{field_id}_{n}"
    if not FIELD_ID.match(found):
        raise EditRefused(f"copy of {field_id}: no free id",
                          f"項目「{field_id}」の複製に使える項目IDがありません")
    return found


def _next_label(label: str, k: int) -> str:
    """問1 → 問2: a trailing number in the label counts on (full-width digits stay full-width)."""
    m = _TRAILING_LABEL_NUMBER.match(label)
    if not m:
        return label
    digits = m.group(2)
    wide = any("０" <= c <= "９" for c in digits)
    n = str(int(unicodedata.normalize("NFKC", digits)) + k)
    return m.group(1) + (n.translate(str.maketrans("0123456789", "０１２３４５６７８９")) if wide else n)


def _inside(d: dict[str, Any], width: float, height: float) -> bool:
    boxes = [d["box"], *[o["box"] for o in d.get("options", [])]]
    return all(b["x"] >= -1e-6 and b["y"] >= -1e-6 and b["x"] + b["w"] <= width + 1e-6
               and b["y"] + b["h"] <= height + 1e-6 for b in boxes)


def copy_fields(template: FormTemplate, field_ids: Sequence[str], dx: float, dy: float,
                count: int = 1) -> tuple[FormTemplate, list[str]]:
    """Copy fields (a row of them) ``count`` times, copy k moved by k × (dx, dy) mm.

    Ids and labels that end in a number count on (q1 → q2, 問1 → 問2); references between
    the copied fields (``era_field``, ``copy_of``) point to the copies. Returns the edited
    template and the new ids in order.
    """
    ids = list(dict.fromkeys(field_ids))
    if not ids:
        raise EditRefused(f"template {template.id}: nothing to copy", "複製する項目を選んでください")
    if not (math.isfinite(dx) and math.isfinite(dy)) or (dx == 0 and dy == 0):
        raise EditRefused(f"template {template.id}: bad copy offset",
                          "ずらす距離（横・縦のどちらか）を 0 以外の数で指定してください")
    if not 1 <= count <= MAX_COPIES:
        raise EditRefused(f"template {template.id}: bad copy count",
                          f"複製の数は1〜{MAX_COPIES}にしてください")
    sources = [_field(template, i) for i in ids]
    width, height = template.page_size_mm
    fields = _own_fields(template)
    taken = {f.id for f in template.fields}
    made: list[str] = []
    for k in range(1, count + 1):
        renamed: dict[str, str] = {}
        copies = []
        for f in sources:
            d = _shift(f.model_dump(mode="json"), k * dx, k * dy)
            if not _inside(d, width, height):
                raise EditRefused(
                    f"template {template.id}: copy {k} of field {f.id} leaves the page",
                    f"{k}個目の複製で項目「{f.label}」（{f.id}）が用紙の外に出ます。ずらす距離か数を減らしてください")
            new_id = _next_id(f.id, k, taken)
            taken.add(new_id)
            renamed[f.id] = new_id
            copies.append({**d, "id": new_id, "label": _next_label(f.label, k)})
        for c in copies:
            for ref in ("era_field", "copy_of"):
                if c.get(ref) in renamed:
                    c[ref] = renamed[c[ref]]
        fields.extend(copies)
        made.extend(c["id"] for c in copies)
    return rebuild(template, fields=fields), made


