"""Real handwritten digits (MNIST) for the synthesiser, and the one place their split is fixed.

Source: ``handwritten-digits/digits_dev.png`` in the shared real data (``../shared/realdata``
beside the checkout, ``/work/shared/realdata``, or ``$YOMITORI_REALDATA``): 2,500 digits of
MNIST (Y. LeCun, C. Cortes, C. J. C. Burges), licence CC BY-SA 3.0, as shipped in OpenCV's
sample ``digits.png`` (its left half). 50 rows x 50 columns of 20 x 20 px cells, white ink on
black; the label of a cell is ``row // 5``. The image is read from the shared folder, never
copied into this repository.

The split is by column, so every digit has cells in every split:

- ``train`` (columns 0-24): reserved for a digit classifier; the synthesiser never uses it.
- ``calib`` (columns 25-37): calibration (synthetic forms written with these digits).
- ``eval`` (columns 38-49): tests and benchmarks.

Columns 50-99 of OpenCV's image are reserved for independent evaluation of the project and
are not in the file at all.

:func:`real_glyph` turns one cell into a pen-written character for :mod:`synth.fill`: dark on
white, cropped to its ink, scaled to a requested height, stroke thickened or thinned to the
pen's width, anti-aliased, in the hand's ink, slightly rotated.
"""

from __future__ import annotations

import math
import os
import random
from functools import lru_cache
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

Split = Literal["train", "calib", "eval"]
SPLIT_COLUMNS: dict[str, range] = {
    "train": range(0, 25),
    "calib": range(25, 38),
    "eval": range(38, 50),
}
SYNTH_SPLITS: tuple[str, ...] = ("calib", "eval")  # the splits the synthesiser may draw from
# SynthOptions.digits: how a handwriting document writes its digits. "font": the hand's font
# (the default); "real-<split>": real digits from that split; "mixed-<split>": real digits in
# about half of the handwriting documents (chosen per document). Printed documents use the font.
DIGIT_MODES: tuple[str, ...] = ("font", "real-calib", "real-eval", "mixed-calib")
MIXED_REAL_SHARE = 0.5
CELL_PX = 20
GRID = 50  # rows and columns in digits_dev.png
ROWS_PER_DIGIT = 5
DIGITS_FILE = Path("handwritten-digits") / "digits_dev.png"
ENV_REALDATA = "YOMITORI_REALDATA"
REPO = Path(__file__).resolve().parent.parent
REALDATA_CANDIDATES = (REPO.parent / "shared" / "realdata", Path("/work/shared/realdata"))
INK_THRESHOLD = 60  # a cell pixel at least this bright is ink (MNIST digits are anti-aliased)
SUPERSAMPLE = 4  # the stroke is thickened or thinned at this multiple of the final size


def realdata_dirs() -> list[Path]:
    """Where the shared real data may be: ``$YOMITORI_REALDATA`` first, then the usual places."""
    env = os.environ.get(ENV_REALDATA)
    return ([Path(env)] if env else []) + list(REALDATA_CANDIDATES)


def digits_png() -> Path:
    """The digits image; FileNotFoundError naming every place looked in when it is missing."""
    dirs = realdata_dirs()
    for d in dirs:
        if (d / DIGITS_FILE).is_file():
            return d / DIGITS_FILE
    raise FileNotFoundError(f"real handwritten digits ({DIGITS_FILE}) not found in "
                            f"{', '.join(map(str, dirs))}; set ${ENV_REALDATA}")


@lru_cache(maxsize=1)
def _sheet() -> np.ndarray:
    path = digits_png()
    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if img is None or img.shape != (GRID * CELL_PX, GRID * CELL_PX):
        raise ValueError(f"{path}: expected a {GRID * CELL_PX} px square gray image")
    return np.asarray(img, dtype=np.uint8)


def digit_cells(split: str) -> dict[int, list[np.ndarray]]:
    """The 20 x 20 uint8 cells (white ink on black, read-only) of each digit in ``split``.

    Cells are in sheet order (row by row, then column), so an index picks the same digit
    every time.
    """
    return {d: list(cells) for d, cells in _cells(split).items()}


