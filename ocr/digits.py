"""An independent second reader for digit strings (issue 14): segment, normalise, classify.

PP-OCR reads a field as a whole line with a CTC model; this reader shares nothing with
it. It cuts the crop into characters, normalises each MNIST-style and classifies it with
a small numpy MLP ensemble (pixels + HOG -> the digits, "other" for separators, kanji and
letters, and "several touching"). Whether the two readers agree is a calibration signal:
they err differently.

Input: the crop ``ocr/fields.py`` gives the recogniser (gray uint8, dark ink on white,
box lines removed, one line). Steps:

1. ink (:func:`ocr.crop.ink_mask`), 8-connected components; specks are dropped, and so
   is a sliver on the crop's left/right border (a box line's remnant, not a '1');
2. components overlapping strongly in x are merged (broken strokes, a '5' with a loose
   bar, the parts of 月 or 'i');
3. the line's digit height is the median height of the tall pieces; pieces lower than
   :data:`SMALL` of it ('.', ',', '-', dust) are not digits and are not classified;
4. a segmentation is chosen by a small DP over the pieces that maximises the product of
   per-character scores (class probability x class prior x width prior) times a cost
   per edit: a piece wider than :data:`WIDE` x the digit height may be cut (touching
   digits; the cut columns come from a DP over low-ink and evenly spaced columns), close
   neighbours may be bridged (a digit broken in two). A cut counts only as much as the
   whole looks like "several touching" (a class never read out), so a wide 年 stays whole
   and touching '12' or '000' is cut;
5. each character is scaled to fit 20x20 inside 28x28 (aspect kept), centred by mass,
   and classified; non-digits ('-', '/', 年月日, letters) are dropped from the text.

The model (``ocr/data/digit_model.npz``, built by ``scripts/train_digits.py``, plain
arrays, no pickle) is loaded once per :class:`DigitReader`; reading is numpy + OpenCV,
about 2-8 ms a field, single-threaded on purpose (see :meth:`DigitReader.probabilities`).
A reader is immutable after loading and may be shared between threads.

Use::

    reader = DigitReader()                  # or default_reader()
    r = reader.read(crop)                   # DigitReading(text="07012825662", confidences=(...))
    agreement(ocr_text, r.text)             # 1.0: same digits; else 1 - normalised edit distance
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ocr.crop import ink_mask

MODEL_PATH = Path(__file__).resolve().parent / "data" / "digit_model.npz"
DIGITS = "0123456789"
OTHER = "?"  # the 11th class: one character that is not a digit
MULTI = "*"  # the 12th class: several characters touching (to be cut, never a reading)
CLASSES = DIGITS + OTHER + MULTI
SIZE = 28  # normalised glyph: SIZE x SIZE ...
BOX = 20  # ... with the ink scaled to fit BOX x BOX (MNIST)
SMALL = 0.35  # pieces lower than this share of the digit height are not digits
WIDE = 0.95  # pieces wider than this share of the digit height may be several digits
MAX_PIECE = 1.35  # a piece cut from a wide blob is at most this wide (x digit height)
MIN_PIECE = 0.12  # ... and at least this wide
OVERLAP = 0.5  # merge components whose x-overlap is at least this share of the narrower
# A segmentation's score is the product over its segments of p(class) x class prior x
# width prior, times these costs: cutting a connected piece or bridging a gap is an edit.
OTHER_PRIOR = 0.2  # a digit field holds digits: "not a digit" must be clearly so
CUT_COST = 0.3  # per cut through a connected piece
MERGE_COST = 0.5  # per gap bridged between pieces (a broken stroke)
MERGE_GAP = 0.15  # bridge gaps up to this share of the digit height ...
MERGE_WIDTH = 1.0  # ... when the bridged piece is at most this wide
MAX_MERGE = 3  # pieces bridged into one at most
SLIVER = 0.5  # a piece too low to classify, made by a cut or a bridge
MULTI_FLOOR = 0.1  # a cut counts at least this when the whole does not look like several
MIN_EVEN = 0.4  # a wide piece is also cut evenly into parts down to this wide (x digit height)
EDGE_SLIVER = 0.12  # a piece this narrow (x digit height) on the crop's left/right border is a line
WIDEST = 1.5  # one character up to this wide (x digit height) is as likely as a narrow one
# Class priors: a digit field holds digits, so "not a digit" must be clearly so, and
# "several touching" is never a reading (its probability only makes the cuts win).
PRIOR = np.array([1.0] * len(DIGITS) + [OTHER_PRIOR, 0.0], np.float32)

BBox = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) in the crop

_HOG = cv2.HOGDescriptor((SIZE, SIZE), (14, 14), (7, 7), (7, 7), 9)


@dataclass(frozen=True)
class DigitReading:
    """What the digit reader saw in one crop.

    ``text`` holds the digits only, left to right; ``confidences[i]`` is the classifier's
    probability of ``text[i]`` (0..1), ``boxes[i]`` its ink box in the crop. ``others``
    are the boxes of pieces read as non-digits (separators, kanji, letters), which the
    text leaves out. ``glyphs[i]`` is the normalised glyph (SIZE x SIZE, ink 1.0) that
    was classified as ``text[i]``, so a third classifier can read the very same cut
    (:mod:`ocr.digit_check`).
    """

    text: str
    confidences: tuple[float, ...]
    boxes: tuple[BBox, ...] = ()
    others: tuple[BBox, ...] = ()
    glyphs: tuple[np.ndarray, ...] = field(default=(), compare=False, repr=False)

    @property
    def confidence(self) -> float:
        """Product of the per-digit probabilities (1.0 when no digit was read)."""
        return float(np.prod(self.confidences)) if self.confidences else 1.0

    @property
    def min_confidence(self) -> float:
        """The least sure digit (1.0 when no digit was read)."""
        return min(self.confidences, default=1.0)


EMPTY = DigitReading(text="", confidences=())


# ---------------------------------------------------------------- agreement with the OCR


def digits_of(text: str) -> str:
    """The ASCII digits of ``text`` after NFKC ('１２' and '①' count, '-', '年' do not)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c in DIGITS)


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def agreement(ocr_text: str, digit_text: str) -> float:
    """1.0 when both hold the same digit sequence (digits only, after NFKC), else
    ``1 - edit distance / longer length`` in [0, 1). Two texts without digits agree."""
    a, b = digits_of(ocr_text), digits_of(digit_text)
    if a == b:
        return 1.0
    return 1.0 - _edit_distance(a, b) / max(len(a), len(b))


