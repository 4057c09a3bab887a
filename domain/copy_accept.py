"""May a printed ID copy's agreement accept a handwritten field without a person? (pure; issue 19)

:mod:`domain.crosscheck` compares leniently (異体字 folded, 丁目/番地 and building names
forgiven, a missing prefecture allowed): right for *sending a contradiction to a person*,
too loose for *accepting*. A folded name that equals the copy can still be a wrong
reading (the recogniser reads the handwritten 髙 as 高 and the copy's 髙 as 高 alike).

:func:`accept_verdict` is the strict rule. A field (name, birth date, address; never the
My Number, which has its own template policy, :func:`domain.copy_evidence.evidence_accepts`)
is accepted only when all of these hold:

* the lenient cross-check agrees (no copy contradicts it);
* the form's reading, in its **strict key**, equals the strict key of a copy line that
  the recogniser read with confidence >= :data:`LINE_SURE`, on a page whose ID-copy kind
  is decided (reader confidence >= ``domain.id_copy.SURE`` or a person's confirmation)
  and is a real identity document (not その他 / 白紙);
* **no** line anywhere in the envelope gives that field a different strict key (two cards
  that disagree with each other, or a line read otherwise, stop the acceptance).

* the value holds no character the recogniser may read for another: one of a known 異体字
  pair (髙/高, 﨑/崎, 邊/邉/辺 …, :data:`domain.crosscheck.VARIANTS`, and the address list of
  :mod:`domain.address_match`) or one outside JIS X 0208 (a simplified 边 for 邉). The
  same recogniser reads the form and the copy: where it folds 髙 into 高 on both, their
  agreement proves nothing (seed 40000, envelope 23: 髙木 read 高木 on form and copy).

Strict keys keep every character: NFKC and spaces only for names (no 異体字 folding, and
a name line holding anything but kanji / kana is not a name); for addresses also only the
notation of house numbers (一丁目2番3号 ↔ 1-2-3, full/half width; a dash that NFKC does not
turn into '-' stays as read); dates compare as dates.

:func:`fit` judges the rule on calibration rows (booleans, never values) and
:func:`proven_fields` says which fields the measured evidence allows: the one-sided 95 %
Wilson upper bound of the error among fields the rule accepted must be <= :data:`MAX_UPPER`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.address_match import _VARIANTS as ADDRESS_VARIANTS
from domain.calibration import wilson_upper
from domain.crosscheck import _ADDRESS, _ERA_DATE, _NAME, _WESTERN, VARIANTS, Agreement, _as_date
from domain.id_copy import SURE, CopyKind, parse_kinds
from domain.status import IssueCode, ReviewReason
from domain.wareki import parse_wareki

ACCEPT_FIELDS = ("full_name", "birth_date", "address")
# the rule's version: evidence measured with another version of the rule proves nothing for this one
# .1 folded dashes, .2 no 旧字体/新字体 guard beyond the folding tables, .3 that guard,
# .4 a name may hold the iteration mark 々 (佐々木 was never accepted), and a name its
#    フリガナ did not confirm may be settled by the copy (:func:`copy_may_settle`)
RULE_VERSION = "2026-12-07.4"
LINE_SURE = 0.80  # the least character confidence of the copy's line (ocr.copy_lines.read_copy_scored)
MAX_UPPER = 0.005  # the Wilson 95 % upper bound of the error among accepted fields must be under this
ACCEPT_REASON = "copy_agreement"  # review_actions.reason of an acceptance by the cross-check
NOT_DOCUMENTS = frozenset({CopyKind.OTHER, CopyKind.BLANK})
_CJK_NAME = re.compile(r"^[\u3005\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]{2,}$")
_KANJI = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER = re.compile(r"[〇一二三四五六七八九十]+(?=丁目|番地|番|号)")


# 旧字体 / 新字体 pairs inside JIS X 0208 the folding tables do not list; 穂/穗 was read 穗 on
# both the form and a 住民票 (seed 40000, envelope 115)
OLD_NEW_FORMS = "穂穗栄榮竜龍亀龜実實寿壽礼禮豊豐将將来來黒黑学學児兒"
# characters with a 異体字 partner the recogniser may fold into (or out of) them: both sides
AMBIGUOUS = frozenset(chr(k) for table in (VARIANTS, ADDRESS_VARIANTS) for k in table) | frozenset(
    v for table in (VARIANTS, ADDRESS_VARIANTS) for v in table.values() if isinstance(v, str)) | frozenset(
    OLD_NEW_FORMS)


# what a sure printed copy may settle: the score alone was not enough, or the written name
# and its フリガナ could not be matched through a lexicon (the card prints the name itself).
# Any other rule's reason (format, 異体字, name split, a policy) stays with a person.
SETTLED_REASONS = frozenset({None, ReviewReason.LOW_CONFIDENCE.value, ReviewReason.NOT_CALIBRATED.value,
                             ReviewReason.NAME_KANA.value})
SETTLED_ISSUES = frozenset({IssueCode.NAME_KANA.value})


def copy_may_settle(reason: str | None, issue_codes: Iterable[str]) -> bool:
    """May the strict rule accept a field waiting for a person for this ``reason`` with
    these issues (codes)? Production (store.copy_checks) and the evidence fit
    (services.copy_accept_fit) ask the same question, so the evidence covers what is done."""
    return reason in SETTLED_REASONS and set(issue_codes) <= SETTLED_ISSUES


def ambiguous(text: str) -> bool:
    """Does the text hold a character the recogniser may read for another (see module doc)?"""
    for ch in text:
        if ch in AMBIGUOUS:
            return True
        try:
            ch.encode("shift_jis")  # JIS X 0208 (and ASCII); 髙, 﨑 and simplified 边 are not in it
        except UnicodeEncodeError:
            return True
    return False


class Verdict(StrEnum):
    ACCEPT = "accept"
    NO_VALUE = "no_value"  # the form has no value, or no copy line names this field
    CONTRADICTED = "contradicted"  # the lenient check disagrees, or one line is exact and another differs
    NOT_EXACT = "not_exact"  # agrees only leniently (no line is exact, or some line differs)
    UNSURE_LINE = "unsure_line"  # the exact line was read with too little confidence
    UNSURE_KIND = "unsure_kind"  # the exact line is on a page whose kind is not decided
    VARIANT = "variant"  # the value holds a character the recogniser may read for another


@dataclass(frozen=True)
class ScoredLine:
    """One printed copy line (text in memory only) with what the acceptance needs to know."""

    text: str
    confidence: float | None  # the line's least character confidence; None: unknown (never sure)
    kinds: str | None  # the page's ID-copy kinds ('+'-joined codes)
    kind_sure: bool  # reader confidence >= SURE, or a person confirmed the kind


def kind_decided(kinds: str | None, confidence: float | None, confirmed: bool = False) -> bool:
    """Is the page's kind decided, and is it an identity document?"""
    found = parse_kinds(kinds)
    if not found or NOT_DOCUMENTS & set(found):
        return False
    return confirmed or (confidence is not None and confidence >= SURE)


