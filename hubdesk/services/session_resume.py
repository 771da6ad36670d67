"""Which session a volunteer works in after unlocking: never chosen silently.

* exactly one session open today: it is resumed, and the UI says so
  ("Resumed: Lunch club, St Mary's Hall, opened 10:02 by Pat");
* several open today: the volunteer is asked which;
* a session left open from an earlier day never takes today's visits: a coordinator
  is shown it ("left open since Tuesday") to close with the time it really ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.days import day_words, hub_today
from hubdesk.core.errors import ValidationError
from hubdesk.services import sessions
from hubdesk.services.common import Actor, PermissionDenied
from hubdesk.services.sessions import SessionInfo, SessionSummary
from hubdesk.services.time_zone import hub_time_zone
from hubdesk.store import repositories as repo
from hubdesk.store.models import HubSession

#: within this many days a left-open session's day is named by its weekday
WEEKDAY_NAMES_WITHIN = 6


@dataclass(frozen=True)
class OpenOnUnlock:
    """What an unlock found.  ``resumed`` is set (and the volunteer joined it) only
    when exactly one session is open today; ``to_choose`` lists several."""

    today: date
    resumed: SessionInfo | None
    to_choose: tuple[SessionInfo, ...]
    left_open: tuple[SessionInfo, ...]  # from earlier days, oldest first


def open_on_unlock(db: Session, actor: Actor) -> OpenOnUnlock:
    today = hub_today(hub_time_zone(db))
    rows = list(repo.open_sessions(db))  # newest first
    current = tuple(sessions.session_info(db, r.record_id) for r in rows if r.session_date >= today)
    earlier = tuple(sessions.session_info(db, r.record_id)
                    for r in reversed(rows) if r.session_date < today)
    resumed = None
    if len(current) == 1:
        resumed = resume_session(db, actor, current[0].id)
    return OpenOnUnlock(today, resumed, current if len(current) > 1 else (), earlier)


def resume_session(db: Session, actor: Actor, session_id: str) -> SessionInfo:
    """Work in this open session of today (the volunteer is counted as present)."""
    row = _open_row(db, session_id)
    require_today(db, row)
    sessions.join_session(db, actor, session_id)
    return sessions.session_info(db, session_id)


def require_today(db: Session, row: HubSession) -> None:
    """A session from an earlier day takes no new visits (it was left open by mistake)."""
    if row.session_date < hub_today(hub_time_zone(db)):
        raise ValidationError({"session": (
            f"This session was left open since {day_words(row.session_date)}, so today's "
            "visits cannot go into it. Open today's session.")})


def close_left_open_session(db: Session, actor: Actor, session_id: str,
                            ended_at: time) -> SessionSummary:
    """Close a session from an earlier day with the hub's local time it really ended."""
    if not actor.is_coordinator:
        raise PermissionDenied("Only a coordinator can close a session left open.")
    row = _open_row(db, session_id)
    zone = hub_time_zone(db)
    ended_utc = (datetime.combine(row.session_date, ended_at, tzinfo=zone)
                 .astimezone(UTC).replace(tzinfo=None))
    if ended_utc <= row.started_at:
        opened = sessions.session_info(db, session_id).opened_at
        raise ValidationError({"ended_at": (
            f"The session opened at {opened:%H:%M}; give a time after that."
            if opened else "Give a time after the session opened.")})
    if ended_utc > utc_now():
        raise ValidationError({"ended_at": "That time has not come yet."})
    return sessions.finish_session(db, actor, row, ended_utc)


def resumed_text(info: SessionInfo) -> str:
    """"Resumed: Lunch club, St Mary's Hall, opened 10:02 by Pat"."""
    opened = f", {info.opened_text}" if info.opened_text else ""
    return f"Resumed: {info.title}{opened}"


def left_open_since(session_day: date, today: date) -> str:
    """"left open since Tuesday" (within a week), else "left open since 3 November"."""
    if 0 < (today - session_day).days <= WEEKDAY_NAMES_WITHIN:
        return f"left open since {session_day:%A}"
    return f"left open since {session_day.day} {session_day:%B}"


def _open_row(db: Session, session_id: str) -> HubSession:
    row = repo.current_version(db, HubSession, session_id)
    if row is None or row.status != "open":
        raise ValidationError({"session": "That session is no longer open."})
    return row
