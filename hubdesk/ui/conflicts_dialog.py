""""Conflicting changes": a coordinator chooses, field by field, which answer to keep.

Opened from Go ▸ Conflicting changes… (Ctrl+Shift+K) or from a conflict row of the
sync panel's "needs attention" list.  The same answer of a record was changed in two
places (a stale edit on this laptop, or this laptop and the server): both values are
shown side by side, one row per answer, in plain words.  Keyboard first: Tab goes
from the list of records to each answer's pair of choices (arrow keys or Space pick
one), then to "Keep the chosen answers" (Enter); Esc closes.  Saving writes a new
version of the record (audited, sent at the next sync) and the list reloads.

Signals:
    resolved(int): a conflict (by id) was settled.
"""

from __future__ import annotations

import textwrap

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hubdesk.core.errors import UserFacingError, ValidationError
from hubdesk.services import conflicts
from hubdesk.services.common import Changes
from hubdesk.services.conflicts import KEEP_OTHER, KEEP_THIS_LAPTOP, ConflictInfo
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import RowListModel
from hubdesk.ui.widgets import Heading, HintLabel, em, review_list, run_db

SHORTCUT = "Ctrl+Shift+K"
NONE_OPEN = "There are no conflicting changes. Nothing needs choosing."
CHOICES_FIELD = "choices"
CHOICE_LINE_CHARS = 30  # about a column's width in average characters


def conflict_line(row: ConflictInfo) -> str:
    count = len(row.fields)
    return f"{row.title} · {count} answer{'s' if count != 1 else ''} changed in two places"


class ConflictListModel(RowListModel[ConflictInfo]):
    """Open conflicts (plain :class:`ConflictInfo` values)."""

    def display(self, row: ConflictInfo) -> str:
        return conflict_line(row)

    def details(self, row: ConflictInfo) -> str:
        return ", ".join(f.label for f in row.fields)

    def row_id(self, row: ConflictInfo) -> str:
        return str(row.id)


def choice_text(value: str) -> str:
    """"Keep <value>", broken into lines (a radio button's text does not wrap by itself,
    and a long list of signposts must not push the window wider than the screen)."""
    return textwrap.fill(f"Keep {value}", width=CHOICE_LINE_CHARS, break_long_words=False,
                         break_on_hyphens=False)


