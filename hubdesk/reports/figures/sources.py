"""What each side hands the report definition: one selectable per record kind.

Every selectable holds the latest version of each record, without deleted
records (a deletion is a mistake undone) but with erased ones (they still count
in anonymous totals). Column names are the contract below; types are plain
SQL (text codes, booleans, naive UTC datetimes, dates, integers).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import FromClause


@dataclass(frozen=True)
class ReportSources:
    """Selectables, by the columns each must offer.

    * ``visits``: record_id, hub_id, venue_id, visited_at, contact_mode,
      referral_source, age_band, sex, first_visit, visitor_code, safeguarding, created_by
    * ``visit_topics``: visit_id, topic (one row per topic raised)
    * ``sessions``: record_id, hub_id, venue_id, session_type, started_at, headcount
    * ``session_activities``: session_id, attendance, attendance_0_17
    * ``session_shifts``: session_id, volunteer_id, minutes (NULL until signed out)
    * ``conversations``: visit_id, topic, furthest_step, response, action
    * ``outcomes``: visit_id, service_id, kind, status
    * ``follow_ups``: visit_id (the outcome's visit when the follow-up names only
      an outcome), due_date, done
    * ``services``: id, organisation
    * ``service_categories``: service_id, category
    * ``hubs``: id, district
    * ``alerts`` (optional, the laptop's): visit_id, acknowledged
    """

    visits: FromClause
    visit_topics: FromClause
    sessions: FromClause
    session_activities: FromClause
    session_shifts: FromClause
    conversations: FromClause
    outcomes: FromClause
    follow_ups: FromClause
    services: FromClause
    service_categories: FromClause
    hubs: FromClause
    alerts: FromClause | None = None
