"""Surname / given-name split of a read name, checked against its フリガナ (pure, lexicons load once).

The reader joins the words that ``ocr.segment.split_words`` finds with U+3000, so a
name written with a narrow gap (or a dithered scan) comes back as ``小野寺悠斗`` at a
high engine confidence. :func:`check_name` decides what to keep and how sure that is:

1. the name already has one space: keep it (a spaced フリガナ that points clearly
   at another split sends it to a person);
2. the フリガナ has one space and the name none: a split is *evidenced* when the
   name's own kana part equals a フリガナ part (山田さくら / ヤマダ サクラ) or a
   lexicon reading of a name prefix (surname) or suffix (given name) equals it
   (IPADIC through MeCab: 小野寺 = オノデラ). Only one position may be evidenced,
   and the statistics below must not score another split clearly higher (a stray
   フリガナ space, クボ　タミノル for 久保田稔, matches 久保 = クボ);
3. otherwise kanji position statistics (namedivider's ``BasicNameDivider``, its
   bundled kanji.csv only, never the GBDT model that downloads) rank the splits
   whose kanji count fits the フリガナ part lengths. The winner is inserted when it
   is the only split into a lexicon surname + lexicon given name and leads by
   :data:`LEXICON_STATISTICS_MARGIN` (this needs no フリガナ), or, with a spaced
   フリガナ, when it leads by :data:`STATISTICS_MARGIN`. Without a spaced フリガナ a
   statistics-only winner is inserted but sent to a person; no clear winner: the
   name goes to a person unchanged.

Every inserted space is flagged :attr:`NameCheck.inferred`, with its
:class:`NameEvidence`, so triage can review inferred splits until calibrated.

Everything runs offline: both lexicons are files inside their registry packages.
Reason codes are English and never carry the name (logs and exceptions neither).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

from domain.normalize import collapse_spaces, hiragana_to_katakana, to_halfwidth

log = logging.getLogger(__name__)

SPACE = "\u3000"
MAX_NAME_CHARS = 16  # a full name longer than this (spaces removed) is not searched for a split
# Raw-score margin (best − second best plausible split) that the statistics need: the
# smallest with no wrong split on the hand-written names of tests/unit/test_names.py (60
# surnames × 45 given names, lexicon switched off); synth/people.py's names checked apart.
STATISTICS_MARGIN = 0.40
# A フリガナ space in the wrong place can still match a reading (久保田稔 / クボ　タミノル):
# reading evidence is overruled when the statistics score another split this much higher.
STATISTICS_VETO = 0.10
# Margin enough when the statistics' winner is also the one split into a lexicon surname and
# a lexicon given name (no reading needed: works without フリガナ).
LEXICON_STATISTICS_MARGIN = 0.20
# A kanji is read with 1..4 kana (ショウ, ハジメ, ミノル; 服部 = ハッ+トリ).
KANA_PER_KANJI = (1, 4)
# Variant glyphs the lexicons spell with the common form (same length, char for char).
_VARIANTS = str.maketrans({"髙": "高", "﨑": "崎", "𠮷": "吉"})


class NameEvidence(StrEnum):
    """What supports the split that is kept."""

    WRITTEN = "written"  # the reader saw the space
    KANA = "kana"  # the name's own kana part equals the フリガナ part
    LEXICON = "lexicon"  # a lexicon reading of the surname or given name equals the フリガナ part
    LEXICON_STATISTICS = "lexicon_statistics"  # a lexicon surname + given name where statistics split
    STATISTICS = "statistics"  # kanji statistics alone, kanji counts fit the フリガナ part lengths
    STATISTICS_ONLY = "statistics_only"  # kanji statistics with no spaced フリガナ to check against
    NONE = "none"


class NameReason(StrEnum):
    """English reason codes for logs (never the name itself)."""

    SPACED = "spaced"
    EMPTY = "empty"
    SPLIT_BY_KANA = "split_by_kana"
    SPLIT_BY_LEXICON = "split_by_lexicon"
    SPLIT_BY_LEXICON_STATISTICS = "split_by_lexicon_statistics"
    SPLIT_BY_STATISTICS = "split_by_statistics"
    NO_KANA_SPLIT = "no_kana_split"  # no フリガナ with exactly one space: statistics unchecked
    SPLIT_UNSURE = "split_unsure"  # statistics without a clear winner
    KANA_CONFLICT = "kana_conflict"  # no split's kanji counts fit the フリガナ parts
    EVIDENCE_CONFLICT = "evidence_conflict"  # readings point at two splits, or the statistics disagree
    SPACE_CONFLICTS_KANA = "space_conflicts_kana"  # written space, but the フリガナ points elsewhere
    EXTRA_SPACES = "extra_spaces"  # more than one space and no evidence which one divides
    NO_KANJI = "no_kanji"  # kana-only or Latin name without a matching spaced フリガナ
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class NameCheck:
    """What to keep for a name field and how sure the surname / given-name split is.

    ``value``: the name to keep (U+3000 inserted when :attr:`inferred`).
    ``supported``: the kept split rests on evidence (written, kana, lexicon, or
    statistics that fit the フリガナ). ``review``: a person should look (the split is
    unsupported or contradicted). ``inferred``: the space was inserted here, not read.
    """

    value: str
    supported: bool
    review: bool
    inferred: bool
    evidence: NameEvidence
    reason: NameReason


def check_name(name: str, kana: str | None) -> NameCheck:
    """Check (and, with evidence, repair) the surname / given-name space of ``name``.

    ``name``: the read value of a 氏名 field (after ``normalize_text``, or raw).
    ``kana``: the read value of its フリガナ field, or ``None`` when the form has none.
    """
    text = collapse_spaces(to_halfwidth(name or ""))
    if not text:
        return _result(text, NameReason.EMPTY, NameEvidence.NONE, supported=False, review=False)
    parts = text.split(SPACE)
    joined = "".join(parts)
    kana_parts = _kana_parts(kana)
    if len(joined) > MAX_NAME_CHARS:
        written = len(parts) == 2
        return _result(text, NameReason.SPACED if written else NameReason.TOO_LONG,
                       NameEvidence.WRITTEN if written else NameEvidence.NONE,
                       supported=written, review=not written)
    if len(parts) == 2:
        return _check_spaced(text, parts, kana_parts)
    written_apart = len(parts) > 2 and not any(map(_is_kanji, joined))  # Jean Paul Sartre
    if written_apart or (len(parts) == 1 and "・" in joined.strip("・")):  # ジョン・スミス
        return _result(text, NameReason.SPACED, NameEvidence.WRITTEN, supported=True, review=False)
    if len(joined) < 2:
        return _result(text, NameReason.TOO_SHORT, NameEvidence.NONE, supported=False, review=True)
    # candidate split positions: anywhere, or only at the gaps the reader saw
    gaps: list[int] | None = None
    if len(parts) > 2:
        gaps = [sum(len(p) for p in parts[:k]) for k in range(1, len(parts))]
    return _check_unspaced(text, joined, kana_parts, gaps)


def _check_spaced(text: str, parts: list[str], kana_parts: tuple[str, str] | None) -> NameCheck:
    if kana_parts is not None:
        joined = "".join(parts)
        strong = _strong_positions(joined, kana_parts)
        written_at = len(parts[0])
        if strong and written_at not in strong:
            return _result(text, NameReason.SPACE_CONFLICTS_KANA, NameEvidence.WRITTEN,
                           supported=False, review=True)
    return _result(text, NameReason.SPACED, NameEvidence.WRITTEN, supported=True, review=False)


def _check_unspaced(text: str, joined: str, kana_parts: tuple[str, str] | None,
                    gaps: list[int] | None) -> NameCheck:
    positions = gaps if gaps is not None else list(range(1, len(joined)))
    if kana_parts is not None:
        strong = {i: ev for i, ev in _strong_positions(joined, kana_parts).items() if i in positions}
        if len(strong) == 1:
            (at, evidence), = strong.items()
            scores = _statistics(joined, positions) if any(map(_is_kanji, joined)) else {at: 0.0}
            if max(scores.values()) - scores[at] >= STATISTICS_VETO:  # e.g. クボ タミノル: 久保 = クボ
                return _result(text, NameReason.EVIDENCE_CONFLICT, NameEvidence.NONE, supported=False,
                               review=True)
            kana_said = evidence is NameEvidence.KANA
            reason = NameReason.SPLIT_BY_KANA if kana_said else NameReason.SPLIT_BY_LEXICON
            return _split(joined, at, reason, evidence, supported=True, review=False)
        if len(strong) > 1:
            return _result(text, NameReason.EVIDENCE_CONFLICT, NameEvidence.NONE, supported=False,
                           review=True)
    if not any(_is_kanji(c) for c in joined):
        return _result(text, NameReason.NO_KANJI, NameEvidence.NONE, supported=False, review=True)
    every = _statistics(joined, positions)
    scores = every
    if kana_parts is not None:  # only splits whose kanji counts fit the フリガナ parts
        scores = {i: s for i, s in every.items()
                  if _fits(joined[:i], kana_parts[0]) and _fits(joined[i:], kana_parts[1])}
        if not scores:
            return _result(text, NameReason.KANA_CONFLICT, NameEvidence.NONE, supported=False, review=True)
    at, margin = _winner(scores)
    if at != _winner(every)[0]:  # the statistics prefer a split the フリガナ rules out
        margin = 0.0
    if _entry_positions(joined, list(scores)) == [at] and margin >= LEXICON_STATISTICS_MARGIN:
        return _split(joined, at, NameReason.SPLIT_BY_LEXICON_STATISTICS, NameEvidence.LEXICON_STATISTICS,
                      supported=True, review=False)
    if margin >= STATISTICS_MARGIN:
        if kana_parts is not None:
            return _split(joined, at, NameReason.SPLIT_BY_STATISTICS, NameEvidence.STATISTICS,
                          supported=True, review=False)
        # a likely split, but nothing to check it against
        return _split(joined, at, NameReason.NO_KANA_SPLIT, NameEvidence.STATISTICS_ONLY,
                      supported=False, review=True)
    unsure = NameReason.SPLIT_UNSURE if gaps is None else NameReason.EXTRA_SPACES
    return _result(text, unsure, NameEvidence.NONE, supported=False, review=True)


def _result(value: str, reason: NameReason, evidence: NameEvidence, *, supported: bool,
            review: bool) -> NameCheck:
    log.debug("name split: %s (evidence %s, review %s)", reason.value, evidence.value, review)
    return NameCheck(value=value, supported=supported, review=review, inferred=False,
                     evidence=evidence, reason=reason)


def _split(joined: str, at: int, reason: NameReason, evidence: NameEvidence, *, supported: bool,
           review: bool) -> NameCheck:
    log.debug("name split inserted: %s (evidence %s, review %s)", reason.value, evidence.value, review)
    return NameCheck(value=joined[:at] + SPACE + joined[at:], supported=supported, review=review,
                     inferred=True, evidence=evidence, reason=reason)


# ---------------------------------------------------------------- フリガナ evidence


def kana_confirms(name: str, kana: str | None) -> bool:
    """Do the name and its フリガナ, two fields read apart, say the same name?

    Both must have one space; the surname's and the given name's katakana readings (the
    part itself when written in kana, else a lexicon reading, IPADIC) must equal the
    フリガナ's parts. A misread kanji (大和田 read 大和山) or a misread kana rarely keeps a
    lexicon reading that matches the other field: agreement is a second, independent
    reading of the name. A name the lexicon does not know is never confirmed.
    """
    kana_parts = _kana_parts(kana)
    text = collapse_spaces(to_halfwidth(name or ""))
    parts = text.split(SPACE)
    if kana_parts is None or len(parts) != 2 or not all(parts):
        return False
    for part, reading, surname in ((parts[0], kana_parts[0], True), (parts[1], kana_parts[1], False)):
        if not (_kana_equal(part, reading) or reading in _readings(part, surname=surname)):
            return False
    return True


def _kana_parts(kana: str | None) -> tuple[str, str] | None:
    """The フリガナ's (surname, given name) when it has exactly one space, in katakana."""
    if not kana:
        return None
    text = collapse_spaces(hiragana_to_katakana(to_halfwidth(kana)))
    parts = text.split(SPACE)
    if len(parts) != 2 or not all(_is_kana_text(p) for p in parts):
        return None
    return parts[0], parts[1]


