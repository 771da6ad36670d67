"""Small numbers (DESIGN §8): reports that leave the hub show counts of 1 to 4 as "<5"."""

from __future__ import annotations

from typing import Any

SMALL_NUMBER = "<5"
SMALL_LIMIT = 5
# Figures that are not head counts (hours, percentages) are not suppressed as such;
# a percentage whose count is suppressed goes too (it would give the count away).
_NOT_COUNTS = {"volunteer_hours", "percent", "percent_of_visits"}


def suppress_small_numbers(report: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``report`` with every count 1..4 replaced by ``"<5"`` (0 stays 0)."""
    return {key: _suppress(key, value) for key, value in report.items()}


def _suppress(key: str, value: Any) -> Any:
    if key in _NOT_COUNTS:
        return value
    if isinstance(value, dict):
        copied = {inner: _suppress(inner, item) for inner, item in value.items()}
        if copied.get("count") == SMALL_NUMBER and "percent_of_visits" in copied:
            copied["percent_of_visits"] = None
        return copied
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return SMALL_NUMBER if 0 < value < SMALL_LIMIT else value
