"""Are the required ID copies in the envelope? (pure; issue 19, 書類不備)

A ワンストップ特例 application needs a 個人番号確認書類 and a 身元確認書類. The rule,
per template family (:data:`RULES`), as alternatives of which any one suffices:

* マイナンバーカード: front **and** back (the card is both evidences);
* 通知カード or 住民票の写し (with the number) **and** 運転免許証 or パスポート.

Only copies whose kind the reader is sure of (``confidence >= domain.id_copy.SURE``) or
that a person confirmed count. When the sure copies do not satisfy the rule but an unsure
page could, the result is *undecided* (a person looks) rather than 不備.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from domain.id_copy import SURE, CopyKind, parse_kinds

K = CopyKind
NUMBER_DOCS = frozenset({K.MYNUMBER_BACK, K.NOTIFICATION, K.JUMINHYO})  # 個人番号確認
IDENTITY_DOCS = frozenset({K.MYNUMBER_FRONT, K.LICENSE, K.PASSPORT})  # 身元確認
CARD = frozenset({K.MYNUMBER_FRONT, K.MYNUMBER_BACK})


class Deficiency(StrEnum):
    NUMBER = "no_number_document"
    IDENTITY = "no_identity_document"
    CARD_FRONT = "no_card_front"
    CARD_BACK = "no_card_back"
    UNSURE = "copy_kind_unsure"


DEFICIENCY_JA: dict[Deficiency, str] = {
    Deficiency.NUMBER: "個人番号確認書類（マイナンバーカード裏面・通知カード・住民票の写しなど）がありません",
    Deficiency.IDENTITY: "身元確認書類（マイナンバーカード表面・運転免許証・パスポートなど）がありません",
    Deficiency.CARD_FRONT: "マイナンバーカードの表面の写しがありません",
    Deficiency.CARD_BACK: "マイナンバーカードの裏面の写しがありません",
    Deficiency.UNSURE: "添付書類の種類を判定できないページがあります（職員が確認してください）",
}

# template family prefix → the rule applies (ワンストップ特例申請書)
RULES: tuple[str, ...] = ("onestop",)


def applies(template_id: str | None) -> bool:
    return bool(template_id) and any(str(template_id).startswith(p) for p in RULES)


@dataclass(frozen=True)
class AttachedPage:
    copy_kind: str | None  # kinds joined with '+'
    confidence: float | None
    confirmed: bool = False  # a person confirmed the page as an attachment of this kind


@dataclass(frozen=True)
class Completeness:
    applies: bool
    present: frozenset[CopyKind] = frozenset()
    missing: tuple[Deficiency, ...] = ()
    undecided: bool = False  # an unsure page might satisfy the rule: a person decides
    unsure_pages: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.applies or not self.missing

    @property
    def reasons_ja(self) -> list[str]:
        return [DEFICIENCY_JA[d] for d in self.missing]


def _missing(kinds: frozenset[CopyKind]) -> tuple[Deficiency, ...]:
    if kinds >= CARD:
        return ()
    if kinds & NUMBER_DOCS - CARD and kinds & IDENTITY_DOCS - CARD:
        return ()
    out: list[Deficiency] = []
    if kinds & CARD:  # the card is used: both sides, unless the other pair is there
        if K.MYNUMBER_FRONT not in kinds and not kinds & (IDENTITY_DOCS - CARD):
            out.append(Deficiency.CARD_FRONT)
        if K.MYNUMBER_BACK not in kinds and not kinds & (NUMBER_DOCS - CARD):
            out.append(Deficiency.CARD_BACK)
        return tuple(out)
    if not kinds & NUMBER_DOCS:
        out.append(Deficiency.NUMBER)
    if not kinds & IDENTITY_DOCS:
        out.append(Deficiency.IDENTITY)
    return tuple(out)


def check(template_id: str | None, pages: Iterable[AttachedPage]) -> Completeness:
    """Which required copies the envelope holds, and what is missing (see module doc)."""
    if not applies(template_id):
        return Completeness(applies=False)
    sure: set[CopyKind] = set()
    unsure = 0
    for p in pages:
        kinds = parse_kinds(p.copy_kind)
        if p.confirmed or (p.confidence is not None and p.confidence >= SURE):
            sure.update(kinds)
        elif kinds:
            unsure += 1
    missing = _missing(frozenset(sure))
    if missing and unsure:
        # an unsure page could be the missing copy: a person decides before anyone writes a 不備連絡
        return Completeness(True, frozenset(sure), (Deficiency.UNSURE,), True, unsure)
    return Completeness(True, frozenset(sure), missing, False, unsure)


def check_rows(template_id: str | None, rows: Sequence[tuple[str | None, float | None]]) -> Completeness:
    """:func:`check` over (copy_kind, confidence) pairs, as stored on page rows."""
    return check(template_id, [AttachedPage(k, c) for k, c in rows])
