"""The periods a coordinator picks on the Reports screen, as first and last days."""

from __future__ import annotations

from datetime import date, timedelta

PERIODS = (("this_month", "This month"), ("last_month", "Last month"),
           ("this_quarter", "This quarter"), ("last_quarter", "Last quarter"),
           ("custom", "Choose dates…"))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_days(choice: str, today: date) -> tuple[date, date]:
    """First and last day of a named period (``today`` is the hub's today)."""
    if choice == "this_month":
        return _month_start(today), today
    if choice == "last_month":
        last = _month_start(today) - timedelta(days=1)
        return _month_start(last), last
    if choice == "this_quarter":
        return _quarter_start(today), today
    if choice == "last_quarter":
        last = _quarter_start(today) - timedelta(days=1)
        return _quarter_start(last), last
    raise ValueError(f"no fixed days for {choice!r}")


def parse_day(text: str) -> date:
    """A date as people type it in the UK: 28/03/2026, 28/3/26, 28-3-2026, or 2026-03-28.

    Raises ValueError with a message to show next to the field."""
    import re

    clean = text.strip()
    if not clean:
        raise ValueError("Enter a date, for example 28/03/2026.")
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", clean)
    parts = re.fullmatch(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{2}|\d{4})", clean)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if parts:
            year = int(parts[3]) + (2000 if len(parts[3]) == 2 else 0)
            return date(year, int(parts[2]), int(parts[1]))
    except ValueError:
        raise ValueError(f"{clean} is not a real date.") from None
    raise ValueError("Write the date as day/month/year, for example 28/03/2026.")
