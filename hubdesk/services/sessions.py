"""Hub sessions: open at a venue, count heads and activity attendance, close with a summary.

An open session is local working state (its headcount ticks up in place).  Closing
it finalises version 1 for upload; any later correction is a new version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.days import day_bounds_utc, day_words, hub_today, to_hub_time
from hubdesk.core.errors import NotFoundError, ValidationError
from hubdesk.core.ids import uuid7
from hubdesk.core.vocab import vocabularies
from hubdesk.protocol.schemas import MAX_FIELD_LIST_ITEMS
from hubdesk.services.common import Actor, Changes, PermissionDenied, audit, require_coordinator, stamp
from hubdesk.services.time_zone import hub_time_zone
from hubdesk.services.volunteer_hours import ShiftLine, shift_lines
from hubdesk.store import repositories as repo
from hubdesk.store.models import HubSession, Venue, Visit, Volunteer
from hubdesk.store.outbox import finalise

MAX_ATTENDANCE = 10_000
MAX_SHIFTS = MAX_FIELD_LIST_ITEMS  # sign-ins kept in one session (the server's list bound)
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
    shifts: tuple[ShiftLine, ...] = ()
    changes: Changes = field(default_factory=Changes)

    @property
    def volunteer_minutes(self) -> int:
        """Minutes of every finished shift (a volunteer still signed in adds nothing yet)."""
        return sum(line.minutes or 0 for line in self.shifts)

    @property
    def volunteers(self) -> int:
        """Distinct volunteers who signed in."""
        return len({line.volunteer_id for line in self.shifts})

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
        shifts=shift_lines(db, row),
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
    """Mark ``row`` closed at ``ended_at`` (naive UTC), finalise it and audit the close.

    Volunteers still signed in stay so: they are signed out by the end-of-day handover
    (``sign_out_all``) or one by one, which writes the session's next version."""
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


# --- volunteer sign in and out (volunteer hours) ----------------------------------------
# ``volunteer_shifts``: [{"volunteer_id", "signed_in_at", "signed_out_at"?}] (ISO, naive
# UTC).  On an open session (working state, not yet finalised) a shift changes in place,
# as the headcount does, and travels with the version finalised at close; on a closed
# session every change is a new finalised version (never in place).

def _iso(at_utc: datetime) -> str:
    return at_utc.isoformat(timespec="seconds")


def _signed_in_now(shifts: list[dict[str, Any]], volunteer_id: str) -> int | None:
    for index, shift in enumerate(shifts):
        if shift["volunteer_id"] == volunteer_id and not shift.get("signed_out_at"):
            return index
    return None


def new_session_version(db: Session, actor: Actor, row: HubSession) -> HubSession:
    """Version n+1 of a session with the same content (not yet added or finalised)."""
    new = stamp(HubSession(), actor, record_id=row.record_id, version=row.version + 1,
                base_version=row.version, offset_minutes=row.utc_offset_min)
    for name in SESSION_FIELDS:
        value = getattr(row, name)
        setattr(new, name, list(value) if isinstance(value, list) else value)
    return new


SESSION_FIELDS = ("hub_id", "venue_id", "session_type", "session_date", "started_at", "ended_at",
                  "volunteers_present", "headcount", "activities", "warm_space", "status",
                  "volunteer_shifts")


def _is_working_state(row: HubSession) -> bool:
    """An open session not yet finalised: it may still change in place."""
    return row.status == "open" and row.device_seq is None and row.origin == "local"


def _save_shifts(db: Session, actor: Actor, row: HubSession, shifts: list[dict[str, Any]],
                 detail: str) -> None:
    if _is_working_state(row):
        row.volunteer_shifts = shifts
    else:
        new = new_session_version(db, actor, row)
        new.volunteer_shifts = shifts
        repo.retire_current(db, HubSession, row.record_id)
        db.add(new)
        finalise(db, new)
    audit(db, actor, "edit", "session", row.record_id, detail)


