"""What kind of ID copy a page is, from its printed words and layout (pure).

An envelope's attached pages are copies of identity documents. The reader
(:mod:`ocr.id_copy`) finds card-shaped regions, reads their printed lines and calls
:func:`classify` once per card (or once for the whole page when it holds no card: a
住民票の写し, a memo). Keywords are matched fuzzily (OCR drops or swaps characters);
the layout (a photo box, a card or a whole page) decides between kinds whose words
overlap. The confidence is the winner's match strength less half the runner-up's:
below :data:`SURE` a person confirms the kind.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum


class CopyKind(StrEnum):
    MYNUMBER_FRONT = "mynumber_front"
    MYNUMBER_BACK = "mynumber_back"
    NOTIFICATION = "notification"  # 通知カード
    LICENSE = "license"  # 運転免許証
    PASSPORT = "passport"
    JUMINHYO = "juminhyo"  # 住民票の写し (with the My Number)
    OTHER = "other"
    BLANK = "blank"


COPY_KIND_JA: dict[CopyKind, str] = {
    CopyKind.MYNUMBER_FRONT: "マイナンバーカード（表面）",
    CopyKind.MYNUMBER_BACK: "マイナンバーカード（裏面）",
    CopyKind.NOTIFICATION: "通知カード",
    CopyKind.LICENSE: "運転免許証",
    CopyKind.PASSPORT: "パスポート",
    CopyKind.JUMINHYO: "住民票の写し",
    CopyKind.OTHER: "その他の書類",
    CopyKind.BLANK: "白紙",
}

SURE = 0.75  # at or above: the kind counts without a person (measured in bench/envelope.py)
MIN_MATCH = 0.7  # a keyword's fuzzy match below this is no evidence
K = CopyKind
# (keyword, weight): the printed words each kind carries (NFKC, no spaces)
KEYWORDS: dict[CopyKind, tuple[tuple[str, float], ...]] = {
    K.MYNUMBER_FRONT: (("個人番号カード", 1.0), ("まで有効", 0.8)),
    K.NOTIFICATION: (("通知カード", 1.0),),
    K.LICENSE: (("運転免許証", 1.0), ("公安委員会", 0.9), ("免許", 0.75)),
    K.PASSPORT: (("PASSPORT", 1.0), ("旅券", 1.0), ("P<JPN", 0.95), ("JAPAN", 0.8)),
    K.JUMINHYO: (("住民票", 1.0), ("相違ないことを証明", 0.9), ("世帯主", 0.8)),
}
MY_NUMBER = re.compile(r"\d{4}\D{0,2}\d{4}\D{0,2}\d{4}")


@dataclass(frozen=True)
class CopyGuess:
    kind: CopyKind
    confidence: float  # 0..1

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE


def _norm(text: str) -> str:
    """NFKC, no spaces, upper case, every dash-like mark as one 'ー' (OCR reads ー as - or —)."""
    flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    return re.sub(r"[-‐‑‒–—―−ｰー]+", "ー", flat)


def fuzzy(keyword: str, text: str) -> float:
    """How well ``keyword`` occurs in ``text`` (1.0: verbatim), tolerant of one or two OCR slips.

    The best :class:`SequenceMatcher` ratio over the windows of ``text`` of the keyword's
    length ±1. A window cannot match more characters than it shares with the keyword, so
    its ratio is at most ``2 * shared / (len(keyword) + len(window))``: windows whose bound
    does not beat the best so far are not compared (same result, a fraction of the work).
    """
    if not text:
        return 0.0
    if keyword in text:
        return 1.0
    n, best = len(keyword), 0.0
    letters = set(keyword)
    shared = [0]  # shared[i]: characters of text[:i] that occur in the keyword
    for ch in text:
        shared.append(shared[-1] + (ch in letters))
    for size in (n - 1, n, n + 1):
        if size <= 0:
            continue
        for i in range(0, max(1, len(text) - size + 1)):
            window = text[i:i + size]
            bound = 2.0 * min(shared[i + len(window)] - shared[i], n) / (n + len(window))
            if bound <= best:
                continue
            r = SequenceMatcher(None, keyword, window, autojunk=False).ratio()
            best = max(best, r)
    return best


def _score(kind: CopyKind, text: str) -> float:
    best = 0.0
    for kw, weight in KEYWORDS.get(kind, ()):
        r = fuzzy(_norm(kw), text)
        if r >= MIN_MATCH:
            best = max(best, weight * r)
    return best


def classify(lines: Sequence[str], *, photo: bool, card: bool, ink: float = 1.0) -> CopyGuess:
    """The kind of one card (``card``) or of a whole page, from its printed lines."""
    text = _norm("".join(lines))
    if not text and ink < 0.002:
        return CopyGuess(K.BLANK, 0.95)
    scores = {k: _score(k, text) for k in KEYWORDS}
    number = MY_NUMBER.search(text) is not None
    label = max(fuzzy("個人番号", text), 0.0)
    # the back of the My Number card: 個人番号 and twelve digits, no photo, not the front's title
    back_words = scores[K.MYNUMBER_FRONT] < 0.85 and scores[K.NOTIFICATION] < MIN_MATCH
    if card and label >= 0.75 and number and back_words:
        scores[K.MYNUMBER_BACK] = label * (0.7 if photo else 1.0)
    if photo:
        scores[K.NOTIFICATION] *= 0.8  # a 通知カード has no photo
    else:
        scores[K.MYNUMBER_FRONT] *= 0.85
        scores[K.LICENSE] *= 0.85
        scores[K.PASSPORT] *= 0.9
    if card:
        scores[K.JUMINHYO] *= 0.6  # a 住民票 is a whole page
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (kind, best), (_, second) = ranked[0], ranked[1]
    if best < MIN_MATCH * 0.8:
        # no identity-document words: some other paper (the less text read, the less sure)
        return CopyGuess(K.OTHER, round(0.9 if len(text) >= 8 else 0.5, 3))
    return CopyGuess(kind, round(max(0.0, min(1.0, best - 0.5 * second)), 3))


def page_kinds(guesses: Sequence[CopyGuess]) -> str:
    """The stored form of a page's kinds: codes joined with '+' (two cards on one page)."""
    return "+".join(g.kind.value for g in guesses)


def parse_kinds(code: str | None) -> list[CopyKind]:
    """The kinds stored on a page (unknown codes are dropped)."""
    out = []
    for part in (code or "").split("+"):
        try:
            out.append(CopyKind(part))
        except ValueError:
            continue
    return out


def kinds_ja(code: str | None) -> str:
    return "・".join(COPY_KIND_JA[k] for k in parse_kinds(code)) or "不明"
