"""Versioned calibrations in the work store, shared by every worker (SQLite or PostgreSQL).

Every learning run that is not a dry run leaves one row: promoted, or refused with the
gate's reasons. The current calibration is the ``promoted`` row promoted last; with none,
readers use the shipped file (``calibration/current.json``). Rollback marks the current
row ``rolled_back``, which makes the version promoted before it current again (or the
shipped file). Rows hold scores, probabilities, thresholds and counts, never a value.

Promotion is optimistic: a run fitted against one current version promotes only if that
version is still current when it writes (two learning runs at once cannot both win).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from domain.calibration import Calibration
from store.db import write_transaction
from store.models import CalibrationRecord, utcnow

log = logging.getLogger(__name__)


class CalibrationState(StrEnum):
    PROMOTED = "promoted"  # was made current (the latest promoted one is current)
    REFUSED = "refused"  # the promotion gate said no; the reasons say why
    ROLLED_BACK = "rolled_back"  # was current until an admin rolled it back


SUPERSEDED = "superseded: the current calibration changed while this one was being fitted"


@dataclass(frozen=True)
class StoredCalibration:
    version: str
    parent_version: str | None
    state: CalibrationState
    created_at: datetime
    created_by: str
    promoted_at: datetime | None
    promoted_by: str | None
    rolled_back_at: datetime | None
    rolled_back_by: str | None
    gate: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    body_json: str = field(default="", repr=False)

    @property
    def calibration(self) -> Calibration:
        return Calibration.model_validate_json(self.body_json)


def _stored(row: CalibrationRecord) -> StoredCalibration:
    return StoredCalibration(
        version=row.version, parent_version=row.parent_version, state=CalibrationState(row.status),
        created_at=row.created_at, created_by=row.created_by, promoted_at=row.promoted_at,
        promoted_by=row.promoted_by, rolled_back_at=row.rolled_back_at, rolled_back_by=row.rolled_back_by,
        gate=json.loads(row.gate_json or "{}"), reasons=[r for r in row.reasons.split("\n") if r],
        body_json=row.body_json)


def _current_row(s: Session) -> CalibrationRecord | None:
    return s.scalars(select(CalibrationRecord)
                     .where(CalibrationRecord.status == CalibrationState.PROMOTED.value)
                     .order_by(CalibrationRecord.promoted_at.desc(), CalibrationRecord.id.desc())
                     .limit(1)).first()


def _lock(s: Session) -> None:
    """Serialise promotions and rollbacks (SQLite: BEGIN IMMEDIATE already does)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("LOCK TABLE calibrations IN SHARE ROW EXCLUSIVE MODE"))


class CalibrationStore:
    def __init__(self, session_factory: sessionmaker[Session], *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._sf = session_factory
        self._clock = clock

    def current(self) -> StoredCalibration | None:
        """The promoted calibration readers should use (None: use the shipped file)."""
        with self._sf() as s, s.begin():
            row = _current_row(s)
            return None if row is None else _stored(row)

    def get(self, version: str) -> StoredCalibration | None:
        with self._sf() as s, s.begin():
            row = s.scalars(select(CalibrationRecord).where(CalibrationRecord.version == version)).first()
            return None if row is None else _stored(row)

    def history(self, limit: int = 50) -> list[StoredCalibration]:
        """Newest first."""
        with self._sf() as s, s.begin():
            rows = s.scalars(select(CalibrationRecord).order_by(CalibrationRecord.id.desc()).limit(limit))
            return [_stored(r) for r in rows]

    def record(self, calibration: Calibration, *, parent_version: str | None, actor: str, promote: bool,
               gate: dict[str, Any], reasons: list[str]) -> StoredCalibration:
        """Store a fitted calibration: promoted (made current) or refused with its reasons.

        A promotion whose ``parent_version`` is no longer current is stored as refused
        (superseded). The version is made unique by a suffix if it already exists.
        """
        now = self._clock()
        with write_transaction(self._sf) as s:
            _lock(s)
            current = _current_row(s)
            current_version = current.version if current else None
            reasons = list(reasons)
            if promote and current_version != parent_version:
                promote, reasons = False, [*reasons, SUPERSEDED]
            version = self._unique_version(s, calibration.version)
            body = calibration if version == calibration.version else calibration.model_copy(
                update={"version": version})
            row = CalibrationRecord(
                version=version, parent_version=parent_version,
                status=(CalibrationState.PROMOTED if promote else CalibrationState.REFUSED).value,
                body_json=body.model_dump_json(), gate_json=json.dumps(gate, ensure_ascii=False),
                reasons="\n".join(reasons), created_at=now, created_by=actor,
                promoted_at=now if promote else None, promoted_by=actor if promote else None)
            s.add(row)
            s.flush()
            stored = _stored(row)
        log.info("calibration %s stored: %s", stored.version, stored.state.value)
        return stored

    def rollback(self, actor: str) -> tuple[str, str | None]:
        """Retire the current calibration; returns (rolled back version, now current or None).

        ``None`` as the new current means readers go back to the shipped file. Raises
        LookupError when no promoted calibration is current.
        """
        now = self._clock()
        with write_transaction(self._sf) as s:
            _lock(s)
            row = _current_row(s)
            if row is None:
                raise LookupError("no promoted calibration to roll back (the shipped file is in use)")
            row.status = CalibrationState.ROLLED_BACK.value
            row.rolled_back_at, row.rolled_back_by = now, actor
            s.flush()
            after = _current_row(s)
            result = (row.version, after.version if after else None)
        log.info("calibration %s rolled back by %s; current: %s", result[0], actor, result[1] or "shipped")
        return result

    @staticmethod
    def _unique_version(s: Session, version: str) -> str:
        taken = set(s.scalars(select(CalibrationRecord.version)
                              .where(CalibrationRecord.version.like(f"{version}%"))))
        if version not in taken:
            return version
        n = 2
        while f"{version}-{n}" in taken:
            n += 1
        return f"{version}-{n}"
