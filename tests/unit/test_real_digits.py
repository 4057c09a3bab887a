"""Real handwritten digits: the fixed column split, the glyphs, and the synthesiser's use of them."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from domain.model import FormTemplate
from forms.loader import load_templates
from synth import fill, real_digits
from synth.generate import SynthOptions, generate_document
from synth.real_digits import DIGIT_MODES, SPLIT_COLUMNS, SYNTH_SPLITS, digit_cells, real_glyph

DPI = 100
HAND = SynthOptions(dpi=DPI, style="handwriting", degrade=False, rotate180_prob=0.0, id_copy_prob=0.0,
                    blank_page_prob=0.0)


@pytest.fixture(scope="module")
def templates() -> dict[str, FormTemplate]:
    return load_templates()


def _with(opts: SynthOptions, **kw: object) -> SynthOptions:
    return SynthOptions(**{**opts.__dict__, **kw})


def test_split_columns_are_disjoint_and_inside_the_file(realdata: Path) -> None:
    cols = [c for r in SPLIT_COLUMNS.values() for c in r]
    assert len(cols) == len(set(cols)), "splits overlap"
    assert set(cols) == set(range(real_digits.GRID)), "every column of digits_dev.png in one split"
    assert max(cols) < 50, "columns 50-99 are reserved for independent evaluation"
    assert SPLIT_COLUMNS["train"] == range(0, 25)
    assert SPLIT_COLUMNS["calib"] == range(25, 38) and SPLIT_COLUMNS["eval"] == range(38, 50)
    assert "train" not in SYNTH_SPLITS
    assert not any("train" in m for m in DIGIT_MODES)
    assert real_digits.digits_png().resolve() == (realdata / real_digits.DIGITS_FILE).resolve()


def test_cells_per_split() -> None:
    for split, cols in SPLIT_COLUMNS.items():
        cells = digit_cells(split)
        assert sorted(cells) == list(range(10))
        for cs in cells.values():
            assert len(cs) == real_digits.ROWS_PER_DIGIT * len(cols)
            assert all(c.shape == (20, 20) and c.dtype == np.uint8 for c in cs)
            assert all(c.max() > 150 and np.median(c) < 30 for c in cs)  # white ink on black
    calib, ev = digit_cells("calib")[7], digit_cells("eval")[7]
    assert not any(np.array_equal(a, b) for a in calib for b in ev)
    with pytest.raises(ValueError):
        digit_cells("test")


def test_train_split_is_never_drawn() -> None:
    with pytest.raises(ValueError, match="synthesiser"):
        real_glyph(3, 30, 3.0, 20, 0.0, random.Random(0), "train")
    for mode in DIGIT_MODES:
        for k in range(20):
            split = real_digits.split_for(mode, True, random.Random(k))
            assert split in (None, *SYNTH_SPLITS)
    with pytest.raises(ValueError):
        real_digits.split_for("real-train", True, random.Random(0))


@pytest.mark.parametrize("height", [12, 24, 40])
def test_glyph_dark_on_white_at_the_requested_height(height: int) -> None:
    rng = random.Random(height)
    for d in range(10):
        g = real_glyph(d, height, max(1.5, height / 10), 30, 0.0, rng, "eval")
        assert g.dtype == np.uint8 and g.ndim == 2
        border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
        assert border.min() >= 250, "white around the digit"
        assert g.min() <= 60, "dark ink"
        ys, _ = np.nonzero(g < 128)
        assert abs((ys.max() - ys.min() + 1) - height) <= max(2, 0.12 * height), (d, height)


def test_glyph_stroke_follows_the_pen_and_width_is_capped() -> None:
    thin = [real_glyph(8, 40, 2.0, 0, 0.0, random.Random(s), "eval") for s in range(10)]
    thick = [real_glyph(8, 40, 6.0, 0, 0.0, random.Random(s), "eval") for s in range(10)]
    assert sum((g < 128).sum() for g in thick) > 1.8 * sum((g < 128).sum() for g in thin)
    g = real_glyph(0, 40, 3.0, 0, 0.0, random.Random(1), "eval", max_width_px=10)
    _, xs = np.nonzero(g < 128)
    assert xs.max() - xs.min() + 1 <= 12


def test_glyph_ink_level_and_rotation() -> None:
    light = real_glyph(1, 30, 3.0, 130, 0.0, random.Random(2), "calib")
    assert 120 <= light.min() <= 140
    straight = real_glyph(1, 30, 3.0, 0, 0.0, random.Random(3), "calib")
    turned = real_glyph(1, 30, 3.0, 0, 30.0, random.Random(3), "calib")
    assert straight.shape != turned.shape or not np.array_equal(straight, turned)


def test_default_is_the_font_and_never_touches_real_digits(templates: dict[str, FormTemplate],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    t = templates["onestop_2022"]
    before = generate_document(t, 11, SynthOptions(dpi=DPI))

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("the font path drew a real digit")

    monkeypatch.setattr(fill, "real_glyph", boom)
    default = generate_document(t, 11, SynthOptions(dpi=DPI))
    explicit = generate_document(t, 11, SynthOptions(dpi=DPI, digits="font"))
    assert SynthOptions().digits == "font"
    assert default.truth == explicit.truth == before.truth and default.truth["digits"] == "font"
    assert all(np.array_equal(a, b) for a, b in zip(default.pages, explicit.pages, strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(default.pages, before.pages, strict=True))


def test_real_digits_deterministic_and_only_digits_change(templates: dict[str, FormTemplate]) -> None:
    t = templates["onestop_2022"]
    real = _with(HAND, digits="real-eval")
    a, b = generate_document(t, 5, real), generate_document(t, 5, real)
    font = generate_document(t, 5, HAND)
    assert a.truth == b.truth and a.truth["digits"] == "real-eval" and font.truth["digits"] == "font"
    assert np.array_equal(a.pages[0], b.pages[0])
    assert not np.array_equal(a.pages[0], font.pages[0])
    strip = dict(a.truth, digits="font")
    assert strip == font.truth, "same values, layout and boxes: only the digits' pixels differ"
    other = generate_document(t, 6, real)
    assert not np.array_equal(other.pages[0], a.pages[0])
    calib = generate_document(t, 5, _with(HAND, digits="real-calib"))
    assert calib.truth["digits"] == "real-calib" and not np.array_equal(calib.pages[0], a.pages[0])


def test_real_digits_are_drawn_only_where_digits_are(templates: dict[str, FormTemplate]) -> None:
    """Pixels change only inside fields whose text has an ASCII digit."""
    from forms.render import PageGeometry

    t = templates["onestop_2022"]
    geo = PageGeometry.for_template(t, DPI)
    a = generate_document(t, 8, _with(HAND, digits="real-eval"))
    font = generate_document(t, 8, HAND)
    diff = a.pages[0] != font.pages[0]
    for f in t.fields_on(1):
        x0, y0, x1, y1 = geo.box_px(f.box)
        text = a.truth["pages"][0]["fields"][f.id]["text"] or ""
        if any(c.isascii() and c.isdigit() for c in text):
            assert diff[y0:y1, x0:x1].any(), f.id
        diff[y0:y1, x0:x1] = False
    assert not diff.any()


def test_printed_and_mixed_documents(templates: dict[str, FormTemplate]) -> None:
    t = templates["furusato_application"]
    printed = generate_document(t, 3, _with(HAND, style="printed", digits="real-eval"))
    assert printed.truth["digits"] == "font"
    mixed = {generate_document(t, s, _with(HAND, digits="mixed-calib")).truth["digits"] for s in range(12)}
    assert mixed == {"font", "real-calib"}
    with pytest.raises(ValueError):
        generate_document(t, 3, _with(HAND, digits="real-train"))
