"""Session ▸ End of day handover (coordinators): one keyboard-friendly wizard.

Steps: unfinished visits → close today's sessions → sign volunteers out → send (or the
batch file) → the server's receipt, who still has records to send, what the purge will
remove → the day's summary as a PDF to save or print.  Alt+N / Enter go on, Alt+B goes
back, Esc closes (nothing is lost: every step saved as it went).

Every read and write goes through the runner (``sync.handover``, ``services.sessions``);
the wizard keeps the latest :class:`~hubdesk.sync.handover.HandoverDay` and each page
redraws from it.

Signals:
    day_loaded(object): a fresh HandoverDay was read (tests wait on it).
    finish_drafts_requested(): "Finish mine in the form" (the window shows the form).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QWidget, QWizard
from sqlalchemy.orm import Session

from hubdesk.services.common import Actor
from hubdesk.sync.handover import HandoverDay, handover_day
from hubdesk.ui.context import AppContext
from hubdesk.ui.handover.pages import DraftsPage, HandoverPage, SessionsPage, VolunteersPage
from hubdesk.ui.handover.summary_pdf import write_summary_pdf
from hubdesk.ui.handover.sync_page import SyncPage
from hubdesk.ui.sync_controller import SyncController
from hubdesk.ui.widgets import HintLabel, LabelledField, em, line_edit, run_db


class ReceiptPage(HandoverPage):
    def __init__(self) -> None:
        super().__init__("The server's receipt", "What the server holds from this laptop today.")
        self.receipt = HintLabel("")
        self.receipt.setObjectName("receiptLine")
        self.receipt.setAccessibleName("Receipt")
        font = self.receipt.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.receipt.setFont(font)
        self.page_layout.addWidget(self.receipt)
        self.detail = HintLabel("")
        self.page_layout.addWidget(self.detail)
        self.unsent = HintLabel("")
        self.unsent.setAccessibleName("Records still to send")
        self.page_layout.addWidget(self.unsent)
        self.purge = HintLabel("")
        self.purge.setAccessibleName("What the purge will remove")
        self.page_layout.addWidget(self.purge)
        self.page_layout.addStretch(1)

    def show_day(self, day: HandoverDay) -> None:
        self.receipt.setText(day.receipt_text[:1].upper() + day.receipt_text[1:] + ".")
        self.detail.setText(day.receipt_detail)
        if day.unsent:
            self.unsent.setText("Not on the server yet:\n" + "\n".join(u.text for u in day.unsent))
        else:
            self.unsent.setText("Nobody has records waiting: the server has them all.")
        self.purge.setText("On this laptop: " + day.purge.summary)
        super().show_day(day)


class SummaryPage(HandoverPage):
    def __init__(self) -> None:
        super().__init__("The day's summary",
                         "Save it as a PDF to print or email. It holds counts only.")
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.path = line_edit(max_length=400)
        self.path_field = LabelledField("Save the summary as (&PDF file)", self.path)
        layout.addWidget(self.path_field, 1)
        self.choose_button = self.button("C&hoose…", "Choose where to save it")
        self.choose_button.clicked.connect(self._choose)
        layout.addWidget(self.choose_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.page_layout.addWidget(row)
        self.save_button = self.button("&Save the summary", "Write the PDF; open it to print")
        self.save_button.clicked.connect(self.save_pdf)
        self.page_layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.saved = HintLabel("")
        self.saved.setAccessibleName("Summary")
        self.page_layout.addWidget(self.saved)
        self.open_button = self.button("&Open it to print", "Opens the PDF in the laptop's "
                                       "PDF viewer, which prints it")
        self.open_button.clicked.connect(self._open_pdf)
        self.open_button.hide()
        self.page_layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.page_layout.addStretch(1)
        self.written: Path | None = None

    def show_day(self, day: HandoverDay) -> None:
        if not self.path.text():
            folder = self.handover.context.paths.exports
            self.path.setText(str(folder / f"hubdesk-day-{day.day.isoformat()}.pdf"))
        super().show_day(day)

    def _choose(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Save the day's summary", self.path.text(),
                                                "PDF documents (*.pdf)")
        if chosen:
            self.path.setText(chosen)

    def save_pdf(self) -> None:
        day = self.handover.day
        text = self.path.text().strip()
        target = Path(text).expanduser() if text else None
        if day is None or target is None or not target.parent.is_dir():
            self.path_field.set_error("Choose a file in a folder that exists.")
            self.path.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        self.path_field.set_error(None)
        coordinator = self.handover.actor.display_name
        self.save_button.setEnabled(False)
        self.handover.context.runner.run_background(
            lambda: write_summary_pdf(day, coordinator, target), self._saved, self._failed)

    def _saved(self, target: Path) -> None:
        self.save_button.setEnabled(True)
        self.written = target
        self.saved.setText(f"Saved to {target}. Open it to print, or attach it to an email.")
        self.open_button.show()
        self.handover.summary_saved.emit(str(target))

    def _open_pdf(self) -> None:
        if self.written is not None and not QDesktopServices.openUrl(
                QUrl.fromLocalFile(str(self.written))):
            self.path_field.set_error("No PDF viewer opened it: open the file from its folder.")

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, OSError):
            self.path_field.set_error(f"The summary could not be saved there ({error.strerror}).")
            return
        self.failed(error)


class HandoverWizard(QWizard):
    day_loaded = Signal(object)
    finish_drafts_requested = Signal()
    summary_saved = Signal(str)

    def __init__(self, context: AppContext, sync: SyncController | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        actor = context.actor
        assert actor is not None and actor.is_coordinator  # the menu checks; services refuse too
        self.actor: Actor = actor
        self.sync = sync if sync is not None else SyncController(context, self)
        self.day: HandoverDay | None = None
        self.setWindowTitle("End of day handover – HubDesk")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.pages: list[HandoverPage] = [DraftsPage(), SessionsPage(), VolunteersPage(),
                                          SyncPage(), ReceiptPage(), SummaryPage()]
        for page in self.pages:
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Done")
        self._fit()

    def _fit(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        width, height = em(self, 46), em(self, 30)
        if screen is not None:
            available = screen.availableGeometry()
            width, height = min(width, available.width() - 40), min(height, available.height() - 60)
        self.resize(width, height)

    def page_for(self, kind: type[HandoverPage]) -> Any:
        return next(page for page in self.pages if isinstance(page, kind))

    def reload(self, then: Callable[[HandoverDay], None] | None = None) -> None:
        """Re-read the day; the current page redraws from it (then ``then`` runs)."""
        actor = self.actor

        def loaded(day: HandoverDay) -> None:
            self.day = day
            page = self.currentPage()
            if isinstance(page, HandoverPage):
                page.show_day(day)
            if then is not None:
                then(day)
            self.day_loaded.emit(day)

        run_db(self, self.context, lambda db: handover_day(db, actor), loaded, self._failed)

    def act(self, work: Callable[[Session], Any], page: HandoverPage,
            closed_session: str | None = None) -> None:
        """Run a change for ``page`` on the database lane, then re-read the day."""

        def done(_result: object) -> None:
            if closed_session is not None and self.context.session_id == closed_session:
                self.context.set_session(None)
            self.reload()

        run_db(self, self.context, work, done, page.failed)

    def _failed(self, error: BaseException) -> None:
        page = self.currentPage()
        if isinstance(page, HandoverPage):
            page.failed(error)
        else:
            self.context.errors.report(error)
