"""The daily roll-up of the §8 figures: additive counts per hub and local day (issue 11).

A report over a county and a year reads these few rows per hub and day instead of
every visit, conversation and signpost. Only what adds up across days is counted
here; what does not (distinct visitor codes, distinct volunteers) is kept as exact
per-day *sets*, whose union over a period is exact. Sessions, activities, shifts and
follow-ups are few (one session per 25 visits) and stay on the row path
(``definition``), which remains the reference: a test holds both paths to the same
JSON.

This module says *what* a day's rows are (from any :class:`ReportSources`) and how a
period's report is read back; the side that owns the tables decides *when* to
recompute a day (the server's ``report_rollup``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
)

from hubdesk.core.days import day_bounds_utc, hub_zone
from hubdesk.reports.figures.buckets import day_of, month_labels
from hubdesk.reports.figures.definition import Executor, mental_health_condition
from hubdesk.reports.figures.shape import LONG_PERIOD_DAYS, Period, empty_report
from hubdesk.reports.figures.sources import ReportSources

NOT_RECORDED = "not_recorded"  # the label a missing code gets in every breakdown
#: scalar figures (code "") and where each lands in a report
SCALARS = {"visits": "visits", "first_visits": "first_visits",
           "walk_in_or_self_referral": "walk_in_or_self_referral",
           "mecc_visits": "mecc_visits", "uncoded": "visitors",
           "uncoded_returning": "repeat_visitors"}


@dataclass(frozen=True)
class DailyTables:
    """The roll-up's three tables, by the columns each must offer.

    * ``counts``: hub_id, day, figure, code, count
    * ``visitors``: hub_id, day, visitor_code (one row per code seen that day)
    * ``volunteers``: hub_id, day, volunteer_id (who recorded a visit that day)
    """

    counts: FromClause
    visitors: FromClause
    volunteers: FromClause


# -- building a run of days ------------------------------------------------------------


def daily_count_rows(sources: ReportSources, first: date, last: date, zone: str | None,
                     hubs: Sequence[str]) -> list[Select[Any]]:
    """Statements giving (hub_id, day, figure, code, count) for local days
    ``first``..``last`` of ``hubs``: insert them into ``counts`` after deleting that
    rectangle. Codes are the labels a report shows (a missing one is "not_recorded")."""
    visits = _day_visits(sources, first, last, zone, hubs)
    v = visits.c
    talks, outcomes = sources.conversations, sources.outcomes
    with_talk = visits.join(talks, talks.c.visit_id == v.record_id)
    with_outcome = visits.join(outcomes, outcomes.c.visit_id == v.record_id)

    def count(figure: str, code: ColumnElement[Any] | None = None,
              where: ColumnElement[bool] | None = None,
              source: FromClause = visits) -> Select[Any]:
        # constants written into the SQL (not bound): PostgreSQL must see the grouped
        # expression and the selected one as the same
        label = _constant("") if code is None else func.coalesce(code, _constant(NOT_RECORDED))
        keys = (v.hub_id, v.day) if code is None else (v.hub_id, v.day, label)
        statement = select(v.hub_id, v.day, _constant(figure), label, func.count())
        statement = statement.select_from(source)
        if where is not None:
            statement = statement.where(where)
        return statement.group_by(*keys)

    return [
        count("visits"),
        count("first_visits", where=v.first_visit == true()),
        count("walk_in_or_self_referral",
              where=or_(v.contact_mode == "walk_in", v.referral_source == "self")),
        count("safeguarding_raised", where=v.safeguarding == true()),
        count("uncoded", where=v.visitor_code.is_(None)),
        count("uncoded_returning",
              where=and_(v.visitor_code.is_(None), v.contact_mode == "returning")),
        count("sex", v.sex),
        count("age_bands", v.age_band),
        count("referred_in_by_source", v.referral_source, v.contact_mode == "referred_in"),
        count("mental_health", where=mental_health_condition(sources, visits)),
        count("mecc_by_topic", talks.c.topic, source=with_talk),
        count("mecc_by_step", talks.c.furthest_step, source=with_talk),
        count("mecc_by_response", talks.c.response, source=with_talk),
        count("mecc_by_action", talks.c.action, source=with_talk),
        count("mecc_visits", where=exists().where(talks.c.visit_id == v.record_id)),
        count("signposts_by_kind", outcomes.c.kind, source=with_outcome),
        count("outcomes_by_status", outcomes.c.status, source=with_outcome),
        count("signposts_by_service", outcomes.c.service_id, outcomes.c.service_id.is_not(None),
              source=with_outcome),
    ]


def _constant(text: str) -> ColumnElement[str]:
    """A constant of our own (a figure's name, a label) written into the statement."""
    assert text.replace("_", "").isalnum() or not text
    return literal_column(f"'{text}'", String)


def daily_visitor_rows(sources: ReportSources, first: date, last: date, zone: str | None,
                       hubs: Sequence[str]) -> Select[Any]:
    """(hub_id, day, visitor_code): each code seen on each day."""
    v = _day_visits(sources, first, last, zone, hubs).c
    return select(v.hub_id, v.day, v.visitor_code).where(v.visitor_code.is_not(None)).distinct()


def daily_volunteer_rows(sources: ReportSources, first: date, last: date, zone: str | None,
                         hubs: Sequence[str]) -> Select[Any]:
    """(hub_id, day, volunteer_id): each volunteer who recorded a visit on each day."""
    v = _day_visits(sources, first, last, zone, hubs).c
    return select(v.hub_id, v.day, v.created_by).distinct()


def _day_visits(sources: ReportSources, first: date, last: date, zone: str | None,
                hubs: Sequence[str]) -> Any:
    visits = sources.visits
    start, end = day_bounds_utc(first, last, zone)
    day = day_of(visits.c.visited_at, first, last, hub_zone(zone))
    return (select(*visits.c, day.label("day"))
            .where(visits.c.visited_at >= start, visits.c.visited_at < end,
                   visits.c.hub_id.in_(list(hubs)))
            .subquery("day_visits"))


# -- reading a period --------------------------------------------------------------------


def reports_from_daily(db: Executor, tables: DailyTables, period: Period,
                       hubs: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    """Per hub id, the visit-based figures of ``period`` from the roll-up (``hubs``:
    the hubs in scope, None for all). Signposts come by service: the caller maps them
    to categories and organisations (``add_services``). Not finished: the caller adds
    the row path's session and follow-up figures, then ``finish_report``."""
    counts = tables.counts
    out: dict[str, dict[str, Any]] = {}
    in_scope = [counts.c.day >= period.first, counts.c.day <= period.last]
    if hubs is not None:
        in_scope.append(counts.c.hub_id.in_(list(hubs)))
    statement = (select(counts.c.hub_id, counts.c.figure, counts.c.code,
                        func.sum(counts.c.count))
                 .where(*in_scope).group_by(counts.c.hub_id, counts.c.figure, counts.c.code))
    for hub_id, figure, code, total in db.execute(statement):
        _place(out.setdefault(hub_id, empty_report()), figure, code, int(total))
    _months(db, tables, period, hubs, out)
    _visitor_codes(db, tables, period, hubs, out)
    return out


def _place(report: dict[str, Any], figure: str, code: str, n: int) -> None:
    if figure in SCALARS:
        report[SCALARS[figure]] += n
        if figure == "visits":
            report["people_helped"] += n
    elif figure == "mental_health":
        report["mental_health"]["count"] += n
    elif figure == "safeguarding_raised":
        report["safeguarding_flags"]["raised"] += n
    elif figure == "outcomes_by_status":
        _add(report["follow_ups"]["outcomes_by_status"], code, n)
    elif figure == "signposts_by_service":
        _add(report.setdefault("_by_service", {}), code, n)
    else:
        _add(report[figure], code, n)


def _months(db: Executor, tables: DailyTables, period: Period, hubs: Sequence[str] | None,
            out: dict[str, dict[str, Any]]) -> None:
    """Visits by month, every month of the period at 0 (a long period: the months from
    its first to its last visit), as the row path gives them."""
    counts = tables.counts
    where = [counts.c.figure == "visits", counts.c.day >= period.first,
             counts.c.day <= period.last]
    if hubs is not None:
        where.append(counts.c.hub_id.in_(list(hubs)))
    rows = db.execute(select(counts.c.hub_id, counts.c.day, counts.c.count).where(*where)).all()
    zone = hub_zone(period.zone)
    if (period.last - period.first).days > LONG_PERIOD_DAYS:
        days = [_as_date(day) for _, day, _ in rows] or [period.first]
        labels = month_labels(min(days), max(days), zone)
    else:
        labels = month_labels(period.first, period.last, zone)
    for report in out.values():
        report["visits_by_month"] = dict.fromkeys(labels, 0)
    for hub_id, day, n in rows:
        day = _as_date(day)
        months = out[hub_id]["visits_by_month"]
        label = f"{day.year:04d}-{day.month:02d}"
        months[label] = months.get(label, 0) + int(n)


def _visitor_codes(db: Executor, tables: DailyTables, period: Period,
                   hubs: Sequence[str] | None, out: dict[str, dict[str, Any]]) -> None:
    """Each code is one visitor of its hub; a repeat visitor when seen on two days."""
    seen = tables.visitors
    where = [seen.c.day >= period.first, seen.c.day <= period.last]
    if hubs is not None:
        where.append(seen.c.hub_id.in_(list(hubs)))
    repeated = case((func.min(seen.c.day) != func.max(seen.c.day), 1))
    codes = (select(seen.c.hub_id, repeated.label("repeated"))
             .where(*where).group_by(seen.c.hub_id, seen.c.visitor_code).subquery("codes"))
    statement = (select(codes.c.hub_id, func.count(), func.count(codes.c.repeated))
                 .group_by(codes.c.hub_id))
    for hub_id, visitors, repeated in db.execute(statement):
        report = out.setdefault(hub_id, empty_report())
        report["visitors"] += int(visitors)
        report["repeat_visitors"] += int(repeated)


def volunteer_pairs_from_daily(db: Executor, tables: DailyTables, period: Period,
                               hubs: Sequence[str] | None) -> set[tuple[str, str]]:
    """Distinct (hub id, volunteer id) who recorded a visit in ``period``."""
    seen = tables.volunteers
    where = [seen.c.day >= period.first, seen.c.day <= period.last]
    if hubs is not None:
        where.append(seen.c.hub_id.in_(list(hubs)))
    statement = select(seen.c.hub_id, seen.c.volunteer_id).where(*where).distinct()
    return {(str(hub), str(volunteer)) for hub, volunteer in db.execute(statement)}


def add_services(reports: Iterable[dict[str, Any]], organisation: dict[str, str],
                 categories: dict[str, list[str]]) -> None:
    """Signposts by service into by category and by partner organisation."""
    for report in reports:
        for service_id, n in report.pop("_by_service", {}).items():
            for category in categories.get(service_id, []):
                _add(report["signposts_by_category"], category, n)
            if service_id in organisation:
                _add(report["signposts_by_organisation"], organisation[service_id], n)


def _add(counts: dict[str, int], code: str, n: int) -> None:
    counts[code] = counts.get(code, 0) + n


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
