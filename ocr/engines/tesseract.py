"""Tesseract (Debian tesseract-ocr + jpn) as a baseline Recognizer for the benchmark.

On exactly the crops our engine gets, with the same per-field alphabet as a character
whitelist (``tessedit_char_whitelist``, honoured by the LSTM engine since 4.1), so the
comparison is fair. Japanese output comes as one "word" per character, joined without
spaces.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

import numpy as np

from ocr.recognizer import TextResult, check_batch


class TesseractRecognizer:
    def __init__(self, lang: str = "jpn", psm: int = 7) -> None:
        import pytesseract

        self._tess = pytesseract
        self._config = f"--psm {psm} --oem 1"
        self._lang = lang
        self._tess.get_tesseract_version()  # fails early if the binary is missing

    def recognize(self, crops: Sequence[np.ndarray], alphabets: Sequence[str | None]) -> list[TextResult]:
        check_batch(crops, alphabets)
        out = []
        for crop, alphabet in zip(crops, alphabets, strict=True):
            config = self._config
            if alphabet:
                config += " -c " + shlex.quote(f"tessedit_char_whitelist={alphabet}")
            data = self._tess.image_to_data(crop, lang=self._lang, config=config,
                                            output_type=self._tess.Output.DICT)
            words = [(w, float(c)) for w, c in zip(data["text"], data["conf"], strict=True)
                     if w.strip() and float(c) >= 0]
            text = "".join(w for w, _ in words)
            conf = max(0.0, min(1.0, min((c for _, c in words), default=0.0) / 100.0))
            out.append(TextResult(text, conf if text else 0.0, (conf,) * len(text)))
        return out
