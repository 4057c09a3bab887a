"""Build the digit reader's model (``ocr/data/digit_model.npz``) and measure it.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python scripts/train_digits.py   # train, write, evaluate
    .venv/bin/python scripts/train_digits.py --eval                    # evaluate the shipped model
    .venv/bin/python scripts/train_digits.py --eval --ppocr --forms 16 # ... against PP-OCR too
    .venv/bin/python scripts/train_digits.py --dev                     # tune: 0-19 -> 20-24

Training data (deterministic: fixed seeds, fixed zip timestamps; one BLAS thread makes the
file byte-identical run to run):

* real handwriting: the "train" columns 0-24 of the shared MNIST sheet
  (``realdata/handwritten-digits/digits_dev.png``), 12 augmented copies of each of its
  1,250 digits: a third scanned with thick strokes (scale, rotation, shear, pen width,
  ink, blur, noise), two thirds written the way the synthesiser writes real digits
  (thin pen stroke, squeezed to a font digit's width, scanner pass with JPEG or 1-bit).
  Columns 25-37 are calibration data and 38-49 test/benchmark data: never trained on;
  38-49 are only used below to measure;
* the synthesiser's fonts (``forms.fonts``: printed and handwriting styles): digits at
  several sizes, stroke widths and small rotations;
* an "other" class from the same fonts: separators ('-', '/', '.', ','), kanji of dates
  and amounts (年月日円...), kana and Latin letters that do not look like digits;
* a "several touching" class: touching train-column digits (sometimes with a dash
  between them) and squeezed font digits.

Every sample goes through :func:`ocr.digits.char_glyph`, as reading does. The classifier
is an ensemble of two one-hidden-layer MLPs in numpy (pixels + HOG -> 12 classes; Adam,
30 epochs, ~2 minutes).

Evaluation (columns 38-49 only): single digits (thick and pen-written), 200 strings of
4-12 digits pasted with gaps (half with '-' groups), 100 touching, 200 pen-written like
the synthesiser's forms; font digits and strings rendered with another seed than
training; non-digit text; speed. ``--ppocr`` reads the same strings with the production
recogniser; ``--forms N`` reads N synthetic documents with the production pipeline and
compares both readers on their digit fields.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import sys
import time
import zipfile
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from forms.fonts import FontSpec, available_fonts, form_font, pil_font  # noqa: E402
from ocr.digits import (  # noqa: E402
    CLASSES,
    DIGITS,
    MODEL_PATH,
    PRIOR,
    SIZE,
    DigitReader,
    char_glyph,
    features,
)

SHEET_CANDIDATES = (REPO.parent / "shared" / "realdata" / "handwritten-digits" / "digits_dev.png",
                    Path("/work/shared/realdata/handwritten-digits/digits_dev.png"))
TRAIN_COLS = range(0, 25)  # the only real digits trained on
EVAL_COLS = range(38, 50)  # test/benchmark columns: measured, never trained on
DEV_TRAIN_COLS, DEV_COLS = range(0, 20), range(20, 25)  # --dev: tune on the train split only
OTHER, MULTI = len(DIGITS), len(DIGITS) + 1

SEPARATORS = "-/.,:()~ー－／・"
KANJI = "年月日円令和平成昭大正元番号丁目時分歳枚件人様都道府県市区町村〒"
# Kana that pass for digits (ろ る ら ラ ス ヌ テ ワ フ ク ソ り し) are left out.
KANA = ("あいうえおかきけこさすせそたちなぬのまみむめもやゆよれわをん"
        "アイウエオカキケコサシセタチナネノハマミムメモヤユヨルレロン")
# Latin letters and signs that do not pass for digits (no O o D Q I l L S s Z z B b G g q T
# & ? !).
LATIN = "acdefhikmnprtuvwxyACEFHKMNPRUVWXY<>#%@+*="
HEAVY = "-/.,年月日円ー"  # the separators digit fields really hold: more samples
DEV_MODEL = Path("/tmp/yomitori_digit_model_dev.npz")


def sheet_path(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    for p in SHEET_CANDIDATES:
        if p.is_file():
            return p
    raise SystemExit("digits_dev.png not found; pass --sheet")


def load_sheet(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(50, 50, 20, 20) cells (white ink on black), (50,) labels (row // 5)."""
    im = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if im is None or im.shape != (1000, 1000):
        raise SystemExit(f"{path}: expected a 1000x1000 gray sheet")
    cells = im.reshape(50, 20, 50, 20).transpose(0, 2, 1, 3)
    return cells, np.arange(50) // 5


# ---------------------------------------------------------------- rendering


ELASTIC = 0.0  # share of augmented real digits also elastically distorted (measured: no gain)


def elastic(img: np.ndarray, rng: np.random.Generator, alpha: float = 6.0, sigma: float = 3.0) -> np.ndarray:
    """Simard-style elastic distortion (smoothed random displacement field) of a cell."""
    h, w = img.shape
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma) * alpha
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma) * alpha
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return np.asarray(cv2.remap(img, xs + dx, ys + dy, cv2.INTER_LINEAR, borderValue=(255,)), np.uint8)


