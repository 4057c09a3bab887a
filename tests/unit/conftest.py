"""Fixtures shared by the unit tests that need a real (file-backed) SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from store.db import make_engine, session_factory
from store.models import Base


@pytest.fixture
def sf(tmp_path: Path) -> sessionmaker[Session]:
    """A session factory on a fresh SQLite file with the whole schema (real SQL, real triggers)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'work.db'}")
    Base.metadata.create_all(engine)
    return session_factory(engine)
