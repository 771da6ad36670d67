""""Safeguarding alerts": a coordinator reviews open alerts and says what they did.

Opened from the red alerts button in the main window's header (or Go ▸ Safeguarding
alerts…, Ctrl+Shift+A).  The list shows every open alert, oldest first; the details
of the selected one (with the visit's restricted note, which the coordinator needs
for the escalation) are shown below it, then "What did you do?" and "Mark as dealt
with" (Enter).  Esc closes.  The dialog reloads itself when alerts change, so the
header's count and this list always agree.

Signals:
    acknowledged(str): an alert (by id) was marked as dealt with.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QLabel, QWidget

from hubdesk.core.days import day_words
from hubdesk.core.errors import UserFacingError, ValidationError
from hubdesk.core.vocab import vocabularies
from hubdesk.services import alerts
from hubdesk.services.alerts import ACTION_FIELD, MAX_ACTION, AlertRow
from hubdesk.services.common import Changes
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import RowListModel
from hubdesk.ui.review_parts import details_panel, fit_list_to_rows
from hubdesk.ui.widgets import (
    HintLabel,
    em,
    line_edit,
    review_list,
    run_db,
)

Index = QModelIndex | QPersistentModelIndex

SHORTCUT = "Ctrl+Shift+A"
NONE_OPEN = "There are no open safeguarding alerts."


def _when(row: AlertRow) -> str:
    return f"{row.raised_at:%a %d %b, %H:%M}"


def alert_line(row: AlertRow) -> str:
    """One line of the list: when, where, who raised it."""
    where = row.session_title or "Session not found"
    return f"⚠ {_when(row)} · {where} · raised by {row.raised_by}"


def alert_details(row: AlertRow) -> str:
    """The selected alert in plain text, one fact a line."""
    vocab = vocabularies()
    topics = ", ".join(vocab.mecc_topics.label(t) for t in row.topics) or "None recorded"
    lines = [
        f"Raised: {day_words(row.raised_at, year=True)} at {row.raised_at:%H:%M} by {row.raised_by}",
        f"Session: {row.session_title or 'not found on this laptop'}",
        f"Age: {vocab.age_bands.label(row.age_band)} · Sex: {vocab.sexes.label(row.sex)}",
        f"Topics: {topics}",
    ]
    if row.note is not None:
        lines.append(f"Note: {row.note or 'No note was written.'}")
    return "\n".join(lines)


class AlertListModel(RowListModel[AlertRow]):
    """Open alerts (plain :class:`AlertRow` values; never touches the database)."""

    def display(self, row: AlertRow) -> str:
        return alert_line(row)

    def details(self, row: AlertRow) -> str:
        return alert_details(row)


class AlertsDialog(BaseDialog):
    acknowledged = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Safeguarding alerts", "Safeguarding alerts", parent,
            intro="Follow up each concern a volunteer flagged, then say what you did.",
            ok_text="&Mark as dealt with", cancel_text="Close")
        self.context = context
        self.model = AlertListModel(self)
        self.list = review_list(self.model)
        self.list.setSpacing(max(2, em(self, 0.15)))  # breathing room between alerts
        self.list.setFixedHeight(em(self, 4))
        self.add_field("alerts", "&Open alerts (oldest first)", self.list)

        self.empty_note = HintLabel(NONE_OPEN)
        self.empty_note.hide()
        self.add_widget(self.empty_note)

        self.details_box, _box, self.details = details_panel("About this alert")
        self.details.setObjectName("alertDetails")
        self.add_widget(self.details_box)

        self.action = line_edit(max_length=MAX_ACTION)
        self.action_field = self.add_field(
            ACTION_FIELD, "&What did you do?", self.action,
            "For example “Called the adult safeguarding team”. Do not write the person's name.")
        self.done_note = QLabel("")
        self.done_note.setObjectName("doneNote")
        self.done_note.setWordWrap(True)
        self.done_note.setTextFormat(Qt.TextFormat.PlainText)
        self.done_note.hide()
        self.add_widget(self.done_note)
        self.finish_body()
        self.fit_to_screen(width_em=48)  # wide enough for one line per alert

        self.setTabOrder(self.list, self.details)
        self.setTabOrder(self.details, self.action)
        self.setTabOrder(self.action, self.ok_button)
        if self.cancel_button is not None:
            self.setTabOrder(self.ok_button, self.cancel_button)
        self.ok_button.setToolTip("Mark the selected alert as dealt with (Enter)")
        # the selection model is the list's child: the connection ends with the dialog
        self.list.selectionModel().currentChanged.connect(
            lambda current, _previous: self._show_selected(self.model.row_of(current)))
        context.runner.data_changed.connect(self._data_changed)
        self._show_selected(None)
        self.loaded = False
        self.reload()

    # ---- loading --------------------------------------------------------------------

    def reload(self) -> None:
        actor = self.context.actor
        run_db(self, self.context, lambda db: alerts.list_open_alerts(db, actor), self._loaded)

    def _data_changed(self, changes: Changes) -> None:
        if "alert" in changes.kinds:
            self.reload()

    def _loaded(self, rows: list[AlertRow]) -> None:
        current = self.selected
        self.model.set_rows(rows)
        self.loaded = True
        self.show_rows_or_empty(bool(rows), self.empty_note, self.fields["alerts"],
                                self.action_field)
        if not rows:
            self._show_selected(None)
            return
        self._fit_list()
        keep = next((i for i, row in enumerate(rows) if current and row.id == current.id), 0)
        index = self.model.index(keep, 0)
        self.list.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._show_selected(self.model.row_at(keep))
        if not self.list.hasFocus() and not self.action.hasFocus():
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
        self.refit()

    def _fit_list(self) -> None:
        """As tall as its alerts, up to four (it scrolls beyond): no empty box, nothing cut."""
        fit_list_to_rows(self.list, 4)

    @property
    def selected(self) -> AlertRow | None:
        return self.model.row_of(self.list.currentIndex())

    def _show_selected(self, row: AlertRow | None) -> None:
        self.details_box.setVisible(row is not None)
        self.details.setText(alert_details(row) if row is not None else "")
        self.ok_button.setEnabled(row is not None and not self.busy)

    # ---- acknowledging -----------------------------------------------------------------

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """As the base does, then scroll so "What did you do?" and its error are in view
        (the summary stays at the top; on a small screen the field may be below the fold)."""
        super().show_errors(errors)
        if errors:
            QTimer.singleShot(0, self, lambda: self.scroll_area.ensureWidgetVisible(self.action_field))

    def accept_requested(self) -> None:
        """Enter / "Mark as dealt with": check the answer, then save it."""
        row = self.selected
        if row is None:
            return
        actor = self.context.actor
        if not self.coordinator_or_say(actor, "Only a coordinator can mark an alert as dealt "
                                              "with. Tell the coordinator."):
            return
        text = self.action.text()
        errors = alerts.check_action(text)
        self.show_errors(errors)
        if errors:
            return
        self.done_note.hide()
        self.set_busy(True)
        alert_id = row.id
        run_db(self, self.context,
               lambda db: alerts.acknowledge_alert(db, actor, alert_id, text),
               lambda _changes: self._acknowledged(alert_id), self._failed)

    def _acknowledged(self, alert_id: str) -> None:
        self.set_busy(False)
        self.action.clear()
        self.done_note.setText("✓ Marked as dealt with.")
        self.done_note.show()
        self.acknowledged.emit(alert_id)

    def _failed(self, error: BaseException) -> None:
        self.set_busy(False)
        if isinstance(error, ValidationError):
            self.show_errors(error.field_errors)
            if "alert" in error.field_errors:
                self.reload()
        elif isinstance(error, UserFacingError):
            self.show_errors({"": str(error)})
            self.reload()
        else:
            self.context.errors.report(error)
