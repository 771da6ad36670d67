"""Keeps the report tables (``report_tables``) up to date with ``records``.

Reads record rows past a watermark in chunks, keeps the latest version of each
record (a late older version never replaces a newer one), and copies only the
anonymous fields a report needs. PostgreSQL hands out row ids before commit, so
a row may become visible after a larger one: each refresh looks back
``LOOKBACK`` rows, and rows already applied at their version are skipped.
Refreshes are serialised by locking the watermark row. The daily roll-up
(``report_rollup``) is brought up to date in the same transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, delete, insert, select, update

from hubdesk.reports.figures.definition import mental_health_categories
from hubdesk.server.models import RECORDS, REFERENCE
from hubdesk.server.report_rollup import DirtyDays, update_rollup
from hubdesk.server.report_tables import (
    R_ACTIVITIES,
    R_CATEGORIES,
    R_CONVERSATIONS,
    R_FOLLOW_UPS,
    R_OUTCOMES,
    R_SERVICES,
    R_SESSIONS,
    R_SHIFTS,
    R_TOPICS,
    R_VISITS,
    WATERMARKS,
)

log = logging.getLogger("hubdesk.server.reports")
LOOKBACK = 5000
CHUNK = 5000
_IN_LIMIT = 500  # ids per IN (...) list

TABLE_BY_KIND: dict[str, Table] = {
    "visit": R_VISITS, "session": R_SESSIONS, "conversation": R_CONVERSATIONS,
    "outcome": R_OUTCOMES, "follow_up": R_FOLLOW_UPS,
}


def refresh_report_tables(conn: Connection) -> int:
    """Apply record versions and directory changes not yet in the report tables.

    Call inside a write transaction. Returns the number of record rows read."""
    mark = _lock_watermark(conn, "records")
    cursor = max(0, mark - LOOKBACK)
    read = 0
    dirty = DirtyDays()
    touched: set[str] = set()  # visits whose day's roll-up changes
    while True:
        rows = conn.execute(
            select(RECORDS.c.row_id, RECORDS.c.kind, RECORDS.c.record_id, RECORDS.c.version,
                   RECORDS.c.deleted, RECORDS.c.hub_id, RECORDS.c.payload, RECORDS.c.erased)
            .where(RECORDS.c.row_id > cursor, RECORDS.c.kind.in_(TABLE_BY_KIND))
            .order_by(RECORDS.c.row_id).limit(CHUNK)).all()
        if not rows:
            break
        _apply_records(conn, rows, dirty, touched)
        cursor = rows[-1].row_id
        read += len(rows)
    if cursor > mark:
        conn.execute(update(WATERMARKS).where(WATERMARKS.c.source == "records")
                     .values(last_id=cursor))
    touched |= _refresh_services(conn)
    dirty.add_visits(conn, touched)
    update_rollup(conn, dirty)
    return read


def _lock_watermark(conn: Connection, source: str) -> int:
    value = conn.execute(select(WATERMARKS.c.last_id).where(WATERMARKS.c.source == source)
                         .with_for_update()).scalar()
    return int(value or 0)


def _apply_records(conn: Connection, rows: Sequence[Row[Any]], dirty: DirtyDays,
                   touched: set[str]) -> None:
    newest: dict[str, dict[str, Row[Any]]] = {}
    for row in rows:
        if row.erased:  # nothing left to read: the report rows made before erasure stay
            continue
        by_id = newest.setdefault(row.kind, {})
        held = by_id.get(row.record_id)
        if held is None or row.version > held.version:
            by_id[row.record_id] = row
    for kind, by_id in newest.items():
        table = TABLE_BY_KIND[kind]
        existing = _versions(conn, table, list(by_id))
        wanted = [row for record_id, row in by_id.items()
                  if record_id not in existing or row.version > existing[record_id]]
        if not wanted:
            continue
        ids = [row.record_id for row in wanted]
        if kind == "visit":
            dirty.add_visits(conn, ids)  # the days they leave
            touched.update(ids)
        elif kind in ("conversation", "outcome"):
            touched.update(_visit_ids(conn, table, ids))  # the visits they leave
        _delete(conn, table, table.c.record_id, ids)
        if kind == "visit":
            _delete(conn, R_TOPICS, R_TOPICS.c.visit_id, ids)
        if kind == "session":
            _delete(conn, R_ACTIVITIES, R_ACTIVITIES.c.session_id, ids)
            _delete(conn, R_SHIFTS, R_SHIFTS.c.session_id, ids)
        _insert_versions(conn, kind, wanted)
        if kind in ("conversation", "outcome"):
            touched.update(_visit_ids(conn, table, ids))  # the visits they join


def _visit_ids(conn: Connection, table: Table, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), _IN_LIMIT):
        found.update(conn.execute(select(table.c.visit_id).where(
            table.c.record_id.in_(ids[start:start + _IN_LIMIT]))).scalars())
    return found


def _versions(conn: Connection, table: Table, ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(ids), _IN_LIMIT):
        part = ids[start:start + _IN_LIMIT]
        found.update(conn.execute(select(table.c.record_id, table.c.version)
                                  .where(table.c.record_id.in_(part))).tuples().all())
    return found


def _delete(conn: Connection, table: Table, column: Any, ids: list[str]) -> None:
    for start in range(0, len(ids), _IN_LIMIT):
        conn.execute(delete(table).where(column.in_(ids[start:start + _IN_LIMIT])))


def _insert_versions(conn: Connection, kind: str, rows: list[Row[Any]]) -> None:
    main: list[dict[str, Any]] = []
    children: dict[Table, list[dict[str, Any]]] = {R_TOPICS: [], R_ACTIVITIES: [], R_SHIFTS: []}
    skipped = 0
    for row in rows:
        try:
            payload = json.loads(row.payload)
            fields = payload.get("fields") or {}
            base = {"record_id": row.record_id, "version": row.version,
                    "deleted": bool(row.deleted)}
            main.append({**base, **_COLUMNS[kind](row, payload, fields, children)})
        except (ValueError, TypeError, KeyError, AttributeError):
            skipped += 1  # e.g. a time that is not a time: cannot be placed in a report
    if skipped:
        log.warning("report tables: %d %s versions could not be read", skipped, kind)
    if main:
        conn.execute(insert(TABLE_BY_KIND[kind]), main)
    for table, values in children.items():
        if values:
            conn.execute(insert(table), values)


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value)).replace(tzinfo=None)


def _code(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _visit(row: Row[Any], payload: dict[str, Any], f: dict[str, Any],
           children: dict[Table, list[dict[str, Any]]]) -> dict[str, Any]:
    topics = {t for t in f.get("topics") or [] if isinstance(t, str)}
    children[R_TOPICS].extend({"visit_id": row.record_id, "topic": t} for t in sorted(topics))
    first = f.get("first_visit")
    return {"hub_id": row.hub_id, "session_id": _code(f.get("session_id")),
            "visited_at": _time(f["visited_at"]), "contact_mode": _code(f.get("contact_mode")),
            "referral_source": _code(f.get("referral_source")), "age_band": _code(f.get("age_band")),
            "sex": _code(f.get("sex")), "first_visit": first if isinstance(first, bool) else None,
            "visitor_code": _code(f.get("visitor_code")), "safeguarding": f.get("safeguarding") is True,
            "created_by": str(payload.get("created_by") or "")}


def _session(row: Row[Any], payload: dict[str, Any], f: dict[str, Any],
             children: dict[Table, list[dict[str, Any]]]) -> dict[str, Any]:
    for activity in f.get("activities") or []:
        if isinstance(activity, dict):
            children[R_ACTIVITIES].append({
                "session_id": row.record_id, "attendance": _count(activity.get("attendance")),
                "attendance_0_17": _count(activity.get("attendance_under_18"))})
    for shift in f.get("volunteer_shifts") or []:
        if isinstance(shift, dict) and isinstance(shift.get("volunteer_id"), str):
            minutes = None
            if shift.get("signed_in_at") and shift.get("signed_out_at"):
                spent = _time(shift["signed_out_at"]) - _time(shift["signed_in_at"])
                minutes = max(0.0, spent.total_seconds() / 60)
            children[R_SHIFTS].append({"session_id": row.record_id,
                                       "volunteer_id": shift["volunteer_id"], "minutes": minutes})
    return {"hub_id": row.hub_id, "venue_id": _code(f.get("venue_id")),
            "session_type": _code(f.get("session_type")), "started_at": _time(f["started_at"]),
            "headcount": _count(f.get("headcount"))}


def _conversation(row: Row[Any], payload: dict[str, Any], f: dict[str, Any],
                  children: dict[Table, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"visit_id": str(f["visit_id"]), "topic": _code(f.get("topic")),
            "furthest_step": _code(f.get("furthest_step")), "response": _code(f.get("response")),
            "action": _code(f.get("action"))}


def _outcome(row: Row[Any], payload: dict[str, Any], f: dict[str, Any],
             children: dict[Table, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"visit_id": str(f["visit_id"]), "service_id": _code(f.get("service_id")),
            "kind": _code(f.get("kind")), "status": _code(f.get("status"))}


def _follow_up(row: Row[Any], payload: dict[str, Any], f: dict[str, Any],
               children: dict[Table, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"visit_id": _code(f.get("visit_id")), "outcome_id": _code(f.get("outcome_id")),
            "due_date": date.fromisoformat(str(f["due_date"])), "done": f.get("done") is True}


_COLUMNS = {"visit": _visit, "session": _session, "conversation": _conversation,
            "outcome": _outcome, "follow_up": _follow_up}


def _refresh_services(conn: Connection) -> set[str]:
    """Apply directory changes; returns the visits signposted to a service that joined
    or left the mental-health categories (their days' roll-up changes)."""
    mark = _lock_watermark(conn, "services")
    rows = conn.execute(select(REFERENCE.c.change_id, REFERENCE.c.item_id, REFERENCE.c.data)
                        .where(REFERENCE.c.stream == "services",
                               REFERENCE.c.change_id > max(0, mark - LOOKBACK))
                        .order_by(REFERENCE.c.change_id)).all()
    if not rows:
        return set()
    ids = [row.item_id for row in rows]
    before = _mental_health_services(conn, ids)
    _delete(conn, R_SERVICES, R_SERVICES.c.id, ids)
    _delete(conn, R_CATEGORIES, R_CATEGORIES.c.service_id, ids)
    services: list[dict[str, Any]] = []
    categories: list[dict[str, Any]] = []
    for row in rows:
        data = json.loads(row.data)
        services.append({"id": row.item_id, "organisation": str(data.get("organisation") or "")})
        categories.extend({"service_id": row.item_id, "category": c}
                          for c in sorted({c for c in data.get("categories") or []
                                           if isinstance(c, str)}))
    conn.execute(insert(R_SERVICES), services)
    if categories:
        conn.execute(insert(R_CATEGORIES), categories)
    top = max(row.change_id for row in rows)
    if top > mark:
        conn.execute(update(WATERMARKS).where(WATERMARKS.c.source == "services")
                     .values(last_id=top))
    moved = sorted(before ^ _mental_health_services(conn, ids))
    visits: set[str] = set()
    for start in range(0, len(moved), _IN_LIMIT):
        visits.update(conn.execute(select(R_OUTCOMES.c.visit_id).where(
            R_OUTCOMES.c.service_id.in_(moved[start:start + _IN_LIMIT]))).scalars())
    return visits


def _mental_health_services(conn: Connection, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), _IN_LIMIT):
        found.update(conn.execute(select(R_CATEGORIES.c.service_id).where(
            R_CATEGORIES.c.service_id.in_(ids[start:start + _IN_LIMIT]),
            R_CATEGORIES.c.category.in_(mental_health_categories()))).scalars())
    return found