def mnist_crop(cell: np.ndarray, rng: np.random.Generator, augment: bool, scale: float | None = None
               ) -> np.ndarray:
    """One MNIST cell as a scanned pen digit: dark on white, scaled (and varied when ``augment``)."""
    img: np.ndarray = np.pad(255 - cell.astype(np.uint8), 6, constant_values=255)
    if augment and rng.random() < ELASTIC:
        img = elastic(img, rng)
    s = scale if scale is not None else (rng.uniform(1.6, 4.0) if augment else 3.0)
    if augment:
        ang = np.deg2rad(rng.uniform(-10, 10))
        shear = rng.uniform(-0.25, 0.25)
        sx, sy = s * rng.uniform(0.85, 1.15), s * rng.uniform(0.9, 1.1)
    else:
        ang, shear, sx, sy = 0.0, 0.0, s, s
    h, w = img.shape
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    a = rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([sx, sy])
    out_w, out_h = int(np.ceil(w * s * 1.3)), int(np.ceil(h * s * 1.3))
    c_in = np.array([w / 2, h / 2])
    c_out = np.array([out_w / 2, out_h / 2])
    m = np.hstack([a, (c_out - a @ c_in)[:, None]]).astype(np.float32)
    g = cv2.warpAffine(img, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderValue=(255,))
    return _pen(g, rng, s) if augment else g


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width of a binary glyph: ink area over half its outline length."""
    area = float(np.count_nonzero(mask))
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    return area / max(1.0, sum(cv2.arcLength(c, True) for c in contours) / 2)


def pen_glyph(cell: np.ndarray, rng: np.random.Generator, height: float | None = None,
              width_ratio: float | None = None, stroke_ratio: float | None = None,
              angle: float | None = None) -> np.ndarray:
    """A real digit written the way the synthesiser writes one (``synth.real_digits``):
    the cell's ink (>= 60) scaled to a pen height and squeezed to a font digit's width,
    its stroke set to a ballpoint's width, a soft edge, a small rotation; dark on white,
    no scanner yet. Unset parameters are drawn from ``rng``."""
    ys, xs = np.nonzero(cell >= 60)
    crop = cell[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1].astype(np.float32)
    crop /= float(crop.max())
    h = height if height is not None else float(rng.uniform(16, 48))
    wr = width_ratio if width_ratio is not None else float(rng.uniform(0.55, 0.9))
    sr = stroke_ratio if stroke_ratio is not None else float(rng.uniform(0.07, 0.2))
    ang = angle if angle is not None else float(rng.uniform(-5, 5))
    ch, cw = crop.shape
    scale = h / ch
    if cw * scale > wr * h:
        scale = wr * h / cw
    out_h, out_w = max(1, round(ch * scale)), max(1, round(cw * scale))
    ss = 4
    big = cv2.resize(crop, (out_w * ss, out_h * ss), interpolation=cv2.INTER_CUBIC)
    stroke = sr * h
    pad = int(np.ceil(stroke * ss)) + 2 * ss
    mask: np.ndarray = np.pad((big >= 0.5).astype(np.uint8), pad)
    grow = stroke * ss - _stroke_width(mask)
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
    alpha = cv2.resize(mask.astype(np.float32), (mask.shape[1] // ss, mask.shape[0] // ss),
                       interpolation=cv2.INTER_AREA)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 0.5)
    if ang:
        gh, gw = alpha.shape
        side = int(np.ceil(np.hypot(gh, gw))) + 2
        alpha = np.pad(alpha, (((side - gh) // 2, side - gh - (side - gh) // 2),
                               ((side - gw) // 2, side - gw - (side - gw) // 2)))
        m = cv2.getRotationMatrix2D((side / 2, side / 2), ang, 1.0)
        alpha = cv2.warpAffine(alpha, m, (side, side), flags=cv2.INTER_LINEAR, borderValue=(0.0,))
    return np.clip(255.0 - np.clip(alpha, 0, 1) * 255.0, 0, 255).astype(np.uint8)


def scanner(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A scanner pass on a dark-on-white image: ink level (pen or pencil), blur, noise,
    then JPEG or (one in five) 1-bit output, as ``synth.degrade`` does."""
    ink = float(rng.uniform(95, 140)) if rng.random() < 0.08 else float(rng.uniform(20, 60))
    f: np.ndarray = ink + g.astype(np.float32) * (255 - ink) / 255
    f = cv2.GaussianBlur(f, (0, 0), float(rng.uniform(0.3, 0.9)))
    f = np.clip(f + rng.normal(0, rng.uniform(0, 5), f.shape), 0, 255).astype(np.uint8)
    if rng.random() < 0.2:
        otsu, _ = cv2.threshold(f, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        return np.where(f > max(float(otsu), 195.0), 255, 0).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(50, 95))])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) if ok else f