def strict_name(text: Any) -> str | None:
    """NFKC, spaces removed; None unless only kanji / kana (and 々) remain (two or more)."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))
    return s if _CJK_NAME.match(s) else None


def _kanji_int(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23 (up to 99); None: a misread like 十十 or 二三十 is no numeral."""
    if "十" not in text:
        return int("".join(str(_KANJI[c]) for c in text))
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "〇" in tens + ones or ones == "十":
        return None
    return (_KANJI[tens] if tens else 1) * 10 + (_KANJI[ones] if ones else 0)


def strict_address(text: Any) -> str | None:
    """NFKC, no spaces, house-number notation only: 一丁目2番3号 → 1-2-3 (nothing else folded).

    Dashes are not folded: a form read 5—40-2 (an em dash) is not the 5-40-2 it should be,
    even where the copy prints 5丁目40番2号 (seed 40000, envelopes 61 and 135). A misread
    kanji numeral (十十番) gives no key, so such an address is never accepted (it used to crash).
    """
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))
    numbers = [_kanji_int(m.group(0)) for m in _KANJI_NUMBER.finditer(s)]
    if None in numbers:
        return None
    s = _KANJI_NUMBER.sub(lambda m: str(_kanji_int(m.group(0))), s)
    s = re.sub(r"(?<=\d)(?:丁目|番地|番|の)(?=\d)", "-", s)
    s = re.sub(r"(?<=\d)号$", "", s)
    s = re.sub(r"(?<=\d)(?:番地|番|丁目)$", "", s)
    return s if len(s) >= 4 else None


def line_values(text: str) -> dict[str, list[Any]]:
    """Strict keys a printed line gives each field (a line may give none)."""
    line = unicodedata.normalize("NFKC", text)
    out: dict[str, list[Any]] = {f: [] for f in ACCEPT_FIELDS}
    m = _NAME.search(line)
    if m:
        rest = m.group(1)
        cut = _ERA_DATE.search(rest) or _WESTERN.search(rest)
        name = strict_name(rest[:cut.start()] if cut else rest)
        if name is not None:
            out["full_name"].append(name)
    if "生" in line:
        for d in (_ERA_DATE.search(line), _WESTERN.search(line)):
            if d is not None and (parsed := parse_wareki(d.group(0)).value) is not None:
                out["birth_date"].append(parsed)
    a = _ADDRESS.search(line)
    if a and (address := strict_address(a.group(1))) is not None:
        out["address"].append(address)
    return out


