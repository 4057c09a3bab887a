"""Shared fixtures: templates, readers (fake recogniser for unit speed, real ONNX for integration)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")

from domain.model import FormTemplate
from forms.loader import load_templates

# No per-example deadline: a loaded CI machine must not turn a slow example into a failure.
hypothesis_settings.register_profile("yomitori", deadline=None)
hypothesis_settings.load_profile("yomitori")

REPO = Path(__file__).resolve().parent.parent
# ../shared/realdata beside the checkout (CI lays a copy there); a clone elsewhere on a
# developer's machine finds the machine's copy.
REALDATA_CANDIDATES = (REPO.parent / "shared" / "realdata", Path("/work/shared/realdata"))


def realdata_dir() -> Path:
    """The shared real scans and handwriting; a test that needs them fails (never skips) without them."""
    for p in REALDATA_CANDIDATES:
        if (p / "sdaps").is_dir():
            return p
    pytest.fail("the shared real data (../shared/realdata) is missing: tests that check yomitori on "
                f"scans it did not make cannot run; looked in {', '.join(map(str, REALDATA_CANDIDATES))}",
                pytrace=False)


@pytest.fixture(scope="session")
def realdata() -> Path:
    return realdata_dir()
TODAY = date(2026, 11, 20)  # after every synthetic date (reference date 2026-11-01)


@pytest.fixture(scope="session")
def templates() -> dict[str, FormTemplate]:
    return load_templates(REPO / "templates")


@pytest.fixture(scope="session")
def real_reader(templates: dict[str, FormTemplate]):  # type: ignore[no-untyped-def]
    """The production reader (real PP-OCRv6 ONNX recogniser), uncalibrated unless asked."""
    from services.compose import build_reader

    return build_reader(use_calibration=False, today=TODAY)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A temporary Prefect API (about 20 s to start); yields its URL."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_HOME,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    home = tmp_path_factory.mktemp("prefect-home")
    with temporary_settings(updates={PREFECT_HOME: home, PREFECT_SERVER_ANALYTICS_ENABLED: False,
                                     PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 90}), \
            prefect_test_harness(server_startup_timeout=90):
        yield str(PREFECT_API_URL.value())
