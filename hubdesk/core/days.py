"""A record's day: its local civil date in the hub's time zone (DESIGN §8).

This is the one place that turns stored times (naive UTC) into days and days
into UTC bounds. Every list, summary, status line, export and report uses it,
so a visit at 00:30 BST belongs to the day the volunteer saw on the clock, and
the two clock-change days have 23 and 25 hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Europe/London"
"""The hub time zone when none is set (an IANA name)."""

TIME_ZONE_SETTING = "hub_time_zone"
"""The key under which a laptop keeps its hub's time zone (a settings row)."""


def hub_zone(name: str | ZoneInfo | None = None) -> ZoneInfo:
    """The ZoneInfo for an IANA name (the default zone for None or empty)."""
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"'{name}' is not a time zone name such as Europe/London.") from exc


def is_time_zone(name: str) -> bool:
    try:
        hub_zone(name)
    except ValueError:
        return False
    return bool(name)


def to_hub_time(at_utc: datetime, zone: str | ZoneInfo | None = None) -> datetime:
    """A stored (naive UTC, or aware) time as an aware local time in the hub's zone."""
    aware = at_utc if at_utc.tzinfo else at_utc.replace(tzinfo=UTC)
    return aware.astimezone(hub_zone(zone))


def local_day(at_utc: datetime, zone: str | ZoneInfo | None = None) -> date:
    """The hub's civil date of a stored time."""
    return to_hub_time(at_utc, zone).date()


def day_start_utc(day: date, zone: str | ZoneInfo | None = None) -> datetime:
    """Naive UTC time of local midnight at the start of ``day`` in the hub's zone."""
    local_midnight = datetime(day.year, day.month, day.day, tzinfo=hub_zone(zone))
    return local_midnight.astimezone(UTC).replace(tzinfo=None)


def day_bounds_utc(first: date, last: date | None = None,
                   zone: str | ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """Half-open naive UTC bounds ``[start, end)`` covering local days first..last inclusive."""
    last = first if last is None else last
    if last < first:
        raise ValueError("The period ends before it starts.")
    return day_start_utc(first, zone), day_start_utc(last + timedelta(days=1), zone)


def hub_today(zone: str | ZoneInfo | None = None, now_utc: datetime | None = None) -> date:
    """Today's date in the hub's zone (``now_utc`` for tests)."""
    return local_day(now_utc or datetime.now(UTC), zone)


def day_words(day: date, *, year: bool = False) -> str:
    """A day as people write it: "Tuesday 1 December" ("Tuesday 1 December 2026" with
    ``year``), never a zero-padded "01"."""
    words = f"{day:%A} {day.day} {day:%B}"
    return f"{words} {day.year}" if year else words
