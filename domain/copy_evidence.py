"""Where on the copies a cross-checked value was printed, and My Number by evidence (pure; issue 19).

:mod:`domain.crosscheck` says per form field whether the printed ID copies agree. Here
each printed line keeps *where* it was read (page index, box on the stored page image),
so the review screen can show the form field's crop beside the crop of the copy's line.
Only geometry is kept: never the copy's text.

:func:`locate` runs the same comparison line by line: the field's line is the first line
that agrees (when the copies agree) or the first that disagrees (when they do not).

:func:`evidence_accepts` is the rule of a template's ``my_number_by_evidence`` policy
(off by default): the form's My Number counts as confirmed when it equals the number
printed on a My Number card's back or a 通知カード whose kind is sure, and its check
digit holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.crosscheck import Agreement, copy_values, cross_check
from domain.id_copy import SURE, CopyKind, parse_kinds
from domain.mynumber import is_valid_my_number

Box = tuple[int, int, int, int]  # x, y, w, h on the stored page image
EVIDENCE_KINDS = frozenset({CopyKind.MYNUMBER_BACK, CopyKind.NOTIFICATION})
EVIDENCE_ACTOR = "copy-evidence"  # the audit trail's actor of an acceptance by evidence
EVIDENCE_REASON = "copy_evidence"  # review_actions.reason of such an acceptance
EVIDENCE_JA = "カード写しと一致"
MY_NUMBER_FIELD = "my_number"


@dataclass(frozen=True)
class CopyLine:
    """One printed line read on an attached page (text in memory only)."""

    page_index: int
    text: str
    box: Box | None  # None: the reader could not say where the line is
    confidence: float | None = None  # least character confidence (ocr.copy_lines); None: unknown


@dataclass(frozen=True)
class Located:
    agreement: dict[str, Agreement]
    where: dict[str, tuple[int, Box]]  # field id → (page index, box) of the compared line
    lines: tuple[CopyLine, ...] = ()  # the compared lines (memory only: the strict acceptance reads them)

    def codes(self) -> dict[str, str]:
        return {k: v.value for k, v in self.agreement.items()}


def locate(form: Mapping[str, Any], lines: Sequence[CopyLine]) -> Located:
    """The cross-check over all lines, and for each field the line it rests on."""
    overall = cross_check(form, copy_values([ln.text for ln in lines]))
    per_line = [cross_check(form, copy_values([ln.text])) for ln in lines]
    where: dict[str, tuple[int, Box]] = {}
    for fid, agreement in overall.items():
        if agreement is Agreement.ABSENT:
            continue
        for ln, result in zip(lines, per_line, strict=True):
            if result.get(fid) is agreement and ln.box is not None:
                where[fid] = (ln.page_index, ln.box)
                break
    return Located(overall, where, tuple(lines))


def lines_of(texts: Mapping[int, Sequence[str]], boxes: Mapping[int, Sequence[Box | None]],
             indexes: Iterable[int], scores: Mapping[int, Sequence[float | None]] | None = None
             ) -> list[CopyLine]:
    """CopyLines of the given pages from the worker's per-page texts, boxes and line confidences
    (boxes or scores that do not pair up with the texts are dropped)."""
    out: list[CopyLine] = []
    for i in indexes:
        found = list(boxes.get(i, []))
        page = texts.get(i, [])
        conf = list((scores or {}).get(i, []))
        if len(found) != len(page):
            found = [None] * len(page)
        if len(conf) != len(page):
            conf = [None] * len(page)
        out.extend(CopyLine(i, t, b, c) for t, b, c in zip(page, found, conf, strict=True))
    return out


def digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


def evidence_accepts(value: Any, agreement: Agreement | None, copy_kind: str | None,
                     copy_confidence: float | None, confirmed: bool = False) -> bool:
    """May the form's My Number count as confirmed by the copy? (see module doc)"""
    number = digits(value)
    if agreement is not Agreement.AGREE or len(number) != 12 or not is_valid_my_number(number):
        return False
    if not EVIDENCE_KINDS & set(parse_kinds(copy_kind)):
        return False
    return confirmed or (copy_confidence is not None and copy_confidence >= SURE)
