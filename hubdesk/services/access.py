"""Who may see which records (DESIGN §9), enforced here rather than only hidden in the UI.

- A volunteer sees and edits the records of the session that is open; a
  coordinator sees every record on the laptop.
- The visit note is restricted: coordinators only.  A volunteer's edit keeps the
  note the visit already had (they never saw it, so they cannot have meant to
  change it).
- Opening a visit that carries identifying details (a name or contact) is a
  ``view`` audit event.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from hubdesk.core.errors import NotFoundError
from hubdesk.services.common import Actor, Changes, PermissionDenied, audit
from hubdesk.services.visits import VisitForm, VisitRow, edit_visit, get_visit_form, list_visits
from hubdesk.store import repositories as repo
from hubdesk.store.models import Visit


def _open_session_ids(db: Session) -> set[str]:
    return {s.record_id for s in repo.open_sessions(db)}


def _check_may_see(db: Session, actor: Actor, visit_id: str) -> Visit:
    visit = repo.current_version(db, Visit, visit_id)
    if visit is None or visit.deleted:
        raise NotFoundError("That visit no longer exists.")
    if not actor.is_coordinator and visit.session_id not in _open_session_ids(db):
        raise PermissionDenied("A volunteer can open the visits of the session that is open.",
                               hint="Ask the coordinator to look at older visits.")
    return visit


def open_visit(db: Session, actor: Actor, visit_id: str) -> VisitForm:
    """The visit as a form for ``actor``: the note blanked for a volunteer; audited as a
    view when it shows identifying details."""
    _check_may_see(db, actor, visit_id)
    form = get_visit_form(db, visit_id)
    if not actor.is_coordinator:
        form = replace(form, note="")
    if form.has_identity:
        audit(db, actor, "view", "visit", visit_id, "identifying details")
    return form


def save_visit_edit(db: Session, actor: Actor, visit_id: str, form: VisitForm, *,
                    base_version: int) -> Changes:
    """Save an edit as ``actor`` on ``base_version`` (``visits.edit_visit``); the note is
    kept as it is now when a volunteer edits."""
    _check_may_see(db, actor, visit_id)
    if not actor.is_coordinator:
        form = replace(form, note=get_visit_form(db, visit_id).note)
    return edit_visit(db, actor, visit_id, form, base_version=base_version)


def visible_visits(db: Session, actor: Actor | None, day: date | None = None, *, text: str = "",
                   topic: str | None = None) -> list[VisitRow]:
    """The day's visits ``actor`` may see (a volunteer: the open session's only)."""
    rows = list_visits(db, day, text=text, topic=topic)
    if actor is not None and actor.is_coordinator:
        return rows
    allowed = _open_session_ids(db)
    return [row for row in rows if row.session_id in allowed]
