"""Tables of the work store (SQLAlchemy 2 typed declarative).

Statuses are stored as the StrEnum values of ``domain.lifecycle.DocumentStatus``,
``domain.status.PageStatus`` / ``FieldStatus`` / ``ReviewReason``. Values are JSON text
(``json.dumps(..., ensure_ascii=False)``; dates as ISO strings). Times are UTC.

The schema itself is created by the Alembic migrations (``store.db.upgrade``);
``migrations/versions`` must match this module (a test compares them).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    mapped_column,
    sessionmaker,
)

from domain.errors import YomitoriError

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime stored as a naive UTC timestamp (same on every DB)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))  # e.g. "inbox", "upload", "demo"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_sha256", "sha256", unique=True),
        Index("ix_documents_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    source_name: Mapped[str] = mapped_column(String(500))  # original file name, NFC
    sha256: Mapped[str | None] = mapped_column(String(64))  # None: quarantined before hashing
    size: Mapped[int | None] = mapped_column(Integer)
    original_path: Mapped[str | None] = mapped_column(String(200))  # ContentStore relpath
    page_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    template_id: Mapped[str | None] = mapped_column(String(60))
    template_version: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(60))
    error_message_ja: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # an envelope cut from a stack scan (store.envelopes): its parent and source page range
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    first_page: Mapped[int | None] = mapped_column(Integer)
    last_page: Mapped[int | None] = mapped_column(Integer)
    # form vs printed ID copies, per field: agree / disagree / absent (domain.crosscheck; codes only)
    copy_check_json: Mapped[str | None] = mapped_column(Text)


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)  # page index in the source file, from 0
    status: Mapped[str] = mapped_column(String(20))  # PageStatus
    template_id: Mapped[str | None] = mapped_column(String(60))
    template_version: Mapped[int | None] = mapped_column(Integer)
    page_number: Mapped[int | None] = mapped_column(Integer)  # page of the template
    orientation: Mapped[int] = mapped_column(Integer, default=0)
    alignment_quality: Mapped[float | None] = mapped_column(Float)
    image_path: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")  # English detail, no values
    copy_kind: Mapped[str | None] = mapped_column(String(30))  # domain.id_copy.CopyKind (guess)
    copy_confidence: Mapped[float | None] = mapped_column(Float)


class FieldResult(Base):
    __tablename__ = "field_results"
    __table_args__ = (UniqueConstraint("page_id", "field_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    field_id: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # FieldKind
    value_json: Mapped[str] = mapped_column(Text, default="null")
    raw: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    probability: Mapped[float | None] = mapped_column(Float)
    calibration: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))  # FieldStatus
    reason: Mapped[str | None] = mapped_column(String(30))  # ReviewReason
    issues_json: Mapped[str] = mapped_column(Text, default="[]")
    bbox: Mapped[str | None] = mapped_column(String(80))  # JSON [x, y, w, h] on the aligned page
    crop_path: Mapped[str | None] = mapped_column(String(200))

    @property
    def value(self) -> Any:
        return json.loads(self.value_json)

    @property
    def issues(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = json.loads(self.issues_json)
        return data


class ReviewAction(Base):
    """Append-only audit trail of staff decisions (guarded here and by DB triggers)."""

    __tablename__ = "review_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field_result_id: Mapped[int] = mapped_column(ForeignKey("field_results.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    old_value_json: Mapped[str] = mapped_column(Text)
    new_value_json: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(20))  # ReviewActionKind
    reason: Mapped[str | None] = mapped_column(Text)


class EntryAttempt(Base):
    __tablename__ = "entry_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    target: Mapped[str] = mapped_column(String(60))  # back-office system name
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(30))
    target_record_id: Mapped[str | None] = mapped_column(String(100))
    evidence_json: Mapped[str] = mapped_column(Text, default="[]")  # ContentStore relpaths


def dumps(value: Any) -> str:
    """JSON text of a value as stored (Japanese kept readable, dates as ISO strings)."""
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class AuditTrailViolation(YomitoriError):
    """Code tried to change or delete a ReviewAction row: a bug, never retried."""


@event.listens_for(ReviewAction, "before_update")
def _refuse_update(_mapper: Any, _conn: Any, target: ReviewAction) -> None:
    raise AuditTrailViolation(f"review action {target.id} is append-only: update refused")


@event.listens_for(ReviewAction, "before_delete")
def _refuse_delete(_mapper: Any, _conn: Any, target: ReviewAction) -> None:
    raise AuditTrailViolation(f"review action {target.id} is append-only: delete refused")


def _refuse_bulk(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        m.class_ is ReviewAction for m in state.all_mappers
    ):
        raise AuditTrailViolation("review actions are append-only: bulk update/delete refused")


def guard_append_only(factory: sessionmaker[Any]) -> None:
    """Refuse ORM bulk UPDATE/DELETE of ReviewAction in sessions from ``factory``."""
    event.listen(factory, "do_orm_execute", _refuse_bulk)


class CalibrationRecord(Base):
    """A calibration version learnt from staff confirmations (see :mod:`store.calibrations`).

    ``body_json`` is a :class:`domain.calibration.Calibration`: score knots, probabilities
    and thresholds only, never a value. ``gate_json`` holds the promotion gate's counts and
    rates; ``reasons`` why it was refused (English codes with counts, no values). The
    current calibration is the promoted row promoted last; rolling back marks it
    ``rolled_back`` so the one promoted before it is current again.
    """

    __tablename__ = "calibrations"
    __table_args__ = (Index("ix_calibrations_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(60), unique=True)
    parent_version: Mapped[str | None] = mapped_column(String(60))  # current when it was fitted
    status: Mapped[str] = mapped_column(String(20))  # store.calibrations.CalibrationState
    body_json: Mapped[str] = mapped_column(Text)
    gate_json: Mapped[str] = mapped_column(Text, default="{}")
    reasons: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promoted_by: Mapped[str | None] = mapped_column(String(100))
    rolled_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rolled_back_by: Mapped[str | None] = mapped_column(String(100))
