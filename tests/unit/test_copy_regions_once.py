"""ocr.id_copy levels the page once for both region searches: the same regions as levelling twice.

read_copy's output (and so calibration/crosscheck.json's evidence) must not move by a
bit; this checks the shared levelled copy gives exactly the regions of the old path.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from ocr import page_kind
from ocr.id_copy import _regions, find_cards, text_blocks
from synth.id_copies import copy_page


def _page(kind: str, seed: int, fax: bool) -> np.ndarray:
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    return copy_page(kind, (1654, 2339), nrng, rng, 200, fax=fax)[0]


@pytest.mark.parametrize(("kind", "fax"), [("license", False), ("notification+license", True),
                                           ("juminhyo", False), ("passport", True), ("other", False)])
def test_regions_from_one_levelled_copy_equal_levelling_twice(kind: str, fax: bool) -> None:
    gray = _page(kind, 11, fax)
    cards = find_cards(gray)  # each levels the page itself (the path before)
    blocks = text_blocks(gray, cards)
    before = (sorted([*cards, *blocks], key=lambda r: (r[1], r[0])), True) if cards else \
        ((blocks, True) if 2 <= len(blocks) <= 4 else ([], False))
    assert _regions(gray) == before


def test_a_given_level_is_used_not_recomputed() -> None:
    gray = _page("license", 12, False)
    level = page_kind._work_copy(gray)
    assert find_cards(gray, level) == find_cards(gray)
    white = np.ones_like(level)  # a levelled copy with no ink: no card, whatever the page shows
    assert find_cards(gray, white) == []
    assert text_blocks(gray, [], white) == []
