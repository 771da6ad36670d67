"""The server's side of the report definition: the report tables as ReportSources."""

from __future__ import annotations

from sqlalchemy import false, func, null, select

from hubdesk.reports.figures import ReportSources
from hubdesk.server.models import HUBS
from hubdesk.server.report_tables import (
    R_ACTIVITIES,
    R_CATEGORIES,
    R_CONVERSATIONS,
    R_FOLLOW_UPS,
    R_OUTCOMES,
    R_SERVICES,
    R_SESSIONS,
    R_SHIFTS,
    R_TOPICS,
    R_VISITS,
)


def server_sources(with_venue: bool = False) -> ReportSources:
    """Selectables over the report tables; ``with_venue`` joins each visit to its session
    (needed only to narrow a report to one venue)."""
    sessions = (select(R_SESSIONS.c.record_id, R_SESSIONS.c.hub_id, R_SESSIONS.c.venue_id,
                       R_SESSIONS.c.session_type, R_SESSIONS.c.started_at, R_SESSIONS.c.headcount)
                .where(R_SESSIONS.c.deleted == false()).subquery("sessions_now"))
    v = R_VISITS
    columns = [v.c.record_id, v.c.hub_id, v.c.visited_at, v.c.contact_mode, v.c.referral_source,
               v.c.age_band, v.c.sex, v.c.first_visit, v.c.visitor_code, v.c.safeguarding,
               v.c.created_by]
    if with_venue:
        visits = (select(*columns, sessions.c.venue_id)
                  .outerjoin(sessions, sessions.c.record_id == v.c.session_id))
    else:
        visits = select(*columns, null().label("venue_id"))
    visits_now = visits.where(v.c.deleted == false()).subquery("visits_now")
    outcomes = (select(R_OUTCOMES.c.record_id, R_OUTCOMES.c.visit_id, R_OUTCOMES.c.service_id,
                       R_OUTCOMES.c.kind, R_OUTCOMES.c.status)
                .where(R_OUTCOMES.c.deleted == false()).subquery("outcomes_now"))
    f = R_FOLLOW_UPS
    follow_ups_now = (select(func.coalesce(f.c.visit_id, outcomes.c.visit_id).label("visit_id"),
                             f.c.due_date, f.c.done)
                      .outerjoin(outcomes, outcomes.c.record_id == f.c.outcome_id)
                      .where(f.c.deleted == false()).subquery("follow_ups_now"))
    return ReportSources(
        visits=visits_now,
        visit_topics=R_TOPICS,
        sessions=sessions,
        session_activities=R_ACTIVITIES,
        session_shifts=R_SHIFTS,
        conversations=(select(R_CONVERSATIONS).where(R_CONVERSATIONS.c.deleted == false())
                       .subquery("conversations_now")),
        outcomes=outcomes,
        follow_ups=follow_ups_now,
        services=R_SERVICES,
        service_categories=R_CATEGORIES,
        hubs=HUBS,
    )
