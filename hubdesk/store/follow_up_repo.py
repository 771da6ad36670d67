"""Queries behind the coordinator's follow-up list (every query lives in store/).

The list must stay fast at 100k visits (``bench/follow_ups.py``): it reads columns,
never ORM objects, and its filters use ``ix_follow_ups_due`` (is_current, done,
due_date).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

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
    """Current follow-ups that are done (newest due date first) or still to do (oldest
    due date first), with the visit's day and venue.  No personal data is read here."""
    order = FollowUp.due_date.desc() if done else FollowUp.due_date.asc()
    visit_id = func.coalesce(FollowUp.visit_id, SignpostingOutcome.visit_id).label("visit_key")
    query = (
        select(FollowUp.record_id, FollowUp.version, FollowUp.due_date, FollowUp.method,
               FollowUp.attempts, FollowUp.result, FollowUp.done, FollowUp.outcome_id,
               visit_id, Visit.visited_at, Venue.name.label("venue_name"),
               HubSession.session_type)
        .outerjoin(SignpostingOutcome, and_(SignpostingOutcome.record_id == FollowUp.outcome_id,
                                            SignpostingOutcome.is_current))
        .outerjoin(Visit, and_(Visit.record_id == func.coalesce(FollowUp.visit_id,
                                                                SignpostingOutcome.visit_id),
                               Visit.is_current))
        .outerjoin(HubSession, and_(HubSession.record_id == Visit.session_id,
                                    HubSession.is_current))
        .outerjoin(Venue, Venue.id == HubSession.venue_id)
        .where(FollowUp.is_current, FollowUp.done == done, ~FollowUp.deleted)
        .order_by(order, FollowUp.row_id)
        .limit(limit)
    )
    return db.execute(query).all()


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


def visit_ids_with_identity(db: Session, visit_ids: Sequence[str]) -> set[str]:
    """Which of these visits name a person (without reading who)."""
    if not visit_ids:
        return set()
    return set(db.scalars(select(Visit.record_id).where(
        Visit.record_id.in_(list(visit_ids)), Visit.is_current, Visit.person_id.is_not(None))))
