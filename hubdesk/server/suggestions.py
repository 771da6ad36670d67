"""Coordinators' directory suggestions (record kind ``suggestion``), decided by council
users: pending ones with the current entry beside the proposal, accept or reject.

A suggestion arrives like any record (``records``, kind "suggestion"); the latest
version of each record id is the proposal. Accepting one publishes the changed
entry into the ``services`` reference stream (``reference.upsert_reference``, as
``import-directory`` does), so every laptop's next reference download gets it; the
decision, the publication and the security-log line commit in one transaction. A
decision is about one version: a newer version from the coordinator is pending again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, false, insert, select
from sqlalchemy.exc import IntegrityError

from hubdesk.core.clock import utc_now
from hubdesk.core.vocab import vocabularies
from hubdesk.protocol.services import (
    SUGGESTION_SERVICE_FIELDS,
    BadServiceEntry,
    parse_service,
)
from hubdesk.server.council_access import Viewer
from hubdesk.server.council_tables import DECISIONS
from hubdesk.server.db import read_tx, write_tx
from hubdesk.server.models import RECORDS
from hubdesk.server.reference import published_data, upsert_reference
from hubdesk.server.security_log import record_event

FIELD_LABELS = {"name": "Name", "organisation": "Organisation", "categories": "Categories",
                "access": "How to access", "description": "Description", "phone": "Phone",
                "web": "Website", "email": "Email", "opening_times": "Opening times",
                "area": "Area covered", "eligibility": "Who can use it", "status": "Status"}
ACTION_TITLES = {"add": "Add a new service", "correct": "Correct a service",
                 "pause": "Pause a service", "close": "Close a service",
                 "reopen": "Reopen a service"}
STATUS_BY_ACTION = {"pause": "paused", "close": "closed", "reopen": "active"}


class SuggestionRefused(Exception):
    """A decision that cannot be made; the message is safe to show."""


@dataclass(frozen=True)
class FieldChange:
    label: str
    current: str
    proposed: str
    changed: bool


@dataclass(frozen=True)
class PendingSuggestion:
    record_id: str
    version: int
    hub_id: str
    hub_name: str
    action: str
    title: str  # e.g. "Correct a service: Stevenage Foodbank"
    service_id: str | None
    received_at: datetime
    reason: str
    changes: list[FieldChange]
    problem: str | None  # why it cannot be accepted as it stands, or None


def _latest_versions(conn: Connection, hub_ids: set[str]) -> list[Any]:
    rows = conn.execute(
        select(RECORDS.c.record_id, RECORDS.c.version, RECORDS.c.hub_id, RECORDS.c.payload,
               RECORDS.c.deleted, RECORDS.c.erased, RECORDS.c.received_at)
        .where(RECORDS.c.kind == "suggestion")).all()
    latest: dict[str, Any] = {}
    for row in rows:
        held = latest.get(row.record_id)
        if held is None or row.version > held.version:
            latest[row.record_id] = row
    return [row for row in latest.values()
            if row.hub_id in hub_ids and not row.deleted and not row.erased]


def pending_suggestions(engine: Engine, viewer: Viewer) -> list[PendingSuggestion]:
    """Undecided suggestions from the viewer's hubs, oldest first."""
    with read_tx(engine) as conn:
        rows = _latest_versions(conn, set(viewer.hubs))
        decided = set(conn.execute(select(DECISIONS.c.record_id, DECISIONS.c.version)
                                   .where(DECISIONS.c.record_id.in_([r.record_id for r in rows])))
                      .tuples().all()) if rows else set()
        found = []
        for row in sorted(rows, key=lambda r: r.received_at):
            if (row.record_id, row.version) in decided:
                continue
            fields = json.loads(row.payload).get("fields") or {}
            current = _current_entry(conn, fields.get("service_id"))
            problem = None
            try:
                _entry(conn, fields)
            except SuggestionRefused as refused:
                problem = str(refused)
            found.append(_describe(row, fields, current, viewer.hubs[row.hub_id][0], problem))
    return found


def _current_entry(conn: Connection, service_id: Any) -> dict[str, Any] | None:
    if not isinstance(service_id, str) or not service_id:
        return None
    data = published_data(conn, "services", service_id)
    return None if data is None else dict(json.loads(data))


