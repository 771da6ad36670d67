"""Adding a venue (a place the hub pops up in): coordinators only (DESIGN §9), audited.

``add_venue`` checks the role, refuses a bad name or postcode district with a message
saying what to type, inserts the venue into this laptop's hub and writes its audit
event in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hubdesk.core.errors import ValidationError
from hubdesk.core.vocab import vocabularies
from hubdesk.services import sessions, setup
from hubdesk.services.common import Actor, Changes, audit, require_coordinator
from hubdesk.services.visits import POSTCODE_DISTRICT
from hubdesk.store import repositories as repo

MAX_VENUE_NAME = 120


@dataclass(frozen=True)
class VenueAdded:
    """The new venue's id, every venue now (for the chooser) and what changed."""

    venue_id: str
    venues: list[sessions.VenueInfo]
    changes: Changes


def this_laptops_hub(db: Session) -> str:
    """The hub this laptop records for (enrolled: the server's; else the first venue's)."""
    state = repo.device_state(db)
    if state is not None and state.hub_id:
        return state.hub_id
    venues = sessions.list_venues(db)
    if not venues:
        raise ValidationError({"venue_name": "Set up the hub first."})
    return venues[0].hub_id


def add_venue(db: Session, actor: Actor, name: str, venue_type: str = "other",
              postcode_district: str = "") -> VenueAdded:
    require_coordinator(actor, "add a venue")
    clean = " ".join(name.split())
    district = postcode_district.strip().upper()
    errors: dict[str, str] = {}
    if not clean:
        errors["venue_name"] = "Enter the venue's name."
    elif len(clean) > MAX_VENUE_NAME:
        errors["venue_name"] = f"Keep the venue's name under {MAX_VENUE_NAME} characters."
    if venue_type not in vocabularies().venue_types:
        errors["venue_type"] = "Choose the type of venue."
    if district and not POSTCODE_DISTRICT.match(district):
        errors["postcode_district"] = "Enter only the first half of the postcode, like SG1."
    if errors:
        raise ValidationError(errors)
    venue_id = setup.add_venue(db, this_laptops_hub(db), clean, venue_type, district)
    audit(db, actor, "create", "venue", venue_id)
    return VenueAdded(venue_id, sessions.list_venues(db), Changes().add("venue", venue_id))
