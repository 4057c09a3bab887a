"""Draw a fake record onto a blank page, like a person with one pen would.

The blank page is our rendered form, or for a city's own form (``source:
scanned``) its reference scan. Text goes into its box (clipped to the box,
shrunk to fit), one character per cell for cell fields; on a scanned form's
printed date line (令和　年　月　日) the numbers go into the printed gaps. Marks
are ticks, crosses, circles or filled squares drawn as pen strokes; era choices
get an ellipse around the printed label. Every random decision comes from the
``random.Random`` passed in.

A handwriting hand with ``digits`` set writes the digits 0-9 as real handwritten
digits (:mod:`synth.real_digits`) instead of its font, at the font digit's height
and the pen's stroke width; which cell is used comes from a separate ``digit_rng``,
so the rest of the page (layout, jitter, other characters) is the same as with
the font.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from domain.model import Box, FieldSpec, FormTemplate
from domain.status import FieldKind
from forms.fonts import FontSpec, available_fonts, form_font, pil_font
from forms.render import PageGeometry, is_era_choice
from synth.fake import FakeValue
from synth.real_digits import real_glyph, split_for

Style = Literal["printed", "handwriting"]
MARK_STYLES = ("tick", "cross", "circle", "fill")
CORRECTION_PROB = 0.04
FAINT_MARK_PROB = 0.04


@dataclass(frozen=True)
class Hand:
    """How one person fills one document: font, ink, pen and habits."""

    style: Style
    font: FontSpec
    ink: int  # gray level of the pen (0 = black)
    pen_mm: float
    size_scale: float
    mark_style: str
    pencil: bool = False
    digits: str | None = None  # split of real handwritten digits (synth.real_digits), None: font


@dataclass
class Drawn:
    """What was actually put on the page for one field."""

    box: tuple[int, int, int, int]  # x, y, w, h on the unmodified page
    text: str | None = None  # the text as laid out ('\n' where free text wrapped)
    marks: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)  # cancelled (filled) options
    faint: list[str] = field(default_factory=list)
    mark_styles: list[str] = field(default_factory=list)


def choose_hand(rng: random.Random, style: str, digits: str = "font",
                digit_rng: random.Random | None = None) -> Hand:
    """Pick the writer: 'mixed' is handwriting two times in three.

    ``digits`` (a ``synth.real_digits.DIGIT_MODES`` value) decides whether a handwriting
    hand writes real digits; a ``mixed-*`` choice draws from ``digit_rng`` (else ``rng``),
    and "font" draws nothing, so the hand is the same as before real digits existed.
    """
    if style == "mixed":
        style = "handwriting" if rng.random() < 0.67 else "printed"
    if style == "handwriting":
        chosen: Style = "handwriting"
    elif style == "printed":
        chosen = "printed"
    else:
        raise ValueError(f"unknown style {style!r}")
    fonts = available_fonts(chosen)
    pencil = chosen == "handwriting" and rng.random() < 0.08
    ink = rng.randint(95, 140) if pencil else rng.randint(20, 60)
    mark = rng.choices(MARK_STYLES, weights=(50, 25, 15, 10))[0]
    hand = Hand(chosen, rng.choice(fonts), ink, rng.uniform(0.4, 0.7), rng.uniform(0.92, 1.08),
                mark, pencil)
    split = split_for(digits, chosen == "handwriting", digit_rng or rng)
    return hand if split is None else dataclasses.replace(hand, digits=split)


@lru_cache(maxsize=16)
def _cmap(spec: FontSpec) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # installed with matplotlib; read only once per font

    with TTFont(str(spec.path), fontNumber=spec.index, lazy=True) as tt:
        return frozenset(tt.getBestCmap())


def _font_for(ch: str, hand: Hand, size: int) -> ImageFont.FreeTypeFont:
    spec = hand.font if ord(ch) in _cmap(hand.font) else form_font()
    return pil_font(spec, max(4, size))


def _blit(layer: np.ndarray, glyph: np.ndarray, cx: float, cy: float) -> None:
    """np.minimum ``glyph`` into ``layer`` centred at (cx, cy), clipped to the layer."""
    gh, gw = glyph.shape
    x0, y0 = round(cx - gw / 2), round(cy - gh / 2)
    lx0, ly0 = max(0, x0), max(0, y0)
    lx1, ly1 = min(layer.shape[1], x0 + gw), min(layer.shape[0], y0 + gh)
    if lx1 <= lx0 or ly1 <= ly0:
        return
    sub = glyph[ly0 - y0: ly1 - y0, lx0 - x0: lx1 - x0]
    np.minimum(layer[ly0:ly1, lx0:lx1], sub, out=layer[ly0:ly1, lx0:lx1])


def _glyph(ch: str, font: ImageFont.FreeTypeFont, ink: int, angle: float) -> np.ndarray:
    s = int(font.size * 1.8) + 4
    im = Image.new("L", (s, s), 255)
    ImageDraw.Draw(im).text((s / 2, s / 2), ch, font=font, fill=ink, anchor="mm")
    if angle:
        im = im.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return np.asarray(im, dtype=np.uint8)


class _Writer:
    def __init__(self, hand: Hand, rng: random.Random, dpi: int,
                 digit_rng: random.Random | None = None) -> None:
        self.hand, self.rng, self.dpi = hand, rng, dpi
        self.hw = hand.style == "handwriting"
        self.digit_rng = digit_rng or rng

    def mm(self, v: float) -> float:
        return v * self.dpi / 25.4

    def advance(self, text: str, size: int) -> float:
        """Widest the text can come out (handwriting spreads characters up to 6 %)."""
        w = sum(_font_for(c, self.hand, size).getlength(c) for c in text)
        return w * 1.06 + size * 0.05 if self.hw else w

    def char(self, layer: np.ndarray, ch: str, size: int, cx: float, cy: float) -> None:
        if ch.isspace():
            return
        ink = max(0, min(255, self.hand.ink + self.rng.randint(-6, 6)))
        angle = 0.0
        if self.hw:
            size = max(4, round(size * self.rng.uniform(0.96, 1.04)))
            cy += self.rng.gauss(0, 0.015 * size)
            cx += self.rng.gauss(0, 0.015 * size)
            angle = self.rng.uniform(-4.0, 4.0)
        font = _font_for(ch, self.hand, size)
        if self.hw and self.hand.digits is not None and ch in _ASCII_DIGITS:
            _blit(layer, self.real_digit(ch, font, ink, angle), cx, cy)
            return
        _blit(layer, _glyph(ch, font, ink, angle), cx, cy)

    def real_digit(self, ch: str, font: ImageFont.FreeTypeFont, ink: int,
                   angle: float) -> np.ndarray:
        """A real handwritten ``ch`` as tall as the font's digit, no wider than its advance."""
        assert self.hand.digits is not None
        left, top, right, bottom = font.getbbox(ch, anchor="ls")
        height = (bottom - top) * self.digit_rng.uniform(0.92, 1.06)
        max_w = max(font.getlength(ch) * 1.05, right - left)
        # a ballpoint's line is narrower than its nominal tip (pen_mm also draws the marks);
        # a small digit keeps its loops open
        stroke = min(self.mm(self.hand.pen_mm) * REAL_STROKE_FACTOR * self.digit_rng.uniform(0.85, 1.15),
                     MAX_STROKE_OF_HEIGHT * height)
        return real_glyph(int(ch), height, stroke, ink, angle, self.digit_rng, self.hand.digits,
                          max_width_px=max_w)

    def line(self, layer: np.ndarray, text: str, size: int, x: float, cy: float) -> None:
        """One line; handwriting drifts off a slightly sloped baseline, smoothly."""
        amp = 0.05 * size if self.hw else 0.0
        period = size * self.rng.uniform(3.0, 6.0)
        phase = self.rng.uniform(0, 2 * math.pi)
        slope = math.tan(math.radians(self.rng.uniform(-0.8, 0.8))) if self.hw else 0.0
        x0 = x
        for ch in text:
            adv = _font_for(ch, self.hand, size).getlength(ch)
            if self.hw:
                adv *= self.rng.uniform(0.97, 1.06)
            dy = amp * math.sin(2 * math.pi * (x - x0) / period + phase) + slope * (x - x0)
            self.char(layer, ch, size, x + adv / 2, cy + dy)
            x += adv

    def text(self, layer: np.ndarray, text: str, wrap: bool) -> list[str]:
        """Left-aligned with a small margin, vertically centred, shrunk (or wrapped) to fit.

        Returns the lines drawn; only ``wrap`` fields (free text) use several lines.
        """
        h, w = layer.shape
        cap = 7.0 if self.hw else 4.5
        frac = self.rng.uniform(0.55, 0.7) if self.hw else self.rng.uniform(0.5, 0.6)
        size = min(h * frac, self.mm(cap)) * self.hand.size_scale * self.rng.uniform(0.9, 1.1)
        margin = self.mm(self.rng.uniform(1.0, 1.8))
        avail = w - margin - self.mm(1.2)
        lines = [text]
        width = self.advance(text, round(size))
        if wrap and width > avail and h >= 2.6 * size:  # tall box: several lines
            lines = _wrap(text, lambda s: self.advance(s, round(size)), avail)
            width = max(self.advance(s, round(size)) for s in lines)
        if width > avail:
            size *= avail / width * 0.97
            width = max(self.advance(s, round(size)) for s in lines)
        pitch = size * 1.3
        block = pitch * (len(lines) - 1) + size
        jx = self.mm(1.0)
        dx = self.rng.uniform(-min(jx, margin - self.mm(0.6)), min(jx, max(0.0, avail - width)))
        room = max(0.0, (h - block) / 2 - self.mm(0.3))
        dy = self.rng.uniform(-min(self.mm(1.0), room), min(self.mm(1.0), room))
        top = (h - block) / 2 + size / 2 + dy
        if h > self.mm(30) and block < h / 2:  # a big comment box: people start at the top
            top = self.mm(self.rng.uniform(3.0, 8.0)) + size / 2
        for i, ln in enumerate(lines):
            self.line(layer, ln, round(size), margin + dx, top + i * pitch)
        return lines

    def cells(self, layer: np.ndarray, text: str, n: int, inset: int) -> None:
        """One character centred per cell; cells split the whole box (layer is inset)."""
        h, w = layer.shape
        cw = (w + 2 * inset) / n
        size = round(min(cw, h) * self.rng.uniform(0.6, 0.75) * self.hand.size_scale)
        j = self.mm(0.35) if self.hw else 0.0
        for i, ch in enumerate(text[:n]):
            cx = cw * (i + 0.5) - inset + self.rng.uniform(-j, j)
            self.char(layer, ch, size, cx, h / 2 + self.rng.uniform(-j, j))


    def slots(self, layer: np.ndarray, parts: list[str], slots: list[tuple[int, int]]) -> None:
        """Each part centred in its own gap of a printed line (令和　年　月　日)."""
        h = layer.shape[0]
        size = min(h * self.rng.uniform(0.55, 0.7), self.mm(5.5)) * self.hand.size_scale
        for part, (a, b) in zip(parts, slots, strict=True):
            s = size
            width = self.advance(part, round(s))
            if width > (b - a) * 0.9:
                s *= (b - a) * 0.9 / width
                width = self.advance(part, round(s))
            x = (a + b - width) / 2 + self.rng.uniform(-1, 1) * max(0.0, (b - a - width) / 4)
            self.line(layer, part, round(s), x, h / 2 + self.rng.uniform(-0.08, 0.08) * h)