def _check_who(db: Session, actor: Actor, volunteer_id: str) -> Volunteer:
    if volunteer_id != actor.volunteer_id and not actor.is_coordinator:
        raise PermissionDenied("A volunteer can sign only themselves in and out. "
                               "Ask the coordinator to sign someone else.")
    volunteer = db.get(Volunteer, volunteer_id)
    if volunteer is None or not volunteer.active:
        raise ValidationError({"volunteer": "Choose a volunteer on this laptop."})
    return volunteer


def sign_in(db: Session, actor: Actor, session_id: str, volunteer_id: str) -> Changes:
    """Sign a volunteer in to an open session now (a volunteer signs only themselves)."""
    volunteer = _check_who(db, actor, volunteer_id)
    row = _require_open(db, session_id)
    shifts = [dict(shift) for shift in row.volunteer_shifts or []]
    if _signed_in_now(shifts, volunteer_id) is not None:
        raise ValidationError({"volunteer": f"{volunteer.display_name} is already signed in."})
    if len(shifts) >= MAX_SHIFTS:  # the wire's bound on a list field
        raise ValidationError({"volunteer": (
            f"This session already has {MAX_SHIFTS} sign-ins, as many as one session can keep. "
            "Open a new session for the rest of the day.")})
    shifts.append({"volunteer_id": volunteer_id, "signed_in_at": _iso(utc_now())})
    if volunteer_id not in row.volunteers_present:
        row.volunteers_present = [*row.volunteers_present, volunteer_id]
    _save_shifts(db, actor, row, shifts, "volunteer signed in")
    return Changes().add("session", session_id)


def sign_out(db: Session, actor: Actor, session_id: str, volunteer_id: str) -> Changes:
    """Sign a volunteer out of a session (open, or closed since) at the time it applies."""
    volunteer = _check_who(db, actor, volunteer_id)
    row = _current(db, session_id)
    shifts = [dict(shift) for shift in row.volunteer_shifts or []]
    index = _signed_in_now(shifts, volunteer_id)
    if index is None:
        raise ValidationError({"volunteer": f"{volunteer.display_name} is not signed in."})
    _close_shift(db, row, shifts[index])
    _save_shifts(db, actor, row, shifts, "volunteer signed out")
    return Changes().add("session", session_id)


def _close_shift(db: Session, row: HubSession, shift: dict[str, Any],
                 at: datetime | None = None) -> None:
    """Sign out at ``at``, else now; for a session of an earlier day, at its end (or that
    day's end): a volunteer forgotten overnight does not earn the night's hours."""
    out = at or utc_now()
    zone = hub_time_zone(db)
    if at is None and row.session_date < hub_today(zone):
        out = min(out, row.ended_at or day_bounds_utc(row.session_date, zone=zone)[1])
    shift["signed_out_at"] = _iso(max(out, datetime.fromisoformat(shift["signed_in_at"])))


def open_shift_count(row: HubSession) -> int:
    """How many volunteers are still signed in to this session."""
    return sum(1 for shift in row.volunteer_shifts or [] if not shift.get("signed_out_at"))


def sign_out_all(db: Session, actor: Actor, session_ids: Sequence[str] | None = None,
                 at: datetime | None = None, *, day: date | None = None) -> Changes:
    """Sign out every volunteer still signed in to these sessions (or to every session of
    ``day``, the hub's day, today by default): the end-of-day handover calls it.
    Coordinators only.

    At ``at`` (naive UTC) when given; else now, or for a session of an earlier day at its
    end (see ``_close_shift``).  An open session is local working state and changes in
    place; a closed session was already finalised, so it gets a new version (naming its
    base) queued for upload.
    """
    require_coordinator(actor, "sign volunteers out")
    if session_ids is None:
        day = day or hub_today(hub_time_zone(db))
        session_ids = [row.record_id for row in repo.sessions_on(db, day)]
    changes = Changes()
    for session_id in session_ids:
        row = _current(db, session_id)
        still_in = open_shift_count(row)
        if not still_in:
            continue
        shifts = [dict(shift) for shift in row.volunteer_shifts or []]
        for shift in shifts:
            if not shift.get("signed_out_at"):
                _close_shift(db, row, shift, at)
        _save_shifts(db, actor, row, shifts,
                     f"{still_in} volunteer{'s' if still_in != 1 else ''} signed out")
        changes.add("session", session_id)
    return changes
