""""Impact report": a coordinator picks a period and a venue and sees the figures.

Opened from Go ▸ Impact report… (Ctrl+Shift+R), coordinators only. The figures
come in plain words first, then charts where people look rather than read (each
chart has its figures in words for screen readers). "Save as" buttons write CSV,
Excel or PDF off the UI thread; files that leave the hub show small numbers as
"<5" unless "Exact counts" is ticked. Enter shows the figures; Esc closes.

Signals:
    loaded(): a report arrived and is on the screen (tests wait on it).
    exported(str): a file was saved (its path).
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from hubdesk.reports import laptop
from hubdesk.reports.chart_data import chart_specs
from hubdesk.reports.export import export_report
from hubdesk.reports.laptop import LaptopReport, ReportChoices
from hubdesk.reports.periods import PERIODS, parse_day, period_days
from hubdesk.reports.words import summary_sentences
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.reports.charts import Chart, ChartView
from hubdesk.ui.widgets import Heading, HintLabel, LabelledField, em, line_edit, run_db

SHORTCUT = "Ctrl+Shift+R"
ALL_VENUES = "All venues"
FIELD_HINTS = {"period": "Or type the dates", "first": "Day/month/year",
               "last": "Day/month/year", "venue": "Or one venue"}
FORMATS = (("csv", "Save as &CSV…", "CSV files (*.csv)"),
           ("xlsx", "Save as &Excel…", "Excel workbooks (*.xlsx)"),
           ("pdf", "Save as &PDF…", "PDF documents (*.pdf)"))


class ReportsDialog(BaseDialog):
    loaded = Signal()
    exported = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Impact report", "Impact report", parent,
                         intro="The figures your hub publishes, for a period you choose.",
                         ok_text="&Show figures", cancel_text="Close")
        self.context = context
        self.report: LaptopReport | None = None
        self.choices: ReportChoices | None = None

        choose = QWidget()
        row = QHBoxLayout(choose)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(em(self, 1.0))
        self.period = QComboBox()
        for code, label in PERIODS:
            self.period.addItem(label, code)
        self.first = line_edit("28/03/2026", max_length=10)
        self.last = line_edit("30/03/2026", max_length=10)
        self.venue = QComboBox()
        self.venue.addItem(ALL_VENUES, None)
        for name, label, widget, stretch in (("period", "&Period", self.period, 2),
                                             ("first", "&From", self.first, 2),
                                             ("last", "&To", self.last, 2),
                                             ("venue", "&Venue", self.venue, 3)):
            labelled = LabelledField(label, widget, FIELD_HINTS[name], name=name)
            self.fields[name] = labelled
            # inputs stay in one line when an error is shown above one of them
            row.addWidget(labelled, stretch, Qt.AlignmentFlag.AlignBottom)
        self.add_widget(choose)

        self.covers = Heading("", level=2)
        self.add_widget(self.covers)
        self.summary = QLabel("Loading…")
        self.summary.setObjectName("reportSummary")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("The figures in words")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                             | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # after the flags (they reset it)
        self.add_widget(self.summary)

        charts = QWidget()
        grid = QGridLayout(charts)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(em(self, 1.5))
        grid.setVerticalSpacing(em(self, 1.0))
        self.charts = [ChartView() for _ in range(5)]
        top = Qt.AlignmentFlag.AlignTop
        grid.addWidget(self.charts[0], 0, 0, top)  # sex split
        grid.addWidget(self.charts[4], 0, 1, top)  # month by month
        grid.addWidget(self.charts[1], 1, 0, top)  # age bands
        grid.addWidget(self.charts[2], 1, 1, top)  # topics
        grid.addWidget(self.charts[3], 2, 0, 1, 2, top)  # signposting
        self.add_widget(charts)

        self.add_widget(Heading("Save the report", level=2))
        self.exact = QCheckBox("E&xact counts (only for this hub's own use)")
        self.exact.setToolTip("Files that leave the hub show counts from 1 to 4 as <5.")
        self.add_widget(self.exact)
        buttons = QWidget()
        save_row = QHBoxLayout(buttons)
        save_row.setContentsMargins(0, 0, 0, 0)
        self.save_buttons: dict[str, QPushButton] = {}
        for fmt, text, _ in FORMATS:
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, f=fmt: self.choose_file(f))
            save_row.addWidget(button)
            self.save_buttons[fmt] = button
        save_row.addStretch(1)
        self.add_widget(buttons)
        self.saved_note = HintLabel("")
        self.saved_note.setObjectName("doneNote")
        self.add_widget(self.saved_note)
        self.finish_body()
        self.fit_to_screen(width_em=70)
        self._maximise_height()

        order: list[QWidget] = [self.period, self.first, self.last, self.venue, self.ok_button,
                                self.summary, *self._charts_in_reading_order(), self.exact,
                                *self.save_buttons.values()]
        if self.cancel_button is not None:
            order.append(self.cancel_button)
        for before, after in pairwise(order):
            self.setTabOrder(before, after)
        self.ok_button.setToolTip("Show the figures for this period and venue (Enter)")
        self.period.currentIndexChanged.connect(self._period_chosen)
        self.first.textEdited.connect(self._dates_edited)
        self.last.textEdited.connect(self._dates_edited)
        self._set_buttons_enabled(False)
        actor = context.actor
        if actor is not None:
            run_db(self, context, lambda db: laptop.report_choices(db, actor),
                   self._choices_loaded)

    # ---- layout -----------------------------------------------------------------------

    def _charts_in_reading_order(self) -> list[QWidget]:
        return [self.charts[0], self.charts[4], self.charts[1], self.charts[2], self.charts[3]]

    def _maximise_height(self) -> None:
        screen = self.screen()
        if screen is not None:
            available = screen.availableGeometry()
            self.resize(min(self.width(), available.width() - 40), available.height() - 60)

    # ---- choosing ---------------------------------------------------------------------

    def _choices_loaded(self, choices: ReportChoices) -> None:
        self.choices = choices
        for venue_id, name in choices.venues:
            self.venue.addItem(name, venue_id)
        self._period_chosen()
        self.show_figures()

    def _period_chosen(self) -> None:
        code = self.period.currentData()
        if code == "custom" or self.choices is None:
            return
        first, last = period_days(code, self.choices.today)
        self.first.setText(f"{first:%d/%m/%Y}")
        self.last.setText(f"{last:%d/%m/%Y}")

    def _dates_edited(self) -> None:
        """Typing a date makes the period "Choose dates…" (setText does not come here)."""
        self.period.setCurrentIndex(self.period.findData("custom"))

    def accept_requested(self) -> None:
        self.show_figures()

    def show_figures(self) -> None:
        errors: dict[str, str] = {}
        days: dict[str, date] = {}
        for name, edit in (("first", self.first), ("last", self.last)):
            try:
                days[name] = parse_day(edit.text())
            except ValueError as problem:
                errors[name] = str(problem)
        if not errors and days["last"] < days["first"]:
            errors["last"] = "The end date is before the start date."
        if errors:
            self.show_errors(errors)
            return
        first, last = days["first"], days["last"]
        self.clear_errors()
        venue_id = self.venue.currentData()
        actor = self.context.actor
        if actor is None:
            return
        self.set_busy(True)
        self.summary.setText("Counting…")
        run_db(self, self.context,
               lambda db: laptop.laptop_report(db, actor, first, last, venue_id),
               self._report_loaded, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.set_busy(False)
        self.summary.setText("The figures could not be counted.")
        self.context.errors.report(error)

    # ---- showing ----------------------------------------------------------------------

    def _report_loaded(self, report: LaptopReport) -> None:
        self.set_busy(False)
        self.report = report
        self.covers.setText(report.title())
        self.summary.setText("\n".join(f"• {line}" for line in summary_sentences(report.figures)))
        self.summary.setAccessibleDescription(self.summary.text())
        for view, (kind, title, items) in zip(self.charts, chart_specs(report.figures),
                                              strict=True):
            view.set_chart(Chart(kind, title, tuple(items)))
        self._set_buttons_enabled(True)
        self.saved_note.setText("")
        self.loaded.emit()

    def _set_buttons_enabled(self, enabled: bool) -> None:
        for button in self.save_buttons.values():
            button.setEnabled(enabled)

    # ---- saving -----------------------------------------------------------------------

    def choose_file(self, fmt: str) -> None:
        if self.report is None:
            return
        suffix = next(name for code, _, name in FORMATS if code == fmt)
        suggested = self.context.paths.exports / (
            f"impact-report-{self.report.first}-{self.report.last}.{fmt}")
        path, _ = QFileDialog.getSaveFileName(self, "Save the report", str(suggested), suffix)
        if path:
            self.export_to(fmt, Path(path))

    def export_to(self, fmt: str, target: Path) -> None:
        """Save the report shown as ``fmt`` (off the UI thread)."""
        report, actor = self.report, self.context.actor
        if report is None or actor is None:
            return
        from hubdesk.ui.reports.pdf import write_report_pdf

        exact, venue_id = self.exact.isChecked(), report.venue_id
        self._set_buttons_enabled(False)
        self.saved_note.setText(f"Saving {target.name}…")

        def work(db: Any) -> Path:
            return export_report(db, actor, report.first, report.last, fmt, target,
                                 venue_id=venue_id, exact=exact, pdf_writer=write_report_pdf).path

        run_db(self, self.context, work, self._saved, self._save_failed)

    def _saved(self, path: Path) -> None:
        self._set_buttons_enabled(True)
        self.saved_note.setText(f"Saved: {path}")
        self.exported.emit(str(path))

    def _save_failed(self, error: BaseException) -> None:
        self._set_buttons_enabled(True)
        self.saved_note.setText("The report was not saved.")
        self.context.errors.report(error)
