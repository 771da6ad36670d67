"""Keeps the daily roll-up (``report_daily_*``) equal to the report tables it sums,
and its monthly level (``report_monthly_*``, see ``report_monthly``) equal to the days.

The refresh (``report_refresh``) notes which (hub, local day) pairs its changes touch:
the old and the new day of every visit version it applies, and the day of the visit
behind every conversation or signposting version, and, when the directory changes a
service's mental-health categories, the days of the visits signposted to it. Those
days, then their months, are recomputed in the same transaction, so a report
never sees a roll-up older than its rows. Days are local days in the county's zone;
when that setting changes, the whole roll-up is rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from hubdesk.core.days import DEFAULT_TIME_ZONE, TIME_ZONE_SETTING, local_day
from hubdesk.reports.figures.daily import (
    daily_count_rows,
    daily_visitor_rows,
    daily_volunteer_rows,
)
from hubdesk.server.models import SETTINGS
from hubdesk.server.report_monthly import MONTHLY_TABLES, months_between, recompute_months
from hubdesk.server.report_sources import server_sources
from hubdesk.server.report_tables import (
    R_DAILY_COUNTS,
    R_DAILY_VISITORS,
    R_DAILY_VOLUNTEERS,
    R_VISITS,
)

ROLLUP_ZONE_SETTING = "report_rollup_zone"
#: days recomputed by one set of statements (the day CASE grows with it)
RUN_DAYS = 92
_IN_LIMIT = 500


class DirtyDays:
    """(hub id, UTC time) pairs whose local days must be recomputed."""

    def __init__(self) -> None:
        self.times: set[tuple[str, datetime]] = set()
        self.visit_ids: set[str] = set()

    def add_times(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        self.times.update((str(hub), at) for hub, at in pairs if hub is not None and at)

    def add_visits(self, conn: Connection, visit_ids: Iterable[str | None]) -> None:
        """The current day of each visit (call before and after a visit changes)."""
        ids = sorted({v for v in visit_ids if v})
        for start in range(0, len(ids), _IN_LIMIT):
            part = ids[start:start + _IN_LIMIT]
            self.add_times(conn.execute(select(R_VISITS.c.hub_id, R_VISITS.c.visited_at)
                                        .where(R_VISITS.c.record_id.in_(part))).tuples())


def county_zone(conn: Connection) -> str:
    value = conn.execute(select(SETTINGS.c.value)
                         .where(SETTINGS.c.key == TIME_ZONE_SETTING)).scalar()
    return str(value or DEFAULT_TIME_ZONE)


def rollup_zone(conn: Connection) -> str | None:
    """The zone whose local days the roll-up holds (None before it is first built)."""
    value = conn.execute(select(SETTINGS.c.value)
                         .where(SETTINGS.c.key == ROLLUP_ZONE_SETTING)).scalar()
    return None if value is None else str(value)


def update_rollup(conn: Connection, dirty: DirtyDays) -> None:
    """Recompute the roll-up for the dirty days (everything if the zone changed)."""
    zone = county_zone(conn)
    if rollup_zone(conn) != zone:
        rebuild_rollup(conn, zone)
        return
    by_day: dict[date, set[str]] = {}
    for hub, at in dirty.times:
        by_day.setdefault(local_day(at, zone), set()).add(hub)
    months: dict[date, set[str]] = {}
    for first, last, hubs in _runs(by_day):
        _recompute(conn, zone, first, last, sorted(hubs))
        for month in months_between(first, last):
            months.setdefault(month, set()).update(hubs)
    for month, hubs in sorted(months.items()):
        recompute_months(conn, [month], sorted(hubs))


def rebuild_rollup(conn: Connection, zone: str | None = None) -> None:
    """Build the whole roll-up again from the report tables (a new zone, a new server,
    bulk-loaded report tables)."""
    zone = zone or county_zone(conn)
    for table in (R_DAILY_COUNTS, R_DAILY_VISITORS, R_DAILY_VOLUNTEERS, *MONTHLY_TABLES):
        conn.execute(delete(table))
    earliest, latest = conn.execute(select(func.min(R_VISITS.c.visited_at),
                                           func.max(R_VISITS.c.visited_at))).one()
    hubs = [str(h) for h in conn.execute(select(R_VISITS.c.hub_id).distinct()).scalars()]
    if earliest is not None and hubs:
        day = local_day(earliest, zone)
        end = local_day(latest, zone)
        while day <= end:
            last = min(end, day + timedelta(days=RUN_DAYS - 1))
            _insert(conn, zone, day, last, hubs)
            day = last + timedelta(days=1)
        recompute_months(conn, months_between(local_day(earliest, zone), end), hubs)
    _record_zone(conn, zone)


def _runs(by_day: dict[date, set[str]]) -> list[tuple[date, date, set[str]]]:
    """Consecutive dirty days as runs of at most RUN_DAYS (each with its dirty hubs)."""
    runs: list[tuple[date, date, set[str]]] = []
    for day in sorted(by_day):
        if runs and (day - runs[-1][1]).days == 1 and (day - runs[-1][0]).days < RUN_DAYS:
            first, _, hubs = runs[-1]
            runs[-1] = (first, day, hubs | by_day[day])
        else:
            runs.append((day, day, set(by_day[day])))
    return runs


def _recompute(conn: Connection, zone: str, first: date, last: date,
               hubs: Sequence[str]) -> None:
    for table in (R_DAILY_COUNTS, R_DAILY_VISITORS, R_DAILY_VOLUNTEERS):
        for start in range(0, len(hubs), _IN_LIMIT):
            conn.execute(delete(table).where(and_(
                table.c.day >= first, table.c.day <= last,
                table.c.hub_id.in_(hubs[start:start + _IN_LIMIT]))))
    _insert(conn, zone, first, last, hubs)


def _insert(conn: Connection, zone: str, first: date, last: date, hubs: Sequence[str]) -> None:
    sources = server_sources()
    for start in range(0, len(hubs), _IN_LIMIT):
        part = hubs[start:start + _IN_LIMIT]
        columns = ["hub_id", "day", "figure", "code", "count"]
        for statement in daily_count_rows(sources, first, last, zone, part):
            conn.execute(insert(R_DAILY_COUNTS).from_select(columns, statement))
        conn.execute(insert(R_DAILY_VISITORS).from_select(
            ["hub_id", "day", "visitor_code"],
            daily_visitor_rows(sources, first, last, zone, part)))
        conn.execute(insert(R_DAILY_VOLUNTEERS).from_select(
            ["hub_id", "day", "volunteer_id"],
            daily_volunteer_rows(sources, first, last, zone, part)))


def _record_zone(conn: Connection, zone: str) -> None:
    changed = conn.execute(update(SETTINGS).where(SETTINGS.c.key == ROLLUP_ZONE_SETTING)
                           .values(value=zone)).rowcount
    if not changed:
        conn.execute(insert(SETTINGS).values(key=ROLLUP_ZONE_SETTING, value=zone))
