"""First run: this laptop's identity, the hub, a first venue, the first coordinator,
and the sample services directory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import ValidationError
from hubdesk.core.ids import uuid7
from hubdesk.core.paths import resources_dir
from hubdesk.core.pins import check_pin_format, hash_pin
from hubdesk.core.vocab import vocabularies
from hubdesk.services.common import Actor, Changes, audit
from hubdesk.store import repositories as repo
from hubdesk.store.directory_repo import set_search_columns
from hubdesk.store.models import DeviceState, Hub, Service, Venue, Volunteer

KEY_SLOT_MARK = "keyslot"
"""``pin_hash`` of a volunteer whose PIN is a key slot (nothing to guess offline here)."""


@dataclass
class SetupForm:
    hub_name: str
    district: str
    venue_name: str
    coordinator_name: str
    pin: str
    tier: str = "universal"
    venue_type: str = "church_hall"
    postcode_district: str = ""


def ensure_device(db: Session) -> str:
    """Return this laptop's device id, creating it on first use."""
    state = repo.device_state(db)
    if state is None:
        state = DeviceState(id=1, device_id=uuid7())
        db.add(state)
        db.flush()
    return state.device_id


def needs_first_run(db: Session) -> bool:
    return repo.count_volunteers(db) == 0


def validate_setup(form: SetupForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form.hub_name.strip():
        errors["hub_name"] = "Enter the hub's name."
    if not form.district.strip():
        errors["district"] = "Enter the district."
    if not form.venue_name.strip():
        errors["venue_name"] = "Enter where the hub meets."
    if not form.coordinator_name.strip():
        errors["coordinator_name"] = "Enter the coordinator's name."
    if form.tier not in vocabularies().hub_tiers:
        errors["tier"] = "Choose a tier."
    try:
        check_pin_format(form.pin)
    except ValidationError as error:
        errors.update(error.field_errors)
    return errors


def first_run_setup(db: Session, form: SetupForm) -> Changes:
    """Create the hub, its first venue and the first coordinator; load the directory."""
    errors = validate_setup(form)
    if errors:
        raise ValidationError(errors)
    device_id = ensure_device(db)
    state = repo.device_state(db)
    hub_id = state.hub_id if state and state.hub_id else None
    if hub_id is None:
        hub_id = uuid7()
        db.add(Hub(id=hub_id, name=form.hub_name.strip(), district=form.district.strip(),
                   tier=form.tier, active=True))
        if state:
            state.hub_id = hub_id
    venue_id = add_venue(db, hub_id, form.venue_name, form.venue_type, form.postcode_district)
    coordinator = create_volunteer(db, form.coordinator_name, form.pin, role="coordinator")
    actor = Actor(coordinator.id, device_id, coordinator.display_name, "coordinator")
    loaded = load_sample_directory(db)
    audit(db, actor, "create", "hub", hub_id, f"first run; {loaded} services loaded")
    return Changes().add("hub", hub_id).add("venue", venue_id).add("volunteer", coordinator.id)


def add_venue(db: Session, hub_id: str, name: str, venue_type: str = "other",
              postcode_district: str = "") -> str:
    if not name.strip():
        raise ValidationError({"venue_name": "Enter the venue's name."})
    venue_id = uuid7()
    db.add(Venue(id=venue_id, hub_id=hub_id, name=name.strip(), venue_type=venue_type,
                 postcode_district=postcode_district.strip().upper() or None, active=True))
    db.flush()
    return venue_id


def normalise_name(name: str) -> str:
    """A volunteer's name as stored and matched: single spaces, trimmed."""
    return " ".join(name.split())


def create_volunteer(db: Session, name: str, pin: str, *, role: str = "volunteer") -> Volunteer:
    """A new active volunteer; on an encrypted laptop their PIN becomes a key slot."""
    from hubdesk.store.engine import vault_of

    clean = normalise_name(name)
    if not clean:
        raise ValidationError({"name": "Enter a name."})
    if len(clean) > 80:
        raise ValidationError({"name": "Keep the name under 80 characters."})
    if repo.volunteer_by_name(db, clean) is not None:
        raise ValidationError({"name": f"There is already a volunteer called {clean}."})
    vault = vault_of(db)
    if vault is None:
        secret = hash_pin(pin)
    else:
        check_pin_format(pin)
        vault.ring.put_slot(clean, pin, vault.key)
        secret = KEY_SLOT_MARK
    volunteer = Volunteer(id=uuid7(), display_name=clean, role=role, pin_hash=secret,
                          active=True, failed_attempts=0, created_at=utc_now())
    db.add(volunteer)
    db.flush()
    return volunteer


def ensure_first_coordinator(db: Session, name: str, pin: str) -> Volunteer:
    """For scripted runs (``enrol`` / ``demo`` on a new data folder)."""
    existing = repo.volunteer_by_name(db, name)
    if existing is not None:
        return existing
    ensure_device(db)
    volunteer = create_volunteer(db, name, pin, role="coordinator")
    audit(db, None, "create", "volunteer", volunteer.id, "first coordinator (command line)")
    return volunteer


def load_sample_directory(db: Session, path: Path | None = None) -> int:
    """Load the bundled sample services directory when the directory is empty."""
    if repo.count_services(db):
        return 0
    source = path or resources_dir() / "services_sample.json"
    entries = json.loads(source.read_text(encoding="utf-8"))
    for entry in entries:
        db.add(service_from_dict(entry))
    db.flush()
    return len(entries)


def service_from_dict(entry: dict[str, object]) -> Service:
    categories = [str(c) for c in entry.get("categories", [])]  # type: ignore[attr-defined]
    verified = entry.get("last_verified")
    service = Service(
        id=str(entry["id"]),
        name=str(entry["name"]),
        organisation=str(entry.get("organisation", "")),
        categories=categories,
        description=str(entry.get("description", "")),
        access=str(entry.get("access", "signpost_only")),
        phone=str(entry.get("phone", "")),
        web=str(entry.get("web", "")),
        opening_times=str(entry.get("opening_times", "")),
        area=str(entry.get("area", "")),
        eligibility=str(entry.get("eligibility", "")),
        email=str(entry.get("email", "")),
        last_verified=date.fromisoformat(str(verified)) if verified else None,
        status=str(entry.get("status", "active")),
        is_sample=bool(entry.get("is_sample", False)),
    )
    set_search_columns(service)
    return service
