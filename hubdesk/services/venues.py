"""Venues of this laptop's hub: adding one is a coordinator's job (DESIGN §9), audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hubdesk.core.errors import ValidationError
from hubdesk.services.common import Actor, Changes, audit, require_coordinator
from hubdesk.services.setup import add_venue as insert_venue
from hubdesk.store import repositories as repo


def hub_id_of_laptop(db: Session) -> str:
    state = repo.device_state(db)
    if state is not None and state.hub_id:
        return state.hub_id
    known = repo.venues(db)
    if not known:
        raise ValidationError({"new_venue_name": "Set up the hub first."})
    return known[0].hub_id


def add_venue(db: Session, actor: Actor, name: str, venue_type: str = "other",
              postcode_district: str = "") -> Changes:
    require_coordinator(actor, "add venues")
    venue_id = insert_venue(db, hub_id_of_laptop(db), name, venue_type, postcode_district)
    audit(db, actor, "create", "venue", venue_id)
    return Changes().add("venue", venue_id)
