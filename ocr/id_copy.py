"""Read an attached page's printed lines and say which ID copy it is (domain.id_copy).

1. Card regions: card-shaped rectangles (ID-1 and passport aspect) on the page, found
   on the paper-levelled copy of :mod:`ocr.page_kind` (a fax copy keeps only the
   card's outline, which closes to the same rectangle).
2. Lines: inside each card (or on the whole page when it holds no card), ruled lines
   are removed, the photo's silhouette dropped, and the remaining ink cut into text
   lines by its row profile.
3. Each line is recognised (the recogniser's line reader; no detection model), and
   :func:`domain.id_copy.classify` turns the words and the layout into a kind.

No text is logged: kinds and counts only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from domain.id_copy import CopyGuess, CopyKind, classify
from ocr import page_kind
from ocr.recognizer import Recognizer

log = logging.getLogger(__name__)
CARD_ASPECT = (1.3, 1.9)  # ID-1 1.59, passport data page 1.42
CARD_LONG = (0.2, 0.95)  # share of the page's short side
MAX_LINES = 14
RECTANGULAR = 0.8  # blob area / its rotated rectangle's area (a fax outline is ragged)
CLOSINGS = (7, 15)  # closing kernels (work-copy pixels, ~3.4 px per mm)
BLOCK_GAP_MM = 12.0  # white band that separates two blocks of print (cards)
UPRIGHT_SCORE = 0.85  # median line confidence: upright print 0.92-1.0, turned 0.0-0.61 (seeds 0-2)
BLOCK_MIN_MM = 5.0  # a block lower than this is a stray line or noise, not a card


@dataclass(frozen=True)
class CopyReading:
    guesses: list[CopyGuess]  # one per card (or one for the page)
    lines: list[str]  # what was read (kept in memory only, for the cross-check)
    cards: list[tuple[int, int, int, int]]  # x, y, w, h on the page (turned, when ``turned``)
    turned: bool = False  # read turned 180° (the copy was fed upside down)


def _card_rects(body: np.ndarray, short: int) -> list[tuple[int, int, int, int]]:
    """Card-shaped blobs of a mask (holes filled: a fax copy keeps only a card's outline)."""
    contours, _ = cv2.findContours(body, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours:
        (_, _), (rw, rh), _ = cv2.minAreaRect(c)
        long_side, short_side = max(rw, rh), min(rw, rh)
        if short_side <= 0 or not CARD_LONG[0] * short <= long_side <= CARD_LONG[1] * short:
            continue
        if not CARD_ASPECT[0] <= long_side / short_side <= CARD_ASPECT[1]:
            continue
        if cv2.contourArea(c) < RECTANGULAR * rw * rh:
            continue
        x, y, w, h = cv2.boundingRect(c)
        out.append((int(x), int(y), int(w), int(h)))
    return out


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def find_cards(gray: np.ndarray, level: np.ndarray | None = None) -> list[tuple[int, int, int, int]]:
    """Card-shaped rectangles (x, y, w, h in page pixels), top to bottom.

    Tried with a small closing first, then a wider one (a fax copy's 1-bit outline has
    gaps and its card body is white: the wider closing joins outline and print into one
    blob); a card found by the wider pass counts only where the first found none.
    ``level``: ``page_kind._work_copy(gray)`` when the caller has it already.
    """
    level = page_kind._work_copy(gray) if level is None else level
    f = level.shape[0] / gray.shape[0]
    dark = (level < page_kind.CARD_LEVEL).astype(np.uint8)
    short = min(level.shape)
    found: list[tuple[int, int, int, int]] = []
    for k in CLOSINGS:
        body = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
        contours, _ = cv2.findContours(body, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        filled = np.zeros_like(body)
        cv2.drawContours(filled, contours, -1, (1,), thickness=cv2.FILLED)
        for r in _card_rects(filled, short):
            if not any(_overlap(r, q) for q in found):
                found.append(r)
    out = [(int(x / f), int(y / f), int(w / f), int(h / f)) for x, y, w, h in found]
    return sorted(out, key=lambda r: (r[1], r[0]))[:4]


def _without_rules(dark: np.ndarray) -> np.ndarray:
    h, w = dark.shape
    horiz = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((1, max(8, w // 6)), np.uint8))
    vert = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((max(8, h // 6), 1), np.uint8))
    return cv2.subtract(dark, cv2.bitwise_or(horiz, vert))


def text_lines(region: np.ndarray) -> tuple[list[np.ndarray], bool]:
    """Crops of the printed lines in a card or page region, and whether it holds a photo."""
    h, w = region.shape
    m = max(2, int(0.03 * min(h, w)))
    inner = region[m:h - m, m:w - m]
    dark = (inner < 110).astype(np.uint8)
    dark = _without_rules(dark)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    photo = False
    keep = np.ones(n, bool)
    keep[0] = False
    for i in range(1, n):
        bw, bh, area = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT], stats[i, cv2.CC_STAT_AREA]
        if bh > 0.18 * inner.shape[0] and bw > 0.08 * inner.shape[1] and area > 0.3 * bw * bh:
            photo, keep[i] = True, False  # the photo's silhouette, not text
        elif area < 3:
            keep[i] = False
    ink = keep[labels].astype(np.uint8)
    rows = ink.sum(axis=1) > 0
    bands: list[tuple[int, int]] = []
    y = 0
    while y < len(rows):
        if rows[y]:
            start = y
            while y < len(rows) and rows[y]:
                y += 1
            bands.append((start, y))
        y += 1
    merged: list[tuple[int, int]] = []
    for a, b in bands:  # join a line's parts split by a gap of a pixel or two
        if merged and a - merged[-1][1] <= 2:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    min_h = max(5, int(0.007 * max(inner.shape)))
    crops = []
    for a, b in merged:
        if b - a < min_h:
            continue
        cols = np.flatnonzero(ink[a:b].sum(axis=0))
        pad = max(2, (b - a) // 4)
        y0, y1 = max(0, a - pad), min(inner.shape[0], b + pad)
        x0, x1 = max(0, cols[0] - pad), min(inner.shape[1], cols[-1] + pad)
        crops.append(inner[y0:y1, x0:x1])
        if len(crops) >= MAX_LINES:
            break
    return crops, photo


def text_blocks(gray: np.ndarray, cards: list[tuple[int, int, int, int]],
                level: np.ndarray | None = None) -> list[tuple[int, int, int, int]]:
    """Blocks of print outside the found cards, split where a wide white band runs across.

    A fax copy may lose a card's outline altogether: its print is then a block of lines
    with white all round. Blocks are cut at horizontal white bands of :data:`BLOCK_GAP_MM`
    (wider than any line spacing on a 住民票 or a letter, narrower than the space between
    two copied cards' print); blocks of one line or less are dropped. ``level``: as for
    :func:`find_cards`.
    """
    level = page_kind._work_copy(gray) if level is None else level
    f = level.shape[0] / gray.shape[0]
    ink = (level < 0.6).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= 6
    keep[0] = False
    ink = keep[labels].astype(np.uint8)
    pad = max(2, int(3 * f * gray.shape[0] / page_kind.A4_LONG_MM))
    for x, y, w, h in cards:
        x0, y0 = max(0, int(x * f) - pad), max(0, int(y * f) - pad)
        ink[y0:int((y + h) * f) + pad, x0:int((x + w) * f) + pad] = 0
    px_mm = level.shape[0] / page_kind.A4_LONG_MM
    gap, min_h = int(BLOCK_GAP_MM * px_mm), int(BLOCK_MIN_MM * px_mm)
    rows = np.flatnonzero(ink.sum(axis=1))
    out: list[tuple[int, int, int, int]] = []
    if not len(rows):
        return out
    starts = [rows[0], *rows[1:][np.diff(rows) > gap]]
    ends = [*rows[:-1][np.diff(rows) > gap], rows[-1]]
    for a, b in zip(starts, ends, strict=True):
        if b - a < min_h:
            continue
        cols = np.flatnonzero(ink[a:b + 1].sum(axis=0))
        m = int(2 * px_mm)
        x0, x1 = max(0, cols[0] - m), min(level.shape[1], cols[-1] + m)
        y0, y1 = max(0, a - m), min(level.shape[0], b + m)
        out.append((int(x0 / f), int(y0 / f), int((x1 - x0) / f), int((y1 - y0) / f)))
    return out


def _regions(gray: np.ndarray) -> tuple[list[tuple[int, int, int, int]], bool]:
    """The page's card regions (or none: read the whole page), and whether they are cards."""
    level = page_kind._work_copy(gray)  # one paper-levelled copy for both searches
    cards = find_cards(gray, level)
    blocks = text_blocks(gray, cards, level)
    if cards:
        return sorted([*cards, *blocks], key=lambda r: (r[1], r[0])), True
    if len(blocks) >= 2 and len(blocks) <= 4:
        return blocks, True  # cards whose outline the fax lost: each block of print is one
    return [], False


def _read(gray: np.ndarray, recognizer: Recognizer) -> tuple[CopyReading, float]:
    """The page's reading and the median recogniser confidence of its lines (0: none)."""
    cards, is_card = _regions(gray)
    regions = [gray[y:y + h, x:x + w] for x, y, w, h in cards] or [gray]
    guesses: list[CopyGuess] = []
    every: list[str] = []
    scores: list[float] = []
    for region in regions:
        crops, photo = text_lines(region)
        results = recognizer.recognize(crops, [None] * len(crops)) if crops else []
        texts = [r.text for r in results]
        scores += [r.mean_confidence for r in results]
        ink = float((region < 128).mean())
        guesses.append(classify(texts, photo=photo, card=is_card, ink=ink))
        every.extend(texts)
    return CopyReading(guesses, every, cards), float(np.median(scores)) if scores else 0.0


def _found_words(reading: CopyReading) -> bool:
    return any(g.kind not in (CopyKind.OTHER, CopyKind.BLANK) for g in reading.guesses)


def read_copy(gray: np.ndarray, recognizer: Recognizer) -> CopyReading:
    """Classify an attached page: one guess per card, or one for the whole page.

    A page whose upright reading finds no identity-document words, and whose lines the
    recogniser reads with little confidence (upside-down print reads as garbage: median
    line confidence below :data:`UPRIGHT_SCORE`), is read again turned 180°; the turned
    reading is kept when it finds such words.
    """
    reading, score = _read(gray, recognizer)
    turned = False
    if not _found_words(reading) and reading.guesses[0].kind is not CopyKind.BLANK and score < UPRIGHT_SCORE:
        other, _ = _read(np.ascontiguousarray(gray[::-1, ::-1]), recognizer)
        if _found_words(other):
            reading, turned = CopyReading(other.guesses, other.lines, other.cards, True), True
    log.info("attached page: %d cards, %d lines, kinds %s%s", len(reading.cards), len(reading.lines),
             "+".join(g.kind.value for g in reading.guesses), " (turned 180)" if turned else "")
    return reading
