"""Initial work store: batches, documents, pages, field results, review actions, entry attempts.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# review_actions is an append-only audit trail: the database refuses UPDATE and DELETE.
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER review_actions_no_update BEFORE UPDATE ON review_actions
       BEGIN SELECT RAISE(ABORT, 'review_actions is append-only'); END""",
    """CREATE TRIGGER review_actions_no_delete BEFORE DELETE ON review_actions
       BEGIN SELECT RAISE(ABORT, 'review_actions is append-only'); END""",
]
_PG_TRIGGERS = [
    """CREATE FUNCTION review_actions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'review_actions is append-only'; END $$""",
    """CREATE TRIGGER review_actions_append_only BEFORE UPDATE OR DELETE ON review_actions
       FOR EACH ROW EXECUTE FUNCTION review_actions_append_only()""",
]


def _ts(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(), nullable=nullable)  # naive UTC (store.models.UTCDateTime)


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        _ts("created_at"),
        _ts("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("original_path", sa.String(length=200), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("template_id", sa.String(length=60), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(length=60), nullable=True),
        sa.Column("error_message_ja", sa.Text(), nullable=True),
        _ts("received_at"),
        _ts("updated_at"),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        _ts("lease_until", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], name=op.f("fk_documents_batch_id_batches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    op.create_index("ix_documents_sha256", "documents", ["sha256"], unique=True)
    op.create_index("ix_documents_status", "documents", ["status"], unique=False)
    op.create_table(
        "entry_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=60), nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("target_record_id", sa.String(length=100), nullable=True),
        sa.Column("evidence_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_entry_attempts_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_attempts")),
    )
    op.create_index(op.f("ix_entry_attempts_document_id"), "entry_attempts", ["document_id"])
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("template_id", sa.String(length=60), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("page_number", sa.Integer(), nullable=True),
        sa.Column("orientation", sa.Integer(), nullable=False),
        sa.Column("alignment_quality", sa.Float(), nullable=True),
        sa.Column("image_path", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_pages_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("document_id", "index", name=op.f("uq_pages_document_id_index")),
    )
    op.create_table(
        "field_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("calibration", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.Column("issues_json", sa.Text(), nullable=False),
        sa.Column("bbox", sa.String(length=80), nullable=True),
        sa.Column("crop_path", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_field_results_page_id_pages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_results")),
        sa.UniqueConstraint("page_id", "field_id", name=op.f("uq_field_results_page_id_field_id")),
    )
    op.create_table(
        "review_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("field_result_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        _ts("at"),
        sa.Column("old_value_json", sa.Text(), nullable=False),
        sa.Column("new_value_json", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["field_result_id"], ["field_results.id"],
            name=op.f("fk_review_actions_field_result_id_field_results"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_actions")),
    )
    op.create_index(op.f("ix_review_actions_field_result_id"), "review_actions", ["field_result_id"])
    dialect = op.get_bind().dialect.name
    for ddl in {"sqlite": _SQLITE_TRIGGERS, "postgresql": _PG_TRIGGERS}.get(dialect, []):
        op.execute(ddl)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS review_actions_append_only ON review_actions")
        op.execute("DROP FUNCTION IF EXISTS review_actions_append_only()")
    op.drop_table("review_actions")  # sqlite drops the table's triggers with it
    op.drop_table("field_results")
    op.drop_table("pages")
    op.drop_index(op.f("ix_entry_attempts_document_id"), table_name="entry_attempts")
    op.drop_table("entry_attempts")
    op.drop_index("ix_documents_status", table_name="documents")
    op.drop_index("ix_documents_sha256", table_name="documents")
    op.drop_table("documents")
    op.drop_table("batches")
