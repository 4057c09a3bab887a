"""Name fields keep their surname / given-name space, or go to a person (issue 14).

A 氏名 field read without the space between surname and given name (dithered scans
lose the word gap) is repaired only with evidence (:func:`ocr.names.check_name`:
the フリガナ's own split, a dictionary reading); a split that rests on kanji
statistics alone, or that evidence contradicts, is sent to review with
``NAME_SPLIT``.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.model import FieldReading, FieldSpec, Issue
from domain.status import FieldKind, IssueCode
from domain.variant_kanji import NAME_LABELS, is_name
from ocr.names import NameEvidence, check_name, kana_confirms

__all__ = ["NAME_LABELS", "check_name_kana", "check_names", "is_name", "kana_partner", "name_kana_pairs"]
# splits inserted on this evidence are kept without review; others are reviewed
TRUSTED = (NameEvidence.WRITTEN, NameEvidence.KANA, NameEvidence.LEXICON)
MESSAGE = "姓と名の区切りを確認できません"
KANA_MESSAGE = "氏名とフリガナの読みを照合できません"


def kana_partner(spec: FieldSpec, specs: Sequence[FieldSpec]) -> FieldSpec | None:
    """``<id>_kana`` if the template has it, else the kana field just before the name."""
    by_id = {s.id: s for s in specs}
    if f"{spec.id}_kana" in by_id:
        return by_id[f"{spec.id}_kana"]
    i = [s.id for s in specs].index(spec.id)
    before = specs[i - 1] if i > 0 else None
    return before if before is not None and before.kind is FieldKind.KANA else None


def check_names(specs: Sequence[FieldSpec], readings: dict[str, FieldReading]) -> None:
    """Repair or flag every name field of ``readings`` in place."""
    for spec in specs:
        r = readings.get(spec.id)
        if not is_name(spec) or r is None or not isinstance(r.value, str) or not r.value or r.issues:
            continue
        partner = kana_partner(spec, specs)
        kr = readings.get(partner.id) if partner is not None else None
        kana = kr.value if kr is not None and isinstance(kr.value, str) and not kr.issues else None
        c = check_name(r.value, kana)
        issues = list(r.issues)
        if c.review or (c.inferred and c.evidence not in TRUSTED):
            issues.append(Issue(code=IssueCode.NAME_SPLIT, message=MESSAGE, field_id=spec.id))
        readings[spec.id] = r.model_copy(update={"value": c.value, "issues": issues})


def name_kana_pairs(specs: Sequence[FieldSpec]) -> list[tuple[FieldSpec, FieldSpec | None]]:
    """Every name field with its フリガナ field (None: the template gives it none)."""
    return [(s, kana_partner(s, specs)) for s in specs if is_name(s)]


def check_name_kana(specs: Sequence[FieldSpec], readings: dict[str, FieldReading]) -> None:
    """A written name and its フリガナ go to a person unless each confirms the other (in place).

    Rule before threshold (issue 14): the engine score cannot tell 大和山 from 大和田 (read
    at 0.998), but the フリガナ, read apart, can (:func:`ocr.names.kana_confirms`). A name
    with no フリガナ field, an empty or flagged フリガナ, or a reading the lexicon does not
    know is not confirmed, and neither is its フリガナ. Readings already flagged keep their
    first issue; empty readings are the required/empty rules' business.
    """
    for name_spec, kana_spec in name_kana_pairs(specs):
        name = readings.get(name_spec.id)
        kana = readings.get(kana_spec.id) if kana_spec is not None else None
        name_text = name.value if name is not None and isinstance(name.value, str) else ""
        kana_text = kana.value if kana is not None and isinstance(kana.value, str) else ""
        kana_ok = kana is not None and not kana.issues
        agree = bool(name_text.strip() and kana_text.strip()) and kana_confirms(name_text, kana_text)
        if name is not None and name_text.strip() and not name.issues and not (agree and kana_ok):
            readings[name_spec.id] = _flag(name, name_spec.id)
        if kana is not None and kana_spec is not None and kana_text.strip() and kana_ok and not agree:
            readings[kana_spec.id] = _flag(kana, kana_spec.id)


def _flag(reading: FieldReading, field_id: str) -> FieldReading:
    issue = Issue(code=IssueCode.NAME_KANA, message=KANA_MESSAGE, field_id=field_id)
    return reading.model_copy(update={"issues": [*reading.issues, issue]})
