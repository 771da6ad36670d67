"""Administration: hubs, venues, roster, enrolment codes, devices, the services
directory, coordinator edits and erasures on the server, and statistics.

Every function takes an opened engine (see :func:`hubdesk.server.db.open_database`)
and runs its own transaction.  Tests use these directly, e.g. the client's
Hypothesis test makes a coordinator edit with :func:`edit_record`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import secrets
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from hubdesk.core.clock import utc_now
from hubdesk.core.hashing import canonical_json, content_hash
from hubdesk.core.ids import uuid7
from hubdesk.core.vocab import vocabularies
from hubdesk.protocol.schemas import RECORD_KINDS, RecordPayload
from hubdesk.server.db import read_tx, write_tx
from hubdesk.server.errors import AdminError
from hubdesk.server.ingest import walk_sequence
from hubdesk.server.models import (
    CHANGES,
    CODES,
    DEVICES,
    HELD,
    HUBS,
    RECORDS,
    REFERENCE,
    SETTINGS,
)
from hubdesk.server.report_refresh import refresh_report_tables

#: The device id and volunteer id named by versions made on the server itself.
SERVER_DEVICE_ID = "00000000-0000-0000-0000-000000000000"
SERVER_ACTOR_ID = "00000000-0000-0000-0000-000000000000"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_VALID_DAYS = 7
TIERS = ("universal", "targeted", "specialist")



def clean_text(value: str, limit: int) -> str:
    """Printable text only (no control characters or lone surrogates), cut to ``limit``."""
    kept = "".join(
        ch for ch in value
        if unicodedata.category(ch) not in ("Cc", "Cs") or ch in "\t"
    )
    return kept.strip()[:limit]


# --- seed -------------------------------------------------------------------


def ensure_seed(engine: Engine) -> None:
    """The token secret and the current vocabularies (idempotent, run at start-up)."""
    data = json.loads(_vocab_file().read_text(encoding="utf-8"))
    with read_tx(engine) as conn:  # usually all there: no write transaction needed
        has_secret = conn.execute(
            select(SETTINGS.c.value).where(SETTINGS.c.key == "token_secret")).first()
        published = conn.execute(
            select(REFERENCE.c.data)
            .where(REFERENCE.c.stream == "vocabularies", REFERENCE.c.item_id == "core")
        ).scalar()
    if has_secret is not None and published == canonical_json(data):
        return
    with write_tx(engine) as conn:
        if conn.execute(select(SETTINGS.c.value).where(SETTINGS.c.key == "token_secret")
                        ).first() is None:
            conn.execute(insert(SETTINGS).values(key="token_secret",
                                                 value=secrets.token_hex(32)))
        upsert_reference(conn, "vocabularies", "core", None, data)


def _vocab_file() -> Path:
    from hubdesk.core.paths import resources_dir

    return resources_dir() / "vocabularies.json"


def token_secret(conn: Connection) -> bytes:
    value = conn.execute(select(SETTINGS.c.value).where(SETTINGS.c.key == "token_secret")).scalar()
    if value is None:
        raise AdminError("the server database has no token secret; run the server once")
    return bytes.fromhex(value)


# --- reference streams --------------------------------------------------------


def _lock_for_feed(conn: Connection, table: str) -> None:
    """Keep commit order equal to change-id order on PostgreSQL (SQLite has one writer),
    so a reader's cursor never passes a change that commits later."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))


def upsert_reference(conn: Connection, stream: str, item_id: str, hub_id: str | None,
                     data: Mapping[str, Any], *, deleted: bool = False) -> bool:
    """Publish the current state of a reference item; True when it changed.

    A change re-inserts the row, so it gets a new, higher ``change_id``.
    """
    _lock_for_feed(conn, "reference_items")
    text_data = canonical_json(dict(data))
    existing = conn.execute(
        select(REFERENCE.c.change_id, REFERENCE.c.data, REFERENCE.c.deleted, REFERENCE.c.hub_id)
        .where(REFERENCE.c.stream == stream, REFERENCE.c.item_id == item_id)
    ).first()
    if existing is not None:
        if (existing.data == text_data and existing.deleted == deleted
                and existing.hub_id == hub_id):
            return False
        conn.execute(delete(REFERENCE).where(REFERENCE.c.change_id == existing.change_id))
    conn.execute(insert(REFERENCE).values(
        stream=stream, item_id=item_id, hub_id=hub_id, deleted=deleted, data=text_data,
        changed_at=utc_now(),
    ))
    return True


# --- hubs, venues, roster ------------------------------------------------------


@dataclass(frozen=True)
class HubSummary:
    id: str
    name: str
    district: str
    tier: str


