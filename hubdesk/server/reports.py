"""The county report: the §8 figures over the server's database (issue 11).

``county_report`` is a plain function (no HTTP, no printing) so the command line
and, later, the council's web page call the same thing. Counts under 5 are shown
as "<5" unless the caller asks for exact figures (DESIGN §8: the county report
leaves the hub).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from hubdesk.core.days import hub_zone
from hubdesk.reports.figures import (
    Period,
    Scope,
    compute_reports,
    merge_reports,
    suppress_small_numbers,
    volunteer_pairs,
)
from hubdesk.reports.figures.daily import (
    add_services,
    reports_from_daily,
    volunteer_pairs_from_daily,
)
from hubdesk.reports.figures.shape import blank_report, empty_report
from hubdesk.server.db import read_tx, write_tx
from hubdesk.server.errors import AdminError
from hubdesk.server.models import HUBS
from hubdesk.server.report_monthly import period_tables
from hubdesk.server.report_refresh import refresh_report_tables
from hubdesk.server.report_rollup import county_zone, rollup_zone
from hubdesk.server.report_sources import server_sources
from hubdesk.server.report_tables import R_CATEGORIES, R_SERVICES


@dataclass(frozen=True)
class ReportRequest:
    first: date
    last: date
    hub: str | None = None  # id or name
    district: str | None = None
    exact: bool = False  # True: no "<5" (for a hub's own coordinator)
    #: only these hubs (a council user's, DESIGN §9); None: every hub
    hub_ids: frozenset[str] | None = None


def county_report(engine: Engine, request: ReportRequest, rollup: bool = True) -> dict[str, Any]:
    """The report for the period (one hub, one district or every hub), with ``by_hub``
    (keyed by hub name) and ``by_district``, after bringing the report tables up to date.

    The visit-based figures come from the daily roll-up; ``rollup=False`` computes them
    from the report tables' rows instead (the reference the roll-up is tested against)."""
    if request.last < request.first:
        raise AdminError("--to is before --from")
    with write_tx(engine) as conn:
        refresh_report_tables(conn)
    with read_tx(engine) as conn:
        if conn.dialect.name == "postgresql":
            # a report is a handful of big aggregations: JIT compiling their CASE
            # expressions costs seconds and saves nothing; sorts and hashes fit in memory
            conn.exec_driver_sql("SET LOCAL jit = off")
            conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        return _report(conn, request, rollup)


def _report(conn: Connection, request: ReportRequest, rollup: bool) -> dict[str, Any]:
    hubs = _hubs_in_scope(conn, request)
    first_hub = next(iter(hubs))
    scope = Scope(hub_id=first_hub if request.hub else None,
                  district=hubs[first_hub][1] if request.district else None)
    period = Period(request.first, request.last, _time_zone(conn))
    if rollup and rollup_zone(conn) == period.zone:  # else a zone changed a moment ago
        per_hub, people = _from_rollup(conn, period, scope, list(hubs))
    else:
        sources = server_sources()
        per_hub = compute_reports(conn, sources, period, scope, group="hub",
                                  with_volunteers=False)
        people = set(volunteer_pairs(conn, sources, period, scope, group="hub"))
    people_by_hub: dict[str, set[str]] = {}
    for hub_id, volunteer in people:
        people_by_hub.setdefault(hub_id, set()).add(volunteer)
    for hub_id, hub_report in per_hub.items():
        hub_report["volunteers"] = len(people_by_hub.get(hub_id, ()))
    by_hub = {name: per_hub.get(hub_id) or blank_report(period) for hub_id, (name, _) in hubs.items()}
    districts: dict[str, list[dict[str, Any]]] = {}
    for hub_id, (_, district) in hubs.items():
        districts.setdefault(district, []).append(by_hub[hubs[hub_id][0]])
    by_district = {}
    for district, reports in sorted(districts.items()):
        merged = merge_reports(reports)
        merged["volunteers"] = len(set().union(*(
            found for hub_id, found in people_by_hub.items()
            if hubs.get(hub_id, ("", ""))[1] == district)))
        by_district[district] = merged
    total = merge_reports(by_hub.values())
    total["volunteers"] = len({volunteer for hub_id, volunteer in people if hub_id in hubs})
    report: dict[str, Any] = {
        **total,
        "by_hub": dict(sorted(by_hub.items())),
        "by_district": by_district,
    }
    if not request.exact:
        report = suppress_small_numbers(report)
        report["by_hub"] = {k: suppress_small_numbers(v) for k, v in report["by_hub"].items()}
        report["by_district"] = {k: suppress_small_numbers(v)
                                 for k, v in report["by_district"].items()}
    return report


def _from_rollup(conn: Connection, period: Period, scope: Scope,
                 hubs: list[str]) -> tuple[dict[str, dict[str, Any]], set[tuple[str, str]]]:
    """Per hub id: the visit-based figures from the daily roll-up plus the session and
    follow-up figures from their rows; and the (hub, volunteer) pairs."""
    sources = server_sources()
    everywhere = scope.hub_id is None and scope.district is None
    in_scope = None if everywhere else hubs
    tables = period_tables(period)  # whole months from the monthly level, the rest by day
    from_days = reports_from_daily(conn, tables, period, in_scope)
    organisation = {str(k): str(v) for k, v in conn.execute(
        select(R_SERVICES.c.id, R_SERVICES.c.organisation))}
    categories: dict[str, list[str]] = {}
    for service_id, category in conn.execute(select(R_CATEGORIES.c.service_id,
                                                    R_CATEGORIES.c.category)):
        categories.setdefault(service_id, []).append(category)
    add_services(from_days.values(), organisation, categories)
    from_rows = compute_reports(conn, sources, period, scope, group="hub",
                                with_volunteers=False, only=("follow_ups", "sessions"))
    per_hub = {hub_id: merge_reports([from_days.get(hub_id) or empty_report(),
                                      from_rows.get(hub_id) or empty_report()])
               for hub_id in from_days.keys() | from_rows.keys()}
    people = volunteer_pairs_from_daily(conn, tables, period, in_scope)
    people.update(volunteer_pairs(conn, sources, period, scope, group="hub", with_visits=False))
    return per_hub, people


def _hubs_in_scope(conn: Connection, request: ReportRequest) -> dict[str, tuple[str, str]]:
    """hub id -> (name, district) for the hubs the report covers."""
    query = select(HUBS.c.id, HUBS.c.name, HUBS.c.district)
    if request.hub:
        query = query.where((HUBS.c.id == request.hub)
                            | (func.lower(HUBS.c.name) == request.hub.lower()))
    if request.district:
        query = query.where(func.lower(HUBS.c.district) == request.district.lower())
    hubs = {row.id: (row.name, row.district) for row in conn.execute(query.order_by(HUBS.c.name))
            if request.hub_ids is None or row.id in request.hub_ids}
    if not hubs:
        what = f"hub {request.hub!r}" if request.hub else f"district {request.district!r}"
        raise AdminError(f"no {what} on this server" if request.hub or request.district
                         else "there are no hubs on this server yet")
    return hubs


def county_time_zone(engine: Engine) -> str:
    with read_tx(engine) as conn:
        return _time_zone(conn)


def _time_zone(conn: Connection) -> str:
    """The county's zone: the server setting ``hub_time_zone`` or Europe/London."""
    zone = county_zone(conn)
    hub_zone(zone)  # a clear error for a zone that is not one
    return zone