def pen_crop(cell: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """:func:`pen_glyph` with random parameters on white paper, through :func:`scanner`."""
    return scanner(np.pad(pen_glyph(cell, rng), 4, constant_values=255), rng)


def _pen(g: np.ndarray, rng: np.random.Generator, size_hint: float) -> np.ndarray:
    """Pen width, ink level, blur and noise variations of a dark-on-white glyph."""
    r = rng.random()
    k = 2 if size_hint < 2.8 else 3
    if r < 0.25:  # thicker pen
        g = cv2.erode(g, np.ones((k, k), np.uint8))
    elif r < 0.45 and size_hint > 2.2:  # thinner pen
        g = cv2.dilate(g, np.ones((2, 2), np.uint8))
    ink = rng.uniform(0, 120)
    g = (ink + g.astype(np.float32) * (255 - ink) / 255)
    if rng.random() < 0.3:
        g = cv2.GaussianBlur(g, (3, 3), 0)
    g = g + rng.normal(0, rng.uniform(0, 6), g.shape)
    return np.clip(g, 0, 255).astype(np.uint8)


@lru_cache(maxsize=16)
def _cmap(spec: FontSpec) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(spec.path), fontNumber=spec.index, lazy=True) as tt:
        return frozenset(tt.getBestCmap())


def font_for(ch: str, spec: FontSpec, size: int) -> ImageFont.FreeTypeFont:
    """The font, or the form font where it lacks the glyph (as the synthesiser does)."""
    use = spec if ord(ch) in _cmap(spec) else form_font()
    return pil_font(use, max(6, size))


def font_crop(text: str, spec: FontSpec, size: int, rng: np.random.Generator, stroke: int = 0,
              angle: float = 0.0, shear: float = 0.0, pen: bool = True, tracking: float = 1.0
              ) -> np.ndarray:
    """``text`` drawn in one font (one line, like the synthesiser), dark on white.

    ``tracking`` < 1 squeezes the advance so characters touch.
    """
    fonts = [font_for(c, spec, size) for c in text]
    width = int(sum(f.getlength(c) for f, c in zip(fonts, text, strict=True))) + 2 * size + 4 * stroke
    h = int(size * 2.2) + 4 * stroke
    im = Image.new("L", (width, h), 255)
    d = ImageDraw.Draw(im)
    x = float(size)
    ink = int(rng.integers(0, 60))
    for f, c in zip(fonts, text, strict=True):
        d.text((x, h / 2), c, font=f, fill=ink, anchor="lm", stroke_width=stroke, stroke_fill=ink)
        x += f.getlength(c) * tracking
    if angle:
        im = im.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=True)
    g: np.ndarray = np.asarray(im, np.uint8)
    if shear:
        gh, gw = g.shape
        m = np.array([[1, shear, -shear * gh / 2], [0, 1, 0]], np.float32)
        g = cv2.warpAffine(g, m, (gw, gh), flags=cv2.INTER_LINEAR, borderValue=(255,))
    return _pen(g, rng, 3.0) if pen else g


def fonts() -> list[FontSpec]:
    return [*available_fonts("printed"), *available_fonts("handwriting")]


# ---------------------------------------------------------------- data sets


