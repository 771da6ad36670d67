"""security: this laptop's Ed25519 signing key (DESIGN section 9)

A laptop set up before this revision gets its key the first time it is needed
(``store.device_keys.signing_key``), so the migration stays deterministic.

Revision ID: 0004_security
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_security"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("device_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signing_key", sa.String(length=44), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("device_state", schema=None) as batch_op:
        batch_op.drop_column("signing_key")
