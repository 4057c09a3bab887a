"""Copies of identity documents as they arrive in a ワンストップ特例 envelope (synthetic).

Kinds (codes of :class:`domain.id_copy.CopyKind`): ``mynumber_front`` / ``mynumber_back``
(マイナンバーカード), ``notification`` (通知カード), ``license`` (運転免許証), ``passport``,
``juminhyo`` (住民票の写し, a whole A4 page), ``other`` (a memo or a 受領証明書) and
``blank``. A page may hold two cards (``"mynumber_front+mynumber_back"``); cards are
enlarged or reduced (0.8-1.5x) and a copy may be fax quality (low resolution, 1-bit).
Printed text only: what a copier reproduces of a real card's print.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from forms.fonts import available_fonts, pil_font
from synth import degrade
from synth.fake import make_my_number_str, wareki_text
from synth.people import make_address, make_person

# One envelope's copies (a page each; "+" joins two cards on one page): each set
# satisfies 個人番号確認 + 身元確認.
COPY_SETS: list[list[str]] = [
    ["mynumber_front", "mynumber_back"],
    ["mynumber_front+mynumber_back"],
    ["notification", "license"],
    ["notification+license"],
    ["juminhyo", "license"],
    ["notification", "passport"],
]
CARD_MM = {"passport": (125.0, 88.0), "notification": (85.6, 54.0)}
ID1_MM = (85.6, 54.0)
PHOTO = {"mynumber_front", "license", "passport"}


@dataclass(frozen=True)
class Who:
    """The person a copy shows (the form's own, so a cross-check can agree)."""

    full_name: str
    birth: date
    my_number: str
    romaji: str = "taro.yamada"
    address: str = ""  # as written on the form; a copy prints it in its own notation


def who_from_truth(fields: dict[str, Any]) -> Who | None:
    """The person of a generated onestop form (None when the form has no such fields)."""
    try:
        birth = date.fromisoformat(str(fields["birth_date"]["value"]))
        address = str((fields.get("address") or {}).get("value") or "")
        return Who(str(fields["full_name"]["value"]), birth, str(fields["my_number"]["value"]),
                   address=address)
    except (KeyError, ValueError):
        return None


_KANJI = "〇一二三四五六七八九"


def card_address(address: str, rng: random.Random) -> str:
    """The same address as a card prints it: 丁目/番/号 for dashes, kanji 丁目, full-width digits.

    Callers pass a generator of its own (seeded by the address), so a stack's other draws
    stay what they were before copies printed the form's address.
    """
    out = address
    if rng.random() < 0.7:
        out = re.sub(r"(\d+)-(\d+)-(\d+)", r"\1丁目\2番\3号", out)
    if rng.random() < 0.4:
        out = re.sub(r"(\d)丁目", lambda m: _KANJI[int(m.group(1))] + "丁目", out)
    if rng.random() < 0.5:
        out = out.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    return out


def _person_lines(kind: str, rng: random.Random, who: Who | None = None) -> list[str]:
    p, a = make_person(rng), make_address(rng)
    if who is not None and who.address:
        a = replace(a, text=card_address(who.address, random.Random(f"{kind}:{who.address}")))
    birth = who.birth if who else date(1935, 1, 1) + timedelta(days=rng.randint(0, 25000))
    born = wareki_text(birth, True, rng)
    n = who.my_number if who else make_my_number_str(rng, 0.0)[0]
    num = f"{n[:4]} {n[4:8]} {n[8:]}"
    name = who.full_name if who else p.full_name
    if kind == "mynumber_front":
        return ["個人番号カード", f"氏名　{name}", f"住所　{a.text}", f"{born}生",
                f"{rng.randint(2029, 2035)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日まで有効"]
    if kind == "mynumber_back":
        return [f"個人番号　{num}", f"氏名　{name}", f"生年月日　{born}"]
    if kind == "notification":
        return ["通知カード", f"個人番号　{num}", f"氏名　{name}", f"住所　{a.text}",
                f"生年月日　{born}"]
    if kind == "license":
        return ["運転免許証", f"氏名　{name}　{born}生", f"住所　{a.text}",
                f"交付　令和{rng.randint(3, 8)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
                f"番号　第{rng.randint(10**11, 10**12 - 1)}号", "公安委員会"]
    if kind == "passport":
        sur = p.romaji.split(".")[-1].upper()
        return ["日本国旅券 PASSPORT JAPAN", f"氏名 {sur} {p.romaji.split('.')[0].upper()}",
                f"生年月日 {born}", f"P<JPN{sur}<<{'<' * 12}"]
    raise ValueError(f"not a card kind: {kind}")


def _draw_card(draw: ImageDraw.ImageDraw, kind: str, x0: int, y0: int, px: float,
               rng: random.Random, font_spec: Any, who: Who | None = None) -> tuple[int, int]:
    w_mm, h_mm = CARD_MM.get(kind, ID1_MM)
    cw, ch = int(w_mm * px), int(h_mm * px)
    fill = rng.randint(200, 236) if kind != "notification" else rng.randint(225, 245)
    draw.rounded_rectangle((x0, y0, x0 + cw, y0 + ch), radius=int(3 * px), fill=fill, outline=60,
                           width=max(1, int(0.3 * px)))
    text_x, text_w = x0 + int(4 * px), cw - int(8 * px)
    if kind in PHOTO:
        pw, ph = int(22 * px), int(28 * px)
        bx = x0 + int(5 * px) if kind == "passport" else x0 + cw - pw - int(5 * px)
        by = y0 + int(14 * px)
        draw.rectangle((bx, by, bx + pw, by + ph), fill=rng.randint(110, 170))
        draw.ellipse((bx + pw * 0.3, by + ph * 0.15, bx + pw * 0.7, by + ph * 0.55), fill=70)
        draw.ellipse((bx + pw * 0.12, by + ph * 0.6, bx + pw * 0.88, by + ph), fill=70)
        text_w = cw - pw - int(14 * px)
        if kind == "passport":
            text_x = bx + pw + int(5 * px)
    ty = y0 + int(4 * px)
    for j, line in enumerate(_person_lines(kind, rng, who)):
        size = int((3.4 if j else 4.2) * px)
        font = pil_font(font_spec, size)
        while size > 6 and draw.textlength(line, font=font) > text_w:
            size -= 1
            font = pil_font(font_spec, size)
        draw.text((text_x, ty), line, fill=rng.randint(15, 50), font=font)
        ty += int(size * 1.55)
    return cw, ch


def _a4_text_page(size: tuple[int, int], lines: list[str], rng: random.Random, dpi: int,
                  table: bool) -> np.ndarray:
    w, h = size
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    spec = available_fonts("printed")[rng.randrange(len(available_fonts("printed")))]
    px = dpi / 25.4
    y = int(25 * px)
    for j, line in enumerate(lines):
        size_px = int((6.0 if j == 0 else 3.6) * px)
        draw.text((int(20 * px), y), line, fill=20, font=pil_font(spec, size_px))
        if table and j > 0:
            draw.rectangle((int(18 * px), y - int(2 * px), w - int(18 * px), y + int(8 * px)),
                           outline=40, width=max(1, int(0.25 * px)))
        y += int(size_px * 2.2)
    return np.asarray(img, dtype=np.uint8)


def _juminhyo(size: tuple[int, int], rng: random.Random, dpi: int,
              who: Who | None = None) -> np.ndarray:
    p, a = make_person(rng), make_address(rng)
    if who is not None and who.address:
        a = replace(a, text=card_address(who.address, random.Random(f"juminhyo:{who.address}")))
    n = who.my_number if who else make_my_number_str(rng, 0.0)[0]
    birth = who.birth if who else date(1935, 1, 1) + timedelta(days=rng.randint(0, 25000))
    born = wareki_text(birth, True, rng)
    name = who.full_name if who else p.full_name
    lines = ["住民票の写し", f"氏名　{name}", f"住所　{a.text}", f"生年月日　{born}",
             f"個人番号　{n}", "世帯主　本人", "この写しは、住民票の原本と相違ないことを証明する。",
             f"令和{rng.randint(6, 8)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日　市長"]
    return _a4_text_page(size, lines, rng, dpi, table=True)


def _other(size: tuple[int, int], rng: random.Random, dpi: int) -> np.ndarray:
    if rng.random() < 0.5:
        lines = ["寄附金受領証明書", f"寄附金額　{rng.randint(5, 100) * 1000:,}円",
                 "上記の金額を受領したことを証明します。"]
    else:
        lines = ["ご担当者様", "申請書を同封いたします。", "よろしくお願いいたします。"]
    return _a4_text_page(size, lines, rng, dpi, table=False)


def _fax(img: np.ndarray, nrng: np.random.Generator) -> np.ndarray:
    """Fax quality: down to ~100 x 200 dpi (fine mode is coarser across), 1-bit, speckle."""
    h, w = img.shape
    small = cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    small = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    # a fax machine's fixed threshold (not Otsu: on a mostly white page Otsu lands above a
    # card's tint and turns the whole card black)
    t = float(nrng.uniform(150, 190))
    out = np.where(small < t, 0, 255).astype(np.uint8)
    specks = nrng.random(out.shape) < 0.0008
    out[specks] = 0
    return out


def copy_page(kind: str, size: tuple[int, int], nrng: np.random.Generator, rng: random.Random,
              dpi: int, fax: bool = False, who: Who | None = None, turned: bool = False
              ) -> tuple[np.ndarray, dict[str, Any]]:
    """One copy page of ``kind`` (cards joined with "+"); returns (gray image, truth info).

    ``turned``: the copy went through the scanner upside down (turned 180°).
    """
    cards = kind.split("+")
    if cards == ["blank"]:
        img, _ = degrade.blank_page(size, nrng, dpi)
        return img, {"scale": 1.0, "fax": False}
    if cards == ["juminhyo"]:
        img, scale = _juminhyo(size, rng, dpi, who), 1.0
    elif cards == ["other"]:
        img, scale = _other(size, rng, dpi), 1.0
    else:
        w, h = size
        pil = Image.new("L", (w, h), 255)
        draw = ImageDraw.Draw(pil)
        fonts = available_fonts("printed")
        spec = fonts[rng.randrange(len(fonts))]
        scale = round(rng.uniform(0.8, 1.5) if len(cards) == 1 else rng.uniform(0.8, 1.2), 3)
        px = dpi / 25.4 * scale
        y = int(rng.uniform(15, 35) * dpi / 25.4)
        for card in cards:
            cw_mm = CARD_MM.get(card, ID1_MM)[0] * scale
            x0 = int(rng.uniform(12, max(13.0, w / (dpi / 25.4) - cw_mm - 12)) * dpi / 25.4)
            _, ch = _draw_card(draw, card, x0, y, px, rng, spec, who)
            y += ch + int(rng.uniform(8, 20) * px)
        img = np.asarray(pil, dtype=np.uint8)
    if fax:
        img = _fax(img, nrng)
    if turned:
        img = np.ascontiguousarray(img[::-1, ::-1])
    return img, {"scale": scale, "fax": fax, "turned": turned}
