"""Where and by whom each listed visit was recorded (today's list shows it per row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hubdesk.store import repositories as repo


@dataclass(frozen=True)
class VisitPlace:
    venue: str
    session_type: str
    volunteer: str


def places_of(db: Session, visit_ids: Sequence[str]) -> dict[str, VisitPlace]:
    """Visit id -> venue, session type and the volunteer who recorded it."""
    return {visit_id: VisitPlace(*place) for visit_id, place in repo.visit_places(db, visit_ids).items()}
