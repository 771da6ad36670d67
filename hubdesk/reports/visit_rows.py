"""``export-visits``: one anonymous row per visit, the raw data behind §8.

Columns (DESIGN §8): visit_id, date, venue, session_type, contact_mode,
referral_source, age_band, sex, first_visit, visitor_code, topics (codes joined
by ";") and signposts ("kind:category:organisation" joined by ";"). Never names,
contacts, notes or free text. Rows are streamed, not held in memory.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from hubdesk.core.days import day_bounds_utc, local_day
from hubdesk.core.errors import UserFacingError
from hubdesk.reports.export import check_target
from hubdesk.reports.laptop import require_coordinator
from hubdesk.reports.laptop_sources import hub_time_zone
from hubdesk.services.common import Actor, audit
from hubdesk.store.models import HubSession, Service, SignpostingOutcome, Venue, Visit

VISIT_COLUMNS = ["visit_id", "date", "venue", "session_type", "contact_mode", "referral_source",
                 "age_band", "sex", "first_visit", "visitor_code", "topics", "signposts"]
_STREAM = 2000


def export_visits(db: Session, actor: Actor, first: date, last: date, out: str | Path) -> int:
    """Write the visits of local days ``first``..``last``; returns how many."""
    require_coordinator(actor)
    if last < first:
        raise UserFacingError("The period ends before it starts.")
    target = check_target(out, "csv")
    zone = hub_time_zone(db)
    start, end = day_bounds_utc(first, last, zone)
    in_period = [Visit.is_current == true(), Visit.deleted.is_not(True),
                 Visit.visited_at >= start, Visit.visited_at < end]
    signposts: dict[str, list[str]] = {}
    outcome_rows = db.execute(
        select(SignpostingOutcome.visit_id, SignpostingOutcome.kind, Service.categories,
               Service.organisation)
        .join(Visit, Visit.record_id == SignpostingOutcome.visit_id)
        .outerjoin(Service, Service.id == SignpostingOutcome.service_id)
        .where(SignpostingOutcome.is_current == true(), SignpostingOutcome.deleted.is_not(True),
               *in_period)
        .order_by(SignpostingOutcome.visit_id, SignpostingOutcome.record_id))
    for visit_id, kind, categories, organisation in outcome_rows:
        category = (categories or [""])[0]
        signposts.setdefault(visit_id, []).append(f"{kind}:{category}:{organisation or ''}")
    sessions = (select(HubSession.record_id, HubSession.session_type, HubSession.venue_id)
                .where(HubSession.is_current == true()).subquery())
    rows = db.execute(
        select(Visit.record_id, Visit.visited_at, Venue.name, sessions.c.session_type,
               Visit.contact_mode, Visit.referral_source, Visit.age_band, Visit.sex,
               Visit.first_visit, Visit.visitor_code, Visit.topics)
        .outerjoin(sessions, sessions.c.record_id == Visit.session_id)
        .outerjoin(Venue, Venue.id == sessions.c.venue_id)
        .where(*in_period).order_by(Visit.visited_at, Visit.record_id)
        .execution_options(yield_per=_STREAM))
    written = 0
    try:
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(VISIT_COLUMNS)
            for (record_id, visited_at, venue, session_type, contact_mode, source, age_band, sex,
                 first_visit, code, topics) in rows:
                writer.writerow([
                    record_id, local_day(visited_at, zone).isoformat(), venue or "",
                    session_type or "", contact_mode, source or "", age_band, sex,
                    "" if first_visit is None else ("yes" if first_visit else "no"), code or "",
                    ";".join(topics or []), ";".join(signposts.get(record_id, [])),
                ])
                written += 1
    except OSError as error:
        raise UserFacingError(f"Could not write {target}: {error.strerror or error}") from error
    audit(db, actor, "export", "visit", "", f"{written} visits, {first}..{last}, csv")
    return written
