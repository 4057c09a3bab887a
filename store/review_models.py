"""Tables of the review app: staff accounts, sessions, review leases, returns,
blind double entries and the audit of unmasked My Number views.

Same ``Base`` (and naming convention) as :mod:`store.models`; created by the migration
``0002_review``. Passwords are stored as argon2 hashes, session tokens as SHA-256
digests (a copy of the database does not give a usable cookie).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "review_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # review.auth.Role
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(Base):
    __tablename__ = "review_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewLease(Base):
    """Who is confirming a document, until when, and its optimistic version."""

    __tablename__ = "review_leases"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewReturn(Base):
    """A document sent back by a reviewer (e.g. wrong form): out of the queue until resolved."""

    __tablename__ = "review_returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"))
    reason: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BlindEntry(Base):
    """A value typed without seeing the machine's (blind double entry), kept until decided."""

    __tablename__ = "review_blind_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field_result_id: Mapped[int] = mapped_column(ForeignKey("field_results.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"))
    value_json: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SensitiveView(Base):
    """Audit: someone was shown an unmasked My Number (value or crop). Append-only."""

    __tablename__ = "review_sensitive_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field_result_id: Mapped[int] = mapped_column(ForeignKey("field_results.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id"), index=True)
    what: Mapped[str] = mapped_column(String(20))  # "value" | "crop"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