@lru_cache(maxsize=len(SPLIT_COLUMNS))
def _cells(split: str) -> dict[int, tuple[np.ndarray, ...]]:
    if split not in SPLIT_COLUMNS:
        raise ValueError(f"split must be one of {tuple(SPLIT_COLUMNS)}, got {split!r}")
    sheet = _sheet()
    out: dict[int, list[np.ndarray]] = {d: [] for d in range(10)}
    for row in range(GRID):
        for col in SPLIT_COLUMNS[split]:
            cell = sheet[row * CELL_PX:(row + 1) * CELL_PX, col * CELL_PX:(col + 1) * CELL_PX].copy()
            cell.setflags(write=False)
            out[row // ROWS_PER_DIGIT].append(cell)
    return {d: tuple(cs) for d, cs in out.items()}


def split_for(mode: str, handwriting: bool, rng: random.Random) -> str | None:
    """The split a document's real digits come from under ``mode``, or None for the font.

    Draws from ``rng`` only for a ``mixed-*`` mode (once, whatever the hand).
    """
    if mode not in DIGIT_MODES:
        raise ValueError(f"digits must be one of {DIGIT_MODES}, got {mode!r}")
    if mode == "font":
        return None
    kind, split = mode.split("-", 1)
    if kind == "mixed" and rng.random() >= MIXED_REAL_SHARE:
        return None
    return split if handwriting else None


def _stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width of a binary glyph: ink area over half its outline length."""
    area = float(np.count_nonzero(mask))
    if area == 0:
        return 0.0
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return area / max(1.0, perimeter / 2)


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def real_glyph(digit: int, height_px: float, stroke_px: float, ink: int, angle: float,
               rng: random.Random, split: str, max_width_px: float | None = None) -> np.ndarray:
    """One real handwritten ``digit`` as a dark-on-white uint8 glyph (white margin around it).

    Its ink is ``height_px`` tall (narrower than ``max_width_px`` when given, aspect kept),
    strokes about ``stroke_px`` wide, at gray level ``ink``, rotated ``angle`` degrees
    counter-clockwise. The cell is drawn from ``split`` with ``rng``.
    """
    if split not in SYNTH_SPLITS:
        raise ValueError(f"the synthesiser draws only from {SYNTH_SPLITS}, not {split!r}")
    cells = _cells(split)[digit]
    cell = cells[rng.randrange(len(cells))]
    ys, xs = np.nonzero(cell >= INK_THRESHOLD)
    crop = cell[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32)
    crop /= float(crop.max())  # a faintly scanned digit is still written with the pen
    ch, cw = crop.shape
    scale = max(1.0, height_px) / ch
    if max_width_px is not None and cw * scale > max_width_px:
        scale = max(1.0, max_width_px) / cw
    out_h, out_w = max(1, round(ch * scale)), max(1, round(cw * scale))
    # supersampled binary glyph, padded so a thicker stroke does not hit the edge
    s = SUPERSAMPLE
    big = cv2.resize(crop, (out_w * s, out_h * s), interpolation=cv2.INTER_CUBIC)
    pad = math.ceil(stroke_px * s) + 2 * s
    mask: np.ndarray = np.pad((big >= 0.5).astype(np.uint8), pad)
    grow = stroke_px * s - _stroke_width(mask)  # in supersampled pixels
    r = round(abs(grow) / 2)
    if grow > 0 and r:
        mask = cv2.dilate(mask, _disk(r))
    elif grow < 0 and r:
        while r:  # thin, but never erase the digit
            thin = cv2.erode(mask, _disk(r))
            if np.count_nonzero(thin) >= 0.35 * np.count_nonzero(mask):
                mask = thin
                break
            r -= 1
    alpha = cv2.resize(mask.astype(np.float32), (mask.shape[1] // s, mask.shape[0] // s),
                       interpolation=cv2.INTER_AREA)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 0.5)  # a pen's edge is soft, not a hard step
    if angle:
        h, w = alpha.shape
        side = math.ceil(math.hypot(h, w)) + 2
        alpha = np.pad(alpha, (((side - h) // 2, side - h - (side - h) // 2),
                               ((side - w) // 2, side - w - (side - w) // 2)))
        m = cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0)
        alpha = cv2.warpAffine(alpha, m, (side, side), flags=cv2.INTER_LINEAR, borderValue=(0.0,))
    alpha = np.clip(alpha, 0.0, 1.0)
    glyph = 255.0 - alpha * (255.0 - float(ink))
    return np.clip(np.rint(glyph), 0, 255).astype(np.uint8)
