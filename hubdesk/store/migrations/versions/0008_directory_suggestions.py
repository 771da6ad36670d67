"""directory: coordinators' suggestions (record kind ``suggestion``); services keep an
email address, when a download last changed them, and their list order (indexed, as are
the area and the opening times of running services)

Revision ID: 0008_directory
Revises: 0007_rollup
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_directory"
down_revision: str | Sequence[str] | None = "0007_rollup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("hub_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("name", sa.String(length=160), nullable=True),
        sa.Column("organisation", sa.String(length=160), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("access", sa.String(length=20), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("web", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("opening_times", sa.String(length=200), nullable=True),
        sa.Column("area", sa.String(length=120), nullable=True),
        sa.Column("eligibility", sa.String(length=300), nullable=True),
        sa.Column("row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("device_seq", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("row_id", name=op.f("pk_suggestions")),
        sa.UniqueConstraint("record_id", "version", name=op.f("uq_suggestions_record_id_version")),
    )
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suggestions_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_suggestions_service_id"), ["service_id"],
                              unique=False)
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=120), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("sort_key", sa.String(length=200), nullable=False,
                                      server_default=""))
        batch_op.create_index(batch_op.f("ix_services_sort_key"), ["sort_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_services_area"), ["area"], unique=False)
        batch_op.create_index("ix_services_status_opening_times", ["status", "opening_times"],
                              unique=False)
    # the same order as directory_repo.service_sort_key (crisis is the vocabulary's crisis
    # category; SQLite's lower() folds ASCII only, which the next download corrects)
    op.execute("UPDATE services SET sort_key = "
               "(CASE WHEN categories LIKE '%\"crisis\"%' THEN '0' ELSE '1' END) || "
               "(CASE status WHEN 'active' THEN '0' WHEN 'paused' THEN '1' ELSE '2' END) || "
               "substr(lower(name), 1, 190)")


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index("ix_services_status_opening_times")
        batch_op.drop_index(batch_op.f("ix_services_area"))
        batch_op.drop_index(batch_op.f("ix_services_sort_key"))
        batch_op.drop_column("sort_key")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("email")
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestions_service_id"))
        batch_op.drop_index(batch_op.f("ix_suggestions_record_id"))
    op.drop_table("suggestions")
