"""PaddleOCR adapters: recognition-only (parity/baseline) and full page (det + rec).

Both run offline on onnxruntime from local model directories
(``inference.onnx`` + ``inference.yml``). ``paddleocr`` is imported inside the
constructors: the import takes seconds and must not happen at module import.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ocr.engines.onnx_ctc import to_bgr
from ocr.recognizer import EMPTY_RESULT, TextResult, check_batch

REC_MODEL = "PP-OCRv6_small_rec"
DET_MODEL = "PP-OCRv6_small_det"

Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


def _offline() -> None:
    # PaddleX otherwise probes model hosting sites before loading local weights.
    os.environ["PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK"] = "True"


def _engine_config(threads: int | None) -> dict[str, Any] | None:
    return None if threads is None else {"intra_op_num_threads": threads}


class PaddleTextRecognition:
    """``paddleocr.TextRecognition`` as a :class:`~ocr.recognizer.Recognizer`.

    Alphabets are ignored (unconstrained). ``confidence`` and ``mean_confidence``
    are both PaddleOCR's ``rec_score``; per-character scores are not exposed by
    PaddleOCR, so each character gets ``rec_score``.
    """

    def __init__(self, model_dir: Path, threads: int | None = 2, model_name: str = REC_MODEL) -> None:
        _offline()
        from paddleocr import TextRecognition

        self._model = TextRecognition(
            model_name=model_name,
            model_dir=str(model_dir),
            engine="onnxruntime",
            engine_config=_engine_config(threads),
        )

    def recognize(self, crops: Sequence[np.ndarray], alphabets: Sequence[str | None]) -> list[TextResult]:
        check_batch(crops, alphabets)
        results: list[TextResult] = []
        for crop in crops:  # batch of one: PaddleOCR's own default
            arr = np.asarray(crop)
            if not arr.size:
                results.append(EMPTY_RESULT)
                continue
            (res,) = self._model.predict(to_bgr(arr))
            text, score = str(res["rec_text"]), float(res["rec_score"])
            score = min(max(score, 0.0), 1.0)
            results.append(
                TextResult(
                    text=text,
                    confidence=score if text else 0.0,
                    char_confidences=(score,) * len(text),
                    mean_confidence=score if text else 0.0,
                )
            )
        return results


class PaddleFullPage:
    """``paddleocr.PaddleOCR`` detection + recognition on a whole page (benchmark baseline).

    ``det_limit_type`` / ``det_limit_side_len`` default to PaddleOCR's own
    (``min`` / 64, i.e. a page keeps its resolution up to 4000 px); use
    ``"max"`` / 960 for small images, where ``min`` upscales.
    """

    def __init__(
        self,
        det_dir: Path,
        rec_dir: Path,
        *,
        threads: int | None = 2,
        det_limit_type: str | None = None,
        det_limit_side_len: int | None = None,
    ) -> None:
        _offline()
        from paddleocr import PaddleOCR

        self._ocr = PaddleOCR(
            engine="onnxruntime",
            engine_config=_engine_config(threads),
            text_detection_model_name=DET_MODEL,
            text_detection_model_dir=str(det_dir),
            text_recognition_model_name=REC_MODEL,
            text_recognition_model_dir=str(rec_dir),
            use_doc_orientation_classify=False,
            use_doc_unwarping=False,
            use_textline_orientation=False,
            text_det_limit_type=det_limit_type,
            text_det_limit_side_len=det_limit_side_len,
        )

    def read_page(self, image: np.ndarray) -> list[tuple[str, float, Quad]]:
        """Text lines on a gray or BGR page: (text, score, quad in pixels, clockwise
        from top-left), in PaddleOCR's reading order."""
        (res,) = self._ocr.predict(to_bgr(np.asarray(image)))
        lines: list[tuple[str, float, Quad]] = []
        for text, score, poly in zip(res["rec_texts"], res["rec_scores"], res["rec_polys"], strict=True):
            pts = np.asarray(poly, dtype=float).reshape(-1, 2)
            if len(pts) != 4:  # polygons: fall back to the bounding rectangle
                x0, y0 = pts.min(axis=0)
                x1, y1 = pts.max(axis=0)
                pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
            quad: Quad = (
                (float(pts[0, 0]), float(pts[0, 1])),
                (float(pts[1, 0]), float(pts[1, 1])),
                (float(pts[2, 0]), float(pts[2, 1])),
                (float(pts[3, 0]), float(pts[3, 1])),
            )
            lines.append((str(text), float(score), quad))
        return lines
