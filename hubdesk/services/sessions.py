"""Hub sessions: open at a venue, count heads and activity attendance, close with a summary.

An open session is local working state (its headcount ticks up in place).  Closing
it finalises version 1 for upload; any later correction is a new version.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.days import day_words, hub_today, to_hub_time
from hubdesk.core.errors import NotFoundError, ValidationError
from hubdesk.core.ids import uuid7
from hubdesk.core.vocab import vocabularies
from hubdesk.services.common import Actor, Changes, audit, require_coordinator, stamp
from hubdesk.services.time_zone import hub_time_zone
from hubdesk.store import repositories as repo
from hubdesk.store.models import HubSession, Venue, Visit, Volunteer
from hubdesk.store.outbox import finalise

MAX_ATTENDANCE = 10_000
DEFAULT_SESSION_TYPE_SETTING = "default_session_type"
DEFAULT_SESSION_TYPE = "lunch_club"


@dataclass(frozen=True)
class VenueInfo:
    id: str
    name: str
    venue_type: str
    hub_id: str


@dataclass(frozen=True)
class SessionInfo:
    id: str
    venue_id: str
    venue_name: str
    session_type: str
    session_date: date
    status: str
    headcount: int
    activities: tuple[tuple[str, int, int], ...]
    warm_space: bool
    opened_at: datetime | None = None  # the hub's local time it was opened (naive)
    opened_by: str = ""  # the display name of the volunteer who opened it

    @property
    def title(self) -> str:
        kind = vocabularies().session_types.label(self.session_type)
        return f"{kind}, {self.venue_name}"

    @property
    def opened_text(self) -> str:
        """"opened 10:02 by Pat" (or less, when either is unknown)."""
        parts = ["opened"]
        if self.opened_at is not None:
            parts.append(f"{self.opened_at:%H:%M}")
        if self.opened_by:
            parts.append(f"by {self.opened_by}")
        return " ".join(parts) if len(parts) > 1 else ""


@dataclass(frozen=True)
class SessionSummary:
    """A session's figures.  ``changes`` is what closing it changed (empty when the
    summary is only read), so the task runner announces a close like any mutation."""

    session: SessionInfo
    visits: int
    first_visits: int
    topics: dict[str, int] = field(default_factory=dict)
    signposts: dict[str, int] = field(default_factory=dict)
    safeguarding: int = 0
    changes: Changes = field(default_factory=Changes)

    @property
    def people_engaged(self) -> int:
        return self.visits + self.session.headcount

    @property
    def signposts_total(self) -> int:
        return sum(self.signposts.values())

    @property
    def activity_attendance(self) -> int:
        return sum(attendance for _, attendance, _ in self.session.activities)


def default_session_type(db: Session) -> str:
    """The kind of session "Open session…" offers first (Settings ▸ Sessions)."""
    stored = repo.get_setting(db, DEFAULT_SESSION_TYPE_SETTING)
    if isinstance(stored, str) and stored in vocabularies().session_types:
        return stored
    return DEFAULT_SESSION_TYPE


def list_venues(db: Session) -> list[VenueInfo]:
    return [VenueInfo(v.id, v.name, v.venue_type, v.hub_id) for v in repo.venues(db)]


def _info(db: Session, row: HubSession) -> SessionInfo:
    venue = db.get(Venue, row.venue_id)
    opener = db.get(Volunteer, row.created_by) if row.created_by else None
    return SessionInfo(
        id=row.record_id,
        venue_id=row.venue_id,
        venue_name=venue.name if venue else "Unknown venue",
        session_type=row.session_type,
        session_date=row.session_date,
        status=row.status,
        headcount=row.headcount,
        activities=tuple(
            (str(a["name"]), int(a["attendance"]), int(a.get("attendance_under_18", 0)))
            for a in row.activities
        ),
        warm_space=row.warm_space,
        opened_at=to_hub_time(row.started_at, hub_time_zone(db)).replace(tzinfo=None),
        opened_by=opener.display_name if opener is not None else "",
    )


def _current(db: Session, session_id: str) -> HubSession:
    row = repo.current_version(db, HubSession, session_id)
    if row is None:
        raise NotFoundError("That session no longer exists.")
    return row


def open_session(db: Session, actor: Actor, venue_id: str, session_type: str,
                 *, warm_space: bool = False) -> Changes:
    venue = db.get(Venue, venue_id)
    errors = {}
    if venue is None or not venue.active:
        errors["venue"] = "Choose where the hub is meeting."
    if session_type not in vocabularies().session_types:
        errors["session_type"] = "Choose the kind of session."
    if errors:
        raise ValidationError(errors)
    assert venue is not None
    now = utc_now()
    row = stamp(HubSession(), actor, record_id=uuid7())
    row.hub_id = venue.hub_id
    row.venue_id = venue_id
    row.session_type = session_type
    row.session_date = hub_today(hub_time_zone(db))
    row.started_at = now
    row.volunteers_present = [actor.volunteer_id]
    row.headcount = 0
    row.activities = []
    row.warm_space = warm_space or session_type == "warm_space"
    row.status = "open"
    db.add(row)
    db.flush()
    audit(db, actor, "create", "session", row.record_id)
    return Changes().add("session", row.record_id)


def session_info(db: Session, session_id: str) -> SessionInfo:
    return _info(db, _current(db, session_id))


def join_session(db: Session, actor: Actor, session_id: str) -> Changes:
    """Record that this volunteer is present (for volunteer counts and hours)."""
    row = _current(db, session_id)
    if row.status == "open" and actor.volunteer_id not in row.volunteers_present:
        row.volunteers_present = [*row.volunteers_present, actor.volunteer_id]
    return Changes().add("session", session_id)


def add_headcount(db: Session, actor: Actor, session_id: str, delta: int = 1) -> Changes:
    """People engaged who gave no details (+1 per tap; -1 to undo a mis-tap)."""
    row = _require_open(db, session_id)
    new_value = row.headcount + delta
    if not 0 <= new_value <= MAX_ATTENDANCE:
        raise ValidationError({"headcount": "The headcount cannot go below zero."})
    row.headcount = new_value
    audit(db, actor, "edit", "session", session_id, f"headcount {delta:+d}")
    return Changes().add("session", session_id)


def set_activity(db: Session, actor: Actor, session_id: str, name: str, attendance: int,
                 attendance_under_18: int = 0) -> Changes:
    """Add an activity run in the session, or update its attendance."""
    row = _require_open(db, session_id)
    clean = " ".join(name.split())
    errors = {}
    if not clean:
        errors["activity"] = "Enter the activity's name."
    if not 0 <= attendance <= MAX_ATTENDANCE:
        errors["attendance"] = "Enter how many people took part."
    if not 0 <= attendance_under_18 <= attendance:
        errors["attendance_under_18"] = "Under-18s cannot be more than everyone who took part."
    if errors:
        raise ValidationError(errors)
    activities = [a for a in row.activities if a["name"].lower() != clean.lower()]
    activities.append({"name": clean, "attendance": attendance,
                       "attendance_under_18": attendance_under_18})
    row.activities = activities
    audit(db, actor, "edit", "session", session_id, "activity attendance")
    return Changes().add("session", session_id)


def _require_open(db: Session, session_id: str) -> HubSession:
    row = _current(db, session_id)
    if row.status != "open":
        raise ValidationError({"session": "This session is closed."})
    return row


def session_summary(db: Session, session_id: str) -> SessionSummary:
    row = _current(db, session_id)
    visit_ids = repo.session_visit_ids(db, session_id)
    visits = [repo.current_version(db, Visit, vid) for vid in visit_ids]
    return SessionSummary(
        session=_info(db, row),
        visits=len(visit_ids),
        first_visits=sum(1 for v in visits if v is not None and v.first_visit),
        topics=repo.session_topic_counts(db, session_id),
        signposts=repo.session_signpost_counts(db, session_id),
        safeguarding=sum(1 for v in visits if v is not None and v.safeguarding),
    )


def close_session(db: Session, actor: Actor, session_id: str) -> SessionSummary:
    """Close today's session now and finalise it (queued for upload); returns its summary.

    A session left open from an earlier day is closed with its real end time instead
    (``services.session_resume.close_left_open_session``)."""
    row = _require_open(db, session_id)
    if row.session_date < hub_today(hub_time_zone(db)):
        raise ValidationError({"session": (
            f"This session was opened on {day_words(row.session_date)}: "
            "close it with the time it really ended.")})
    return finish_session(db, actor, row, utc_now())


def finish_session(db: Session, actor: Actor, row: HubSession, ended_at: datetime,
                   ) -> SessionSummary:
    """Mark ``row`` closed at ``ended_at`` (naive UTC), finalise it and audit the close."""
    row.status = "closed"
    row.ended_at = ended_at
    row.utc_offset_min = _offset_minutes(db, row.started_at)
    finalise(db, row)
    audit(db, actor, "edit", "session", row.record_id, "closed")
    return replace(session_summary(db, row.record_id),
                   changes=Changes().add("session", row.record_id))


def _offset_minutes(db: Session, at_utc: datetime) -> int:
    """The hub's UTC offset at ``at_utc``, stored with the record (DESIGN §7)."""
    offset = to_hub_time(at_utc, hub_time_zone(db)).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def open_shift_count(row: HubSession) -> int:
    return sum(1 for shift in row.volunteer_shifts or [] if not shift.get("signed_out_at"))


