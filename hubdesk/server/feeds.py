"""Download streams by opaque cursor (never timestamps).

A cursor names the last server change id the device has seen, as ``r.<n>`` for
reference data and ``c.<n>`` for hub changes.  Change ids only grow, and on
PostgreSQL writers of a feed serialise (see ``reference.lock_for_feed``), so a page
never skips a change that commits later.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import Engine, and_, or_, select

from hubdesk.protocol.schemas import (
    MAX_PAGE_ITEMS,
    ChangeItem,
    ChangesPage,
    RecordPayload,
    ReferenceItem,
    ReferencePage,
)
from hubdesk.server.db import read_tx
from hubdesk.server.errors import ApiError
from hubdesk.server.identity import DeviceIdentity
from hubdesk.server.models import CHANGES, RECORDS, REFERENCE

DEFAULT_PAGE = 500


def parse_cursor(cursor: str | None, prefix: str) -> int:
    if not cursor:
        return 0
    match = re.fullmatch(rf"{prefix}\.(\d{{1,18}})", cursor)
    if match is None:
        raise ApiError(422, "bad_cursor",
                       "The cursor was not made by this server; start again without one.")
    return int(match.group(1))


def _limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_PAGE
    return max(1, min(limit, MAX_PAGE_ITEMS))


def reference_page(engine: Engine, device: DeviceIdentity, cursor: str | None,
                   limit: int | None) -> ReferencePage:
    after = parse_cursor(cursor, "r")
    size = _limit(limit)
    with read_tx(engine) as conn:
        rows = conn.execute(
            select(REFERENCE)
            .where(REFERENCE.c.change_id > after)
            .where(or_(REFERENCE.c.hub_id.is_(None), REFERENCE.c.hub_id == device.hub_id))
            .order_by(REFERENCE.c.change_id)
            .limit(size + 1)
        ).all()
    page = rows[:size]
    items = [
        ReferenceItem(stream=row.stream, id=row.item_id, deleted=row.deleted,
                      data=json.loads(row.data))
        for row in page
    ]
    last = page[-1].change_id if page else after
    return ReferencePage(items=items, next_cursor=f"r.{last}", has_more=len(rows) > size)


def changes_page(engine: Engine, device: DeviceIdentity, cursor: str | None,
                 limit: int | None) -> ChangesPage:
    after = parse_cursor(cursor, "c")
    size = _limit(limit)
    with read_tx(engine) as conn:
        rows = conn.execute(
            select(CHANGES.c.change_id, CHANGES.c.kind, CHANGES.c.record_id, CHANGES.c.version,
                   CHANGES.c.tombstone, RECORDS.c.payload, RECORDS.c.content_hash,
                   RECORDS.c.erased)
            .select_from(CHANGES.outerjoin(RECORDS, and_(
                RECORDS.c.kind == CHANGES.c.kind,
                RECORDS.c.record_id == CHANGES.c.record_id,
                RECORDS.c.version == CHANGES.c.version,
            )))
            .where(CHANGES.c.hub_id == device.hub_id, CHANGES.c.change_id > after)
            .order_by(CHANGES.c.change_id)
            .limit(size + 1)
        ).all()
    page = rows[:size]
    items = []
    for row in page:
        if row.tombstone or row.erased or row.payload is None:
            items.append(ChangeItem(kind=row.kind, record_id=row.record_id, version=row.version,
                                    tombstone=True))
        else:
            items.append(ChangeItem(
                kind=row.kind, record_id=row.record_id, version=row.version,
                payload=RecordPayload.model_validate(json.loads(row.payload)),
                content_hash=row.content_hash,
            ))
    last = page[-1].change_id if page else after
    return ChangesPage(items=items, next_cursor=f"c.{last}", has_more=len(rows) > size)
