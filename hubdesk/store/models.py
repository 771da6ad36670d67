"""Local SQLAlchemy models for the entities of DESIGN.md section 2.

Synced record kinds (visit, conversation, outcome, follow-up, agreement, person,
session) are **append-only versions**: each row is one version of one record
(``record_id``, ``version``); an edit inserts version n+1 naming ``base_version``
and flips ``is_current`` on the old row (the only in-place change, a local index
flag that never syncs).  Finalising a version gives it a gap-free per-device
sequence number and puts its canonical payload in the :class:`OutboxItem` table
in the same transaction.

Times are naive UTC with ``utc_offset_min`` (the laptop's offset when recorded).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hubdesk.store.base import Base
from hubdesk.store.device_keys import new_signing_key

ID = String(36)


class Hub(Base):
    __tablename__ = "hubs"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    district: Mapped[str] = mapped_column(String(120))
    tier: Mapped[str] = mapped_column(String(20), default="universal")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    from_server: Mapped[bool] = mapped_column(Boolean, default=False)


class Venue(Base):
    __tablename__ = "venues"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    hub_id: Mapped[str] = mapped_column(ForeignKey("hubs.id"))
    name: Mapped[str] = mapped_column(String(120))
    venue_type: Mapped[str] = mapped_column(String(40), default="other")
    postcode_district: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    from_server: Mapped[bool] = mapped_column(Boolean, default=False)


class Volunteer(Base):
    __tablename__ = "volunteers"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20), default="volunteer")
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("display_name"),)


class Service(Base):
    """One entry of the services directory (reference data)."""

    __tablename__ = "services"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    organisation: Mapped[str] = mapped_column(String(160), default="")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    access: Mapped[str] = mapped_column(String(20), default="signpost_only")
    phone: Mapped[str] = mapped_column(String(40), default="")
    web: Mapped[str] = mapped_column(String(200), default="")
    opening_times: Mapped[str] = mapped_column(String(200), default="")
    area: Mapped[str] = mapped_column(String(120), default="", index=True)  # a filter
    eligibility: Mapped[str] = mapped_column(String(300), default="")
    last_verified: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active/paused/closed
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_services_status_opening_times", "status", "opening_times"),)
    # lower-cased "name organisation categories description" for type-ahead search
    search_text: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # naive UTC: when a download last changed this entry (None: never, e.g. the sample)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the directory's list order, indexed: crisis first, then running, paused, closed, then
    # the name (``directory_repo.service_sort_key``)
    sort_key: Mapped[str] = mapped_column(String(200), default="", server_default="",
                                          index=True)


class VersionedMixin:
    """Columns every synced, append-only record version carries."""

    row_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ID, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    base_version: Mapped[int | None] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    device_id: Mapped[str] = mapped_column(ID)
    created_by: Mapped[str] = mapped_column(ID)  # volunteer id
    created_at: Mapped[datetime] = mapped_column(DateTime)
    utc_offset_min: Mapped[int] = mapped_column(Integer, default=0)
    device_seq: Mapped[int | None] = mapped_column(Integer)  # set when finalised
    content_hash: Mapped[str | None] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(10), default="local")  # local / server


class HubSession(VersionedMixin, Base):
    """One opening of a hub at a venue ("Tue lunch club, St Mary's hall")."""

    __tablename__ = "sessions"
    hub_id: Mapped[str] = mapped_column(ID)
    venue_id: Mapped[str] = mapped_column(ID)
    session_type: Mapped[str] = mapped_column(String(30))
    session_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    volunteers_present: Mapped[list[str]] = mapped_column(JSON, default=list)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    # [{"name": str, "attendance": int, "attendance_under_18": int}]
    activities: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    warm_space: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open / closed
    # who signed in and out, for volunteer hours: [{"volunteer_id": str, "signed_in_at":
    # ISO naive UTC, "signed_out_at": ISO naive UTC (absent while still signed in)}]
    volunteer_shifts: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]")
    __table_args__ = (
        UniqueConstraint("record_id", "version"),
        Index("ix_sessions_current_date", "is_current", "session_date"),
    )


class Person(VersionedMixin, Base):
    """Identity, kept only when a purpose needs it and agreement is recorded."""

    __tablename__ = "people"
    preferred_name: Mapped[str] = mapped_column(String(80), default="")
    contact: Mapped[str] = mapped_column(String(120), default="")
    visitor_code: Mapped[str | None] = mapped_column(String(16))
    retention_due: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("record_id", "version"),)


class Visit(VersionedMixin, Base):
    """One conversation with a resident: anonymous by default."""

    __tablename__ = "visits"
    session_id: Mapped[str] = mapped_column(ID)  # session record id
    visited_at: Mapped[datetime] = mapped_column(DateTime)
    contact_mode: Mapped[str] = mapped_column(String(20))
    referral_source: Mapped[str | None] = mapped_column(String(30))
    age_band: Mapped[str] = mapped_column(String(12), default="not_asked")
    sex: Mapped[str] = mapped_column(String(12), default="not_asked")
    postcode_district: Mapped[str | None] = mapped_column(String(8))
    first_visit: Mapped[bool | None] = mapped_column(Boolean)
    visitor_code: Mapped[str | None] = mapped_column(String(16))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    safeguarding: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")  # restricted: never logged or exported
    person_id: Mapped[str | None] = mapped_column(ID)
    __table_args__ = (
        UniqueConstraint("record_id", "version"),
        # the report reads only these columns of the period's visits: a covering index
        # (its first two columns also serve the day lists) spares a row lookup a visit
        Index("ix_visits_report", "is_current", "visited_at", "deleted", "record_id", "sex",
              "age_band", "contact_mode", "referral_source", "first_visit", "safeguarding",
              "visitor_code", "created_by", "session_id"),
        Index("ix_visits_topics", "record_id", "is_current", "deleted", "topics"),
        Index("ix_visits_session", "session_id", "is_current"),
    )


class Conversation(VersionedMixin, Base):
    """One MECC topic within a visit."""

    __tablename__ = "conversations"
    visit_id: Mapped[str] = mapped_column(ID)  # visit record id
    topic: Mapped[str] = mapped_column(String(30))
    furthest_step: Mapped[str] = mapped_column(String(10), default="ask")
    intervention_level: Mapped[str] = mapped_column(String(12), default="very_brief")
    response: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str | None] = mapped_column(String(20))
    __table_args__ = (
        UniqueConstraint("record_id", "version"),
        Index("ix_conversations_report", "visit_id", "is_current", "deleted", "topic",
              "furthest_step", "response", "action"),
    )


class SignpostingOutcome(VersionedMixin, Base):
    __tablename__ = "outcomes"
    visit_id: Mapped[str] = mapped_column(ID)
    conversation_id: Mapped[str | None] = mapped_column(ID)
    service_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(16), default="signpost")
    agreement_recorded: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="offered")
    __table_args__ = (
        UniqueConstraint("record_id", "version"),
        Index("ix_outcomes_report", "visit_id", "is_current", "deleted", "service_id", "kind",
              "status"),
        Index("ix_outcomes_service", "service_id"),
    )


class FollowUp(VersionedMixin, Base):
    __tablename__ = "follow_ups"
    outcome_id: Mapped[str | None] = mapped_column(ID)
    visit_id: Mapped[str | None] = mapped_column(ID)
    due_date: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(12), default="phone")
    assigned_to: Mapped[str | None] = mapped_column(ID)
    result: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        UniqueConstraint("record_id", "version"),
        Index("ix_follow_ups_due", "is_current", "done", "due_date"),
    )


class Agreement(VersionedMixin, Base):
    """What the person agreed to, per purpose (consent)."""

    __tablename__ = "agreements"
    visit_id: Mapped[str | None] = mapped_column(ID)
    person_id: Mapped[str | None] = mapped_column(ID)
    purpose: Mapped[str] = mapped_column(String(20))
    given: Mapped[bool] = mapped_column(Boolean)
    method: Mapped[str] = mapped_column(String(12), default="verbal")
    notice_version: Mapped[str] = mapped_column(String(20), default="1")
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("record_id", "version"),)


class Suggestion(VersionedMixin, Base):
    """A coordinator's proposed change to the services directory, for the council to
    accept or reject (wire rules: ``protocol.services.suggestion_problem``).

    ``action`` is add / correct / pause / close / reopen; the service fields hold only
    what the suggestion changes (None: unchanged, and left out of the wire payload).
    """

    __tablename__ = "suggestions"
    hub_id: Mapped[str] = mapped_column(ID)
    action: Mapped[str] = mapped_column(String(10))
    service_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    name: Mapped[str | None] = mapped_column(String(160))
    organisation: Mapped[str | None] = mapped_column(String(160))
    categories: Mapped[list[str] | None] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    access: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(40))
    web: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(120))
    opening_times: Mapped[str | None] = mapped_column(String(200))
    area: Mapped[str | None] = mapped_column(String(120))
    eligibility: Mapped[str | None] = mapped_column(String(300))
    __table_args__ = (UniqueConstraint("record_id", "version"),)


class Alert(Base):
    """A coordinator alert (safeguarding) raised on this laptop."""

    __tablename__ = "alerts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="safeguarding")
    visit_id: Mapped[str] = mapped_column(ID)
    raised_by: Mapped[str] = mapped_column(ID)
    raised_at: Mapped[datetime] = mapped_column(DateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(ID)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    # what the coordinator did ("Called the adult safeguarding team"); local only
    action_taken: Mapped[str | None] = mapped_column(String(300))


class Draft(Base):
    """An unfinished visit form, autosaved so it survives the app being killed."""

    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(ID)
    session_id: Mapped[str | None] = mapped_column(ID)
    base_visit_id: Mapped[str | None] = mapped_column(ID)  # set when editing a visit
    base_version: Mapped[int | None] = mapped_column(Integer)  # the version the edit opened on
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    """Append-only who-did-what, hash-chained to the event before it."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[str | None] = mapped_column(ID)
    device_id: Mapped[str] = mapped_column(ID)
    action: Mapped[str] = mapped_column(String(20))
    entity_kind: Mapped[str] = mapped_column(String(20), default="")
    entity_id: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")  # never personal data
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class DeviceState(Base):
    """Singleton row (id=1): this laptop's identity, signing key and enrolment."""

    __tablename__ = "device_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(ID)
    hub_id: Mapped[str | None] = mapped_column(ID)
    server_url: Mapped[str | None] = mapped_column(String(300))
    device_token: Mapped[str | None] = mapped_column(String(200))
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_sync_error: Mapped[str | None] = mapped_column(String(300))
    vocab_version: Mapped[int] = mapped_column(Integer, default=1)
    # this laptop's Ed25519 private key, base64 raw (see store/device_keys.py)
    signing_key: Mapped[str | None] = mapped_column(String(44), default=new_signing_key)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class OutboxPayload(Base):
    """The frozen wire content of an outbox item, beside it in a table of its own (store
    0010): an upload changes each item's state twice, and SQLite rewrites the whole row
    for each change; with the payload inside it, each batch's commit wrote every payload
    twice (``bench/outbox_steps.py``, ``payload_in_row``)."""

    __tablename__ = "outbox_payloads"
    seq: Mapped[int] = mapped_column(Integer, ForeignKey("outbox.seq"), primary_key=True,
                                     autoincrement=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


#: outbox states that still need the server: an item in a stored batch stays
#: ``pending`` and names the batch in ``batch_id`` (store 0011; it was ``sending``)
UNSENT_STATES = ("pending",)
#: outbox states a coordinator must look at
ATTENTION_STATES = ("rejected", "conflict")
#: an attention item a coordinator marked as dealt with (or an erasure withdrew)
RESOLVED_STATE = "resolved"


class OutboxItem(Base):
    """A finalised record version waiting for (or done with) upload.

    ``seq`` is the gap-free per-device sequence number, given in the same
    transaction that finalises the version.  ``payload`` is the canonical wire
    content (``content_hash`` is its SHA-256), frozen at finalisation; it is kept in
    ``OutboxPayload`` and read and written through ``payload`` as if it were a column
    (an item loads with it; ``select(OutboxItem.payload)`` reads it).
    States: pending -> sent | rejected | conflict; a pending item in a stored batch
    names it in ``batch_id`` (until store 0011 it was ``sending``); a rejected or
    conflicting item becomes ``resolved`` when a coordinator marks it as dealt with
    (the row stays).
    """

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(ID)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[OutboxPayload] = relationship(lazy="joined", innerjoin=True, cascade="all")
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    batch_id: Mapped[str | None] = mapped_column(ID)
    reason: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finalised_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        UniqueConstraint("kind", "record_id", "version"),
        # the next pending items, and the status line's counts (store 0012: one index
        # on the state, so an item's change of state moves one entry)
        Index("ix_outbox_state_seq", "state", "seq"),
    )

    @hybrid_property
    def payload(self) -> dict[str, Any]:
        return self.body.payload

    @payload.inplace.setter
    def _payload_setter(self, value: dict[str, Any]) -> None:
        if self.body is None:
            self.body = OutboxPayload(payload=value)
        else:
            self.body.payload = value

    @payload.inplace.expression
    @classmethod
    def _payload_expression(cls) -> Any:
        return (select(OutboxPayload.payload).where(OutboxPayload.seq == cls.seq)
                .correlate_except(OutboxPayload).scalar_subquery())


