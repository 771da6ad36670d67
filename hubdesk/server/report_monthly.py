"""The monthly level of the server's report roll-up (issue 11).

A county report over a year would read a daily row per hub, day, figure and code;
the monthly level holds one per hub, local month, figure and code. Each touched
month is recomputed from its daily rows (``recompute_months``) in the transaction
that recomputed the days, so the two levels always agree. A period is read as its
whole months from this level and its partial months at either end from the days
(``period_tables``). Distinct sets stay exact: a month keeps each visitor code with
the first and last day it was seen (a repeat visitor is one whose first and last
day differ over the period) and each volunteer once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Table,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)

from hubdesk.reports.figures.daily import DailyTables
from hubdesk.reports.figures.shape import Period
from hubdesk.server.report_tables import (
    R_DAILY_COUNTS,
    R_DAILY_VISITORS,
    R_DAILY_VOLUNTEERS,
    R_MONTHLY_COUNTS,
    R_MONTHLY_VISITORS,
    R_MONTHLY_VOLUNTEERS,
)

MONTHLY_TABLES = (R_MONTHLY_COUNTS, R_MONTHLY_VISITORS, R_MONTHLY_VOLUNTEERS)
_IN_LIMIT = 500


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last day of the month ``day`` is in."""
    return (month_of(day) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month that ``first``..``last`` touches."""
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = month_end(month) + timedelta(days=1)
    return months


def recompute_months(conn: Connection, months: Iterable[date], hubs: Sequence[str]) -> None:
    """Replace the monthly rows of ``hubs`` for ``months`` by the sums of their days."""
    for month in sorted(set(months)):
        for start in range(0, len(hubs), _IN_LIMIT):
            _recompute_month(conn, month, list(hubs[start:start + _IN_LIMIT]))


def _recompute_month(conn: Connection, month: date, hubs: list[str]) -> None:
    for table in MONTHLY_TABLES:
        conn.execute(delete(table).where(table.c.month == month, table.c.hub_id.in_(hubs)))
    constant = literal(month, Date).label("month")  # not grouped: a plain parameter
    counts, seen, people = R_DAILY_COUNTS, R_DAILY_VISITORS, R_DAILY_VOLUNTEERS
    conn.execute(insert(R_MONTHLY_COUNTS).from_select(
        ["hub_id", "month", "figure", "code", "count"],
        select(counts.c.hub_id, constant, counts.c.figure, counts.c.code,
               func.sum(counts.c.count)).where(*_days_of(counts, month, hubs))
        .group_by(counts.c.hub_id, counts.c.figure, counts.c.code)))
    conn.execute(insert(R_MONTHLY_VISITORS).from_select(
        ["hub_id", "month", "visitor_code", "first_day", "last_day"],
        select(seen.c.hub_id, constant, seen.c.visitor_code, func.min(seen.c.day),
               func.max(seen.c.day)).where(*_days_of(seen, month, hubs))
        .group_by(seen.c.hub_id, seen.c.visitor_code)))
    conn.execute(insert(R_MONTHLY_VOLUNTEERS).from_select(
        ["hub_id", "month", "volunteer_id"],
        select(people.c.hub_id, constant, people.c.volunteer_id)
        .where(*_days_of(people, month, hubs)).distinct()))


def _days_of(table: Table, month: date, hubs: list[str]) -> list[ColumnElement[bool]]:
    return [table.c.day >= month, table.c.day <= month_end(month), table.c.hub_id.in_(hubs)]


# -- reading a period --------------------------------------------------------------------


def period_tables(period: Period) -> DailyTables:
    """The roll-up as the period's reader sees it: each table the union of the daily
    rows of the partial months at either end and the monthly rows of the whole months
    in between (a month row's ``day`` is its first day, inside the period). Visitor
    rows carry ``last_day``, the last day the code was seen in that row."""
    first_whole = period.first if period.first.day == 1 else (
        month_end(period.first) + timedelta(days=1))
    last_whole = period.last if period.last == month_end(period.last) else (
        month_of(period.last) - timedelta(days=1))
    if first_whole > last_whole:  # no whole month: the days alone
        first_whole, last_whole = period.last + timedelta(days=1), period.last

    def days(table: Table) -> ColumnElement[bool]:
        return or_(and_(table.c.day >= period.first, table.c.day < first_whole),
                   and_(table.c.day > last_whole, table.c.day <= period.last))

    def months(table: Table) -> ColumnElement[bool]:
        return and_(table.c.month >= first_whole, table.c.month <= last_whole)

    dc, dv, dp = R_DAILY_COUNTS, R_DAILY_VISITORS, R_DAILY_VOLUNTEERS
    mc, mv, mp = R_MONTHLY_COUNTS, R_MONTHLY_VISITORS, R_MONTHLY_VOLUNTEERS
    counts = union_all(
        select(dc.c.hub_id, dc.c.day, dc.c.figure, dc.c.code, dc.c.count).where(days(dc)),
        select(mc.c.hub_id, mc.c.month, mc.c.figure, mc.c.code, mc.c.count).where(months(mc)))
    visitors = union_all(
        select(dv.c.hub_id, dv.c.day, dv.c.visitor_code, dv.c.day.label("last_day"))
        .where(days(dv)),
        select(mv.c.hub_id, mv.c.first_day, mv.c.visitor_code, mv.c.last_day)
        .where(months(mv)))
    volunteers = union_all(
        select(dp.c.hub_id, dp.c.day, dp.c.volunteer_id).where(days(dp)),
        select(mp.c.hub_id, mp.c.month, mp.c.volunteer_id).where(months(mp)))
    return DailyTables(counts.subquery("period_counts"), visitors.subquery("period_visitors"),
                       volunteers.subquery("period_volunteers"))
