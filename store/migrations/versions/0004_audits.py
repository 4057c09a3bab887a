"""Audit sampling of auto-accepted fields: draws, samples, checks, leases, follow-ups.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("audit_draws", "audit_samples", "audit_checks")


def _sqlite_triggers(table: str) -> list[str]:
    return [f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
               BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
               BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""]


def _pg_triggers(table: str) -> list[str]:
    return [f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION '{table} is append-only'; END $$""",
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
               FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"""]


def _ts(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(), nullable=nullable)  # naive UTC (store.models.UTCDateTime)


def _fk(table: str, column: str, other: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{other}.id"], name=op.f(f"fk_{table}_{column}_{other}"))


def upgrade() -> None:
    op.create_table(
        "audit_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        _ts("drawn_at"),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("iso_week", sa.String(length=10), nullable=False),
        sa.Column("policy_json", sa.Text(), nullable=False),
        sa.Column("candidates_json", sa.Text(), nullable=False),
        sa.Column("week_counts_json", sa.Text(), nullable=False),
        sa.Column("drawn_json", sa.Text(), nullable=False),
        _fk("audit_draws", "document_id", "documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_draws")),
    )
    op.create_index(op.f("ix_audit_draws_document_id"), "audit_draws", ["document_id"])
    op.create_index(op.f("ix_audit_draws_iso_week"), "audit_draws", ["iso_week"])
    op.create_table(
        "audit_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("field_result_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("template_id", sa.String(length=60), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        _ts("created_at"),
        _fk("audit_samples", "draw_id", "audit_draws"),
        _fk("audit_samples", "document_id", "documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_samples")),
    )
    for col in ("draw_id", "document_id", "field_result_id"):
        op.create_index(op.f(f"ix_audit_samples_{col}"), "audit_samples", [col])
    op.create_table(
        "audit_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        _ts("at"),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        _fk("audit_checks", "sample_id", "audit_samples"),
        _fk("audit_checks", "user_id", "review_users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checks")),
    )
    op.create_index(op.f("ix_audit_checks_sample_id"), "audit_checks", ["sample_id"])
    op.create_table(
        "audit_leases",
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _ts("expires_at"),
        _fk("audit_leases", "sample_id", "audit_samples"),
        _fk("audit_leases", "user_id", "review_users"),
        sa.PrimaryKeyConstraint("sample_id", name=op.f("pk_audit_leases")),
    )
    op.create_index(op.f("ix_audit_leases_user_id"), "audit_leases", ["user_id"])
    op.create_table(
        "audit_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        _ts("created_at"),
        _ts("resolved_at", nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        _fk("audit_followups", "sample_id", "audit_samples"),
        _fk("audit_followups", "document_id", "documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_followups")),
    )
    op.create_index(op.f("ix_audit_followups_sample_id"), "audit_followups", ["sample_id"])
    op.create_index(op.f("ix_audit_followups_document_id"), "audit_followups", ["document_id"])
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for ddl in {"sqlite": _sqlite_triggers, "postgresql": _pg_triggers}.get(dialect, lambda t: [])(table):
            op.execute(ddl)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    for table in ("audit_followups", "audit_leases", "audit_checks", "audit_samples", "audit_draws"):
        op.drop_table(table)  # sqlite drops the table's triggers (and indexes) with it
