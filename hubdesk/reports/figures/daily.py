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

ALL = "all"
NOT_RECORDED = "not_recorded"  # the label a missing code gets in every breakdown
#: scalar figures (code "") and where each lands in a report
SCALARS = {"visits": "visits", "first_visits": "first_visits",
           "walk_in_or_self_referral": "walk_in_or_self_referral",
           "mecc_visits": "mecc_visits", "uncoded": "visitors",
           "uncoded_returning": "repeat_visitors"}


@dataclass(frozen=True)
class DailyTables:
    """The roll-up's three tables, by the columns each must offer (``place``: the
    column naming where, ``hub_id`` on the server, ``venue_id`` on a laptop).

    * ``counts``: place, day, figure, code, count
    * ``visitors``: place, day, visitor_code (one row per code seen that day), and
      optionally last_day (a row covering several days: ``day`` the first it was seen)
    * ``volunteers``: place, day, volunteer_id (who recorded a visit that day)
    """

    counts: FromClause
    visitors: FromClause
    volunteers: FromClause
    place: str = "hub_id"


# -- building a run of days ------------------------------------------------------------


def daily_count_rows(sources: ReportSources, first: date, last: date, zone: str | None,
                     places: Sequence[str] | None, place: str = "hub_id") -> list[Select[Any]]:
    """Statements giving (place, day, figure, code, count) for local days
    ``first``..``last`` of ``places`` (None: all): insert them into ``counts`` after
    deleting that rectangle. ``place`` is the visits' column the roll-up is kept by
    (none: ""). Codes are the labels a report shows (a missing one is "not_recorded")."""
    visits = _day_visits(sources, first, last, zone, places, place)
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
        keys = (v.place, v.day) if code is None else (v.place, v.day, label)
        statement = select(v.place, v.day, _constant(figure), label, func.count())
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
                       places: Sequence[str] | None, place: str = "hub_id") -> Select[Any]:
    """(place, day, visitor_code): each code seen on each day."""
    v = _day_visits(sources, first, last, zone, places, place).c
    return select(v.place, v.day, v.visitor_code).where(v.visitor_code.is_not(None)).distinct()


def daily_volunteer_rows(sources: ReportSources, first: date, last: date, zone: str | None,
                         places: Sequence[str] | None, place: str = "hub_id") -> Select[Any]:
    """(place, day, volunteer_id): each volunteer who recorded a visit on each day."""
    v = _day_visits(sources, first, last, zone, places, place).c
    return select(v.place, v.day, v.created_by).distinct()


def _day_visits(sources: ReportSources, first: date, last: date, zone: str | None,
                places: Sequence[str] | None, place: str) -> Any:
    visits = sources.visits
    start, end = day_bounds_utc(first, last, zone)
    day = day_of(visits.c.visited_at, first, last, hub_zone(zone))
    conditions = [visits.c.visited_at >= start, visits.c.visited_at < end]
    if places is not None:
        conditions.append(visits.c[place].in_(list(places)))
    where = func.coalesce(visits.c[place], _constant(""))
    return (select(*visits.c, where.label("place"), day.label("day")).where(*conditions)
            .subquery("day_visits"))


# -- reading a period --------------------------------------------------------------------


def reports_from_daily(db: Executor, tables: DailyTables, period: Period,
                       places: Sequence[str] | None, combined: bool = False
                       ) -> dict[str, dict[str, Any]]:
    """Per place (or ``"all"`` when ``combined``), the visit-based figures of ``period``
    from the roll-up (``places``: the places in scope, None for all). Visitor codes are
    counted per key (a card belongs to its hub). Signposts come by service: the caller
    maps them to categories and organisations (``add_services``). Not finished: the
    caller adds the row path's session and follow-up figures, then ``finish_report``."""
    counts = tables.counts
    key = _key(tables, counts, combined)
    out: dict[str, dict[str, Any]] = {}
    grouping = (counts.c.figure, counts.c.code) if combined else (key, counts.c.figure,
                                                                  counts.c.code)
    statement = (select(key, counts.c.figure, counts.c.code, func.sum(counts.c.count))
                 .where(*_in(tables, counts, period, places)).group_by(*grouping))
    for name, figure, code, total in db.execute(statement):
        _place(out.setdefault(name, empty_report()), figure, code, int(total))
    _months(db, tables, period, places, combined, out)
    _visitor_codes(db, tables, period, places, combined, out)
    return out


def _key(tables: DailyTables, table: FromClause, combined: bool) -> ColumnElement[Any]:
    return _constant(ALL) if combined else table.c[tables.place]


def _in(tables: DailyTables, table: FromClause, period: Period,
        places: Sequence[str] | None) -> list[ColumnElement[bool]]:
    where = [table.c.day >= period.first, table.c.day <= period.last]
    if places is not None:
        where.append(table.c[tables.place].in_(list(places)))
    return where


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


def _months(db: Executor, tables: DailyTables, period: Period, places: Sequence[str] | None,
            combined: bool, out: dict[str, dict[str, Any]]) -> None:
    """Visits by month, every month of the period at 0 (a long period: the months from
    its first to its last visit), as the row path gives them."""
    counts = tables.counts
    key = _key(tables, counts, combined)
    rows = db.execute(select(key, counts.c.day, counts.c.count).where(
        counts.c.figure == "visits", *_in(tables, counts, period, places))).all()
    zone = hub_zone(period.zone)
    if (period.last - period.first).days > LONG_PERIOD_DAYS:
        days = [_as_date(day) for _, day, _ in rows] or [period.first]
        labels = month_labels(min(days), max(days), zone)
    else:
        labels = month_labels(period.first, period.last, zone)
    for report in out.values():
        report["visits_by_month"] = dict.fromkeys(labels, 0)
    for name, day, n in rows:
        day = _as_date(day)
        months = out[name]["visits_by_month"]
        label = f"{day.year:04d}-{day.month:02d}"
        months[label] = months.get(label, 0) + int(n)


def _visitor_codes(db: Executor, tables: DailyTables, period: Period,
                   places: Sequence[str] | None, combined: bool,
                   out: dict[str, dict[str, Any]]) -> None:
    """Each code is one visitor; a repeat visitor when seen on two days. (A table of
    longer spans, such as the server's months, gives each row's ``last_day`` too.)"""
    seen = tables.visitors
    key = _key(tables, seen, combined)
    last_day = seen.c.last_day if "last_day" in seen.c else seen.c.day
    repeated = case((func.min(seen.c.day) != func.max(last_day), 1))
    grouping = (seen.c.visitor_code,) if combined else (key, seen.c.visitor_code)
    codes = (select(key.label("key"), repeated.label("repeated"))
             .where(*_in(tables, seen, period, places)).group_by(*grouping).subquery("codes"))
    statement = (select(codes.c.key, func.count(), func.count(codes.c.repeated))
                 .group_by(codes.c.key))
    for name, visitors, repeated_count in db.execute(statement):
        report = out.setdefault(name, empty_report())
        report["visitors"] += int(visitors)
        report["repeat_visitors"] += int(repeated_count)


def volunteer_pairs_from_daily(db: Executor, tables: DailyTables, period: Period,
                               places: Sequence[str] | None,
                               combined: bool = False) -> set[tuple[str, str]]:
    """Distinct (place or "all", volunteer id) who recorded a visit in ``period``."""
    seen = tables.volunteers
    key = _key(tables, seen, combined)
    statement = (select(key, seen.c.volunteer_id)
                 .where(*_in(tables, seen, period, places)).distinct())
    return {(str(name), str(volunteer)) for name, volunteer in db.execute(statement)}


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