def exact_agreement(ocr_text: str, digit_text: str) -> bool:
    """Whether both texts hold exactly the same digit sequence (``agreement == 1.0``)."""
    return digits_of(ocr_text) == digits_of(digit_text)


# ---------------------------------------------------------------- glyph normalisation


def normalise(mask: np.ndarray) -> np.ndarray:
    """A character's ink (bool or 0/1) -> float32 SIZE x SIZE, ink 1.0, MNIST-style.

    The ink box is scaled (aspect kept) so its longer side is BOX pixels, then placed
    on the SIZE canvas with its centre of mass in the middle (clipped to the canvas).
    """
    ys, xs = np.nonzero(mask)
    out = np.zeros((SIZE, SIZE), np.float32)
    if xs.size == 0:
        return out
    sub = np.asarray(mask[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1], np.float32)
    h, w = sub.shape
    s = BOX / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    small = np.clip(cv2.resize(sub, (nw, nh), interpolation=interp), 0.0, 1.0)
    total = float(small.sum())
    if total <= 0:
        return out
    cy = float((small.sum(axis=1) * np.arange(nh)).sum() / total)
    cx = float((small.sum(axis=0) * np.arange(nw)).sum() / total)
    oy = round(SIZE / 2 - 0.5 - cy)
    ox = round(SIZE / 2 - 0.5 - cx)
    oy, ox = min(max(oy, 0), SIZE - nh), min(max(ox, 0), SIZE - nw)
    out[oy: oy + nh, ox: ox + nw] = small
    return out


def features(glyphs: np.ndarray) -> np.ndarray:
    """(N, SIZE, SIZE) normalised glyphs -> (N, D) float32: pixels, then HOG (9 bins, 3x3 blocks)."""
    glyphs = np.asarray(glyphs, np.float32).reshape(-1, SIZE, SIZE)
    n = glyphs.shape[0]
    pix = glyphs.reshape(n, -1)
    hog = np.stack([np.asarray(_HOG.compute(np.ascontiguousarray((g * 255).astype(np.uint8)))).ravel()
                    for g in glyphs]) if n else np.zeros((0, _HOG.getDescriptorSize()), np.float32)
    return np.concatenate([pix, hog], axis=1).astype(np.float32)


