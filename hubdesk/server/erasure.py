"""Right to erasure, subject access and retention on the server (DESIGN section 9).

* :func:`erase_record` removes a record's content (every version, held copies
  included), remembers the erasure (``erasures``: any later copy is refused and
  nothing of it kept) and publishes a tombstone that each laptop of the hub
  applies on its next sync.  The rows stay (content ``{}``), so counts stay.
* :func:`erase_person` erases a person record and removes the identifying fields
  (``IDENTIFYING_FIELDS``) from every record naming them; the anonymous fields of
  those visits and agreements stay, so the hub's figures do not change.  The
  person's tombstone goes to every hub whose records named them: each laptop then
  scrubs its own copies of those records (``store.erasures``), unsent ones too, and
  a late upload naming the person is stored without their details.
* :func:`subject_access` gathers what the server holds about a person.
* :func:`apply_retention` anonymises people not seen for ``RETENTION`` (two years
  by default): the same as :func:`erase_person`.

Every one of them writes a security-log event with ids only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, or_, select, update

from hubdesk.core.clock import utc_now
from hubdesk.core.hashing import canonical_json
from hubdesk.server.db import read_tx, write_tx
from hubdesk.server.errors import AdminError
from hubdesk.server.models import CHANGES, ERASURES, HELD, RECORDS
from hubdesk.server.reference import lock_for_feed
from hubdesk.server.report_refresh import refresh_report_tables
from hubdesk.server.security_log import record_event

#: fields that identify a person; every other field of a record is anonymous
IDENTIFYING_FIELDS = ("preferred_name", "contact", "visitor_code", "note", "person_id")
#: how long identifying details are kept after a person's last contact, per record class
RETENTION = {"person": timedelta(days=730)}


@dataclass(frozen=True)
class PersonErasure:
    person_id: str
    erased_versions: int
    scrubbed_records: int


def erase_record(engine: Engine, kind: str, record_id: str) -> int:
    """Erase a record's content (right to erasure) and publish a tombstone to its hub.
    The hashes stay, so the laptop's identical copy is a duplicate, not a new row;
    any other copy is refused.  Returns the number of versions erased."""
    with write_tx(engine) as conn:
        erased = _erase(conn, kind, record_id)
        if erased == 0:
            raise AdminError(f"no {kind} {record_id} on the server")
        record_event(conn, "erasure", detail=f"{kind} {record_id}")
    return erased


def _erase(conn: Connection, kind: str, record_id: str) -> int:
    lock_for_feed(conn, "hub_changes")
    # the report tables keep the anonymous figures of what is about to be erased or scrubbed
    refresh_report_tables(conn)
    latest = conn.execute(
        select(RECORDS.c.version, RECORDS.c.hub_id)
        .where(RECORDS.c.kind == kind, RECORDS.c.record_id == record_id)
        .order_by(RECORDS.c.version.desc()).limit(1)
    ).first()
    if latest is None:
        return 0
    result = conn.execute(update(RECORDS)
                          .where(RECORDS.c.kind == kind, RECORDS.c.record_id == record_id)
                          .values(payload="{}", erased=True))
    conn.execute(update(HELD).where(HELD.c.record_id == record_id).values(payload="{}"))
    if conn.execute(select(ERASURES.c.record_id).where(ERASURES.c.record_id == record_id)
                    ).first() is None:
        conn.execute(insert(ERASURES).values(record_id=record_id, kind=kind,
                                             erased_at=utc_now()))
    conn.execute(insert(CHANGES).values(
        hub_id=latest.hub_id, kind=kind, record_id=record_id, version=latest.version,
        tombstone=True, changed_at=utc_now(),
    ))
    return int(result.rowcount)


def _naming(person_id: str) -> Any:
    """Rows whose canonical payload names ``person_id`` (canonical JSON has no spaces)."""
    return or_(RECORDS.c.payload.contains(f'"person_id":"{person_id}"'),
               RECORDS.c.record_id == person_id)


def erase_person(engine: Engine, person_id: str, *, reason: str = "erasure") -> PersonErasure:
    """Erase a person: their record goes (tombstone), and records naming them lose
    their identifying fields, in place, keeping every anonymous field."""
    with write_tx(engine) as conn:
        summary = _erase_person(conn, person_id)
        if summary.erased_versions == 0 and summary.scrubbed_records == 0:
            raise AdminError(f"no person {person_id} on the server")
        record_event(conn, reason, detail=f"person {person_id}: {summary.scrubbed_records} "
                                          "records made anonymous")
    return summary


def _erase_person(conn: Connection, person_id: str) -> PersonErasure:
    erased = _erase(conn, "person", person_id)
    scrubbed: set[str] = set()
    hubs: set[str] = set()
    rows = conn.execute(select(RECORDS.c.row_id, RECORDS.c.record_id, RECORDS.c.hub_id,
                               RECORDS.c.payload)
                        .where(_naming(person_id), RECORDS.c.kind != "person")).all()
    for row in rows:
        payload = json.loads(row.payload)
        if payload.get("fields", {}).get("person_id") != person_id:
            continue
        conn.execute(update(RECORDS).where(RECORDS.c.row_id == row.row_id)
                     .values(payload=canonical_json(scrub_person_fields(payload))))
        scrubbed.add(row.record_id)
        hubs.add(row.hub_id)
    conn.execute(update(HELD).where(HELD.c.payload.contains(f'"person_id":"{person_id}"'))
                 .values(payload="{}"))
    if scrubbed:
        _remember_person(conn, person_id, hubs)
    return PersonErasure(person_id, erased, len(scrubbed))


def _remember_person(conn: Connection, person_id: str, hubs: set[str]) -> None:
    """The person's tombstone reaches every hub whose records named them (the laptops
    then scrub those records' every copy: ``store.erasures``), and ingest stores any
    later copy naming them without their details (:func:`scrub_person_fields`), even
    when the person's own record never reached the server."""
    if conn.execute(select(ERASURES.c.record_id).where(ERASURES.c.record_id == person_id)
                    ).first() is None:
        conn.execute(insert(ERASURES).values(record_id=person_id, kind="person",
                                             erased_at=utc_now()))
    told = set(conn.scalars(select(CHANGES.c.hub_id).where(
        CHANGES.c.kind == "person", CHANGES.c.record_id == person_id,
        CHANGES.c.tombstone.is_(True))))
    for hub_id in sorted(hubs - told):
        conn.execute(insert(CHANGES).values(hub_id=hub_id, kind="person", record_id=person_id,
                                            version=1, tombstone=True, changed_at=utc_now()))


