"""The §8 report over this laptop's store (coordinators only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from hubdesk.core.days import hub_today
from hubdesk.core.errors import UserFacingError
from hubdesk.reports.figures import Period, Scope, compute_reports
from hubdesk.reports.laptop_rollup import rollup_figures
from hubdesk.reports.laptop_sources import hub_time_zone, laptop_sources
from hubdesk.services import common
from hubdesk.services.common import Actor, audit
from hubdesk.store import repositories as repo
from hubdesk.store.models import Hub, Venue


@dataclass(frozen=True)
class LaptopReport:
    """The figures of one report, and what they cover (in words for the screen)."""

    figures: dict[str, Any]
    first: date
    last: date
    zone: str
    hub_name: str
    venue_name: str | None
    venue_id: str | None = None

    def title(self) -> str:
        where = self.venue_name or self.hub_name or "This laptop"
        return f"{where}: {self.first:%d %B %Y} to {self.last:%d %B %Y}"


def require_coordinator(actor: Actor) -> None:
    common.require_coordinator(actor, "see reports")


def laptop_report(db: Session, actor: Actor, first: date, last: date,
                  venue_id: str | None = None, rollup: bool = True) -> LaptopReport:
    """Every §8 figure for local days ``first``..``last`` (and one venue, if given).

    The visit-based figures come from the daily roll-up; ``rollup=False`` computes
    them from the rows instead (the reference the roll-up is tested against)."""
    require_coordinator(actor)
    if last < first:
        raise UserFacingError("The period ends before it starts.",
                              hint="Pick an end date on or after the start date.")
    zone = hub_time_zone(db)
    period = Period(first, last, zone)
    figures = rollup_figures(db, period, venue_id) if rollup else compute_reports(
        db, laptop_sources(with_venue=venue_id is not None), period,
        Scope(venue_id=venue_id))["all"]
    state = repo.device_state(db)
    hub = db.get(Hub, state.hub_id) if state and state.hub_id else None
    venue = db.get(Venue, venue_id) if venue_id else None
    audit(db, actor, "view", "report", "", f"report {first}..{last}")
    return LaptopReport(figures, first, last, zone, hub.name if hub else "",
                        venue.name if venue else None, venue_id)


@dataclass(frozen=True)
class ReportChoices:
    """What the Reports screen offers: the hub's venues and its today."""

    venues: list[tuple[str, str]]  # (id, name)
    today: date
    zone: str


def report_choices(db: Session, actor: Actor) -> ReportChoices:
    require_coordinator(actor)
    zone = hub_time_zone(db)
    venues = [(venue.id, venue.name) for venue in repo.venues(db)]
    return ReportChoices(sorted(venues, key=lambda v: v[1].lower()), hub_today(zone), zone)
