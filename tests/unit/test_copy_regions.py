"""Where the cards are on an attached page (ocr.id_copy), without the recogniser.

A fax copy often loses a card's outline (1-bit, half resolution): the card is then found
as a block of print with white all round. Pages of one A4 document (住民票, a letter)
have no card at all.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from ocr.id_copy import _regions, find_cards
from synth.id_copies import copy_page

TWO_CARDS = ("mynumber_front+mynumber_back", "notification+license", "notification+passport")


def _page(kind: str, seed: int, fax: bool, turned: bool = False) -> np.ndarray:
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    img, _ = copy_page(kind, (1654, 2339), nrng, rng, 200, fax=fax, turned=turned)
    return img


@pytest.mark.parametrize("fax", [False, True])
def test_two_cards_on_one_page_give_two_regions_also_on_fax(fax: bool) -> None:
    found = [len(_regions(_page(kind, seed, fax))[0]) for kind in TWO_CARDS for seed in range(200, 208)]
    right = sum(n == 2 for n in found) / len(found)
    assert right >= (1.0 if not fax else 0.9), found


def test_whole_page_documents_have_no_card_region() -> None:
    for kind in ("juminhyo", "other"):
        for seed in range(300, 304):
            for fax in (False, True):
                regions, is_card = _regions(_page(kind, seed, fax))
                assert regions == [] and not is_card, (kind, seed, fax)


def test_a_card_fed_upside_down_is_still_found_where_it_lies() -> None:
    upright = find_cards(_page("license", 5, False))
    turned = find_cards(_page("license", 5, False, turned=True))
    assert len(upright) == len(turned) == 1
    x, y, w, h = upright[0]
    tx, ty, tw, th = turned[0]
    assert abs(tw - w) <= 3 and abs(th - h) <= 3
    assert abs((tx + tw) - (1654 - x)) <= 3 and abs((ty + th) - (2339 - y)) <= 3


def test_a_blank_page_has_no_region() -> None:
    assert _regions(np.full((2339, 1654), 250, np.uint8)) == ([], False)
