"""The laptop's side of the report definition: the store's tables as ReportSources.

The store is SQLite (SQLCipher), so JSON lists (topics, activities, shifts,
service categories) are opened with ``json_each``. Only current, not deleted
versions are offered; erased records stay (their anonymous fields remain).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, null, select, true
from sqlalchemy.orm import Session

from hubdesk.core.days import DEFAULT_TIME_ZONE, TIME_ZONE_SETTING
from hubdesk.reports.figures import ReportSources
from hubdesk.store import repositories as repo
from hubdesk.store.models import (
    Alert,
    Conversation,
    FollowUp,
    Hub,
    HubSession,
    Service,
    SignpostingOutcome,
    Visit,
)

MINUTES_PER_DAY = 1440


def hub_time_zone(db: Session) -> str:
    """The hub's IANA zone from the laptop's settings (default Europe/London)."""
    return str(repo.get_setting(db, TIME_ZONE_SETTING, DEFAULT_TIME_ZONE) or DEFAULT_TIME_ZONE)


def _current(model: Any) -> list[Any]:
    return [model.is_current == true(), model.deleted.is_not(True)]


def _json_items(column: Any) -> Any:
    return func.json_each(column).table_valued("value")


def laptop_sources(with_venue: bool = False) -> ReportSources:
    """The store's tables as report sources. A laptop serves one hub, so a visit's hub
    is its session's only when narrowing to a venue needs the join (``with_venue``)."""
    sessions = (select(HubSession.record_id, HubSession.hub_id, HubSession.venue_id,
                       HubSession.session_type, HubSession.started_at, HubSession.headcount)
                .where(*_current(HubSession)).subquery("sessions_now"))
    columns = [Visit.record_id, Visit.visited_at, Visit.contact_mode, Visit.referral_source,
               Visit.age_band, Visit.sex, Visit.first_visit, Visit.visitor_code,
               Visit.safeguarding, Visit.created_by]
    if with_venue:
        visits = (select(*columns, sessions.c.hub_id, sessions.c.venue_id)
                  .outerjoin(sessions, sessions.c.record_id == Visit.session_id)
                  .where(*_current(Visit)).subquery("visits_now"))
    else:
        visits = (select(*columns, null().label("hub_id"), null().label("venue_id"))
                  .where(*_current(Visit)).subquery("visits_now"))
    topic = _json_items(Visit.topics)
    visit_topics = (select(Visit.record_id.label("visit_id"), topic.c.value.label("topic"))
                    .join(topic, true()).where(*_current(Visit)).subquery("visit_topics"))
    activity = _json_items(HubSession.activities)
    activities = (select(HubSession.record_id.label("session_id"),
                         func.coalesce(func.json_extract(activity.c.value, "$.attendance"), 0)
                         .label("attendance"),
                         func.coalesce(func.json_extract(activity.c.value, "$.attendance_under_18"),
                                       0).label("attendance_0_17"))
                  .join(activity, true()).where(*_current(HubSession)).subquery("activities"))
    shift = _json_items(HubSession.volunteer_shifts)
    signed_in = func.julianday(func.json_extract(shift.c.value, "$.signed_in_at"))
    signed_out = func.julianday(func.json_extract(shift.c.value, "$.signed_out_at"))
    shifts = (select(HubSession.record_id.label("session_id"),
                     func.json_extract(shift.c.value, "$.volunteer_id").label("volunteer_id"),
                     ((signed_out - signed_in) * MINUTES_PER_DAY).label("minutes"))
              .join(shift, true()).where(*_current(HubSession)).subquery("shifts"))
    outcomes = _select_current(SignpostingOutcome, "visit_id", "service_id", "kind", "status",
                               extra=[SignpostingOutcome.record_id]).subquery("outcomes_now")
    follow_ups = (select(func.coalesce(FollowUp.visit_id, outcomes.c.visit_id).label("visit_id"),
                         FollowUp.due_date, FollowUp.done)
                  .outerjoin(outcomes, outcomes.c.record_id == FollowUp.outcome_id)
                  .where(*_current(FollowUp)).subquery("follow_ups_now"))
    category = _json_items(Service.categories)
    return ReportSources(
        visits=visits,
        visit_topics=visit_topics,
        sessions=sessions,
        session_activities=activities,
        session_shifts=shifts,
        conversations=_select_current(Conversation, "visit_id", "topic", "furthest_step",
                                      "response", "action").subquery("conversations_now"),
        outcomes=outcomes,
        follow_ups=follow_ups,
        services=select(Service.id, Service.organisation).subquery("services_now"),
        service_categories=(select(Service.id.label("service_id"),
                                   category.c.value.label("category"))
                            .join(category, true()).subquery("service_categories")),
        hubs=select(Hub.id, Hub.district).subquery("hubs_now"),
        alerts=select(Alert.visit_id, (Alert.acknowledged_at.is_not(None)).label("acknowledged"))
        .subquery("alerts_now"),
    )


def _select_current(model: Any, *names: str, extra: list[Any] | None = None) -> Select[Any]:
    return select(*(extra or []), *(getattr(model, name) for name in names)).where(
        *_current(model))


