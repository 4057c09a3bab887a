"""Shared fixtures: templates, readers (fake recogniser for unit speed, real ONNX for integration)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")

from domain.model import FormTemplate
from forms.loader import load_templates

REPO = Path(__file__).resolve().parent.parent
REALDATA = REPO.parent / "shared" / "realdata"
TODAY = date(2026, 11, 20)  # after every synthetic date (reference date 2026-11-01)


@pytest.fixture(scope="session")
def templates() -> dict[str, FormTemplate]:
    return load_templates(REPO / "templates")


@pytest.fixture(scope="session")
def real_reader(templates: dict[str, FormTemplate]):  # type: ignore[no-untyped-def]
    """The production reader (real PP-OCRv6 ONNX recogniser), uncalibrated unless asked."""
    from flows.deps import build_reader

    return build_reader(use_calibration=False, today=TODAY)
