"""an item in a stored batch stays pending: its batch_id alone says it is on its way

Until now storing a batch moved each of its items from ``pending`` to ``sending``,
which moved each item's entries in both state indexes (``ix_outbox_state_seq``,
``ix_outbox_state_counts``), and the receipt moved them again to ``sent``.  Now
storing a batch only names it in the items' ``batch_id``; ``pending`` items with
a batch are the ones on their way (``sync_repo``).  No pending item had a batch
before (every change back to pending cleared it), so the change is one to one.

Revision ID: 0011_batched_items_stay_pending
Revises: 0010_outbox_payloads
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0011_batched_items_stay_pending"
down_revision: str | Sequence[str] | None = "0010_outbox_payloads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE outbox SET state = 'pending' WHERE state = 'sending'")


def downgrade() -> None:
    op.execute("UPDATE outbox SET state = 'sending' "
                "WHERE state = 'pending' AND batch_id IS NOT NULL")
