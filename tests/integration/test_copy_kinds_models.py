"""ID-copy kinds with the real recogniser: copies fed upside down, and fax pages of two cards."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from domain.id_copy import SURE
from ocr.id_copy import find_cards, read_copy
from synth.id_copies import copy_page


@pytest.fixture(scope="module")
def recognizer() -> Any:
    from services.compose import build_recognizer

    return build_recognizer()


def _page(kind: str, seed: int, fax: bool = False, turned: bool = False) -> np.ndarray:
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    return copy_page(kind, (1654, 2339), nrng, rng, 200, fax=fax, turned=turned)[0]


@pytest.mark.parametrize("kind", ["license", "mynumber_back", "juminhyo", "notification+license"])
def test_a_copy_fed_upside_down_is_read_turned_and_its_kind_is_right(recognizer: Any, kind: str) -> None:
    got = read_copy(_page(kind, 41, turned=True), recognizer)
    assert got.turned
    assert "+".join(g.kind.value for g in got.guesses) == kind
    assert min(g.confidence for g in got.guesses) >= SURE


def test_an_upright_page_without_id_words_is_not_read_again_turned(recognizer: Any) -> None:
    got = read_copy(_page("other", 42), recognizer)
    assert not got.turned and [g.kind.value for g in got.guesses] == ["other"]


def test_fax_pages_of_two_cards_whose_outline_was_lost_are_read_card_by_card(recognizer: Any) -> None:
    # pages where the 1-bit copy kept too little of a card's outline to find it as a card
    kinds = ("notification+license", "notification+passport")
    lost = [(kind, seed) for kind in kinds for seed in range(60, 90)
            if len(find_cards(_page(kind, seed, fax=True))) < 2][:3]
    assert lost
    for kind, seed in lost:
        got = read_copy(_page(kind, seed, fax=True), recognizer)
        assert "+".join(g.kind.value for g in got.guesses) == kind, (kind, seed)