_ASCII_DIGITS = frozenset("0123456789")
REAL_STROKE_FACTOR = 0.7  # real digits' stroke width / the hand's pen_mm
MAX_STROKE_OF_HEIGHT = 0.2
_DATE_PARTS = re.compile(r"元|[0-9]+")
MIN_SLOT_MM = 4.0  # a gap in a printed line wide enough to write a number in


def _printed_slots(region: np.ndarray, dpi: int) -> list[tuple[int, int]]:
    """Blank x-ranges between printed characters of a box (the gaps of 令和　年　月　日).

    Empty when the box holds fewer than two printed characters.
    """
    h, w = region.shape
    if h < 4 or w < 4:
        return []
    band = region[h // 5: h - h // 5]
    paper = float(np.percentile(band, 90))
    ink = band < paper - 60
    long_rows = ink.mean(axis=1) > 0.6  # a printed rule along the line is not a character
    cols = ink[~long_rows].any(axis=0)
    px_mm = dpi / 25.4
    glyphs: list[list[int]] = []
    for x in np.flatnonzero(cols):
        if glyphs and x - glyphs[-1][1] <= 1.5 * px_mm:
            glyphs[-1][1] = int(x)
        else:
            glyphs.append([int(x), int(x)])
    glyphs = [g for g in glyphs if g[1] - g[0] >= 0.8 * px_mm]  # dust is not a character
    if len(glyphs) < 2:
        return []
    gaps = [(a[1] + 1, b[0]) for a, b in itertools.pairwise(glyphs)]
    return [(a, b) for a, b in gaps if b - a >= MIN_SLOT_MM * px_mm]


def _wrap(text: str, measure: Callable[[str], float], avail: float) -> list[str]:
    lines: list[str] = []
    cur = ""
    for ch in text:
        if cur and measure(cur + ch) > avail:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    return [*lines, cur]


# ---- marks -------------------------------------------------------------------------

def _wobbly(rng: random.Random, pts: list[tuple[float, float]], amp: float) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        n = max(2, int(math.hypot(x1 - x0, y1 - y0) / 3))
        bend = rng.uniform(-amp, amp)
        for k in range(n):
            t = k / n
            nx, ny = -(y1 - y0), x1 - x0
            norm = math.hypot(nx, ny) or 1.0
            off = bend * math.sin(math.pi * t) + rng.uniform(-amp, amp) * 0.15
            out.append((x0 + (x1 - x0) * t + nx / norm * off, y0 + (y1 - y0) * t + ny / norm * off))
    out.append(pts[-1])
    return out


def _mark(draw: ImageDraw.ImageDraw, kind: str, b: tuple[float, float, float, float],
          ink: int, pen: int, rng: random.Random) -> None:
    x0, y0, x1, y1 = b
    w, h = x1 - x0, y1 - y0
    j = lambda s: rng.uniform(-s, s)  # noqa: E731
    if kind == "tick":  # short down-stroke, long up-stroke overshooting top-right
        k = rng.uniform(0.9, 1.4)
        vx, vy = x0 + w * (0.4 + j(0.1)), y0 + h * (0.85 + j(0.08))
        pts = [(vx - w * k * (0.3 + j(0.08)), vy - h * k * (0.38 + j(0.1))), (vx, vy),
               (vx + w * k * (0.6 + j(0.15)), vy - h * k * (1.05 + j(0.2)))]
        draw.line(_wobbly(rng, pts, w * 0.05), fill=ink, width=pen, joint="curve")
    elif kind == "cross":
        k = rng.uniform(0.85, 1.2)
        cx, cy = x0 + w / 2 + j(w * 0.08), y0 + h / 2 + j(h * 0.08)
        for sx in (1, -1):
            pts = [(cx - sx * w * k * (0.45 + j(0.08)), cy - h * k * (0.45 + j(0.08))),
                   (cx + sx * w * k * (0.45 + j(0.08)), cy + h * k * (0.45 + j(0.08)))]
            draw.line(_wobbly(rng, pts, w * 0.04), fill=ink, width=pen, joint="curve")
    elif kind in ("circle", "ellipse"):
        if kind == "circle":  # around a printed square
            grow = rng.uniform(1.25, 1.6)
            rx, ry = w / 2 * grow * rng.uniform(0.95, 1.1), h / 2 * grow * rng.uniform(0.92, 1.08)
        else:  # around a printed era label, inside the option's area
            rx, ry = w / 2 * rng.uniform(0.7, 0.95), h / 2 * rng.uniform(0.6, 0.85)
        cx, cy = x0 + w / 2 + j(w * 0.08), y0 + h / 2 + j(h * 0.08)
        a0, sweep = rng.uniform(0, 2 * math.pi), 2 * math.pi + rng.uniform(0.15, 0.7)
        tilt, drift, n = rng.uniform(-0.25, 0.25), rng.uniform(-0.08, 0.08), 56
        pts = []
        for i in range(n + 1):
            a = a0 - sweep * i / n
            r = 1 + drift * i / n + 0.03 * math.sin(3 * a + a0)
            ex, ey = rx * r * math.cos(a), ry * r * math.sin(a)
            pts.append((cx + ex * math.cos(tilt) - ey * math.sin(tilt),
                        cy + ex * math.sin(tilt) + ey * math.cos(tilt)))
        draw.line(pts, fill=ink, width=pen, joint="curve")
    else:  # fill: a dense back-and-forth scribble over the square, a little past its edges
        step = max(1.0, pen * 0.55)
        y, left = y0 + h * (0.04 + j(0.04)), True
        pts = []
        while y < y1 - h * 0.04:
            pts.append((x0 - w * j(0.06) if left else x1 + w * j(0.06), y + j(step * 0.3)))
            y, left = y + step, not left
        if len(pts) >= 2:
            draw.line(pts, fill=ink, width=pen + 2, joint="curve")


def _option_rect(box: Box, geo: PageGeometry) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = geo.box_px(box)
    return float(x0), float(y0), float(x1), float(y1)


def _draw_marks(draw: ImageDraw.ImageDraw, spec: FieldSpec, fv: FakeValue, hand: Hand,
                geo: PageGeometry, rng: random.Random, drawn: Drawn) -> None:
    pen = max(1, round(hand.pen_mm * geo.dpi / 25.4))
    opts = {"checked": spec.box} if spec.kind is FieldKind.CHECKBOX else {
        o.value: o.box for o in spec.options}
    era = is_era_choice(spec)
    marks = [m for m in fv.marks if m in opts]
    free = [v for v in opts if v not in marks]
    correction = (not era and spec.kind is not FieldKind.CHECKBOX and marks and free
                  and rng.random() < CORRECTION_PROB)
    if correction:
        cancelled = rng.choice(free)
        _mark(draw, "fill", _option_rect(opts[cancelled], geo), hand.ink, pen, rng)
        drawn.corrections.append(cancelled)
    for value in marks:
        kind = "ellipse" if era else hand.mark_style
        if not era and rng.random() < 0.15:
            # a filled box beside other marks means "cancelled" (the SDAPS convention
            # the reader follows), so a person's odd mark is any style but a fill
            kind = rng.choice([m for m in MARK_STYLES if m != "fill"])
        if correction and kind == "fill":
            kind = "tick"
        ink = hand.ink
        if rng.random() < FAINT_MARK_PROB:
            ink = rng.randint(150, 185)
            drawn.faint.append(value)
        _mark(draw, kind, _option_rect(opts[value], geo), ink, pen, rng)
        drawn.marks.append(value)
        drawn.mark_styles.append(kind)


def fill_page(page: Image.Image, template: FormTemplate, page_number: int,
              values: dict[str, FakeValue], hand: Hand, rng: random.Random,
              dpi: int, digit_rng: random.Random | None = None) -> tuple[Image.Image, dict[str, Drawn]]:
    """Fill the fields of ``page_number`` on a copy of ``page``; returns it and what was drawn.

    ``digit_rng`` picks the real digits of a hand with ``digits`` set (default: ``rng``).
    """
    geo = PageGeometry.for_template(template, dpi)
    out = page.copy()
    arr = np.array(out, dtype=np.uint8)
    marks_layer = Image.new("L", out.size, 255)
    draw = ImageDraw.Draw(marks_layer)
    writer = _Writer(hand, rng, dpi, digit_rng)
    result: dict[str, Drawn] = {}
    inset = max(1, round(0.35 * dpi / 25.4))
    for spec in template.fields_on(page_number):
        x0, y0, x1, y1 = geo.box_px(spec.box)
        drawn = Drawn(box=(x0, y0, x1 - x0, y1 - y0))
        result[spec.id] = drawn
        fv = values.get(spec.id, FakeValue())
        if spec.is_mark:
            _draw_marks(draw, spec, fv, hand, geo, rng, drawn)
            continue
        if not fv.text:
            continue
        ix0, iy0, ix1, iy1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
        layer = np.full((iy1 - iy0, ix1 - ix0), 255, dtype=np.uint8)
        slots = (_printed_slots(arr[iy0:iy1, ix0:ix1], dpi)
                 if template.source == "scanned" and spec.kind is FieldKind.WAREKI_DATE else [])
        parts = _DATE_PARTS.findall(fv.text) if slots else []
        if slots and len(parts) == len(slots):  # a printed date line: numbers go in the gaps
            writer.slots(layer, parts, slots)
            drawn.text = fv.text
        elif spec.cells:
            writer.cells(layer, fv.text, spec.cells, inset)
            drawn.text = fv.text
        else:
            lines = writer.text(layer, fv.text, wrap=spec.kind is FieldKind.FREE_TEXT)
            drawn.text = "\n".join(lines)
        np.minimum(arr[iy0:iy1, ix0:ix1], layer, out=arr[iy0:iy1, ix0:ix1])
    np.minimum(arr, np.asarray(marks_layer, dtype=np.uint8), out=arr)
    return Image.fromarray(arr), result
