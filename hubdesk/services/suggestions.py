"""Directory suggestions: a coordinator proposes adding a service, correcting an entry,
or pausing, closing or reopening one; the council accepts or rejects it on the server.

A suggestion is a synced record (kind ``suggestion``): finalised with the next device
sequence number into the outbox and audited in the same transaction, never changed
afterwards.  The laptop refuses what the server would (``suggestion_problem``), and
says first, field by field, what to fix.  Only coordinators suggest (DESIGN §9).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hubdesk.core.days import to_hub_time
from hubdesk.core.errors import ValidationError
from hubdesk.core.ids import uuid7
from hubdesk.core.vocab import vocabularies
from hubdesk.protocol.services import (
    SERVICE_TEXT_LIMITS,
    SUGGESTION_ACTIONS,
    SUGGESTION_REASON_MAX,
    suggestion_problem,
)
from hubdesk.protocol.text import clean_text
from hubdesk.services.common import Actor, Changes, audit, require_coordinator, stamp
from hubdesk.services.time_zone import hub_time_zone
from hubdesk.services.venues import this_laptops_hub
from hubdesk.store import directory_repo
from hubdesk.store import repositories as repo
from hubdesk.store.models import Service, Suggestion
from hubdesk.store.outbox import finalise

#: what each field is called on screen (errors and the list of changes say these)
FIELD_LABELS = {"name": "Name", "organisation": "Organisation", "description": "Description",
                "phone": "Phone", "web": "Website", "email": "Email",
                "opening_times": "Opening times", "area": "Area", "eligibility": "Who it is for",
                "categories": "Categories", "access": "How people get in touch"}
#: the order the form asks in (its errors are summarised in this order)
FIELD_ORDER = ("", "action", "name", "organisation", "phone", "web", "email", "opening_times",
               "area", "eligibility", "categories", "access", "description", "reason")
ACTION_WORDS = {"add": "Add this new service", "correct": "Correct the details",
                "pause": "Pause it (not taking people for now)", "close": "Close it (it has stopped)",
                "reopen": "Reopen it"}
#: the status each action leaves a service in, and the statuses it can start from
_ACTION_FROM = {"pause": ("active",), "close": ("active", "paused"), "reopen": ("paused", "closed")}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ProposedChange:
    """What the coordinator filled in.  ``details``: the service fields as they should
    be (for ``correct``, the whole entry as edited: only what differs is sent)."""

    action: str
    service_id: str | None = None
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SuggestionMade:
    suggestion_id: str
    changes: Changes


@dataclass(frozen=True)
class SuggestionRow:
    """One of this laptop's suggestions, in words for the directory screen."""

    id: str
    action: str
    service_id: str | None
    service_name: str
    changed: tuple[str, ...]  # labels of the fields it proposes
    suggested_on: datetime  # the hub's local time
    words: str  # "Suggested on 1 Dec 2026, waiting for the council"


