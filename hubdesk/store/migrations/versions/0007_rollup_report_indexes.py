"""rollup: the report's daily roll-up and covering indexes (issue 11)

The roll-up tables (``store.rollup_models``) start empty: the first report builds
them. Triggers note the visit times whose days a write changes, in the writer's
transaction, so every path that writes records keeps the roll-up right. The covering
indexes let the passes the report still makes over rows read an index instead of
every row; they replace the indexes they extend (same leading columns).

Revision ID: 0007_rollup
Revises: 0006_security
"""
from collections.abc import Sequence

import sqlalchemy as sa
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
    "ix_outcomes_service": ("outcomes", ["service_id"]),
}
_OLD = {
    "ix_visits_current_time": ("visits", ["is_current", "visited_at"]),
    "ix_conversations_visit": ("conversations", ["visit_id", "is_current"]),
    "ix_outcomes_visit": ("outcomes", ["visit_id", "is_current"]),
}


_VISITS_OF = {
    "visit_id": "SELECT visited_at FROM visits WHERE record_id = {row}.visit_id",
    "session": "SELECT visited_at FROM visits WHERE session_id = {row}.record_id",
    "service": ("SELECT v.visited_at FROM outcomes o JOIN visits v ON v.record_id = o.visit_id "
                "WHERE o.service_id = {row}.id"),
}
#: table -> how to find the visit times a row of it touches
_TRIGGERS = {
    "visits": "VALUES ({row}.visited_at)",
    "conversations": _VISITS_OF["visit_id"],
    "outcomes": _VISITS_OF["visit_id"],
    "sessions": _VISITS_OF["session"],
    "services": _VISITS_OF["service"],
}


def upgrade() -> None:
    op.create_table("report_daily_counts", *_place(),
                    sa.Column("figure", sa.String(length=40), nullable=False),
                    sa.Column("code", sa.String(length=64), nullable=False),
                    sa.Column("count", sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint("venue_id", "day", "figure", "code",
                                            name=op.f("pk_report_daily_counts")))
    op.create_table("report_daily_visitors", *_place(),
                    sa.Column("visitor_code", sa.String(length=16), nullable=False),
                    sa.PrimaryKeyConstraint("venue_id", "day", "visitor_code",
                                            name=op.f("pk_report_daily_visitors")))
    op.create_table("report_daily_volunteers", *_place(),
                    sa.Column("volunteer_id", sa.String(length=36), nullable=False),
                    sa.PrimaryKeyConstraint("venue_id", "day", "volunteer_id",
                                            name=op.f("pk_report_daily_volunteers")))
    op.create_table("report_dirty_times",
                    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column("at", sa.DateTime(), nullable=True),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_report_dirty_times")))
    for table, times in _TRIGGERS.items():
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")),
                            ("DELETE", ("OLD",))):
            body = " ".join(f"INSERT INTO report_dirty_times (at) {times.format(row=row)};"
                            for row in rows)
            when = (" WHEN OLD.categories IS NOT NEW.categories"
                    if table == "services" and event == "UPDATE" else "")
            op.execute(f"CREATE TRIGGER report_dirty_{table}_{event.lower()} AFTER {event} "
                       f"ON {table} FOR EACH ROW{when} BEGIN {body} END")
    for name, (table, columns) in _NEW.items():
        op.create_index(name, table, columns)
    for name, (table, _columns) in _OLD.items():
        op.drop_index(name, table_name=table)


def _place() -> list[sa.Column[object]]:
    return [sa.Column("venue_id", sa.String(length=36), nullable=False),
            sa.Column("day", sa.Date(), nullable=False)]


def downgrade() -> None:
    for name, (table, columns) in _OLD.items():
        op.create_index(name, table, columns)
    for name, (table, _columns) in _NEW.items():
        op.drop_index(name, table_name=table)
    for table in _TRIGGERS:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS report_dirty_{table}_{event}")
    for table in ("report_dirty_times", "report_daily_volunteers", "report_daily_visitors",
                  "report_daily_counts"):
        op.drop_table(table)
