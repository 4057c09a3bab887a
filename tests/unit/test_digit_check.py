"""The third digit classifier (ocr/digit_check.py): accuracy on real handwriting it never
trained on, its veto on the second reader's cut, and the model file's provenance.

Real digits: the test columns 38-49 of the shared MNIST sheet (the model was trained on
columns 0-24 only). Measured once (scripts/train_digit_check.py --eval): 96.7 % of the
600 scanned-stroke digits and 96.3 % of the 600 pen-written ones; the floors below are
those figures minus a margin.
"""

from __future__ import annotations

import json
import zipfile

import cv2
import numpy as np
import pytest

from ocr.digit_check import CLASSES, MODEL_PATH, SIZE, DigitCheck, deskew, features
from ocr.digits import DigitReader, DigitReading, char_glyph
from synth.real_digits import digits_png

EVAL_COLS = range(38, 50)


@pytest.fixture(scope="module")
def check() -> DigitCheck:
    return DigitCheck()


@pytest.fixture(scope="module")
def eval_glyphs() -> tuple[np.ndarray, np.ndarray]:
    """The 600 test-column digits as the digit reader normalises them, and their labels."""
    im = cv2.imread(str(digits_png()), cv2.IMREAD_GRAYSCALE)
    assert im is not None and im.shape == (1000, 1000)
    cells = im.reshape(50, 20, 50, 20).transpose(0, 2, 1, 3)
    glyphs, labels = [], []
    for r in range(50):
        for c in EVAL_COLS:
            g = char_glyph(cv2.resize(255 - cells[r, c], (50, 50), interpolation=cv2.INTER_LINEAR))
            assert g is not None
            glyphs.append(g)
            labels.append(r // 5)
    return np.stack(glyphs), np.array(labels)


def test_reads_real_test_column_digits(check: DigitCheck, eval_glyphs: tuple[np.ndarray, np.ndarray]) -> None:
    glyphs, labels = eval_glyphs
    p = check.probabilities(glyphs)
    assert p.shape == (600, len(CLASSES))
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-4)
    acc = float((p.argmax(axis=1) == labels).mean())
    assert acc >= 0.94, acc
    # every digit class is read, not a few classes carrying the mean
    per_digit = [float((p.argmax(axis=1)[labels == d] == d).mean()) for d in range(10)]
    assert min(per_digit) >= 0.8, per_digit


def test_it_errs_apart_from_the_digit_reader(check: DigitCheck,
                                             eval_glyphs: tuple[np.ndarray, np.ndarray]) -> None:
    """Where the MLP misreads a test digit, the third classifier mostly doubts that digit."""
    glyphs, labels = eval_glyphs
    mlp = DigitReader().probabilities(glyphs)[:, :10].argmax(axis=1)
    wrong = np.flatnonzero(mlp != labels)
    assert len(wrong) > 0
    p3 = check.probabilities(glyphs[wrong])
    doubted = p3[np.arange(len(wrong)), mlp[wrong]] < 0.5
    assert doubted.mean() >= 0.5, (int(doubted.sum()), len(wrong))


def test_check_compares_glyph_by_glyph_on_the_same_cut(check: DigitCheck,
                                                        eval_glyphs: tuple[np.ndarray, np.ndarray]) -> None:
    glyphs, labels = eval_glyphs
    p = check.probabilities(glyphs)
    # a clearly read 2 and a clearly read 7 of the test columns
    two = next(i for i in np.flatnonzero(labels == 2) if p[i, 2] > 0.95)
    seven = next(i for i in np.flatnonzero(labels == 7) if p[i, 7] > 0.95)
    second = DigitReading("27", (0.9, 0.9), glyphs=(glyphs[two], glyphs[seven]))
    assert check.check("27", second) == pytest.approx(min(p[two, 2], p[seven, 7]), abs=1e-5)
    assert check.check("２-7", second) == pytest.approx(min(p[two, 2], p[seven, 7]), abs=1e-5)
    doubted = check.check("17", second)  # OCR's "1" where the glyph is a clear 2
    assert doubted is not None and doubted < 0.05
    assert check.check("127", second) is None  # another number of digits: nothing to compare
    assert check.check("", second) is None
    assert check.check("<script>", second) is None
    assert check.check("27", DigitReading("27", (0.9, 0.9))) is None  # no glyphs kept


def test_deskew_stands_a_slanted_stroke_upright() -> None:
    g = np.zeros((SIZE, SIZE), np.float32)
    for y in range(4, 24):  # a bar leaning right by 0.5 px per row
        x = 14 + (14 - y) // 2
        g[y, x - 1: x + 2] = 1.0
    upright = deskew(g)
    cols = np.flatnonzero(upright.sum(axis=0) > 0.5)
    assert len(cols) <= 5, cols  # the leaning bar spans ~12 columns before
    assert deskew(np.zeros((SIZE, SIZE), np.float32)).sum() == 0.0  # blank stays blank
    f = features(np.stack([g, upright]))
    assert f.shape == (2, 16 * 16 + 49) and np.isfinite(f).all()


def test_model_file_is_plain_arrays_with_provenance() -> None:
    with np.load(MODEL_PATH, allow_pickle=False) as z:
        names = set(z.files)
        meta = json.loads(str(z["meta"]))
    assert {"landmarks", "gamma", "weights", "bias", "classes", "meta"} <= names
    assert meta["training_columns"] == "0-24"
    with zipfile.ZipFile(MODEL_PATH) as zf:  # fixed timestamps: a rebuild is byte-identical
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
