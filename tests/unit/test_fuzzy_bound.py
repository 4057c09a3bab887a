"""domain.id_copy.fuzzy skips windows that cannot beat the best: same value as comparing them all.

The kinds of ID copies (and so calibration/crosscheck.json's evidence) depend on these
values to the last bit, so the pruned search is checked against the plain one.
"""

from __future__ import annotations

import random
from difflib import SequenceMatcher

from domain.id_copy import KEYWORDS, _norm, fuzzy


def plain(keyword: str, text: str) -> float:
    """Every window compared (the search before the bound)."""
    if not text:
        return 0.0
    if keyword in text:
        return 1.0
    n, best = len(keyword), 0.0
    for size in (n - 1, n, n + 1):
        if size <= 0:
            continue
        for i in range(0, max(1, len(text) - size + 1)):
            best = max(best, SequenceMatcher(None, keyword, text[i:i + size], autojunk=False).ratio())
    return best


KEYS = [_norm(kw) for kws in KEYWORDS.values() for kw, _ in kws] + ["個人番号", "免許", "A"]


def test_the_pruned_search_equals_the_plain_one_on_ocr_like_text() -> None:
    rng = random.Random(19)
    alphabet = "".join(sorted(set("".join(KEYS)))) + "山田太郎令和年月日住所東京都1234567890ー<X"
    for _ in range(3000):
        key = rng.choice(KEYS)
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.5 and len(key) > 1:  # a keyword with an OCR slip inside
            slip = list(key)
            slip[rng.randrange(len(slip))] = rng.choice(alphabet)
            at = rng.randint(0, len(text))
            text = text[:at] + "".join(slip) + text[at:]
        assert fuzzy(key, text) == plain(key, text), (key, text)


def test_short_texts_and_single_letter_keywords() -> None:
    for key, text in [("A", "B"), ("A", ""), ("免許", "免"), ("免許", "X"), ("運転免許証", "運転"),
                      ("PASSPORT", "PASSP0RT"), ("個人番号", "個人番号"), ("旅券", "券旅")]:
        assert fuzzy(key, text) == plain(key, text), (key, text)
