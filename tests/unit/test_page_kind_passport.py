"""A single passport page copied enlarged is an ID copy, not an unknown form (ocr.page_kind).

A passport's data page is 125 x 88 mm: copied at 1.35-1.5x it spans more of the page's
width than an ID-1 card ever does, so the page check used to find no card on it and sent
it to a person as ``unidentified`` (the demo's stack seeds 11026 and 11028). It now
counts as a card when it is shaped like a passport page and holds a photo; a form's
frame of the same size (print and rules, no photo) still does not.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from domain.model import PageReading
from domain.status import PageStatus
from forms.fonts import form_font, pil_font
from forms.loader import load_templates
from ocr import paper, preprocess
from ocr.page_identity import identify_page
from ocr.page_kind import assess
from synth.id_copies import copy_page
from synth.stack import StackOptions, generate_stack

from realforms import fake_reader  # isort: skip

A4 = (1654, 2339)  # px at 200 dpi
PX_MM = 200 / 25.4


def _passport(seed: int, fax: bool = False) -> tuple[np.ndarray, float]:
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    img, info = copy_page("passport", A4, nrng, rng, 200, fax=fax)
    return img, float(info["scale"])


@pytest.mark.parametrize("seed", [103, 104, 127])  # copied at 1.41-1.45x
def test_an_enlarged_passport_copy_is_a_card_copy(seed: int) -> None:
    img, scale = _passport(seed)
    assert scale > 1.35  # beyond what an ID-1 card's size allowed
    kind = assess(paper.whiten_outside_paper(preprocess.to_gray(img)))  # as the page check sees it
    assert kind.card_copy and kind.non_form, kind.reason


def _frame_page(photo: bool, grey: bool = False, table: bool = False) -> np.ndarray:
    """A page holding one passport-sized frame (185 x 130 mm) of print and rules."""
    page = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(page)
    x0, y0 = round(12 * PX_MM), round(40 * PX_MM)
    x1, y1 = x0 + round(185 * PX_MM), y0 + round(130 * PX_MM)
    draw.rectangle((x0, y0, x1, y1), outline=0, width=3, fill=200 if grey else 255)
    font = pil_font(form_font(), 28)
    for k in range(8):
        y = y0 + round((12 + 14 * k) * PX_MM)
        draw.text((x0 + round(70 * PX_MM), y), "申請者の氏名及び住所を記入してください", fill=0, font=font)
    if table:  # a form's ruling: a row under every line of print, a label column
        for k in range(9):
            y = y0 + round((10 + 14 * k) * PX_MM)
            draw.line((x0, y, x1, y), fill=0, width=2)
        draw.line((x0 + round(60 * PX_MM), y0, x0 + round(60 * PX_MM), y1), fill=0, width=2)
    if photo:
        draw.rectangle((x0 + round(8 * PX_MM), y0 + round(20 * PX_MM), x0 + round(50 * PX_MM),
                        y0 + round(75 * PX_MM)), fill=40)
    return np.asarray(page, np.uint8)


def test_a_passport_sized_frame_of_print_is_not_a_card() -> None:
    for grey in (False, True):
        kind = assess(_frame_page(photo=False, grey=grey))
        assert not kind.card_copy, kind.reason
    # the same frame with a photo in it is what a passport copy looks like
    assert assess(_frame_page(photo=True)).card_copy
    # ... unless it is ruled like a form (a shaded label cell is no photo there)
    ruled = assess(_frame_page(photo=True, table=True))
    assert not ruled.card_copy and not ruled.non_form, ruled.reason


def test_the_passport_pages_of_the_demo_stack_seeds_are_attachments_not_unknown_forms() -> None:
    templates = load_templates(Path("templates"))
    chosen = [templates["onestop_2022"], templates["onestop_legacy"]]
    reader = fake_reader(templates)
    opts = StackOptions(envelopes=3, missing=0.0, incomplete=(1,), extra=0.0, blank_back=0.0,
                        upside_down=0.0, degrade=True)
    seen = 0
    for seed in (11026, 11028):
        doc = generate_stack(chosen, seed, opts, name="stack")
        for i, (img, truth) in enumerate(zip(doc.pages, doc.truth["pages"], strict=True)):
            if truth.get("copy_kind") != "passport":
                continue
            gray = paper.whiten_outside_paper(preprocess.to_gray(img))
            found = identify_page(gray, reader, i)
            assert isinstance(found, PageReading) and found.status is PageStatus.NON_FORM, (seed, i)
            seen += 1
    assert seen == 2