def _shown(field: str, value: Any) -> str:
    if value is None:
        return ""
    if field == "categories" and isinstance(value, list):
        vocab = vocabularies().get("service_categories")
        return ", ".join(vocab.label(code) for code in value)
    if field == "access":
        return vocabularies().get("service_access").label(str(value))
    if field == "status":
        return {"active": "Open", "paused": "Paused", "closed": "Closed"}.get(str(value),
                                                                             str(value))
    return str(value)


def _describe(row: Any, fields: dict[str, Any], current: dict[str, Any] | None,
              hub_name: str, problem: str | None) -> PendingSuggestion:
    action = str(fields.get("action"))
    proposed = {key: fields[key] for key in SUGGESTION_SERVICE_FIELDS if key in fields}
    if action in STATUS_BY_ACTION:
        proposed["status"] = STATUS_BY_ACTION[action]
    changes = []
    for key, label in FIELD_LABELS.items():
        now_value = (current or {}).get(key)
        if key not in proposed and now_value in (None, "", []):
            continue
        new_value = proposed.get(key, now_value)
        changes.append(FieldChange(label, _shown(key, now_value), _shown(key, new_value),
                                   key in proposed and new_value != now_value))
    name = str(proposed.get("name") or (current or {}).get("name") or "a service")
    return PendingSuggestion(
        record_id=row.record_id, version=row.version, hub_id=row.hub_id, hub_name=hub_name,
        action=action, title=f"{ACTION_TITLES.get(action, action)}: {name}",
        service_id=fields.get("service_id"), received_at=row.received_at,
        reason=str(fields.get("reason") or ""), changes=changes, problem=problem)


def _entry(conn: Connection, fields: dict[str, Any]) -> dict[str, Any]:
    """The directory entry as it will be published if the suggestion is accepted."""
    action = str(fields.get("action"))
    proposed = {key: fields[key] for key in SUGGESTION_SERVICE_FIELDS if key in fields}
    current = _current_entry(conn, fields.get("service_id"))
    if action == "add":
        entry = {**proposed, "id": fields.get("service_id") or None, "status": "active"}
        try:
            entry_id = parse_service(entry)["id"]
        except BadServiceEntry as error:
            raise SuggestionRefused(f"The new entry cannot be published: {error}.") from error
        if current is not None or _current_entry(conn, entry_id) is not None:
            raise SuggestionRefused("The directory already has this service; ask the hub "
                                    "to suggest a correction instead.")
    else:
        if current is None:
            raise SuggestionRefused("The service it is about is not in the directory any more.")
        entry = {**current, **proposed}
        if action in STATUS_BY_ACTION:
            entry["status"] = STATUS_BY_ACTION[action]
    entry["last_verified"] = utc_now().date().isoformat()  # a council user has checked it
    try:
        return parse_service(entry)
    except BadServiceEntry as error:
        raise SuggestionRefused(f"The changed entry cannot be published: {error}.") from error


def decide(engine: Engine, viewer: Viewer, record_id: str, version: int, accept: bool,
           address: str | None = None) -> str | None:
    """Accept (publish the changed entry) or reject one version of a suggestion; returns
    the service id accepted into the directory (None for a rejection)."""
    now = utc_now()
    try:
        with write_tx(engine) as conn:
            row = conn.execute(
                select(RECORDS.c.version, RECORDS.c.hub_id, RECORDS.c.payload)
                .where(RECORDS.c.kind == "suggestion", RECORDS.c.record_id == record_id,
                       RECORDS.c.deleted == false(), RECORDS.c.erased == false())
                .order_by(RECORDS.c.version.desc()).limit(1)).first()
            if row is None or not viewer.may_see_hub(row.hub_id):
                raise SuggestionRefused("That suggestion is not one of your hubs'.")
            if row.version != version:
                raise SuggestionRefused("The hub has changed this suggestion since the page was "
                                        "shown; look at it again.")
            fields = json.loads(row.payload).get("fields") or {}
            service_id = None
            if accept:
                entry = _entry(conn, fields)
                service_id = entry["id"]
                upsert_reference(conn, "services", entry["id"], None, entry)
            conn.execute(insert(DECISIONS).values(
                record_id=record_id, version=version,
                decision="accepted" if accept else "rejected", service_id=service_id,
                decided_by=viewer.user_id, decided_at=now))
            record_event(conn, "suggestion_accepted" if accept else "suggestion_rejected",
                         hub_id=row.hub_id, address=address,
                         detail=f"user {viewer.user_id} suggestion {record_id} v{version}"
                                + (f" service {service_id}" if service_id else ""))
    except IntegrityError as error:
        raise SuggestionRefused("Someone has already decided this suggestion.") from error
    return service_id