def _clean_details(details: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    vocab = vocabularies()
    clean: dict[str, Any] = {}
    for key, limit in SERVICE_TEXT_LIMITS.items():
        if key not in details:
            continue
        value = " ".join(str(details[key] or "").split()) if key != "description" \
            else str(details[key] or "").strip()
        if len(value) > limit:
            errors[key] = f"Keep the {FIELD_LABELS[key].lower()} under {limit} characters."
        clean[key] = clean_text(value, limit)
    if clean.get("email") and not _EMAIL.match(clean["email"]):
        errors["email"] = "Enter an email address like name@example.org, or leave it empty."
    if clean.get("web") and (" " in clean["web"] or "." not in clean["web"]):
        errors["web"] = "Enter a web address like www.example.org, or leave it empty."
    if "categories" in details:
        known = set(vocab.service_categories.codes())
        categories = [str(c) for c in details["categories"] or []]
        if any(c not in known for c in categories):
            errors["categories"] = "Choose categories from the list."
        clean["categories"] = [c for c in dict.fromkeys(categories) if c in known]
    if "access" in details:
        if details["access"] not in vocab.service_access:
            errors["access"] = "Choose how people get in touch."
        clean["access"] = details["access"]
    return clean


def _current_values(service: Service) -> dict[str, Any]:
    values: dict[str, Any] = {key: getattr(service, key) or "" for key in SERVICE_TEXT_LIMITS}
    values["categories"] = list(service.categories)
    values["access"] = service.access
    return values


def _proposed_fields(db: Session, change: ProposedChange) -> tuple[dict[str, Any], Service | None]:
    """The suggestion's fields (wire form), or ValidationError saying what to fix."""
    errors: dict[str, str] = {}
    if change.action not in SUGGESTION_ACTIONS:
        raise ValidationError({"action": "Choose what you suggest."})
    reason = " ".join(change.reason.split())
    if len(reason) > SUGGESTION_REASON_MAX:
        errors["reason"] = f"Keep the reason under {SUGGESTION_REASON_MAX} characters."
    service = None
    details: dict[str, Any] = {}
    if change.action == "add":
        details = _clean_details(change.details, errors)
        if not details.get("name"):
            errors["name"] = "Enter the service's name."
        if not details.get("categories"):
            errors["categories"] = "Choose at least one category."
        details = {key: value for key, value in details.items() if value not in ("", [])}
    else:
        service = repo.services_by_id(db, [change.service_id or ""]).get(change.service_id or "")
        if service is None:
            raise ValidationError({"": "That service is no longer in the directory."})
        if change.action == "correct":
            proposed = _clean_details(change.details, errors)
            current = _current_values(service)
            details = {key: value for key, value in proposed.items() if value != current[key]}
            if "name" in details and not details["name"]:
                errors["name"] = "A service needs a name."
            if "categories" in details and not details["categories"]:
                errors["categories"] = "Keep at least one category."
            if not details and not errors:
                errors[""] = "Nothing is different from the directory: change a detail first."
        elif service.status not in _ACTION_FROM[change.action]:
            errors["action"] = f"{service.name} is {service.status} already."
        if change.action in ("pause", "close") and not reason:
            errors["reason"] = "Say why, so the council can check (for example who told you)."
    if errors:  # in the form's reading order, so the summary reads top to bottom
        raise ValidationError({key: errors[key] for key in sorted(
            errors, key=lambda k: FIELD_ORDER.index(k) if k in FIELD_ORDER else 0)})
    fields: dict[str, Any] = {"hub_id": this_laptops_hub(db), "action": change.action,
                              "service_id": service.id if service is not None else None,
                              "reason": reason or None, **details}
    problem = suggestion_problem(fields)
    if problem:  # the server's own rule: never queue what it would refuse
        raise ValidationError({"": f"This suggestion cannot be sent: {problem}"})
    return fields, service


def propose(db: Session, actor: Actor, change: ProposedChange) -> SuggestionMade:
    """Save a suggestion for the council: a new synced record, audited."""
    require_coordinator(actor, "suggest changes to the services directory")
    fields, service = _proposed_fields(db, change)
    suggestion = stamp(Suggestion(), actor, record_id=uuid7())
    for key, value in fields.items():
        setattr(suggestion, key, value)
    db.add(suggestion)
    finalise(db, suggestion)
    detail = change.action if service is None else f"{change.action} service {service.id}"
    audit(db, actor, "create", "suggestion", suggestion.record_id, detail)
    return SuggestionMade(suggestion.record_id,
                          Changes().add("suggestion", suggestion.record_id))


def _words(on: datetime, state: str, sent_at: datetime | None,
           service_updated: datetime | None) -> str:
    day = f"{on.day} {on:%b %Y}"
    if state == "rejected":
        return f"Suggested on {day}; the server could not take it (see Sync › needs attention)"
    if state == "pending":
        return f"Suggested on {day}, waiting for the council (it goes at the next sync)"
    if service_updated is not None and sent_at is not None and service_updated > sent_at:
        return f"Suggested on {day}; the council has updated this entry since"
    return f"Suggested on {day}, waiting for the council"


def list_suggestions(db: Session, service_id: str | None = None) -> list[SuggestionRow]:
    """This laptop's suggestions (about one service when ``service_id`` is given), newest
    first, each saying where it stands."""
    found = directory_repo.current_suggestions(db, [service_id] if service_id else None)
    states = directory_repo.sent_times(db, [s.record_id for s in found])
    services = repo.services_by_id(db, [s.service_id for s in found if s.service_id])
    zone = hub_time_zone(db)
    rows = []
    for suggestion in found:
        service = services.get(suggestion.service_id or "")
        state, sent_at = states.get(suggestion.record_id, ("pending", None))
        on = to_hub_time(suggestion.created_at, zone).replace(tzinfo=None)
        changed = tuple(label for key, label in FIELD_LABELS.items()
                        if getattr(suggestion, key, None) not in (None, ""))
        rows.append(SuggestionRow(
            id=suggestion.record_id, action=suggestion.action, service_id=suggestion.service_id,
            service_name=service.name if service else (suggestion.name or "A new service"),
            changed=changed, suggested_on=on,
            words=_words(on, state, sent_at, service.updated_at if service else None)))
    return rows
