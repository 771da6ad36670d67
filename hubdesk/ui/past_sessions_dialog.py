""""Past sessions": every session on this laptop by day, newest first, with its summary
(visits, topics, signposts, headcount, activities, volunteers and hours).

Coordinators only (Session ▸ Past sessions…, Ctrl+Shift+P).  "Reopen" (Alt+R) makes a
new version of a closed session, open again for corrections; "Close again" closes a
reopened one; "Print…" (Enter) prints the summary or saves it as a PDF through the
system's print dialog.  Esc closes.

Signals:
    reopened(str): a session (by id) was reopened.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from hubdesk.core.days import day_words
from hubdesk.core.errors import ValidationError
from hubdesk.services import session_history
from hubdesk.services.common import Changes
from hubdesk.services.session_history import PastSessionRow
from hubdesk.services.sessions import SessionSummary
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import RowListModel
from hubdesk.ui.review_parts import fit_list_to_rows
from hubdesk.ui.session_dialogs import fill_summary_grid
from hubdesk.ui.session_print import print_summary
from hubdesk.ui.widgets import Heading, HintLabel, em, review_list, run_db

SHORTCUT = "Ctrl+Shift+P"
NONE_YET = "No session has been recorded on this laptop yet."


class PastSessionModel(RowListModel[PastSessionRow]):
    def display(self, row: PastSessionRow) -> str:
        return row.line


class PastSessionsDialog(BaseDialog):
    reopened = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Past sessions", "Past sessions", parent,
                         intro="Each session's figures. Reopen one to correct it, or print it.",
                         ok_text="&Print…", cancel_text="Close")
        self.context = context
        self.loaded = False
        self.summary: SessionSummary | None = None
        self.model = PastSessionModel(self)
        self.list = review_list(self.model)
        self.list.setFixedHeight(em(self, 7))
        self.list_field = self.add_field("sessions", "&Sessions (newest first)", self.list)
        self.empty_note = HintLabel(NONE_YET)
        self.empty_note.hide()
        self.add_widget(self.empty_note)

        row = QHBoxLayout()
        self.reopen_button = QPushButton("&Reopen to correct")
        self.reopen_button.setAutoDefault(False)
        self.reopen_button.setToolTip("Open this session again to correct its figures "
                                      "(a new version is kept; nothing is overwritten)")
        self.reopen_button.clicked.connect(self.reopen_or_close)
        row.addWidget(self.reopen_button)
        self.done_note = HintLabel("")  # beside the button: seen without scrolling
        self.done_note.hide()
        row.addWidget(self.done_note)
        row.addStretch(1)
        self.body_layout.addLayout(row)
        self.summary_box = QWidget()
        outer = QGridLayout(self.summary_box)
        outer.setContentsMargins(0, 0, 0, 0)
        self.summary_title = Heading("", level=2)
        outer.addWidget(self.summary_title, 0, 0)
        self.grid_box = QWidget()
        self.grid = QGridLayout(self.grid_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(em(self, 1.5))
        self.grid.setVerticalSpacing(em(self, 0.4))
        outer.addWidget(self.grid_box, 1, 0)
        self.add_widget(self.summary_box)
        self.values: dict[str, QLabel] = {}

        self.finish_body()
        self.fit_to_screen(width_em=52)
        self.ok_button.setToolTip("Print this session's summary, or save it as a PDF (Enter)")
        self.setTabOrder(self.list, self.reopen_button)
        self.setTabOrder(self.reopen_button, self.ok_button)
        if self.cancel_button is not None:
            self.setTabOrder(self.ok_button, self.cancel_button)
        self.list.selectionModel().currentChanged.connect(
            lambda current, _previous: self._load_summary(self.model.row_of(current)))
        context.runner.data_changed.connect(self._data_changed)
        self._show_summary(None)
        self.reload()

    # ---- loading ----------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.context.actor
        if actor is None:
            return
        run_db(self, self.context, lambda db: session_history.list_past_sessions(db, actor),
               self._loaded, self._failed)

    def _data_changed(self, changes: Changes) -> None:
        if changes.kinds & {"session", "visit", "sync"}:
            self.reload()

    def _loaded(self, rows: list[PastSessionRow]) -> None:
        current = self.load_review_list(self.list, self.model, rows)
        fit_list_to_rows(self.list, 5)
        self.loaded = True
        self.show_rows_or_empty(bool(rows), self.empty_note, self.list_field, self.summary_box,
                                self.reopen_button)
        if current is None:
            self._show_summary(None)
            return
        self._load_summary(current)

    @property
    def selected(self) -> PastSessionRow | None:
        return self.model.row_of(self.list.currentIndex())

    def _load_summary(self, row: PastSessionRow | None) -> None:
        actor = self.context.actor
        if row is None or actor is None:
            self._show_summary(None)
            return
        session_id = row.id
        run_db(self, self.context, lambda db: session_history.summary(db, actor, session_id),
               self._show_summary, self._failed)

    def _show_summary(self, summary: SessionSummary | None) -> None:
        if summary is not None and (self.selected is None or self.selected.id != summary.session.id):
            return  # an answer for a row no longer selected
        self.summary = summary
        self.summary_box.setVisible(summary is not None)
        self.ok_button.setEnabled(summary is not None and not self.busy)
        self.reopen_button.setEnabled(summary is not None)
        if summary is None:
            return
        info = summary.session
        self.summary_title.setText(f"{info.title} · {day_words(info.session_date, year=True)}"
                                   + (" · open" if info.status == "open" else ""))
        self.reopen_button.setText("Close &again" if info.status == "open"
                                   else "&Reopen to correct")
        self.values = fill_summary_grid(self.grid, summary, big_numbers=False)
        self.refit()

    def value(self, key: str) -> str:
        return self.values[key].text()

    # ---- actions ----------------------------------------------------------------------

    def reopen_or_close(self) -> None:
        row = self.selected
        actor = self.context.actor
        if row is None or self.summary is None or self.busy:
            return
        if not self.coordinator_or_say(actor, "Only a coordinator can reopen a session."):
            return
        session_id = row.id
        reopening = self.summary.session.status != "open"
        work = session_history.reopen_session if reopening else session_history.close_again
        self.set_busy(True)
        run_db(self, self.context, lambda db: work(db, actor, session_id),
               lambda _changes: self._reopened(session_id, reopening), self._failed)

    def _reopened(self, session_id: str, reopening: bool) -> None:
        self.set_busy(False)
        self.done_note.setText(
            "✓ Reopened: correct it, then close it again." if reopening
            else "✓ Closed again: its figures go with the next sync.")
        self.done_note.show()
        if reopening:
            self.reopened.emit(session_id)

    def accept_requested(self) -> None:
        """Enter / "Print…": the system's print dialog (a printer, or a PDF file)."""
        summary = self.summary
        if summary is None:
            return
        if self.context.errors.no_err_windows:
            return  # tests and scripted runs never open a modal print dialog
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(f"Session summary {summary.session.session_date:%Y-%m-%d}")
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            print_summary(summary, printer)

    def _failed(self, error: BaseException) -> None:
        self.show_failure(error, self.context.errors.report, refusals_here=True)
        if isinstance(error, ValidationError):
            self.reload()  # the session changed meanwhile: show it as it is now
