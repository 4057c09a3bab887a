"""read_copy_scored returns, bit for bit, what it returned before the speed-ups of issue 19.

calibration/crosscheck.json's evidence was measured with ocr.copy_lines.read_copy_scored:
its lines, per-line confidences (to 3 decimals), boxes and kind guesses must not move
when it is made faster. The digests below were taken with the code before (commit 8551022) on these
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
    0: "a3023163962ebec296f239b9a465e48d4957f0db179b223deb0828b8ab5ae3d9",
    3: "9cd7a7dd012ccdeffa0ac5bf9e6683eed2d74e0be729cfb9c4e88cd53200d993",
    14: "f043805ba7f4fa73e38a07c5f4ce62e536dedd6e5237be4a02279bdd633a7057",
    15: "eb1a324f9f3b4b9050be1a81c541446216330518fd77843c42b3fc6249135011",
    18: "46e9af16d0ca97124dc3b8e2ac58de0ca4fa68acb143c16a24da39ea742747ec",
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


def _r(x: Any) -> float | None:
    """Confidences to 3 decimals: the rule compares them with 0.80 / 0.85; the last bits of an
    ONNX float may differ between CPUs, which must not fail the check."""
    return round(float(x), 3) if x is not None else None


def digest(reading: Any, boxes: list[Any], scores: list[Any]) -> str:
    body = repr(([(g.kind.value, _r(g.confidence)) for g in reading.guesses], reading.lines, reading.cards,
                 reading.turned, boxes, [_r(s) for s in scores]))
    return hashlib.sha256(body.encode()).hexdigest()


@pytest.mark.parametrize("i", sorted(DIGESTS))
def test_the_copy_reading_is_unchanged(recognizer: Any, i: int) -> None:
    reading, boxes, scores = read_copy_scored(page(i), recognizer)
    assert digest(reading, boxes, scores) == DIGESTS[i]