def char_glyph(gray: np.ndarray) -> np.ndarray | None:
    """One character's crop (gray, dark on white) -> its normalised glyph, None without ink.

    The same ink detection and speck removal as :meth:`DigitReader.read`; all ink is one
    character. Used to build the training set so training sees what reading sees.
    """
    ink = _drop_specks(ink_mask(_gray(gray)))
    return normalise(ink) if ink.any() else None


# ---------------------------------------------------------------- segmentation


@dataclass
class _Piece:
    x0: int
    y0: int
    x1: int
    y1: int
    mask: np.ndarray  # bool, the piece's own ink in [y0:y1, x0:x1]

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    @property
    def box(self) -> BBox:
        return (self.x0, self.y0, self.x1, self.y1)


def _gray(img: np.ndarray) -> np.ndarray:
    arr = np.asarray(img)
    if arr.ndim == 3 and arr.shape[2] == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGR2GRAY)
    if arr.ndim != 2 or arr.dtype != np.uint8:
        raise ValueError(f"expected a gray uint8 image, got {arr.dtype} {arr.shape}")
    return arr


def _components(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    return labels, stats[1:n]  # (x, y, w, h, area) rows of the components 1..n-1


def _speck_limit(stats: np.ndarray) -> tuple[np.ndarray, float]:
    """(mask of components that are specks, the tallest real component's height)."""
    area, h, w = stats[:, cv2.CC_STAT_AREA], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    big = area >= 8
    hmax = float(h[big].max()) if big.any() else float(h.max())
    side = np.maximum(h, w)
    return (area < max(4.0, 0.004 * hmax * hmax)) & (side < 0.2 * hmax), hmax


def _drop_specks(ink: np.ndarray) -> np.ndarray:
    labels, stats = _components(ink)
    if not len(stats):
        return np.zeros(ink.shape, bool)
    speck, _ = _speck_limit(stats)
    keep = np.concatenate([[False], ~speck])
    return np.asarray(keep[labels])


def _pieces(ink: np.ndarray) -> list[_Piece]:
    """Components (specks dropped) merged by x-overlap, left to right."""
    labels, stats = _components(ink)
    if not len(stats):
        return []
    speck, _ = _speck_limit(stats)
    groups: list[list[int]] = []
    spans: list[list[int]] = []  # x0, x1 per group
    order = sorted((i for i in range(len(stats)) if not speck[i]), key=lambda i: stats[i, 0])
    for i in order:
        x0, w = int(stats[i, 0]), int(stats[i, 2])
        groups.append([i + 1])
        spans.append([x0, x0 + w])
    merged = True
    while merged:  # merging widens a group, which may make it overlap another
        merged = False
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                (ax0, ax1), (bx0, bx1) = spans[a], spans[b]
                ov = min(ax1, bx1) - max(ax0, bx0)
                if ov > 0 and ov >= OVERLAP * min(ax1 - ax0, bx1 - bx0):
                    groups[a] += groups.pop(b)
                    spans[a] = [min(ax0, bx0), max(ax1, bx1)]
                    spans.pop(b)
                    merged = True
                    break
            if merged:
                break
    out = []
    for g in groups:
        rows = stats[[i - 1 for i in g]]
        x0, y0 = int(rows[:, 0].min()), int(rows[:, 1].min())
        x1, y1 = int((rows[:, 0] + rows[:, 2]).max()), int((rows[:, 1] + rows[:, 3]).max())
        mask = np.isin(labels[y0:y1, x0:x1], g)
        out.append(_Piece(x0, y0, x1, y1, mask))
    out.sort(key=lambda p: p.x0)
    return out


def _trim(mask: np.ndarray, ox: int, oy: int) -> _Piece | None:
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    return _Piece(ox + x0, oy + y0, ox + x1, oy + y1, mask[y0:y1, x0:x1])


def _digit_height(pieces: list[_Piece]) -> float:
    """Median height of the tall pieces: what a digit's height is on this line."""
    hs = np.array([p.h for p in pieces], float)
    return float(np.median(hs[hs >= 0.5 * hs.max()]))


def _is_rule(piece: _Piece, ref_h: float, width: int) -> bool:
    """What is left of a printed box line (the field's edge), not a written '1': a sliver
    on the crop's left or right border (written ink never touches it: the crop keeps a
    margin around the ink, so ink there was cut by the box region).

    Height alone cannot tell a line from a '1': real digits squeezed to a font's width
    leave a '1' up to 1.6 times as tall as its neighbours.
    """
    return (piece.x0 == 0 or piece.x1 == width) and piece.w <= max(2.0, EDGE_SLIVER * ref_h)


def _cut_candidates(piece: _Piece, ref_h: float) -> list[int]:
    """Columns (relative to the piece) where touching characters may be cut: the local
    minima of the (lightly smoothed) ink profile, lowest first, at most a dozen."""
    prof = piece.mask.sum(axis=0).astype(np.float32)
    if prof.size < 5:
        return []
    smooth = np.convolve(prof, np.ones(3, np.float32) / 3, mode="same")
    edge = max(2, int(MIN_PIECE * ref_h))
    cands = []
    for c in range(edge, piece.w - edge):
        if smooth[c] <= smooth[c - 1] and smooth[c] <= smooth[c + 1]:
            cands.append(c)
    cands.sort(key=lambda c: (smooth[c], c))
    kept: list[int] = []
    for c in cands:  # one candidate per valley
        if all(abs(c - k) > max(2, 0.08 * ref_h) for k in kept):
            kept.append(c)
        if len(kept) >= 12:
            break
    return sorted(kept)


# ---------------------------------------------------------------- the reader


class DigitReader:
    """Reads the digits of a field crop with the shipped (or a given) model file."""

    def __init__(self, path: Path | str | None = None) -> None:
        src = Path(path) if path is not None else MODEL_PATH
        with np.load(src) as z:  # plain arrays: no pickle
            n_models, n_layers = int(z["n_models"]), int(z["n_layers"])
            self.nets = [[(np.asarray(z[f"m{m}_W{i}"], np.float32), np.asarray(z[f"m{m}_b{i}"], np.float32))
                          for i in range(n_layers)] for m in range(n_models)]
            self.mean = np.asarray(z["mean"], np.float32)
            self.scale = np.asarray(z["scale"], np.float32)
            self.classes = str(z["classes"])
            self.temperature = float(z["temperature"]) if "temperature" in z else 1.0
        if self.classes != CLASSES:
            raise ValueError(f"{src}: model classes {self.classes!r}, expected {CLASSES!r}")
        self.path = src

    # -- classification

    def probabilities(self, glyphs: np.ndarray) -> np.ndarray:
        """(N, SIZE, SIZE) normalised glyphs -> (N, 12) class probabilities (:data:`CLASSES`),
        the mean of the ensemble's softmax outputs."""
        if len(glyphs) == 0:
            return np.zeros((0, len(CLASSES)), np.float32)
        feats = (features(glyphs) - self.mean) * self.scale
        total = np.zeros((len(feats), len(CLASSES)), np.float32)
        for net in self.nets:
            x = feats
            for i, (w, b) in enumerate(net):
                # einsum's own loops, not BLAS: a threaded GEMM on these small matrices
                # stalls for tens of ms when the cores are busy (the OCR, other workers)
                x = np.einsum("ij,jk->ik", x, w, optimize=False) + b
                if i < len(net) - 1:
                    x = np.maximum(x, 0.0)
            x = x / self.temperature
            e = np.exp(x - x.max(axis=1, keepdims=True))
            total += e / e.sum(axis=1, keepdims=True)
        return np.asarray(total / len(self.nets), np.float32)

    def classify(self, gray: np.ndarray) -> tuple[str, float]:
        """One character's crop -> (class, probability); class '?' is "not a digit"."""
        glyph = char_glyph(gray)
        if glyph is None:
            return OTHER, 1.0
        p = self.probabilities(glyph[None])[0]
        k = int((p * PRIOR).argmax())
        return CLASSES[k], float(p[k])

    # -- reading

    def read(self, crop: np.ndarray) -> DigitReading:
        """The digits of one field crop (gray uint8, dark ink on white); never raises on blanks."""
        gray = _gray(crop)
        if gray.size == 0:
            return EMPTY
        atoms = _pieces(ink_mask(gray))
        if not atoms:
            return EMPTY
        hs = np.array([a.h for a in atoms], float)
        line_h = float(np.median(hs[hs >= 0.25 * hs.max()]))
        width = gray.shape[1]
        rules = [a for a in atoms if _is_rule(a, line_h, width)]
        if rules and len(rules) < len(atoms):  # a box line's remnant is no '1'
            atoms = [a for a in atoms if not _is_rule(a, line_h, width)]
        else:
            rules = []
        ref_h = _digit_height(atoms)
        # Every piece any segmentation may use: atoms, parts of wide atoms, bridged atoms.
        cuts = {i: _Cuts(a, ref_h) for i, a in enumerate(atoms)
                if a.w > WIDE * ref_h and a.h >= SMALL * ref_h}
        merges = _merges(atoms, ref_h)
        pieces = {id(q): q for q in [*atoms, *(q for cut in cuts.values() for q in cut.parts.values()),
                                     *(m.parts[0] for m in merges)]}
        tall = [q for q in pieces.values() if q.h >= SMALL * ref_h]
        glyph_of = {id(q): normalise(q.mask) for q in tall}
        probs = self.probabilities(np.stack(list(glyph_of.values()))) if tall \
            else np.zeros((0, len(CLASSES)), np.float32)
        label: dict[int, tuple[int, float]] = {}
        several: dict[int, float] = {}
        for q, pr in zip(tall, probs, strict=True):
            k = int((pr * PRIOR).argmax())
            label[id(q)] = (k, float(pr[k]))
            several[id(q)] = float(pr[-1])
        cands = [_Candidate(i, i + 1, (a,)) for i, a in enumerate(atoms)] + merges
        for i, cut in cuts.items():
            parts = cut.best(label, ref_h)
            if len(parts) > 1:  # cut as much as the whole looks like several characters
                touching = max(several.get(id(atoms[i]), 0.0), MULTI_FLOOR)
                cands.append(_Candidate(i, i + 1, parts, touching * CUT_COST ** (len(parts) - 1)))
        # Best segmentation: a DP over the atoms, maximising the summed log scores.
        best: list[tuple[float, _Candidate | None]] = [(0.0, None)]
        best += [(-math.inf, None)] * len(atoms)
        for c in sorted(cands, key=lambda c: c.end):
            if best[c.start][0] == -math.inf:
                continue
            edited = c.cost < 1
            s = best[c.start][0] + math.log(c.cost) + sum(_score(q, label, ref_h, edited) for q in c.parts)
            if s > best[c.end][0]:
                best[c.end] = (s, c)
        chosen: list[_Candidate] = []
        j = len(atoms)
        while j > 0:
            step = best[j][1]
            assert step is not None  # every atom alone is a candidate
            chosen.append(step)
            j = step.start
        text: list[str] = []
        confs: list[float] = []
        boxes: list[BBox] = []
        glyphs: list[np.ndarray] = []
        others = [r.box for r in rules]
        for c in reversed(chosen):
            for q in c.parts:
                k, pk = label.get(id(q), (len(DIGITS), 1.0))
                if k < len(DIGITS):
                    text.append(DIGITS[k])
                    confs.append(pk)
                    boxes.append(q.box)
                    glyphs.append(glyph_of[id(q)])
                else:
                    others.append(q.box)
        return DigitReading("".join(text), tuple(confs), tuple(boxes), tuple(sorted(others)),
                            tuple(glyphs))


class _Cuts:
    """A wide piece and its parts between candidate cut columns (touching characters).

    Candidates: the local minima of the ink profile (a thin join) and the columns that
    divide the piece evenly into 2, 3, ... parts of plausible width (where two '0's
    touch, the join is a thick vertical stroke and the minima are inside the loops).
    Parts are MIN_PIECE..MAX_PIECE of the digit height wide.
    """

    def __init__(self, piece: _Piece, ref_h: float) -> None:
        self.piece = piece
        cols = set(_cut_candidates(piece, ref_h))
        most = max(2, math.ceil(piece.w / (MIN_EVEN * ref_h)))
        for k in range(2, most + 1):
            cols.update(round(i * piece.w / k) for i in range(1, k))
        edge = max(2, int(MIN_PIECE * ref_h))
        kept: list[int] = []
        for c in sorted(cols):
            if edge <= c <= piece.w - edge and (not kept or c - kept[-1] >= 2):
                kept.append(c)
        self.bounds = [0, *kept, piece.w]
        lo, hi = MIN_PIECE * ref_h, MAX_PIECE * ref_h
        self.parts: dict[tuple[int, int], _Piece] = {}
        for i, a in enumerate(self.bounds):
            for b in self.bounds[i + 1:]:
                if b - a > hi:
                    break
                if b - a >= lo and (q := _trim(piece.mask[:, a:b], piece.x0 + a, piece.y0)) is not None:
                    self.parts[(a, b)] = q

    def best(self, label: dict[int, tuple[int, float]], ref_h: float) -> tuple[_Piece, ...]:
        """The best-scoring sequence of parts covering the piece (a DP over the columns)."""
        n = len(self.bounds)
        score = [0.0] + [-math.inf] * (n - 1)
        back: list[int] = [-1] * n
        for j in range(1, n):
            for i in range(j):
                q = self.parts.get((self.bounds[i], self.bounds[j]))
                if q is None or score[i] == -math.inf:
                    continue
                s = score[i] + _score(q, label, ref_h, True) + (math.log(CUT_COST) if i else 0.0)
                if s > score[j]:
                    score[j], back[j] = s, i
        if back[n - 1] < 0:
            return ()
        parts: list[_Piece] = []
        j = n - 1
        while j > 0:
            i = back[j]
            parts.append(self.parts[(self.bounds[i], self.bounds[j])])
            j = i
        return tuple(reversed(parts))


@dataclass(frozen=True)
class _Candidate:
    """Atoms ``start:end`` read as ``parts``; ``cost`` < 1 for a cut or a bridged gap."""

    start: int
    end: int
    parts: tuple[_Piece, ...]
    cost: float = 1.0


def _width_prior(ratio: float) -> float:
    """How plausible one character of this width (x digit height) is (1 up to WIDEST)."""
    return 1.0 if ratio <= WIDEST else math.exp(-(((ratio - WIDEST) / 0.4) ** 2))


def _score(q: _Piece, label: dict[int, tuple[int, float]], ref_h: float, edited: bool) -> float:
    """log score of one segment: probability x class prior x width prior.

    A piece too low to classify is neutral as found, but a sliver made by a cut or a
    merge costs SLIVER.
    """
    if id(q) not in label:
        return math.log(SLIVER) if edited else 0.0
    k, p = label[id(q)]
    return math.log(max(p * float(PRIOR[k]) * _width_prior(q.w / ref_h), 1e-12))


def _merge(atoms: list[_Piece]) -> _Piece:
    x0, y0 = min(a.x0 for a in atoms), min(a.y0 for a in atoms)
    x1, y1 = max(a.x1 for a in atoms), max(a.y1 for a in atoms)
    mask = np.zeros((y1 - y0, x1 - x0), bool)
    for a in atoms:
        mask[a.y0 - y0: a.y1 - y0, a.x0 - x0: a.x1 - x0] |= a.mask
    return _Piece(x0, y0, x1, y1, mask)


def _merges(atoms: list[_Piece], ref_h: float) -> list[_Candidate]:
    """Close neighbours bridged into one character (a digit broken in two or three)."""
    out = []
    for i, a in enumerate(atoms):
        right = a.x1
        for j in range(i + 1, min(len(atoms), i + MAX_MERGE)):
            b = atoms[j]
            if b.x0 - right > MERGE_GAP * ref_h:
                break
            right = max(right, b.x1)
            if right - a.x0 > MERGE_WIDTH * ref_h:
                break
            out.append(_Candidate(i, j + 1, (_merge(atoms[i: j + 1]),), MERGE_COST ** (j - i)))
    return out


_DEFAULT: DigitReader | None = None


def default_reader() -> DigitReader:
    """The reader of the shipped model, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = DigitReader()
    return _DEFAULT


def read_digits(crop: np.ndarray) -> DigitReading:
    """:meth:`DigitReader.read` with the shipped model."""
    return default_reader().read(crop)
