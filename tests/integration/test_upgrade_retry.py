"""`upgrade` while another process holds SQLite's write lock too long (a loaded machine)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

import store.db as db


def _locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))


def test_rule_a_locked_database_is_tried_again_and_then_migrated(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'y.db'}"
    real, calls = db._upgrade_once, []

    def locked_twice(u: str, revision: str) -> None:
        calls.append(revision)
        if len(calls) <= 2:
            raise _locked()
        real(u, revision)

    monkeypatch.setattr(db, "_upgrade_once", locked_twice)
    db.upgrade(url)
    assert calls == ["head"] * 3
    engine = db.make_engine(url)
    try:
        assert "documents" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_rule_a_lock_that_never_clears_and_other_errors_are_not_hidden(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def always_locked(u: str, revision: str) -> None:
        calls.append(revision)
        raise _locked()

    monkeypatch.setattr(db, "_upgrade_once", always_locked)
    with pytest.raises(OperationalError, match="database is locked"):
        db.upgrade(f"sqlite:///{tmp_path / 'y.db'}")
    assert len(calls) == db.UPGRADE_ATTEMPTS

    def disk_error(u: str, revision: str) -> None:
        calls.append("disk")
        raise OperationalError("CREATE TABLE", {}, Exception("disk I/O error"))

    calls.clear()
    monkeypatch.setattr(db, "_upgrade_once", disk_error)
    with pytest.raises(OperationalError, match="disk I/O error"):
        db.upgrade(f"sqlite:///{tmp_path / 'z.db'}")
    assert calls == ["disk"]  # not retried

