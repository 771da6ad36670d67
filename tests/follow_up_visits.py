"""Visits with a planned follow-up, recorded through the real services (shared by the
follow-up tests: unit, GUI and the real-server sync test)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hubdesk.services import visits
from hubdesk.services.common import Actor
from hubdesk.services.visits import AgreementAnswer, SignpostAnswer, TopicAnswer, VisitForm
from hubdesk.store.models import FollowUp, Service

CONTACT = "07700 900123"
NAME = "Rosalind"


def record_follow_up_visit(db: Session, actor: Actor, session_id: str, due: date, *,
                           services: int = 1, name: str = NAME, contact: str = CONTACT) -> str:
    """A visit whose person agreed to a follow-up on ``due``, signposted to ``services``
    services; returns the follow-up's record id."""
    service_ids = list(db.scalars(select(Service.id).where(Service.status == "active")
                                  .order_by(Service.name).limit(services)))
    assert len(service_ids) == services, "the sample directory is not loaded"
    form = VisitForm(
        contact_mode="walk_in", age_band="65_74", sex="female",
        topics=[TopicAnswer("food", "assist", "brief", "intends_service", "signposted")],
        signposts=[SignpostAnswer(service_id, "signpost", "food") for service_id in service_ids],
        agreements=[AgreementAnswer("follow_up", True)],
        preferred_name=name, contact=contact, follow_up_due=due)
    visit_id = visits.record_visit(db, actor, session_id, form).primary_id
    return db.scalars(select(FollowUp.record_id).where(FollowUp.visit_id == visit_id)).one()
