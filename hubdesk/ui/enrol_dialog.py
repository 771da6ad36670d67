""""Connect to the hub's server": a coordinator enrols this laptop with a one-time code.

The enrolment runs on the runner's background lane through
:func:`hubdesk.sync.enrolment.enrol_laptop` (the same steps as ``hubdesk enrol``;
safe to repeat with the same code).  A code the server refuses is shown in the
server's own words next to the code.

Signals:
    enrolled(str): the laptop is connected (a sentence naming the hub and server).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMainWindow, QWidget

from hubdesk.core.errors import UserFacingError, ValidationError
from hubdesk.sync.enrolment import BAD_CODE, EnrolResult, check_enrol_form, enrol_laptop
from hubdesk.sync.errors import EnrolRefused, SyncError
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.sync_controller import SyncController
from hubdesk.ui.widgets import line_edit


def connected_sentence(result: EnrolResult) -> str:
    return (f"This laptop is connected to {result.hub_name} ({result.hub_district}) "
            f"at {result.server}.")


class EnrolDialog(BaseDialog):
    enrolled = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Connect to the hub's server", "Connect this laptop to the hub's server", parent,
            intro=("Ask the council's HubDesk team for the server address and a one-time "
                   "code. Records stay safe on this laptop until then."),
            ok_text="Connect")
        self.context = context
        self.server = line_edit("https://hubdesk.example.org", max_length=300)
        self.code = line_edit("", max_length=64)
        self.add_field("server", "&Server address", self.server, "It starts with https://")
        self.add_field("code", "One-time &code", self.code,
                       "It works for one laptop and runs out after a few days")
        self.finish_body()
        self.fit_to_screen(width_em=40)
        self.server.setFocus()

    def accept_requested(self) -> None:
        actor = self.context.actor
        if actor is None or not actor.is_coordinator:
            self.show_errors({"": "Only a coordinator can connect this laptop to a server."})
            return
        server, code = self.server.text().strip(), self.code.text().strip()
        errors = check_enrol_form(server, code)
        self.show_errors(errors)
        if errors:
            return
        self.set_busy(True)
        self.ok_button.setText("Connecting…")
        store = self.context.runner.store
        self.context.runner.run_background(lambda: enrol_laptop(store, server, code),
                                           self._done, self._failed)

    def _done(self, result: EnrolResult) -> None:
        self.set_busy(False)
        self.enrolled.emit(connected_sentence(result))
        self.done_ok()

    def reject(self) -> None:
        """Esc waits while a connection attempt runs (its answer must reach the app)."""
        if not self.busy:
            super().reject()

    def _failed(self, error: BaseException) -> None:
        self.set_busy(False)
        self.ok_button.setText("Connect")
        if isinstance(error, ValidationError):
            self.show_errors(error.field_errors)
        elif isinstance(error, EnrolRefused):  # the server's words: expired, used elsewhere...
            self.show_errors({"code": error.message or BAD_CODE})
        elif isinstance(error, SyncError):  # cannot reach it, a Wi-Fi login page...
            self.show_errors({"server": str(error)})
        elif isinstance(error, UserFacingError):
            self.show_errors({"": str(error)})
        else:
            self.context.errors.report(error)


def open_enrol_dialog(window: QWidget, controller: SyncController) -> QWidget | None:
    """"Connect to the hub's server…": coordinators only."""
    actor = controller.context.actor
    if actor is None or not actor.is_coordinator:
        controller.context.errors.report(
            UserFacingError("Only a coordinator can connect this laptop to a server."))
        return None
    dialog = EnrolDialog(controller.context, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.enrolled.connect(lambda _text: controller.enrolled_now())
    if isinstance(window, QMainWindow):
        dialog.enrolled.connect(lambda text: window.statusBar().showMessage(text, 15_000))
    dialog.open()
    return dialog