def create_hub(engine: Engine, name: str, district: str, tier: str = "universal") -> str:
    """Create a hub; returns its id."""
    name, district = clean_text(name, 120), clean_text(district, 120)
    if not name or not district:
        raise AdminError("a hub needs a name and a district")
    if tier not in TIERS:
        raise AdminError(f"tier must be one of {', '.join(TIERS)}")
    hub_id = uuid7()
    try:
        with write_tx(engine) as conn:
            conn.execute(insert(HUBS).values(id=hub_id, name=name, district=district, tier=tier,
                                             active=True, created_at=utc_now()))
            upsert_reference(conn, "hubs", hub_id, None,
                             {"id": hub_id, "name": name, "district": district, "tier": tier,
                              "active": True})
    except IntegrityError as error:
        raise AdminError(f"a hub called {name!r} already exists") from error
    return hub_id


def find_hub(conn: Connection, hub: str) -> HubSummary:
    """A hub by id or (case-insensitive) name."""
    row = conn.execute(select(HUBS).where(HUBS.c.id == hub)).first()
    if row is None:
        row = conn.execute(select(HUBS).where(func.lower(HUBS.c.name) == hub.lower())).first()
    if row is None:
        raise AdminError(f"no hub with id or name {hub!r}")
    return HubSummary(row.id, row.name, row.district, row.tier)


def hub_info(engine: Engine, hub: str) -> HubSummary:
    with read_tx(engine) as conn:
        return find_hub(conn, hub)


def add_venue(engine: Engine, hub: str, name: str, venue_type: str = "other",
              postcode_district: str | None = None) -> str:
    """Add a venue to a hub's reference data; returns its id."""
    if venue_type not in vocabularies().get("venue_types"):
        raise AdminError(f"unknown venue type {venue_type!r}")
    venue_id = uuid7()
    with write_tx(engine) as conn:
        found = find_hub(conn, hub)
        upsert_reference(conn, "venues", venue_id, found.id, {
            "id": venue_id, "hub_id": found.id, "name": clean_text(name, 120),
            "venue_type": venue_type,
            "postcode_district": clean_text(postcode_district, 8) if postcode_district else None,
            "active": True,
        })
    return venue_id


def add_volunteer(engine: Engine, hub: str, display_name: str, role: str = "volunteer") -> str:
    """Add a volunteer to a hub's roster (reference data; never a PIN); returns its id."""
    if role not in vocabularies().get("roles"):
        raise AdminError(f"unknown role {role!r}")
    volunteer_id = uuid7()
    with write_tx(engine) as conn:
        found = find_hub(conn, hub)
        upsert_reference(conn, "volunteers", volunteer_id, found.id, {
            "id": volunteer_id, "hub_id": found.id,
            "display_name": clean_text(display_name, 80), "role": role, "active": True,
        })
    return volunteer_id


# --- enrolment codes and devices -----------------------------------------------


def normalise_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code).upper()


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("utf-8")).hexdigest()


