"""Venues (places the hub pops up in): add, rename, retire; coordinators only (DESIGN §9),
each audited in the same transaction.

``add_venue`` checks the role, refuses a bad name or postcode district with a message
saying what to type, inserts the venue into this laptop's hub and writes its audit
event in the same transaction.  A retired venue is no longer offered for new sessions
(``repositories.venues`` lists active ones); sessions recorded there keep it.  Venues
that came from the council's server are the council's to change: a change made here
would be overwritten by the next download.
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
from hubdesk.store.models import Venue

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


@dataclass(frozen=True)
class VenueRow:
    id: str
    name: str
    venue_type: str
    postcode_district: str
    active: bool
    from_server: bool

    @property
    def line(self) -> str:
        kind = vocabularies().venue_types.label(self.venue_type)
        parts = [self.name, kind] + ([self.postcode_district] if self.postcode_district else [])
        text = " · ".join(parts)
        return text if self.active else f"Retired: {text}"


def list_all_venues(db: Session, actor: Actor) -> list[VenueRow]:
    """Every venue of this laptop, retired ones too (coordinators only)."""
    require_coordinator(actor, "manage venues")
    return [VenueRow(v.id, v.name, v.venue_type, v.postcode_district or "", v.active,
                     v.from_server) for v in repo.all_venues(db)]


def _own_venue(db: Session, venue_id: str, what: str) -> Venue:
    venue = db.get(Venue, venue_id)
    if venue is None:
        raise ValidationError({"venue": "That venue is not on this laptop."})
    if venue.from_server:
        raise ValidationError({"venue": (
            f"This venue comes from the council's server, so only the council can {what} it. "
            "Ask them; the change reaches this laptop with the next sync.")})
    return venue


def rename_venue(db: Session, actor: Actor, venue_id: str, name: str) -> Changes:
    """Give a venue a new name; sessions already recorded there show the new name."""
    require_coordinator(actor, "rename a venue")
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError({"venue_name": "Enter the venue's new name."})
    if len(clean) > MAX_VENUE_NAME:
        raise ValidationError({"venue_name": f"Keep the venue's name under {MAX_VENUE_NAME} characters."})
    venue = _own_venue(db, venue_id, "rename")
    taken = [v for v in repo.all_venues(db) if v.id != venue_id and v.name.lower() == clean.lower()]
    if taken:
        raise ValidationError({"venue_name": f"Another venue is already called “{clean}”."})
    venue.name = clean
    audit(db, actor, "edit", "venue", venue_id, "renamed")
    return Changes().add("venue", venue_id)


def set_venue_retired(db: Session, actor: Actor, venue_id: str, retired: bool) -> Changes:
    """Retire a venue (no longer offered for new sessions; old records keep it) or bring
    it back."""
    require_coordinator(actor, "retire a venue" if retired else "bring back a venue")
    venue = _own_venue(db, venue_id, "retire" if retired else "bring back")
    if retired and venue.active and len([v for v in repo.venues(db) if v.id != venue_id]) == 0:
        raise ValidationError({"venue": "This is the only venue left: add another before "
                                        "retiring it, so a session can still be opened."})
    venue.active = not retired
    audit(db, actor, "edit", "venue", venue_id, "retired" if retired else "brought back")
    return Changes().add("venue", venue_id)
