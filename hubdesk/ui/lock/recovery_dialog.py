"""Every PIN forgotten: open HubDesk with a one-time code from the council's server.

Asks for the code, one of the laptop's coordinators and their new PIN; the
request runs on a worker thread (there is no store yet, see pin_screen.py) and
the outcome comes back by a queued signal.

Signals:
    recovered(object): a :class:`hubdesk.services.laptop.Unlocked` (store + actor).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QWidget

from hubdesk.core.paths import AppPaths
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.widgets import line_edit


class _Relay(QObject):
    finished = Signal(object)


class RecoveryDialog(BaseDialog):
    recovered = Signal(object)

    def __init__(self, paths: AppPaths, parent: QWidget | None = None) -> None:
        super().__init__(
            "Recover", "Forgot every PIN?", parent,
            intro="Ask the council for a recovery code for this laptop. A coordinator "
                  "types it here with a new PIN. The laptop must be online.",
            ok_text="Recover", cancel_text="Cancel")
        self.paths = paths
        self.worker: threading.Thread | None = None
        self._relay = _Relay()
        self._relay.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self.code = line_edit(max_length=32)
        self.add_field("code", "Recovery code", self.code, "For example R7QM-3XPA-9RTD-KW4M")
        self.coordinator = line_edit(max_length=80)
        self.add_field("name", "Coordinator's name", self.coordinator)
        self.pin = line_edit(max_length=128)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_field("pin", "New PIN", self.pin, "6 to 12 digits, or a passphrase")
        self.pin_again = line_edit(max_length=128)
        self.pin_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_field("pin_again", "Type the new PIN again", self.pin_again)
        self.finish_body()
        self.fit_to_screen(26)
        self.code.setFocus()

    def accept_requested(self) -> None:
        from hubdesk.core.errors import ValidationError
        from hubdesk.core.pins import check_pin_format

        errors: dict[str, str] = {}
        code, name, pin = self.code.text().strip(), " ".join(self.coordinator.text().split()), \
            self.pin.text()
        if not code:
            errors["code"] = "Type the recovery code."
        if not name:
            errors["name"] = "Type a coordinator's name."
        try:
            check_pin_format(pin)
        except ValidationError as error:
            errors["pin"] = error.field_errors.get("pin", str(error))
        if "pin" not in errors and self.pin_again.text() != pin:
            errors["pin_again"] = "The two PINs are different. Type it again."
        if errors:
            self.show_errors(errors)
            return
        self.set_busy(True)
        self.worker = threading.Thread(target=self._work, args=(code, name, pin),
                                       name="hubdesk-recover", daemon=True)
        self.worker.start()

    def _work(self, code: str, name: str, pin: str) -> None:
        try:
            from hubdesk.sync.recovery import recover_laptop

            outcome: object = recover_laptop(self.paths, code, name, pin)
        except BaseException as error:
            outcome = error
        self._relay.finished.emit(outcome)

    def _finished(self, outcome: object) -> None:
        from hubdesk.core.errors import UserFacingError

        self.set_busy(False)
        if isinstance(outcome, UserFacingError):
            self.show_errors({"code": str(outcome)})
            return
        if isinstance(outcome, BaseException):
            raise outcome
        self.recovered.emit(outcome)
        self.done_ok()