def _glyphs(crops: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    keep, out = [], []
    for i, c in enumerate(crops):
        g = char_glyph(c)
        if g is not None:
            keep.append(i)
            out.append(g)
    return np.asarray(out, np.float32).reshape(-1, SIZE, SIZE), np.asarray(keep, np.int64)


def real_set(cells: np.ndarray, labels: np.ndarray, cols: range, copies: int, seed: int
             ) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    crops, ys = [], []
    for r in range(cells.shape[0]):
        for c in cols:
            for k in range(copies):  # 1/3 as scanned thick strokes, 2/3 as the synthesiser's pen
                if k % 3:
                    crops.append(pen_crop(cells[r, c], rng))
                else:
                    crops.append(mnist_crop(cells[r, c], rng, augment=copies > 1 or k > 0))
                ys.append(labels[r])
    g, keep = _glyphs(crops)
    return g, np.asarray(ys)[keep]


def font_set(chars: str, label_of: dict[str, int], per_char: int, seed: int,
             sizes: tuple[int, int] = (18, 72)) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    crops, ys = [], []
    for spec in fonts():
        for ch in chars:
            n = per_char * (3 if ch in HEAVY else 1)
            for _ in range(n):
                size = int(rng.integers(*sizes))
                stroke = int(rng.choice([0, 0, 0, 1, 1, 2])) if size >= 28 else int(rng.choice([0, 0, 1]))
                angle = float(rng.uniform(-6, 6)) if rng.random() < 0.7 else 0.0
                shear = float(rng.uniform(-0.15, 0.15)) if rng.random() < 0.3 else 0.0
                crops.append(font_crop(ch, spec, size, rng, stroke, angle, shear))
                ys.append(label_of.get(ch, OTHER))
    g, keep = _glyphs(crops)
    return g, np.asarray(ys)[keep]


def touching_cell(cells: np.ndarray, cols: range, rng: np.random.Generator) -> np.ndarray:
    """Two (sometimes three) real digits side by side, touching or overlapping a little;
    sometimes with a pen dash between two of them, touching both."""
    n = 2 if rng.random() < 0.85 else 3
    parts = []
    for _ in range(n):
        cell = cells[int(rng.integers(0, 50)), int(rng.choice(list(cols)))]
        xs = np.flatnonzero(cell.max(axis=0) > 60)
        parts.append(cell[:, xs.min(): xs.max() + 1] if xs.size else cell)
    if rng.random() < 0.25:
        dash = np.zeros((20, int(rng.integers(5, 10))), np.uint8)
        y = int(rng.integers(8, 13))
        dash[y: y + int(rng.integers(2, 4)), :] = 255
        parts.insert(int(rng.integers(1, len(parts))), dash)
    overlaps = [min(int(rng.integers(0, 4)), a.shape[1] - 1, b.shape[1] - 1)
                for a, b in itertools.pairwise(parts)]
    width = sum(p.shape[1] for p in parts) - sum(overlaps)
    canvas = np.zeros((26, width), np.uint8)
    x = 0
    for i, p in enumerate(parts):
        y = 3 + int(rng.integers(-2, 3))
        region = canvas[y: y + 20, x: x + p.shape[1]]
        np.maximum(region, p, out=region)
        x += p.shape[1] - (overlaps[i] if i < len(overlaps) else 0)
    return canvas


def touching_set(cells: np.ndarray, cols: range, n_real: int, per_font: int, seed: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The "several characters" class: touching real digits and squeezed font digits."""
    rng = np.random.default_rng(seed)
    crops = [mnist_crop(touching_cell(cells, cols, rng), rng, augment=True) for _ in range(n_real // 2)]
    crops += [pen_string("".join(str(int(d)) for d in rng.integers(0, 10, 2 if rng.random() < 0.85 else 3)),
                         cells, np.arange(cells.shape[0]) // 5, cols, rng, advance=(0.45, 0.7))
              for _ in range(n_real - n_real // 2)]
    for spec in fonts():
        for _ in range(per_font):
            text = "".join(str(int(d)) for d in rng.integers(0, 10, 2 if rng.random() < 0.8 else 3))
            if rng.random() < 0.25:
                text = text[0] + "-" + text[1:]
            size = int(rng.integers(18, 72))
            crops.append(font_crop(text, spec, size, rng, stroke=int(rng.choice([0, 1, 2])),
                                   angle=float(rng.uniform(-4, 4)), tracking=float(rng.uniform(0.55, 0.85))))
    g, _ = _glyphs(crops)
    return g, np.full(len(g), MULTI)


def training_set(cells: np.ndarray, labels: np.ndarray, seed: int = 14, real_cols: range = TRAIN_COLS
                 ) -> tuple[np.ndarray, np.ndarray]:
    digit_label = {d: i for i, d in enumerate(DIGITS)}
    parts = [
        real_set(cells, labels, real_cols, copies=12, seed=seed),
        font_set(DIGITS, digit_label, per_char=90, seed=seed + 1),
        font_set(SEPARATORS + KANJI + KANA + LATIN, {}, per_char=4, seed=seed + 2),
        touching_set(cells, real_cols, n_real=2400, per_font=150, seed=seed + 3),
    ]
    g = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    return g, y


# ---------------------------------------------------------------- the classifier


def train_mlp(x: np.ndarray, y: np.ndarray, hidden: int = 192, epochs: int = 30, seed: int = 14,
              lr: float = 2e-3, wd: float = 5e-5, batch: int = 128, dropout: float = 0.2,
              log: bool = True) -> dict[str, np.ndarray]:
    """A one-hidden-layer ReLU MLP, softmax cross-entropy, Adam with cosine decay (numpy)."""
    rng = np.random.default_rng(seed)
    mean = x.mean(axis=0)
    scale = 1.0 / (x.std(axis=0) + 1e-2)
    xs = ((x - mean) * scale).astype(np.float32)
    n, d = xs.shape
    k = len(CLASSES)
    params = {
        "W0": (rng.normal(0, np.sqrt(2 / d), (d, hidden))).astype(np.float32),
        "b0": np.zeros(hidden, np.float32),
        "W1": (rng.normal(0, np.sqrt(1 / hidden), (hidden, k))).astype(np.float32),
        "b1": np.zeros(k, np.float32),
    }
    m = {name: np.zeros_like(v) for name, v in params.items()}
    v2 = {name: np.zeros_like(v) for name, v in params.items()}
    onehot = np.eye(k, dtype=np.float32)[y]
    # Class weights: each class counts as much as the average digit class.
    counts = np.bincount(y, minlength=k).astype(np.float32)
    cw = (counts[:OTHER].mean() / np.maximum(counts, 1)).astype(np.float32)
    cw[MULTI] *= 0.5  # the cuts decide touching characters; this class only steers them
    steps = epochs * ((n + batch - 1) // batch)
    t = 0
    for ep in range(epochs):
        order = rng.permutation(n)
        total = 0.0
        for s in range(0, n, batch):
            idx = order[s: s + batch]
            xb, tb, wb = xs[idx], onehot[idx], cw[y[idx]][:, None]
            h = xb @ params["W0"] + params["b0"]
            h = np.maximum(h, 0)
            drop = (rng.random(h.shape) >= dropout).astype(np.float32) / (1 - dropout)
            hd = h * drop
            z = hd @ params["W1"] + params["b1"]
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            total += float(-(wb[:, 0] * np.log((p * tb).sum(axis=1) + 1e-9)).sum())
            gz = (p - tb) * wb / len(idx)
            grads = {"W1": hd.T @ gz, "b1": gz.sum(axis=0)}
            gh = (gz @ params["W1"].T) * drop * (h > 0)
            grads["W0"] = xb.T @ gh
            grads["b0"] = gh.sum(axis=0)
            t += 1
            rate = lr * 0.5 * (1 + np.cos(np.pi * t / steps))
            for name in params:
                g = grads[name] + (wd * params[name] if name.startswith("W") else 0)
                m[name] = 0.9 * m[name] + 0.1 * g
                v2[name] = 0.999 * v2[name] + 0.001 * g * g
                mh = m[name] / (1 - 0.9 ** t)
                vh = v2[name] / (1 - 0.999 ** t)
                params[name] -= (rate * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
        if log and (ep % 5 == 4 or ep == epochs - 1):
            print(f"  epoch {ep + 1:2d}: loss {total / n:.4f}", flush=True)
    return {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32), **params}


def save_model(nets: list[dict[str, np.ndarray]], path: Path, meta: dict[str, object]) -> None:
    """An .npz of plain arrays (no pickle), byte-identical for identical weights.

    The nets share the feature standardisation (``mean``, ``scale``: same training set).
    """
    arrays: dict[str, np.ndarray] = {
        "n_models": np.array(len(nets), np.int64),
        "n_layers": np.array(2, np.int64),
        "mean": nets[0]["mean"], "scale": nets[0]["scale"],
        "classes": np.array(CLASSES),
        "temperature": np.array(1.0, np.float32),
        "meta": np.array(json.dumps(meta, sort_keys=True, ensure_ascii=False)),
    }
    for m, net in enumerate(nets):
        for i in range(2):
            arrays[f"m{m}_W{i}"] = net[f"W{i}"].astype(np.float16)
            arrays[f"m{m}_b{i}"] = net[f"b{i}"].astype(np.float32)
    write_npz(path, arrays)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An ``.npz`` of plain arrays (no pickle), byte-identical for identical arrays (fixed
    zip timestamps), so a rebuilt model file can be compared with ``cmp``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


# ---------------------------------------------------------------- evaluation


def paste_string(pattern: str, cells: np.ndarray, labels: np.ndarray, cols: range,
                 rng: np.random.Generator, gap: tuple[float, float] = (0.15, 0.6)) -> np.ndarray:
    """Real digits pasted side by side (gaps between them), '-' drawn as a pen dash."""
    scale = rng.uniform(2.0, 3.5)
    cell = round(20 * scale)
    pen = max(2, round(scale * 1.2))
    parts: list[np.ndarray] = []
    for ch in pattern:
        if ch == "-":
            w = int(cell * rng.uniform(0.4, 0.6))
            g = np.full((cell, w), 255, np.uint8)
            y = cell // 2 + int(rng.integers(-2, 3))
            cv2.line(g, (1, y), (w - 2, y + int(rng.integers(-1, 2))), (30,), pen)
        else:
            rows = np.flatnonzero(labels == int(ch))
            r, c = int(rng.choice(rows)), int(rng.choice(list(cols)))
            g = cv2.resize(255 - cells[r, c], (cell, cell), interpolation=cv2.INTER_LINEAR)
            xs = np.flatnonzero((g < 128).any(axis=0))
            g = g[:, xs.min(): xs.max() + 1] if xs.size else g
        parts.append(g)
        parts.append(np.full((cell, max(1, int(cell * rng.uniform(*gap)))), 255, np.uint8))
    line = np.hstack(parts[:-1])
    return np.pad(line, 6, constant_values=255)


def pen_string(pattern: str, cells: np.ndarray, labels: np.ndarray, cols: range,
               rng: np.random.Generator, advance: tuple[float, float] = (0.6, 0.9)) -> np.ndarray:
    """Real digits written as the synthesiser writes them on a form line: one pen, one
    height, each digit squeezed into a font advance (``advance`` x height) and centred in
    it, so neighbours may touch; '-' a pen dash; then a scanner pass."""
    h = float(rng.uniform(18, 44))
    wr = float(rng.uniform(0.6, 0.85))
    sr = float(rng.uniform(0.07, 0.18))
    glyphs = []
    for ch in pattern:
        if ch == "-":
            w = round(h * rng.uniform(0.4, 0.6))
            g = np.full((round(h), w), 255, np.uint8)
            y = round(h / 2 + rng.integers(-2, 3))
            cv2.line(g, (1, y), (w - 2, y + int(rng.integers(-1, 2))), (0,), max(1, round(sr * h)))
            glyphs.append((g, w * 1.1))
        else:
            r = int(rng.choice(np.flatnonzero(labels == int(ch))))
            g = pen_glyph(cells[r, int(rng.choice(list(cols)))], rng, height=h * rng.uniform(0.92, 1.06),
                          width_ratio=wr, stroke_ratio=sr, angle=float(rng.uniform(-4, 4)))
            glyphs.append((g, h * rng.uniform(*advance)))
    side = max(g.shape[0] for g, _ in glyphs)
    width = int(sum(a for _, a in glyphs) + 2 * side)
    line = np.full((side + 16, width), 255, np.uint8)
    x = float(side)
    for g, adv in glyphs:
        gh, gw = g.shape
        cx, cy = x + adv / 2 + rng.normal(0, 0.015 * h), line.shape[0] / 2 + rng.normal(0, 0.03 * h)
        x0, y0 = round(cx - gw / 2), round(cy - gh / 2)
        region = line[y0: y0 + gh, x0: x0 + gw]
        np.minimum(region, g[: region.shape[0], : region.shape[1]], out=region)
        x += adv
    ink = np.flatnonzero((line < 200).any(axis=0))
    line = line[:, max(0, ink.min() - 6): ink.max() + 7] if ink.size else line
    return scanner(line, rng)


def random_pattern(rng: np.random.Generator) -> str:
    n = int(rng.integers(4, 13))
    digits = "".join(str(int(d)) for d in rng.integers(0, 10, n))
    if n >= 6 and rng.random() < 0.5:  # groups: 3-4-4, 2-4 ...
        a = int(rng.integers(2, n - 2))
        b = int(rng.integers(a + 1, n)) if n - a > 3 and rng.random() < 0.5 else n
        digits = digits[:a] + "-" + digits[a:b] + ("-" + digits[b:] if b < n else "")
    return digits


def evaluate(reader: DigitReader, cells: np.ndarray, labels: np.ndarray, cols: range = EVAL_COLS,
             ppocr: bool = False) -> dict:
    res: dict[str, object] = {}
    # Single digits of the eval columns: scanned thick strokes at two scales, and written
    # with the synthesiser's pen (thin strokes, squeezed to a font width, scanner pass).
    rng = np.random.default_rng(0)
    thick = [(mnist_crop(cells[r, c], rng, augment=False, scale=s), labels[r])
             for s in (2.0, 3.0) for r in range(50) for c in cols]
    pen = [(pen_crop(cells[r, c], rng), labels[r]) for r in range(50) for c in cols]
    for name, crops in (("thick", thick), ("pen", pen)):
        g, keep = _glyphs([c for c, _ in crops])
        y = np.array([lab for _, lab in crops])[keep]
        p = reader.probabilities(g)
        res[f"{name}_single_digit_acc"] = float(((p * PRIOR).argmax(axis=1) == y).mean())
        res[f"{name}_single_digit_n"] = len(y)
        read_ok = [reader.read(c).text == str(lab) for c, lab in crops]
        res[f"{name}_single_digit_read_acc"] = float(np.mean(read_ok))
    # Strings of eval digits (4-12 digits, half with '-' groups): thick pasted with gaps,
    # thick touching, and pen-written like the synthesiser's forms.
    rng = np.random.default_rng(2024)
    pats = [random_pattern(rng) for _ in range(200)]
    truth = [pt.replace("-", "") for pt in pats]
    imgs = [paste_string(pt, cells, labels, cols, rng) for pt in pats]
    rng = np.random.default_rng(77)
    tpats = ["".join(str(int(d)) for d in rng.integers(0, 10, int(rng.integers(4, 9)))) for _ in range(100)]
    timgs = [paste_string(pt, cells, labels, cols, rng, gap=(0.0, 0.05)) for pt in tpats]
    rng = np.random.default_rng(2025)
    ppats = [random_pattern(rng) for _ in range(200)]
    pimgs = [pen_string(pt, cells, labels, cols, rng) for pt in ppats]
    sets = (("thick_gap", imgs, pats), ("thick_touching", timgs, tpats), ("pen", pimgs, ppats))
    for name, ims, pts in sets:
        pairs = [(reader.read(im).text, pt.replace("-", "")) for im, pt in zip(ims, pts, strict=True)]
        res[f"{name}_string_exact"] = float(np.mean([o == t for o, t in pairs]))
        res[f"{name}_string_len_ok"] = float(np.mean([len(o) == len(t) for o, t in pairs]))
    res["ms_per_string"] = _seconds_per_crop(reader, pimgs) * 1000
    # Font digits and strings with another seed than training.
    digit_label = {d: i for i, d in enumerate(DIGITS)}
    for style in ("printed", "handwriting"):
        specs = available_fonts(style)
        rng = np.random.default_rng(99)
        gl, yl = [], []
        ok, n = 0, 0
        for spec in specs:
            for d in DIGITS:
                for _ in range(10):
                    size = int(rng.integers(20, 64))
                    crop = font_crop(d, spec, size, rng, stroke=int(rng.choice([0, 1])),
                                     angle=float(rng.uniform(-4, 4)))
                    gg = char_glyph(crop)
                    if gg is not None:
                        gl.append(gg)
                        yl.append(digit_label[d])
            for _ in range(15):
                pat = random_pattern(rng)
                size = int(rng.integers(24, 60))
                angle = float(rng.uniform(-1.5, 1.5))
                crop = font_crop(pat, spec, size, rng, stroke=int(rng.choice([0, 0, 1])), angle=angle)
                ok += reader.read(crop).text == pat.replace("-", "")
                n += 1
        pf = reader.probabilities(np.asarray(gl))
        res[f"font_{style}_digit_acc"] = float(((pf * PRIOR).argmax(axis=1) == np.asarray(yl)).mean())
        res[f"font_{style}_string_exact"] = ok / n
    # Non-digits: kanji dates and Latin text give few digits.
    rng = np.random.default_rng(5)
    spurious = []
    for spec in fonts():
        for txt in ("<script>", "令和年月日", "氏名", "alert(1)"):
            crop = font_crop(txt, spec, 40, rng, pen=False)
            spurious.append((spec.name, txt, reader.read(crop).text))
    res["spurious"] = spurious
    if ppocr:
        res.update(_vs_ppocr(reader, imgs, truth, "thick_gap"))
        res.update(_vs_ppocr(reader, pimgs, [pt.replace("-", "") for pt in ppats], "pen"))
    return res


def _seconds_per_crop(reader: DigitReader, imgs: list[np.ndarray]) -> float:
    """Best of three passes (the machine is shared; the first pass warms the caches)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for im in imgs:
            reader.read(im)
        best = min(best, (time.perf_counter() - t0) / len(imgs))
    return best


def _vs_ppocr(reader: DigitReader, imgs: list[np.ndarray], truth: list[str], name: str) -> dict[str, object]:
    """PP-OCR (the production recogniser, alphabet '0-9' and '-') on the same crops: its
    speed, accuracy, and how often it is right when the two readers agree or not."""
    from ocr.digits import digits_of, exact_agreement
    from services.compose import build_recognizer

    rec = build_recognizer()
    alphabet = "0123456789-"
    rec.recognize(imgs[:4], [alphabet] * 4)  # warm-up
    t0 = time.perf_counter()
    out = rec.recognize(imgs, [alphabet] * len(imgs))
    t_ocr = (time.perf_counter() - t0) / len(imgs)
    t_me = _seconds_per_crop(reader, imgs)
    mine = [reader.read(im).text for im in imgs]
    ocr_txt = [r.text for r in out]
    ocr_ok = np.array([digits_of(o) == t for o, t in zip(ocr_txt, truth, strict=True)])
    me_ok = np.array([m == t for m, t in zip(mine, truth, strict=True)])
    agree = np.array([exact_agreement(o, m) for o, m in zip(ocr_txt, mine, strict=True)])
    n = f"{name}_vs_ppocr"
    return {
        f"{n}_ms_ppocr_batched": t_ocr * 1000, f"{n}_ms_digits": t_me * 1000,
        f"{n}_speed_ratio": t_ocr / t_me,
        f"{n}_ppocr_exact": float(ocr_ok.mean()), f"{n}_digits_exact": float(me_ok.mean()),
        f"{n}_agree_rate": float(agree.mean()),
        f"{n}_ppocr_exact_when_agree": float(ocr_ok[agree].mean()) if agree.any() else None,
        f"{n}_ppocr_exact_when_disagree": float(ocr_ok[~agree].mean()) if (~agree).any() else None,
        f"{n}_ppocr_errors_flagged": f"{int((~ocr_ok & ~agree).sum())}/{int((~ocr_ok).sum())}",
    }


def forms_benchmark(reader: DigitReader, n_docs: int, digits: str, style: str) -> dict[str, object]:
    """Both readers on the digit fields of synthetic forms read by the production pipeline.

    Documents come from ``synth`` (``digits``: "real-eval" writes the test-column digits,
    "font" the hand's font); each page is read by ``ocr.pipeline`` with PP-OCR, and the
    digit reader reads the same field crop the recogniser got (``ocr.fields._text_crop``).
    Truth is the synthesiser's text, digits only.
    """
    from datetime import date

    from domain.status import FieldKind
    from ocr.digits import digits_of
    from ocr.fields import _printed_part, _text_crop
    from ocr.pipeline import read_page_with_image
    from services.compose import build_reader
    from synth.generate import SynthOptions, generate_document

    kinds = {FieldKind.DIGITS, FieldKind.AMOUNT, FieldKind.POSTAL_CODE, FieldKind.PHONE,
             FieldKind.MY_NUMBER, FieldKind.WAREKI_DATE}
    prod = build_reader(use_calibration=False, today=date(2026, 11, 20))
    templates = sorted(prod.templates.values(), key=lambda t: t.id)
    rows: list[tuple[str, str, str, str]] = []  # kind, truth, ocr, digit reader
    for i in range(n_docs):
        tpl = templates[i % len(templates)]
        opts = SynthOptions(style=style, digits=digits, blank_page_prob=0, id_copy_prob=0)
        doc = generate_document(tpl, seed=1000 + i, options=opts)
        for img, tp in zip(doc.pages, doc.truth["pages"], strict=True):
            if tp["kind"] != "form":
                continue
            page, aligned = read_page_with_image(img, prod)
            if aligned is None or page.template_id not in prod.templates or page.page_number is None:
                continue
            t, page_no = prod.templates[page.template_id], page.page_number
            blank = prod.blank(t, page_no)
            got = {f.field_id: f for f in page.fields}
            for spec in t.fields_on(page_no):
                if spec.kind not in kinds or spec.id not in tp["fields"] or spec.id not in got:
                    continue
                crop = _text_crop(aligned, blank, spec, prod, keep_printed=_printed_part(t, spec))[0]
                mine = reader.read(crop).text if crop is not None else ""
                rows.append((spec.kind.value, digits_of(str(tp["fields"][spec.id]["text"] or "")),
                             digits_of(got[spec.id].raw or ""), mine))
    truth = np.array([r[1] for r in rows])
    ocr_ok = np.array([r[2] == r[1] for r in rows])
    me_ok = np.array([r[3] == r[1] for r in rows])
    agree = np.array([r[2] == r[3] for r in rows])
    n = f"forms_{digits}_{style}"
    return {
        f"{n}_fields": len(truth), f"{n}_ppocr_exact": float(ocr_ok.mean()),
        f"{n}_digits_exact": float(me_ok.mean()), f"{n}_agree_rate": float(agree.mean()),
        f"{n}_ppocr_exact_when_agree": float(ocr_ok[agree].mean()) if agree.any() else None,
        f"{n}_ppocr_exact_when_disagree": float(ocr_ok[~agree].mean()) if (~agree).any() else None,
        f"{n}_ppocr_errors_flagged": f"{int((~ocr_ok & ~agree).sum())}/{int((~ocr_ok).sum())}",
        f"{n}_by_kind": {k: f"ppocr {np.mean([r[2] == r[1] for r in rows if r[0] == k]):.2f} "
                            f"digits {np.mean([r[3] == r[1] for r in rows if r[0] == k]):.2f} "
                            f"n={sum(r[0] == k for r in rows)}"
                         for k in sorted({r[0] for r in rows})},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sheet", help="digits_dev.png (default: the shared real data)")
    ap.add_argument("--out", default=str(MODEL_PATH))
    ap.add_argument("--eval", action="store_true", help="evaluate the model file only")
    ap.add_argument("--ppocr", action="store_true", help="also compare speed/accuracy with PP-OCR")
    ap.add_argument("--forms", type=int, default=0, metavar="N",
                    help="also read N synthetic documents (real test-column digits, then font digits) "
                         "with the production pipeline and compare both readers on their digit fields")
    ap.add_argument("--dev", action="store_true",
                    help=f"tune: train on columns 0-19, measure on 20-24 (model to {DEV_MODEL})")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--models", type=int, default=2, help="ensemble size")
    args = ap.parse_args()
    cv2.setRNGSeed(14)
    cells, labels = load_sheet(sheet_path(args.sheet))
    out = Path(DEV_MODEL if args.dev and args.out == str(MODEL_PATH) else args.out)
    train_cols, eval_cols = (DEV_TRAIN_COLS, DEV_COLS) if args.dev else (TRAIN_COLS, EVAL_COLS)
    if not args.eval:
        t0 = time.perf_counter()
        g, y = training_set(cells, labels, real_cols=train_cols)
        print(f"training set: {len(y)} glyphs, per class {np.bincount(y, minlength=len(CLASSES)).tolist()} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
        x = features(g)
        nets = []
        for m in range(args.models):  # an ensemble: same data, other initialisation and order
            print(f"net {m + 1}/{args.models}", flush=True)
            nets.append(train_mlp(x, y, hidden=args.hidden, epochs=args.epochs, seed=14 + m))
        meta = {"train_columns": [train_cols.start, train_cols.stop - 1], "samples": len(y),
                "fonts": [f.name for f in fonts()], "hidden": args.hidden, "epochs": args.epochs,
                "models": args.models}
        save_model(nets, out, meta)
        print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")
    reader = DigitReader(out)
    print(f"measured on real columns {eval_cols.start}-{eval_cols.stop - 1}")
    res = evaluate(reader, cells, labels, eval_cols, ppocr=args.ppocr)
    if args.forms:
        res.update(forms_benchmark(reader, args.forms, "real-eval", "handwriting"))
        res.update(forms_benchmark(reader, args.forms, "font", "mixed"))
    for k, v in res.items():
        if k == "spurious":
            for name, txt, got in v:
                print(f"  non-digits {name:14s} {txt!r:12s} -> {got!r}")
        else:
            print(f"{k}: {v:.4f}" if isinstance(v, float) else f"{k}: {v}")


if __name__ == "__main__":
    main()
