"""Watched-folder intake: scans dropped into the inbox become documents in the store.

``scan_inbox`` is one pass, ``watch`` the loop (filesystem events or polling),
``intake_once`` a pass that waits for files still being written (``watch --once``).
Importing this package connects to nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from intake.report import FileOutcome, IntakeReport
from intake.scan import scan_inbox
from intake.stability import StabilityTracker
from intake.watch import intake_once, watch

if TYPE_CHECKING:
    from config.settings import Settings
    from store.repository import Repository

__all__ = [
    "FileOutcome",
    "IntakeReport",
    "StabilityTracker",
    "build_repository",
    "intake_once",
    "scan_inbox",
    "watch",
]


def build_repository(settings: Settings) -> Repository:
    """The work store from settings: migrate the database to head, then open it."""
    from store.db import database_url, make_engine, session_factory, upgrade
    from store.files import ContentStore
    from store.repository import Repository

    url = database_url(settings)
    upgrade(url)
    return Repository(session_factory(make_engine(url)), ContentStore(settings.home / "files"),
                      max_attempts=settings.max_read_attempts, audit_policy=settings.audit_policy())
