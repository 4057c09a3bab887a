"""The single composition root: settings → real adapters.

Nothing is built at import time; callers ask for what they need.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache

import numpy as np

from config.settings import Settings, get_settings
from domain.calibration import Calibration
from domain.model import FormTemplate
from ocr.reader import Reader, usable_templates
from ocr.recognizer import Recognizer

log = logging.getLogger(__name__)


def load_templates(settings: Settings) -> dict[str, FormTemplate]:
    """The current version of every template (drafts included), keyed by id."""
    from forms.loader import load_templates as _load

    return _load(settings.templates_dir)


def load_template_versions(settings: Settings) -> dict[tuple[str, int], FormTemplate]:
    """Every version of every template, keyed by (id, version): documents keep theirs."""
    from forms.loader import load_template_versions as _load

    return _load(settings.templates_dir)


def load_calibration(settings: Settings) -> Calibration | None:
    """The current promoted calibration from the work store, else the shipped file.

    Learning (``yomitori learn``) promotes calibrations into the store, so every worker
    sharing the database reads with the same version. A store that does not exist yet
    (no SQLite file) or was not migrated to the calibrations table means the shipped
    file is in use; nothing is created here.
    """
    stored = _stored_calibration(settings)
    if stored is not None:
        return stored
    path = settings.calibration_path
    if not path.exists():
        log.warning("no calibration file at %s: every field goes to review", path)
        return None
    return Calibration.model_validate_json(path.read_text(encoding="utf-8"))


COPY_ACCEPT_FILE = "crosscheck.json"  # beside the calibration file (services.copy_accept_fit)


def load_copy_accept(settings: Settings, calibration_version: str | None) -> frozenset[str]:
    """The fields a printed ID copy's exact agreement may accept: those whose measured
    evidence (``crosscheck.json`` beside the calibration file) meets the bound; none when
    the file is missing or unreadable, or was measured with another version of the rule or
    under another calibration (``calibration_version``: the one the reader uses). The
    calibration decides which fields wait for a person and so which ones the rule may
    accept; evidence measured on another such set proves nothing for this one. Without
    an acceptance the cross-check only sends contradictions to a person."""
    import json

    from domain.copy_accept import RULE_VERSION, proven_fields

    path = settings.calibration_path.parent / COPY_ACCEPT_FILE
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        fields = body.get("fields") or {}
        if body.get("rule_version") != RULE_VERSION or not isinstance(fields, dict) \
                or calibration_version is None or body.get("calibration") != calibration_version:
            return frozenset()
        return proven_fields(fields)
    except (OSError, ValueError, AttributeError):
        return frozenset()


def _stored_calibration(settings: Settings) -> Calibration | None:
    from pathlib import Path

    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    from store.calibrations import CalibrationStore
    from store.db import database_url, make_engine, session_factory

    url = database_url(settings)
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and (not u.database or u.database == ":memory:"
                                              or not Path(u.database).exists()):
        return None
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("calibrations"):
            return None
        current = CalibrationStore(session_factory(engine)).current()
    finally:
        engine.dispose()
    if current is None:
        return None
    log.info("calibration %s from the work store", current.version)
    return current.calibration


def render_blank(template: FormTemplate, page: int, dpi: int) -> np.ndarray:
    """The reader's blank page: rendered from the template, or a city form's cleaned scan.

    A scanned blank loses its scanner edges first (:mod:`ocr.paper`): they would
    otherwise be compared as print with every filled page.
    """
    from PIL import Image

    from forms.render import blank_page, clean_scan, reference_page
    from ocr.paper import whiten_outside_paper

    if template.page(page).reference_image is None:
        return np.asarray(blank_page(template, page, dpi), dtype=np.uint8)
    ref = np.asarray(reference_page(template, page, dpi), dtype=np.uint8)
    return np.asarray(clean_scan(Image.fromarray(whiten_outside_paper(ref))), dtype=np.uint8)


@lru_cache(maxsize=2)
def _recognizer(model_dir: str, threads: int) -> object:
    from pathlib import Path

    from ocr.engines.onnx_ctc import OnnxCtcRecognizer

    return OnnxCtcRecognizer(Path(model_dir), threads=threads)


def build_recognizer(settings: Settings | None = None) -> Recognizer:
    """The PP-OCRv6 recogniser (one per process and model), with a clear error when it is missing."""
    s = settings or get_settings()
    if not (s.rec_model_dir / "inference.onnx").exists():
        from domain.errors import ApplicationError

        raise ApplicationError(
            f"OCR model not found at {s.rec_model_dir}; run scripts/setup.sh (make setup)"
        )
    return _recognizer(str(s.rec_model_dir), s.threads)  # type: ignore[return-value]


def build_reader(settings: Settings | None = None, *, calibration: Calibration | None = None,
                 use_calibration: bool = True, today: date | None = None,
                 include_drafts: bool = False, force: FormTemplate | None = None) -> Reader:
    """The production reader: every template version, drafts only when asked.

    ``force`` reads every page as that template, draft or not (``templates check``).
    """
    s = settings or get_settings()
    recognizer = build_recognizer(s)
    cal = calibration if calibration is not None else (load_calibration(s) if use_calibration else None)
    versions = load_template_versions(s)
    templates = usable_templates(versions, include_drafts)  # a draft current file is not read
    if cal is not None:  # per-field calibration entries, found from the field spec (every version)
        cal = cal.bind({**{f"{k[0]}@{k[1]}": t for k, t in versions.items()}, **templates})
    return Reader(
        templates=templates,
        recognizer=recognizer,
        blank_renderer=render_blank,
        calibration=cal,
        dpi=s.read_dpi,
        today=today or date.today(),
        versions=versions,
        include_drafts=include_drafts,
        force=force,
        copy_accept_fields=load_copy_accept(s, cal.version if cal is not None else None),
    )
