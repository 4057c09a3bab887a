"""Envelopes cut from stack scans (parent and page range) and attached pages' ID-copy kind.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("first_page", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_page", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("copy_check_json", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_documents_parent_id_documents", "documents", ["parent_id"], ["id"])
        batch.create_index("ix_documents_parent_id", ["parent_id"])
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("copy_kind", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("copy_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("copy_confidence")
        batch.drop_column("copy_kind")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_parent_id")
        batch.drop_constraint("fk_documents_parent_id_documents", type_="foreignkey")
        batch.drop_column("copy_check_json")
        batch.drop_column("last_page")
        batch.drop_column("first_page")
        batch.drop_column("parent_id")