def sign_out_all(db: Session, actor: Actor, session_ids: list[str],
                 at: datetime | None = None) -> Changes:
    """Sign out every volunteer still signed in to these sessions, at ``at`` (naive UTC,
    now by default); coordinators only (the end-of-day handover).

    An open session is local working state and changes in place; a closed session was
    already finalised, so it gets a new version (naming its base) queued for upload.
    """
    require_coordinator(actor, "sign volunteers out")
    when = (at or utc_now()).isoformat(timespec="seconds")
    changes = Changes()
    for session_id in session_ids:
        row = _current(db, session_id)
        still_in = open_shift_count(row)
        if not still_in:
            continue
        shifts = [{**shift, "signed_out_at": shift.get("signed_out_at") or when}
                  for shift in row.volunteer_shifts]
        if row.status == "open" and row.device_seq is None:
            row.volunteer_shifts = shifts
        else:
            newer = _next_version(db, actor, row)
            newer.volunteer_shifts = shifts
            finalise(db, newer)
        audit(db, actor, "edit", "session", session_id,
              f"{still_in} volunteer{'s' if still_in != 1 else ''} signed out")
        changes.add("session", session_id)
    return changes


def _next_version(db: Session, actor: Actor, row: HubSession) -> HubSession:
    """A copy of ``row`` as its next version (the old one stops being current)."""
    newer = stamp(HubSession(), actor, record_id=row.record_id, version=row.version + 1,
                  base_version=row.version, offset_minutes=row.utc_offset_min)
    for name in ("hub_id", "venue_id", "session_type", "session_date", "started_at",
                 "ended_at", "volunteers_present", "headcount", "activities", "warm_space",
                 "status", "volunteer_shifts"):
        setattr(newer, name, getattr(row, name))
    repo.retire_current(db, HubSession, row.record_id)
    db.add(newer)
    db.flush()
    return newer
