"""Safeguarding alerts: a coordinator reviews them and records what was done.

A visit with the safeguarding flag raises an alert (``services.visits``).  It stays
open until a coordinator marks it as dealt with, saying what they did ("Called the
adult safeguarding team").  That text stays on this laptop: it never syncs and it
never goes into the audit trail (the audit event says only "acknowledged").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.days import to_hub_time
from hubdesk.core.errors import NotFoundError, ValidationError
from hubdesk.core.vocab import vocabularies
from hubdesk.services.common import Actor, Changes, PermissionDenied, audit
from hubdesk.services.time_zone import hub_time_zone
from hubdesk.store import repositories as repo

MAX_ACTION = 300
ACTION_FIELD = "action_taken"


@dataclass(frozen=True)
class AlertRow:
    """One open alert, as plain values for the review screen.

    ``note`` is the visit's restricted note: only filled in for a coordinator (who
    handles the escalation); ``None`` for anyone else.
    """

    id: str
    visit_id: str
    raised_at: datetime  # local time
    raised_by: str  # the volunteer's display name
    session_title: str  # "Lunch club, St Mary's Hall" ("" when the visit is gone)
    venue: str
    age_band: str
    sex: str
    topics: tuple[str, ...]
    note: str | None = None


def list_open_alerts(db: Session, actor: Actor | None = None) -> list[AlertRow]:
    """Alerts nobody has dealt with yet, oldest first."""
    coordinator = bool(actor and actor.is_coordinator)
    session_types = vocabularies().session_types
    rows = []
    zone = hub_time_zone(db)
    for row in repo.open_alert_rows(db, with_note=coordinator):
        venue = row.venue_name or ""
        kind = session_types.label(row.session_type) if row.session_type else ""
        title = ", ".join(part for part in (kind, venue) if part)
        rows.append(AlertRow(
            id=row.id,
            visit_id=row.visit_id,
            raised_at=to_hub_time(row.raised_at, zone).replace(tzinfo=None),
            raised_by=row.display_name or "Unknown volunteer",
            session_title=title,
            venue=venue,
            age_band=row.age_band or "not_asked",
            sex=row.sex or "not_asked",
            topics=tuple(row.topics or ()),
            note=(row.note or "") if coordinator else None,
        ))
    return rows


def check_action(action_taken: str) -> dict[str, str]:
    """Field errors for "What did you do?" ({} when it can be saved)."""
    text = action_taken.strip()
    if not text:
        return {ACTION_FIELD: "Say what you did, for example “Called the adult safeguarding team”."}
    if len(text) > MAX_ACTION:
        return {ACTION_FIELD: f"Keep it to {MAX_ACTION} characters or fewer "
                              f"(you have {len(text)})."}
    return {}


def acknowledge_alert(db: Session, actor: Actor, alert_id: str, action_taken: str) -> Changes:
    """Mark an alert as dealt with (coordinators only), keeping what was done.

    Raises PermissionDenied for a volunteer, ValidationError for a missing or too
    long ``action_taken`` or an alert already dealt with, NotFoundError for an
    unknown id.
    """
    if not actor.is_coordinator:
        raise PermissionDenied("Only a coordinator can mark a safeguarding alert as dealt with.")
    errors = check_action(action_taken)
    if errors:
        raise ValidationError(errors)
    alert = repo.get_alert(db, alert_id)
    if alert is None:
        raise NotFoundError("That safeguarding alert could not be found.")
    if alert.acknowledged_at is not None:
        raise ValidationError({"alert": "This alert has already been marked as dealt with."})
    alert.acknowledged_by = actor.volunteer_id
    alert.acknowledged_at = utc_now()
    alert.action_taken = action_taken.strip()
    audit(db, actor, "acknowledge", "alert", alert_id, "acknowledged")  # never the action text
    db.flush()
    return Changes().add("alert", alert_id)