def scrub_person_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` without the identifying fields of the person it names; every
    anonymous field stays (the hub's figures do not change)."""
    fields = payload.get("fields", {})
    return {**payload, "fields": {
        name: (None if name == "person_id" else _blank(value))
        if name in IDENTIFYING_FIELDS else value for name, value in fields.items()}}


def _blank(value: Any) -> Any:
    return "" if isinstance(value, str) else None


def subject_access(engine: Engine, person_id: str) -> dict[str, Any]:
    """Everything the server holds about a person: their record's versions and every
    record naming them (a subject access request), as one JSON-ready object."""
    with read_tx(engine) as conn:
        rows = conn.execute(select(RECORDS).where(_naming(person_id))
                            .order_by(RECORDS.c.kind, RECORDS.c.record_id, RECORDS.c.version)
                            ).all()
        erased = conn.execute(select(ERASURES.c.erased_at)
                              .where(ERASURES.c.record_id == person_id)).scalar()
    records = []
    for row in rows:
        payload = json.loads(row.payload)
        if row.kind != "person" and payload.get("fields", {}).get("person_id") != person_id:
            continue
        records.append({"kind": row.kind, "record_id": row.record_id, "version": row.version,
                        "hub_id": row.hub_id, "received_at": row.received_at.isoformat(),
                        "erased": bool(row.erased), "content": payload})
    if not records and erased is None:
        raise AdminError(f"the server holds nothing about person {person_id}")
    return {"person_id": person_id, "generated_at": utc_now().isoformat(),
            "erased_at": erased.isoformat() if erased else None, "records": records}


def write_subject_access(engine: Engine, person_id: str, out: Any) -> int:
    """:func:`subject_access` written to the path ``out`` (audited); returns the count."""
    from pathlib import Path

    found = subject_access(engine, person_id)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")
    with write_tx(engine) as conn:
        record_event(conn, "subject_access_export",
                     detail=f"person {person_id}: {len(found['records'])} records")
    return len(found["records"])


def apply_retention(engine: Engine, now: datetime | None = None,
                    keep: timedelta = RETENTION["person"]) -> list[str]:
    """Anonymise every person whose last contact (their record's latest version or a
    record naming them) is older than ``keep``; returns their ids.  One pass over the
    records that name a person finds every last contact."""
    cutoff = (now or utc_now()) - keep
    last_contact: dict[str, datetime] = {}
    with read_tx(engine) as conn:
        rows = conn.execute(
            select(RECORDS.c.kind, RECORDS.c.record_id, RECORDS.c.payload,
                   RECORDS.c.received_at)
            .where(RECORDS.c.erased.is_(False))
            .where(or_(RECORDS.c.kind == "person",
                       RECORDS.c.payload.contains('"person_id":"')))).all()
    for kind, record_id, payload, received_at in rows:
        data = json.loads(payload)
        person = record_id if kind == "person" else data.get("fields", {}).get("person_id")
        if not isinstance(person, str):
            continue
        when = _created(data) or received_at
        last_contact[person] = max(last_contact.get(person, when), when)
    people = {record_id for kind, record_id, _, _ in rows if kind == "person"}
    due = sorted(person for person in people if last_contact[person] < cutoff)
    for person in due:
        with write_tx(engine) as conn:
            _erase_person(conn, person)
            record_event(conn, "retention", detail=f"person {person} anonymised")
    return due


def _created(payload: dict[str, Any]) -> datetime | None:
    try:
        created = datetime.fromisoformat(str(payload.get("created_at")))
    except ValueError:
        return None
    return created if created.tzinfo is None else created.astimezone(UTC).replace(tzinfo=None)
