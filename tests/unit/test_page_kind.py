"""Form-likeness and card evidence of a page nobody identified (ocr.page_kind).

``non_form`` needs positive evidence (a card-shaped copy; little ink and no structure);
anything that looks like a form must not be filed as one.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from domain.model import FormTemplate
from forms.render import qr_box
from ocr.page_kind import assess
from synth import degrade
from synth.generate import SynthOptions, generate_document

DPI = 200
A4 = (1654, 2339)  # px at 200 dpi
CLEAN = SynthOptions(degrade=False, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0)


def _px(mm: float) -> int:
    return round(mm * DPI / 25.4)


def photograph(img: np.ndarray, angle: float = 4.0, seed: int = 0) -> np.ndarray:
    """A phone photo of a page: turned by ``angle``, shaded towards one corner, soft, JPEG."""
    rng = np.random.default_rng(seed)
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(250,)).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    light = 1.0 - 0.45 * np.clip(np.hypot((xx - cx) / w, (yy - cy) / h) / 0.9, 0, 1) ** 1.5
    out = cv2.GaussianBlur(out * light * 0.9, (0, 0), 0.9) + rng.normal(0, 4, out.shape)
    _, buf = cv2.imencode(".jpg", np.clip(out, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 70])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def without_identity(img: np.ndarray, template: FormTemplate, page: int) -> np.ndarray:
    """The page with its corner marks and QR code painted out (white rectangles)."""
    out = img.copy()
    for m in template.page(page).marks:
        out[max(0, _px(m.y - 2)):_px(m.y + m.size + 2), max(0, _px(m.x - 2)):_px(m.x + m.size + 2)] = 255
    if template.source != "scanned":
        b = qr_box(template)
        out[max(0, _px(b.y - 2)):_px(b.y2 + 2), max(0, _px(b.x - 2)):_px(b.x2 + 2)] = 255
    return out


def on_a_desk(img: np.ndarray, desk: int = 70) -> np.ndarray:
    """The sheet photographed on a dark desk: 90 % of the frame, slightly turned."""
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 2.0, 0.9)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(desk,))


def _paper() -> np.ndarray:
    return np.full((A4[1], A4[0]), 255, np.uint8)


def _text_line(img: np.ndarray, x: int, y: int, width: int, height: int = 22, ink: int = 30) -> None:
    """A line of 'characters': small dark blobs with gaps (no font needed)."""
    rng = np.random.default_rng(x * 7 + y)
    cx = x
    while cx < x + width:
        cw = int(rng.integers(height // 2, height))
        cv2.rectangle(img, (cx, y + 3), (cx + cw - 6, y + height), (ink,), 2)
        cv2.line(img, (cx + 2, y + height // 2), (cx + cw - 8, y + height // 2), (ink,), 2)
        cx += cw + 4


def _card_copy(outline_only: bool = False, cards: int = 1, enlarge: float = 1.2) -> np.ndarray:
    """A card-sized rectangle (85.6 x 54 mm) with a photo and printed lines; the rest empty."""
    img = _paper()
    cw, ch = _px(85.6 * enlarge), _px(54 * enlarge)
    x0, y = _px(30), _px(25)
    for _ in range(cards):
        cv2.rectangle(img, (x0, y), (x0 + cw, y + ch), (255 if outline_only else 220,), -1)
        cv2.rectangle(img, (x0, y), (x0 + cw, y + ch), (60,), 2)
        cv2.rectangle(img, (x0 + cw - _px(30), y + _px(15)), (x0 + cw - _px(6), y + _px(45)), (140,), -1)
        for k in range(4):
            _text_line(img, x0 + _px(5), y + _px(6 + 9 * k), _px(45))
        y += ch + _px(12)
    return img


def _ruled_table() -> np.ndarray:
    """A generic application form: title, a ruled table of rows and columns."""
    img = _paper()
    _text_line(img, _px(60), _px(20), _px(90), 40)
    x0, x1 = _px(20), _px(190)
    for k in range(13):
        y = _px(40 + 15 * k)
        cv2.line(img, (x0, y), (x1, y), (0,), 2)
        if k < 12:
            _text_line(img, x0 + _px(3), y + _px(4), _px(30))
    for x in (x0, _px(60), x1):
        cv2.line(img, (x, _px(40)), (x, _px(40 + 15 * 12)), (0,), 2)
    return img


def _checkbox_sheet() -> np.ndarray:
    """A questionnaire with no ruling: questions and rows of printed checkboxes."""
    img = _paper()
    for q in range(8):
        y = _px(30 + 28 * q)
        _text_line(img, _px(20), y, _px(120))
        for k in range(4):
            x = _px(25 + 40 * k)
            cv2.rectangle(img, (x, y + _px(10)), (x + _px(4.5), y + _px(14.5)), (0,), 2)
            _text_line(img, x + _px(7), y + _px(10), _px(20))
    return img


def _note(lines: int) -> np.ndarray:
    img = _paper()
    for k in range(lines):
        _text_line(img, _px(25), _px(30 + 8 * k), _px(160))
    return img


@pytest.mark.parametrize("variant", ["clean", "scanned", "photographed", "outline", "front_back",
                                     "landscape", "on_a_desk"])
def test_a_card_shaped_copy_is_positively_not_a_form(variant: str) -> None:
    img = _card_copy(outline_only=variant == "outline", cards=2 if variant == "front_back" else 1)
    if variant == "scanned":
        img, _ = degrade.scan(img, np.random.default_rng(1), DPI)
    elif variant == "photographed":
        img = photograph(img, seed=2)
    elif variant == "landscape":
        img = np.ascontiguousarray(np.rot90(img))
    elif variant == "on_a_desk":  # the desk around the sheet is neither ink nor rules
        img = photograph(on_a_desk(img), angle=0.0, seed=3)
    kind = assess(img)
    assert kind.card_copy and kind.non_form, kind.reason
    assert "card-shaped copy" in kind.reason


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_synthesisers_id_copies_are_card_copies(seed: int) -> None:
    rng = np.random.default_rng(seed)
    back = ["個人番号　1234 5678 9012", "氏名　山田　太郎"] if seed % 2 else None
    front = ["個人番号カード", "氏名　山田　太郎", "住所　東京都千代田区1-1"]
    img, _ = degrade.id_copy_page(A4, rng, DPI, front, back)
    assert assess(img).non_form
    scanned, _ = degrade.scan(img, rng, DPI)
    assert assess(scanned).card_copy


def test_a_form_with_a_card_sized_box_is_not_a_card_copy() -> None:
    """A box to paste the ID copy into, on a form that prints more: the ink is not all in it."""
    img = _ruled_table()
    cv2.rectangle(img, (_px(40), _px(230)), (_px(126), _px(284)), (0,), 2)
    kind = assess(img)
    assert not kind.card_copy and kind.form_like and not kind.non_form, kind.reason


@pytest.mark.parametrize("make", [_ruled_table, _checkbox_sheet], ids=["ruled_table", "checkboxes"])
@pytest.mark.parametrize("photo", ["scan", "photo", "desk"])
def test_form_structure_is_form_like(make, photo: str) -> None:  # type: ignore[no-untyped-def]
    img = make()
    if photo != "scan":
        img = photograph(on_a_desk(img) if photo == "desk" else img, seed=4)
    kind = assess(img)
    assert kind.form_like and not kind.non_form, kind.reason


def test_our_forms_without_marks_and_qr_look_like_forms(templates: dict[str, FormTemplate]) -> None:
    """Every page of every template, corners painted out and photographed at 4°: never non-form."""
    for n, tid in enumerate(sorted(templates)):
        t = templates[tid]
        doc = generate_document(t, 40 + n, CLEAN)
        for k, page in enumerate(doc.pages, 1):
            kind = assess(photograph(without_identity(page, t, k), seed=n + k))
            assert kind.form_like and not kind.non_form, (tid, k, kind.reason)


def test_a_blank_page_and_a_short_note_are_little_ink_without_structure() -> None:
    blank, _ = degrade.blank_page(A4, np.random.default_rng(0), DPI)
    for img in (blank, _note(4), photograph(on_a_desk(_note(4)), angle=0.0)):
        kind = assess(img)
        assert kind.non_form and not kind.form_like and not kind.card_copy, kind.reason
        assert "little ink" in kind.reason


def test_a_dense_page_without_structure_is_not_filed_as_non_form() -> None:
    """A full page of text (a letter, an unknown document): no positive evidence, a person looks."""
    kind = assess(_note(28))
    assert not kind.non_form and not kind.form_like, kind.reason


def test_a_partial_print_match_is_form_like() -> None:
    note = _note(4)
    assert assess(note, structure_score=0.05).non_form
    kind = assess(note, structure_score=0.2)
    assert kind.form_like and not kind.non_form and "print match 0.20" in kind.reason
