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
