"""Conflicts: the same field changed on two sides, kept for a coordinator to settle.

DESIGN §4: an edit on a stale base that touches different fields merges; when both
sides changed the same field, both values are kept (nothing dropped) and the record
appears here.  The coordinator sees both values side by side, field by field, and
the choice is saved as a new version (audited, synced like any edit).

Shapes (plain values for the UI):

- :func:`list_conflicts` returns :class:`ConflictInfo` rows, oldest first.  Each
  has ``id`` (pass it to :func:`resolve_conflict`), the record (``kind``,
  ``record_id``), a plain ``title`` ("Visit at 10:02 on Tue 1 Dec"), who made each
  side, and ``fields``: one :class:`ConflictField` per clashing field with its
  ``name`` (the key to choose by), a plain ``label`` ("Age band") and each side's
  value in plain words (``this_laptop`` / ``other``).
- :func:`resolve_conflict` takes ``choices``: field name -> :data:`KEEP_THIS_LAPTOP`
  or :data:`KEEP_OTHER`; every clashing field must be chosen.  It writes a new
  version of the record with the chosen values (through ``edit_visit`` for a
  visit's form, so it is validated, audited and queued for the server like any
  edit) and returns :class:`Changes` (the record's kind and ``conflict``).  The
  new version is what reconciles the laptop and the server: once sent, both hold
  the same latest version.  When the choice equals the current version nothing new
  is written (the current version, already queued, is the answer).

Both are coordinator-only (``PermissionDenied`` for a volunteer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.days import to_hub_time
from hubdesk.core.errors import NotFoundError, ValidationError
from hubdesk.core.vocab import vocabularies
from hubdesk.services import visits
from hubdesk.services.common import Actor, Changes, PermissionDenied, audit
from hubdesk.services.merge import comparable
from hubdesk.services.visit_form import VisitForm
from hubdesk.store import conflict_repo
from hubdesk.store import repositories as repo
from hubdesk.store.models import HubSession, RecordConflict, Venue, Visit, Volunteer
from hubdesk.store.outbox import finalise, record_payload, version_from_payload

#: choice values for :func:`resolve_conflict`
KEEP_THIS_LAPTOP, KEEP_OTHER = "this_laptop", "other"

GONE = "This conflict has already been settled."

FIELD_LABELS = {
    "contact_mode": "How they came to you", "referral_source": "Who referred them",
    "age_band": "Age band", "sex": "Sex", "first_visit": "First visit",
    "visitor_code": "Visitor code", "postcode_district": "Postcode district",
    "topics": "Topics talked about", "signposts": "Signposts",
    "agreements": "What they agreed to", "preferred_name": "Name",
    "contact": "Phone or email", "follow_up_due": "Follow-up due",
    "follow_up_method": "Follow-up by", "safeguarding": "Safeguarding concern",
    "note": "Note", "deleted": "Removed", "visited_at": "Time of the visit",
}
_VOCAB_OF_FIELD = {
    "contact_mode": "contact_modes", "referral_source": "referral_sources",
    "age_band": "age_bands", "sex": "sexes", "follow_up_method": "follow_up_methods",
    "furthest_step": "mecc_steps", "status": "outcome_statuses", "kind": "signpost_kinds",
    "purpose": "agreement_purposes", "topic": "mecc_topics",
}
KIND_NAMES = {"visit": "Visit", "conversation": "Conversation", "outcome": "Signpost",
              "follow_up": "Follow-up", "agreement": "Agreement", "person": "Person",
              "session": "Session", "suggestion": "Directory suggestion"}


@dataclass(frozen=True)
class ConflictField:
    """One field both sides changed: its key, plain label and both values in words."""

    name: str
    label: str
    this_laptop: str
    other: str


@dataclass(frozen=True)
class ConflictInfo:
    """One record with clashing fields."""

    id: int
    kind: str
    record_id: str
    title: str
    this_laptop_by: str
    other_by: str
    fields: tuple[ConflictField, ...]


def _require_coordinator(actor: Actor) -> None:
    if not actor.is_coordinator:
        raise PermissionDenied("Only a coordinator can settle conflicting changes.",
                               hint="Ask your coordinator to look at them.")


def list_conflicts(db: Session, actor: Actor) -> list[ConflictInfo]:
    """Unresolved conflicts, oldest first (coordinators only)."""
    _require_coordinator(actor)
    return [_info(db, conflict) for conflict in conflict_repo.open_conflicts(db)]


def resolve_conflict(db: Session, actor: Actor, conflict_id: int,
                     choices: Mapping[str, str]) -> Changes:
    """Save the coordinator's choice per field as a new version (coordinators only).

    Raises NotFoundError when the conflict is settled or unknown, ValidationError
    when a clashing field has no choice.
    """
    _require_coordinator(actor)
    conflict = conflict_repo.conflict(db, conflict_id)
    if conflict is None or conflict.resolved_at is not None:
        raise NotFoundError(GONE)
    missing = [name for name in conflict.fields
               if choices.get(name) not in (KEEP_THIS_LAPTOP, KEEP_OTHER)]
    if missing:
        raise ValidationError({"choices": "Choose which answer to keep for: " + ", ".join(
            FIELD_LABELS.get(name, name) for name in missing) + "."})
    chosen = {name: values[choices[name]] for name, values in conflict.fields.items()}
    if conflict.level == "form":
        changes = _resolve_form(db, actor, conflict.record_id, chosen)
    else:
        changes = _resolve_record(db, actor, conflict.kind, conflict.record_id, chosen)
    current = conflict_repo.current_row(db, conflict.kind, conflict.record_id)
    conflict.resolved_at = utc_now()
    conflict.resolved_by = actor.volunteer_id
    conflict.resolved_version = current.version if current is not None else None
    kept = sum(1 for name in conflict.fields if choices[name] == KEEP_THIS_LAPTOP)
    audit(db, actor, "resolve", conflict.kind, conflict.record_id,
          f"conflict {conflict.id}: {len(conflict.fields)} fields, {kept} kept from this "
          f"laptop, version {conflict.resolved_version}")
    db.flush()
    return changes.add("conflict", str(conflict.id))


def _resolve_form(db: Session, actor: Actor, visit_id: str, chosen: dict[str, Any]) -> Changes:
    version = visits.visit_version(db, visit_id)
    data = comparable(visits.get_visit_form(db, visit_id))
    data.update(chosen)
    return visits.edit_visit(db, actor, visit_id, VisitForm.from_dict(data),
                             base_version=version)


def _resolve_record(db: Session, actor: Actor, kind: str, record_id: str,
                    chosen: dict[str, Any]) -> Changes:
    current = conflict_repo.current_row(db, kind, record_id)
    if current is None:
        raise NotFoundError("That record is no longer on this laptop.")
    payload = record_payload(current)
    deleted = bool(chosen.pop("deleted", payload["deleted"]))
    fields = {**payload["fields"], **chosen}
    if fields == payload["fields"] and deleted == payload["deleted"]:
        return Changes().add(kind, record_id)
    now = utc_now()
    row = version_from_payload({
        **payload, "version": current.version + 1, "base_version": current.version,
        "deleted": deleted, "device_id": actor.device_id, "created_by": actor.volunteer_id,
        "created_at": now.isoformat(timespec="microseconds"), "fields": fields})
    row.origin = "local"
    repo.retire_current(db, type(current), record_id)
    row.is_current = True
    db.add(row)
    finalise(db, row)
    return Changes().add(kind, record_id)


# -- plain words -------------------------------------------------------------------


def _info(db: Session, conflict: RecordConflict) -> ConflictInfo:
    fields = tuple(
        ConflictField(name, FIELD_LABELS.get(name, name.replace("_", " ").capitalize()),
                      describe(db, name, values.get("this_laptop")),
                      describe(db, name, values.get("other")))
        for name, values in conflict.fields.items())
    return ConflictInfo(conflict.id, conflict.kind, conflict.record_id,
                        _title(db, conflict), _who(db, conflict.this_laptop_by),
                        _who(db, conflict.other_by), fields)


def _title(db: Session, conflict: RecordConflict) -> str:
    if conflict.kind == "visit":
        visit = repo.current_version(db, Visit, conflict.record_id)
        if visit is not None:
            zone = repo.get_setting(db, "hub_time_zone")
            local = to_hub_time(visit.visited_at, zone if isinstance(zone, str) else None)
            title = f"Visit at {local:%H:%M} on {local:%a} {local.day} {local:%b %Y}"
            session = repo.current_version(db, HubSession, visit.session_id)
            venue = db.get(Venue, session.venue_id) if session is not None else None
            if session is not None:
                kind = vocabularies().session_types.label(session.session_type)
                title += f" · {kind}" + (f", {venue.name}" if venue is not None else "")
            return title
    return KIND_NAMES.get(conflict.kind, conflict.kind.capitalize())


def _who(db: Session, volunteer_id: str | None) -> str:
    volunteer = db.get(Volunteer, volunteer_id) if volunteer_id else None
    return volunteer.display_name if volunteer is not None else "Someone on another laptop"


def describe(db: Session, name: str, value: Any) -> str:
    """A stored value in the words a volunteer uses ("65 to 74", "Yes", "Herts Mind")."""
    if value is None or value == "" or value == []:
        return "(none)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name in _VOCAB_OF_FIELD and isinstance(value, str):
        return vocabularies().get(_VOCAB_OF_FIELD[name]).label(value)
    if name == "topics" and isinstance(value, list):
        codes = [t["topic"] if isinstance(t, dict) else t for t in value]
        return ", ".join(describe(db, "topic", code) for code in codes)
    if name == "signposts" and isinstance(value, list):
        services = repo.services_by_id(db, [str(s.get("service_id")) for s in value])
        return ", ".join(
            f"{services[s['service_id']].name if s['service_id'] in services else 'A service'}"
            f" ({describe(db, 'kind', s.get('kind'))})" for s in value)
    if name == "agreements" and isinstance(value, list):
        given = [describe(db, "purpose", a["purpose"]) for a in value if a.get("given")]
        return ", ".join(given) if given else "Nothing"
    if name == "follow_up_due" and isinstance(value, str):
        day = date.fromisoformat(value)
        return f"{day:%a} {day.day} {day:%b %Y}"
    return str(value)
