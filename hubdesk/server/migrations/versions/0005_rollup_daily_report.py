"""rollup: the daily roll-up of the report figures, per hub and local day (issue 11)

The roll-up is filled by the next report refresh: with no zone recorded for it
(server setting ``report_rollup_zone``), the refresh builds it from the report
tables in the same transaction.

Revision ID: 0005_rollup
Revises: 0004_county
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_rollup"
down_revision: str | Sequence[str] | None = "0004_county"  # chained after main's county migration
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_daily_counts",
        sa.Column("hub_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("figure", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hub_id", "day", "figure", "code",
                                name=op.f("pk_report_daily_counts")),
    )
    op.create_index(op.f("ix_report_daily_counts_day"), "report_daily_counts", ["day"])
    op.create_table(
        "report_daily_visitors",
        sa.Column("hub_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitor_code", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("hub_id", "day", "visitor_code",
                                name=op.f("pk_report_daily_visitors")),
    )
    op.create_index(op.f("ix_report_daily_visitors_day"), "report_daily_visitors", ["day"])
    op.create_table(
        "report_daily_volunteers",
        sa.Column("hub_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("volunteer_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("hub_id", "day", "volunteer_id",
                                name=op.f("pk_report_daily_volunteers")),
    )
    op.create_index(op.f("ix_report_daily_volunteers_day"), "report_daily_volunteers", ["day"])
    op.execute("DELETE FROM server_settings WHERE key = 'report_rollup_zone'")


def downgrade() -> None:
    for table in ("report_daily_volunteers", "report_daily_visitors", "report_daily_counts"):
        op.drop_index(op.f(f"ix_{table}_day"), table_name=table)
        op.drop_table(table)
