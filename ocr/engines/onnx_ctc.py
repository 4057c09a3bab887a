"""PP-OCR CTC text recognition on plain onnxruntime, with constrained decoding.

Pre- and post-processing replicate PaddleX 3.x ``TextRecRunnerPredictor``
(``paddlex/inference/models/text_recognition/{predictor,processors}.py``):
BGR input, resize to height 48 keeping the aspect ratio, canvas width
``int(48 * max(320/48, w/h))`` (at most 3200, wider lines are squeezed),
``(x/255 - 0.5)/0.5``, zero padding on the right; the model outputs softmax
probabilities over ``["blank", *character_dict, " "]`` (``CTCLabelDecode`` with
``use_space_char=True``). With ``alphabet=None`` the text equals PaddleOCR's.

Constrained decoding: for a crop with an alphabet, the probabilities of each
allowed character and its twins present in the dictionary (NFKC-equal forms:
'1' '１' '①'..., and for dash-like characters the dash family incl. 'ー', '一')
are summed into one class, spaces join the blank unless the alphabet allows
them, everything else is dropped, the remaining mass (allowed classes + blank)
is renormalised per frame, and greedy CTC decoding runs over these classes; a
decoded twin is written as its allowed character. The dropped mass is kept as
``outside_mass`` and lowers the confidence, so a reading that silently lost a
character ('6年12月' read as '612' under '0-9') is not confident.

onnxruntime is imported lazily (constructor); the decode helpers are pure numpy.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from ocr.recognizer import EMPTY_RESULT, TextResult, check_batch

REC_HEIGHT = 48
MIN_WIDTH = 320  # RecResizeImg image_shape [3, 48, 320]
MAX_WIDTH = 3200  # OCRReisizeNormImg.max_imgW
BLANK = 0

# Characters a writer uses for "-" / "ー"; the recogniser confuses them freely.
DASHES = frozenset("-－‐‑‒–—―−ーｰ一─━")
SPACES = (" ", "　")


def load_charset(yml_path: Path) -> list[str]:
    """``["blank", *PostProcess.character_dict, " "]``, as PaddleX's CTCLabelDecode builds it."""
    with yml_path.open(encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    post = cfg.get("PostProcess", {})
    if post.get("name") != "CTCLabelDecode":
        raise ValueError(f"{yml_path}: not a CTC model (PostProcess {post.get('name')!r})")
    chars = [str(c) for c in post["character_dict"]]
    return ["blank", *chars, " "]


# ---------------------------------------------------------------- decoding


@dataclass(frozen=True)
class Constraint:
    """Allowed classes for one alphabet over a charset.

    ``indices`` are charset indices sorted by class; ``starts[k]`` is where class k
    begins in ``indices``; class 0 is the blank (plus the spaces when the alphabet
    has none: a space separates, it is not content); ``labels[k]`` is the text of
    class k. Every other charset entry is outside the alphabet.
    """

    indices: np.ndarray
    starts: np.ndarray
    labels: tuple[str, ...]

    def reduce(self, probs: np.ndarray) -> tuple[np.ndarray, float]:
        """(T, V) probabilities -> ((T, K) renormalised class probabilities, outside mass).

        The outside mass is the largest per-frame probability of characters
        outside the alphabet: near 1 when the crop holds something the alphabet
        forbids (a '年' in a digits field), which renormalisation alone hides.
        """
        grouped = np.add.reduceat(probs[:, self.indices], self.starts, axis=1)
        total = grouped.sum(axis=1, keepdims=True)
        outside = float(np.clip(1.0 - total.min(), 0.0, 1.0)) if total.size else 0.0
        return np.asarray(grouped / np.maximum(total, 1e-30), dtype=np.float32), outside


def nfkc_classes(charset: Sequence[str]) -> dict[str, list[str]]:
    """NFKC form -> charset entries with that form (blank excluded)."""
    out: dict[str, list[str]] = {}
    for i, c in enumerate(charset):
        if i != BLANK:
            out.setdefault(unicodedata.normalize("NFKC", c), []).append(c)
    return out


def build_constraint(
    alphabet: str, charset: Sequence[str], nfkc: dict[str, list[str]] | None = None
) -> Constraint:
    """Classes for ``alphabet``: each allowed char claims itself, then its unclaimed twins.

    ``nfkc`` is :func:`nfkc_classes` of the charset (computed when not given).
    Allowed characters absent from the charset (with no twin in it) can never be
    output and are ignored.
    """
    if nfkc is None:
        nfkc = nfkc_classes(charset)
    index = {c: i for i, c in enumerate(charset) if i != BLANK}
    allowed = list(dict.fromkeys(alphabet))
    owner: dict[str, str] = {c: c for c in allowed if c in index}
    for c in allowed:
        twins = list(nfkc.get(unicodedata.normalize("NFKC", c), []))
        if c in DASHES:
            twins += sorted(d for d in DASHES if d in index)
        for t in twins:
            owner.setdefault(t, c)
    classes: dict[str, list[int]] = {}
    for t, c in owner.items():
        classes.setdefault(c, []).append(index[t])
    spaces = [index[c] for c in SPACES if c in index and c not in owner]
    labels = ["", *classes]
    groups = [[BLANK, *spaces], *(sorted(v) for v in classes.values())]
    starts = np.cumsum([0, *(len(g) for g in groups[:-1])]).astype(np.intp)
    indices = np.fromiter((i for g in groups for i in g), dtype=np.intp)
    return Constraint(indices=indices, starts=starts, labels=tuple(labels))


def greedy_decode(probs: np.ndarray, labels: Sequence[str], outside: float = 0.0) -> TextResult:
    """Greedy CTC decode of (T, K) per-frame probabilities; ``labels[0]`` is the blank.

    Repeated classes collapse, blanks separate. ``mean_confidence`` is PaddleOCR's
    score (mean probability at the first frame of each emitted run);
    ``char_confidences`` are each run's highest probability; ``confidence`` is
    their product times ``1 - outside`` (see :class:`~ocr.recognizer.TextResult`).
    """
    outside = min(max(outside, 0.0), 1.0)
    if probs.ndim != 2 or probs.shape[0] == 0:
        return EMPTY_RESULT
    idx = probs.argmax(axis=1)
    pmax = probs[np.arange(probs.shape[0]), idx]
    starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    run_idx = idx[starts]
    keep = run_idx != BLANK
    if not keep.any():
        return TextResult("", 0.0, (), 0.0, outside)
    run_max = np.maximum.reduceat(pmax, starts)[keep]
    first = pmax[starts][keep]
    text = "".join(labels[i] for i in run_idx[keep])
    chars = tuple(float(min(1.0, p)) for p in run_max)
    joint = float(np.prod(run_max, dtype=np.float64)) * (1.0 - outside)
    return TextResult(
        text=text,
        confidence=min(1.0, max(0.0, joint)),
        char_confidences=chars,
        mean_confidence=float(min(1.0, float(np.mean(first)))),
        outside_mass=outside,
    )


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=-1, keepdims=True), dtype=np.float32)


