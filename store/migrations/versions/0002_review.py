"""Review app: users, sessions, review leases, returns, blind entries, sensitive-view audit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-02
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "review_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        _ts("locked_until", nullable=True),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_users")),
        sa.UniqueConstraint("username", name=op.f("uq_review_users_username")),
    )
    op.create_table(
        "review_sessions",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        sa.ForeignKeyConstraint(["user_id"], ["review_users.id"], ondelete="CASCADE",
                                name=op.f("fk_review_sessions_user_id_review_users")),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_review_sessions")),
    )
    op.create_index(op.f("ix_review_sessions_user_id"), "review_sessions", ["user_id"])
    op.create_table(
        "review_leases",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _ts("expires_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("opened_at"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE",
                                name=op.f("fk_review_leases_document_id_documents")),
        sa.ForeignKeyConstraint(["user_id"], ["review_users.id"],
                                name=op.f("fk_review_leases_user_id_review_users")),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_review_leases")),
    )
    op.create_index(op.f("ix_review_leases_user_id"), "review_leases", ["user_id"])
    op.create_table(
        "review_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        _ts("at"),
        _ts("resolved_at", nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_review_returns_document_id_documents")),
        sa.ForeignKeyConstraint(["user_id"], ["review_users.id"],
                                name=op.f("fk_review_returns_user_id_review_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_returns")),
    )
    op.create_index(op.f("ix_review_returns_document_id"), "review_returns", ["document_id"])
    for table, value_col in (("review_blind_entries", "value_json"), ("review_sensitive_views", "what")):
        cols: list[sa.Column[Any]] = [
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("field_result_id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column(value_col, sa.Text() if value_col == "value_json" else sa.String(length=20),
                      nullable=False),
            _ts("at"),
        ]
        op.create_table(
            table, *cols,
            sa.ForeignKeyConstraint(["field_result_id"], ["field_results.id"],
                                    name=op.f(f"fk_{table}_field_result_id_field_results")),
            sa.ForeignKeyConstraint(["user_id"], ["review_users.id"],
                                    name=op.f(f"fk_{table}_user_id_review_users")),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_field_result_id"), table, ["field_result_id"])
    op.create_index(op.f("ix_review_sensitive_views_user_id"), "review_sensitive_views", ["user_id"])


def downgrade() -> None:
    for table in ("review_sensitive_views", "review_blind_entries", "review_returns", "review_leases",
                  "review_sessions", "review_users"):
        op.drop_table(table)
