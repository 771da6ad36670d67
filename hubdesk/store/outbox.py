"""Finalising record versions: the gap-free device sequence and the outbox.

A version is *finalised* when it is complete and will never change again.  In
the same transaction it gets the next per-device sequence number and its frozen
wire payload goes into the outbox.  The sync engine reads only the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, func, insert, select
from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.hashing import content_hash
from hubdesk.store.models import VERSIONED_KINDS, OutboxItem, OutboxPayload, VersionedMixin

#: Columns of VersionedMixin that are local bookkeeping, never on the wire.
LOCAL_ONLY_COLUMNS = {"row_id", "is_current", "device_seq", "content_hash", "origin"}
ENVELOPE_COLUMNS = {
    "record_id", "version", "base_version", "deleted", "device_id",
    "created_by", "created_at", "utc_offset_min",
}

#: Fields a kind sends only when they hold a value: a directory suggestion carries just
#: the service details it proposes to change (``protocol.services.suggestion_problem``).
SPARSE_FIELDS = {"suggestion": frozenset(
    ("name", "organisation", "categories", "description", "access", "phone", "web", "email",
     "opening_times", "area", "eligibility", "reason", "service_id"))}

#: Restricted fields kept on the laptop only (issue 8): the visit note is never sent
#: unless the council turns on syncing it (the ``sync_visit_note`` setting).
RESTRICTED_FIELDS = {"visit": ("note",)}
SYNC_NOTE_SETTING = "sync_visit_note"

_KIND_BY_MODEL = {model: kind for kind, model in VERSIONED_KINDS.items()}


def kind_of(record: VersionedMixin) -> str:
    return _KIND_BY_MODEL[type(record)]


def _wire_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def record_payload(record: VersionedMixin) -> dict[str, Any]:
    """The canonical wire form of one version.

    ``{"kind", "record_id", "version", "base_version", "deleted", "device_id",
    "created_by", "created_at", "utc_offset_min", "fields": {...domain fields}}``
    with datetimes as ISO 8601 (naive UTC) and dates as ``YYYY-MM-DD``.
    """
    table = record.__table__  # type: ignore[attr-defined]
    envelope: dict[str, Any] = {"kind": kind_of(record)}
    fields: dict[str, Any] = {}
    sparse = SPARSE_FIELDS.get(envelope["kind"], frozenset())
    for column in table.columns:
        name = column.key
        if name in LOCAL_ONLY_COLUMNS:
            continue
        value = _wire_value(getattr(record, name))
        if value is None and name in sparse:
            continue
        if name in ENVELOPE_COLUMNS:
            envelope[name] = value
        else:
            fields[name] = value
    envelope["fields"] = fields
    return envelope


def version_from_payload(payload: dict[str, Any]) -> VersionedMixin:
    """Rebuild a local version row from its wire payload (``outbox.record_payload``)."""
    model = VERSIONED_KINDS[payload["kind"]]
    columns = model.__table__.columns  # type: ignore[attr-defined]
    values: dict[str, Any] = {}
    fields = payload.get("fields", {})
    for column in columns:
        name = column.key
        if name in LOCAL_ONLY_COLUMNS:
            continue
        if name in ENVELOPE_COLUMNS:
            if name not in payload:
                continue
            raw = payload[name]
        elif name in fields:
            raw = fields[name]
        else:
            continue
        if raw is not None and isinstance(column.type, DateTime) and isinstance(raw, str):
            raw = datetime.fromisoformat(raw)
        elif raw is not None and isinstance(column.type, Date) and isinstance(raw, str):
            raw = date.fromisoformat(raw)
        values[name] = raw
    return model(**values)


def _council_syncs_notes(db: Session) -> bool:
    from hubdesk.store.models import Setting

    setting = db.get(Setting, SYNC_NOTE_SETTING)
    return bool(setting is not None and setting.value is True)


def keep_local_only_fields(db: Session, kind: str, incoming: dict[str, Any],
                           local: dict[str, Any]) -> None:
    """A copy from the server never carries the restricted fields (sent blank unless the
    council syncs them): keep this laptop's values, so a download or a merge of another
    laptop's edit does not wipe the visit note here."""
    restricted = RESTRICTED_FIELDS.get(kind, ())
    if not restricted or _council_syncs_notes(db):
        return
    for name in restricted:
        if name in incoming and name in local:
            incoming[name] = local[name]


_SEQ_CACHE = "hubdesk_next_seq"


def next_device_seq(db: Session) -> int:
    """Next gap-free sequence number.

    SQLite has one writer and this runs inside the finalising transaction, so two
    finalisations can never share a number.  The next number is remembered for
    the rest of the same transaction (saves a query and an autoflush per record).
    """
    transaction = db.get_transaction()
    cached = db.info.get(_SEQ_CACHE)
    if cached is not None and cached[0] is transaction:
        seq = int(cached[1])
    else:
        seq = (db.scalar(select(func.max(OutboxItem.seq))) or 0) + 1
    db.info[_SEQ_CACHE] = (transaction, seq + 1)
    return seq


def finalise(db: Session, record: VersionedMixin) -> OutboxItem:
    """Give ``record`` its device sequence and queue its frozen payload for upload."""
    payload = record_payload(record)
    restricted = RESTRICTED_FIELDS.get(payload["kind"], ())
    if restricted and not _council_syncs_notes(db):
        for name in restricted:
            if name in payload["fields"]:
                payload["fields"][name] = ""
    digest = content_hash(payload)
    seq = next_device_seq(db)
    record.device_seq = seq
    record.content_hash = digest
    item = OutboxItem(
        seq=seq,
        kind=payload["kind"],
        record_id=record.record_id,
        version=record.version,
        payload=payload,
        content_hash=digest,
        state="pending",
        finalised_at=utc_now(),
        attempts=0,
    )
    db.add(item)
    return item


def insert_outbox_rows(db: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk-insert outbox rows given as column values with their ``payload``: the rows,
    then their payloads (``OutboxPayload``), as ``finalise`` stores one item."""
    if not rows:
        return
    db.execute(insert(OutboxItem), [{k: v for k, v in row.items() if k != "payload"}
                                    for row in rows])
    db.execute(insert(OutboxPayload), [{"seq": row["seq"], "payload": row["payload"]}
                                       for row in rows])
