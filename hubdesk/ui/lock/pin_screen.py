"""The PIN screen: the first window at start-up, shown before the store is opened.

It imports only Qt and the light key-file modules, so it appears about as fast as a
bare Qt window.  While the volunteer types, a background thread imports the
database layer and the main window's modules; after Unlock, another opens the
volunteer's key slot (scrypt, ~0.25 s or more) and the encrypted store.

Why a plain thread here and not the task runner: the runner is built around an
open store, and there is none until this screen has done its job.  Results cross
back to the GUI thread by a queued signal, as in the runner.

Signals:
    unlocked(object): a :class:`hubdesk.services.laptop.Unlocked` (store + actor).
    quit_requested(): the volunteer chose Close HubDesk.
    cannot_open(str): the PIN was right but the database cannot be used (from a newer
        HubDesk, read-only, in use, damaged): the app says so plainly and exits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hubdesk.core.paths import AppPaths
from hubdesk.ui.widgets import ErrorSummary, Heading, HintLabel, LabelledField, em

log = logging.getLogger("hubdesk.ui.lock")

MAX_SECRET_LENGTH = 128
PREWARM_DELAY_MS = 150


def _prewarm() -> None:
    """Import what unlocking and the main window need, off the GUI thread."""
    try:
        import hubdesk.services.laptop
        import hubdesk.ui.main_window  # noqa: F401
    except Exception:  # a real problem shows up again, with its message, at unlock
        log.exception("pre-loading the app failed")


class _Relay(QObject):
    """Carries a worker thread's outcome to the GUI thread (queued connection)."""

    finished = Signal(object)


class PinScreen(QWidget):
    unlocked = Signal(object)
    quit_requested = Signal()
    cannot_open = Signal(str)

    def __init__(self, paths: AppPaths, *, encrypting: bool = False,
                 unlock: Callable[[AppPaths, str, str], object] | None = None) -> None:
        super().__init__()
        self.paths = paths
        self._unlock = unlock
        self._busy = False
        self._relay = _Relay(self)
        self._relay.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self.setWindowTitle("Unlock HubDesk")
        self.setObjectName("pinScreen")

        card = QFrame()
        card.setObjectName("pinCard")
        layout = QVBoxLayout(card)
        layout.setSpacing(em(self, 0.6))
        layout.addWidget(Heading("Unlock HubDesk"))
        intro = ("HubDesk is about to encrypt this laptop's records. A coordinator signs in "
                 "once to do it; it takes a moment.") if encrypting else \
            "Type your name and your PIN or passphrase."
        self.intro = HintLabel(intro)
        layout.addWidget(self.intro)
        self.summary = ErrorSummary()
        layout.addWidget(self.summary)
        self.name = QLineEdit()
        self.name.setMaxLength(80)
        self.name_field = LabelledField("&Your name", self.name, name="name")
        layout.addWidget(self.name_field)
        self.secret = QLineEdit()
        self.secret.setMaxLength(MAX_SECRET_LENGTH)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_field = LabelledField("&PIN or passphrase", self.secret, name="pin")
        layout.addWidget(self.secret_field)
        self.status = HintLabel("")
        self.status.setAccessibleName("Unlock progress")
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox()
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.unlock_requested)
        self.buttons.addButton(self.unlock_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = QPushButton("Close HubDesk")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.quit_requested)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(self.buttons)
        self.recover_button = QPushButton("Forgot every PIN? &Recover with a council code…")
        self.recover_button.setObjectName("linkButton")
        self.recover_button.setAutoDefault(False)
        self.recover_button.clicked.connect(self.show_recovery)
        layout.addWidget(self.recover_button, 0, Qt.AlignmentFlag.AlignLeft)
        card.setMaximumWidth(em(self, 26))

        outer = QHBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(card)
        column.addStretch(2)
        outer.addLayout(column, 3)
        outer.addStretch(1)
        self.setTabOrder(self.name, self.secret)
        self.setTabOrder(self.secret, self.unlock_button)
        self.setTabOrder(self.unlock_button, self.close_button)
        self.setTabOrder(self.close_button, self.recover_button)
        self.resize(em(self, 60), em(self, 34))
        self.name.setFocus()
        #: worker threads; the caller keeps Python's cycle collector on the GUI thread
        #: (ui/gc_guard.py) while they run, so no widget is ever freed on one of them
        self.workers: list[threading.Thread] = []
        self._prewarmed = False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._prewarmed:  # after the first paint, so it never delays the screen
            self._prewarmed = True
            QTimer.singleShot(PREWARM_DELAY_MS, lambda: self._start(_prewarm, "hubdesk-prewarm"))

    def _start(self, target: Callable[..., None], name: str, *args: object) -> None:
        worker = threading.Thread(target=target, args=args, name=name, daemon=True)
        self.workers = [w for w in self.workers if w.is_alive()] + [worker]
        worker.start()

    def wait_for_workers(self, timeout: float = 60.0) -> None:
        for worker in self.workers:
            worker.join(timeout)

    # ---- unlocking -------------------------------------------------------------------

    def unlock_requested(self) -> None:
        if self._busy:
            return
        name, secret = " ".join(self.name.text().split()), self.secret.text()
        errors = {}
        if not name:
            errors["name"] = "Type your name."
        if not secret:
            errors["pin"] = "Type your PIN or passphrase."
        if errors:
            self._show_errors(errors)
            return
        self.start_unlock(name, secret)

    def start_unlock(self, name: str, secret: str) -> None:
        self._prewarmed = True  # the unlock imports what it needs itself
        self._set_busy(True)
        self._start(self._work, "hubdesk-unlock", name, secret)

    def _work(self, name: str, secret: str) -> None:
        try:
            if self._unlock is not None:
                outcome: object = self._unlock(self.paths, name, secret)
            else:
                from hubdesk.services.laptop import unlock_laptop

                outcome = unlock_laptop(self.paths, name, secret)
        except BaseException as error:
            outcome = error
        self._relay.finished.emit(outcome)

    def _finished(self, outcome: object) -> None:
        from hubdesk.core.errors import StorageError, UserFacingError

        self._set_busy(False)
        if isinstance(outcome, StorageError):
            self.cannot_open.emit(str(outcome))
            return
        if isinstance(outcome, UserFacingError):
            self.secret.clear()
            self._show_errors({"pin": str(outcome)})
            self.secret.setFocus()
            return
        if isinstance(outcome, BaseException):
            self.status.setText("")
            raise outcome
        self.secret.clear()
        self._show_errors({})
        self.unlocked.emit(outcome)

    def show_recovery(self) -> None:
        from hubdesk.ui.lock.recovery_dialog import RecoveryDialog

        dialog = RecoveryDialog(self.paths, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.recovered.connect(self.unlocked)
        dialog.open()

    # ---- look --------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.unlock_button.setEnabled(not busy)
        self.status.setText("Opening HubDesk…" if busy else "")

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.name_field.set_error(errors.get("name"))
        self.secret_field.set_error(errors.get("pin"))
        self.summary.set_errors(errors, {"name": self.name, "pin": self.secret}, focus=False)
        if "name" in errors:
            self.name.setFocus()

    @property
    def error_text(self) -> str:
        return self.secret_field.error.message or self.name_field.error.message

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.unlock_requested()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()  # let the unlock finish; its store must be closed properly
            return
        super().closeEvent(event)
