"""Local-day and month buckets as plain SQL, from the one day function.

A record's day is its civil date in the hub's zone (``hubdesk.core.days``). SQL
dialects disagree on time zones, so instead of converting in SQL we compare the
stored UTC time with the UTC start of each local day (computed by
``core.days``): a nested CASE (a binary search, depth log2 of the number of
days) gives the index of the day or month a time falls in. Works the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, case, literal

from hubdesk.core.days import day_start_utc


def day_starts(first: date, last: date, zone: ZoneInfo) -> list[datetime]:
    """UTC starts of local days first..last+1 (the last one closes the range)."""
    count = (last - first).days + 2
    return [day_start_utc(first + timedelta(days=n), zone) for n in range(count)]


def month_starts(first: date, last: date, zone: ZoneInfo) -> tuple[list[str], list[datetime]]:
    """Labels (``YYYY-MM``) of the months touching first..last, and the UTC start of
    each month's first day within the range (clamped to ``first``)."""
    labels: list[str] = []
    starts: list[datetime] = []
    cursor = first
    while cursor <= last:
        labels.append(f"{cursor.year:04d}-{cursor.month:02d}")
        starts.append(day_start_utc(cursor, zone))
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    return labels, starts


def month_labels(first: date, last: date, zone: ZoneInfo) -> list[str]:
    return month_starts(first, last, zone)[0]


def bucket_index(column: ColumnElement[datetime], starts: list[datetime]) -> ColumnElement[int]:
    """Index ``i`` such that ``starts[i] <= column < starts[i+1]`` (the last bucket is
    open-ended: callers filter the range first)."""
    return _bisect(column, starts, 0, len(starts))


def day_of(column: ColumnElement[datetime], first: date, last: date,
           zone: ZoneInfo) -> ColumnElement[date]:
    """The local day (``first``..``last``) a stored UTC time falls on, as a SQL date;
    callers keep to the rows of that range."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return _bisect(column, day_starts(first, last, zone), 0, len(days),
                   lambda n: literal(days[n], Date))


def _bisect(column: ColumnElement[datetime], starts: list[datetime], low: int,
            high: int, leaf: Callable[[int], ColumnElement[Any]] = literal) -> ColumnElement[Any]:
    if high - low <= 1:
        return leaf(low)
    middle = (low + high) // 2
    return case(
        (column < starts[middle], _bisect(column, starts, low, middle, leaf)),
        else_=_bisect(column, starts, middle, high, leaf),
    )
