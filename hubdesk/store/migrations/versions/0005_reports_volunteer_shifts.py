"""sessions: volunteer sign-in and sign-out times (volunteer hours, DESIGN §8)

Revision ID: 0005_reports
Revises: 0004_records
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_reports"
down_revision: str | Sequence[str] | None = "0004_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("volunteer_shifts", sa.JSON(), nullable=False,
                                      server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("volunteer_shifts")
