"""Split a field crop into text lines and words by the white space between them.

The recogniser drops wide spaces (the 全角スペース between 姓 and 名, before a
building name) and reads one line at a time; the page geometry tells both.
"""

from __future__ import annotations

import itertools

import numpy as np

from ocr.crop import ink_mask

Span = tuple[int, int]  # start, end (exclusive)


def _runs(profile: np.ndarray) -> list[Span]:
    """Runs of True in a 1-D bool profile."""
    padded = np.concatenate([[False], profile, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def split_lines(gray: np.ndarray, min_height_px: int = 6) -> list[Span]:
    """Row spans of text lines (horizontal projection of the ink)."""
    ink = ink_mask(gray)
    rows = ink.sum(axis=1) > max(1, ink.shape[1] // 400)
    spans = [s for s in _runs(rows) if s[1] - s[0] >= 2]
    merged: list[list[int]] = []
    for a, b in spans:  # join accents and dots that float above a line
        if merged and a - merged[-1][1] < min_height_px // 2:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged if b - a >= min_height_px]


def split_words(gray: np.ndarray, gap_ratio: float = 0.6, median_factor: float = 2.2) -> list[Span]:
    """Column spans of ink separated by word gaps.

    A gap is a word gap when it is wider than ``gap_ratio`` x the ink height and
    than ``median_factor`` x the median gap between characters of this line
    (wide-set printed kana must not be split into letters).
    """
    ink = ink_mask(gray)
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return []
    height = int(rows[-1] - rows[0] + 1)
    spans = _runs(np.asarray(ink.any(axis=0)))
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(spans)]
    # the typical gap between characters, not counting the widest (the likely word gap)
    typical = float(np.median(sorted(gaps)[:-1])) if len(gaps) >= 2 else 0.0
    limit = max(gap_ratio * height, median_factor * typical)
    words: list[list[int]] = []
    for a, b in spans:
        if words and a - words[-1][1] < limit:
            words[-1][1] = b
        else:
            words.append([a, b])
    return [(a, b) for a, b in words]
