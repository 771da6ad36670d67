"""Queries behind the coordinator's follow-up list (every query lives in store/).

The list must stay fast at 100k visits (``bench/follow_ups.py``): it reads columns,
never ORM objects, and its filters use ``ix_follow_ups_due`` (is_current, done,
due_date).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from hubdesk.store.models import (
    Agreement,
    FollowUp,
    HubSession,
    Person,
    Service,
    SignpostingOutcome,
    Venue,
    Visit,
)


def follow_up_rows(db: Session, *, done: bool, limit: int) -> Sequence[Any]:
    """Current follow-ups that are done (latest due date first) or still to do (oldest
    due date first), each with its visit's id (its own, or its outcome's).  No personal
    data is read here; places come from :func:`follow_up_visits` (IN queries: joining on
    an either-or visit id would defeat the index and scan every visit per row)."""
    order = FollowUp.due_date.desc() if done else FollowUp.due_date.asc()
    query = (
        select(FollowUp.record_id, FollowUp.version, FollowUp.due_date, FollowUp.method,
               FollowUp.attempts, FollowUp.result, FollowUp.done, FollowUp.outcome_id,
               func.coalesce(FollowUp.visit_id, SignpostingOutcome.visit_id).label("visit_key"))
        .outerjoin(SignpostingOutcome, and_(SignpostingOutcome.record_id == FollowUp.outcome_id,
                                            SignpostingOutcome.is_current))
        .where(FollowUp.is_current, FollowUp.done == done, ~FollowUp.deleted)
        .order_by(order)  # ties: in row order, as the index holds them (no sort step)
        .limit(limit)
    )
    return db.execute(query).all()


class FollowUpVisit(NamedTuple):
    visited_at: datetime
    venue: str
    session_type: str
    names_a_person: bool  # the visit keeps identifying details (never read here)


def follow_up_visits(db: Session, visit_ids: Sequence[str]) -> dict[str, FollowUpVisit]:
    """Visit id -> when, where, and whether it names a person, for these visits.

    Looked up by record id, the current version picked here: with ``is_current = 1`` in
    the WHERE, SQLite prefers the is_current index and walks every current visit (or
    session) for each id (over a second at 100k visits)."""
    if not visit_ids:
        return {}
    visits = {row.record_id: row for row in db.execute(
        select(Visit.record_id, Visit.is_current, Visit.visited_at, Visit.session_id,
               Visit.person_id.is_not(None).label("named"))
        .where(Visit.record_id.in_(list(visit_ids)))) if row.is_current}
    sessions = {row.record_id: row for row in db.execute(
        select(HubSession.record_id, HubSession.is_current, HubSession.venue_id,
               HubSession.session_type)
        .where(HubSession.record_id.in_({v.session_id for v in visits.values()})))
        if row.is_current}
    venues = dict(db.execute(select(Venue.id, Venue.name).where(
        Venue.id.in_({s.venue_id for s in sessions.values()}))).tuples().all())
    found: dict[str, FollowUpVisit] = {}
    for visit_id, visit in visits.items():
        session = sessions.get(visit.session_id)
        found[visit_id] = FollowUpVisit(
            visit.visited_at, venues.get(session.venue_id, "") if session else "",
            session.session_type if session else "", bool(visit.named))
    return found


def count_follow_ups_due(db: Session, today: date) -> int:
    """Follow-ups not done whose due date is today or earlier (overdue included)."""
    return db.scalar(
        select(func.count()).select_from(FollowUp)
        .where(FollowUp.is_current, FollowUp.done.is_(False), ~FollowUp.deleted,
               FollowUp.due_date <= today)) or 0


def signposts_of_visits(db: Session, visit_ids: Sequence[str]) -> Sequence[Any]:
    """(visit id, outcome id, version, kind, status, service name) of the current signposts
    of these visits."""
    if not visit_ids:
        return []
    return db.execute(
        select(SignpostingOutcome.visit_id, SignpostingOutcome.record_id,
               SignpostingOutcome.version, SignpostingOutcome.kind, SignpostingOutcome.status,
               func.coalesce(Service.name, "A service no longer in the directory"))
        .outerjoin(Service, Service.id == SignpostingOutcome.service_id)
        .where(SignpostingOutcome.visit_id.in_(list(visit_ids)), SignpostingOutcome.is_current,
               ~SignpostingOutcome.deleted)
        .order_by(SignpostingOutcome.row_id)
    ).all()


def follow_up_agreement_stands(db: Session, visit_id: str) -> bool:
    """The person's agreement to be contacted for a follow-up is given and not withdrawn."""
    return bool(db.scalar(
        select(func.count()).select_from(Agreement)
        .where(Agreement.visit_id == visit_id, Agreement.is_current, ~Agreement.deleted,
               Agreement.purpose == "follow_up", Agreement.given.is_(True),
               Agreement.withdrawn_at.is_(None))))


def visit_person(db: Session, visit_id: str) -> Person | None:
    """The current, not erased, person named on a visit (None when anonymous)."""
    person_id = db.scalar(select(Visit.person_id).where(Visit.record_id == visit_id,
                                                        Visit.is_current))
    if not person_id:
        return None
    return db.scalar(select(Person).where(Person.record_id == person_id, Person.is_current,
                                          ~Person.deleted))