def create_enrol_code(engine: Engine, hub: str, valid_days: int = CODE_VALID_DAYS) -> str:
    """A one-time enrolment code for ``hub`` (id or name), like ``K7QM-3XPA-9RTD``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
    now = utc_now()
    with write_tx(engine) as conn:
        found = find_hub(conn, hub)
        conn.execute(insert(CODES).values(
            id=uuid7(), code_hash=code_hash(code), hub_id=found.id, created_at=now,
            expires_at=now + timedelta(days=valid_days),
        ))
    return code


def revoke_device(engine: Engine, device_id: str) -> None:
    """Revoke a device: its token stops working at once (403 device_revoked)."""
    with write_tx(engine) as conn:
        result = conn.execute(update(DEVICES).where(DEVICES.c.id == device_id)
                              .values(revoked_at=func.coalesce(DEVICES.c.revoked_at, utc_now())))
        if result.rowcount == 0:
            raise AdminError(f"no device with id {device_id!r}")


# --- services directory --------------------------------------------------------

SERVICE_FIELDS = ("id", "name", "organisation", "categories", "description", "access", "phone",
                  "web", "opening_times", "area", "eligibility", "last_verified", "status",
                  "is_sample")
SERVICE_LIMITS = {"name": 160, "organisation": 160, "description": 2000, "phone": 40,
                  "web": 200, "opening_times": 200, "area": 120, "eligibility": 300}
SERVICE_STATUSES = ("active", "paused", "closed")


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "y")


def _service(entry: Mapping[str, Any], line: int) -> dict[str, Any]:
    where = f"entry {line}"
    name = clean_text(str(entry.get("name") or ""), 160)
    if not name:
        raise AdminError(f"{where}: a service needs a name")
    organisation = clean_text(str(entry.get("organisation") or ""), 160)
    service_id = str(entry.get("id") or "").strip().lower()
    if not service_id:
        service_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"hubdesk-service:{name}:{organisation}"))
    if len(service_id) > 64:
        raise AdminError(f"{where}: the id is longer than 64 characters")
    categories = entry.get("categories") or []
    if isinstance(categories, str):
        categories = [c.strip() for c in re.split(r"[;|,]", categories) if c.strip()]
    if not isinstance(categories, list):
        raise AdminError(f"{where}: categories must be a list of codes")
    known = set(vocabularies().get("service_categories").codes())
    unknown = [c for c in categories if c not in known]
    if unknown:
        raise AdminError(f"{where}: unknown service category {unknown[0]!r}")
    access = str(entry.get("access") or "signpost_only")
    if access not in vocabularies().get("service_access"):
        raise AdminError(f"{where}: unknown access {access!r}")
    status = str(entry.get("status") or "active")
    if status not in SERVICE_STATUSES:
        raise AdminError(f"{where}: status must be one of {', '.join(SERVICE_STATUSES)}")
    verified = entry.get("last_verified") or None
    if verified is not None:
        try:
            verified = date.fromisoformat(str(verified)).isoformat()
        except ValueError as error:
            raise AdminError(f"{where}: last_verified must be YYYY-MM-DD") from error
    service: dict[str, Any] = {"id": service_id, "name": name, "organisation": organisation,
                               "categories": categories, "access": access, "status": status,
                               "last_verified": verified,
                               "is_sample": _truthy(entry.get("is_sample", False))}
    for key, limit in SERVICE_LIMITS.items():
        if key not in service:
            service[key] = clean_text(str(entry.get(key) or ""), limit)
    return service


def read_directory(path: Path) -> list[dict[str, Any]]:
    """Services from a JSON list (like ``resources/services_sample.json``) or a CSV
    with the same column names (categories separated by ``;``)."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise AdminError(f"cannot read {path}: {error.strerror}") from error
    if path.suffix.lower() == ".json" or content.lstrip().startswith("["):
        try:
            entries = json.loads(content)
        except ValueError as error:
            raise AdminError(f"{path.name} is not valid JSON: {error}") from error
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise AdminError(f"{path.name} must hold a JSON list of services")
    else:
        reader = csv.DictReader(content.splitlines())
        if not reader.fieldnames or "name" not in reader.fieldnames:
            raise AdminError(f"{path.name}: a CSV directory needs a header row with 'name'")
        entries = list(reader)
    services = [_service(entry, line) for line, entry in enumerate(entries, start=1)]
    ids = [s["id"] for s in services]
    if len(set(ids)) != len(ids):
        raise AdminError(f"{path.name}: the same service id appears twice")
    return services


def import_directory(engine: Engine, path: Path) -> tuple[int, int]:
    """Publish the services of ``path``; returns (services read, services changed)."""
    services = read_directory(path)
    changed = 0
    with write_tx(engine) as conn:
        for service in services:
            changed += upsert_reference(conn, "services", service["id"], None, service)
    return len(services), changed


# --- coordinator edits and erasure on the server --------------------------------


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
            _lock_for_feed(conn, "hub_changes")
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
        _lock_for_feed(conn, "hub_changes")
        latest = conn.execute(
            select(RECORDS.c.version, RECORDS.c.hub_id)
            .where(RECORDS.c.kind == kind, RECORDS.c.record_id == record_id)
            .order_by(RECORDS.c.version.desc()).limit(1)
        ).first()
        if latest is None:
            raise AdminError(f"no {kind} {record_id} on the server")
        # the report tables keep the anonymous figures of what is about to be erased
        refresh_report_tables(conn)
        result = conn.execute(update(RECORDS)
                              .where(RECORDS.c.kind == kind, RECORDS.c.record_id == record_id)
                              .values(payload="{}", erased=True))
        conn.execute(update(HELD).where(HELD.c.record_id == record_id).values(payload="{}"))
        conn.execute(insert(CHANGES).values(
            hub_id=latest.hub_id, kind=kind, record_id=record_id, version=latest.version,
            tombstone=True, changed_at=utc_now(),
        ))
        return int(result.rowcount)


