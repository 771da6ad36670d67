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

from hubdesk.core.days import DEFAULT_TIME_ZONE, TIME_ZONE_SETTING, hub_zone
from hubdesk.reports.figures import (
    Period,
    Scope,
    compute_reports,
    merge_reports,
    suppress_small_numbers,
    volunteer_pairs,
)
from hubdesk.reports.figures.shape import blank_report
from hubdesk.server.db import read_tx, write_tx
from hubdesk.server.errors import AdminError
from hubdesk.server.models import HUBS, SETTINGS
from hubdesk.server.report_refresh import refresh_report_tables
from hubdesk.server.report_sources import server_sources


@dataclass(frozen=True)
class ReportRequest:
    first: date
    last: date
    hub: str | None = None  # id or name
    district: str | None = None
    exact: bool = False  # True: no "<5" (for a hub's own coordinator)
    #: only these hubs (a council user's, DESIGN §9); None: every hub
    hub_ids: frozenset[str] | None = None


def county_report(engine: Engine, request: ReportRequest) -> dict[str, Any]:
    """The report for the period (one hub, one district or every hub), with ``by_hub``
    (keyed by hub name) and ``by_district``, after bringing the report tables up to date."""
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
        return _report(conn, request)


def _report(conn: Connection, request: ReportRequest) -> dict[str, Any]:
    hubs = _hubs_in_scope(conn, request)
    first_hub = next(iter(hubs))
    scope = Scope(hub_id=first_hub if request.hub else None,
                  district=hubs[first_hub][1] if request.district else None)
    period = Period(request.first, request.last, _time_zone(conn))
    sources = server_sources()
    per_hub = compute_reports(conn, sources, period, scope, group="hub", with_volunteers=False)
    people = volunteer_pairs(conn, sources, period, scope, group="hub")
    for hub_id, hub_report in per_hub.items():
        hub_report["volunteers"] = len({v for key, v in people if key == hub_id})
    by_hub = {name: per_hub.get(hub_id) or blank_report(period) for hub_id, (name, _) in hubs.items()}
    districts: dict[str, list[dict[str, Any]]] = {}
    for hub_id, (_, district) in hubs.items():
        districts.setdefault(district, []).append(by_hub[hubs[hub_id][0]])
    by_district = {}
    for district, reports in sorted(districts.items()):
        merged = merge_reports(reports)
        merged["volunteers"] = len({volunteer for hub_id, volunteer in people
                                    if hubs.get(hub_id, ("", ""))[1] == district})
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
    value = conn.execute(select(SETTINGS.c.value)
                         .where(SETTINGS.c.key == TIME_ZONE_SETTING)).scalar()
    zone = value or DEFAULT_TIME_ZONE
    hub_zone(zone)  # a clear error for a zone that is not one
    return zone
