"""Charts drawn with QPainter: bars, a split bar and a month-by-month line.

Own painting rather than QtCharts: QtCharts lives in ``pyside6-addons`` (well over
100 MB more), which would push the frozen app past its 150 MB aim for four simple
chart shapes. The same paint functions draw on the screen and into the PDF.
Every chart has a text alternative (its figures in words) for screen readers, and
every bar carries its number, so colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from hubdesk.reports.figures.tables import figure_text

BAR = QColor("#1d70b8")  # GOV.UK blue: 5.2:1 on white
SECOND = QColor("#0b0c0c")  # near black: the second part of a split bar
TEXT = QColor("#0b0c0c")
GRID = QColor("#b1b4b6")


def _amount(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


@dataclass(frozen=True)
class Chart:
    """What to draw: ``kind`` is "bars", "split" or "line"; items are (label, value)."""

    kind: str
    title: str
    items: tuple[tuple[str, Any], ...]

    def text_alternative(self) -> str:
        if not self.items:
            return f"{self.title}: nothing recorded in this period."
        parts = ", ".join(f"{label} {figure_text(value)}" for label, value in self.items)
        return f"{self.title}: {parts}."

    def lines_needed(self) -> int:
        if self.kind == "bars":
            return max(1, len(self.items)) + 1
        return 7 if self.kind == "line" else 3


def paint_chart(painter: QPainter, area: QRectF, chart: Chart, font: QFont) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    bold = QFont(font)
    bold.setBold(True)
    painter.setFont(bold)
    line = QFontMetricsF(bold, painter.device()).height()
    painter.setPen(TEXT)
    painter.drawText(QRectF(area.left(), area.top(), area.width(), line),
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, chart.title)
    painter.setFont(font)
    body = area.adjusted(0, line * 1.3, 0, 0)
    if not chart.items:
        painter.drawText(body, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         "Nothing recorded in this period.")
    elif chart.kind == "bars":
        _paint_bars(painter, body, chart.items, font)
    elif chart.kind == "split":
        _paint_split(painter, body, chart.items, font)
    else:
        _paint_line(painter, body, chart.items, font)
    painter.restore()


def _paint_bars(painter: QPainter, area: QRectF, items: tuple[tuple[str, Any], ...],
                font: QFont) -> None:
    metrics = QFontMetricsF(font, painter.device())
    row = metrics.height() * 1.35
    label_width = min(area.width() * 0.42, max(metrics.horizontalAdvance(label)
                                                for label, _ in items) + metrics.height() * 0.6)
    number_width = max(metrics.horizontalAdvance(figure_text(v)) for _, v in items) \
        + metrics.height() * 0.5
    biggest = max((_amount(v) for _, v in items), default=0.0) or 1.0
    bar_space = max(1.0, area.width() - label_width - number_width)
    for index, (label, value) in enumerate(items):
        top = area.top() + index * row
        painter.setPen(TEXT)
        painter.drawText(QRectF(area.left(), top, label_width - metrics.height() * 0.4, row),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(label, Qt.TextElideMode.ElideRight,
                                            label_width - metrics.height() * 0.4))
        length = bar_space * _amount(value) / biggest
        bar = QRectF(area.left() + label_width, top + row * 0.15, length, row * 0.7)
        painter.fillRect(bar, BAR)
        painter.drawText(QRectF(bar.right() + metrics.height() * 0.3, top, number_width, row),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         figure_text(value))


def _paint_split(painter: QPainter, area: QRectF, items: tuple[tuple[str, Any], ...],
                 font: QFont) -> None:
    """Two (or more) parts of a whole side by side, each labelled with its share."""
    metrics = QFontMetricsF(font, painter.device())
    total = sum(_amount(v) for _, v in items) or 1.0
    height = metrics.height() * 1.6
    left = area.left()
    colours = [BAR, SECOND, GRID]
    for index, (_label, value) in enumerate(items):
        width = area.width() * _amount(value) / total
        painter.fillRect(QRectF(left, area.top(), width, height), colours[index % len(colours)])
        left += width
    legend_top = area.top() + height + metrics.height() * 0.4
    x = area.left()
    for index, (label, value) in enumerate(items):
        share = f" {100 * _amount(value) / total:.0f} %" if isinstance(value, int) else ""
        text = f"{label}: {figure_text(value)}{share}"
        swatch = QRectF(x, legend_top + metrics.height() * 0.2, metrics.height() * 0.7,
                        metrics.height() * 0.7)
        painter.fillRect(swatch, colours[index % len(colours)])
        painter.setPen(TEXT)
        painter.drawText(QPointF(swatch.right() + metrics.height() * 0.3,
                                 legend_top + metrics.ascent()), text)
        x = swatch.right() + metrics.height() * 0.3 + metrics.horizontalAdvance(text) \
            + metrics.height()


def _paint_line(painter: QPainter, area: QRectF, items: tuple[tuple[str, Any], ...],
                font: QFont) -> None:
    metrics = QFontMetricsF(font, painter.device())
    plot = area.adjusted(metrics.height(), metrics.height(), -metrics.height(),
                         -metrics.height() * 1.5)
    biggest = max((_amount(v) for _, v in items), default=0.0) or 1.0
    painter.setPen(QPen(GRID, 1))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    step = plot.width() / max(1, len(items) - 1)
    points = [QPointF(plot.left() + (step * i if len(items) > 1 else plot.width() / 2),
                      plot.bottom() - plot.height() * _amount(v) / biggest)
              for i, (_, v) in enumerate(items)]
    painter.setPen(QPen(BAR, max(2.0, metrics.height() / 8)))
    for start, end in pairwise(points):
        painter.drawLine(start, end)
    painter.setPen(TEXT)
    for point, (label, value) in zip(points, items, strict=True):
        radius = metrics.height() / 5
        painter.setBrush(BAR)
        painter.drawEllipse(point, radius, radius)
        number = figure_text(value)
        painter.drawText(QPointF(point.x() - metrics.horizontalAdvance(number) / 2,
                                 point.y() - radius * 1.8), number)
        painter.drawText(QPointF(point.x() - metrics.horizontalAdvance(label) / 2,
                                 plot.bottom() + metrics.height() * 1.2), label)


class ChartView(QWidget):
    """One chart on the screen; its accessible description is the chart in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart = Chart("bars", "", ())
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # screen readers reach it by Tab
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_chart(self, chart: Chart) -> None:
        self.chart = chart
        self.setAccessibleName(chart.title)
        self.setAccessibleDescription(chart.text_alternative())
        self.setToolTip(chart.text_alternative())
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        line = QFontMetricsF(self.font()).height()
        return QSize(int(line * 20), int(line * 1.4 * (self.chart.lines_needed() + 1)))

    def minimumSizeHint(self) -> QSize:
        return QSize(int(QFontMetricsF(self.font()).height() * 12), self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if self.hasFocus():  # the house focus ring: yellow with a black edge (seen on white)
            painter.setPen(QPen(QColor("#ffdd00"), 4))
            painter.drawRect(self.rect().adjusted(2, 2, -2, -2))
            painter.setPen(QPen(QColor("#0b0c0c"), 2))
            painter.drawRect(self.rect().adjusted(5, 5, -5, -5))
        paint_chart(painter, QRectF(self.rect()).adjusted(6, 4, -6, -4), self.chart, self.font())
        painter.end()
