"""Are the required ID copies in the envelope? (pure; issue 19, 書類不備)

The rule is the template's own ``required_copies`` (:mod:`domain.copy_rule`): every
requirement (個人番号確認, 身元確認 …) met by one of its alternatives. A template that
declares none makes no envelope 書類不備. The shipped ワンストップ特例 templates declare:

* 個人番号確認: マイナンバーカード裏面, 通知カード or 住民票の写し;
* 身元確認: マイナンバーカード表面, 運転免許証 or パスポート.

Only copies whose kind the reader is sure of (``confidence >= domain.id_copy.SURE``) or
that a person confirmed count. When the sure copies do not satisfy the rule but an unsure
page could, the result is *undecided* (a person looks) rather than 不備. When one side of
the My Number card is there and the other side would meet the missing requirement, the
reason names that side (「マイナンバーカードの裏面の写しがありません」).

Callers pass the rule itself, taken from the loaded template: :func:`rules_of` maps
template ids to their rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.copy_rule import CopyRule
from domain.id_copy import SURE, CopyKind, parse_kinds

K = CopyKind
OTHER_SIDE: dict[CopyKind, CopyKind] = {K.MYNUMBER_FRONT: K.MYNUMBER_BACK, K.MYNUMBER_BACK: K.MYNUMBER_FRONT}
SIDE_MISSING_JA: dict[CopyKind, str] = {
    K.MYNUMBER_FRONT: "マイナンバーカードの表面の写しがありません",
    K.MYNUMBER_BACK: "マイナンバーカードの裏面の写しがありません",
}
UNSURE_JA = "添付書類の種類を判定できないページがあります（職員が確認してください）"
Rules = Mapping[str, CopyRule]


def rules_of(templates: Iterable[Any]) -> dict[str, CopyRule]:
    """Template id → its ``required_copies`` (templates that declare none are left out)."""
    return {t.id: t.required_copies for t in templates if t.required_copies is not None}


@dataclass(frozen=True)
class AttachedPage:
    copy_kind: str | None  # kinds joined with '+'
    confidence: float | None
    confirmed: bool = False  # a person confirmed the page as an attachment of this kind


@dataclass(frozen=True)
class Completeness:
    applies: bool
    present: frozenset[CopyKind] = frozenset()
    missing: tuple[str, ...] = ()  # names of the unmet requirements (or "unsure")
    undecided: bool = False  # an unsure page might satisfy the rule: a person decides
    unsure_pages: int = 0
    reasons: tuple[str, ...] = ()  # Japanese, one per entry of ``missing``
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.applies or not self.missing

    @property
    def reasons_ja(self) -> list[str]:
        return list(self.reasons)


UNSURE = "unsure"


def _missing(rule: CopyRule, kinds: frozenset[CopyKind]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names, reasons = [], []
    for req in rule.requirements:
        if req.met_by(kinds):
            continue
        names.append(req.name)
        side = next((OTHER_SIDE[k] for k in sorted(kinds) if k in OTHER_SIDE
                     and (OTHER_SIDE[k],) in req.any_of), None)
        reasons.append(SIDE_MISSING_JA[side] if side is not None else req.missing_ja)
    return tuple(names), tuple(reasons)


def check(rule: CopyRule | None, pages: Iterable[AttachedPage]) -> Completeness:
    """Which required copies the envelope holds, and what is missing (see module doc).

    ``rule``: the template's ``required_copies`` (None: the template requires no copies).
    """
    if rule is None:
        return Completeness(applies=False)
    sure: set[CopyKind] = set()
    unsure = 0
    for p in pages:
        kinds = parse_kinds(p.copy_kind)
        if p.confirmed or (p.confidence is not None and p.confidence >= SURE):
            sure.update(kinds)
        elif kinds:
            unsure += 1
    names, reasons = _missing(rule, frozenset(sure))
    if names and unsure:
        # an unsure page could be the missing copy: a person decides before anyone writes a 不備連絡
        return Completeness(True, frozenset(sure), (UNSURE,), True, unsure, (UNSURE_JA,))
    return Completeness(True, frozenset(sure), names, False, unsure, reasons)


def check_rows(rule: CopyRule | None, rows: Sequence[tuple[str | None, float | None]]) -> Completeness:
    """:func:`check` over (copy_kind, confidence) pairs, as stored on page rows."""
    return check(rule, [AttachedPage(k, c) for k, c in rows])