def _strong_positions(joined: str, kana_parts: tuple[str, str]) -> dict[int, NameEvidence]:
    """Split positions the フリガナ confirms through the name's kana or a lexicon reading."""
    sur_kana, given_kana = kana_parts
    found: dict[int, NameEvidence] = {}
    for i in range(1, len(joined)):
        family, given = joined[:i], joined[i:]
        if not (_fits(family, sur_kana) and _fits(given, given_kana)):
            continue
        if _kana_equal(family, sur_kana) or _kana_equal(given, given_kana):
            found[i] = NameEvidence.KANA
        elif sur_kana in _readings(family, surname=True) or given_kana in _readings(given, surname=False):
            found[i] = NameEvidence.LEXICON
    return found


def _entry_positions(joined: str, positions: list[int]) -> list[int]:
    """Positions that split ``joined`` into a lexicon surname and a lexicon given name."""
    return [i for i in positions
            if _readings(joined[:i], surname=True) and _readings(joined[i:], surname=False)]


def _fits(part: str, kana: str) -> bool:
    """Could ``part`` be read as ``kana``, by length: 1..4 kana per kanji, 1 per kana?"""
    lo = hi = 0
    for ch in part:
        if _is_kanji(ch):
            lo, hi = lo + KANA_PER_KANJI[0], hi + KANA_PER_KANJI[1]
        elif _is_kana_char(ch):
            lo, hi = lo + 1, hi + 1
        else:  # Latin, digits, symbols: no length rule
            return True
    return lo <= len(kana) <= hi


