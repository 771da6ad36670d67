"""the status line's covering index goes: since 0010 an outbox row is short, and the
counts read it as fast through the (state, seq) index

``ix_outbox_state_counts`` (0009) let the status line count unsent visits without
reading each queued payload, which then sat in the outbox row.  Store 0010 moved the
payloads out; with 97,000 unsent items the counts take 32-34 ms through
``ix_outbox_state_seq`` alone against 35-44 ms with the wide index, while keeping
that index cost each item's change to ``sent`` a third of the laptop's database time
in a sync (``bench/outbox_steps.py``: ``counts_index``).

Revision ID: 0012_no_status_counts_index
Revises: 0011_batched_items_stay_pending
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0012_no_status_counts_index"
down_revision: str | Sequence[str] | None = "0011_batched_items_stay_pending"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_outbox_state_counts", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_state_counts", "outbox",
                    ["state", "kind", "finalised_at", "record_id"], unique=False)