# --- statistics --------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def stats(engine: Engine) -> dict[str, Any]:
    """Records per kind, per hub and per device, with each device's gaps.

    ``visits``/``records`` count distinct records (not versions); ``gaps`` counts
    missing sequence numbers (``gap_ranges`` lists them per device).
    """
    with read_tx(engine) as conn:
        hubs = conn.execute(select(HUBS).order_by(HUBS.c.name)).all()
        devices = conn.execute(select(DEVICES).order_by(DEVICES.c.enrolled_at)).all()
        per_hub = conn.execute(
            select(RECORDS.c.hub_id, RECORDS.c.kind, func.count(func.distinct(RECORDS.c.record_id)))
            .group_by(RECORDS.c.hub_id, RECORDS.c.kind)
        ).all()
        per_device = conn.execute(
            select(RECORDS.c.device_id, RECORDS.c.kind,
                   func.count(func.distinct(RECORDS.c.record_id)))
            .group_by(RECORDS.c.device_id, RECORDS.c.kind)
        ).all()
        held = conn.execute(
            select(HELD.c.device_id, HELD.c.status, func.count(func.distinct(HELD.c.seq)))
            .group_by(HELD.c.device_id, HELD.c.status)
        ).all()
        seq_rows = conn.execute(text(
            "SELECT device_id, seq FROM records WHERE seq IS NOT NULL "
            "UNION SELECT device_id, seq FROM held_items ORDER BY 1, 2"
        )).all()
        totals_by_kind: dict[str, int] = dict(conn.execute(  # type: ignore[arg-type]
            select(RECORDS.c.kind, func.count(func.distinct(RECORDS.c.record_id)))
            .group_by(RECORDS.c.kind)
        ).all())
        versions_total = conn.execute(select(func.count()).select_from(RECORDS)).scalar() or 0

    seqs: dict[str, list[int]] = defaultdict(list)
    for device_id, seq in seq_rows:
        seqs[device_id].append(seq)

    def kind_counts() -> dict[str, int]:
        return dict.fromkeys(RECORD_KINDS, 0)

    hub_kinds: dict[str, dict[str, int]] = defaultdict(kind_counts)
    device_kinds: dict[str, dict[str, int]] = defaultdict(kind_counts)
    for hub_id, kind, records in per_hub:
        hub_kinds[hub_id][kind] = records
    for device_id, kind, records in per_device:
        device_kinds[device_id][kind] = records  # records this laptop made versions of
    held_by_device: dict[str, dict[str, int]] = defaultdict(lambda: {"conflict": 0, "rejected": 0})
    for device_id, status, count in held:
        held_by_device[device_id][status] = count

    device_out = []
    hub_gaps: dict[str, int] = defaultdict(int)
    hub_devices: dict[str, int] = defaultdict(int)
    for device in devices:
        high, ranges, missing = walk_sequence(0, seqs.get(device.id, []))
        kinds = device_kinds[device.id]
        hub_gaps[device.hub_id] += missing
        hub_devices[device.hub_id] += 1
        device_out.append({
            "id": device.id,
            "hub_id": device.hub_id,
            "name": device.name,
            "revoked": device.revoked_at is not None,
            "visits": kinds["visit"],
            "records": sum(kinds.values()),
            "by_kind": kinds,
            "high_seq": high,
            "max_seq": max(seqs[device.id]) if seqs.get(device.id) else 0,
            "gaps": missing,
            "gap_ranges": [[first, last] for first, last in ranges],
            "held": held_by_device[device.id],
            "app_version": device.app_version,
            "last_heartbeat_at": _iso(device.last_heartbeat_at),
            "unsent": device.unsent,
            "needs_attention": device.needs_attention,
            "oldest_unsent_at": _iso(device.oldest_unsent_at),
            "last_success_at": _iso(device.last_success_at),
            "clock_skew_s": device.clock_skew_s,
        })
    hub_out = []
    for hub in hubs:
        kinds = hub_kinds[hub.id]
        hub_out.append({
            "id": hub.id, "name": hub.name, "district": hub.district, "tier": hub.tier,
            "visits": kinds["visit"], "records": sum(kinds.values()), "by_kind": kinds,
            "gaps": hub_gaps[hub.id], "devices": hub_devices[hub.id],
        })
    by_kind = {kind: int(totals_by_kind.get(kind, 0)) for kind in RECORD_KINDS}
    return {
        "visits": by_kind["visit"],
        "records": sum(by_kind.values()),
        "versions": int(versions_total),
        "gaps": sum(d["gaps"] for d in device_out),
        "by_kind": by_kind,
        "held": {
            "conflict": sum(d["held"]["conflict"] for d in device_out),
            "rejected": sum(d["held"]["rejected"] for d in device_out),
        },
        "hubs": hub_out,
        "devices": device_out,
    }


__all__ = [
    "SERVER_ACTOR_ID",
    "SERVER_DEVICE_ID",
    "ServerEdit",
    "add_venue",
    "add_volunteer",
    "create_enrol_code",
    "create_hub",
    "edit_record",
    "ensure_seed",
    "erase_record",
    "import_directory",
    "revoke_device",
    "stats",
]
