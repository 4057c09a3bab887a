"""Greedy CTC decoding and constrained alphabets on hand-made logits (no model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ocr.engines.fake import FakeRecognizer
from ocr.engines.onnx_ctc import (
    build_constraint,
    canvas_width,
    greedy_decode,
    load_charset,
    plan_batches,
    resize_norm,
    softmax,
    to_bgr,
)
from ocr.recognizer import Recognizer, TextResult

# A toy dictionary in PaddleX order: blank first, the space PaddleOCR appends last.
CHARSET = ["blank", "1", "7", "l", "I", "１", "-", "ー", "一", "年", "a", "　", " "]
IDX = {c: i for i, c in enumerate(CHARSET)}


def logits(*frames: dict[str, float] | str, strength: float = 8.0) -> np.ndarray:
    """One frame per argument: a char (that char wins) or {char: logit} (others 0)."""
    out = np.zeros((len(frames), len(CHARSET)), np.float32)
    for t, f in enumerate(frames):
        if isinstance(f, str):
            out[t, IDX["blank" if f == "_" else f]] = strength
        else:
            for c, v in f.items():
                out[t, IDX[c]] = v
    return out


def decode(*frames: dict[str, float] | str, alphabet: str | None = None) -> TextResult:
    probs = softmax(logits(*frames))
    if alphabet is None:
        return greedy_decode(probs, CHARSET)
    c = build_constraint(alphabet, CHARSET)
    reduced, outside = c.reduce(probs)
    return greedy_decode(reduced, c.labels, outside)


def test_repeats_collapse_and_blanks_separate() -> None:
    assert decode("1", "1", "_", "1", "7", "7", "_", "_").text == "117"
    assert decode("_", "_", "_").text == ""
    assert decode("a", "_", "a", "a", "_", "a").text == "aaa"


def test_empty_and_degenerate_inputs() -> None:
    r = decode("_", "_")
    assert r.text == "" and r.confidence == 0.0 and r.char_confidences == ()
    assert greedy_decode(np.zeros((0, len(CHARSET)), np.float32), CHARSET).text == ""


def test_confidence_is_product_of_char_confidences_in_0_1() -> None:
    r = decode("1", {"7": 2.0, "l": 1.5}, "_", "年")
    assert r.text == "17年"
    assert len(r.char_confidences) == 3
    assert all(0.0 < c <= 1.0 for c in r.char_confidences)
    assert r.confidence == pytest.approx(float(np.prod(r.char_confidences)), rel=1e-6)
    assert r.char_confidences[1] < 0.6 < r.char_confidences[0]
    assert 0.0 <= r.confidence <= min(r.char_confidences)


def test_char_confidence_is_best_frame_of_its_run_mean_is_paddles_first_frame() -> None:
    probs = softmax(logits({"7": 1.0}, "7", "_"))
    r = greedy_decode(probs, CHARSET)
    assert r.text == "7"
    assert r.char_confidences[0] == pytest.approx(float(probs[1].max()))
    assert r.mean_confidence == pytest.approx(float(probs[0].max()))  # PaddleOCR's rec_score


def test_space_is_the_last_class() -> None:
    assert decode("1", " ", "7").text == "1 7"


def test_constraint_picks_best_allowed_char() -> None:
    frames = ({"l": 6.0, "1": 4.0, "7": 1.0}, "_", {"I": 5.0, "7": 3.0, "1": 2.5})
    assert decode(*frames).text == "lI"
    r = decode(*frames, alphabet="0123456789")
    assert r.text == "17"
    assert set(r.text) <= set("0123456789")


def test_constraint_renormalises_over_allowed_and_blank() -> None:
    probs = softmax(logits({"l": 6.0, "1": 3.0, "7": 3.0}))
    c = build_constraint("17", CHARSET)
    reduced, outside = c.reduce(probs)
    assert outside > 0.9  # 'l' held most of the mass
    assert reduced.shape == (1, len(c.labels))
    assert reduced.sum() == pytest.approx(1.0, abs=1e-6)
    r = greedy_decode(reduced, c.labels)  # outside mass not applied here
    # '1' and '7' tie; the blank is tiny next to them: confidence ~0.5, not ~0.05
    assert r.text in ("1", "7") and 0.45 < r.confidence < 0.55


def test_constraint_never_leaves_the_alphabet() -> None:
    rng = np.random.default_rng(0)
    c = build_constraint("17", CHARSET)
    for _ in range(50):
        probs = softmax(rng.normal(0, 3, (12, len(CHARSET))).astype(np.float32))
        reduced, outside = c.reduce(probs)
        r = greedy_decode(reduced, c.labels, outside)
        assert set(r.text) <= {"1", "7"} and 0.0 <= r.confidence <= 1.0


def test_fullwidth_twin_maps_to_canonical_char() -> None:
    assert decode("１", "_", "7").text == "１7"
    assert decode("１", "_", "7", alphabet="0123456789").text == "17"
    # twins share one class: '1' then '１' with no blank between is one character
    assert decode("1", "１", "1", alphabet="0123456789").text == "1"
    # and their probabilities add up
    r = decode({"１": 3.0, "1": 3.0, "7": 3.5}, alphabet="17")
    assert r.text == "1"


def test_dash_family_maps_to_the_allowed_dash() -> None:
    assert decode("1", "ー", "7", alphabet="0123456789-").text == "1-7"
    assert decode("1", "一", "7", alphabet="0123456789-").text == "1-7"
    assert decode("1", "-", "7", alphabet="0123456789ー").text == "1ー7"
    # a character allowed in its own right is never folded into another
    assert decode("1", "一", "ー", alphabet="ー一1").text == "1一ー"


def test_fullwidth_space_is_a_twin_of_space() -> None:
    assert decode("a", "　", "a", alphabet="a ").text == "a a"
    assert decode("a", "　", "a", alphabet="a").text == "aa"


def test_forbidden_content_lowers_confidence_spaces_do_not() -> None:
    # '1年7' under digits: the '年' frame is dropped; the reading must not be confident
    r = decode("1", "_", "年", "_", "7", alphabet="0123456789")
    assert r.text == "17"
    assert r.outside_mass > 0.99 and r.confidence < 0.01
    assert all(c > 0.99 for c in r.char_confidences)
    # a space between digits is a separator, not lost content
    spaced = decode("1", "_", " ", "_", "7", alphabet="0123456789")
    assert spaced.text == "17" and spaced.outside_mass < 0.01 and spaced.confidence > 0.99
    # unconstrained decoding never has outside mass
    assert decode("1", "年").outside_mass == 0.0


def test_constraint_labels_and_unknown_chars() -> None:
    c = build_constraint("1Z1", CHARSET)  # 'Z' is not in the dictionary: ignored
    assert c.labels == ("", "1")
    assert c.indices[0] == 0  # class 0 is the blank, with the spaces
    assert sorted(CHARSET[i] for i in c.indices[c.starts[0] : c.starts[1]]) == [" ", "blank", "　"]
    assert sorted(CHARSET[i] for i in c.indices[c.starts[1] :]) == ["1", "１"]


def test_load_charset_follows_paddlex(tmp_path: Path) -> None:
    yml = tmp_path / "inference.yml"
    yml.write_text(
        "PostProcess:\n  name: CTCLabelDecode\n  character_dict:\n  - a\n  - '1'\n  - 'y'\n",
        encoding="utf-8",
    )
    assert load_charset(yml) == ["blank", "a", "1", "y", " "]
    yml.write_text("PostProcess:\n  name: AttnLabelDecode\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_charset(yml)


def test_preprocessing_matches_paddlex_geometry() -> None:
    assert canvas_width(48, 100) == 320  # short crops: padded to 320
    assert canvas_width(30, 600) == 960  # long crops: 48 * w / h
    assert canvas_width(10, 2000) == 3200  # very long: squeezed to 3200
    img = np.full((24, 80), 255, np.uint8)
    x = resize_norm(to_bgr(img), canvas_width(24, 80))
    assert x.shape == (3, 48, 320) and x.dtype == np.float32
    assert np.allclose(x[:, :, :160], 1.0) and np.allclose(x[:, :, 160:], 0.0)


def test_plan_batches_groups_equal_widths() -> None:
    assert plan_batches([320, 640, 320, 320], max_batch=8, width_tolerance=0.0) == [
        [0, 2, 3],
        [1],
    ]
    assert plan_batches([320] * 5, max_batch=2, width_tolerance=0.0) == [[0, 1], [2, 3], [4]]
    assert plan_batches([320, 352], max_batch=8, width_tolerance=0.25) == [[0, 1]]


def test_fake_recognizer_follows_the_protocol() -> None:
    fake = FakeRecognizer({0: "山田", 1: ("123", 0.5)})
    assert isinstance(fake, Recognizer)
    crops = [np.zeros((10, 40), np.uint8)] * 3
    out = fake.recognize(crops, [None, "0123456789", None])
    assert [r.text for r in out] == ["山田", "123", ""]
    assert out[1].confidence == 0.5 and out[2].confidence == 0.0
    assert fake.calls == [((10, 40), None), ((10, 40), "0123456789"), ((10, 40), None)]
    by_alphabet = FakeRecognizer(lambda i, crop, alphabet: "7" if alphabet else "ア")
    assert [r.text for r in by_alphabet.recognize(crops[:2], ["0123456789", None])] == ["7", "ア"]
    with pytest.raises(ValueError):
        fake.recognize(crops, [None])