def _kana_equal(part: str, kana: str) -> bool:
    return all(_is_kana_char(c) for c in part) and hiragana_to_katakana(part) == kana


def _is_kanji(ch: str) -> bool:
    return ("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"
            or "\U00020000" <= ch <= "\U0003134f" or ch in "々〆ヶヵ")


def _is_kana_char(ch: str) -> bool:
    return "\u3041" <= ch <= "\u3096" or "\u30a1" <= ch <= "\u30fa" or ch in "ーゝゞヽヾ"


def _is_kana_text(s: str) -> bool:
    return bool(s) and all(_is_kana_char(c) or c == "・" for c in s)


# ---------------------------------------------------------------- lexicons (loaded once)

_TAGGER_LOCK = threading.Lock()
_NBEST = 20  # MeCab n-best paths per word: enough to list every reading of one entry
# IPADIC parts of speech whose readings count for a surname / a given name
_SURNAME_POS = {("人名", "姓"), ("地域", "一般"), ("人名", "一般")}
_GIVEN_POS = {("人名", "名"), ("人名", "一般")}


@cache
def _tagger() -> Any:
    """MeCab with IPADIC (fugashi + ipadic: both files inside their wheels, no download)."""
    import fugashi
    import ipadic

    return fugashi.GenericTagger(ipadic.MECAB_ARGS)


