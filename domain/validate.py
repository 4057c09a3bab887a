"""Field-level dispatch of the rules, mark interpretation and cross-field checks.

Every issue returned here carries ``field_id``. Nothing raises for bad data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime

from domain.model import FieldSpec, FormTemplate, Issue, RuleResult
from domain.normalize import (
    IDEOGRAPHIC_SPACE,
    KATAKANA,
    collapse_spaces,
    failure,
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
from domain.status import FieldKind, IssueCode
from domain.wareki import parse_wareki

DIGITS = "0123456789"
ERA_CHARS = "明治大正昭和平成令MTSHR"  # 明治大正昭和平成令和 without the repeated 和

_ALPHABETS: dict[FieldKind, str] = {
    FieldKind.DIGITS: DIGITS,
    FieldKind.MY_NUMBER: DIGITS,
    FieldKind.POSTAL_CODE: DIGITS + "-〒",
    FieldKind.PHONE: DIGITS + "-()",
    FieldKind.AMOUNT: DIGITS + ",円￥¥万千",
    FieldKind.KANA: KATAKANA + IDEOGRAPHIC_SPACE + " ",
    FieldKind.WAREKI_DATE: DIGITS + "年月日元.・/" + ERA_CHARS,
}

_LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))
# FieldSpec.alphabet: what one cell (or the whole field) of a comb may hold
FIELD_ALPHABETS: dict[str, str] = {
    "digits": DIGITS,
    "latin": _LATIN,
    "latin_digits": _LATIN + DIGITS,
    "kana": KATAKANA + _HIRAGANA,
}

MSG_REQUIRED = "必須項目が記入されていません"
MSG_BAD_CHARS = "この項目に使えない文字が含まれています"
MSG_MULTIPLE = "複数の選択肢に印があります"
MSG_UNKNOWN_OPTION = "選択肢にない値です"
MSG_NOT_TEXT = "この項目は文字で読み取る項目ではありません"
MSG_FUTURE = "未来の日付が記入されています"
MSG_TOO_EARLY = "この様式が使われ始める前の日付です"


def alphabet_for(spec: FieldSpec) -> str | None:
    """Characters a recogniser may output for this field (constrained CTC decoding).

    ``spec.allowed_chars`` wins when set; None means unconstrained (text,
    free_text, email and the mark kinds).
    """
    if spec.allowed_chars:
        return spec.allowed_chars
    if spec.alphabet is not None:
        return FIELD_ALPHABETS[spec.alphabet]
    if spec.kind is FieldKind.WAREKI_DATE and (spec.fixed_era or spec.era_field):
        # the era is printed or circled elsewhere: a written era would be in kanji,
        # and latin era letters here are misreads (日 → H)
        return DIGITS + "年月日元.・/" + ERA_CHARS.rstrip("MTSHR")
    return _ALPHABETS.get(spec.kind)


def _tag(result: RuleResult, field_id: str) -> RuleResult:
    if not result.issues:
        return result
    issues = [i.model_copy(update={"field_id": field_id}) for i in result.issues]
    return RuleResult(value=result.value, issues=issues)


def _normalize_free_text(raw: str) -> RuleResult:
    """Like normalize_text, but line by line: line breaks kept, blank lines dropped."""
    lines = [normalize_text(line).value for line in raw.splitlines()]
    kept = [line for line in lines if line]
    if not kept:
        return normalize_text("")
    return RuleResult(value="\n".join(kept))


def _has_bad_chars(spec: FieldSpec, raw: str) -> bool:
    if not spec.allowed_chars:
        return False
    allowed = set(spec.allowed_chars) | set(to_halfwidth(spec.allowed_chars))
    return any(c not in allowed for c in to_halfwidth(raw) if not c.isspace())


def normalize_field(spec: FieldSpec, raw: str, era: str | None = None) -> RuleResult:
    """Normalise ``raw`` according to ``spec.kind``.

    * blank ``raw``: REQUIRED_MISSING if ``spec.required`` else value None, no issue;
    * characters outside ``spec.allowed_chars`` (whitespace ignored, full-width
      forms of allowed ASCII accepted): INVALID_CHARACTERS, value None;
    * text -> normalize_text; free_text -> the same per line, line breaks kept;
      wareki_date uses ``era`` or else ``spec.fixed_era``;
    * mark kinds: ``raw`` is split on commas/whitespace and given to
      :func:`normalize_marks` (for corrections typed as option values).
    """
    text = raw if isinstance(raw, str) else ""
    if not collapse_spaces(text):
        if spec.is_mark:
            return normalize_marks(spec, [])
        if spec.required:
            return _tag(failure(IssueCode.REQUIRED_MISSING, MSG_REQUIRED), spec.id)
        return RuleResult(value=None)
    if spec.is_mark:
        return normalize_marks(spec, [p for p in re.split(r"[,\s、]+", text) if p])
    if _has_bad_chars(spec, text):
        return _tag(failure(IssueCode.INVALID_CHARACTERS, MSG_BAD_CHARS), spec.id)
    result = _dispatch(spec, text, era)
    if result.value is None and any(i.code is IssueCode.EMPTY for i in result.issues):
        # only control characters or separators: treat as blank
        if spec.required:
            return _tag(failure(IssueCode.REQUIRED_MISSING, MSG_REQUIRED), spec.id)
        return RuleResult(value=None)
    return _tag(result, spec.id)


_RULES: dict[FieldKind, Callable[[str], RuleResult]] = {
    FieldKind.TEXT: normalize_text,
    FieldKind.FREE_TEXT: _normalize_free_text,
    FieldKind.KANA: normalize_kana,
    FieldKind.DIGITS: normalize_digits,
    FieldKind.AMOUNT: normalize_amount,
    FieldKind.POSTAL_CODE: normalize_postal,
    FieldKind.PHONE: normalize_phone,
    FieldKind.EMAIL: normalize_email,
    FieldKind.MY_NUMBER: normalize_my_number,
}


def _dispatch(spec: FieldSpec, text: str, era: str | None) -> RuleResult:
    if spec.kind is FieldKind.WAREKI_DATE:
        return parse_wareki(text, era or spec.fixed_era)
    rule = _RULES.get(spec.kind)
    if rule is None:  # pragma: no cover - every non-mark kind has a rule
        return failure(IssueCode.INVALID_FORMAT, MSG_NOT_TEXT)
    return rule(text)


def normalize_marks(spec: FieldSpec, marked: list[str]) -> RuleResult:
    """Interpret OMR marks (option values, or anything for a checkbox).

    * checkbox: value True if anything is marked, else False (+ REQUIRED_MISSING
      if required; the value stays False);
    * choice: the one option value; none -> None (+ REQUIRED_MISSING if
      required); two or more distinct -> MULTIPLE_MARKS, value None;
    * multi_choice: list of option values in template order, duplicates
      dropped; none -> [] (+ REQUIRED_MISSING if required);
    * choice/multi_choice: a value that is not an option -> UNKNOWN_OPTION, value None;
    * a non-mark field -> INVALID_FORMAT, value None.
    """
    values = [m.strip() for m in marked if isinstance(m, str) and m.strip()]
    kind = spec.kind
    if not spec.is_mark:
        return _tag(failure(IssueCode.INVALID_FORMAT, MSG_NOT_TEXT), spec.id)
    missing = _tag(failure(IssueCode.REQUIRED_MISSING, MSG_REQUIRED), spec.id).issues
    if kind is FieldKind.CHECKBOX:
        checked = bool(values)
        return RuleResult(value=checked, issues=[] if checked or not spec.required else missing)
    order = [o.value for o in spec.options]
    if any(v not in order for v in values):
        return _tag(failure(IssueCode.UNKNOWN_OPTION, MSG_UNKNOWN_OPTION), spec.id)
    chosen = [o for o in order if o in values]
    if kind is FieldKind.MULTI_CHOICE:
        return RuleResult(value=chosen, issues=missing if spec.required and not chosen else [])
    if len(chosen) > 1:
        return _tag(failure(IssueCode.MULTIPLE_MARKS, MSG_MULTIPLE), spec.id)
    if not chosen:
        return RuleResult(value=None, issues=missing if spec.required else [])
    return RuleResult(value=chosen[0])


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _as_date(value: object) -> date | None:
    """A date, a datetime or an ISO 'YYYY-MM-DD' string (as FieldReading stores it)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def cross_field_issues(
    template: FormTemplate, values: Mapping[str, object], today: date
) -> list[Issue]:
    """Checks between fields and against the calendar, in template field order.

    Rules (only wareki_date fields whose value is a ``date``, ``datetime`` or
    ISO ``'YYYY-MM-DD'`` string; other values, missing ids and ids not in the
    template are ignored):

    1. a date after ``today`` -> FUTURE_DATE (covers birth dates, donation
       dates and submission dates alike; ``today`` itself is fine);
    2. for fields whose id starts with ``donation_`` or equals ``submitted_on``:
       a date before ``template.valid_from`` (when set) -> DATE_TOO_EARLY.
    """
    today_d = _as_date(today) or today
    issues: list[Issue] = []
    for spec in template.fields:
        if spec.kind is not FieldKind.WAREKI_DATE:
            continue
        d = _as_date(values.get(spec.id))
        if d is None:
            continue
        if d > today_d:
            issues.append(Issue(code=IssueCode.FUTURE_DATE, message=MSG_FUTURE, field_id=spec.id))
        dated = spec.id.startswith("donation_") or spec.id == "submitted_on"
        if dated and template.valid_from is not None and d < template.valid_from:
            issues.append(
                Issue(code=IssueCode.DATE_TOO_EARLY, message=MSG_TOO_EARLY, field_id=spec.id)
            )
    return issues
