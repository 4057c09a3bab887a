"""Calibrations learnt from staff confirmations: versions, the current one, gate figures.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(), nullable=nullable)  # naive UTC (store.models.UTCDateTime)


def upgrade() -> None:
    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=60), nullable=False),
        sa.Column("parent_version", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("body_json", sa.Text(), nullable=False),
        sa.Column("gate_json", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _ts("promoted_at", nullable=True),
        sa.Column("promoted_by", sa.String(length=100), nullable=True),
        _ts("rolled_back_at", nullable=True),
        sa.Column("rolled_back_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibrations")),
        sa.UniqueConstraint("version", name=op.f("uq_calibrations_version")),
    )
    op.create_index("ix_calibrations_status", "calibrations", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_calibrations_status", table_name="calibrations")
    op.drop_table("calibrations")