@lru_cache(maxsize=4096)  # bounded: the keys are pieces of people's names
def _readings(word: str, surname: bool) -> frozenset[str]:
    """Katakana readings IPADIC lists for ``word`` as one surname (or given-name) entry."""
    if not word or not all(_is_kanji(c) or _is_kana_char(c) for c in word):
        return frozenset()
    key = word.translate(_VARIANTS)
    wanted = _SURNAME_POS if surname else _GIVEN_POS
    out: set[str] = set()
    with _TAGGER_LOCK:
        paths = _tagger().nbestToNodeList(key, _NBEST)
    for nodes in paths:
        if len(nodes) != 1 or nodes[0].surface != key:
            continue
        feature = list(nodes[0].feature)
        if len(feature) > 7 and feature[1] == "固有名詞" and (feature[2], feature[3]) in wanted:
            out.add(feature[7])
    return frozenset(out)


@cache
def _divider() -> Any:
    """namedivider's statistics divider on its bundled kanji.csv (the GBDT one would download)."""
    from namedivider import BasicNameDivider, BasicNameDividerConfig

    return BasicNameDivider(BasicNameDividerConfig(normalize_name=False))


def _statistics(joined: str, positions: list[int]) -> dict[int, float]:
    """Raw namedivider scores per split position (0..1, higher is likelier)."""
    key = joined.translate(_VARIANTS)
    divider = _divider()
    ruled = divider.divide_name(key)  # its rules: 2 characters; kanji then kana (e.g. 山田さくら)
    if str(ruled.algorithm).startswith("rule") and len(ruled.family) in positions:
        return {i: 1.0 if i == len(ruled.family) else 0.0 for i in positions}
    return {i: float(divider.calc_score(key[:i], key[i:])) for i in positions}


def _winner(scores: dict[int, float]) -> tuple[int, float]:
    """Best position and its margin over the runner-up (the whole score when alone)."""
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    best = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return best[0], best[1] - second
