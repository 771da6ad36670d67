"""The reference feed's repository: publish the current state of a reference item
(services, hubs, venues, volunteers, vocabularies) so laptops download it by cursor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text

from hubdesk.core.clock import utc_now
from hubdesk.core.hashing import canonical_json
from hubdesk.server.models import REFERENCE


def lock_for_feed(conn: Connection, table: str) -> None:
    """Keep commit order equal to change-id order on PostgreSQL (SQLite has one writer),
    so a reader's cursor never passes a change that commits later."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))


def upsert_reference(conn: Connection, stream: str, item_id: str, hub_id: str | None,
                     data: Mapping[str, Any], *, deleted: bool = False) -> bool:
    """Publish the current state of a reference item; True when it changed.

    A change re-inserts the row, so it gets a new, higher ``change_id``.
    """
    lock_for_feed(conn, "reference_items")
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


def published_data(conn: Connection, stream: str, item_id: str) -> str | None:
    """The canonical JSON published for an item, or None."""
    value = conn.execute(select(REFERENCE.c.data)
                         .where(REFERENCE.c.stream == stream, REFERENCE.c.item_id == item_id)
                         ).scalar()
    return None if value is None else str(value)
