"""Versions made on the server: a coordinator's edit (a new version, published to
the record's hub) and erasure (right to erasure: content removed, a tombstone published)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from hubdesk.core.clock import utc_now
from hubdesk.core.hashing import canonical_json, content_hash
from hubdesk.protocol.schemas import RECORD_KINDS, RecordPayload
from hubdesk.server.db import write_tx
from hubdesk.server.errors import AdminError
from hubdesk.server.models import CHANGES, HELD, RECORDS
from hubdesk.server.reference import lock_for_feed

#: The device id and volunteer id named by versions made on the server itself.
SERVER_DEVICE_ID = "00000000-0000-0000-0000-000000000000"
SERVER_ACTOR_ID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class ServerEdit:
    """A version made on the server (it appears in ``GET /v1/changes``)."""

    kind: str
    record_id: str
    version: int
    content_hash: str
    payload: dict[str, Any]


def edit_record(engine: Engine, kind: str, record_id: str, changes: Mapping[str, Any], *,
                edited_by: str = SERVER_ACTOR_ID, deleted: bool = False) -> ServerEdit:
    """A coordinator's edit on the server: a new version (latest + 1) of the record,
    ``origin='server'``, its fields updated with ``changes``.

    Raises AdminError when the record is unknown/erased or the new version clashes
    with one uploaded at the same moment (try again).
    """
    if kind not in RECORD_KINDS:
        raise AdminError(f"unknown record kind {kind!r}")
    try:
        with write_tx(engine) as conn:
            lock_for_feed(conn, "hub_changes")
            latest = conn.execute(
                select(RECORDS).where(RECORDS.c.kind == kind, RECORDS.c.record_id == record_id)
                .order_by(RECORDS.c.version.desc()).limit(1)
            ).first()
            if latest is None or latest.erased:
                raise AdminError(f"no {kind} {record_id} on the server")
            base = json.loads(latest.payload)
            payload = {
                "kind": kind,
                "record_id": record_id,
                "version": latest.version + 1,
                "base_version": latest.version,
                "deleted": deleted,
                "device_id": SERVER_DEVICE_ID,
                "created_by": edited_by,
                "created_at": utc_now().isoformat(timespec="microseconds"),
                "utc_offset_min": 0,
                "fields": {**base.get("fields", {}), **dict(changes)},
            }
            RecordPayload.model_validate(payload)  # what clients will parse
            digest = content_hash(payload)
            now = utc_now()
            conn.execute(insert(RECORDS).values(
                kind=kind, record_id=record_id, version=payload["version"],
                base_version=latest.version, deleted=deleted, hub_id=latest.hub_id,
                device_id=SERVER_DEVICE_ID, seq=None, content_hash=digest,
                payload=canonical_json(payload), origin="server", erased=False, batch_id=None,
                received_at=now,
            ))
            conn.execute(insert(CHANGES).values(
                hub_id=latest.hub_id, kind=kind, record_id=record_id, version=payload["version"],
                tombstone=False, changed_at=now,
            ))
    except IntegrityError as error:
        raise AdminError("that version was made at the same moment elsewhere; try again") from error
    return ServerEdit(kind, record_id, payload["version"], digest, payload)


def erase_record(engine: Engine, kind: str, record_id: str) -> int:
    """Erase a record's content on the server (right to erasure) and publish a
    tombstone to its hub.  The hashes stay, so a late upload of the same content is a
    duplicate, not a new row.  Returns the number of versions erased."""
    with write_tx(engine) as conn:
        lock_for_feed(conn, "hub_changes")
        latest = conn.execute(
            select(RECORDS.c.version, RECORDS.c.hub_id)
            .where(RECORDS.c.kind == kind, RECORDS.c.record_id == record_id)
            .order_by(RECORDS.c.version.desc()).limit(1)
        ).first()
        if latest is None:
            raise AdminError(f"no {kind} {record_id} on the server")
        result = conn.execute(update(RECORDS)
                              .where(RECORDS.c.kind == kind, RECORDS.c.record_id == record_id)
                              .values(payload="{}", erased=True))
        conn.execute(update(HELD).where(HELD.c.record_id == record_id).values(payload="{}"))
        conn.execute(insert(CHANGES).values(
            hub_id=latest.hub_id, kind=kind, record_id=record_id, version=latest.version,
            tombstone=True, changed_at=utc_now(),
        ))
        return int(result.rowcount)

