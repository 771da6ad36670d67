"""The figures page's content: the §8 report of the chosen area as labelled tables.

Labels, order and percentages come from ``reports.figures.tables`` (the one layout
behind CSV, XLSX and PDF), so the page says what the downloads say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubdesk.reports.figures.tables import (
    BREAKDOWNS,
    ReportLine,
    figure_text,
    report_lines,
    section_title,
)
from hubdesk.server.council_access import Viewer
from hubdesk.server.web.chart import BarChart, report_charts
from hubdesk.server.web.forms import FiguresQuery

#: the columns of the per-hub and per-district tables
HEADLINES = (("visits", "Visits"), ("people_helped", "People helped"),
             ("visitors", "Visitors"), ("mental_health", "Needing mental-health support"),
             ("referred_to_community_partners", "Referred to community partners"))


@dataclass(frozen=True)
class Line:
    code: str
    label: str
    value: str
    percent: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    lines: list[Line]


@dataclass(frozen=True)
class AreaRow:
    name: str
    area: str  # the area picker's value, for the row's link
    values: list[str]


@dataclass(frozen=True)
class FiguresView:
    area_name: str
    summary: list[Line]
    sections: list[Section]
    charts: list[BarChart]
    districts: list[AreaRow]
    hubs: list[AreaRow]


def _line(line: ReportLine) -> Line:
    percent = "" if line.percent is None else f"{line.percent:.1f} %"
    return Line(line.code, line.label, figure_text(line.value), percent)


def _headline_values(report: dict[str, Any]) -> list[str]:
    values = []
    for key, _ in HEADLINES:
        value = report[key]
        values.append(figure_text(value["count"] if key == "mental_health" else value))
    return values


def area_name(query: FiguresQuery, viewer: Viewer) -> str:
    hub_id = query.hub_id()
    if hub_id:
        return f"Hub: {viewer.hubs[hub_id][0]}"
    district = query.district()
    if district:
        return f"District: {district}"
    return viewer.area_label()


def figures_view(report: dict[str, Any], query: FiguresQuery, viewer: Viewer) -> FiguresView:
    name = area_name(query, viewer)
    raw_lines = list(report_lines(report, name))
    summary = [_line(raw) for raw in raw_lines if raw.section == "summary"]
    sections = []
    for key, _title, _vocab in BREAKDOWNS:
        section_lines = [_line(raw) for raw in raw_lines if raw.section == key]
        if section_lines:
            sections.append(Section(key, section_title(key), section_lines))
    ids_by_name = {hub_name: hub_id for hub_id, (hub_name, _) in viewer.hubs.items()}
    hub_names = [hub for hub in report.get("by_hub", {}) if hub in ids_by_name]
    hubs = [AreaRow(hub, f"hub:{ids_by_name[hub]}", _headline_values(report["by_hub"][hub]))
            for hub in hub_names]
    # a district's row only where the user sees all of it (a part would mislead)
    districts = [AreaRow(district, f"district:{district}", _headline_values(sub))
                 for district, sub in report.get("by_district", {}).items()
                 if viewer.may_see_district(district)]
    if query.hub_id():
        districts = []
    return FiguresView(name, summary, sections, report_charts(report, hub_names), districts,
                       hubs)
