"""read_copy_scored returns, bit for bit, what it returned before the speed-ups of issue 19.

calibration/crosscheck.json's evidence was measured with ocr.copy_lines.read_copy_scored:
its lines, per-line confidences, boxes and kind guesses must not move when it is made
faster. The digests below were taken with the code before (commit 81fb81e) on these
synthetic copies (office and fax, one fed upside down); a change of output, however
small, changes a digest. No value is stored here, only digests.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import numpy as np
import pytest

from ocr.copy_lines import read_copy_scored
from synth.id_copies import copy_page

KINDS = ["mynumber_front", "mynumber_back", "notification", "license", "passport", "juminhyo", "other",
         "mynumber_front+mynumber_back", "notification+license", "notification+passport"]
# page number (see page()) → sha256 of the reading: office front, a licence fed upside down,
# fax passport, fax 住民票, fax page of two cards
DIGESTS: dict[int, str] = {
    0: "a4ad0965d11871b9fc1bc835d3f5522f93eac480d0a51817a064cacf1deb9c52",
    3: "0faab9c2c44341af9f8d0167a0d60e3cf0a380df399ff8306a2973943be2ffa2",
    14: "e37168b35ca49fffe3701930542d961f2d7cfc4805c19972aa0c4c81725a7a05",
    15: "b361bd814f062a70e295d16fa8f89a263a95aaf29c7a9f69a0f459a6eb7f077d",
    18: "d248a0987e7d5dbe7b44af9adfd6866183aa30f020a48d7bc700391415c0f01b",
}


@pytest.fixture(scope="module")
def recognizer() -> Any:
    from services.compose import build_recognizer

    return build_recognizer()


def page(i: int) -> np.ndarray:
    """Copy ``i`` of the identity check: kinds in turn, every other ten fax, every 7th from 3 turned."""
    rng, nrng = random.Random(7000 + i), np.random.default_rng(7000 + i)
    fax = (i // len(KINDS)) % 2 == 1
    return copy_page(KINDS[i % len(KINDS)], (1654, 2339), nrng, rng, 200, fax=fax, turned=(i % 7 == 3))[0]


def digest(reading: Any, boxes: list[Any], scores: list[Any]) -> str:
    body = repr(([(g.kind.value, g.confidence) for g in reading.guesses], reading.lines, reading.cards,
                 reading.turned, boxes, scores))
    return hashlib.sha256(body.encode()).hexdigest()


@pytest.mark.parametrize("i", sorted(DIGESTS))
def test_the_copy_reading_is_unchanged(recognizer: Any, i: int) -> None:
    reading, boxes, scores = read_copy_scored(page(i), recognizer)
    assert digest(reading, boxes, scores) == DIGESTS[i]
