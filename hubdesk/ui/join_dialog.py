"""The first screen's two ways in: "Set up a new hub" or "Join my hub's server".

:class:`WelcomeDialog` asks which; :class:`JoinHubDialog` takes the server address, the
one-time code and the new coordinator's name and PIN, and joins on the runner's
background lane (``sync.join.join_hub``: the same enrolment as ``hubdesk enrol``).  What
went wrong is said next to the field it is about, in words that say what to do.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from hubdesk.core.errors import ValidationError
from hubdesk.sync.join import Joined, JoinForm, check_join_form, join_hub, join_problem
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.pin_fields import add_new_pin_fields, with_pin_confirmed
from hubdesk.ui.widgets import HintLabel, em, line_edit, set_dynamic_property

NEW_HUB, JOIN_HUB = "new", "join"


class WelcomeDialog(BaseDialog):
    """Signals:
        chosen(str): ``NEW_HUB`` or ``JOIN_HUB``.
    """

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Welcome", "Welcome to HubDesk", parent,
                         intro="How is this laptop going to be used?", ok_text="Continue",
                         cancel_text=None)
        self.ok_button.hide()  # the two choices are the buttons
        self.new_button = self._choice(
            "&Set up a new hub", NEW_HUB,
            "The first laptop of a hub: name the hub, where it meets and its coordinator.")
        self.join_button = self._choice(
            "&Join my hub's server", JOIN_HUB,
            "The hub already uses HubDesk: you need the server address and a one-time code "
            "from the council's HubDesk team.")
        self.finish_body()
        self.fit_to_screen(34)
        self.join_button.setDefault(False)
        self.new_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _choice(self, text: str, choice: str, hint: str) -> QPushButton:
        button = QPushButton(text)
        set_dynamic_property(button, "primary", choice == NEW_HUB)
        button.setAccessibleDescription(hint)
        button.setMinimumHeight(em(self, 2.2))
        button.clicked.connect(lambda: self._choose(choice))
        self.add_widget(button)
        self.add_widget(HintLabel(hint))
        return button

    def _choose(self, choice: str) -> None:
        self.chosen.emit(choice)
        self.done_ok()

    def accept_requested(self) -> None:
        focus = self.focusWidget()
        if isinstance(focus, QPushButton) and focus in (self.new_button, self.join_button):
            focus.click()


class JoinHubDialog(BaseDialog):
    """Signals:
        joined(object): a :class:`~hubdesk.sync.join.Joined` (the coordinator is unlocked).
    """

    joined = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Join my hub's server", "Join your hub's server", parent,
            intro=("Type the server address and the one-time code exactly as the council's "
                   "HubDesk team gave them. Then choose your name and PIN for this laptop."),
            ok_text="Join", cancel_text="Back")
        self.context = context
        self.server = line_edit("https://hubdesk.example.org", max_length=300)
        self.add_field("server", "&Server address", self.server, "It starts with https://")
        self.code = line_edit("", max_length=64)
        self.add_field("code", "One-time &code", self.code,
                       "It works for one laptop and runs out after a few days")
        self.coordinator = line_edit(max_length=80)
        self.add_field("coordinator_name", "Your &name", self.coordinator,
                       "You will be this laptop's first coordinator")
        self.pin, self.pin_confirm = add_new_pin_fields(self, "Choose a &PIN")
        self.finish_body()
        self.fit_to_screen(38)
        self.server.setFocus()

    def form(self) -> JoinForm:
        return JoinForm(self.server.text(), self.code.text(), self.coordinator.text(),
                        self.pin.text())

    def validate(self) -> dict[str, str]:
        return with_pin_confirmed(self, check_join_form(self.form()), self.pin.text(),
                                  self.pin_confirm.text())

    def accept_requested(self) -> None:
        errors = self.validate()
        if errors:
            self.show_errors(errors)
            return
        self.clear_errors()
        self.set_busy(True)
        self.ok_button.setText("Joining…")
        store, form = self.context.runner.store, self.form()
        self.context.runner.run_background(lambda: join_hub(store, form), self._joined,
                                           self._failed)

    def reject(self) -> None:
        """Esc waits while a join runs (its answer must reach the app)."""
        if not self.busy:
            super().reject()

    def _joined(self, result: Joined) -> None:
        self.set_busy(False)
        self.joined.emit(result)
        self.done_ok()

    def _failed(self, error: BaseException) -> None:
        self.set_busy(False)
        self.ok_button.setText("Join")
        if isinstance(error, ValidationError):
            self.show_errors(error.field_errors)
            return
        problem = join_problem(error)
        if problem is None:
            self.context.errors.report(error)
            return
        field, message = problem
        self.show_errors({field: message})