class SyncBatch(Base):
    """An upload batch, stored before it is POSTed (crash-safe state machine)."""

    __tablename__ = "sync_batches"
    batch_id: Mapped[str] = mapped_column(ID, primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="sending")  # sending / done
    created_at: Mapped[datetime] = mapped_column(DateTime)
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    item_count: Mapped[int] = mapped_column(Integer)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)


class SyncCursor(Base):
    """Opaque server cursors for downloads (never timestamps)."""

    __tablename__ = "sync_cursors"
    stream: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class HeldServerVersion(Base):
    """A version (or erasure tombstone) downloaded from the server that could not be
    applied because this laptop has unsent or conflicting work on the same record.
    Kept for a coordinator to resolve: downloads never overwrite local work."""

    __tablename__ = "held_server_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(ID, index=True)
    version: Mapped[int] = mapped_column(Integer)
    tombstone: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(300), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("kind", "record_id", "version", "tombstone"),)


class RecordConflict(Base):
    """The same field changed on two sides (DESIGN §4): both values kept for a
    coordinator.  Local only; the coordinator's choice travels as a new version.

    ``level`` says what ``fields`` names: ``form`` (a stale edit of a visit, by
    ``VisitForm`` field) or ``record`` (a download, by the record's own columns).
    ``fields``: ``{name: {"this_laptop": value, "other": value}}`` (JSON values).
    """

    __tablename__ = "record_conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(ID, index=True)
    level: Mapped[str] = mapped_column(String(10))
    merged_version: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    this_laptop_by: Mapped[str | None] = mapped_column(ID)
    other_by: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(ID)
    resolved_version: Mapped[int | None] = mapped_column(Integer)


#: Synced record kinds, as named on the wire, and their models.
VERSIONED_KINDS: dict[str, type[VersionedMixin]] = {
    "session": HubSession,
    "visit": Visit,
    "conversation": Conversation,
    "outcome": SignpostingOutcome,
    "follow_up": FollowUp,
    "agreement": Agreement,
    "person": Person,
    "suggestion": Suggestion,
}
