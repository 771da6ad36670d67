"""rollup2: the monthly level of the report roll-up, per hub and local month (issue 11)

Filled by the next report refresh: forgetting the roll-up's zone (server setting
``report_rollup_zone``) makes the refresh rebuild the daily and monthly levels from
the report tables in the same transaction.

Revision ID: 0006_rollup2
Revises: 0005_rollup
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_rollup2"
down_revision: str | Sequence[str] | None = "0005_rollup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_monthly_counts",
        sa.Column("hub_id", sa.String(length=36), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("figure", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hub_id", "month", "figure", "code",
                                name=op.f("pk_report_monthly_counts")),
    )
    op.create_index(op.f("ix_report_monthly_counts_month"), "report_monthly_counts", ["month"])
    op.create_table(
        "report_monthly_visitors",
        sa.Column("hub_id", sa.String(length=36), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("visitor_code", sa.String(length=16), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("hub_id", "month", "visitor_code",
                                name=op.f("pk_report_monthly_visitors")),
    )
    op.create_index(op.f("ix_report_monthly_visitors_month"), "report_monthly_visitors",
                    ["month"])
    op.create_table(
        "report_monthly_volunteers",
        sa.Column("hub_id", sa.String(length=36), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("volunteer_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("hub_id", "month", "volunteer_id",
                                name=op.f("pk_report_monthly_volunteers")),
    )
    op.create_index(op.f("ix_report_monthly_volunteers_month"), "report_monthly_volunteers",
                    ["month"])
    op.execute("DELETE FROM server_settings WHERE key = 'report_rollup_zone'")


def downgrade() -> None:
    for table in ("report_monthly_volunteers", "report_monthly_visitors",
                  "report_monthly_counts"):
        op.drop_index(op.f(f"ix_{table}_month"), table_name=table)
        op.drop_table(table)
