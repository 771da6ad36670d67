"""The handover's sync step: send everything with progress; when the server cannot be
reached, save the signed batch file to a folder (a USB stick) instead.

The run is the app's own :class:`~hubdesk.ui.sync_controller.SyncController` (never two
runs at once; the work happens on the runner's background lane).  The batch file is
``sync.batchfile.export_batch_file``, the same as ``hubdesk export-batch``: the next
sync that reaches the server confirms it (or sends the same batch if the file never
arrived).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from hubdesk.sync.batchfile import ExportedBatch, export_batch_file
from hubdesk.sync.engine import SyncResult
from hubdesk.sync.handover import HandoverDay
from hubdesk.ui.handover.pages import HandoverPage
from hubdesk.ui.widgets import Heading, HintLabel, LabelledField, line_edit

MAX_ROUNDS = 3


def batch_file_name(at: datetime) -> str:
    return f"hubdesk-batch-{at:%Y%m%d-%H%M%S}.json"


class SyncPage(HandoverPage):
    def __init__(self) -> None:
        super().__init__("Send today's records",
                         "HubDesk sends everything that is waiting to the council's server.")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sending progress")
        self.progress.setFormat("%v of %m records")
        self.progress.setRange(0, 0)
        self.page_layout.addWidget(self.progress)
        self.state = HintLabel("")
        self.state.setAccessibleName("Sending")
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.page_layout.addWidget(self.state)
        retry_row = QHBoxLayout()
        self.retry_button = self.button("&Try again", "Sync again now (F5 does it too)")
        self.retry_button.clicked.connect(self.start_sync)
        self.cancel_button = self.button("S&top trying", "Stop this sync; records stay safe here")
        self.cancel_button.clicked.connect(self._cancel)
        retry_row.addWidget(self.retry_button)
        retry_row.addWidget(self.cancel_button)
        retry_row.addStretch(1)
        self.page_layout.addLayout(retry_row)

        self.batch_box = QWidget()
        box = QVBoxLayout(self.batch_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(Heading("No connection here? Use a USB stick", level=2))
        box.addWidget(HintLabel("Save the waiting records as a signed batch file and give it "
                                "to the council's HubDesk team. The next sync that reaches "
                                "the server confirms it arrived; nothing is sent twice."))
        self.folder = line_edit(max_length=400)
        self.folder_field = LabelledField("USB stick or &folder", self.folder)
        box.addWidget(self.folder_field)
        buttons = QHBoxLayout()
        self.choose_button = self.button("C&hoose…", "Choose the USB stick or folder")
        self.choose_button.clicked.connect(self._choose_folder)
        self.save_button = self.button("Save the &batch file", "A signed file of every record "
                                       "waiting to be sent")
        self.save_button.clicked.connect(self.save_batch)
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        self.page_layout.addWidget(self.batch_box)
        self.saved = HintLabel("")
        self.saved.setTextFormat(Qt.TextFormat.PlainText)
        self.saved.setAccessibleName("Batch file")
        self.page_layout.addWidget(self.saved)
        self.page_layout.addStretch(1)
        self.running = False
        self.result: SyncResult | None = None
        self.exported: ExportedBatch | None = None
        self._wired = False
        self._rounds = 0

    def initializePage(self) -> None:
        self.error.set_error(None)
        self.saved.setText("")
        if not self.folder.text():
            self.folder.setText(str(self.handover.context.paths.exports))
        self._show_offer(False)
        if not self._wired:
            controller = self.handover.sync
            controller.progress.connect(self._progress)
            controller.finished.connect(self._finished)
            self._wired = True
        self.handover.reload(lambda day: self._start_if_enrolled(day))

    def _start_if_enrolled(self, day: HandoverDay) -> None:
        if not day.enrolled:
            self.state.setText("This laptop is not connected to a server yet, so nothing can be "
                               "sent. A coordinator connects it from Sync ▸ Connect to the "
                               "hub's server….")
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.retry_button.hide()
            self.cancel_button.hide()
            self.result = None
            self.completeChanged.emit()
            return
        self.start_sync()

    def start_sync(self) -> None:
        self._rounds = 0
        self.error.set_error(None)
        self.result = None
        self.running = True
        self.progress.show()
        self.progress.setFormat("%v of %m records")
        self.progress.setRange(0, 0)
        self.state.setText("Contacting the server…")
        self.retry_button.hide()
        self.cancel_button.show()
        self.completeChanged.emit()
        if not self.handover.sync.sync_now():  # a run was already going: wait for its end
            self.state.setText("A sync was already running: waiting for it to finish…")
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _progress(self, done: int, total: int, message: str) -> None:
        if not self.running:
            return
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.state.setText(f"{message} ({done} of {total})" if total else message)

    def _finished(self, result: SyncResult) -> None:
        if not self.running:
            return
        if result.completed and result.pending and self._rounds < MAX_ROUNDS:
            # a run already going when the page opened ended before the last records
            # were finalised: send those too
            self._rounds += 1
            if self.handover.sync.sync_now():
                return
        self.running = False
        self.result = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if result.completed else 0)
        self.progress.setVisible(result.completed)
        self.progress.setFormat("Done")
        self.cancel_button.hide()
        if result.completed and result.pending == 0:
            self.state.setText("Sent: the server has everything that was waiting.")
            self.retry_button.hide()
        else:
            reason = result.error or f"{result.pending} records are still waiting."
            self.state.setText(f"Not everything was sent. {reason}")
            self.retry_button.show()
            self._show_offer(True)
            self.folder.setFocus(Qt.FocusReason.OtherFocusReason)
        self.completeChanged.emit()
        wizard = self.wizard()
        if result.completed and wizard is not None and wizard.currentPage() is self:
            wizard.button(wizard.WizardButton.NextButton).setFocus()

    def _cancel(self) -> None:
        self.handover.sync.cancel()

    def _show_offer(self, show: bool) -> None:
        self.batch_box.setVisible(show)

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Where to save the batch file",
                                                  self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def save_batch(self) -> None:
        folder = Path(self.folder.text().strip()).expanduser()
        if not self.folder.text().strip() or not folder.is_dir():
            self.folder_field.set_error("Choose a folder that exists, for example the USB stick.")
            self.folder.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.folder_field.set_error(None)
        target = folder / batch_file_name(datetime.now())
        store, actor = self.handover.context.runner.store, self.handover.actor
        self.save_button.setEnabled(False)
        self.handover.context.runner.run_background(
            lambda: export_batch_file(store, target, actor), self._saved, self._save_failed)

    def _saved(self, exported: ExportedBatch | None) -> None:
        self.save_button.setEnabled(True)
        self.exported = exported
        if exported is None:
            self.saved.setText("Nothing is waiting to be sent, so no file was needed.")
        else:
            self.saved.setText(f"Saved {exported.items} records to {exported.path}. Give this "
                               "file to the council's HubDesk team; the next sync confirms it.")
        self.handover.reload()
        self.completeChanged.emit()

    def _save_failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, OSError):
            self.folder_field.set_error(f"The file could not be saved there ({error.strerror}). "
                                        "Check the USB stick is in and not full.")
            return
        self.failed(error)

    def isComplete(self) -> bool:
        return not self.running
