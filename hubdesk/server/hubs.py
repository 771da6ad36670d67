"""Hubs, their venues and their volunteer roster (published as reference data)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from hubdesk.core.clock import utc_now
from hubdesk.core.ids import uuid7
from hubdesk.core.vocab import vocabularies
from hubdesk.protocol.text import clean_text
from hubdesk.server.db import write_tx
from hubdesk.server.errors import AdminError
from hubdesk.server.models import HUBS
from hubdesk.server.reference import upsert_reference

TIERS = ("universal", "targeted", "specialist")


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