def form_key(field_id: str, value: Any) -> Any:
    """The strict key of the form's reading (None: nothing to compare)."""
    if field_id == "full_name":
        return strict_name(value)
    if field_id == "address":
        return strict_address(value)
    if field_id == "birth_date":
        return _as_date(value)
    return None


def accept_verdict(field_id: str, value: Any, lenient: Agreement | None,
                   lines: Sequence[ScoredLine]) -> Verdict:
    """The strict rule for one field (see module doc)."""
    if field_id not in ACCEPT_FIELDS:
        return Verdict.NO_VALUE
    key = form_key(field_id, value)
    if lenient is Agreement.DISAGREE:
        return Verdict.CONTRADICTED
    if key is None or lenient is not Agreement.AGREE:
        return Verdict.NO_VALUE
    exact: list[ScoredLine] = []
    differs = False
    for ln in lines:
        found = line_values(ln.text)[field_id]
        differs = differs or any(f != key for f in found)
        if key in found:
            exact.append(ln)
    if differs:  # copies that disagree with each other, or agree only leniently
        return Verdict.CONTRADICTED if exact else Verdict.NOT_EXACT
    if not exact:
        return Verdict.NOT_EXACT
    if isinstance(key, str) and ambiguous(key):
        return Verdict.VARIANT
    if not any(ln.kind_sure for ln in exact):
        return Verdict.UNSURE_KIND
    if not any(ln.kind_sure and ln.confidence is not None and ln.confidence >= LINE_SURE for ln in exact):
        return Verdict.UNSURE_LINE
    return Verdict.ACCEPT


# --- calibration: is the rule safe enough, per field? ----------------------------------------------


@dataclass(frozen=True)
class FieldEvidence:
    rows: int  # fields measured (forms with a copy)
    accepted: int  # fields the rule accepted
    wrong: int  # of those, read wrongly
    upper: float  # one-sided 95 % Wilson upper bound of wrong / accepted

    @property
    def proven(self) -> bool:
        return self.accepted > 0 and self.upper <= MAX_UPPER


def fit(rows: Iterable[Mapping[str, Any]]) -> dict[str, FieldEvidence]:
    """Per field: rows, accepted by the rule, wrong among accepted and its bound.

    A row: ``{"field": id, "verdict": Verdict code, "right": bool}`` (no value).
    """
    n: dict[str, list[int]] = {f: [0, 0, 0] for f in ACCEPT_FIELDS}
    for r in rows:
        c = n.get(str(r["field"]))
        if c is None:
            continue
        c[0] += 1
        if r["verdict"] == Verdict.ACCEPT.value:
            c[1] += 1
            c[2] += not r["right"]
    return {f: FieldEvidence(m, acc, wrong, wilson_upper(wrong, acc)) for f, (m, acc, wrong) in n.items()}


def proven_fields(evidence: Mapping[str, Mapping[str, Any]]) -> frozenset[str]:
    """The fields whose stored evidence (``{"accepted": n, "wrong": k}``) meets the bound.

    The bound is recomputed from the counts, so a file cannot switch a field on by saying so.
    """
    out = set()
    for fid, e in evidence.items():
        try:
            accepted, wrong = int(e["accepted"]), int(e["wrong"])
        except (KeyError, TypeError, ValueError):
            continue
        if fid in ACCEPT_FIELDS and accepted > 0 and 0 <= wrong <= accepted \
                and wilson_upper(wrong, accepted) <= MAX_UPPER:
            out.add(fid)
    return frozenset(out)


def rows_needed(wrong_rate: float = 0.0, limit: int = 10_000_000) -> int:
    """Accepted fields needed for the bound to fall under MAX_UPPER at this observed error rate
    (``limit`` when no number of rows would do: the rate itself is over the bound)."""
    if wilson_upper(round(wrong_rate * limit), limit) > MAX_UPPER:
        return limit
    low, high = 1, limit  # the bound falls as rows grow at a fixed rate: the first n that meets it
    while low < high:
        mid = (low + high) // 2
        if wilson_upper(round(wrong_rate * mid), mid) <= MAX_UPPER:
            high = mid
        else:
            low = mid + 1
    return low
