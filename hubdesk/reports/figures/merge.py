"""Adding reports together (hubs into districts and the county).

Every figure but the distinct volunteers is a sum of the hubs' figures (visitor
codes are counted per hub); callers count volunteers apart and set them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hubdesk.reports.figures.shape import empty_report, finish_report

_DERIVED = {"percent_of_visits"}


def merge_reports(reports: Iterable[dict[str, Any]]) -> dict[str, Any]:
    total = empty_report()
    for report in reports:
        _add_into(total, report)
    total["volunteer_hours"] = round(total["volunteer_hours"], 1)
    return finish_report(total)


def _add_into(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        if key in _DERIVED:
            continue
        if isinstance(value, dict):
            _add_into(target.setdefault(key, {}), value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            target[key] = target.get(key, 0) + value
