"""The single composition root: settings → real adapters.

Nothing is built at import time; callers ask for what they need.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache

import numpy as np

from domain.calibration import Calibration
from domain.model import FormTemplate
from ocr.pipeline import Reader
from yomitori.settings import Settings, get_settings

log = logging.getLogger(__name__)


def load_templates(settings: Settings) -> dict[str, FormTemplate]:
    from forms.loader import load_templates as _load

    return _load(settings.templates_dir)


def load_calibration(settings: Settings) -> Calibration | None:
    path = settings.calibration_path
    if not path.exists():
        log.warning("no calibration file at %s: every field goes to review", path)
        return None
    return Calibration.model_validate_json(path.read_text(encoding="utf-8"))


def render_blank(template: FormTemplate, page: int, dpi: int) -> np.ndarray:
    from forms.render import render_page

    return np.asarray(render_page(template, page, dpi), dtype=np.uint8)


@lru_cache(maxsize=2)
def _recognizer(model_dir: str, threads: int) -> object:
    from pathlib import Path

    from ocr.engines.onnx_ctc import OnnxCtcRecognizer

    return OnnxCtcRecognizer(Path(model_dir), threads=threads)


def build_reader(settings: Settings | None = None, *, calibration: Calibration | None = None,
                 use_calibration: bool = True, today: date | None = None) -> Reader:
    s = settings or get_settings()
    if not (s.rec_model_dir / "inference.onnx").exists():
        from domain.errors import ApplicationError

        raise ApplicationError(
            f"OCR model not found at {s.rec_model_dir}; run scripts/setup.sh (make setup)"
        )
    cal = calibration if calibration is not None else (load_calibration(s) if use_calibration else None)
    return Reader(
        templates=load_templates(s),
        recognizer=_recognizer(str(s.rec_model_dir), s.threads),  # type: ignore[arg-type]
        blank_renderer=render_blank,
        calibration=cal,
        dpi=s.read_dpi,
        today=today or date.today(),
    )
