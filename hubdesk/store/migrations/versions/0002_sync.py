"""sync: server versions held for a coordinator (downloads never overwrite local work)

Revision ID: 0002
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_server_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("tombstone", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_server_versions")),
        sa.UniqueConstraint("kind", "record_id", "version", "tombstone",
                            name=op.f("uq_held_server_versions_kind_record_id_version_tombstone")),
    )
    with op.batch_alter_table("held_server_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_held_server_versions_record_id"), ["record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("held_server_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_server_versions_record_id"))
    op.drop_table("held_server_versions")
