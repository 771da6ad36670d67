"""rollup: covering indexes for the report (issue 11)

The report reads a few columns of every visit, conversation and signpost in its
period; with these indexes each pass reads an index instead of looking up every
row. They replace the indexes they extend (same leading columns).

Revision ID: 0007_rollup
Revises: 0006_security
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0007_rollup"
down_revision: str | Sequence[str] | None = "0006_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW = {
    "ix_visits_report": ("visits", ["is_current", "visited_at", "deleted", "record_id", "sex",
                                    "age_band", "contact_mode", "referral_source", "first_visit",
                                    "safeguarding", "visitor_code", "created_by", "session_id"]),
    "ix_visits_topics": ("visits", ["record_id", "is_current", "deleted", "topics"]),
    "ix_conversations_report": ("conversations", ["visit_id", "is_current", "deleted", "topic",
                                                  "furthest_step", "response", "action"]),
    "ix_outcomes_report": ("outcomes", ["visit_id", "is_current", "deleted", "service_id",
                                        "kind", "status"]),
}
_OLD = {
    "ix_visits_current_time": ("visits", ["is_current", "visited_at"]),
    "ix_conversations_visit": ("conversations", ["visit_id", "is_current"]),
    "ix_outcomes_visit": ("outcomes", ["visit_id", "is_current"]),
}


def upgrade() -> None:
    for name, (table, columns) in _NEW.items():
        op.create_index(name, table, columns)
    for name, (table, _columns) in _OLD.items():
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, (table, columns) in _OLD.items():
        op.create_index(name, table, columns)
    for name, (table, _columns) in _NEW.items():
        op.drop_index(name, table_name=table)
