"""outbox payloads: each frozen payload moves beside its outbox row, into outbox_payloads

An upload changes each outbox item's state twice (pending -> sending -> sent) and
SQLite rewrites the whole row for each change: with the payload inside it, a sync
wrote every payload twice more.  The payloads move, unchanged, into a table keyed
by the same sequence number; the outbox keeps the item's state.

``ALTER TABLE ... DROP COLUMN`` (SQLite 3.35+), not a copy of the table: a copy
would drop the old ``outbox`` table, which ``outbox_payloads`` refers to.

Revision ID: 0010_outbox_payloads
Revises: 0009_statistics
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_outbox_payloads"
down_revision: str | Sequence[str] | None = "0009_statistics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_payloads",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["seq"], ["outbox.seq"],
                                name=op.f("fk_outbox_payloads_seq_outbox")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox_payloads")),
    )
    op.execute("INSERT INTO outbox_payloads (seq, payload) SELECT seq, payload FROM outbox")
    op.execute("ALTER TABLE outbox DROP COLUMN payload")


def downgrade() -> None:
    op.execute("ALTER TABLE outbox ADD COLUMN payload JSON NOT NULL DEFAULT '{}'")
    op.execute("UPDATE outbox SET payload = (SELECT p.payload FROM outbox_payloads p"
               " WHERE p.seq = outbox.seq)")
    op.drop_table("outbox_payloads")
