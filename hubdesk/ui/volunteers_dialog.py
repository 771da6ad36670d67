"""Volunteers on this laptop, managed by a coordinator by keyboard: add, rename, reset a
PIN, make coordinator (or volunteer), deactivate (removes their key slot), and the idle
auto-lock minutes.  Every change goes through services/volunteers.py (roles enforced
there); this file only shows and asks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)
from sqlalchemy.orm import Session

from hubdesk.core.errors import UserFacingError, ValidationError
from hubdesk.core.pins import check_pin_format
from hubdesk.services import lock_settings, retention, volunteers
from hubdesk.services.common import Actor
from hubdesk.services.volunteers import VolunteerInfo
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.widgets import HintLabel, LabelledField, em, line_edit, run_db


def describe(person: VolunteerInfo) -> str:
    """One list line; the role and state are words, never only a colour."""
    role = "Coordinator" if person.role == "coordinator" else "Volunteer"
    if not person.active:
        state = " · deactivated"
    elif not person.has_pin:
        state = " · needs a PIN"
    else:
        state = ""
    return f"{person.display_name} — {role}{state}"


class VolunteerFormDialog(BaseDialog):
    """Asks for a name and/or a PIN (twice) for one change; ``values`` after OK."""

    def __init__(self, parent: QWidget, heading: str, *, ask_name: bool, ask_pin: bool,
                 name: str = "", ok_text: str = "Save",
                 save: Callable[[dict[str, str]], None] | None = None) -> None:
        super().__init__("Volunteers", heading, parent, ok_text=ok_text, cancel_text="Cancel")
        self.values: dict[str, str] = {}
        #: called with the checked values instead of closing (the caller closes on success)
        self.on_save = save
        self.name: QLineEdit | None = None
        self.pin: QLineEdit | None = None
        self.pin_again: QLineEdit | None = None
        if ask_name:
            self.name = line_edit(max_length=80)
            self.name.setText(name)
            self.add_field("name", "Name", self.name, "As they will type it to unlock")
        if ask_pin:
            self.pin = line_edit(max_length=128)
            self.pin.setEchoMode(QLineEdit.EchoMode.Password)
            self.add_field("pin", "New PIN", self.pin,
                           "6 to 12 digits, or a passphrase of 12 characters or more.")
            self.pin_again = line_edit(max_length=128)
            self.pin_again.setEchoMode(QLineEdit.EchoMode.Password)
            self.add_field("pin_again", "Type the PIN again", self.pin_again)
        self.finish_body()
        self.fit_to_screen(24)
        first = self.name or self.pin
        if first is not None:
            first.setFocus()

    def accept_requested(self) -> None:
        errors: dict[str, str] = {}
        values: dict[str, str] = {}
        if self.name is not None:
            values["name"] = " ".join(self.name.text().split())
            if not values["name"]:
                errors["name"] = "Enter a name."
        if self.pin is not None and self.pin_again is not None:
            values["pin"] = self.pin.text()
            try:
                check_pin_format(values["pin"])
            except ValidationError as error:
                errors["pin"] = error.field_errors.get("pin", str(error))
            if "pin" not in errors and self.pin_again.text() != values["pin"]:
                errors["pin_again"] = "The two PINs are different. Type it again."
        if errors:
            self.show_errors(errors)
            return
        self.values = values
        if self.on_save is not None:
            self.on_save(values)
        else:
            self.done_ok()


class VolunteersDialog(BaseDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Volunteers", "Volunteers on this laptop", parent,
                         intro="Each volunteer unlocks HubDesk with their own name and PIN. "
                               "Deactivating someone removes their key: their PIN no longer "
                               "opens HubDesk. Their records stay.",
                         ok_text="Done", cancel_text=None)
        self.context = context
        self.people: list[VolunteerInfo] = []
        self.question: QMessageBox | None = None  # the open Yes/No question, if any
        self.list = QListWidget()
        rows = self.fontMetrics().height() * 1.6
        self.list.setMinimumHeight(int(rows * 3))
        self.list.setMaximumHeight(int(rows * 5))
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.add_field("people", "Volunteers", self.list, "Use the arrow keys to choose someone")
        row = QHBoxLayout()
        self.add_button = self._button("&Add a volunteer…", self.add_person, row)
        self.rename_button = self._button("&Rename…", self.rename_person, row)
        self.pin_button = self._button("Reset &PIN…", self.reset_pin, row)
        row2 = row
        self.role_button = self._button("Make &coordinator", self.toggle_role, row2)
        self.deactivate_button = self._button("&Deactivate…", self.deactivate_person, row2)
        row.addStretch(1)
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.add_widget(holder)
        self.minutes = QSpinBox()
        self.minutes.setRange(lock_settings.MIN_AUTO_LOCK_MINUTES, lock_settings.MAX_AUTO_LOCK_MINUTES)
        self.minutes.setSuffix(" minutes")
        self.minutes.setValue(lock_settings.DEFAULT_AUTO_LOCK_MINUTES)
        self.minutes.editingFinished.connect(self.save_minutes)
        self.purge_button = QPushButton("Remove &old details…")
        self.purge_button.setAutoDefault(False)
        self.purge_button.setToolTip("Names, contacts and notes the server received more than "
                                     "the set number of days ago")
        self.purge_button.clicked.connect(self.review_purge)
        # the two laptop settings side by side: at 150 % text on a 1366×768 screen the
        # dialog then fits without scrolling (issue 8), with the text size unchanged
        self._side_by_side(
            LabelledField("Lock HubDesk when nobody has used it for", self.minutes,
                          "Hides every personal detail; an unfinished visit is kept as a "
                          "draft.", name="auto_lock"),
            LabelledField("Identifying details the server already has", self.purge_button,
                          "Shows what will be removed from this laptop before it happens.",
                          name="purge"))
        self.status = HintLabel("")
        self.add_widget(self.status)
        self.finish_body()
        self.fit_to_screen(46)
        self.reload()

    def _side_by_side(self, *fields: LabelledField) -> None:
        """Fields in one row, each as wide as the others, tops aligned (reading order
        left to right, which is also their Tab order)."""
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(em(self, 1.5))
        for labelled in fields:
            self.fields[labelled.name] = labelled
            row.addWidget(labelled, 1, Qt.AlignmentFlag.AlignTop)
        holder = QWidget()
        holder.setLayout(row)
        self.add_widget(holder)

    def _button(self, text: str, slot: Callable[[], None], row: QHBoxLayout) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        row.addWidget(button)
        return button

    # ---- loading -------------------------------------------------------------------

    def reload(self, select_id: str | None = None) -> None:
        def load(db: Session) -> tuple[list[VolunteerInfo], int]:
            return volunteers.list_volunteers(db), lock_settings.auto_lock_minutes(db)

        run_db(self, self.context, load, lambda result: self._show(*result, select_id=select_id))

    def _show(self, people: list[VolunteerInfo], minutes: int, *, select_id: str | None) -> None:
        current = select_id or (self.selected.id if self.selected else None)
        self.people = sorted(people, key=lambda p: (not p.active, p.display_name.casefold()))
        self.list.clear()
        for person in self.people:
            item = QListWidgetItem(describe(person))
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, describe(person))
            self.list.addItem(item)
        rows = [i for i, p in enumerate(self.people) if p.id == current]
        self.list.setCurrentRow(rows[0] if rows else (0 if self.people else -1))
        self.minutes.blockSignals(True)
        self.minutes.setValue(minutes)
        self.minutes.blockSignals(False)
        self._update_buttons()

    @property
    def selected(self) -> VolunteerInfo | None:
        row = self.list.currentRow()
        return self.people[row] if 0 <= row < len(self.people) else None

    def _update_buttons(self) -> None:
        person = self.selected
        me = self.context.actor.volunteer_id if self.context.actor else ""
        for button in (self.rename_button, self.pin_button, self.role_button):
            button.setEnabled(person is not None)
        self.deactivate_button.setEnabled(person is not None and person.active and person.id != me)
        coordinator = person is not None and person.role == "coordinator"
        self.role_button.setText("Make &volunteer" if coordinator else "Make &coordinator")

    # ---- changes ---------------------------------------------------------------------

    def _change(self, work: Callable[[Session], Any], done: str, select_id: str | None = None,
                form: VolunteerFormDialog | None = None) -> None:
        actor = self.context.actor
        assert actor is not None

        def saved(changes: Any) -> None:
            self.status.setText(done)
            self.status.setAccessibleName(done)
            if form is not None:
                form.done_ok()
                self.activateWindow()
                self.list.setFocus()
            self.reload(select_id or getattr(changes, "primary_id", None))

        def failed(error: BaseException) -> None:
            if isinstance(error, ValidationError) and form is not None:
                form.set_busy(False)
                form.show_errors({"name" if "name" in error.field_errors else "pin":
                                  str(error)})
                return
            if isinstance(error, UserFacingError):
                if form is not None:
                    form.set_busy(False)
                    form.show_errors({next(iter(form.fields), ""): str(error)})
                    return
                self.show_errors({"people": str(error)})
                return
            self.context.errors.report(error)

        if form is not None:
            form.set_busy(True)
        run_db(self, self.context, work, saved, failed)

    def _form(self, heading: str, *, ask_name: bool, ask_pin: bool, name: str = "",
              ok_text: str = "Save", on_save: Callable[[VolunteerFormDialog, dict[str, str]], None]
              ) -> VolunteerFormDialog:
        form = VolunteerFormDialog(self, heading, ask_name=ask_name, ask_pin=ask_pin, name=name,
                                   ok_text=ok_text)
        form.on_save = lambda values: on_save(form, values)
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.open()
        return form

    def add_person(self) -> None:
        actor = self.context.actor
        assert actor is not None

        def save(form: VolunteerFormDialog, values: dict[str, str]) -> None:
            self._change(lambda db: volunteers.add_volunteer(db, actor, values["name"], values["pin"]),
                         f"Added {values['name']}.", form=form)

        self._form("Add a volunteer", ask_name=True, ask_pin=True, ok_text="Add", on_save=save)

    def rename_person(self) -> None:
        person = self.selected
        if person is not None:
            self._edit_selected(
                f"Rename {person.display_name}", ask_name=True,
                work=lambda db, actor, values: volunteers.rename_volunteer(
                    db, actor, person.id, values["name"]),
                done=lambda values: f"Renamed to {values['name']}.")

    def reset_pin(self) -> None:
        person = self.selected
        if person is not None:
            self._edit_selected(
                f"New PIN for {person.display_name}", ask_name=False,
                work=lambda db, actor, values: volunteers.set_pin(db, actor, person.id, values["pin"]),
                done=lambda _values: f"New PIN set for {person.display_name}.")

    def _edit_selected(self, heading: str, *, ask_name: bool,
                       work: Callable[[Session, Actor, dict[str, str]], Any],
                       done: Callable[[dict[str, str]], str]) -> None:
        """Ask for a new name or a new PIN for the chosen volunteer, then save it."""
        person, actor = self.selected, self.context.actor
        if person is None or actor is None:
            return

        def save(form: VolunteerFormDialog, values: dict[str, str]) -> None:
            self._change(lambda db: work(db, actor, values), done(values), person.id, form=form)

        self._form(heading, ask_name=ask_name, ask_pin=not ask_name,
                   name=person.display_name if ask_name else "", on_save=save)

    def toggle_role(self) -> None:
        person, actor = self.selected, self.context.actor
        if person is None or actor is None:
            return
        role = "volunteer" if person.role == "coordinator" else "coordinator"
        self._change(lambda db: volunteers.set_role(db, actor, person.id, role),
                     f"{person.display_name} is now a {role}.", person.id)

    def deactivate_person(self) -> None:
        person, actor = self.selected, self.context.actor
        if person is None or actor is None:
            return
        self._ask(f"Deactivate {person.display_name}? Their PIN will no longer open HubDesk. "
                  "Their records stay. You can give them a new PIN later.",
                  lambda: self._change(lambda db: volunteers.deactivate_volunteer(db, actor, person.id),
                                       f"{person.display_name} is deactivated.", person.id))

    def _ask(self, question: str, on_yes: Callable[[], None]) -> None:
        """A Yes/No question that does not block (No is the default; Alt+Y says yes)."""
        box = QMessageBox(QMessageBox.Icon.Question, "HubDesk", question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.question = box

        def answered(button: int) -> None:
            self.question = None
            if button == QMessageBox.StandardButton.Yes:
                on_yes()

        box.finished.connect(answered)
        box.open()

    def save_minutes(self) -> None:
        actor = self.context.actor
        if actor is None:
            return
        minutes = self.minutes.value()
        self._change(lambda db: lock_settings.set_auto_lock_minutes(db, actor, minutes),
                     f"HubDesk will lock after {minutes} quiet minutes.")

    def review_purge(self) -> None:
        """Show the coordinator what the retention purge removes, then run it if they agree."""
        run_db(self, self.context, retention.purge_preview, self._confirm_purge)

    def _confirm_purge(self, preview: retention.PurgePreview) -> None:
        if not preview.people and not preview.notes:
            self.status.setText(preview.summary)
            self.status.setAccessibleName(preview.summary)
            return
        actor = self.context.actor
        assert actor is not None
        self._ask(f"{preview.summary} The anonymous records stay.",
                  lambda: self._change(lambda db: retention.purge_identifying_details(db, actor),
                                       "Old identifying details were removed from this laptop."))

    def accept_requested(self) -> None:
        self.done_ok()
