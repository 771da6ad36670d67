"""Unlock (or switch volunteer): choose or type your name, enter your PIN."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLineEdit, QPushButton, QWidget
from sqlalchemy.orm import Session

from hubdesk.core.errors import AuthError
from hubdesk.services import volunteers
from hubdesk.services.common import Actor
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.widgets import line_edit, run_db


def _try_unlock(db: Session, name: str, pin: str) -> Actor | AuthError:
    """Runs on the database lane.

    A wrong PIN is *returned*, not raised, so the unit of work commits the failed
    attempt (the lockout counter and its audit event) instead of rolling it back.
    """
    try:
        return volunteers.unlock(db, name, pin)
    except AuthError as error:
        return error


class UnlockDialog(BaseDialog):
    """Signals:
        unlocked(object): the :class:`Actor` who unlocked.

    ``locked=True`` (the app is locked): there is no Cancel and Esc does nothing, so
    nobody can get past it without a PIN.
    """

    unlocked = Signal(object)
    quit_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None, *,
                 locked: bool = True, heading: str = "Unlock HubDesk") -> None:
        super().__init__(
            "Unlock", heading, parent,
            intro="Choose your name and enter your PIN.",
            ok_text="Unlock", cancel_text=None if locked else "Cancel",
        )
        self.context = context
        self.locked = locked
        self.actor: Actor | None = None
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        name_edit = self.name.lineEdit()
        assert name_edit is not None
        name_edit.setMaxLength(80)
        self.add_field("name", "Your name", self.name, "Choose from the list or type your name")
        self.pin = line_edit(max_length=128)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_field("pin", "PIN or passphrase", self.pin)
        if locked:
            quit_button = QPushButton("Close HubDesk")
            quit_button.setAutoDefault(False)
            quit_button.clicked.connect(self.quit_requested)
            self.buttons.addButton(quit_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.finish_body()
        self.fit_to_screen(26)
        self._names_loaded = False
        run_db(self, context, volunteers.list_volunteers, self._show_names)

    def _show_names(self, people: list[volunteers.VolunteerInfo]) -> None:
        typed = self.name.currentText()
        self.name.clear()
        for person in people:
            if person.active and person.has_pin:
                self.name.addItem(person.display_name, person.id)
        last = self.context.actor.display_name if self.context.actor else ""
        self.name.setEditText(typed or last or (self.name.itemText(0) if self.name.count() == 1 else ""))
        self._names_loaded = True
        if self.name.currentText():
            self.pin.setFocus()
        else:
            self.name.setFocus()

    @property
    def names(self) -> list[str]:
        return [self.name.itemText(i) for i in range(self.name.count())]

    def accept_requested(self) -> None:
        name = " ".join(self.name.currentText().split())
        pin = self.pin.text()
        errors = {}
        if not name:
            errors["name"] = "Choose or type your name."
        if not pin:
            errors["pin"] = "Enter your PIN."
        if errors:
            self.show_errors(errors)
            return
        self.set_busy(True)
        run_db(self, self.context, lambda db: _try_unlock(db, name, pin), self._finished,
                                   self._failed)

    def _finished(self, outcome: Actor | AuthError) -> None:
        self.set_busy(False)
        if isinstance(outcome, AuthError):
            self.pin.clear()
            self.show_errors({"pin": str(outcome)})
            self.pin.setFocus()
            return
        self.actor = outcome
        self.pin.clear()
        self.clear_errors()
        self.unlocked.emit(outcome)
        self.done_ok()

    def _failed(self, error: BaseException) -> None:
        self.set_busy(False)
        self.context.errors.report(error)

    def reject(self) -> None:
        if self.locked:
            return  # Esc must not get past the lock
        super().reject()
