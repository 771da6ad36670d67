"""county: the council's web page: users and their areas, signed-in sessions (hashes
only), decisions on directory suggestions, and a partial index of suggestion rows

Revision ID: 0004_county
Revises: 0003_security
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004_county"
down_revision: Union[str, Sequence[str], None] = "0003_security"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "council_users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("county", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_users")),
        sa.UniqueConstraint("username", name=op.f("uq_council_users_username")),
    )
    op.create_table(
        "council_user_areas",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("area", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["council_users.id"],
                                name=op.f("fk_council_user_areas_user_id_council_users")),
        sa.PrimaryKeyConstraint("user_id", "kind", "area", name=op.f("pk_council_user_areas")),
    )
    op.create_table(
        "council_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["council_users.id"],
                                name=op.f("fk_council_sessions_user_id_council_users")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_council_sessions")),
    )
    with op.batch_alter_table("council_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_sessions_user_id"), ["user_id"],
                              unique=False)
    op.create_table(
        "suggestion_decisions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=True),
        sa.Column("decided_by", sa.String(length=36), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_decisions")),
        sa.UniqueConstraint("record_id", "version",
                            name=op.f("uq_suggestion_decisions_record_id_version")),
    )
    with op.batch_alter_table("suggestion_decisions", schema=None) as batch_op:
        batch_op.create_index("ix_suggestion_decisions_decided_at", ["decided_at"],
                              unique=False)
    op.create_index("ix_records_suggestions", "records", ["record_id", "version"],
                    unique=False, sqlite_where=sa.text("kind = 'suggestion'"),
                    postgresql_where=sa.text("kind = 'suggestion'"))


def downgrade() -> None:
    op.drop_index("ix_records_suggestions", table_name="records")
    op.drop_table("suggestion_decisions")
    op.drop_table("council_sessions")
    op.drop_table("council_user_areas")
    op.drop_table("council_users")
