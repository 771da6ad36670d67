"""The impact summary as a PDF: one to three A4 pages a council officer would forward.

Drawn with QPainter on a QPdfWriter (no window, so it works offscreen and off the
UI thread). Page 1: the headline figures in words and numbers, the sex split and
age bands; then the topics, signposting, the month-by-month line and the detail
tables; definitions last.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)

from hubdesk.reports.chart_data import chart_specs
from hubdesk.reports.figures.tables import DEFINITIONS, figure_text, report_lines
from hubdesk.reports.figures.writers import ReportHeading
from hubdesk.ui.reports.charts import BAR, TEXT, Chart, paint_chart

RESOLUTION = 150
HEADLINES = (
    ("visits", "Visits"), ("people_helped", "People helped"), ("visitors", "Visitors"),
    ("repeat_visitors", "Repeat visitors"), ("walk_in_or_self_referral", "Walk-ins and self-referrals"),
    ("mental_health", "Needing mental-health support"),
    ("referred_to_community_partners", "Referred to community partners"),
    ("volunteers", "Volunteers"), ("volunteer_hours", "Volunteer hours"),
    ("activities", "Activities run"), ("attendance_0_17", "Attendance aged 0–17"),
    ("first_visits", "First visits"),
)
TABLE_SECTIONS = ("signposts_by_kind", "sessions_by_type", "follow_ups", "outcomes_by_status",
                  "referred_in_by_source", "safeguarding_flags")


def _ensure_gui_application() -> None:
    if QGuiApplication.instance() is None:
        # the command line: no window is ever shown (the CLI set QT_QPA_PLATFORM=offscreen)
        _ensure_gui_application.app = QGuiApplication(sys.argv[:1])  # type: ignore[attr-defined]


class _Page:
    """A y cursor over the writer's pages."""

    def __init__(self, writer: QPdfWriter, painter: QPainter) -> None:
        self.writer = writer
        self.painter = painter
        self.area = QRectF(painter.viewport())
        self.y = self.area.top()
        self.pages = 1

    def room(self, height: float) -> None:
        if self.y + height > self.area.bottom():
            self.writer.newPage()
            self.pages += 1
            self.y = self.area.top()

    def text(self, text: str, font: QFont, *, colour: QColor = TEXT, gap: float = 0.3) -> None:
        metrics = QFontMetricsF(font, self.writer)
        bounds = metrics.boundingRect(QRectF(0, 0, self.area.width(), 10_000),
                                      int(Qt.TextFlag.TextWordWrap), text)
        self.room(bounds.height())
        self.painter.setFont(font)
        self.painter.setPen(colour)
        self.painter.drawText(QRectF(self.area.left(), self.y, self.area.width(),
                                     bounds.height()), int(Qt.TextFlag.TextWordWrap), text)
        self.y += bounds.height() + metrics.height() * gap


def _font(points: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(["DejaVu Sans", "Arial", "Helvetica"])
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def write_report_pdf(figures: dict[str, Any], heading: ReportHeading, target: Path) -> None:
    _ensure_gui_application()
    writer = QPdfWriter(str(target))
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(16, 14, 16, 14), QPageLayout.Unit.Millimeter))
    writer.setTitle(f"{heading.title}: {heading.area}, {heading.period()}")
    writer.setCreator("HubDesk")
    painter = QPainter(writer)
    try:
        _draw(_Page(writer, painter), figures, heading)
    finally:
        painter.end()


def _draw(page: _Page, figures: dict[str, Any], heading: ReportHeading) -> None:
    body, small = _font(10), _font(8.5)
    page.text(heading.title, _font(20, bold=True), gap=0.1)
    page.text(f"{heading.area} · {heading.period()}", _font(13), gap=0.6)
    _headlines(page, figures, body)
    charts = [Chart(kind, title, tuple(items)) for kind, title, items in chart_specs(figures)]
    line = QFontMetricsF(body, page.writer).height()
    for chart in charts:
        height = line * 1.4 * (chart.lines_needed() + 1)
        page.room(height + line)
        paint_chart(page.painter, QRectF(page.area.left(), page.y, page.area.width(), height),
                    chart, body)
        page.y += height + line * 0.8
    _tables(page, figures, body)
    page.text("How these figures are counted", _font(11, bold=True), gap=0.2)
    for term, meaning in DEFINITIONS:
        page.text(f"{term}: {meaning}", small, gap=0.1)
    note = ("Counts from 1 to 4 are shown as <5." if heading.small_numbers_hidden
            else "Exact counts, for the hub's own use: do not share outside the hub.")
    page.text(f"{note} Days are local dates in {heading.zone}. Made by HubDesk.", small)


def _headlines(page: _Page, figures: dict[str, Any], font: QFont) -> None:
    """The key figures as big numbers in a grid, each with its meaning in words."""
    summary = {line.code: line for line in report_lines(figures, "") if line.section == "summary"}
    warm = figures["sessions_by_type"].get("warm_space", 0)
    cells = [(summary[key].value, label, summary[key].percent) for key, label in HEADLINES]
    cells.append((warm, "Warm-space sessions", None))
    columns = 4
    number_font = _font(17, bold=True)
    number_height = QFontMetricsF(number_font, page.writer).height()
    label_height = QFontMetricsF(font, page.writer).height() * 2.5  # two lines of words
    width = page.area.width() / columns
    for start in range(0, len(cells), columns):
        page.room(number_height + label_height)
        for column, (value, label, percent) in enumerate(cells[start:start + columns]):
            x = page.area.left() + column * width
            shown = figure_text(value) + (f" ({percent:.0f} %)" if percent is not None else "")
            page.painter.setFont(number_font)
            page.painter.setPen(BAR)
            page.painter.drawText(QRectF(x, page.y, width - 8, number_height),
                                  int(Qt.AlignmentFlag.AlignLeft), shown)
            page.painter.setFont(font)
            page.painter.setPen(TEXT)
            page.painter.drawText(QRectF(x, page.y + number_height, width - 12, label_height),
                                  int(Qt.TextFlag.TextWordWrap), label)
        page.y += number_height + label_height + number_height * 0.3


def _tables(page: _Page, figures: dict[str, Any], font: QFont) -> None:
    from hubdesk.reports.figures.tables import section_title

    lines = [line for line in report_lines(figures, "") if line.section in TABLE_SECTIONS]
    for section in TABLE_SECTIONS:
        rows = [line for line in lines if line.section == section]
        if not rows:
            continue
        text = "; ".join(f"{line.label} {figure_text(line.value)}" for line in rows)
        page.text(section_title(section), _font(11, bold=True), gap=0.1)
        page.text(text, font, gap=0.5)
