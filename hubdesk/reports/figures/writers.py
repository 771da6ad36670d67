"""CSV and XLSX files of a report (no Qt; the PDF is drawn by Qt in ``ui/``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from hubdesk.reports.figures.tables import (
    BREAKDOWNS,
    DEFINITIONS,
    ReportLine,
    areas,
    report_lines,
    section_title,
)

CSV_COLUMNS = ["area", "section", "code", "label", "value", "percent"]
SHEET_NAME_LIMIT = 31


@dataclass(frozen=True)
class ReportHeading:
    """What a file says about its report (cover sheet, PDF title)."""

    title: str
    area: str
    first: date
    last: date
    zone: str
    small_numbers_hidden: bool

    def period(self) -> str:
        return f"{self.first:%d %B %Y} to {self.last:%d %B %Y}"


def all_lines(report: dict[str, Any], heading: ReportHeading) -> list[ReportLine]:
    return [line for area, sub in areas(report, heading.area) for line in report_lines(sub, area)]


def write_csv(report: dict[str, Any], heading: ReportHeading, target: Path) -> int:
    """One row per figure; returns the number of rows."""
    lines = all_lines(report, heading)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for line in lines:
            writer.writerow([line.area, line.section, line.code, line.label, line.value,
                             "" if line.percent is None else line.percent])
    return len(lines)


def write_xlsx(report: dict[str, Any], heading: ReportHeading, target: Path) -> int:
    """A cover sheet (period, area, definitions), a summary and one sheet per breakdown;
    figures are numbers (a hidden small number is the text "<5"). Returns the sheet count."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "About"
    bold = Font(bold=True)
    cover.append([heading.title])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append(["Area", heading.area])
    cover.append(["Period", heading.period()])
    cover.append(["From", heading.first])
    cover.append(["To", heading.last])
    cover.append(["Days in time zone", heading.zone])
    cover.append(["Small numbers", "1 to 4 shown as <5" if heading.small_numbers_hidden
                  else "exact (for the hub's own coordinator)"])
    cover.append([])
    cover.append(["Definitions"])
    cover.cell(row=cover.max_row, column=1).font = bold
    for term, meaning in DEFINITIONS:
        cover.append([term, meaning])
    cover.column_dimensions["A"].width = 22
    cover.column_dimensions["B"].width = 100
    for row in (4, 5):
        cover.cell(row=row, column=2).number_format = "yyyy-mm-dd"
    by_section: dict[str, list[ReportLine]] = {}
    for line in all_lines(report, heading):
        by_section.setdefault(line.section, []).append(line)
    for section in ["summary", *(key for key, _, _ in BREAKDOWNS)]:
        sheet = book.create_sheet(section_title(section)[:SHEET_NAME_LIMIT])
        sheet.append(["Area", "Code", "Label", "Count", "Percent"])
        for cell in sheet[1]:
            cell.font = bold
        for line in by_section.get(section, []):
            sheet.append([line.area, line.code, line.label, line.value, line.percent])
        sheet.column_dimensions["A"].width = 28
        sheet.column_dimensions["B"].width = 24
        sheet.column_dimensions["C"].width = 60
        sheet.freeze_panes = "A2"
    book.save(target)
    return len(book.sheetnames)
