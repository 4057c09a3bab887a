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

from domain.id_copy import CopyGuess, classify
from ocr import page_kind
from ocr.recognizer import Recognizer

log = logging.getLogger(__name__)
CARD_ASPECT = (1.3, 1.9)  # ID-1 1.59, passport data page 1.42
CARD_LONG = (0.2, 0.95)  # share of the page's short side
MAX_LINES = 14


@dataclass(frozen=True)
class CopyReading:
    guesses: list[CopyGuess]  # one per card (or one for the page)
    lines: list[str]  # what was read (kept in memory only, for the cross-check)
    cards: list[tuple[int, int, int, int]]  # x, y, w, h on the page


def find_cards(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Card-shaped rectangles (x, y, w, h in page pixels), top to bottom."""
    level = page_kind._work_copy(gray)
    f = level.shape[0] / gray.shape[0]
    body = cv2.morphologyEx((level < page_kind.CARD_LEVEL).astype(np.uint8), cv2.MORPH_CLOSE,
                            np.ones((7, 7), np.uint8))
    contours, _ = cv2.findContours(body, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    short = min(level.shape)
    out = []
    for c in contours:
        (_, _), (rw, rh), _ = cv2.minAreaRect(c)
        long_side, short_side = max(rw, rh), min(rw, rh)
        if short_side <= 0 or not CARD_LONG[0] * short <= long_side <= CARD_LONG[1] * short:
            continue
        if not CARD_ASPECT[0] <= long_side / short_side <= CARD_ASPECT[1]:
            continue
        if cv2.contourArea(c) < 0.85 * rw * rh:
            continue
        x, y, w, h = cv2.boundingRect(c)
        out.append((int(x / f), int(y / f), int(w / f), int(h / f)))
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


def read_copy(gray: np.ndarray, recognizer: Recognizer) -> CopyReading:
    """Classify an attached page: one guess per card, or one for the whole page."""
    cards = find_cards(gray)
    regions = [gray[y:y + h, x:x + w] for x, y, w, h in cards] or [gray]
    guesses: list[CopyGuess] = []
    every: list[str] = []
    for region in regions:
        crops, photo = text_lines(region)
        texts = [r.text for r in recognizer.recognize(crops, [None] * len(crops))] if crops else []
        ink = float((region < 128).mean())
        guesses.append(classify(texts, photo=photo, card=bool(cards), ink=ink))
        every.extend(texts)
    log.info("attached page: %d cards, %d lines, kinds %s", len(cards), len(every),
             "+".join(g.kind.value for g in guesses))
    return CopyReading(guesses, every, cards)
