"""Names that hold a variant-prone kanji go to a person (pure; issue 14).

The recogniser folds a 異体字 into its common form with high confidence: on the
calibration rows 山﨑 was read as 山崎 at engine confidence 0.993-0.9995, and a
threshold on the score cannot tell those readings from right ones. Whether a name
is written 﨑 or 崎, 髙 or 高, 邉 / 邊 or 辺 is exactly what a municipality must not
get wrong, so a rule decides it instead of a threshold: a read 氏名 holding either
side of a known pair (the table of :mod:`domain.copy_accept`: 髙/高, 﨑/崎, 邊/邉/辺,
齋/斎, 澤/沢, 濱/浜, 嶋/島, 惠/恵, 穗/穂 ...) or a character outside JIS X 0208
goes to staff with :data:`MESSAGE`, whatever it scores.

Both sides are flagged on purpose: the wrong reading of 山﨑 *is* the common 山崎,
so only a person looking at the image can say which was written. The price is that
every name with 高, 崎, 辺, 斎, 島, 沢, 浜 ... is checked by a person (see
docs/calibration.md for the share). Only name fields are checked: addresses have
their own rule (:mod:`domain.address`) and their 異体字 are folded when compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.copy_accept import ambiguous
from domain.model import FieldReading, FieldSpec, Issue
from domain.status import FieldKind, IssueCode

NAME_LABELS = ("氏名", "名前")
MESSAGE = "異体字（髙・﨑・邉など）と取り違えやすい文字があります。字形を確認してください"


def is_name(spec: FieldSpec) -> bool:
    """A handwritten name field: a text field whose label ends with 氏名 or 名前."""
    return spec.kind is FieldKind.TEXT and spec.label.endswith(NAME_LABELS)


def variant_prone(text: str) -> bool:
    """Does the text hold a character the recogniser may read for its 異体字 partner?"""
    return ambiguous(text)


def variant_issue(spec: FieldSpec, reading: FieldReading) -> Issue | None:
    """The issue this rule adds to a reading, or None (not a name, empty, already flagged, no variant)."""
    if not is_name(spec) or reading.issues or not isinstance(reading.value, str):
        return None
    if not reading.value.strip() or not variant_prone(reading.value):
        return None
    return Issue(code=IssueCode.VARIANT_KANJI, message=MESSAGE, field_id=spec.id)


def flag_variant(spec: FieldSpec, reading: FieldReading) -> FieldReading:
    """The reading, with the variant issue added when the rule applies."""
    issue = variant_issue(spec, reading)
    if issue is None:
        return reading
    return reading.model_copy(update={"issues": [*reading.issues, issue]})


def check_variant_names(specs: Sequence[FieldSpec], readings: dict[str, FieldReading]) -> None:
    """Flag every read name holding a variant-prone character (in place)."""
    for spec in specs:
        r = readings.get(spec.id)
        if r is not None:
            readings[spec.id] = flag_variant(spec, r)


def flagged(readings: Mapping[str, FieldReading]) -> list[str]:
    """Ids of readings this rule flagged (for benchmarks and tests)."""
    return [k for k, r in readings.items() if any(i.code is IssueCode.VARIANT_KANJI for i in r.issues)]