def _value_label(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setObjectName(name)
    return label


class ConflictsDialog(BaseDialog):
    resolved = Signal(int)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Conflicting changes", "Conflicting changes", parent,
            intro="These answers were changed in two places. For each one, choose the answer "
                  "to keep. The other stays in the record's history.",
            ok_text="&Keep the chosen answers", cancel_text="Close")
        self.context = context
        self.model = ConflictListModel(self)
        self.list = review_list(self.model)
        self.list.setAccessibleName("Records with conflicting changes")
        self.list_field = self.add_field("conflicts", "&Records (oldest first)", self.list)
        self.empty_note = HintLabel(NONE_OPEN)
        self.empty_note.hide()
        self.add_widget(self.empty_note)

        self.choices_box = QFrame()  # plain white: the radio buttons' own background
        box = QVBoxLayout(self.choices_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(em(self, 0.5))
        self.choices_heading = Heading("Choose the answer to keep", level=2)
        box.addWidget(self.choices_heading)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(em(self, 1.2))
        self.grid.setVerticalSpacing(em(self, 0.6))
        box.addWidget(self.grid_host)
        self.add_widget(self.choices_box)
        self.done_note = _value_label("", "doneNote")
        self.done_note.hide()
        self.add_widget(self.done_note)
        self.finish_body()
        self.fit_to_screen(width_em=56)  # two values side by side without cramping

        self.groups: dict[str, QButtonGroup] = {}
        self.radios: list[QRadioButton] = []
        self.ok_button.setToolTip("Save the chosen answers as a new version (Enter)")
        # the selection model is the list's child: the connection ends with the dialog
        self.list.selectionModel().currentChanged.connect(
            lambda current, _previous: self._show(self.model.row_of(current)))
        context.runner.data_changed.connect(self._data_changed)
        self.loaded = False
        self._show(None)
        self.reload()

    # ---- loading ----------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.context.actor
        if actor is None:  # locked meanwhile: show nothing
            self._loaded([])
            return
        run_db(self, self.context, lambda db: conflicts.list_conflicts(db, actor),
               self._loaded, self._failed)

    def _data_changed(self, changes: Changes) -> None:
        if "conflict" in changes.kinds and not self.busy:
            self.reload()

    def _loaded(self, rows: list[ConflictInfo]) -> None:
        keep_id = self.selected.id if self.selected else None
        self.model.set_rows(rows)
        self.loaded = True
        self.show_rows_or_empty(bool(rows), self.empty_note, self.list_field)
        if not rows:
            self._show(None)
            return
        keep = next((i for i, row in enumerate(rows) if row.id == keep_id), 0)
        self.list.setFixedHeight(min(len(rows), 3) * max(self.list.sizeHintForRow(0), em(self, 1.4))
                                 + 2 * self.list.frameWidth() + em(self, 0.3))
        self.list.selectionModel().setCurrentIndex(
            self.model.index(keep, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._show(self.model.row_at(keep))
        first = self.radios[0] if self.radios else self.list
        (self.list if len(rows) > 1 else first).setFocus(Qt.FocusReason.OtherFocusReason)
        self.refit()

    @property
    def selected(self) -> ConflictInfo | None:
        return self.model.row_of(self.list.currentIndex())

    # ---- the side-by-side choices ------------------------------------------------------

    def _show(self, row: ConflictInfo | None) -> None:
        """One grid row per answer: its label, then this laptop's and the other value,
        each a radio button whose text says whose answer it is."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.groups, self.radios = {}, []
        self.choices_box.setVisible(row is not None)
        self.ok_button.setEnabled(row is not None and not self.busy)
        if row is None:
            return
        header_left = _value_label(f"On this laptop, by {row.this_laptop_by}", "sideHeading")
        header_right = _value_label(f"Elsewhere, by {row.other_by}", "sideHeading")
        for header in (header_left, header_right):
            font = header.font()
            font.setBold(True)
            header.setFont(font)
        self.grid.addWidget(QLabel(""), 0, 0)
        self.grid.addWidget(header_left, 0, 1)
        self.grid.addWidget(header_right, 0, 2)
        previous: QWidget = self.list
        for number, field in enumerate(row.fields, start=1):
            label = _value_label(field.label, "fieldLabel")
            label.setTextFormat(Qt.TextFormat.PlainText)
            group = QButtonGroup(self.grid_host)
            group.setExclusive(True)
            mine = QRadioButton(choice_text(field.this_laptop))
            other = QRadioButton(choice_text(field.other))
            mine.setAccessibleName(f"{field.label}: keep this laptop's answer, {field.this_laptop}")
            other.setAccessibleName(f"{field.label}: keep the other answer, {field.other}")
            for radio, choice in ((mine, KEEP_THIS_LAPTOP), (other, KEEP_OTHER)):
                radio.setProperty("choice", choice)
                group.addButton(radio)
                self.radios.append(radio)
            label.setBuddy(mine)
            self.grid.addWidget(label, number, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(mine, number, 1, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(other, number, 2, Qt.AlignmentFlag.AlignTop)
            self.groups[field.name] = group
            self.setTabOrder(previous, mine)
            self.setTabOrder(mine, other)
            previous = other
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        self.setTabOrder(previous, self.ok_button)
        if self.cancel_button is not None:
            self.setTabOrder(self.ok_button, self.cancel_button)

    def choices(self) -> dict[str, str]:
        chosen: dict[str, str] = {}
        for name, group in self.groups.items():
            button = group.checkedButton()
            if button is not None:
                chosen[name] = str(button.property("choice"))
        return chosen

    # ---- saving -------------------------------------------------------------------------

    def accept_requested(self) -> None:
        """Enter / "Keep the chosen answers": every answer needs a choice, then save."""
        row = self.selected
        if row is None:
            return
        actor = self.context.actor
        if not self.coordinator_or_say(actor, "Only a coordinator can settle conflicting "
                                              "changes. Ask your coordinator."):
            return
        choices = self.choices()
        missing = [f.label for f in row.fields if f.name not in choices]
        if missing:
            self.show_errors({CHOICES_FIELD: "Choose which answer to keep for: "
                                             + ", ".join(missing) + "."})
            first_missing = next(f.name for f in row.fields if f.name not in choices)
            self.groups[first_missing].buttons()[0].setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.clear_errors()
        self.done_note.hide()
        self.set_busy(True)
        conflict_id = row.id
        run_db(self, self.context,
               lambda db: conflicts.resolve_conflict(db, actor, conflict_id, choices),
               lambda _changes: self._saved(conflict_id), self._failed)

    def _saved(self, conflict_id: int) -> None:
        self.set_busy(False)
        self.done_note.setText("✓ Saved as a new version. It will be sent at the next sync.")
        self.done_note.show()
        self.resolved.emit(conflict_id)
        self.reload()

    def _failed(self, error: BaseException) -> None:
        self.set_busy(False)
        if isinstance(error, ValidationError):
            self.show_errors({CHOICES_FIELD: " ".join(error.field_errors.values())})
        elif isinstance(error, UserFacingError):
            self.show_errors({"": str(error)})
            self.reload()
        else:
            self.context.errors.report(error)
