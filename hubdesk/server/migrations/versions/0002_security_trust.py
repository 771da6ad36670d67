"""security: laptop keys, recovery codes, audit chains, security log, rate limits,
erasures; the token derivation secret removed (DESIGN section 9)

Existing device tokens keep working (only their hashes were ever stored); a laptop
enrolled before this revision has no public key until it enrols again, so its batch
files cannot be checked and are refused.

Revision ID: 0002_security
Revises: 0001
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002_security"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_key", sa.String(length=44), nullable=True))
        batch_op.add_column(sa.Column("reinstated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("stored_bytes", sa.BigInteger(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("audit_verified_through", sa.BigInteger(),
                                      nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("audit_break_seq", sa.BigInteger(), nullable=True))
    # the bytes already held count towards each laptop's quota
    op.execute("UPDATE devices SET stored_bytes = COALESCE((SELECT SUM(LENGTH(payload)) "
               "FROM records WHERE records.device_id = devices.id), 0)")
    # nothing in the database may mint a token any more
    op.execute("DELETE FROM server_settings WHERE key = 'token_secret'")

    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_codes_code_hash")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_device_id"), ["device_id"],
                              unique=False)
    op.create_table(
        "audit_links",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=36), nullable=True),
        sa.Column("device", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq", name=op.f("pk_audit_links")),
    )
    op.create_table(
        "security_events",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("hub_id", sa.String(length=36), nullable=True),
        sa.Column("address", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("security_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_security_events_at"), ["at"], unique=False)
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limits")),
    )
    op.create_table(
        "erasures",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_erasures")),
    )
    # records erased before this revision are erasures too
    op.execute("INSERT INTO erasures (record_id, kind, erased_at) "
               "SELECT record_id, MIN(kind), MIN(received_at) FROM records WHERE erased "
               "GROUP BY record_id")


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_table("rate_limits")
    with op.batch_alter_table("security_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_security_events_at"))
    op.drop_table("security_events")
    op.drop_table("audit_links")
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_device_id"))
    op.drop_table("recovery_codes")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("audit_break_seq")
        batch_op.drop_column("audit_verified_through")
        batch_op.drop_column("stored_bytes")
        batch_op.drop_column("reinstated_at")
        batch_op.drop_column("public_key")
