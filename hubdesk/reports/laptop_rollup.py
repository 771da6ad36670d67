"""The §8 figures on a laptop from the daily roll-up (issue 11).

The roll-up (``store.rollup_models``) holds, per venue and local day, the additive
counts of the visit-based figures and the exact sets of visitor codes and volunteers
(``reports.figures.daily``). Database triggers note every visit time a write touches;
a report first recomputes those days, in its own transaction, then reads a few
thousand roll-up rows instead of every visit. Sessions, follow-ups and alerts are few
and come from their rows (``figures.definition``), which stays the reference.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, true
from sqlalchemy.orm import Session

from hubdesk.core.days import local_day
from hubdesk.reports.figures import Period, Scope, compute_reports, merge_reports
from hubdesk.reports.figures.daily import (
    ALL,
    DailyTables,
    add_services,
    daily_count_rows,
    daily_visitor_rows,
    daily_volunteer_rows,
    reports_from_daily,
    volunteer_pairs_from_daily,
)
from hubdesk.reports.figures.definition import volunteer_pairs
from hubdesk.reports.figures.shape import empty_report
from hubdesk.reports.laptop_sources import laptop_sources
from hubdesk.store import repositories as repo
from hubdesk.store.models import Service, Visit
from hubdesk.store.rollup_models import (
    DAILY_COUNTS,
    DAILY_VISITORS,
    DAILY_VOLUNTEERS,
    DIRTY_TIMES,
)

DAILY = DailyTables(DAILY_COUNTS, DAILY_VISITORS, DAILY_VOLUNTEERS, place="venue_id")
ROLLUP_ZONE_SETTING = "report_rollup_zone"
RUN_DAYS = 92  # days recomputed by one set of statements (the day CASE grows with it)
ROW_PARTS = ("alerts", "follow_ups", "sessions")


def rollup_figures(db: Session, period: Period, venue_id: str | None) -> dict[str, Any]:
    """Every §8 figure for ``period`` (and one venue), the roll-up brought up to date
    first. Equal to ``compute_reports(...)["all"]`` (tested)."""
    assert period.zone is not None
    bring_up_to_date(db, period.zone)
    places = None if venue_id is None else [venue_id]
    from_days = reports_from_daily(db, DAILY, period, places, combined=True)
    organisation: dict[str, str] = {}
    categories: dict[str, list[str]] = {}
    for service_id, name, listed in db.execute(select(Service.id, Service.organisation,
                                                      Service.categories)):
        organisation[service_id] = name
        categories[service_id] = [c for c in listed or [] if isinstance(c, str)]
    add_services(from_days.values(), organisation, categories)
    sources = laptop_sources(with_venue=venue_id is not None)
    scope = Scope(venue_id=venue_id)
    from_rows = compute_reports(db, sources, period, scope, with_volunteers=False,
                                only=ROW_PARTS)[ALL]
    report = merge_reports([from_days.get(ALL) or empty_report(), from_rows])
    people = {volunteer for _, volunteer in
              volunteer_pairs_from_daily(db, DAILY, period, places, combined=True)}
    people.update(volunteer for _, volunteer in
                  volunteer_pairs(db, sources, period, scope, group="all", with_visits=False))
    report["volunteers"] = len(people)
    return report


def bring_up_to_date(db: Session, zone: str) -> None:
    """Recompute the days the triggers noted (everything when the hub's zone changed)."""
    if repo.get_setting(db, ROLLUP_ZONE_SETTING) != zone:
        rebuild(db, zone)
        return
    times = db.execute(select(DIRTY_TIMES.c.at).distinct()).scalars().all()
    if not times:
        return
    days = sorted({local_day(at, zone) for at in times if at is not None})
    runs: list[list[date]] = []
    for day in days:
        if runs and (day - runs[-1][-1]).days == 1 and len(runs[-1]) < RUN_DAYS:
            runs[-1].append(day)
        else:
            runs.append([day])
    fresh = [row for run in runs for row in _rows(db, zone, run[0], run[-1])]
    for run in runs:
        for table in (DAILY_COUNTS, DAILY_VISITORS, DAILY_VOLUNTEERS):
            db.execute(delete(table).where(table.c.day >= run[0], table.c.day <= run[-1]))
    _write(db, fresh)
    db.execute(delete(DIRTY_TIMES))


def rebuild(db: Session, zone: str) -> None:
    """The whole roll-up again from the records (first use, a new zone)."""
    earliest, latest = db.execute(select(func.min(Visit.visited_at), func.max(Visit.visited_at))
                                  .where(Visit.is_current == true())).one()
    fresh: list[tuple[Table, dict[str, Any]]] = []
    if earliest is not None:
        day, end = local_day(earliest, zone), local_day(latest, zone)
        while day <= end:
            last = min(end, day + timedelta(days=RUN_DAYS - 1))
            fresh += _rows(db, zone, day, last)
            day = last + timedelta(days=1)
    for table in (DAILY_COUNTS, DAILY_VISITORS, DAILY_VOLUNTEERS, DIRTY_TIMES):
        db.execute(delete(table))
    _write(db, fresh)
    repo.put_setting(db, ROLLUP_ZONE_SETTING, zone)
    db.flush()


def _rows(db: Session, zone: str, first: date, last: date) -> list[tuple[Table, dict[str, Any]]]:
    """The days' roll-up rows. All are read before any is written: SQLite (SQLCipher) ran
    these grouped selects ten times slower once the transaction had written."""
    sources = laptop_sources(with_venue=True)
    place = DAILY.place
    wanted: list[tuple[Table, list[str], Any]] = [
        (DAILY_COUNTS, [place, "day", "figure", "code", "count"], statement)
        for statement in daily_count_rows(sources, first, last, zone, None, place)]
    wanted.append((DAILY_VISITORS, [place, "day", "visitor_code"],
                   daily_visitor_rows(sources, first, last, zone, None, place)))
    wanted.append((DAILY_VOLUNTEERS, [place, "day", "volunteer_id"],
                   daily_volunteer_rows(sources, first, last, zone, None, place)))
    return [(table, dict(zip(columns, row, strict=True)))
            for table, columns, statement in wanted for row in db.execute(statement)]


def _write(db: Session, rows: list[tuple[Table, dict[str, Any]]]) -> None:
    for table in (DAILY_COUNTS, DAILY_VISITORS, DAILY_VOLUNTEERS):
        values = [row for target, row in rows if target is table]
        if values:
            db.execute(insert(table), values)