# ----------------------------------------------------------- preprocessing


def to_bgr(img: np.ndarray) -> np.ndarray:
    """Gray, (H, W, 1), BGR or BGRA uint8 -> BGR uint8."""
    if img.dtype != np.uint8:
        raise ValueError(f"crops must be uint8, got {img.dtype}")
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.ndim == 3 and img.shape[2] == 1:
        return cv2.cvtColor(img[:, :, 0], cv2.COLOR_GRAY2BGR)
    if img.ndim == 3 and img.shape[2] == 3:
        return img
    if img.ndim == 3 and img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    raise ValueError(f"unsupported crop shape {img.shape}")


def canvas_width(h: int, w: int) -> int:
    """Input width PaddleX gives a crop of size (h, w) when it is alone in a batch."""
    max_wh_ratio = max(MIN_WIDTH / REC_HEIGHT, w * 1.0 / h)
    return min(int(REC_HEIGHT * max_wh_ratio), MAX_WIDTH)


def resize_norm(img: np.ndarray, width: int) -> np.ndarray:
    """BGR crop -> (3, 48, width) float32, exactly as OCRReisizeNormImg.resize_norm_img."""
    h, w = img.shape[:2]
    fitted = min(width, math.ceil(REC_HEIGHT * (w / float(h))))
    resized_w = MAX_WIDTH if width >= MAX_WIDTH else fitted
    resized = cv2.resize(img, (resized_w, REC_HEIGHT)).astype("float32")
    norm = resized.transpose((2, 0, 1)) / 255
    norm -= 0.5
    norm /= 0.5
    out = np.zeros((3, REC_HEIGHT, width), dtype=np.float32)
    out[:, :, :resized_w] = norm
    return out


