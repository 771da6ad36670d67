"""Bar charts drawn on the server as SVG (no script, no library).

Each bar is an SVG rectangle scaled to the largest value; its label and its number
stay HTML text beside it, so they are read out, wrap on a phone and keep their size
when the bar stretches. A hidden small number ("<5") has no bar and says "<5".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hubdesk.reports.figures.tables import figure_text


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    percent: float  # of the largest bar, 0..100


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    note: str = ""


def _size(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def bar_chart(title: str, items: list[tuple[str, Any]], note: str = "") -> BarChart:
    largest = max((_size(value) for _, value in items), default=0.0)
    bars = [Bar(label, figure_text(value),
                round(100 * _size(value) / largest, 2) if largest else 0.0)
            for label, value in items]
    return BarChart(title, bars, note)


def month_label(code: str) -> str:
    year, month = code.split("-")
    return f"{date(int(year), int(month), 1):%B %Y}"


def report_charts(report: dict[str, Any], hub_names: list[str]) -> list[BarChart]:
    """Visits by hub (when the area has more than one) and visits month by month."""
    charts = []
    if len(hub_names) > 1:
        by_hub = report.get("by_hub", {})
        charts.append(bar_chart("Visits by hub",
                                [(name, by_hub[name]["visits"]) for name in hub_names
                                 if name in by_hub]))
    months = report.get("visits_by_month") or {}
    if months:
        charts.append(bar_chart("Visits month by month",
                                [(month_label(code), value) for code, value in sorted(months.items())]))
    return charts
