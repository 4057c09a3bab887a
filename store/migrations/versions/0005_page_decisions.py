"""Decisions about pages the reader did not read as a form (append-only audit trail).

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# page_decisions is an append-only audit trail: the database refuses UPDATE and DELETE.
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER page_decisions_no_update BEFORE UPDATE ON page_decisions
       BEGIN SELECT RAISE(ABORT, 'page_decisions is append-only'); END""",
    """CREATE TRIGGER page_decisions_no_delete BEFORE DELETE ON page_decisions
       BEGIN SELECT RAISE(ABORT, 'page_decisions is append-only'); END""",
]
_PG_TRIGGERS = [
    """CREATE FUNCTION page_decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'page_decisions is append-only'; END $$""",
    """CREATE TRIGGER page_decisions_append_only BEFORE UPDATE OR DELETE ON page_decisions
       FOR EACH ROW EXECUTE FUNCTION page_decisions_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "page_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("page_index", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("template_id", sa.String(length=60), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("page_number", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),  # naive UTC (store.models.UTCDateTime)
        sa.Column("reason", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_page_decisions_document_id_documents")),
        sa.ForeignKeyConstraint(["user_id"], ["review_users.id"],
                                name=op.f("fk_page_decisions_user_id_review_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_decisions")),
    )
    op.create_index("ix_page_decisions_document_id_page_index", "page_decisions",
                    ["document_id", "page_index"], unique=False)
    dialect = op.get_bind().dialect.name
    for ddl in {"sqlite": _SQLITE_TRIGGERS, "postgresql": _PG_TRIGGERS}.get(dialect, []):
        op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS page_decisions_append_only ON page_decisions")
        op.execute("DROP FUNCTION IF EXISTS page_decisions_append_only()")
    op.drop_index("ix_page_decisions_document_id_page_index", table_name="page_decisions")
    op.drop_table("page_decisions")  # sqlite drops the table's triggers with it
