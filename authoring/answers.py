"""One answer or several: choice vs multi_choice from the words the form prints.

A mark question takes one answer (``choice``) or several (``multi_choice``). Forms
say which in three places, tried in this order:

1. the question itself: 「あてはまるものすべてに」「1つに○」, "(all that apply)",
   "(Bitte nur eine Möglichkeit ankreuzen)";
2. the form's legend, an instruction printed once (usually at the top of page 1) for
   a kind of question: "You can check any number of boxes in selection questions",
   "Bei Bewertungsfragen (Skala 1 – 5) darf nur ein Kästchen angekreuzt werden";
3. the shape, by convention: a scale (a row of unlabelled marks between two anchor
   words), a row of an answer grid and a list of ○ bubbles (radio buttons) take one
   answer; a list of □ with their own labels is left as drafted (one answer).

A legend sentence must speak of marking (check, tick, mark, ankreuzen, ○, 選 ...) and
say how many; its scope is scales when it names a scale or a range (Skala, 1–5, 段階),
option lists when it names selection/choice questions, else every question. Sentences
that contradict each other for one scope decide nothing. Everything decided here stays
a guess for the admin (the field's ``guessed`` keeps ``kind``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from authoring.proposal import Proposal
from domain.status import FieldKind

Scope = Literal["scale", "list", "any"]

# Words saying several answers / one answer (matched on NFKC lower-case text; Latin words
# on word boundaries). Each row is a language; add a city's wording here.
MANY_WORDS: tuple[str, ...] = (
    "すべて", "全て", "複数", "いくつでも", "いくつか", "幾つでも",
    "any number", "all that apply", "more than one", "several", "multiple answers", "multiple boxes",
    "mehrere", "beliebig viele", "alle zutreffenden",
)
ONE_WORDS: tuple[str, ...] = (
    "ひとつ", "一つ", "1つ", "1個", "最も", "もっとも", "一番",
    "only one", "one answer", "one box", "one option", "choose one", "select one", "tick one",
    "mark one", "check one", "fits best", "best fits", "single answer",
    "nur ein", "genau ein",
)
MANY_PATTERNS = (re.compile(r"(?<![0-9])[2-9]つ"), re.compile(r"up to [2-9]"))  # 2つまで, 3つ選んで
MARK_WORDS: tuple[str, ...] = (
    "○", "〇", "◯", "レ", "✓", "✔", "チェック", "印", "選", "回答", "答",
    "check", "tick", "mark", "choose", "select", "answer", "box",
    "kreuz", "antwort", "kästchen", "wähl",
)
SCALE_WORDS: tuple[str, ...] = ("scale", "range", "rating", "skala", "bewertung", "段階", "評価", "尺度")
SCALE_PATTERN = re.compile(r"\(\s*\d\s*[-–~〜]\s*\d+\s*\)|\b1\s*[-–~〜]\s*\d+\b")
LIST_WORDS: tuple[str, ...] = ("selection", "choice", "auswahl", "選択", "選択肢")
QUESTION_NUMBER = re.compile(r"^\s*(問|q|f|設問)?\s*\d+([.-]\d+)*[.):]?\s")  # on NFKC lower text
SCALE_MIN_MARKS = 3


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _has(text: str, word: str) -> bool:
    if word.isascii() and word[0].isalpha():
        return re.search(rf"(?<![a-z]){re.escape(word)}", text) is not None
    return word in text


def says(text: str) -> bool | None:
    """True: the text asks for several answers; False: for one; None: it does not say (or both)."""
    t = _norm(text)
    many = any(_has(t, w) for w in MANY_WORDS) or any(p.search(t) for p in MANY_PATTERNS)
    one = any(_has(t, w) for w in ONE_WORDS)
    return many if many != one else None


def scope_of(text: str) -> Scope:
    t = _norm(text)
    if any(w in t for w in SCALE_WORDS) or SCALE_PATTERN.search(t):
        return "scale"
    if any(w in t for w in LIST_WORDS):
        return "list"
    return "any"


@dataclass(frozen=True)
class Rule:
    """A legend sentence: how many answers questions of ``scope`` take."""

    many: bool
    scope: Scope
    text: str


def legend_rules(texts: Iterable[str]) -> list[Rule]:
    """Rules from the printed lines that are not a question's own text.

    A line qualifies when it speaks of marking, says one/several, and does not start
    with a question number (1.2, 問3, Q4: a question, not a legend)."""
    out: list[Rule] = []
    for text in texts:
        t = _norm(text)
        if QUESTION_NUMBER.match(t) or not any(w in t for w in MARK_WORDS):
            continue
        many = says(t)
        if many is not None:
            out.append(Rule(many, scope_of(t), text.strip()))
    return out


def shape(p: Proposal) -> Literal["scale", "list", "grid", "bubbles", "other"]:
    """What a mark question looks like: the conventions of step 3 hang on it."""
    if p.source == "grid":
        return "grid"
    if p.kind not in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) or p.mark_style == "circle":
        return "other"
    if p.mark_style == "bubble":
        return "bubbles"
    unlabelled = sum(not o.printed for o in p.options)
    if len(p.options) >= SCALE_MIN_MARKS and unlabelled >= len(p.options) - 1 and _one_row(p):
        return "scale"
    return "list"


def _one_row(p: Proposal) -> bool:
    ys = [o.rect.cy for o in p.options]
    h = max(o.rect.h for o in p.options)
    return max(ys) - min(ys) <= 0.5 * h


def _pick(rules: list[Rule], scopes: tuple[Scope, ...]) -> Rule | None:
    """The legend's rule for the first scope that has one, unless its rules disagree."""
    for sc in scopes:
        hits = [r for r in rules if r.scope == sc]
        if hits:
            return hits[0] if len({r.many for r in hits}) == 1 else None
    return None


def decide(p: Proposal, rules: list[Rule]) -> None:
    """Set ``p.kind`` (and why) to choice or multi_choice; other proposals are left alone."""
    form = shape(p)
    if form == "other":
        return
    many = says(f"{p.question} {p.label}")
    if many is not None:
        _set(p, many, "the question says " + ("several answers" if many else "one answer"), True)
        return
    rule = _pick(rules, ("scale", "any")) if form == "scale" else \
        _pick(rules, ("list", "any")) if form == "list" else None
    if rule is not None:
        _set(p, rule.many, f"legend: {rule.text[:60]}", False)
    elif form in ("scale", "grid", "bubbles"):
        _set(p, False, {"scale": "a scale of unlabelled marks: one answer",
                        "grid": "a grid row: one answer", "bubbles": "bubbles: one answer"}[form], True)


def _set(p: Proposal, many: bool, why: str, sure: bool) -> None:
    kind = FieldKind.MULTI_CHOICE if many else FieldKind.CHOICE
    p.kind, p.kind_reason, p.kind_sure = kind, f"{p.kind_reason}; {why}" if p.kind_reason else why, sure
    for r in p.rows:
        r.kind = kind


def decide_all(pages: Iterable[tuple[list[Proposal], list[str]]]) -> list[Rule]:
    """Decide every mark question of a form: (proposals, printed lines) per page.

    The legend is read from every page's lines except those that are a mark
    question's own text (its question or label)."""
    pages = list(pages)
    own = [_norm(t) for props, _ in pages for p in props if p.kind.is_mark
           for t in (p.question, p.label) if t]
    texts = [ln for _, lines in pages for ln in lines if ln.strip() and not any(_norm(ln) in o for o in own)]
    rules = legend_rules(texts)
    for props, _ in pages:
        for p in props:
            decide(p, rules)
    return rules
