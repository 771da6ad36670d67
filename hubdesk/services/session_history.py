"""Past sessions: the list by day (newest first), reopening one to correct it, closing
it again.

Reopening (coordinators only) makes version n+1 of the closed session with status
``open``: working state again, finalised when it is closed again (never changed in
place).  A session of an earlier day keeps the end time it had, so "Close again"
closes it at that time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import ValidationError
from hubdesk.core.vocab import vocabularies
from hubdesk.services import sessions
from hubdesk.services.common import Actor, Changes, audit, require_coordinator
from hubdesk.services.sessions import SessionSummary
from hubdesk.store import repositories as repo
from hubdesk.store import session_repo
from hubdesk.store.models import HubSession

LIST_LIMIT = 400


@dataclass(frozen=True)
class PastSessionRow:
    id: str
    session_date: date
    title: str  # "Lunch club, St Mary's Hall"
    status: str  # open / closed
    visits: int
    headcount: int

    @property
    def line(self) -> str:
        """"Tue 01 Dec 2026 · Lunch club, St Mary's Hall · 12 visits, 3 headcount"."""
        state = " · Open" if self.status == "open" else ""
        plural = "s" if self.visits != 1 else ""
        return (f"{self.session_date:%a %d %b %Y} · {self.title} · {self.visits} visit{plural}, "
                f"{self.headcount} without details{state}")


def list_past_sessions(db: Session, actor: Actor, limit: int = LIST_LIMIT) -> list[PastSessionRow]:
    """Every session on this laptop, newest day first (coordinators only)."""
    require_coordinator(actor, "look at past sessions")
    types = vocabularies().session_types
    return [PastSessionRow(
        id=row.record_id, session_date=row.session_date,
        title=", ".join(part for part in (types.label(row.session_type),
                                          row.venue_name or "Unknown venue") if part),
        status=row.status, visits=int(row.visits), headcount=row.headcount)
        for row in session_repo.past_session_rows(db, limit=limit)]


def reopen_session(db: Session, actor: Actor, session_id: str) -> Changes:
    """Open a closed session again to correct it: a new version, status open."""
    require_coordinator(actor, "reopen a session")
    row = repo.current_version(db, HubSession, session_id)
    if row is None or row.deleted:
        raise ValidationError({"session": "That session no longer exists."})
    if row.status == "open":
        raise ValidationError({"session": "This session is already open."})
    new = sessions.new_session_version(db, actor, row)
    new.status = "open"
    repo.retire_current(db, HubSession, session_id)
    db.add(new)
    db.flush()
    audit(db, actor, "edit", "session", session_id, f"reopened as version {new.version}")
    return Changes().add("session", session_id)


def close_again(db: Session, actor: Actor, session_id: str) -> Changes:
    """Close a reopened session again, at the end time it had (now, if it had none)."""
    require_coordinator(actor, "close a reopened session")
    row = repo.current_version(db, HubSession, session_id)
    if row is None or row.status != "open":
        raise ValidationError({"session": "That session is not open."})
    sessions.finish_session(db, actor, row, row.ended_at or utc_now())
    return Changes().add("session", session_id)


def summary(db: Session, actor: Actor, session_id: str) -> SessionSummary:
    """One session's summary (coordinators only, as the list is)."""
    require_coordinator(actor, "look at past sessions")
    return sessions.session_summary(db, session_id)
