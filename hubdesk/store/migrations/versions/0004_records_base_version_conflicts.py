"""records: a draft keeps the version its edit opened on; field conflicts kept for a coordinator

Revision ID: 0004_records
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_records"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_version", sa.Integer(), nullable=True))
    op.create_table(
        "record_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("merged_version", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("this_laptop_by", sa.String(length=36), nullable=True),
        sa.Column("other_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=36), nullable=True),
        sa.Column("resolved_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_conflicts")),
    )
    with op.batch_alter_table("record_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_conflicts_record_id"), ["record_id"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("record_conflicts")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("base_version")
