"""Exports of visit records: anonymous rows only (no names, contacts or notes)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from hubdesk.core.clock import to_local
from hubdesk.core.errors import UserFacingError
from hubdesk.core.vocab import vocabularies
from hubdesk.services.common import Actor, audit, require_coordinator
from hubdesk.store import repositories as repo
from hubdesk.store.models import HubSession, Venue

COLUMNS = [
    "visit_id", "version", "date", "time", "session_type", "venue", "contact_mode", "referral_source",
    "age_band", "age_band_reported", "sex", "postcode_district", "first_visit", "topics", "signposts",
]


def export_visits(db: Session, actor: Actor, date_from: date, date_to: date, fmt: str, out: str) -> int:
    """Write current visits dated ``date_from``..``date_to`` (local days, inclusive).
    Coordinators only (DESIGN §9: reports are theirs)."""
    require_coordinator(actor, "export reports")
    if fmt != "csv":
        raise UserFacingError(
            f"Export to {fmt.upper()} is not available yet.", hint="Use --format csv for now."
        )
    target = Path(out)
    if not target.parent.exists():
        raise UserFacingError(f"The folder {target.parent} does not exist.")
    vocab = vocabularies()
    start, _ = repo.day_bounds(date_from, 0)
    _, end = repo.day_bounds(date_to, 0)
    visits = repo.visits_between(db, start, end, limit=10_000_000)
    signposts: dict[str, int] = {}
    for outcome in repo.outcomes_for(db, [v.record_id for v in visits]):
        signposts[outcome.visit_id] = signposts.get(outcome.visit_id, 0) + 1
    session_cache: dict[str, tuple[str, str]] = {}
    rollup = vocab.age_band_rollup
    written = 0
    try:
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for visit in sorted(visits, key=lambda v: v.visited_at):
                local = to_local(visit.visited_at, visit.utc_offset_min)
                if not date_from <= local.date() <= date_to:
                    continue
                if visit.session_id not in session_cache:
                    session = repo.current_version(db, HubSession, visit.session_id)
                    venue = db.get(Venue, session.venue_id) if session else None
                    session_cache[visit.session_id] = (
                        session.session_type if session else "", venue.name if venue else "")
                session_type, venue_name = session_cache[visit.session_id]
                writer.writerow([
                    visit.record_id, visit.version, local.date().isoformat(), local.strftime("%H:%M"),
                    session_type, venue_name, visit.contact_mode, visit.referral_source or "",
                    visit.age_band, rollup.get(visit.age_band, ""), visit.sex,
                    visit.postcode_district or "",
                    "" if visit.first_visit is None else ("yes" if visit.first_visit else "no"),
                    ";".join(visit.topics), signposts.get(visit.record_id, 0),
                ])
                written += 1
    except OSError as error:
        raise UserFacingError(f"Could not write {target}: {error.strerror or error}") from error
    audit(db, actor, "export", "visit", "", f"{written} visits, {date_from}..{date_to}, {fmt}")
    return written
