"""Suggest a change to the services directory (coordinators): correct an entry, pause,
close or reopen it, or add a new service.  The council checks every suggestion before
the directory changes for every hub; the laptop keeps it as a synced record.

Each field is labelled above and reachable by Tab in reading order (Alt+letter jumps
to it); the categories list toggles with Space.  Enter saves, Esc cancels; problems
are said next to their field and summarised at the top, and nothing typed is lost.

Signals:
    saved(str): the suggestion was saved; what to tell the coordinator, in words.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPlainTextEdit, QWidget

from hubdesk.core.vocab import vocabularies
from hubdesk.protocol.services import SERVICE_TEXT_LIMITS, SUGGESTION_REASON_MAX
from hubdesk.services import suggestions
from hubdesk.services.directory import ServiceRow
from hubdesk.services.suggestions import ACTION_WORDS, ProposedChange, SuggestionMade
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.widgets import combo_select, combo_with_terms, em, line_edit, run_db

#: the text fields, their labels (with the Alt+letter) and hints, in reading order
TEXT_FIELDS = (
    ("name", "&Name", ""),
    ("organisation", "&Organisation", ""),
    ("phone", "&Phone", ""),
    ("web", "Web&site", "Like www.example.org"),
    ("email", "E&mail", ""),
    ("opening_times", "Opening &times", "Like “Mon–Fri 9am–5pm” or “Tue 10:00–12:00”"),
    ("area", "A&rea", "Where it serves, like Stevenage"),
    ("eligibility", "Who it is &for", ""),
)
_STATUS_ACTIONS = {"active": ("correct", "pause", "close"), "paused": ("correct", "reopen", "close"),
                   "closed": ("correct", "reopen")}


class SuggestionDialog(BaseDialog):
    saved = Signal(str)

    def __init__(self, context: AppContext, service: ServiceRow | None,
                 parent: QWidget | None = None) -> None:
        adding = service is None
        super().__init__(
            "Suggest a new service" if adding else "Suggest a change",
            f"Suggest a change to {service.name}" if service else "Suggest a new service",
            parent, intro="The council checks every suggestion before the directory changes "
                          "for every hub. It is sent at the next sync.",
            ok_text="Sa&ve suggestion")
        self.context = context
        self.service = service
        vocab = vocabularies()
        self.action = combo_with_terms(
            [(code, ACTION_WORDS[code]) for code in _STATUS_ACTIONS.get(
                service.status if service else "", ("add",))])
        self.action.setVisible(not adding)
        self.action_field = self.add_field("action", "&What do you suggest?", self.action)
        self.action_field.setVisible(not adding)
        self.inputs: dict[str, Any] = {}
        for key, label, hint in TEXT_FIELDS:
            edit = line_edit(max_length=SERVICE_TEXT_LIMITS[key] + 20)
            edit.setText(str(getattr(service, key, "") or ""))
            self.inputs[key] = edit
            self.add_field(key, label, edit, hint)
        self.categories = QListWidget()
        self.categories.setAccessibleName("Categories")
        for term in vocab.service_categories.terms:
            item = QListWidgetItem(term.label)
            item.setData(Qt.ItemDataRole.UserRole, term.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            chosen = service is not None and term.code in service.categories
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
            self.categories.addItem(item)
        self.categories.setFixedHeight(em(self, 7))
        self.categories.setCurrentRow(0)
        self.inputs["categories"] = self.categories
        self.add_field("categories", "&Categories", self.categories,
                       "Arrow keys move; Space ticks or unticks.")
        self.access = combo_with_terms([(t.code, t.label) for t in vocab.service_access.terms])
        combo_select(self.access, service.access if service else "signpost_only")
        self.inputs["access"] = self.access
        self.add_field("access", "How people &get in touch", self.access)
        self.description = QPlainTextEdit(service.description if service else "")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(em(self, 4))
        self.inputs["description"] = self.description
        self.add_field("description", "A&bout the service", self.description)
        self.reason = line_edit("", max_length=SUGGESTION_REASON_MAX + 20)
        self.add_field("reason", "Wh&y? (for the council)", self.reason,
                       "For example “the number changed in May”. No one's personal details.")
        self.action.currentIndexChanged.connect(lambda _i: self._show_fields())
        self._show_fields()
        self.finish_body()
        self.fit_to_screen(40)
        (self.inputs["name"] if adding else self.action).setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def chosen_action(self) -> str:
        return str(self.action.currentData() or "add")

    def _show_fields(self) -> None:
        """Details are asked for only when they change (add, correct)."""
        editing = self.chosen_action in ("add", "correct")
        for key in self.inputs:
            self.fields[key].setVisible(editing)
        self.refit()

    def _details(self) -> dict[str, Any]:
        details: dict[str, Any] = {key: self.inputs[key].text() for key, _l, _h in TEXT_FIELDS}
        details["description"] = self.description.toPlainText()
        details["categories"] = [
            self.categories.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.categories.count())
            if self.categories.item(i).checkState() == Qt.CheckState.Checked]
        details["access"] = self.access.currentData()
        return details

    def accept_requested(self) -> None:
        actor = self.context.actor
        if not self.coordinator_or_say(actor, "Only a coordinator can suggest directory changes."):
            return
        action = self.chosen_action
        change = ProposedChange(
            action=action, service_id=self.service.id if self.service else None,
            reason=self.reason.text(),
            details=self._details() if action in ("add", "correct") else {})
        self.clear_errors()
        self.set_busy(True)
        name = self.service.name if self.service else change.details.get("name", "")

        def saved(made: SuggestionMade) -> None:
            self.set_busy(False)
            self.saved.emit(f"Your suggestion about {name} is saved, waiting for the council. "
                            "It is sent at the next sync.")
            self.done_ok()

        run_db(self, self.context, lambda db: suggestions.propose(db, actor, change), saved,
               lambda error: self.show_failure(error, self.context.errors.report))
