"""A third, independent digit classifier: a veto on digit fields both other readers agree on.

PP-OCR reads the field as a line (CTC); :mod:`ocr.digits` cuts it into characters and
classifies each with an MLP over pixels + HOG. When both read the same wrong digits
(a real handwritten 2 read as 1 by both), nothing else objects. This classifier is
built differently on purpose, so its errors are less correlated with theirs:

- **features**: each glyph (the very cut :mod:`ocr.digits` chose, its ``glyphs``) is
  deskewed by its second-order moments (a slanted 1 or 7 stands upright), then described
  by a 16-direction gradient histogram on a 4x4 grid (signed directions, Sobel,
  Hellinger-normalised: square root of the L1-normalised histogram), plus its ink on a
  coarse 7x7 grid;
- **model**: a kernel machine: an RBF kernel against a fixed set of training glyphs
  (Nyström landmarks), then a multinomial logistic regression, all folded into plain
  arrays (``landmarks``, ``gamma``, ``weights``, ``bias``): ``softmax(exp(-gamma *
  |x - landmark|^2) @ weights + bias)``. Classes: the ten digits and "not a digit".

It is trained only on MNIST columns 0-24 of the shared sheet and on font renders
(``scripts/train_digit_check.py``; data and licence in ``ocr/data/README.md``).

Use: :func:`check` gives the classifier's least probability of the OCR's digits on the
digit reader's cut, when the cut holds as many digits as the OCR read (else ``None``:
nothing to compare position by position). ``ocr/fields.py`` sends a digit field to
staff (issue ``digit_veto``) when that probability is below :data:`VETO_BELOW`.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from domain import signals as sig
from domain.model import FieldReading, FieldSpec
from domain.reading import Issue
from domain.status import FieldKind, IssueCode
from ocr.digits import SIZE, DigitReading, digits_of

MODEL_PATH = Path(__file__).resolve().parent / "data" / "digit_check.npz"
CLASSES = "0123456789?"
BINS = 16  # gradient directions (signed, 0..2π)
GRID = 4  # gradient histogram cells per side
POOL = 7  # coarse ink grid per side
# The veto: a field goes to staff when this classifier gives one of the OCR's digits less
# than this probability. Chosen on calibration columns 25-37 only (docs/calibration.md).
VETO_BELOW = 0.3
# the kinds the veto applies to (every kind with a second digit reading on a text crop)
VETO_KINDS = frozenset({FieldKind.DIGITS, FieldKind.AMOUNT, FieldKind.PHONE, FieldKind.POSTAL_CODE,
                        FieldKind.MY_NUMBER, FieldKind.WAREKI_DATE})
MESSAGE = "別の方法で読んだ数字と一致しません"  # never the value itself


def deskew(glyph: np.ndarray) -> np.ndarray:
    """Shear a SIZE x SIZE glyph so its principal axis is vertical (moments, about the centre)."""
    g = np.asarray(glyph, np.float32)
    m = cv2.moments(g)
    if abs(m["mu02"]) < 1e-2:
        return g.copy()
    skew = m["mu11"] / m["mu02"]
    warp = np.array([[1.0, skew, -0.5 * SIZE * skew], [0.0, 1.0, 0.0]], np.float32)
    out = cv2.warpAffine(g, warp, (SIZE, SIZE), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR)
    return np.asarray(out, np.float32)


def features(glyphs: np.ndarray) -> np.ndarray:
    """(N, SIZE, SIZE) glyphs (ink 1.0) -> (N, GRID² x BINS + POOL²) float32 features."""
    glyphs = np.asarray(glyphs, np.float32).reshape(-1, SIZE, SIZE)
    cell = SIZE // GRID
    out = np.zeros((len(glyphs), GRID * GRID * BINS + POOL * POOL), np.float32)
    for n, raw in enumerate(glyphs):
        g = deskew(raw)
        gx = cv2.Sobel(g, cv2.CV_32F, 1, 0)
        gy = cv2.Sobel(g, cv2.CV_32F, 0, 1)
        mag, ang = cv2.cartToPolar(gx, gy)
        b = np.minimum((ang * (BINS / (2 * math.pi))).astype(np.int32), BINS - 1)
        hist = []
        for i in range(GRID):
            for j in range(GRID):
                sl = (slice(i * cell, (i + 1) * cell), slice(j * cell, (j + 1) * cell))
                hist.append(np.bincount(b[sl].ravel(), mag[sl].ravel(), BINS))
        h = np.concatenate(hist)
        h = np.sqrt(h / (h.sum() + 1e-6))  # Hellinger
        pool = cv2.resize(g, (POOL, POOL), interpolation=cv2.INTER_AREA)
        out[n] = np.concatenate([h, pool.ravel() * 0.5])
    return out


class DigitCheck:
    """The third classifier, loaded from plain arrays (no pickle)."""

    def __init__(self, path: Path | str | None = None) -> None:
        src = Path(path) if path is not None else MODEL_PATH
        with np.load(src) as z:
            self.landmarks = np.asarray(z["landmarks"], np.float32)
            self.gamma = float(z["gamma"])
            self.weights = np.asarray(z["weights"], np.float32)
            self.bias = np.asarray(z["bias"], np.float32)
            self.classes = str(z["classes"])
        if self.classes != CLASSES:
            raise ValueError(f"{src}: classes {self.classes!r}, expected {CLASSES!r}")
        self._sq = (self.landmarks ** 2).sum(axis=1)

    def probabilities(self, glyphs: np.ndarray) -> np.ndarray:
        """(N, SIZE, SIZE) glyphs -> (N, 11) probabilities of :data:`CLASSES`."""
        if len(glyphs) == 0:
            return np.zeros((0, len(CLASSES)), np.float32)
        return self.probabilities_from_features(features(glyphs))

    def probabilities_from_features(self, x: np.ndarray) -> np.ndarray:
        """(N, D) :func:`features` -> (N, 11) probabilities."""
        # einsum, not BLAS: small matrices, and threaded GEMM stalls on a busy machine
        d2 = (x ** 2).sum(axis=1)[:, None] + self._sq[None] - 2 * np.einsum(
            "ij,kj->ik", x, self.landmarks, optimize=False)
        k = np.exp(-self.gamma * np.maximum(d2, 0.0))
        z = np.einsum("ij,jk->ik", k, self.weights, optimize=False) + self.bias
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return np.asarray(e / e.sum(axis=1, keepdims=True), np.float32)

    def read(self, glyphs: np.ndarray) -> str:
        """Its own reading of the glyphs ('?' where it sees no digit)."""
        p = self.probabilities(glyphs)
        return "".join(CLASSES[int(k)] for k in p.argmax(axis=1))

    def check(self, ocr_text: str, second: DigitReading) -> float | None:
        """Its least probability of the OCR's digits, glyph by glyph on the digit reader's cut.

        ``None`` when there is nothing to compare: no digits, or the cut holds another
        number of digits than the OCR read (the second reading disagrees already).
        """
        digits = digits_of(ocr_text)
        if not digits or len(second.glyphs) != len(digits):
            return None
        p = self.probabilities(np.stack(second.glyphs))
        return float(min(p[i, int(d)] for i, d in enumerate(digits)))


@cache
def default_check() -> DigitCheck:
    """The shipped classifier, loaded once (immutable, shareable between threads)."""
    return DigitCheck()


def veto(spec: FieldSpec, reading: FieldReading, ocr_text: str, second: DigitReading,
         signals: dict[str, float], check: DigitCheck | None = None,
         below: float | None = None) -> FieldReading:
    """Record the third classifier's evidence in ``signals`` (in place) and flag a doubted field.

    A field of :data:`VETO_KINDS` whose OCR digits the classifier gives less than
    ``below`` (default :data:`VETO_BELOW`) on some glyph gets the issue ``digit_veto``:
    a rule, so it goes to staff whatever it scores (reason ``readings_disagree``). A field
    that a rule flagged already keeps its first reason. The veto only removes accepts.
    """
    p = (check or default_check()).check(ocr_text, second)
    if p is None:
        return reading
    signals[sig.THIRD_CONF] = round(p, 5)
    limit = VETO_BELOW if below is None else below
    if spec.kind not in VETO_KINDS or p >= limit:
        return reading
    issue = Issue(code=IssueCode.DIGIT_VETO, message=MESSAGE, field_id=spec.id)
    return reading.model_copy(update={"issues": [*reading.issues, issue]})
