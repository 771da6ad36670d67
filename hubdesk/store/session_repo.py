"""Queries behind the past-sessions screen (every query lives in store/)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from hubdesk.store.models import HubSession, Venue, Visit


def past_session_rows(db: Session, *, limit: int) -> Sequence[Any]:
    """Current sessions, newest day first, with their venue's name and visit count."""
    visits = (select(Visit.session_id, func.count().label("visits"))
              .where(Visit.is_current, ~Visit.deleted)
              .group_by(Visit.session_id).subquery("visit_counts"))
    return db.execute(
        select(HubSession.record_id, HubSession.version, HubSession.session_date,
               HubSession.session_type, HubSession.status, HubSession.started_at,
               HubSession.headcount, Venue.name.label("venue_name"),
               func.coalesce(visits.c.visits, 0).label("visits"))
        .outerjoin(Venue, Venue.id == HubSession.venue_id)
        .outerjoin(visits, visits.c.session_id == HubSession.record_id)
        .where(and_(HubSession.is_current, ~HubSession.deleted))
        .order_by(HubSession.session_date.desc(), HubSession.started_at.desc())
        .limit(limit)
    ).all()
