"""Sync health for the council's page: each laptop's last heartbeat (issue 12).

Laptops not heard from for more than a day come first (the ones to chase), then
the rest by hub; revoked laptops, which are meant to be silent, come last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from hubdesk.core.clock import utc_now
from hubdesk.server.council_access import Viewer
from hubdesk.server.db import read_tx
from hubdesk.server.models import DEVICES

SILENT_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class LaptopHealth:
    device_id: str
    name: str
    hub_name: str
    enrolled_at: datetime
    last_heartbeat_at: datetime | None
    last_sync_at: datetime | None
    unsent: int | None
    needs_attention: int | None
    oldest_unsent_at: datetime | None
    audit_verified_through: int
    audit_break_seq: int | None
    revoked: bool
    silent: bool  # not heard from for more than a day (and not revoked)


def laptop_health(engine: Engine, viewer: Viewer, now: datetime | None = None) -> list[LaptopHealth]:
    now = now or utc_now()
    if not viewer.hubs:
        return []
    with read_tx(engine) as conn:
        rows = conn.execute(select(DEVICES).where(DEVICES.c.hub_id.in_(list(viewer.hubs)))).all()
    laptops = []
    for row in rows:
        heard = row.last_heartbeat_at
        revoked = row.revoked_at is not None
        laptops.append(LaptopHealth(
            device_id=row.id, name=row.name or "Laptop", hub_name=viewer.hubs[row.hub_id][0],
            enrolled_at=row.enrolled_at, last_heartbeat_at=heard, last_sync_at=row.last_success_at,
            unsent=row.unsent, needs_attention=row.needs_attention,
            oldest_unsent_at=row.oldest_unsent_at,
            audit_verified_through=int(row.audit_verified_through or 0),
            audit_break_seq=row.audit_break_seq, revoked=revoked,
            silent=not revoked and (heard is None or heard + SILENT_AFTER < now)))

    def order(laptop: LaptopHealth) -> tuple[int, float, str, str]:
        group = 0 if laptop.silent else 2 if laptop.revoked else 1
        heard = laptop.last_heartbeat_at or laptop.enrolled_at
        # silent: the longest silent first; otherwise by hub, then name
        key = heard.timestamp() if group == 0 else 0.0
        return group, key, laptop.hub_name.lower(), laptop.name.lower()

    return sorted(laptops, key=order)