def plan_batches(widths: Sequence[int], max_batch: int, width_tolerance: float) -> list[list[int]]:
    """Group crop positions by canvas width: a batch holds widths within
    ``(1 + width_tolerance)`` of its narrowest and at most ``max_batch`` crops."""
    order = sorted(range(len(widths)), key=lambda i: widths[i])
    batches: list[list[int]] = []
    for i in order:
        if (
            batches
            and len(batches[-1]) < max_batch
            and widths[i] <= widths[batches[-1][0]] * (1.0 + width_tolerance)
        ):
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


# ------------------------------------------------------------------ engine


class OnnxCtcRecognizer:
    """PP-OCRv6 recognition (``inference.onnx`` + ``inference.yml``) on onnxruntime CPU.

    ``width_tolerance=0`` batches only crops with the same canvas width, so each
    crop sees exactly the input PaddleOCR gives it (text parity); a positive value
    pads narrower crops in a batch (fewer runs, slightly different numerics).
    """

    def __init__(
        self,
        model_dir: Path,
        threads: int = 2,
        *,
        max_batch: int = 8,
        width_tolerance: float = 0.0,
    ) -> None:
        import onnxruntime as ort

        model_dir = Path(model_dir)
        onnx_path, yml_path = model_dir / "inference.onnx", model_dir / "inference.yml"
        for p in (onnx_path, yml_path):
            if not p.is_file():
                raise FileNotFoundError(f"recognition model file missing: {p}")
        self.charset = load_charset(yml_path)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self._session: Any = ort.InferenceSession(
            str(onnx_path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        n_out = self._session.get_outputs()[0].shape[-1]
        if isinstance(n_out, int) and n_out != len(self.charset):
            raise ValueError(f"model has {n_out} classes, dictionary gives {len(self.charset)}")
        self.max_batch = max_batch
        self.width_tolerance = width_tolerance
        self._constraints: dict[str, Constraint] = {}
        self._nfkc: dict[str, list[str]] | None = None

    def constraint(self, alphabet: str) -> Constraint:
        c = self._constraints.get(alphabet)
        if c is None:
            if self._nfkc is None:
                self._nfkc = nfkc_classes(self.charset)
            c = build_constraint(alphabet, self.charset, self._nfkc)
            self._constraints[alphabet] = c
        return c

    def probabilities(self, crops: Sequence[np.ndarray]) -> list[np.ndarray | None]:
        """Per-crop (T, V) softmax outputs (None for an empty crop), in input order."""
        bgr = {i: to_bgr(np.asarray(c)) for i, c in enumerate(crops) if np.asarray(c).size}
        todo = sorted(bgr)
        widths = {i: canvas_width(*bgr[i].shape[:2]) for i in todo}
        out: list[np.ndarray | None] = [None] * len(crops)
        plan = plan_batches([widths[i] for i in todo], self.max_batch, self.width_tolerance)
        for batch in plan:
            pos = [todo[j] for j in batch]
            width = max(widths[i] for i in pos)
            x = np.zeros((len(pos), 3, REC_HEIGHT, width), dtype=np.float32)
            for k, i in enumerate(pos):
                x[k, :, :, : widths[i]] = resize_norm(bgr[i], widths[i])
            y = self._session.run(None, {self._input: x})[0]
            for k, i in enumerate(pos):
                out[i] = y[k]
        return out

    def recognize(self, crops: Sequence[np.ndarray], alphabets: Sequence[str | None]) -> list[TextResult]:
        check_batch(crops, alphabets)
        results: list[TextResult] = []
        for probs, alphabet in zip(self.probabilities(crops), alphabets, strict=True):
            if probs is None:
                results.append(EMPTY_RESULT)
            elif alphabet is None:
                results.append(greedy_decode(probs, self.charset))
            else:
                c = self.constraint(alphabet)
                reduced, outside = c.reduce(probs)
                results.append(greedy_decode(reduced, c.labels, outside))
        return results
