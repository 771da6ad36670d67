"""Server tables (SQLAlchemy 2, its own MetaData with a naming convention).

* ``records``: every accepted record version, append-only.  Dedupe lives in the
  constraints: unique (kind, record_id, version) and unique (device_id, seq).
  Server-made versions (coordinator edits) have ``origin='server'`` and no seq.
* ``held_items``: items answered ``conflict`` or ``rejected``, kept so nothing is
  dropped and so their sequence numbers count as received (no false gaps).
* ``batches``: the stored answer per batch id (the idempotency key).
* ``reference_items`` / ``hub_changes``: download streams; the auto-increment
  ``change_id`` is the server-side change sequence behind the opaque cursors.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(36)
#: BIGINT on PostgreSQL, INTEGER (the rowid alias, so it auto-increments) on SQLite
BigId = BigInteger().with_variant(Integer, "sqlite")


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ServerSetting(ServerBase):
    __tablename__ = "server_settings"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class HubRow(ServerBase):
    __tablename__ = "hubs"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    district: Mapped[str] = mapped_column(String(120))
    tier: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class EnrolCode(ServerBase):
    """A one-time enrolment code (only its SHA-256 is stored)."""

    __tablename__ = "enrol_codes"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hub_id: Mapped[str] = mapped_column(ForeignKey("hubs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_by_device_id: Mapped[str | None] = mapped_column(ID)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class Device(ServerBase):
    """An enrolled laptop: its Ed25519 public key (it signs batch files and repeated
    enrolments) and the SHA-256 of its random device token (nothing that mints one)."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    hub_id: Mapped[str] = mapped_column(ForeignKey("hubs.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    enrol_code_id: Mapped[str] = mapped_column(ID)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    public_key: Mapped[str | None] = mapped_column(String(44))  # base64 raw Ed25519
    reinstated_at: Mapped[datetime | None] = mapped_column(DateTime)
    # bytes of record content this laptop has had stored (the storage quota)
    stored_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    # the audit chain: verified 1..audit_verified_through; a break, once found, stays
    audit_verified_through: Mapped[int] = mapped_column(BigInteger, default=0)
    audit_break_seq: Mapped[int | None] = mapped_column(BigInteger)
    # lower bound of the contiguous high sequence (a hint; recomputed from rows)
    contiguous_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # last heartbeat
    app_version: Mapped[str] = mapped_column(String(40), default="")
    unsent: Mapped[int | None] = mapped_column(BigInteger)
    needs_attention: Mapped[int | None] = mapped_column(BigInteger)
    oldest_unsent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    clock_skew_s: Mapped[float | None] = mapped_column(Float)


class RecordRow(ServerBase):
    __tablename__ = "records"
    row_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(ID)
    version: Mapped[int] = mapped_column(Integer)
    base_version: Mapped[int | None] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    hub_id: Mapped[str] = mapped_column(ID)
    device_id: Mapped[str] = mapped_column(ID)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, as hashed
    origin: Mapped[str] = mapped_column(String(10), default="device")  # device / server
    erased: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[str | None] = mapped_column(ID)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    # record_id leads the unique key so it also serves look-ups by record id
    __table_args__ = (
        UniqueConstraint("record_id", "version", "kind"),
        UniqueConstraint("device_id", "seq"),
    )


class HeldItem(ServerBase):
    """An item answered conflict or rejected: kept, never dropped."""

    __tablename__ = "held_items"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ID)
    hub_id: Mapped[str] = mapped_column(ID)
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(ID)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # conflict / rejected
    reason: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    batch_id: Mapped[str] = mapped_column(ID)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_held_items_device_seq", "device_id", "seq"),)


class BatchRow(ServerBase):
    """The first answer to a batch: replays return it (results and counts)."""

    __tablename__ = "batches"
    batch_id: Mapped[str] = mapped_column(ID, primary_key=True)
    device_id: Mapped[str] = mapped_column(ID, index=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    item_count: Mapped[int] = mapped_column(Integer)
    results: Mapped[str] = mapped_column(Text)  # JSON: {"results": [...], "counts": {...}}
    received_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(10), default="http")  # http / file


class ReferenceRow(ServerBase):
    """Current state of one reference item; re-inserted on change (new change_id)."""

    __tablename__ = "reference_items"
    change_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    stream: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(String(64))
    hub_id: Mapped[str | None] = mapped_column(ID)  # None: every hub sees it
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[str] = mapped_column(Text)  # canonical JSON
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("stream", "item_id"), {"sqlite_autoincrement": True})


class HubChange(ServerBase):
    """A server-side change for a hub: a coordinator edit or an erasure tombstone."""

    __tablename__ = "hub_changes"
    change_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hub_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(ID)
    version: Mapped[int] = mapped_column(Integer)
    tombstone: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        Index("ix_hub_changes_hub_change", "hub_id", "change_id"),
        {"sqlite_autoincrement": True},
    )


class RecoveryCode(ServerBase):
    """A one-time key-recovery code for one device (only its SHA-256 is stored)."""

    __tablename__ = "recovery_codes"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str] = mapped_column(ID, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditLinkRow(ServerBase):
    """One link of a laptop's audit chain as received: append-only by (device, seq)."""

    __tablename__ = "audit_links"
    device_id: Mapped[str] = mapped_column(ID, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))  # ISO text exactly as hashed
    actor: Mapped[str | None] = mapped_column(ID)
    device: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime)


class SecurityEvent(ServerBase):
    """The security log (no personal data): who did what to which device, never a
    person's details; addresses are kept only as a short keyed digest."""

    __tablename__ = "security_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    event: Mapped[str] = mapped_column(String(40))
    device_id: Mapped[str | None] = mapped_column(String(36))
    hub_id: Mapped[str | None] = mapped_column(String(36))
    address: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = ({"sqlite_autoincrement": True},)


class RateLimit(ServerBase):
    """Failures counted per key (an address or a device) in a fixed window, in the
    database so every worker process agrees."""

    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)


class Erasure(ServerBase):
    """A record erased on the server: any later copy of it is refused and not kept."""

    __tablename__ = "erasures"
    record_id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    erased_at: Mapped[datetime] = mapped_column(DateTime)


def table_of(model: type[ServerBase]) -> Table:
    """A mapped class's Core table, for the fast statements (here and in the other
    table modules of the server)."""
    return cast(Table, model.__table__)


# Core tables, for the fast statements of ingest and admin
SETTINGS = table_of(ServerSetting)
HUBS = table_of(HubRow)
CODES = table_of(EnrolCode)
DEVICES = table_of(Device)
RECORDS = table_of(RecordRow)
HELD = table_of(HeldItem)
BATCHES = table_of(BatchRow)
REFERENCE = table_of(ReferenceRow)
CHANGES = table_of(HubChange)
RECOVERY_CODES = table_of(RecoveryCode)
AUDIT_LINKS = table_of(AuditLinkRow)
SECURITY_EVENTS = table_of(SecurityEvent)
RATE_LIMITS = table_of(RateLimit)
ERASURES = table_of(Erasure)

# the report tables and the county page's tables share this MetaData (migrations and
# their check see them)
from hubdesk.server import council_tables, report_tables  # noqa: E402,F401
